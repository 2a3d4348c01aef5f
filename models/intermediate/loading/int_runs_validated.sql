-- One row per loaded run: its attributes, its shape and whether it is analysed.

with documents as (
    select * from {{ ref('int_run_documents_loadable') }}
),

measurements as (
    select * from {{ ref('int_measurements_validated') }}
),

measurement_summary as (
    select
        run_id,
        count(*) as n_measurements,
        count(*) filter (where is_complete) as n_complete_measurements,
        bool_or(coalesce(is_step_out_of_order, false) or is_step_duplicated)
            as has_step_order_problem,
        max(n_expected_values) as n_layer_metric_pairs,
        max(step) as last_step,
        max(n_layers) as n_layers,
        max(n_metrics) as n_metrics,
        -- Changes whenever the file or the loading SQL changes; analyses key on it.
        any_value(run_version) as run_version
    from measurements
    group by run_id
),

runs as (
    select
        documents.run_id,
        documents.file_name,
        documents.source_format,
        coalesce(measurement_summary.run_version, documents.file_version) as run_version,
        documents.is_validity_fixture,
        documents.arch_name,
        split_part(documents.arch_name, '_', 1) as arch_family,
        documents.dataset_name as dataset,
        -- N of METHODS.md: num_steps, or the last step when the file does not give it.
        try_cast(coalesce(documents.num_steps, measurement_summary.last_step) as bigint) as num_steps,
        documents.num_steps is null as is_num_steps_inferred,
        try_cast(documents.measurement_interval as bigint) as measurement_interval,
        documents.final_accuracy,
        documents.elapsed_time_seconds,
        coalesce(measurement_summary.n_measurements, 0) as n_measurements,
        coalesce(measurement_summary.n_complete_measurements, 0) as n_complete_measurements,
        coalesce(measurement_summary.n_layers, 0) as n_layers,
        coalesce(measurement_summary.n_metrics, 0) as n_metrics,
        coalesce(measurement_summary.has_step_order_problem, false) as has_step_order_problem
    from documents
    left join measurement_summary on documents.run_id = measurement_summary.run_id
),

flagged as (
    select
        *,
        not has_step_order_problem
        and n_complete_measurements >= {{ var('min_measurements') }} as is_analyzed
    from runs
)

select * from flagged
