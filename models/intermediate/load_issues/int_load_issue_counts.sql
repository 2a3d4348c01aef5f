-- One row per run id with at least one load issue: how many (the `runs` mart's n_load_issues,
-- counted from the per-problem models so that the load_issues mart is a leaf).

with issue_run_ids as (
    {%- for problem_model in load_issue_models() %}
        select run_id from {{ ref(problem_model) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

issue_counts as (
    select
        run_id,
        count(*) as n_load_issues
    from issue_run_ids
    where run_id is not null
    group by run_id
)

select * from issue_counts
