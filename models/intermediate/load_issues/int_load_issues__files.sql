-- One row per file that could not be loaded (ndt run files and tidy files).
-- Columns as load_issues (see load_issues_columns()).

with ndt_documents as (
    select * from {{ ref('int_ndt_documents_parsed') }}
),

tidy_files as (
    select * from {{ ref('int_tidy_files_checked') }}
),

file_problems as (
    select
        file_name,
        run_id,
        file_problem as problem,
        file_problem_detail as detail,
        'file not loaded' as consequence
    from ndt_documents
    where file_problem is not null
    union all
    select
        file_name,
        null as run_id,
        file_problem as problem,
        file_problem_detail as detail,
        'file not loaded' as consequence
    from tidy_files
    where file_problem is not null
),

final as (
    {{ load_issues_columns('file_problems') }}
)

select * from final
