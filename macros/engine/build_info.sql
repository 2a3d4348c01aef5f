{#-
  build_info and the end-of-build hook on both engines (models/marts/build_info.sql,
  macros/build_summary.sql): the literals and functions the engines spell differently, and
  the hook's write of the finish time and status (DuckDB `update`; Spark's parquet tables
  have no `update`, so the row is read and the table overwritten with it, changed).
-#}

{% macro utc_timestamp_literal(moment) -%}
    {#- A Python datetime (UTC) as a TIMESTAMP literal (Spark: in its session time zone, UTC
        in profiles.yml). -#}
    {{- adapter.dispatch('utc_timestamp_literal')(moment) -}}
{%- endmacro %}

{% macro duckdb__utc_timestamp_literal(moment) -%}
    '{{ moment.strftime("%Y-%m-%d %H:%M:%S.%f") }}'::timestamp
{%- endmacro %}

{% macro spark__utc_timestamp_literal(moment) -%}
    cast('{{ moment.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{% macro null_timestamp() -%}
    {{- adapter.dispatch('null_timestamp')() -}}
{%- endmacro %}

{% macro duckdb__null_timestamp() -%}
    null::timestamp
{%- endmacro %}

{% macro spark__null_timestamp() -%}
    cast(null as timestamp)
{%- endmacro %}

{% macro duckdb_version() -%}
    {#- The version of DuckDB that writes the tables: NULL on Spark (no DuckDB wrote them). -#}
    {{- adapter.dispatch('duckdb_version')() -}}
{%- endmacro %}

{% macro duckdb__duckdb_version() -%}
    version()
{%- endmacro %}

{% macro spark__duckdb_version() -%}
    {{ null_text() }}
{%- endmacro %}

{% macro set_build_status(build_info, build_status, finished_at=none) -%}
    {#- build_info's status becomes `build_status`: with `finished_at` (a UTC datetime), the
        row of this build (build_id = invocation_id) gets that finish time too; without, every
        row gets the status (the `modified` mark). -#}
    {%- do adapter.dispatch('set_build_status')(build_info, build_status, finished_at) -%}
{%- endmacro %}

{% macro duckdb__set_build_status(build_info, build_status, finished_at) -%}
    {%- if finished_at is none -%}
        {%- do run_query(
            "update " ~ build_info ~ " set build_status = " ~ string_literal(build_status)
        ) -%}
    {%- else -%}
        {#- The same statement as before Spark (indented as it was). -#}
        {%- set update_sql -%}
        update {{ build_info }}
        set
            build_finished_at = {{ utc_timestamp_literal(finished_at) }},
            build_status = {{ string_literal(build_status) }}
        where build_id = {{ string_literal(invocation_id) }}
        {%- endset -%}
        {%- do run_query(update_sql) -%}
    {%- endif -%}
{%- endmacro %}

{% macro spark__set_build_status(build_info, build_status, finished_at) -%}
    {#- No `update` on parquet, and a table cannot be overwritten by a query that reads it:
        the rows are read first (each as JSON text, timestamps to the microsecond), then the
        table is overwritten with them as literals, cast to the table's column types. -#}
    {%- set columns = adapter.get_columns_in_relation(build_info) -%}
    {%- set read_sql -%}
        select to_json(
            struct(*),
            map('timestampFormat', 'yyyy-MM-dd HH:mm:ss.SSSSSS', 'ignoreNullFields', 'false')
        )
        from {{ build_info }}
    {%- endset -%}
    {%- set selects = [] -%}
    {%- for json_row in run_query(read_sql).rows -%}
        {%- set row = fromjson(json_row[0]) -%}
        {%- if finished_at is none -%}
            {%- do row.update({'build_status': build_status}) -%}
        {%- elif row['build_id'] == invocation_id -%}
            {%- do row.update({
                'build_status': build_status,
                'build_finished_at': finished_at.strftime('%Y-%m-%d %H:%M:%S.%f')
            }) -%}
        {%- endif -%}
        {%- set values = [] -%}
        {%- for column in columns -%}
            {%- set value = row.get(column.name) -%}
            {%- do values.append(
                'cast(' ~ ('null' if value is none else string_literal(value)) ~ ' as '
                ~ column.dtype ~ ') as ' ~ adapter.quote(column.name)
            ) -%}
        {%- endfor -%}
        {%- do selects.append('select ' ~ values | join(', ')) -%}
    {%- endfor -%}
    {%- if selects | length > 0 -%}
        {%- do run_query(
            'insert overwrite table ' ~ build_info ~ ' ' ~ selects | join(' union all ')
        ) -%}
    {%- endif -%}
{%- endmacro %}
