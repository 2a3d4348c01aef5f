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
        {{ unnest_side_by_side([
            [index_range('n_measurements'), 'series_index'],
            ['measurement_indices', 'measurement_index'],
            ['steps', 'step'],
            ['losses', 'loss'],
            ['loss_velocities', 'loss_velocity'],
        ]) }}
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
    -- velocity: v_i = x_(i+1) - x_i; acceleration: a_i = v_(i+1) - v_i (lists are 1-based).
    -- speed: |x_(e-1) - x_b| / (e - b), b = max(0, i-2), e = min(n, i+3).
    -- window_variance: population variance of the stabilization window starting here.
    {%- set x = 'series_values' %}
    select
        {{ star_except([
            'series_values', 'critical_indices', 'transition_indices', 'jump_indices', 'robust_jump_indices'
        ]) }},
        {{ unnest_side_by_side([
            [index_range('n_measurements'), 'series_index'],
            [x, 'value'],
            [index_range_map('n_measurements - 1', 'i',
                list_at(x, 'i + 2') ~ ' - ' ~ list_at(x, 'i + 1')), 'velocity'],
            [index_range_map('n_measurements - 2', 'i',
                '(' ~ list_at(x, 'i + 3') ~ ' - ' ~ list_at(x, 'i + 2') ~ ') - ('
                ~ list_at(x, 'i + 2') ~ ' - ' ~ list_at(x, 'i + 1') ~ ')'), 'acceleration'],
            [index_range_map('n_measurements', 'i',
                'abs(' ~ list_at(x, 'least(n_measurements, i + 3)') ~ ' - '
                ~ list_at(x, 'greatest(0, i - 2) + 1')
                ~ ') / (least(n_measurements, i + 3) - greatest(0, i - 2))'), 'speed'],
            [index_range_map('n_measurements', 'k',
                list_slice_var_pop(x, 'k + 1', window, end='k + ' ~ window)), 'window_variance'],
            [index_range_map('n_measurements', 'i', struct_of([
                ['is_critical', list_contains('critical_indices', 'i')],
                ['is_transition', list_contains('transition_indices', 'i')],
                ['is_jump', list_contains('jump_indices', 'i')],
                ['is_robust_jump', list_contains('robust_jump_indices', 'i')],
            ])), 'flags'],
        ]) }}
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
