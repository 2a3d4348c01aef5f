-- One row per row of the tidy losses file (losses.parquet and/or losses.csv), typed. The loss
-- of a measurement is matched on run id and step by the loading models.

with tidy_files as (
    select * from {{ ref('int_tidy_files_checked') }}
),

empty_rows as (
    -- The typed shape.
    select
        null::varchar as file_name,
        null::varchar as run_id,
        null::varchar as step,
        null::varchar as loss
    where false
),

losses_parquet_rows as (
    select
        'losses.parquet' as file_name,
        -- Only the known columns; a missing one is NULL (the file is then not loaded).
        columns('(?i)^(run_id|step|loss)$')
    from {{ ref('stg_tidy_runs__losses_parquet') }}
),

losses_csv_rows as (
    select
        'losses.csv' as file_name,
        -- Only the known columns; a missing one is NULL (the file is then not loaded).
        columns('(?i)^(run_id|step|loss)$')
    from {{ ref('stg_tidy_runs__losses_csv') }}
),

file_rows as (
    select * from empty_rows
    union all by name
    select * from losses_parquet_rows
    union all by name
    select * from losses_csv_rows
),

loadable_rows as (
    -- Rows of files with every required column (the others are reported by file).
    select file_rows.*
    from file_rows
    semi join tidy_files
        on file_rows.file_name = tidy_files.file_name and tidy_files.file_problem is null
),

typed as (
    select
        file_name,
        run_id,
        step as step_text,
        -- Exact: never through a DOUBLE (macros/whole_numbers.sql).
        {{ whole_number('step') }} as step,
        loss as loss_text,
        try_cast(loss as double) as loss_number
    from loadable_rows
)

select * from typed
