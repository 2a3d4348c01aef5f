-- One row per metric, architecture family and bin of Spearman's rho (width
-- chart_rho_bin_width, the last bin closed at 1): how many runs fall in it. Runs with an
-- undefined rho are not here; chart_convergence_patterns counts them as undetermined.

with convergence_order as (
    select * from {{ ref('convergence_order') }}
),

runs as (
    select * from {{ ref('runs') }}
),

binned as (
    select
        convergence_order.metric,
        runs.arch_family,
        round(least(
            floor(convergence_order.spearman_rho / {{ double_literal(var('chart_rho_bin_width')) }}),
            round(1 / {{ double_literal(var('chart_rho_bin_width')) }}) - 1
        ) * {{ double_literal(var('chart_rho_bin_width')) }}, 6) as rho_start
    from convergence_order
    inner join runs on convergence_order.run_id = runs.run_id
    where convergence_order.spearman_rho is not null and not isnan(convergence_order.spearman_rho)
),

final as (
    select
        metric,
        arch_family,
        rho_start,
        rho_start + {{ double_literal(var('chart_rho_bin_width')) }} as rho_end,
        count(*) as n_runs
    from binned
    group by all
    order by all
)

select * from final
