{{
    config(
        materialized='table',
        pre_hook="set preserve_insertion_order = true",
        post_hook="set preserve_insertion_order = false",
    )
}}
-- One row per row of the tidy metrics file (metrics.parquet and/or metrics.csv; `file_row` =
-- data row number, from 1), keyed into the ndt shape: `measurement_index` = rank of the step
-- within the run, `layer_position` = order of the layer's first appearance in the file.
-- Values stay text, so that bad values can be named. The hooks keep the file's row order
-- for the CSV staging view's `row_number() over ()` (the profile turns insertion order off).

with tidy_files as (
    select * from {{ ref('int_tidy_files_checked') }}
),

empty_rows as (
    -- The typed shape.
    select
        null::varchar as file_name,
        null::bigint as file_row,
        null::varchar as run_id,
        null::varchar as step,
        null::varchar as layer,
        null::varchar as metric,
        null::varchar as value  -- noqa: RF04
    where false
),

metrics_parquet_rows as (
    select
        'metrics.parquet' as file_name,
        file_row,
        -- Only the known columns; a missing one is NULL (the file is then not loaded).
        columns('(?i)^(run_id|step|layer|metric|value)$')
    from {{ ref('stg_tidy_runs__metrics_parquet') }}
),

metrics_csv_rows as (
    select
        'metrics.csv' as file_name,
        file_row,
        -- Only the known columns; a missing one is NULL (the file is then not loaded).
        columns('(?i)^(run_id|step|layer|metric|value)$')
    from {{ ref('stg_tidy_runs__metrics_csv') }}
),

file_rows as (
    select * from empty_rows
    union all by name
    select * from metrics_parquet_rows
    union all by name
    select * from metrics_csv_rows
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
        file_row,
        run_id,
        step as step_text,
        layer,
        metric,
        value as value_text,
        case
            when run_id is null or run_id = '' then 'run_id is empty'
            when layer is null or layer = '' then 'layer is empty'
            when metric is null or metric = '' then 'metric is empty'
        end as row_problem
    from loadable_rows
),

stepped as (
    select
        *,
        -- Exact: never through a DOUBLE (macros/whole_numbers.sql).
        {{ whole_number('step_text') }} as step
    from typed
),

first_rows as (
    select
        *,
        -- Rows without a valid step form one measurement per distinct step text.
        case when step is null then coalesce(step_text, '') end as invalid_step_text,
        min(file_row) over (partition by file_name, run_id, layer) as layer_first_row
    from stepped
    where row_problem is null
),

keyed as (
    select
        file_name,
        file_row,
        run_id,
        step_text,
        step,
        invalid_step_text,
        layer,
        metric,
        value_text,
        row_problem,
        dense_rank() over (
            partition by file_name, run_id
            order by step asc nulls last, invalid_step_text asc nulls last
        ) - 1 as measurement_index,
        dense_rank() over (partition by file_name, run_id order by layer_first_row) - 1
            as layer_position
    from first_rows
),

unkeyed as (
    -- Rows that cannot be placed in a run (no run id, layer or metric): reported, not loaded.
    select
        file_name,
        file_row,
        run_id,
        step_text,
        step,
        null::varchar as invalid_step_text,
        layer,
        metric,
        value_text,
        row_problem,
        null::bigint as measurement_index,
        null::bigint as layer_position
    from stepped
    where row_problem is not null
),

all_rows as (
    select * from keyed
    union all
    select * from unkeyed
)

select * from all_rows
