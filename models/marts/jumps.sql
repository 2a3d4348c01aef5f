{{ config(**unchanged_table_config()) }}
-- One row per jump: run, metric, layer and the measurement where the jump starts.

with jumps as (
    select * from {{ ref('int_jumps') }}
),

jump_types as (
    select * from {{ ref('int_jump_types') }}
),

runs as (
    select * from {{ ref('runs') }}
),

final as (
    select
        jumps.run_id,
        runs.arch_family,
        jumps.metric,
        jumps.layer,
        jumps.layer_position,
        jumps.measurement_index,
        jumps.step,
        jumps.velocity,
        jumps.magnitude,
        jumps.speed,
        jumps.direction,
        jumps.phase,
        jumps.phase_category,
        jump_types.jump_type,
        jumps.velocity_z_score,
        jumps.relative_magnitude,
        jumps.is_numerical_noise
    from jumps
    inner join runs on jumps.run_id = runs.run_id
    left join jump_types
        on
            jumps.run_id = jump_types.run_id
            and jumps.metric = jump_types.metric
            and jumps.layer = jump_types.layer
            and jumps.measurement_index = jump_types.measurement_index
)

{% if inputs_unchanged() %}
    -- Nothing it reads changed since the last build: the table stays as it is
    -- (macros/unchanged_tables.sql).
    select * from {{ this }} where false
{%- else %}
    select * from final
{%- endif %}
