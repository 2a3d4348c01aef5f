{{ config(**unchanged_table_config()) }}
-- One row per metric and jump type: what the type is (its members' medians in original
-- units), how big it is and how well it is separated (silhouette).

with jumps as (
    select * from {{ ref('jumps') }}
),

jump_types as (
    select * from {{ ref('int_jump_types') }}
),

typed_jumps as (
    select
        jumps.run_id,
        jumps.layer,
        jumps.measurement_index,
        jumps.metric,
        jumps.jump_type,
        jumps.phase,
        jumps.magnitude,
        jumps.speed,
        jumps.velocity_z_score,
        jumps.direction,
        jump_types.n_types,
        jump_types.metric_silhouette,
        jump_types.silhouette
    from jumps
    inner join jump_types
        on
            jumps.run_id = jump_types.run_id
            and jumps.metric = jump_types.metric
            and jumps.layer = jump_types.layer
            and jumps.measurement_index = jump_types.measurement_index
),

profiles as (
    select
        metric,
        jump_type,
        any_value(n_types) as n_types,
        count(*) as n_jumps,
        any_value(metric_silhouette) as metric_silhouette,
        -- In a fixed order: a float sum's last bits depend on the order of its terms.
        {{ ordered_avg('silhouette', 'run_id, layer, measurement_index') }} as silhouette,
        count(silhouette) as n_silhouette_jumps,
        median(phase) as median_phase,
        median(magnitude) as median_magnitude,
        median(speed) as median_speed,
        median(velocity_z_score) as median_z_score,
        avg(
            case
                when direction = 'increase' then {{ double_literal('1.0') }}
                else {{ double_literal('0.0') }}
            end
        ) as share_increasing
    from typed_jumps
    group by metric, jump_type
),

with_shares as (
    select
        *,
        n_jumps / sum(n_jumps) over (partition by metric) as share_of_jumps
    from profiles
)

{% if inputs_unchanged() %}
    -- Nothing it reads changed since the last build: the table stays as it is
    -- (macros/unchanged_tables.sql).
    select * from {{ this }} where false
{%- else %}
    select * from with_shares
{%- endif %}
