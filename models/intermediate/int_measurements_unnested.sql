{{
    config(
        materialized='incremental',
        unique_key='run_id',
        incremental_strategy='delete+insert',
        post_hook="{{ delete_removed_runs('int_run_documents_loadable') }}",
    )
}}
-- One row per run and measurement (file order), with its step and loss checked.

with documents as (
    select * from {{ ref('int_run_documents_loadable') }}
),

changed_documents as (
    select * from documents
    {{- only_new_run_versions('documents', 'file_version') }}
),

measurements as (
    select
        run_id,
        {{ derived_run_version('file_version') }} as run_version,
        unnest(measurements) as measurement,
        generate_subscripts(measurements, 1) - 1 as measurement_index
    from changed_documents
),

typed as (
    select
        run_id,
        run_version,
        measurement_index,
        measurement.step as step_json,
        try_cast(measurement.step::varchar as double) as step_number,
        measurement.loss as loss_json,
        try_cast(measurement.loss::varchar as double) as loss_number,
        measurement.layer_metrics is not null as has_layer_metrics,
        cardinality(measurement.layer_metrics) as n_layer_entries
    from measurements
),

checked as (
    select
        run_id,
        run_version,
        measurement_index,
        case
            when step_number is null or not isfinite(step_number) or step_number != floor(step_number)
                then null
            else step_number::bigint
        end as step,
        case when isfinite(loss_number) then loss_number end as loss,
        has_layer_metrics,
        coalesce(n_layer_entries, 0) as n_layer_entries,
        case
            when step_json is null then 'missing "step" (or null)'
            when step_number is null then 'step is not a number: ' || left(step_json::varchar, 40)
            when not isfinite(step_number) then 'step is not finite: ' || step_json::varchar
            when step_number != floor(step_number) then 'step is not a whole number: ' || step_json::varchar
        end as step_problem,
        case
            when loss_json is null then 'missing "loss" (or null)'
            when loss_number is null then 'loss is not a number: ' || left(loss_json::varchar, 40)
            when not isfinite(loss_number) then 'loss is not finite: ' || loss_json::varchar
        end as loss_problem
    from typed
)

select * from checked
