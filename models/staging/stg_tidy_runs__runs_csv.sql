-- Every row of runs.csv as read (all its columns, as text), or no rows when the file is
-- absent or empty. Column names and types are checked in int_tidy_files_checked.

{#- source() is called while parsing too, so the lineage shows the file's source. #}
{%- set source_relation = source('tidy_runs', 'runs_csv') %}

with file_rows as (
    {%- if tidy_file_is_present('runs.csv') %}
        select
            *
        from {{ source_relation }}
    {%- else %}
        -- The known columns, typed, when the file does not exist.
        select
            null::varchar as run_id,
            null::varchar as arch_name,
            null::varchar as dataset,
            null::varchar as dataset_name,
            null::varchar as num_steps,
            null::varchar as measurement_interval,
            null::varchar as final_accuracy,
            null::varchar as elapsed_time
        where false
    {%- endif %}
)

select * from file_rows
