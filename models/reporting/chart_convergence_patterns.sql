-- One row per metric, architecture family and convergence pattern: how many runs have it.

with convergence_order as (
    select * from {{ ref('convergence_order') }}
),

runs as (
    select * from {{ ref('runs') }}
),

final as (
    select
        convergence_order.metric,
        runs.arch_family,
        convergence_order.pattern,
        count(*) as n_runs
    from convergence_order
    inner join runs on convergence_order.run_id = runs.run_id
    group by all
    order by all
)

select * from final
