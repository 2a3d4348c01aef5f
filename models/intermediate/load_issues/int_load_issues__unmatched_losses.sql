-- One row per run id whose tidy loss rows match no measurement of a loaded tidy run.
-- Columns as load_issues (see load_issues_columns()).

with tidy_losses as (
    select * from {{ ref('int_tidy_loss_rows') }}
),

loaded_documents as (
    select * from {{ ref('int_run_documents_loadable') }}
),

measurements as (
    select * from {{ ref('int_measurements_validated') }}
),

loaded_tidy_steps as (
    select
        measurements.run_id,
        measurements.step
    from measurements
    semi join loaded_documents
        on measurements.run_id = loaded_documents.run_id and loaded_documents.source_format = 'tidy'
),

unmatched_losses as (
    -- One row per run id: its loss rows that match no measurement of a loaded tidy run.
    select
        tidy_losses.file_name,
        tidy_losses.run_id,
        'unmatched_loss' as problem,
        count(*) || ' loss row(s) match no measurement of a loaded run; steps '
        || {{ list_join(
            list_head(ordered_list("coalesce(tidy_losses.step_text, 'null')", 'tidy_losses.step'), 10),
            "', '"
        ) }}
        || case when count(*) > 10 then ', ...' else '' end as detail,
        'row not loaded' as consequence
    from tidy_losses
    anti join loaded_tidy_steps
        on tidy_losses.run_id = loaded_tidy_steps.run_id and tidy_losses.step = loaded_tidy_steps.step
    group by tidy_losses.file_name, tidy_losses.run_id
),

final as (
    {{ load_issues_columns('unmatched_losses') }}
)

select * from final
