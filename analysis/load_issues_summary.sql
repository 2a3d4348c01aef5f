-- What went wrong while loading the run files, and what it cost.
--
-- One row per problem and consequence (file not loaded, run not analysed, measurement not
-- analysed): how many issues, files, runs, measurements and metrics it touches, and one
-- example. Empty when every file loaded cleanly. `load_issues` itself has one row per issue.
--
-- Usage:
--   dbt show --select load_issues_summary
--   dbt show --inline "select * from {{ ref('load_issues') }} where problem = 'missing_value'"

with load_issues as (
    select * from {{ ref('load_issues') }}
),

final as (
    select
        problem,
        consequence,
        count(*) as n_issues,
        count(distinct file_name) as n_files,
        count(distinct run_id) as n_runs,
        -- NULL for issues of a whole file or run (no measurement_index): not counted.
        count(distinct run_id || '#' || measurement_index) as n_measurements,
        string_agg(distinct metric, ', ' order by metric) as metrics,
        min(file_name || ': ' || detail) as example
    from load_issues
    group by problem, consequence
)

select * from final
order by n_issues desc, problem asc
