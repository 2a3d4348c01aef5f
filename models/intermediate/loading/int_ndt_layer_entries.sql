{{
    config(
        materialized='incremental',
        unique_key='file_path',
        incremental_strategy='delete+insert',
        post_hook="{{ delete_unparsed_run_files() }}",
    )
}}
-- One row per run file, measurement and layer entry (a measurement without layers keeps one
-- row with a NULL layer). Only files that parsed cleanly in int_ndt_documents_parsed and
-- are new or changed are read: their names are listed in the SQL (escaped literals), in
-- batches of 32 so that a few hundred megabytes of nested measurements are in flight at most.

{%- set paths = parsed_run_file_paths() %}
{%- set uncompressed_paths = [] %}
{%- set compressed_paths = [] %}
{%- for path in paths %}
    {%- do (compressed_paths if path.endswith('.json.gz') else uncompressed_paths).append(path) %}
{%- endfor %}

with documents as (
    select * from {{ ref('int_ndt_documents_parsed') }}
),

compressed_documents as (
    select * from {{ ref('stg_training_runs__compressed_documents') }}
),

contents as (
    {%- for batch in uncompressed_paths | batch(32) %}
        select
            filename as file_path,
            decode(content) as content_text
        from read_blob({{ string_list_literal(batch) }})
        union all
    {%- endfor %}
    select
        file_path,
        content_text
    from compressed_documents
    where file_path in (
        {%- if compressed_paths | length == 0 %} null
        {%- else %} {{ string_list_literal(compressed_paths)[1:-1] }}
        {%- endif %}
    )
),

run_measurements as (
    -- from_json is lenient: a measurement that is not an object, or names a layer twice,
    -- gives NULL fields that load_issues names, instead of failing the build.
    select
        file_path,
        from_json(content_text, '{
            "measurements": [{
                "step": "JSON",
                "loss": "JSON",
                "layer_metrics": "MAP(VARCHAR, MAP(VARCHAR, JSON))"
            }]
        }').measurements as measurements
    from contents
),

measurements as (
    select
        file_path,
        unnest(measurements) as measurement,
        generate_subscripts(measurements, 1) - 1 as measurement_index
    from run_measurements
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
