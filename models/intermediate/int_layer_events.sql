-- One row per event of a real run's layer series by each agreement detector (z > 2 jumps,
-- robust jumps, change points), with the series length for shifting.

with layer_series as (
    select * from {{ ref('int_layer_series_flagged') }}
),

change_points as (
    select * from {{ ref('int_change_points') }}
),

real_series as (
    select * from layer_series
    where not is_validity_fixture
),

series_lengths as (
    -- Velocities per layer series: events are shifted circularly over them.
    select distinct
        run_id,
        metric,
        layer,
        n_measurements - 1 as n_velocities
    from real_series
),

flag_events as (
    select
        'jump_z_score' as detector,
        run_id,
        metric,
        layer,
        series_index
    from real_series
    where is_jump
    union all
    select
        'robust_jump_z' as detector,
        run_id,
        metric,
        layer,
        series_index
    from real_series
    where is_robust_jump

),

change_point_events as (
    -- Change points are located by measurement_index: map them to the series index.
    select
        'change_point' as detector,
        change_points.run_id,
        change_points.metric,
        change_points.layer,
        real_series.series_index
    from change_points
    inner join real_series
        on
            change_points.run_id = real_series.run_id
            and change_points.metric = real_series.metric
            and change_points.layer = real_series.layer
            and change_points.measurement_index = real_series.measurement_index
    where not change_points.is_validity_fixture and change_points.measurement_index is not null
),

events as (
    select * from flag_events
    union all
    select * from change_point_events
),

sized as (
    select
        events.*,
        series_lengths.n_velocities
    from events
    inner join series_lengths
        on
            events.run_id = series_lengths.run_id
            and events.metric = series_lengths.metric
            and events.layer = series_lengths.layer
)

select * from sized
