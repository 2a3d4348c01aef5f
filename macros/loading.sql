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

{% macro load_issues_columns(problems, optional_columns=[]) -%}
    {#- The columns of load_issues, typed, from a CTE of problems (absent columns are NULL).
        `optional_columns`: which of measurement_index, layer and metric the CTE has (Spark
        has no `union all by name` to find out; DuckDB does not need them). -#}
    {{ adapter.dispatch('load_issues_columns')(problems, optional_columns) }}
{%- endmacro %}

{% macro duckdb__load_issues_columns(problems, optional_columns) -%}
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

{% macro spark__load_issues_columns(problems, optional_columns) -%}
    select
        cast(file_name as string) as file_name,
        cast(run_id as string) as run_id,
        cast(problem as string) as problem,
        cast(detail as string) as detail,
        cast(consequence as string) as consequence,
        {%- for name, type in [['measurement_index', 'bigint'], ['layer', 'string'], ['metric', 'string']] %}
        cast({{ name if name in optional_columns else 'null' }} as {{ type }}) as {{ name }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from {{ problems }}
{%- endmacro %}
