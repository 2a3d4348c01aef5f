-- One row per row of the optional tidy runs.csv (run_id, arch_name, dataset, num_steps and
-- optionally measurement_interval, final_accuracy, elapsed_time), as text.

with tidy_files as (
    select * from {{ ref('int_tidy_files_checked') }}
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

runs_csv_rows as (
    select
        'runs.csv' as file_name,
        columns(
            '(?i)^(run_id|arch_name|dataset|dataset_name|num_steps|measurement_interval|final_accuracy|elapsed_time)$'  -- noqa: LT05
        )
    from {{ ref('stg_tidy_runs__runs_csv') }}
),

file_rows as (
    select * from empty_rows
    union all by name
    select * from runs_csv_rows
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
