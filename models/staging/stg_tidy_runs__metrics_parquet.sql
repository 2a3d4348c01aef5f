-- Every row of metrics.parquet as read (all its columns, typed as in the file), or no rows when the file is
-- absent or empty. Column names and types are checked in int_tidy_files_checked.
-- `file_row`: data row number, from 1 (the reader's file_row_number).

{#- source() is called while parsing too, so the lineage shows the file's source. #}
{%- set source_relation = source('tidy_runs', 'metrics_parquet') %}

with file_rows as (
    {%- if tidy_file_is_present('metrics.parquet') %}
        select
            * exclude (file_row_number),
            file_row_number + 1 as file_row
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
