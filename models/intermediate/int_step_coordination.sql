{{
    config(**per_run_incremental(
        'run_id', "{{ delete_removed_runs('int_runs_validated') }}", on_schema_change=none,
        record_hook="{{ record_held_run_versions(upstream_run_versions(ref('int_layer_dynamics'))) }}",
    ))
}}
-- One row per analysed run, metric and series index: how many layers are critical together,
-- counted from int_layer_dynamics' sparse critical indices.

with layer_dynamics as (
    select * from {{ ref('int_layer_dynamics') }}
),

run_series as (
    select * from {{ ref('int_run_series') }}
),

changed_layers as (
    select * from layer_dynamics
    {{- only_new_run_versions('layer_dynamics') }}
),

run_metrics as (
    select
        run_id,
        metric,
        {{ derived_run_version('any_value(run_version)') }} as run_version,
        any_value(is_validity_fixture) as is_validity_fixture,
        count(*) as n_layers
    from changed_layers
    group by run_id, metric
),

critical_counts as (
    select
        run_id,
        metric,
        series_index,
        count(*) as n_critical_layers
    from (
        select
            run_id,
            metric,
            {{ unnest_list('critical_indices') }} as series_index
        from changed_layers
    ) as critical_steps
    group by run_id, metric, series_index
),

run_steps as (
    -- One row per series index; the lists unnest side by side (the shorter padded with NULL).
    select
        run_series.run_id,
        {{ unnest_side_by_side([
            [index_range('run_series.n_measurements'), 'series_index'],
            ['run_series.measurement_indices', 'measurement_index'],
            ['run_series.steps', 'step'],
            ['run_series.loss_velocities', 'loss_velocity'],
        ]) }}
    from run_series
    semi join run_metrics on run_series.run_id = run_metrics.run_id
),

steps as (
    select
        run_metrics.*,
        run_steps.series_index,
        run_steps.measurement_index,
        run_steps.step,
        run_steps.loss_velocity
    from run_metrics
    inner join run_steps on run_metrics.run_id = run_steps.run_id
),

coordination as (
    select
        steps.run_id,
        steps.run_version,
        steps.is_validity_fixture,
        steps.metric,
        steps.series_index,
        steps.measurement_index,
        steps.step,
        steps.loss_velocity,
        coalesce(critical_counts.n_critical_layers, 0) as n_critical_layers,
        steps.n_layers,
        -- The last index has no velocity, so nothing is critical there: c = 0, still counted.
        coalesce(critical_counts.n_critical_layers, 0) / steps.n_layers as coordination
    from steps
    left join critical_counts
        on
            steps.run_id = critical_counts.run_id
            and steps.metric = critical_counts.metric
            and steps.series_index = critical_counts.series_index
),

flagged as (
    select
        *,
        coordination >= {{ var('coordinated_threshold') }} as is_coordinated
    from coordination
)

select * from flagged
