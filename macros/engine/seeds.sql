{#-
  Seeds on Spark load as on DuckDB. dbt-duckdb copies the CSV file with DuckDB's own reader
  (an empty cell is NULL, the text `null` stays text). dbt-spark instead inserts the rows dbt
  read with agate, which turns the text `null` into NULL, and its session connection pastes
  an empty cell into the INSERT as the text 'None'. So on Spark the file is read with Spark's
  own CSV reader (an empty cell is NULL, `null` stays text), then cast to the seed's column
  types. Like the run files, the seed file is read by path: the Spark session must see it
  (method `session`; on a cluster, a path the cluster can read). docs/spark.md.
-#}

{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model["config"].get("column_types", {}) -%}
    {%- set seed_path = model.root_path ~ "/" ~ model.original_file_path -%}
    {%- set delimiter = config.get("delimiter", ",") -%}
    {%- set csv_view = this.identifier ~ "__seed_csv" -%}
    {%- set read_sql -%}
        create or replace temporary view {{ adapter.quote(csv_view) }}
        using csv
        options (
            path '{{ seed_path | replace("\\", "\\\\") | replace("'", "\\'") }}',
            header 'true',
            delimiter '{{ delimiter }}',
            escape '"',
            multiLine 'true',
            mode 'FAILFAST'
        )
    {%- endset -%}
    {%- set insert_sql -%}
        insert overwrite table {{ this.render() }}
        select
            {%- for column_name in agate_table.column_names %}
                {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) %}
                cast({{ adapter.quote(column_name) }} as {{ column_override.get(column_name, inferred_type) }})
                as {{ adapter.quote(column_name) }}
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        from {{ adapter.quote(csv_view) }}
    {%- endset -%}
    {%- do adapter.add_query(read_sql, abridge_sql_log=True) -%}
    {%- do adapter.add_query(insert_sql, abridge_sql_log=True) -%}
    {%- do adapter.add_query("drop view if exists " ~ adapter.quote(csv_view), abridge_sql_log=True) -%}
    {{ return(insert_sql) }}
{% endmacro %}
