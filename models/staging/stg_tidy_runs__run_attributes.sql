-- One row per row of the optional tidy runs.csv (run_id, arch_name, dataset, num_steps and
-- optionally measurement_interval, final_accuracy, elapsed_time), as text.

{#- read_csv fails on a file that does not exist: find it at compile time. #}
{%- set has_runs_csv = false %}
{%- if execute %}
    {%- set present_sql -%}
        select count(*)
        from read_blob({{ glob_literal(runs_path()) }})
        where size > 0 and parse_filename(filename) = 'runs.csv'
    {%- endset %}
    {%- set has_runs_csv = run_query(present_sql).columns[0].values()[0] > 0 %}
{%- endif %}

with tidy_files as (
    select * from {{ ref('stg_tidy_runs__files') }}
),

empty_rows as (
    -- The typed shape when runs.csv does not exist or lacks a column.
    select
        null::varchar as file_name,
        null::varchar as run_id,
        null::varchar as arch_name,
        null::varchar as dataset,
        null::varchar as dataset_name,
        null::varchar as num_steps,
        null::varchar as measurement_interval,
        null::varchar as final_accuracy,
        null::varchar as elapsed_time
    where false
),

{%- if has_runs_csv %}

runs_csv_rows as (
    select
        'runs.csv' as file_name,
        columns(
            '(?i)^(run_id|arch_name|dataset|dataset_name|num_steps|measurement_interval|final_accuracy|elapsed_time)$'
        )
    from {{ source('tidy_runs', 'runs_csv') }}
),
{%- endif %}

file_rows as (
    select * from empty_rows
    {%- if has_runs_csv %}
        union all by name
        select * from runs_csv_rows
    {%- endif %}
),

loadable_rows as (
    select file_rows.*
    from file_rows
    semi join tidy_files
        on file_rows.file_name = tidy_files.file_name and tidy_files.file_problem is null
),

named as (
    select
        file_name,
        run_id,
        arch_name,
        -- `dataset` as documented; `dataset_name` as in the ndt files.
        coalesce(dataset, dataset_name) as dataset_name,
        num_steps,
        measurement_interval,
        final_accuracy,
        elapsed_time
    from loadable_rows
)

select * from named
