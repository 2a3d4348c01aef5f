{{
    config(
        materialized='incremental',
        unique_key='run_id',
        incremental_strategy='delete+insert',
        post_hook="{{ delete_removed_runs('int_runs_validated') }}",
    )
}}
-- One row per analysed run, metric, layer and series index (complete measurements only):
-- the value, its derivatives and every per-step flag of METHODS.md 1.1-1.3.

{%- set is_reference = var('analysis_mode') == 'reference' %}
{%- set window = var('stabilization_window') | int %}

with runs as (
    select * from {{ ref('int_runs_validated') }}
),

measurements as (
    select * from {{ ref('int_measurements_validated') }}
),

metric_values as (
    select * from {{ ref('int_metric_values_unnested') }}
),

changed_runs as (
    select * from runs
    {{- only_new_run_versions('runs') }}
),

series as (
    select
        changed_runs.run_id,
        {{ derived_run_version('changed_runs.run_version') }} as run_version,
        changed_runs.is_validity_fixture,
        changed_runs.num_steps,
        metric_values.metric,
        metric_values.layer,
        metric_values.layer_position,
        measurements.series_index,
        measurements.measurement_index,
        measurements.step,
        measurements.loss,
        metric_values.value
    from changed_runs
    inner join measurements on changed_runs.run_id = measurements.run_id
    inner join metric_values
        on
            measurements.run_id = metric_values.run_id
            and measurements.measurement_index = metric_values.measurement_index
    where changed_runs.is_analyzed and measurements.is_complete
),

velocities as (
    select
        *,
        lead(value) over layer_order - value as velocity
    from series
    window layer_order as (partition by run_id, metric, layer order by series_index)
),

derivatives as (
    select
        *,
        count(*) over layer_series as n_measurements,
        -- a_i = v_(i+1) - v_i exactly as written (not x_(i+2) - 2 x_(i+1) + x_i: other rounding).
        lead(velocity) over layer_order - velocity as acceleration,
        lead(loss) over layer_order - loss as loss_velocity,
        -- Endpoints of the speed window: x_b with b = max(0, i-2), x_(e-1) with e = min(n, i+3).
        first_value(value) over (layer_order rows between 2 preceding and current row)
            as speed_window_start_value,
        last_value(value) over (layer_order rows between current row and 2 following)
            as speed_window_end_value,
        -- Population variance of the stabilization window starting here (full windows only).
        var_pop(value) over (
            layer_order rows between current row and {{ window - 1 }} following
        ) as window_variance,
        count(*) over (
            layer_order rows between current row and {{ window - 1 }} following
        ) = {{ window }} as is_full_window
    from velocities
    window
        layer_series as (partition by run_id, metric, layer),
        layer_order as (partition by run_id, metric, layer order by series_index)
),

layer_moments as (
    -- Whole-layer statistics as window aggregates over the layer's partition: no group-by
    -- state (a quantile keeps every value) and no join back, so large builds can spill.
    select
        *,
        avg(value) over layer_series as mean_value,
        avg(velocity) over layer_series as mean_velocity,
        median(velocity) over layer_series as median_velocity,
        quantile_cont(abs(velocity), {{ var('critical_percentile') }}) over layer_series
            as velocity_threshold,
        quantile_cont(abs(acceleration), {{ var('critical_percentile') }}) over layer_series
            as acceleration_threshold
    from derivatives
    -- Ordered full frames: the sums then combine in series order, so every build gives the
    -- same bits (an unordered partition sums in whatever order the threads deliver rows).
    window layer_series as (
        partition by run_id, metric, layer order by series_index
        rows between unbounded preceding and unbounded following
    )
),

layer_spreads as (
    select
        *,
        -- Two-pass standard deviation, as numpy computes it.
        sqrt(avg(power(velocity - mean_velocity, 2)) over layer_series) as velocity_std,
        -- Robust spread of v (not in the report): 1.4826 MAD, or 1.2533 mean absolute
        -- deviation when more than half the velocities equal the median (integer metrics).
        coalesce(
            nullif(1.4826 * median(abs(velocity - median_velocity)) over layer_series, 0),
            1.2533 * avg(abs(velocity - median_velocity)) over layer_series
        ) as velocity_robust_scale
    from layer_moments
    -- Ordered full frames: the sums then combine in series order, so every build gives the
    -- same bits (an unordered partition sums in whatever order the threads deliver rows).
    window layer_series as (
        partition by run_id, metric, layer order by series_index
        rows between unbounded preceding and unbounded following
    )
),

flagged as (
    select
        run_id,
        run_version,
        is_validity_fixture,
        metric,
        layer,
        layer_position,
        series_index,
        measurement_index,
        step,
        num_steps,
        n_measurements,
        value,
        loss,
        velocity,
        acceleration,
        loss_velocity,
        mean_value,
        case
            when velocity_std > 0
                then
                    abs(velocity - mean_velocity)
                    / velocity_std
        end as velocity_z_score,
        coalesce(
            abs(velocity - mean_velocity) / nullif(velocity_std, 0)
            > {{ var('jump_z_threshold') }},
            false
        ) as is_jump,
        coalesce(
            abs(velocity - median_velocity)
            / nullif(velocity_robust_scale, 0)
            > {{ var('robust_jump_z_threshold') }},
            false
        ) as is_robust_jump,
        abs(speed_window_end_value - speed_window_start_value)
        / (
            least(n_measurements, series_index + 3)
            - greatest(0, series_index - 2)
        ) as speed,
        coalesce(abs(velocity) > velocity_threshold, false)
            as is_critical,
        coalesce(abs(acceleration) > acceleration_threshold, false)
            as is_transition,
        window_variance,
        -- Which windows 1.1 examines: reference never looks at the last full window.
        is_full_window
        and series_index
        <= n_measurements - {{ window }}{{ ' - 1' if is_reference else '' }}
            as is_examined_window,
        window_variance
        < power({{ var('stabilization_fraction') }} * mean_value, 2) as is_stable_window
    from layer_spreads
)

select * from flagged
