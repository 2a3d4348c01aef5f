{{
    config(**per_run_incremental(
        'run_id', "{{ delete_removed_runs('int_runs_validated') }}", on_schema_change=none,
        record_hook="{{ record_held_run_versions(upstream_run_versions(
            ref('int_runs_validated'), where='is_analyzed'
        )) }}",
    ))
}}
-- One row per analysed run, metric and layer: the series maths of METHODS.md 1.1-1.3 in one
-- pass over the layer's values held as one list (int_layer_series): the layer's moments,
-- percentile thresholds and robust scale, its stabilization index, and every per-step flag
-- stored sparsely as the list of series indices where it holds (0-based). Per-step rows, when
-- wanted, are the view int_layer_series_flagged.

{%- set is_reference = var('analysis_mode') == 'reference' %}
{%- set window = var('stabilization_window') | int %}
{%- set percentile = var('critical_percentile') %}

with runs as (
    select * from {{ ref('int_runs_validated') }}
),

layer_series as (
    select * from {{ ref('int_layer_series') }}
),

analyzed_runs as (
    select * from runs
    where is_analyzed
),

changed_runs as (
    select
        run_id,
        {{ derived_run_version('run_version') }} as run_version,
        is_validity_fixture,
        num_steps
    from analyzed_runs
    {{- only_new_run_versions('analyzed_runs') }}
),

series as (
    select
        changed_runs.run_id,
        changed_runs.run_version,
        changed_runs.is_validity_fixture,
        changed_runs.num_steps,
        layer_series.metric,
        layer_series.layer,
        layer_series.layer_position,
        layer_series.n_measurements,
        layer_series.series_values
    from layer_series
    inner join changed_runs on layer_series.run_id = changed_runs.run_id
),

derivatives as (
    select
        *,
        -- v_i = x_(i+1) - x_i; a_i = v_(i+1) - v_i exactly as written (lists are 1-based).
        {{ successive_differences('series_values', 'n_measurements') }} as velocities
    from series
),

accelerations as (
    select
        *,
        {{ successive_differences('velocities', 'n_measurements - 1') }} as accelerations,
        {{ list_mean('series_values') }} as mean_value,
        {{ list_mean('velocities') }} as mean_velocity,
        {{ list_median('velocities') }} as median_velocity
    from derivatives
),

moments as (
    select
        *,
        -- P90 with linear interpolation (quantile_cont, numpy's default).
        {{ list_quantile(list_map('velocities', 'velocity', 'abs(velocity)'), percentile) }}
            as velocity_threshold,
        {{ list_quantile(list_map('accelerations', 'acceleration', 'abs(acceleration)'), percentile) }}
            as acceleration_threshold,
        -- Two-pass population standard deviation, as numpy computes it.
        sqrt({{ list_mean(list_map('velocities', 'velocity', 'power(velocity - mean_velocity, 2)')) }})
            as velocity_std,
        -- Robust spread of v (not in the report): 1.4826 MAD, or 1.2533 mean absolute
        -- deviation when more than half the velocities equal the median (integer metrics).
        {%- set absolute_deviations = list_map(
            'velocities', 'velocity', 'abs(velocity - median_velocity)'
        ) %}
        coalesce(
            nullif(1.4826 * {{ list_median(absolute_deviations) }}, 0),
            1.2533 * {{ list_mean(absolute_deviations) }}
        ) as velocity_robust_scale
    from accelerations
),

flagged as (
    select
        run_id,
        run_version,
        is_validity_fixture,
        metric,
        layer,
        layer_position,
        num_steps,
        n_measurements,
        mean_value,
        mean_velocity,
        velocity_std,
        median_velocity,
        velocity_robust_scale,
        velocity_threshold,
        acceleration_threshold,
        -- 1.1: the first examined window (k .. k+w-1) whose variance is below (f mu)^2;
        -- reference never looks at the last full window.
        {{ list_at(index_range_filter(
            'greatest(n_measurements - ' ~ window ~ ('' if is_reference else ' + 1') ~ ', 0)',
            'k',
            list_slice_var_pop('series_values', 'k + 1', window)
            ~ ' < power(' ~ var('stabilization_fraction') ~ ' * mean_value, 2)'
        ), 1) }} as stabilization_index,
        -- Per-step flags, sparse: the series indices where each holds.
        {{ index_range_filter(
            'n_measurements - 1', 'i',
            'abs(' ~ list_at('velocities', 'i + 1') ~ ') > velocity_threshold'
        ) }} as critical_indices,
        {{ index_range_filter(
            'n_measurements - 2', 'i',
            'abs(' ~ list_at('accelerations', 'i + 1') ~ ') > acceleration_threshold'
        ) }} as transition_indices,
        {{ index_range_filter(
            'n_measurements - 1', 'i',
            'abs(' ~ list_at('velocities', 'i + 1') ~ ' - mean_velocity) / nullif(velocity_std, 0) > '
            ~ var('jump_z_threshold')
        ) }} as jump_indices,
        {{ index_range_filter(
            'n_measurements - 1', 'i',
            'abs(' ~ list_at('velocities', 'i + 1') ~ ' - median_velocity)'
            ~ ' / nullif(velocity_robust_scale, 0) > ' ~ var('robust_jump_z_threshold')
        ) }} as robust_jump_indices
    from moments
)

select * from flagged
