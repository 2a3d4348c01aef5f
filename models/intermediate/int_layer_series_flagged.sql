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
    -- Two-pass moments, as numpy computes them.
    select
        run_id,
        metric,
        layer,
        avg(value) as mean_value,
        avg(velocity) as mean_velocity,
        median(velocity) as median_velocity,
        quantile_cont(abs(velocity), {{ var('critical_percentile') }})
            as velocity_threshold,
        quantile_cont(abs(acceleration), {{ var('critical_percentile') }})
            as acceleration_threshold
    from derivatives
    group by run_id, metric, layer
),

layer_spreads as (
    select
        derivatives.run_id,
        derivatives.metric,
        derivatives.layer,
        sqrt(avg(power(derivatives.velocity - layer_moments.mean_velocity, 2)))
            as velocity_std,
        -- Robust spread of v (not in the report): 1.4826 MAD, or 1.2533 mean absolute
        -- deviation when more than half the velocities equal the median (integer metrics).
        coalesce(
            nullif(1.4826 * median(abs(derivatives.velocity - layer_moments.median_velocity)), 0),
            1.2533 * avg(abs(derivatives.velocity - layer_moments.median_velocity))
        ) as velocity_robust_scale
    from derivatives
    inner join layer_moments
        on
            derivatives.run_id = layer_moments.run_id
            and derivatives.metric = layer_moments.metric
            and derivatives.layer = layer_moments.layer
    group by derivatives.run_id, derivatives.metric, derivatives.layer
),

flagged as (
    select
        derivatives.run_id,
        derivatives.run_version,
        derivatives.is_validity_fixture,
        derivatives.metric,
        derivatives.layer,
        derivatives.layer_position,
        derivatives.series_index,
        derivatives.measurement_index,
        derivatives.step,
        derivatives.num_steps,
        derivatives.n_measurements,
        derivatives.value,
        derivatives.loss,
        derivatives.velocity,
        derivatives.acceleration,
        derivatives.loss_velocity,
        layer_moments.mean_value,
        case
            when layer_spreads.velocity_std > 0
                then
                    abs(derivatives.velocity - layer_moments.mean_velocity)
                    / layer_spreads.velocity_std
        end as velocity_z_score,
        coalesce(
            abs(derivatives.velocity - layer_moments.mean_velocity) / nullif(layer_spreads.velocity_std, 0)
            > {{ var('jump_z_threshold') }},
            false
        ) as is_jump,
        coalesce(
            abs(derivatives.velocity - layer_moments.median_velocity)
            / nullif(layer_spreads.velocity_robust_scale, 0)
            > {{ var('robust_jump_z_threshold') }},
            false
        ) as is_robust_jump,
        abs(derivatives.speed_window_end_value - derivatives.speed_window_start_value)
        / (
            least(derivatives.n_measurements, derivatives.series_index + 3)
            - greatest(0, derivatives.series_index - 2)
        ) as speed,
        coalesce(abs(derivatives.velocity) > layer_moments.velocity_threshold, false)
            as is_critical,
        coalesce(abs(derivatives.acceleration) > layer_moments.acceleration_threshold, false)
            as is_transition,
        derivatives.window_variance,
        -- Which windows 1.1 examines: reference never looks at the last full window.
        derivatives.is_full_window
        and derivatives.series_index
        <= derivatives.n_measurements - {{ window }}{{ ' - 1' if is_reference else '' }}
            as is_examined_window,
        derivatives.window_variance
        < power({{ var('stabilization_fraction') }} * layer_moments.mean_value, 2) as is_stable_window
    from derivatives
    inner join layer_moments
        on
            derivatives.run_id = layer_moments.run_id
            and derivatives.metric = layer_moments.metric
            and derivatives.layer = layer_moments.layer
    inner join layer_spreads
        on
            derivatives.run_id = layer_spreads.run_id
            and derivatives.metric = layer_spreads.metric
            and derivatives.layer = layer_spreads.layer
)

select * from flagged
