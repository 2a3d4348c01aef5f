-- One row per analysed run and metric: the figures runs.html lists.

with runs as (
    select * from {{ ref('runs') }}
),

critical_periods as (
    select * from {{ ref('critical_periods') }}
),

convergence_order as (
    select * from {{ ref('convergence_order') }}
),

jumps as (
    select * from {{ ref('jumps') }}
),

jump_counts as (
    select
        run_id,
        metric,
        count(*) filter (where not is_numerical_noise) as n_real_jumps,
        count(*) filter (where is_numerical_noise) as n_noise_jumps
    from jumps
    group by run_id, metric
),

final as (
    select
        runs.run_id,
        runs.arch_family,
        runs.arch_name,
        runs.dataset,
        runs.final_accuracy,
        critical_periods.metric,
        critical_periods.max_coordination,
        critical_periods.mean_coordination,
        critical_periods.loss_correlation,
        critical_periods.is_strong,
        convergence_order.pattern,
        convergence_order.spearman_rho,
        coalesce(jump_counts.n_real_jumps, 0) as n_real_jumps,
        coalesce(jump_counts.n_noise_jumps, 0) as n_noise_jumps
    from runs
    inner join critical_periods on runs.run_id = critical_periods.run_id
    left join convergence_order
        on
            critical_periods.run_id = convergence_order.run_id
            and critical_periods.metric = convergence_order.metric
    left join jump_counts
        on
            critical_periods.run_id = jump_counts.run_id
            and critical_periods.metric = jump_counts.metric
    where runs.is_analyzed
    order by runs.arch_family, runs.run_id, critical_periods.metric
)

select * from final
