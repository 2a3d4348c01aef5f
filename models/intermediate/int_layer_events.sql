{{ config(materialized='view') }}
-- One row per event of a real run's layer series by each agreement detector (z > 2 jumps,
-- robust jumps, change points), with the series length for shifting. The jump flags are
-- read from int_layer_dynamics's sparse index lists, never from the per-step view.

with layer_dynamics as (
    select * from {{ ref('int_layer_dynamics') }}
),

run_series as (
    select * from {{ ref('int_run_series') }}
),

change_points as (
    select * from {{ ref('int_change_points') }}
),

real_series as (
    select
        run_id,
        metric,
        layer,
        jump_indices,
        robust_jump_indices,
        -- Velocities per layer series: events are shifted circularly over them.
        n_measurements - 1 as n_velocities
    from layer_dynamics
    where not is_validity_fixture
),

flag_events as (
    select
        'jump_z_score' as detector,
        run_id,
        metric,
        layer,
        {{ unnest_list('jump_indices') }} as series_index
    from real_series
    union all
    select
        'robust_jump_z' as detector,
        run_id,
        metric,
        layer,
        {{ unnest_list('robust_jump_indices') }} as series_index
    from real_series
),

change_point_events as (
    -- Change points are located by measurement_index: map them to the series index
    -- (measurement_indices[i + 1] is series index i).
    select
        'change_point' as detector,
        change_points.run_id,
        change_points.metric,
        change_points.layer,
        {{ list_position('run_series.measurement_indices', 'change_points.measurement_index') }} - 1
            as series_index
    from change_points
    inner join run_series on change_points.run_id = run_series.run_id
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
        real_series.n_velocities
    from events
    inner join real_series
        on
            events.run_id = real_series.run_id
            and events.metric = real_series.metric
            and events.layer = real_series.layer
)

select * from sized
