-- Every row of losses.parquet as read (all its columns, typed as in the file), or no rows when the file is
-- absent or empty. Column names and types are checked in int_tidy_files_checked.

{#- source() is called while parsing too, so the lineage shows the file's source. #}
{%- set source_relation = source('tidy_runs', 'losses_parquet') %}

with file_rows as (
    {%- if tidy_file_is_present('losses.parquet') %}
        select
            *
        from {{ source_relation }}
    {%- else %}
        -- The known columns, typed, when the file does not exist.
        select
            null::varchar as run_id,
            null::varchar as step,
            null::varchar as loss
        where false
    {%- endif %}
)

select * from file_rows
