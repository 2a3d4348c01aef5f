-- One row per metric, architecture family and jump type: how many jumps of the type, and
-- how many of those are flagged as numerical noise.

with jumps as (
    select * from {{ ref('jumps') }}
),

jump_type_names as (
    select * from {{ ref('chart_jump_type_names') }}
),

final as (
    select
        jumps.metric,
        jumps.arch_family,
        jumps.jump_type,
        any_value(jump_type_names.jump_type_name) as jump_type_name,
        count(*) as n_jumps,
        count(*) filter (where jumps.is_numerical_noise) as n_noise_jumps
    from jumps
    inner join jump_type_names
        on
            jumps.metric = jump_type_names.metric
            and jumps.jump_type = jump_type_names.jump_type
    group by jumps.metric, jumps.arch_family, jumps.jump_type
    order by jumps.metric, jumps.arch_family, jumps.jump_type
)

select * from final
