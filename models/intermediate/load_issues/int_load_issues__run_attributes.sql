-- One row per runs.csv run id listed twice or matching no loaded tidy run.
-- Columns as load_issues (see load_issues_columns()).

with tidy_run_attributes as (
    select * from {{ ref('int_tidy_run_attribute_rows') }}
),

loaded_documents as (
    select * from {{ ref('int_run_documents_loadable') }}
),

run_attribute_counts as (
    select
        file_name,
        run_id,
        count(*) as n_rows
    from tidy_run_attributes
    group by file_name, run_id
),

run_attribute_problems as (
    select
        run_attribute_counts.file_name,
        run_attribute_counts.run_id,
        case
            when run_attribute_counts.n_rows > 1 then 'duplicate_run_attributes'
            else 'unmatched_run_attributes'
        end as problem,
        case
            when run_attribute_counts.n_rows > 1
                then 'the run id is listed ' || run_attribute_counts.n_rows || ' times'
            else 'no loaded tidy run has this run id'
        end as detail,
        'row not loaded' as consequence
    from run_attribute_counts
    left join loaded_documents
        on
            run_attribute_counts.run_id = loaded_documents.run_id
            and loaded_documents.source_format = 'tidy'
    where run_attribute_counts.n_rows > 1 or loaded_documents.run_id is null
),

final as (
    {{ load_issues_columns('run_attribute_problems') }}
)

select * from final
