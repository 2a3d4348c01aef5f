{#-
  Per-run incremental refresh, per engine (macros/incremental_runs.sql says what it does).
  DuckDB replaces a changed run's rows with delete+insert on the key and deletes the rows of
  gone runs. Spark has neither without Delta (whose jars download at session start), so each
  key (run_id or file_path) is a partition of a parquet table: a build overwrites the
  partitions of the keys it recomputed (dynamic partition overwrite) and drops the partitions
  of gone keys.
-#}

{% macro per_run_incremental(
    unique_key, removal_hook, on_schema_change='append_new_columns', record_hook=none
) -%}
    {#- The config of a per-run incremental model: `config(**per_run_incremental(...))`.
        `removal_hook`: the post-hook that removes the rows of gone runs (its Jinja text);
        `record_hook`: the post-hook that records the run versions the model holds
        (record_held_run_versions, macros/engine/held_run_versions.sql), if it keeps them. -#}
    {%- set settings = adapter.dispatch('per_run_incremental')(
        unique_key, removal_hook, on_schema_change
    ) -%}
    {%- if record_hook is not none -%}
        {%- do settings.update({'post_hook': [removal_hook, record_hook]}) -%}
    {%- endif -%}
    {{ return(settings) }}
{%- endmacro %}

{% macro duckdb__per_run_incremental(unique_key, removal_hook, on_schema_change) -%}
    {%- set settings = {
        'materialized': 'incremental',
        'unique_key': unique_key,
        'incremental_strategy': 'delete+insert',
        'post_hook': removal_hook,
    } -%}
    {%- if on_schema_change is not none -%}
        {%- do settings.update({'on_schema_change': on_schema_change}) -%}
    {%- endif -%}
    {{ return(settings) }}
{%- endmacro %}

{% macro spark__per_run_incremental(unique_key, removal_hook, on_schema_change) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [unique_key],
        'file_format': 'parquet',
        'on_schema_change': on_schema_change or 'ignore',
        'post_hook': removal_hook,
    }) }}
{%- endmacro %}

{% macro remove_gone_keys(key_column, current_keys_sql) -%}
    {#- Remove the rows whose `key_column` is not among `current_keys_sql` (a query). -#}
    {{ adapter.dispatch('remove_gone_keys')(key_column, current_keys_sql) }}
{%- endmacro %}

{% macro duckdb__remove_gone_keys(key_column, current_keys_sql) -%}
    delete from {{ this }}
    where {{ key_column }} not in ({{ current_keys_sql }})
{%- endmacro %}

{% macro spark__remove_gone_keys(key_column, current_keys_sql) -%}
    {#- DELETE is not supported on parquet tables: drop the gone keys' partitions. -#}
    {%- if execute -%}
        {%- set gone_sql -%}
            select distinct {{ key_column }} from {{ this }}
            where {{ key_column }} not in ({{ current_keys_sql }})
        {%- endset -%}
        {%- for key in run_query(gone_sql).columns[0].values() -%}
            {%- do run_query(
                'alter table ' ~ this ~ ' drop if exists partition ('
                ~ key_column ~ ' = ' ~ string_literal(key) ~ ')'
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as gone_keys_removed
{%- endmacro %}

{% macro delete_removed_run_files() -%}
    {{ remove_gone_keys('file_path', 'select file_path from ' ~ ref('stg_training_runs__files')) }}
{%- endmacro %}

{% macro delete_removed_runs(current_runs_model) -%}
    {{ remove_gone_keys('run_id', 'select run_id from ' ~ ref(current_runs_model)) }}
{%- endmacro %}

{% macro delete_unparsed_run_files() -%}
    {{ remove_gone_keys(
        'file_path',
        'select file_path from ' ~ ref('int_ndt_documents_parsed') ~ ' where file_problem is null'
    ) }}
{%- endmacro %}
