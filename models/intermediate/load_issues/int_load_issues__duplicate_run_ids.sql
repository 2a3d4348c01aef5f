-- One row per readable file and run id that another readable file also claims.
-- Columns as load_issues (see load_issues_columns()).

with ndt_documents as (
    select * from {{ ref('int_ndt_documents_parsed') }}
),

tidy_documents as (
    select * from {{ ref('int_tidy_documents') }}
),

run_claims as (
    -- Every readable file's claim on a run id (a tidy file claims each run id it holds).
    select
        file_path,
        file_name,
        run_id
    from ndt_documents
    where file_problem is null
    union all
    select
        file_path,
        file_name,
        run_id
    from tidy_documents
),

duplicate_run_ids as (
    select
        run_claims.file_name,
        run_claims.run_id,
        'duplicate_run_id' as problem,
        'the run id is also claimed by '
        || {{ ordered_string_agg('other_claims.file_name', "', '", 'other_claims.file_name') }} as detail,
        case
            when run_claims.file_name like 'metrics.%' then 'run not loaded'
            else 'file not loaded'
        end as consequence
    from run_claims
    inner join run_claims as other_claims
        on
            run_claims.run_id = other_claims.run_id
            and run_claims.file_path != other_claims.file_path
    group by run_claims.file_name, run_claims.run_id
),

final as (
    {{ load_issues_columns('duplicate_run_ids') }}
)

select * from final
