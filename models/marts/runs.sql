-- One row per training run that loaded (the validity fixtures are not runs of yours).

with runs as (
    select * from {{ ref('int_runs_validated') }}
),

issue_counts as (
    select * from {{ ref('int_load_issue_counts') }}
),

final as (
    select
        runs.run_id,
        runs.file_name,
        runs.arch_name,
        runs.arch_family,
        runs.dataset,
        runs.num_steps,
        runs.is_num_steps_inferred,
        runs.measurement_interval,
        runs.n_measurements,
        runs.n_complete_measurements,
        runs.n_layers,
        runs.n_metrics,
        runs.final_accuracy,
        runs.elapsed_time_seconds,
        coalesce(issue_counts.n_load_issues, 0) as n_load_issues,
        runs.is_analyzed
    from runs
    left join issue_counts on runs.run_id = issue_counts.run_id
    where not runs.is_validity_fixture
)

select * from final
