-- One row per detected jump (METHODS.md 1.2) of every analysed run, fixtures included.

{%- set is_reference = var('analysis_mode') == 'reference' %}

with layer_series as (
    select * from {{ ref('int_layer_series_flagged') }}
),

jumps as (
    select
        run_id,
        is_validity_fixture,
        metric,
        layer,
        layer_position,
        measurement_index,
        series_index,
        step,
        num_steps,
        velocity,
        velocity_z_score,
        abs(velocity) as magnitude,
        speed,
        case when velocity > 0 then 'increase' else 'decrease' end as direction,
        {%- if is_reference %}
        -- The report divided a measurement index by a step count.
        series_index / num_steps as phase,
        {%- else %}
            step / num_steps as phase,
        {%- endif %}
        -- |v| relative to the larger |x| of the two measurements: ~1e-16 is round-off.
        abs(velocity) / nullif(greatest(abs(value), abs(value + velocity)), 0)
            as relative_magnitude
    from layer_series
    where is_jump
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

select * from categorized
