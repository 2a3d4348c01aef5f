{#-
  Engine-specific pieces of the project, one place for all of them: every macro here is
  called through adapter.dispatch, with a `duckdb__` implementation (the default target) and
  a `spark__` one (target `spark`, docs/spark.md). Models call the undecorated name.

  engine/hooks.sql      build hooks (leftover temporary relations, the run-versions table)
  engine/build_info.sql  build_info's literals and the end-of-build write of its status
  engine/functions.sql  small functions and types both engines spell differently
  engine/lists.sql      list functions; engine/unnesting.sql  lists into rows, structs
  engine/agreement.sql  the agreement models' as-of join and list literals
  engine/statistics.sql, engine/detectors.sql  per-engine pieces of those marts
  engine/seeds.sql      the seed loader on Spark
  engine/incremental.sql  the per-run incremental config and the removal of gone runs
  engine/readers_*.sql  the run-file readers (DuckDB read_blob, Spark binaryFile)
  engine/tidy_readers_*.sql  the tidy-table readers
-#}

{% macro drop_leftover_temporary_relations() -%}
    {{ adapter.dispatch("drop_leftover_temporary_relations")() }}
{%- endmacro %}

{% macro duckdb__drop_leftover_temporary_relations() -%}
    {#- dbt-duckdb's Python incremental models leave `<model>__dbt_tmp<time>` tables behind,
        and a killed build can leave any `__dbt_tmp` / `__dbt_backup` relation: drop them at
        the start and at the end of every run (dbt_project.yml hooks). -#}
    {%- if execute -%}
        {%- set leftovers_sql -%}
            select table_schema, table_name, table_type
            from information_schema.tables
            where
                table_catalog = current_database()
                and (contains(table_name, '__dbt_tmp') or contains(table_name, '__dbt_backup'))
        {%- endset -%}
        {%- for row in run_query(leftovers_sql).rows -%}
            {%- set kind = 'view' if row[2] == 'VIEW' else 'table' -%}
            {%- do run_query(
                'drop ' ~ kind ~ ' if exists ' ~ adapter.quote(row[0]) ~ '.' ~ adapter.quote(row[1])
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1 as leftover_temporary_relations_dropped
{%- endmacro %}

{% macro spark__drop_leftover_temporary_relations() -%}
    {#- dbt-spark stages incremental rows in temporary views, which end with the session:
        nothing is left behind to drop. -#}
    select 1 as leftover_temporary_relations_dropped
{%- endmacro %}

{% macro set_preserve_insertion_order(preserve) -%}
    {#- DuckDB: keep (or stop keeping) a scan's row order (the profile turns it off). -#}
    {{ adapter.dispatch('set_preserve_insertion_order')(preserve) }}
{%- endmacro %}

{% macro duckdb__set_preserve_insertion_order(preserve) -%}
    set preserve_insertion_order = {{ 'true' if preserve else 'false' }}
{%- endmacro %}

{% macro spark__set_preserve_insertion_order(preserve) -%}
    select 1 as insertion_order_kept
{%- endmacro %}

{% macro duckdb__create_run_versions_table() -%}
    create schema if not exists bookkeeping;
    create table if not exists {{ run_versions_relation() }} (
        model_name varchar not null,
        run_id varchar not null,
        run_version varchar not null
    )
{%- endmacro %}

{% macro spark__create_run_versions_table() -%}
    {#- One statement per call on Spark: the schema first, then the table. -#}
    {%- if execute -%}
        {%- do run_query('create schema if not exists bookkeeping') -%}
    {%- endif -%}
    {#- Partitioned by model: a model's post-hook (spark__record_run_versions) overwrites
        its own partition. -#}
    create table if not exists {{ run_versions_relation() }} (
        run_id string,
        run_version string,
        model_name string
    ) using parquet
    partitioned by (model_name)
{%- endmacro %}
