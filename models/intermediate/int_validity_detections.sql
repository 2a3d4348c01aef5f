-- One row per detection on a validity fixture: which detector fired, where (the
-- `validity_metric`; per-layer detectors name the layer, the coordination detector does not).

with layer_series as (
    select * from {{ ref('int_layer_series_flagged') }}
),

step_coordination as (
    select * from {{ ref('int_step_coordination') }}
),

change_points as (
    select * from {{ ref('int_change_points') }}
),

fixture_series as (
    select *
    from layer_series
    where is_validity_fixture and metric = {{ string_literal(var('validity_metric')) }}
),

series_detections as (
    select
        'jump_z_score' as detector,
        run_id,
        layer,
        measurement_index
    from fixture_series
    where is_jump
    union all
    select
        'robust_jump_z' as detector,
        run_id,
        layer,
        measurement_index
    from fixture_series
    where is_robust_jump
    union all
    select
        'critical_p90' as detector,
        run_id,
        layer,
        measurement_index
    from fixture_series
    where is_critical
    union all
    select
        'transition_p90' as detector,
        run_id,
        layer,
        measurement_index
    from fixture_series
    where is_transition
),

change_point_detections as (
    select
        'change_point' as detector,
        run_id,
        layer,
        measurement_index
    from change_points
    where
        is_validity_fixture
        and metric = {{ string_literal(var('validity_metric')) }}
        and measurement_index is not null
),

coordination_detections as (
    select
        'coordination' as detector,
        run_id,
        {{ null_text() }} as layer,
        measurement_index
    from step_coordination
    where
        is_validity_fixture
        and metric = {{ string_literal(var('validity_metric')) }}
        and is_coordinated
),

detections as (
    select * from series_detections
    union all
    select * from change_point_detections
    union all
    select * from coordination_detections
),

marked as (
    select
        *,
        -- In the early transient: no event is planted there; counted apart.
        measurement_index < {{ var('validity_warmup_measurements') | int }} as is_warmup
    from detections
)

select * from marked
