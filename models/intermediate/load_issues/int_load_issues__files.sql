-- One row per file that could not be loaded (ndt run files and tidy files).
-- Columns as load_issues (see load_issues_columns()).

with ndt_documents as (
    select * from {{ ref('int_ndt_documents_parsed') }}
),

tidy_files as (
    select * from {{ ref('int_tidy_files_checked') }}
),

layer_entries as (
    select * from {{ ref('int_ndt_layer_entries') }}
),

second_read_problems as (
    -- Files that parsed, then changed or vanished before their measurements were read.
    select
        ndt_documents.file_name,
        ndt_documents.run_id,
        split_part(layer_entries.read_problem, ':', 1) as problem,
        trim({{ text_after_first('layer_entries.read_problem', "':'") }}) as detail,
        'file not loaded' as consequence
    from layer_entries
    inner join ndt_documents on layer_entries.file_path = ndt_documents.file_path
    where layer_entries.read_problem is not null
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
    union all
    select * from second_read_problems
),

final as (
    {{ load_issues_columns('file_problems') }}
)

select * from final
