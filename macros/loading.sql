{#- Loading helpers: which optional files exist, read at compile time. -#}

{% macro tidy_file_is_present(file_name) -%}
    {#- True when `file_name` exists directly in runs_path and is not empty. read_parquet and
        read_csv fail on a missing file, so the staging models ask first (at compile time;
        while parsing, nothing is read and the answer is false). -#}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set present_sql -%}
        {#- The one path, read literally (no listing of the folder): no row when absent. #}
        select count(*)
        from read_blob({{ string_literal(glob_escaped(runs_path() ~ '/' ~ file_name)) }})
        where size > 0
    {%- endset -%}
    {{ return(run_query(present_sql).columns[0].values()[0] > 0) }}
{%- endmacro %}

{% macro load_issue_models() -%}
    {#- The per-problem models that load_issues is assembled from (models/intermediate/load_issues). -#}
    {{ return([
        'int_load_issues__files', 'int_load_issues__duplicate_run_ids',
        'int_load_issues__invalid_fields', 'int_load_issues__measurements',
        'int_load_issues__values', 'int_load_issues__missing_values', 'int_load_issues__runs',
        'int_load_issues__tidy_rows', 'int_load_issues__unmatched_losses',
        'int_load_issues__run_attributes', 'int_load_issues__short_runs',
    ]) }}
{%- endmacro %}

{% macro load_issues_columns(problems) -%}
    {#- The columns of load_issues, typed, from a CTE of problems (absent columns are NULL). -#}
    select
        file_name::varchar as file_name,
        run_id::varchar as run_id,
        problem::varchar as problem,
        detail::varchar as detail,
        consequence::varchar as consequence,
        measurement_index::bigint as measurement_index,
        layer::varchar as layer,
        metric::varchar as metric
    from (
        select
            null::bigint as measurement_index,
            null::varchar as layer,
            null::varchar as metric
        where false
        union all by name
        select * from {{ problems }}
    )
{%- endmacro %}

{% macro drop_leftover_temporary_relations() -%}
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
