{#-
  The readers on Spark (target `spark`): the same tables as readers_duckdb.sql, read with
  Spark's `binaryFile` source (the bytes of each file, like DuckDB's read_blob) and
  `from_json` with VARIANT values (like DuckDB's JSON type). What differs from DuckDB is
  listed in docs/spark.md ("Known differences").
-#}

{% macro spark_folder_glob(folder) -%}
    {#- The run files (`*.json`) directly in `folder`, as a `binaryFile` path (a relative
        folder is read from the folder dbt runs in, as on DuckDB). -#}
    {{- (folder | string).rstrip('/') | replace('`', '``') ~ '/*.json' -}}
{%- endmacro %}

{% macro spark_run_file_reads(paths) -%}
    {#- The bytes of the uncompressed run files this build reads: one `binaryFile` scan per
        folder that holds one of `paths` (a folder whose files are all unchanged, or that has
        no `.json` file, is not scanned: `binaryFile` fails on a pattern without a match).
        Rows are matched to the inventory by folder and file name. -#}
    {%- set folders = [] -%}
    {%- for fixture, folder in [(false, runs_path()), (true, var('validity_fixtures_path'))] -%}
        {%- set prefix = (folder | string).rstrip('/') ~ '/' -%}
        {%- set in_folder = [] -%}
        {%- for path in paths if (path | string).startswith(prefix) -%}
            {%- do in_folder.append(path) -%}
        {%- endfor -%}
        {%- if in_folder | length > 0 -%}
            {%- do folders.append((fixture, folder)) -%}
        {%- endif -%}
    {%- endfor %}
    {%- for fixture, folder in folders %}
        select
            {{ 'true' if fixture else 'false' }} as is_validity_fixture,
            regexp_extract(path, '[^/]*$', 0) as file_name,
            length as read_size_bytes,
            modificationTime as read_modified_at,
            -- Bytes that are not UTF-8 become NULL instead of failing every file.
            {{ spark_without_byte_order_mark('try_validate_utf8(cast(content as string))') }}
                as content_text
        from binaryFile.`{{ spark_folder_glob(folder) }}`
        union all
    {%- endfor %}
    select
        cast(null as boolean) as is_validity_fixture,
        cast(null as string) as file_name,
        cast(null as bigint) as read_size_bytes,
        cast(null as timestamp) as read_modified_at,
        cast(null as string) as content_text
    where false
{%- endmacro %}

{% macro spark_without_byte_order_mark(text) -%}
    if(startswith({{ text }}, char(65279)), substr({{ text }}, 2), {{ text }})
{%- endmacro %}

{% macro spark_same_modification_time(read_time, listed_time) -%}
    {#- binaryFile gives modification times to the millisecond, the listing to the microsecond. -#}
    date_trunc('MILLISECOND', {{ read_time }}) = date_trunc('MILLISECOND', {{ listed_time }})
{%- endmacro %}

{% macro spark__int_ndt_documents_parsed() -%}
{%- set paths = run_file_paths_to_read() %}

with files as (
    select * from {{ ref('stg_training_runs__files') }}
),

compressed_documents as (
    select * from {{ ref('stg_training_runs__compressed_documents') }}
),

changed_files as (
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
    {{ spark_run_file_reads(paths) }}
),

uncompressed_contents as (
    select
        changed_files.file_path,
        -- binaryFile skips empty files: an empty file listed empty is read as ''.
        case
            when read_files.file_name is null and changed_files.file_size_bytes = 0 then ''
            else read_files.content_text
        end as content_text,
        case
            when read_files.file_name is null and changed_files.file_size_bytes = 0 then null
            when read_files.file_name is null
                then 'changed_during_build: the file was deleted during the build'
            when
                read_files.read_size_bytes != changed_files.file_size_bytes
                or not {{ spark_same_modification_time(
                    'read_files.read_modified_at', 'changed_files.file_modified_at'
                ) }}
                then
                    'changed_during_build: listed with ' || changed_files.file_size_bytes
                    || ' bytes, modified ' || changed_files.file_modified_at
                    || '; read with ' || read_files.read_size_bytes || ' bytes, modified '
                    || read_files.read_modified_at
            when read_files.content_text is null then 'unreadable: not UTF-8 text'
        end as read_problem
    from changed_files
    left join read_files
        on
            changed_files.file_name = read_files.file_name
            and changed_files.is_validity_fixture = read_files.is_validity_fixture
    where not changed_files.is_read_by_python and changed_files.listing_problem is null
),

listing_problems as (
    select
        file_path,
        cast(null as string) as content_text,
        listing_problem as read_problem
    from changed_files
    where listing_problem is not null
),

changed_compressed_contents as (
    select
        compressed_documents.file_path,
        compressed_documents.content_text,
        compressed_documents.read_problem
    from compressed_documents
    semi join changed_files on compressed_documents.file_path = changed_files.file_path
),

contents as (
    select * from uncompressed_contents
    union all
    select * from changed_compressed_contents
    union all
    select * from listing_problems
),

parsed as (
    select
        file_path,
        content_text,
        read_problem,
        -- NULL for text that is not JSON.
        try_parse_json(content_text) as document
    from contents
),

diagnosed as (
    select
        file_path,
        document,
        case
            when read_problem is not null then read_problem
            -- (Only an object has a "measurements" field.)
            when try_variant_get(document, '$.measurements', 'array<variant>') is not null
                then null
            when trim(both ' \t\r\n' from content_text) = ''
                then 'empty_file: the file has no content'
            when document is null
                then 'invalid_json: not valid JSON (truncated, or not JSON at all)'
            when {{ json_kind('document') }} != 'OBJECT'
                then
                    'wrong_shape: top level is ' || {{ json_kind('document') }}
                    || ', expected an object'
            else
                'wrong_shape: "measurements" is '
                || coalesce(
                    {{ json_kind("try_variant_get(document, '$.measurements', 'variant')") }},
                    'missing'
                )
                || ', expected an array of measurements'
        end as file_problem
    from parsed
),

attributes as (
    -- Optional top-level fields: NULL when absent or JSON null; checked when given.
    select
        file_path,
        file_problem,
        {%- for field in ['arch_name', 'dataset_name', 'num_steps', 'measurement_interval',
            'final_accuracy', 'elapsed_time'] %}
        case
            when {{ json_kind("try_variant_get(document, '$." ~ field ~ "', 'variant')") }} != 'NULL'
                then try_variant_get(document, '$.{{ field }}', 'variant')
        end as {{ field }}_json{{ ',' if not loop.last }}
        {%- endfor %}
    from diagnosed
),

typed_attributes as (
    select
        *,
        case
            when {{ json_kind('arch_name_json') }} = 'VARCHAR'
                then variant_get(arch_name_json, '$', 'string')
        end as arch_name,
        case
            when {{ json_kind('dataset_name_json') }} = 'VARCHAR'
                then variant_get(dataset_name_json, '$', 'string')
        end as dataset_name,
        {%- for field in ['num_steps', 'measurement_interval', 'final_accuracy', 'elapsed_time'] %}
        case
            when {{ json_kind(field ~ '_json') }} in ('BIGINT', 'DOUBLE')
                then try_cast({{ json_text(field ~ '_json') }} as double)
        end as {{ field }}_number{{ ',' if not loop.last }}
        {%- endfor %}
    from attributes
),

checked_attributes as (
    select
        *,
        case
            when num_steps_number is not null then {{ whole_number(json_text('num_steps_json')) }}
        end as num_steps,
        case
            when
                measurement_interval_number = floor(measurement_interval_number)
                and abs(measurement_interval_number) < 9e18
                then measurement_interval_number
        end as measurement_interval,
        case
            when {{ is_finite('final_accuracy_number') }} then final_accuracy_number
        end as final_accuracy,
        case
            when {{ is_finite('elapsed_time_number') }} then elapsed_time_number
        end as elapsed_time_seconds
    from typed_attributes
),

flagged_attributes as (
    select
        *,
        case when file_problem is null then filter(array(
            {%- for field, column, expected in [
                ('arch_name', 'arch_name', 'a string'),
                ('dataset_name', 'dataset_name', 'a string'),
                ('num_steps', 'num_steps', 'a whole number'),
                ('measurement_interval', 'measurement_interval', 'a whole number'),
                ('final_accuracy', 'final_accuracy', 'a finite number'),
                ('elapsed_time', 'elapsed_time_seconds', 'a finite number'),
            ] %}
            case
                when {{ field }}_json is not null and {{ column }} is null
                    then
                        '{{ field }} is ' || left({{ json_text(field ~ '_json') }}, 40)
                        || ', expected {{ expected }}'
            end{{ ',' if not loop.last }}
            {%- endfor %}
        ), field_problem -> field_problem is not null) end as invalid_fields
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
        trim(substr(
            flagged_attributes.file_problem, instr(flagged_attributes.file_problem, ':') + 1
        )) as file_problem_detail,
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

{% macro spark__int_ndt_layer_entries() -%}
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
    {{ spark_run_file_reads(uncompressed_paths) }}
),

checked_reads as (
    select
        changed_documents.file_path,
        case
            when read_files.file_name is null
                then 'changed_during_build: the file was deleted during the build'
            when
                read_files.read_size_bytes != files.file_size_bytes
                or not {{ spark_same_modification_time(
                    'read_files.read_modified_at', 'files.file_modified_at'
                ) }}
                then
                    'changed_during_build: listed with ' || files.file_size_bytes
                    || ' bytes, modified ' || files.file_modified_at
                    || '; read again with ' || read_files.read_size_bytes
                    || ' bytes, modified ' || read_files.read_modified_at
        end as read_problem,
        read_files.content_text
    from changed_documents
    inner join files on changed_documents.file_path = files.file_path
    left join read_files
        on
            files.file_name = read_files.file_name
            and files.is_validity_fixture = read_files.is_validity_fixture
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
    -- A measurement whose layer_metrics has a layer that is not an object of metrics gets a
    -- NULL map (DuckDB nulls that layer only); a repeated layer is kept twice.
    select
        file_path,
        from_json(
            content_text,
            'measurements array<struct<step: variant, loss: variant, '
            || 'layer_metrics: map<string, map<string, variant>>>>'
        ).measurements as measurements
    from contents
),

measurements as (
    select
        file_path,
        cast(measurement_index as bigint) as measurement_index,
        measurement
    from run_measurements
    lateral view posexplode(measurements) exploded as measurement_index, measurement
),

measurement_fields as (
    select
        file_path,
        measurement_index,
        -- JSON text; NULL when missing or null.
        case
            when {{ json_kind('measurement.step') }} != 'NULL'
                then {{ json_text('measurement.step') }}
        end as step_text,
        case
            when {{ json_kind('measurement.loss') }} != 'NULL'
                then {{ json_text('measurement.loss') }}
        end as loss_text,
        measurement.layer_metrics is not null as has_layer_metrics,
        cast(case
            when measurement.layer_metrics is null then 0 else size(measurement.layer_metrics)
        end as bigint) as n_layer_entries,
        measurement.layer_metrics
    from measurements
),

layer_entries as (
    select
        measurement_fields.file_path,
        measurement_fields.measurement_index,
        measurement_fields.step_text,
        measurement_fields.loss_text,
        measurement_fields.has_layer_metrics,
        measurement_fields.n_layer_entries,
        entry.key as layer,
        entry.value as metrics,
        cast(position_in_measurement as bigint) as position_in_measurement
    from measurement_fields
    lateral view posexplode(
        case
            when measurement_fields.n_layer_entries > 0
                then map_entries(measurement_fields.layer_metrics)
            else array(cast(null as struct<key: string, value: map<string, variant>>))
        end
    ) layer_list as position_in_measurement, entry
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
        cast(null as string) as read_problem
    from layer_entries
    inner join documents on layer_entries.file_path = documents.file_path
    union all
    select
        changed_documents.run_id,
        changed_documents.file_path,
        changed_documents.file_version,
        cast(null as bigint) as measurement_index,
        cast(null as string) as step_text,
        cast(null as string) as loss_text,
        cast(null as boolean) as has_layer_metrics,
        cast(null as bigint) as n_layer_entries,
        cast(null as string) as layer,
        cast(null as bigint) as position_in_measurement,
        cast(null as map<string, variant>) as metrics,
        checked_reads.read_problem
    from checked_reads
    inner join changed_documents on checked_reads.file_path = changed_documents.file_path
    where checked_reads.read_problem is not null
)

select * from entries_and_read_problems
{%- endmacro %}

{#- The tidy format (metrics/losses/runs tables) is not read on Spark yet: these give the
    tidy models' columns with no rows, so that the ndt JSON runs load. -#}
