-- Runs whose convergence pattern is not the same for every metric.
--
-- One row per run whose pattern (bottom-up, top-down, simultaneous, unclear, undetermined)
-- changes between metrics, with each metric's pattern, Spearman rho and stabilized layers
-- listed in metric order. A pattern read off one metric only (the report used stable_rank)
-- is a property of that metric when this list is long.
--
-- Usage:
--   dbt show --select convergence_pattern_changes --limit 50

with convergence_order as (
    select * from {{ ref('convergence_order') }}
),

runs as (
    select * from {{ ref('runs') }}
),

by_run as (
    select
        run_id,
        count(*) as n_metrics,
        count(distinct pattern) as n_patterns,
        string_agg(metric || ': ' || pattern, '; ' order by metric) as patterns_by_metric,
        string_agg(
            metric || ': ' || coalesce(round(spearman_rho, 3)::varchar, 'null'), '; ' order by metric
        ) as rho_by_metric,
        string_agg(
            metric || ': ' || n_stabilized_layers || '/' || n_layers, '; ' order by metric
        ) as stabilized_layers_by_metric
    from convergence_order
    group by run_id
),

final as (
    select
        by_run.run_id,
        runs.arch_family,
        runs.dataset,
        by_run.n_metrics,
        by_run.n_patterns,
        by_run.patterns_by_metric,
        by_run.rho_by_metric,
        by_run.stabilized_layers_by_metric
    from by_run
    inner join runs on by_run.run_id = runs.run_id
    where by_run.n_patterns > 1
)

select * from final
order by n_patterns desc, arch_family asc, run_id asc
