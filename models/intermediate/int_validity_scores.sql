-- One row per validity fixture layer-velocity (the `validity_metric`, after the early
-- transient) and thresholded detector: the score the detector compares with its threshold.

{%- set warmup = var('validity_warmup_measurements') | int %}

with layer_series as (
    select * from {{ ref('int_layer_series_flagged') }}
),

fixture_velocities as (
    select
        run_id,
        layer,
        measurement_index,
        velocity,
        velocity_z_score
    from layer_series
    where
        is_validity_fixture
        and metric = {{ string_literal(var('validity_metric')) }}
        and velocity is not null
),

layer_medians as (
    select
        *,
        median(velocity) over layer_velocities as median_velocity,
        percent_rank() over (partition by run_id, layer order by abs(velocity)) as abs_velocity_rank
    from fixture_velocities
    window layer_velocities as (partition by run_id, layer)
),

layer_scales as (
    -- The robust detector's scale: 1.4826 MAD, or 1.2533 mean absolute deviation.
    select
        *,
        coalesce(
            nullif(1.4826 * median(abs(velocity - median_velocity)) over layer_velocities, 0),
            1.2533 * avg(abs(velocity - median_velocity)) over layer_velocities
        ) as robust_scale
    from layer_medians
    window layer_velocities as (partition by run_id, layer)
),

scores as (
    select
        'jump_z_score' as detector,
        run_id,
        layer,
        measurement_index,
        velocity_z_score as score
    from layer_scales
    union all
    select
        'robust_jump_z' as detector,
        run_id,
        layer,
        measurement_index,
        abs(velocity - median_velocity) / nullif(robust_scale, 0) as score
    from layer_scales
    union all
    select
        'critical_p90' as detector,
        run_id,
        layer,
        measurement_index,
        abs_velocity_rank as score
    from layer_scales
),

after_warmup as (
    select * from scores
    where measurement_index >= {{ warmup }}
)

select * from after_warmup
