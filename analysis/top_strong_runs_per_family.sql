-- Top strong runs per architecture family and metric: the Phase 2 candidates with their
-- coupling to the loss next to what chance gives.
--
-- One row per metric, family and rank (rank 1 = highest loss_correlation, then
-- max_coordination). loss_drop_base_rate is the share of all steps where the loss falls;
-- a loss_correlation near it is what chance gives (METHODS.md, last section).
--
-- Usage:
--   dbt show --select top_strong_runs_per_family
--   dbt show --select top_strong_runs_per_family --vars '{top_n: 5, metric: stable_rank}'
-- `top_n` (default 3) runs per family; `metric` (default: every metric) keeps one metric.

{%- set top_n = var('top_n', 3) | int %}
{%- set metric = var('metric', none) %}
{%- set metric_literal = 'null' if metric is none else string_literal(metric) %}

with candidates as (
    select * from {{ ref('phase2_candidates') }}
    where
        rank_in_family <= {{ top_n }}
        and metric = coalesce({{ metric_literal }}, metric)
),

critical_periods as (
    select * from {{ ref('critical_periods') }}
),

runs as (
    select * from {{ ref('runs') }}
),

final as (
    select
        candidates.metric,
        candidates.arch_family,
        candidates.rank_in_family,
        candidates.run_id,
        runs.dataset,
        candidates.loss_correlation,
        critical_periods.loss_drop_base_rate,
        candidates.loss_correlation - critical_periods.loss_drop_base_rate
            as loss_correlation_above_chance,
        candidates.max_coordination,
        critical_periods.mean_coordination,
        critical_periods.num_coordinated_periods,
        critical_periods.total_critical_steps
    from candidates
    inner join critical_periods
        on
            candidates.run_id = critical_periods.run_id
            and candidates.metric = critical_periods.metric
    inner join runs on candidates.run_id = runs.run_id
)

select * from final
order by metric, arch_family, rank_in_family
