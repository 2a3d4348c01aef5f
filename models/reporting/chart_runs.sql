-- One row per analysed run: what its run page's header shows and its best Phase 2
-- candidate rank (the page's file name is derived from run_id by python_steps.charts.names).

with runs as (
    select * from {{ ref('runs') }}
),

phase2_candidates as (
    select * from {{ ref('phase2_candidates') }}
),

best_rank as (
    select
        run_id,
        min(rank_in_family) as best_candidate_rank
    from phase2_candidates
    group by run_id
),

final as (
    select
        runs.run_id,
        runs.arch_name,
        runs.arch_family,
        runs.dataset,
        runs.num_steps,
        runs.n_measurements,
        runs.n_layers,
        runs.n_metrics,
        runs.final_accuracy,
        runs.measurement_interval,
        best_rank.best_candidate_rank
    from runs
    left join best_rank on runs.run_id = best_rank.run_id
    where runs.is_analyzed
    order by runs.arch_family, runs.run_id
)

select * from final
