{#-
  Which version of each run a per-run table holds, per engine (macros/incremental_runs.sql
  says how the models use it).
  DuckDB keeps them in the bookkeeping table bookkeeping.model_run_versions (a row per run
  and model, written by each build's post-hook record_held_run_versions), so that finding
  the changed runs reads a few thousand rows, not the table (64 million rows of
  int_metric_values_unnested at 5,500 runs). Spark reads them off the table itself (its
  parquet bookkeeping has no DELETE: macros/run_versions.sql).
-#}

{% macro held_run_versions(key_column='run_id', version_column='run_version') -%}
    {#- A relation (run_id, run_version): what this model holds, one row per run or more. -#}
    {{ return(adapter.dispatch('held_run_versions')(key_column, version_column)) }}
{%- endmacro %}

{% macro duckdb__held_run_versions(key_column, version_column) -%}
    {%- set bookkeeping = load_relation(api.Relation.create(
        database=this.database, schema='bookkeeping', identifier='model_run_versions'
    )) if execute else none -%}
    {%- set recorded_sql -%}
        select count(*) from {{ run_versions_relation() }}
        where model_name = '{{ this.identifier }}'
    {%- endset -%}
    {%- if bookkeeping is not none and run_query(recorded_sql).columns[0].values()[0] > 0 -%}
        {%- set relation -%}
            (
                select run_id, run_version from {{ run_versions_relation() }}
                where model_name = '{{ this.identifier }}'
            )
        {%- endset -%}
    {%- else -%}
        {#- No record yet (a table built before this bookkeeping): read the table. -#}
        {%- set relation -%}
            (select {{ key_column }} as run_id, {{ version_column }} as run_version from {{ this }})
        {%- endset -%}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}

{% macro spark__held_run_versions(key_column, version_column) -%}
    {%- set relation -%}
        (select {{ key_column }} as run_id, {{ version_column }} as run_version from {{ this }})
    {%- endset -%}
    {{ return(relation) }}
{%- endmacro %}

{% macro record_held_run_versions(versions_sql) -%}
    {#- post_hook: record the versions this model now holds; `versions_sql` selects
        (run_id, run_version), one row per run, for every current run (a run that gives
        the model no row is recorded too: its version gives none again). -#}
    {{ adapter.dispatch('record_held_run_versions')(versions_sql) }}
{%- endmacro %}

{% macro duckdb__record_held_run_versions(versions_sql) -%}
    delete from {{ run_versions_relation() }} where model_name = '{{ this.identifier }}';
    insert into {{ run_versions_relation() }} (model_name, run_id, run_version)
    select '{{ this.identifier }}', run_id, run_version from ({{ versions_sql }})
{%- endmacro %}

{% macro spark__record_held_run_versions(versions_sql) -%}
    select 1 as held_run_versions_recorded
{%- endmacro %}
