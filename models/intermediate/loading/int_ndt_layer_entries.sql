{{
    config(
        materialized='incremental',
        unique_key='file_path',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook="{{ delete_unparsed_run_files() }}",
    )
}}
-- One row per run file, measurement and layer entry (a measurement without layers keeps one
-- row with a NULL layer). Only files that parsed cleanly in int_ndt_documents_parsed and
-- are new or changed are read: their names are listed in the SQL (escaped literals), in
-- batches of 32 so that a few hundred megabytes of nested measurements are in flight at most.
-- A file that changed since it was listed keeps one row with its `read_problem` instead.

{#- The files DuckDB reads; the others' text is in stg_training_runs__compressed_documents. #}
{%- set uncompressed_paths = parsed_run_file_paths() %}

with documents as (
    select * from {{ ref('int_ndt_documents_parsed') }}
),

files as (
    select * from {{ ref('stg_training_runs__files') }}
),

compressed_documents as (
    select * from {{ ref('stg_training_runs__compressed_documents') }}
),

changed_documents as (
    -- The files read this build: parsed without a file-level problem, new or changed.
    select documents.*
    from documents
    where documents.file_problem is null
    {%- if is_incremental() %}
        and not exists (
            select 1 from {{ this }} as loaded
            where
                loaded.file_path = documents.file_path
                and loaded.file_version = documents.file_version
        )
    {%- endif %}
),

read_files as (
    -- Read a second time (glob-escaped literal names): the file may have changed since it
    -- was listed and parsed, so its size and modification time are read too.
    {%- for batch in uncompressed_paths | batch(32) %}
        select
            filename as file_path,
            size as read_size_bytes,
            last_modified as read_modified_at,
            {{ without_byte_order_mark('try(decode(content))') }} as content_text
        from read_blob({{ file_list_literal(batch) }})
        union all
    {%- endfor %}
    select
        null::varchar as file_path,
        null::bigint as read_size_bytes,
        null::timestamptz as read_modified_at,
        null::varchar as content_text
    where false
),

checked_reads as (
    -- A file that vanished or changed since it was listed is not read: it gets a problem
    -- (the run is then not loaded, and load_issues names it).
    select
        changed_documents.file_path,
        case
            when read_files.file_path is null
                then 'changed_during_build: the file was deleted during the build'
            when
                read_files.read_size_bytes != files.file_size_bytes
                or read_files.read_modified_at != files.file_modified_at
                then
                    'changed_during_build: listed with ' || files.file_size_bytes
                    || ' bytes, modified ' || files.file_modified_at
                    || '; read again with ' || read_files.read_size_bytes
                    || ' bytes, modified ' || read_files.read_modified_at
        end as read_problem,
        read_files.content_text
    from changed_documents
    inner join files on changed_documents.file_path = files.file_path
    left join read_files on changed_documents.file_path = read_files.file_path
    where not files.is_read_by_python
),

contents as (
    select
        file_path,
        content_text
    from checked_reads
    where read_problem is null
    union all
    select
        compressed_documents.file_path,
        compressed_documents.content_text
    from compressed_documents
    semi join changed_documents on compressed_documents.file_path = changed_documents.file_path
),

run_measurements as (
    -- from_json is lenient: a measurement that is not an object, or names a layer twice,
    -- gives NULL fields that load_issues names, instead of failing the build. try(): text
    -- that is no longer JSON (rewritten since it was parsed) gives no measurements.
    select
        file_path,
        try(from_json(content_text, '{
            "measurements": [{
                "step": "JSON",
                "loss": "JSON",
                "layer_metrics": "MAP(VARCHAR, MAP(VARCHAR, JSON))"
            }]
        }')).measurements as measurements
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

entries_and_read_problems as (
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
        layer_entries.metrics,
        null::varchar as read_problem
    from layer_entries
    inner join documents on layer_entries.file_path = documents.file_path
    union all by name
    -- One row (no measurement) per file that changed before its second read.
    select
        changed_documents.run_id,
        changed_documents.file_path,
        changed_documents.file_version,
        checked_reads.read_problem
    from checked_reads
    inner join changed_documents on checked_reads.file_path = changed_documents.file_path
    where checked_reads.read_problem is not null
)

select * from entries_and_read_problems
