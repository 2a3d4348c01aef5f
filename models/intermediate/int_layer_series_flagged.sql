{{ config(materialized='view') }}
-- One row per analysed run, metric, layer and series index: the per-step view of
-- int_layer_dynamics (the value, its derivatives and every per-step flag of METHODS.md
-- 1.1-1.3), computed when queried. Nothing is stored per step; filter on run_id and metric
-- to read a few series cheaply.

{%- set is_reference = var('analysis_mode') == 'reference' %}
{%- set window = var('stabilization_window') | int %}

with layer_dynamics as (
    select * from {{ ref('int_layer_dynamics') }}
),

layer_series as (
    select * from {{ ref('int_layer_series') }}
),

run_series as (
    select * from {{ ref('int_run_series') }}
),

run_steps as (
    -- One row per series index; the lists unnest side by side (the shorter padded with NULL).
    select
        run_id,
        unnest(range(n_measurements)) as series_index,
        unnest(measurement_indices) as measurement_index,
        unnest(steps) as step,
        unnest(losses) as loss,
        unnest(loss_velocities) as loss_velocity
    from run_series
),

layer_lists as (
    select
        layer_dynamics.*,
        layer_series.series_values
    from layer_dynamics
    inner join layer_series
        on
            layer_dynamics.run_id = layer_series.run_id
            and layer_dynamics.metric = layer_series.metric
            and layer_dynamics.layer = layer_series.layer
),

layer_steps as (
    -- The lists unnest side by side, one row per series index (shorter ones padded with NULL).
    select
        * exclude (series_values, critical_indices, transition_indices, jump_indices, robust_jump_indices),
        unnest(range(n_measurements)) as series_index,
        unnest(series_values) as value,  -- noqa: RF04
        -- v_i = x_(i+1) - x_i; a_i = v_(i+1) - v_i (lists are 1-based).
        unnest(list_transform(
            range(n_measurements - 1), lambda i: series_values[i + 2] - series_values[i + 1]
        )) as velocity,
        unnest(list_transform(
            range(n_measurements - 2),
            lambda i: (series_values[i + 3] - series_values[i + 2])
            - (series_values[i + 2] - series_values[i + 1])
        )) as acceleration,
        -- |x_(e-1) - x_b| / (e - b), b = max(0, i-2), e = min(n, i+3).
        unnest(list_transform(
            range(n_measurements),
            lambda i: abs(
                series_values[least(n_measurements, i + 3)] - series_values[greatest(0, i - 2) + 1]
            ) / (least(n_measurements, i + 3) - greatest(0, i - 2))
        )) as speed,
        -- Population variance of the stabilization window starting here.
        unnest(list_transform(
            range(n_measurements), lambda k: list_var_pop(series_values[k + 1:k + {{ window }}])
        )) as window_variance,
        unnest(list_transform(
            range(n_measurements),
            lambda i: struct_pack(
                is_critical := list_contains(critical_indices, i),
                is_transition := list_contains(transition_indices, i),
                is_jump := list_contains(jump_indices, i),
                is_robust_jump := list_contains(robust_jump_indices, i)
            )
        )) as flags
    from layer_lists
),

flagged as (
    select
        layer_steps.run_id,
        layer_steps.run_version,
        layer_steps.is_validity_fixture,
        layer_steps.metric,
        layer_steps.layer,
        layer_steps.layer_position,
        layer_steps.series_index,
        run_steps.measurement_index,
        run_steps.step,
        layer_steps.num_steps,
        layer_steps.n_measurements,
        layer_steps.value,
        run_steps.loss,
        layer_steps.velocity,
        layer_steps.acceleration,
        run_steps.loss_velocity,
        layer_steps.mean_value,
        case
            when layer_steps.velocity_std > 0
                then abs(layer_steps.velocity - layer_steps.mean_velocity) / layer_steps.velocity_std
        end as velocity_z_score,
        layer_steps.flags.is_jump,
        layer_steps.flags.is_robust_jump,
        layer_steps.speed,
        layer_steps.flags.is_critical,
        layer_steps.flags.is_transition,
        layer_steps.window_variance,
        -- Which windows 1.1 examines: reference never looks at the last full window.
        layer_steps.series_index
        <= layer_steps.n_measurements - {{ window }}{{ ' - 1' if is_reference else '' }}
            as is_examined_window,
        layer_steps.window_variance
        < power({{ var('stabilization_fraction') }} * layer_steps.mean_value, 2) as is_stable_window
    from layer_steps
    inner join run_steps
        on layer_steps.run_id = run_steps.run_id and layer_steps.series_index = run_steps.series_index
)

select * from flagged
