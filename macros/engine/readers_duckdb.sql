{#-
  The ndt JSON readers on DuckDB: the bodies of the models that read run files (read_blob,
  from_json with DuckDB's JSON type). Each model calls its reader through adapter.dispatch;
  the tidy-table readers are in tidy_readers_duckdb.sql, the Spark readers in
  readers_spark.sql and tidy_readers_spark.sql.
-#}

{% macro duckdb__int_ndt_documents_parsed() -%}
{%- set paths = run_file_paths_to_read() %}

with files as (
    select * from {{ ref('stg_training_runs__files') }}
),

compressed_documents as (
    select * from {{ ref('stg_training_runs__compressed_documents') }}
),

changed_files as (
    -- The inventory's files that this build reads: all, or in an incremental build the new
    -- and changed ones.
    select files.*
    from files
    {%- if is_incremental() %}
        where not exists (
            select 1 from {{ this }} as loaded
            where
                loaded.file_path = files.file_path
                and loaded.file_version = files.file_version
        )
    {%- endif %}
),

read_files as (
    -- The build's files are listed by name (glob-escaped literals: DuckDB's readers expand
    -- glob characters even in a quoted path) and read in batches of 64: DuckDB hands a
    -- scan's rows over in chunks of up to 2,048, and 2,048 whole run files at once would not
    -- fit the memory limit; the parse of a batch holds several times its text (256 files ran
    -- out of memory at 5,500 runs). Not fewer: a join merges chunks of under 64 rows into
    -- chunks of up to 2,048. (A glob filtered by name reads far slower.) A file that
    -- vanished since it was listed is simply not returned.
    {%- for batch in paths | batch(64) %}
        select
            filename as file_path,
            size as read_size_bytes,
            last_modified as read_modified_at,
            -- try(): bytes that are not UTF-8 become NULL instead of failing every file.
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

uncompressed_contents as (
    -- Every file of this build that DuckDB reads: its text, or why not. A file read with
    -- another size or modification time than listed changed during the build.
    select
        changed_files.file_path,
        read_files.content_text,
        case
            when read_files.file_path is null
                then 'changed_during_build: the file was deleted during the build'
            when
                read_files.read_size_bytes != changed_files.file_size_bytes
                or read_files.read_modified_at != changed_files.file_modified_at
                then
                    'changed_during_build: listed with ' || changed_files.file_size_bytes
                    || ' bytes, modified ' || changed_files.file_modified_at
                    || '; read with ' || read_files.read_size_bytes || ' bytes, modified '
                    || read_files.read_modified_at
            when read_files.content_text is null then 'unreadable: not UTF-8 text'
        end as read_problem
    from changed_files
    left join read_files on changed_files.file_path = read_files.file_path
    where not changed_files.is_read_by_python and changed_files.listing_problem is null
),

listing_problems as (
    -- Entries that are not regular readable files: named, never opened.
    select
        file_path,
        null::varchar as content_text,
        listing_problem as read_problem
    from changed_files
    where listing_problem is not null
),

changed_compressed_contents as (
    select compressed_documents.*
    from compressed_documents
    semi join changed_files on compressed_documents.file_path = changed_files.file_path
),

contents as (
    select * from uncompressed_contents
    union all by name
    select * from changed_compressed_contents
    union all by name
    select * from listing_problems
),

parsed as (
    select
        file_path,
        content_text,
        read_problem,
        -- try() turns a malformed file into NULL, diagnosed below.
        try(from_json(content_text, '{
            "arch_name": "JSON",
            "dataset_name": "JSON",
            "num_steps": "JSON",
            "measurement_interval": "JSON",
            "final_accuracy": "JSON",
            "elapsed_time": "JSON"
        }')) as document,  -- noqa: RF04
        try(json_type(content_text, '$.measurements')) as measurements_type
    from contents
),

diagnosed as (
    select
        file_path,
        document,
        -- Diagnostics run only for the (rare) files that did not parse into runs: CASE
        -- evaluates lazily, so a good file costs no second pass over its text.
        case
            when read_problem is not null then read_problem
            when document is not null and measurements_type = 'ARRAY' then null
            when trim(content_text, e' \t\r\n') = '' then 'empty_file: the file has no content'
            when document is null or not json_valid(content_text)
                then 'invalid_json: not valid JSON (truncated, or not JSON at all)'
            when json_type(content_text) != 'OBJECT'
                then
                    'wrong_shape: top level is ' || json_type(content_text)
                    || ', expected an object'
            else
                'wrong_shape: "measurements" is '
                || coalesce(measurements_type, 'missing')
                || ', expected an array of measurements'
        end as file_problem
    from parsed
),

attributes as (
    -- Optional top-level fields: NULL when absent or JSON null; checked when given.
    select
        diagnosed.file_path,
        diagnosed.file_problem,
        diagnosed.document.arch_name as arch_name_json,
        diagnosed.document.dataset_name as dataset_name_json,
        diagnosed.document.num_steps as num_steps_json,
        diagnosed.document.measurement_interval as measurement_interval_json,
        diagnosed.document.final_accuracy as final_accuracy_json,
        diagnosed.document.elapsed_time as elapsed_time_json
    from diagnosed
),

typed_attributes as (
    select
        *,
        case when json_type(arch_name_json) = 'VARCHAR' then arch_name_json ->> '$' end as arch_name,
        case when json_type(dataset_name_json) = 'VARCHAR' then dataset_name_json ->> '$' end
            as dataset_name,
        case
            when json_type(num_steps_json) in ('BIGINT', 'UBIGINT', 'DOUBLE')
                then try_cast(num_steps_json::varchar as double)
        end as num_steps_number,
        case
            when json_type(measurement_interval_json) in ('BIGINT', 'UBIGINT', 'DOUBLE')
                then try_cast(measurement_interval_json::varchar as double)
        end as measurement_interval_number,
        case
            when json_type(final_accuracy_json) in ('BIGINT', 'UBIGINT', 'DOUBLE')
                then try_cast(final_accuracy_json::varchar as double)
        end as final_accuracy_number,
        case
            when json_type(elapsed_time_json) in ('BIGINT', 'UBIGINT', 'DOUBLE')
                then try_cast(elapsed_time_json::varchar as double)
        end as elapsed_time_number
    from attributes
),

checked_attributes as (
    select
        *,
        -- Step counts must be whole numbers that fit a bigint.
        -- Step counts are whole numbers read exactly (macros/whole_numbers.sql).
        case
            when num_steps_number is not null then {{ whole_number('num_steps_json::varchar') }}
        end as num_steps,
        case
            when
                measurement_interval_number = floor(measurement_interval_number)
                and abs(measurement_interval_number) < 9e18
                then measurement_interval_number
        end as measurement_interval,
        case when isfinite(final_accuracy_number) then final_accuracy_number end as final_accuracy,
        case when isfinite(elapsed_time_number) then elapsed_time_number end as elapsed_time_seconds
    from typed_attributes
),

flagged_attributes as (
    select
        *,
        -- Fields given (not null) but not usable: NULL above, named here ('invalid_field').
        case when file_problem is null then list_filter([
            case
                when
                    arch_name_json is not null
                    and arch_name is null
                    then
                        'arch_name is ' || left(arch_name_json::varchar, 40)
                        || ', expected a string'
            end,
            case
                when
                    dataset_name_json is not null
                    and dataset_name is null
                    then
                        'dataset_name is ' || left(dataset_name_json::varchar, 40)
                        || ', expected a string'
            end,
            case
                when
                    num_steps_json is not null
                    and num_steps is null
                    then
                        'num_steps is ' || left(num_steps_json::varchar, 40)
                        || ', expected a whole number'
            end,
            case
                when
                    measurement_interval_json is not null
                    and measurement_interval is null
                    then
                        'measurement_interval is '
                        || left(measurement_interval_json::varchar, 40)
                        || ', expected a whole number'
            end,
            case
                when
                    final_accuracy_json is not null
                    and final_accuracy is null
                    then
                        'final_accuracy is ' || left(final_accuracy_json::varchar, 40)
                        || ', expected a finite number'
            end,
            case
                when
                    elapsed_time_json is not null
                    and elapsed_time_seconds is null
                    then
                        'elapsed_time is ' || left(elapsed_time_json::varchar, 40)
                        || ', expected a finite number'
            end
        ], lambda field_problem: field_problem is not null) end as invalid_fields
    from checked_attributes
),

documents as (
    select
        files.run_id,
        files.file_path,
        files.file_name,
        files.file_version,
        files.is_validity_fixture,
        split_part(flagged_attributes.file_problem, ':', 1) as file_problem,
        trim(flagged_attributes.file_problem[strpos(flagged_attributes.file_problem, ':') + 1:])
            as file_problem_detail,
        flagged_attributes.arch_name,
        flagged_attributes.dataset_name,
        flagged_attributes.num_steps,
        flagged_attributes.measurement_interval,
        flagged_attributes.final_accuracy,
        flagged_attributes.elapsed_time_seconds,
        flagged_attributes.invalid_fields
    from flagged_attributes
    inner join files on flagged_attributes.file_path = files.file_path
)

select * from documents
{%- endmacro %}

{% macro duckdb__int_ndt_layer_entries() -%}
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
            select 1 from {{ held_run_versions('file_path', 'file_version') }} as loaded
            where
                loaded.run_id = documents.file_path
                and loaded.run_version = documents.file_version
        )
    {%- endif %}
),

read_files as not materialized (
    -- Read a second time (glob-escaped literal names): the file may have changed since it
    -- was listed and parsed, so its size and modification time are read too. Batches of
    -- 32 files (about 22 MB of text) keep the parse of a batch small. Not materialized:
    -- the check below reads only the files' size and time (no content is read for it), the
    -- parse below the text; the text never passes a join (a join merges small chunks into
    -- chunks of up to 2,048 rows: 1.4 GB of text at the ndt format's 700 KB per run).
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
    -- A file that vanished or changed since it was listed is not loaded: it gets a problem
    -- (the run is then not loaded, and load_issues names it).
    select
        changed_documents.file_path,
        files.file_size_bytes,
        files.file_modified_at,
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
        end as read_problem
    from changed_documents
    inner join files on changed_documents.file_path = files.file_path
    left join read_files on changed_documents.file_path = read_files.file_path
    where not files.is_read_by_python
),

contents as (
    select
        file_path,
        read_size_bytes,
        read_modified_at,
        content_text
    from read_files
    union all
    select
        compressed_documents.file_path,
        null::bigint as read_size_bytes,
        null::timestamptz as read_modified_at,
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
        read_size_bytes,
        read_modified_at,
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
        read_size_bytes,
        read_modified_at,
        unnest(measurements) as measurement,
        generate_subscripts(measurements, 1) - 1 as measurement_index
    from run_measurements
),

measurement_fields as (
    select
        file_path,
        read_size_bytes,
        read_modified_at,
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
        read_size_bytes,
        read_modified_at,
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
    -- The entries of the files read as they were listed (the check above, and the size and
    -- time seen by the read that was parsed; compressed files were read by Python).
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
    left join checked_reads on layer_entries.file_path = checked_reads.file_path
    where
        checked_reads.read_problem is null
        and (
            layer_entries.read_size_bytes is null
            or (
                layer_entries.read_size_bytes = checked_reads.file_size_bytes
                and layer_entries.read_modified_at = checked_reads.file_modified_at
            )
        )
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
{%- endmacro %}
