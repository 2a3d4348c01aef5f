{{
    config(**per_run_incremental(
        'run_id', "{{ delete_removed_runs('int_run_documents_loadable') }}",
        record_hook="{{ record_held_run_versions(upstream_run_versions(
            ref('int_run_documents_loadable'), 'file_version', with_settings=false
        )) }}",
    ))
}}
-- One row per run and measurement, with its step and loss checked. ndt JSON runs: the file's
-- measurements in file order. Tidy runs: one measurement per step of the metrics file, in
-- step order, with its loss from the losses file.

with documents as (
    select * from {{ ref('int_run_documents_loadable') }}
),

tidy_metrics as (
    select * from {{ ref('int_tidy_metric_rows') }}
),

tidy_losses as (
    select * from {{ ref('int_tidy_loss_rows') }}
),

layer_entries as (
    select * from {{ ref('int_ndt_layer_entries') }}
),

changed_documents as (
    select * from documents
    {{- only_new_run_versions('documents', 'file_version', with_settings=false) }}
),

ndt_texts as (
    select
        changed_documents.run_id,
        {{ derived_run_version('changed_documents.file_version', with_settings=false) }} as run_version,
        layer_entries.measurement_index,
        any_value(layer_entries.step_text) as step_text,
        any_value(layer_entries.loss_text) as loss_text,
        1 as n_losses,
        bool_or(layer_entries.has_layer_metrics) as has_layer_metrics,
        max(layer_entries.n_layer_entries) as n_layer_entries
    from layer_entries
    inner join changed_documents on layer_entries.file_path = changed_documents.file_path
    where changed_documents.source_format = 'ndt_json'
    group by
        changed_documents.run_id, changed_documents.file_version, layer_entries.measurement_index
),

tidy_measurements as (
    select
        tidy_metrics.run_id,
        {{ derived_run_version('changed_documents.file_version', with_settings=false) }} as run_version,
        tidy_metrics.measurement_index,
        any_value(tidy_metrics.step) as step,
        nullif(min(tidy_metrics.step_text), '') as step_text,
        count(distinct tidy_metrics.layer) as n_layer_entries
    from tidy_metrics
    inner join changed_documents
        on
            tidy_metrics.run_id = changed_documents.run_id
            and tidy_metrics.file_name = changed_documents.file_name
    where changed_documents.source_format = 'tidy' and tidy_metrics.row_problem is null
    group by
        tidy_metrics.run_id,
        changed_documents.file_version,
        tidy_metrics.measurement_index
),

tidy_step_losses as (
    select
        run_id,
        step,
        count(*) as n_losses,
        min(loss_text) as loss_text,
        {{ ordered_string_agg("coalesce(loss_text, 'null')", "', '", 'loss_text') }} as loss_texts
    from tidy_losses
    where step is not null
    group by run_id, step
),

tidy_texts as (
    select
        tidy_measurements.run_id,
        tidy_measurements.run_version,
        tidy_measurements.measurement_index,
        tidy_measurements.step_text,
        case
            when tidy_step_losses.n_losses > 1
                then tidy_step_losses.n_losses || ' rows: ' || tidy_step_losses.loss_texts
            else tidy_step_losses.loss_text
        end as loss_text,
        coalesce(tidy_step_losses.n_losses, 0) as n_losses,
        true as has_layer_metrics,
        tidy_measurements.n_layer_entries
    from tidy_measurements
    left join tidy_step_losses
        on
            tidy_measurements.run_id = tidy_step_losses.run_id
            and tidy_measurements.step = tidy_step_losses.step
),

texts as (
    -- (The same columns in the same order.)
    select * from ndt_texts
    union all
    select * from tidy_texts
),

typed as (
    select
        *,
        try_cast(loss_text as double) as loss_number
    from texts
),

checked as (
    select
        run_id,
        run_version,
        measurement_index,
        -- Exact: steps never pass through a DOUBLE (macros/whole_numbers.sql).
        {{ whole_number('step_text') }} as step,
        case when n_losses <= 1 and {{ is_finite('loss_number') }} then loss_number end as loss,
        has_layer_metrics,
        n_layer_entries::bigint as n_layer_entries,
        case
            when step_text is null then 'missing "step" (or null)'
            else {{ whole_number_problem('step_text', 'step') }}
        end as step_problem,
        case
            when n_losses > 1 then 'loss is given more than once: ' || left(loss_text, 60)
            when loss_text is null then 'missing "loss" (or null)'
            when loss_number is null then 'loss is not a number: ' || left(loss_text, 40)
            when not {{ is_finite('loss_number') }} then 'loss is not finite: ' || loss_text
        end as loss_problem
    from typed
)

select * from checked
