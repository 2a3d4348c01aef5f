{{ config(**unchanged_table_config()) }}
-- One row per detected jump (METHODS.md 1.2) of every analysed run, fixtures included, read
-- off int_layer_dynamics' sparse jump indices.

{%- set is_reference = var('analysis_mode') == 'reference' %}

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
    -- One row per series index; the lists unnest side by side.
    select
        run_id,
        {{ unnest_side_by_side([
            [index_range('n_measurements'), 'series_index'],
            ['measurement_indices', 'measurement_index'],
            ['steps', 'step'],
        ]) }}
    from run_series
),

jumping_layers as (
    select
        layer_dynamics.run_id,
        layer_dynamics.is_validity_fixture,
        layer_dynamics.metric,
        layer_dynamics.layer,
        layer_dynamics.layer_position,
        layer_dynamics.num_steps,
        layer_dynamics.n_measurements,
        layer_dynamics.mean_velocity,
        layer_dynamics.velocity_std,
        layer_dynamics.jump_indices,
        layer_series.series_values
    from layer_dynamics
    inner join layer_series
        on
            layer_dynamics.run_id = layer_series.run_id
            and layer_dynamics.metric = layer_series.metric
            and layer_dynamics.layer = layer_series.layer
    where {{ list_length('layer_dynamics.jump_indices') }} > 0
),

layer_jumps as (
    -- Only the jumps' indices are unnested, with what each needs from the series.
    select
        run_id,
        is_validity_fixture,
        metric,
        layer,
        layer_position,
        num_steps,
        mean_velocity,
        velocity_std,
        -- speed: |x_(e-1) - x_b| / (e - b), b = max(0, i-2), e = min(n, i+3).
        {%- set x = 'series_values' %}
        {{ unnest_structs(list_map('jump_indices', 'i', struct_of([
            ['series_index', 'i'],
            ['value', list_at(x, 'i + 1')],
            ['velocity', list_at(x, 'i + 2') ~ ' - ' ~ list_at(x, 'i + 1')],
            ['speed', 'abs(' ~ list_at(x, 'least(n_measurements, i + 3)') ~ ' - '
                ~ list_at(x, 'greatest(0, i - 2) + 1')
                ~ ') / (least(n_measurements, i + 3) - greatest(0, i - 2))'],
        ]))) }}
    from jumping_layers
),

jumps as (
    select
        layer_jumps.run_id,
        layer_jumps.is_validity_fixture,
        layer_jumps.metric,
        layer_jumps.layer,
        layer_jumps.layer_position,
        run_steps.measurement_index,
        layer_jumps.series_index,
        run_steps.step,
        layer_jumps.num_steps,
        layer_jumps.velocity,
        abs(layer_jumps.velocity - layer_jumps.mean_velocity) / layer_jumps.velocity_std
            as velocity_z_score,
        abs(layer_jumps.velocity) as magnitude,
        layer_jumps.speed,
        case when layer_jumps.velocity > 0 then 'increase' else 'decrease' end as direction,
        {%- if is_reference %}
        -- The report divided a measurement index by a step count.
        layer_jumps.series_index / layer_jumps.num_steps as phase,
        {%- else %}
            run_steps.step / layer_jumps.num_steps as phase,
        {%- endif %}
        -- |v| relative to the larger |x| of the two measurements: ~1e-16 is round-off.
        abs(layer_jumps.velocity)
        / nullif(greatest(abs(layer_jumps.value), abs(layer_jumps.value + layer_jumps.velocity)), 0)
            as relative_magnitude
    from layer_jumps
    inner join run_steps
        on layer_jumps.run_id = run_steps.run_id and layer_jumps.series_index = run_steps.series_index
),

categorized as (
    select
        *,
        case
            when phase < 0.33 then 'early'
            when phase < 0.67 then 'mid'
            else 'late'
        end as phase_category,
        coalesce(relative_magnitude < {{ var('noise_relative_magnitude') }}, true)
            as is_numerical_noise
    from jumps
)

{% if inputs_unchanged() %}
    -- Nothing it reads changed since the last build: the table stays as it is
    -- (macros/unchanged_tables.sql).
    select * from {{ this }} where false
{%- else %}
    select * from categorized
{%- endif %}
