-- Every row of metrics.csv as read (all its columns, as text), or no rows when the file is
-- absent or empty. Column names and types are checked in int_tidy_files_checked.
-- `file_row`: data row number, from 1; the reading model keeps insertion order for it.

{#- source() is called while parsing too, so the lineage shows the file's source. #}
{%- set source_relation = source('tidy_runs', 'metrics_csv') %}

with file_rows as (
    {%- if tidy_file_is_present('metrics.csv') %}
        select
            *,
            row_number() over () as file_row
        from {{ source_relation }}
    {%- else %}
        -- The known columns, typed, when the file does not exist.
        select
            null::varchar as run_id,
            null::varchar as step,
            null::varchar as layer,
            null::varchar as metric,
            null::varchar as value,  -- noqa: RF04
            null::bigint as file_row
        where false
    {%- endif %}
)

select * from file_rows
