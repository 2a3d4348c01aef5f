{{
    config(
        materialized='incremental',
        unique_key='file_path',
        incremental_strategy='delete+insert',
        post_hook="{{ delete_unparsed_run_files() }}",
    )
}}
-- One row per run file, measurement and layer entry (a measurement without layers keeps one
-- row with a NULL layer): the file's measurements streamed row by row, never held whole.
-- The file list is computed per build (new or changed files that parsed), so the files are
-- read here with read_json rather than through a declared source.

{%- set paths = parsed_run_file_paths() if execute else [] %}

with documents as (
    select * from {{ ref('stg_training_runs__documents') }}
),

run_measurements as (
    select
        filename as file_path,
        measurements
    from {{ read_run_measurements(paths) }}
),

measurement_texts as (
    select
        file_path,
        unnest(measurements) as measurement_text,
        generate_subscripts(measurements, 1) - 1 as measurement_index
    from run_measurements
),

measurements as (
    select
        file_path,
        measurement_index,
        from_json(measurement_text, '{
            "step": "JSON",
            "loss": "JSON",
            "layer_metrics": "MAP(VARCHAR, MAP(VARCHAR, JSON))"
        }') as measurement
    from measurement_texts
),

measurement_fields as (
    select
        file_path,
        measurement_index,
        -- JSON text: numbers as written, strings in quotes; NULL when missing or null.
        measurement.step::varchar as step_text,
        measurement.loss::varchar as loss_text,
        measurement.layer_metrics is not null as has_layer_metrics,
        coalesce(cardinality(measurement.layer_metrics), 0) as n_layer_entries,
        measurement.layer_metrics
    from measurements
),

layer_entries as (
    select
        file_path,
        measurement_index,
        step_text,
        loss_text,
        has_layer_metrics,
        n_layer_entries,
        unnest(
            case when n_layer_entries > 0 then map_keys(layer_metrics) else [null] end
        ) as layer,
        unnest(
            case when n_layer_entries > 0 then map_values(layer_metrics) else [null] end
        ) as metrics,
        -- Position of the layer within this measurement's object (file order).
        generate_subscripts(
            case when n_layer_entries > 0 then map_keys(layer_metrics) else [null] end, 1
        ) - 1 as position_in_measurement
    from measurement_fields
),

final as (
    select
        documents.run_id,
        documents.file_path,
        documents.file_version,
        layer_entries.measurement_index,
        layer_entries.step_text,
        layer_entries.loss_text,
        layer_entries.has_layer_metrics,
        layer_entries.n_layer_entries,
        layer_entries.layer,
        layer_entries.position_in_measurement,
        layer_entries.metrics
    from layer_entries
    inner join documents on layer_entries.file_path = documents.file_path
)

select * from final
