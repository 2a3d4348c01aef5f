-- One row per tidy metrics row that cannot be placed in a run.
-- Columns as load_issues (see load_issues_columns()).

with tidy_metrics as (
    select * from {{ ref('int_tidy_metric_rows') }}
),

tidy_row_problems as (
    select
        file_name,
        run_id,
        'invalid_row' as problem,
        'row ' || file_row || ': ' || row_problem as detail,
        'row not loaded' as consequence
    from tidy_metrics
    where row_problem is not null
),

final as (
    {{ load_issues_columns('tidy_row_problems') }}
)

select * from final
