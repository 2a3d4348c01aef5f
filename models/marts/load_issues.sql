-- Everything in the input that was not loaded or not analysed as it is, one row per problem:
-- the union of the per-problem models in models/intermediate/load_issues (macro
-- load_issue_models() lists them).

with all_problems as (
    {%- for problem_model in load_issue_models() %}
        select * from {{ ref(problem_model) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from all_problems
