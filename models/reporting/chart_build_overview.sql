-- One row per build: how many runs were analysed, from how many architecture families
-- and datasets, and how many load issues were recorded (index.html's first sentence).

with runs as (
    select * from {{ ref('runs') }}
),

load_issues as (
    select * from {{ ref('load_issues') }}
),

run_counts as (
    select
        count(*) filter (where is_analyzed) as n_runs,
        count(distinct arch_family) filter (where is_analyzed) as n_families,
        count(distinct dataset) filter (where is_analyzed) as n_datasets
    from runs
),

issue_counts as (
    select count(*) as n_load_issues
    from load_issues
),

final as (
    select
        run_counts.n_runs,
        run_counts.n_families,
        run_counts.n_datasets,
        issue_counts.n_load_issues
    from run_counts
    cross join issue_counts
)

select * from final
