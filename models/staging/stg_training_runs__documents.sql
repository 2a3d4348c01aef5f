{{
    config(
        materialized='incremental',
        unique_key='file_path',
        incremental_strategy='delete+insert',
        post_hook="{{ delete_removed_run_files() }}",
    )
}}
-- Each run file read once and parsed into typed, still nested, measurements. Incremental:
-- only new or changed files are read; leaf values stay JSON so that bad values can be named.

{%- set changed_paths = changed_run_file_paths() if is_incremental() and execute else none %}

with files as (
    select * from {{ ref('stg_training_runs__files') }}
),

compressed_documents as (
    select * from {{ ref('stg_training_runs__compressed_documents') }}
),

uncompressed_contents as (
    select
        filename as file_path,
        -- try(): bytes that are not UTF-8 become NULL instead of failing every file.
        try(decode(content)) as content_text,
        case
            when try(decode(content)) is null then 'unreadable: not UTF-8 text'
        end as read_problem
    from {{ source('training_runs', 'run_files') }}
    where
        ends_with(filename, '.json')
        {%- if changed_paths is not none %}
            -- Constant file names let DuckDB skip reading every unchanged file.
            and filename in (
                {%- if changed_paths | length == 0 %} null
                {%- else %} {{ string_list_literal(changed_paths)[1:-1] }}
                {%- endif %})
        {%- endif %}
),

changed_compressed_contents as (
    select compressed_documents.*
    from compressed_documents
    inner join files on compressed_documents.file_path = files.file_path
    {%- if is_incremental() %}
        where not exists (
            select 1 from {{ this }} as loaded
            where
                loaded.file_path = files.file_path
                and loaded.file_version = files.file_version
        )
    {%- endif %}
),

contents as (
    select * from uncompressed_contents
    union all by name
    select * from changed_compressed_contents
),

parsed as (
    select
        file_path,
        content_text,
        read_problem,
        -- One parse per file; try() turns a malformed file into NULL, diagnosed below.
        try(from_json(content_text, '{
            "arch_name": "JSON",
            "dataset_name": "JSON",
            "num_steps": "JSON",
            "measurement_interval": "JSON",
            "final_accuracy": "JSON",
            "elapsed_time": "JSON",
            "measurements": [{
                "step": "JSON",
                "epoch": "JSON",
                "loss": "JSON",
                "layer_metrics": "MAP(VARCHAR, MAP(VARCHAR, JSON))"
            }]
        }')) as document
    from contents
),

diagnosed as (
    select
        file_path,
        document,
        -- Diagnostics run only for the (rare) files that did not parse into runs.
        case
            when read_problem is not null then read_problem
            when trim(content_text) = '' then 'empty_file: the file has no content'
            when document is null or not json_valid(content_text)
                then 'invalid_json: not valid JSON (truncated, or not JSON at all)'
            when json_type(content_text) != 'OBJECT'
                then 'wrong_shape: top level is ' || json_type(content_text)
                || ', expected an object'
            when document.measurements is null
                then 'wrong_shape: "measurements" is '
                || coalesce(json_type(content_text, '$.measurements'), 'missing')
                || ', expected an array of measurements'
        end as file_problem
    from parsed
),

documents as (
    select
        files.run_id,
        files.file_path,
        files.file_name,
        files.file_version,
        files.is_validity_fixture,
        split_part(diagnosed.file_problem, ':', 1) as file_problem,
        trim(diagnosed.file_problem[strpos(diagnosed.file_problem, ':') + 1:])
            as file_problem_detail,
        -- Optional top-level fields: NULL when absent or not of the expected type.
        case
            when json_type(diagnosed.document.arch_name) = 'VARCHAR'
                then diagnosed.document.arch_name ->> '$'
        end as arch_name,
        case
            when json_type(diagnosed.document.dataset_name) = 'VARCHAR'
                then diagnosed.document.dataset_name ->> '$'
        end as dataset_name,
        try_cast(diagnosed.document.num_steps::varchar as double) as num_steps,
        try_cast(diagnosed.document.measurement_interval::varchar as double)
            as measurement_interval,
        try_cast(diagnosed.document.final_accuracy::varchar as double) as final_accuracy,
        try_cast(diagnosed.document.elapsed_time::varchar as double) as elapsed_time_seconds,
        case
            when diagnosed.file_problem is null then diagnosed.document.measurements
        end as measurements
    from diagnosed
    inner join files on diagnosed.file_path = files.file_path
)

select * from documents
