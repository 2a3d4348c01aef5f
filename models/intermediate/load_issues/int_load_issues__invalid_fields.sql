-- One row per optional run attribute that was given but could not be used.
-- Columns as load_issues (see load_issues_columns()).

with loaded_documents as (
    select * from {{ ref('int_run_documents_loadable') }}
),

invalid_fields as (
    select
        -- Tidy runs take their attributes from runs.csv.
        case when source_format = 'tidy' then 'runs.csv' else file_name end as file_name,
        run_id,
        'invalid_field' as problem,
        {{ unnest_list('invalid_fields') }} as detail,
        'field not loaded' as consequence
    from loaded_documents
),

final as (
    {{ load_issues_columns('invalid_fields') }}
)

select * from final
