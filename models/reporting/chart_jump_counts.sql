-- One row per metric, architecture family and jump kind (real or numerical noise): how
-- many jumps, in how many runs.

with jumps as (
    select * from {{ ref('jumps') }}
),

final as (
    select
        metric,
        arch_family,
        case when is_numerical_noise then 'numerical noise' else 'real' end as jump_kind,
        count(*) as n_jumps,
        count(distinct run_id) as n_runs_with_jumps
    from jumps
    group by all
    order by all
)

select * from final
