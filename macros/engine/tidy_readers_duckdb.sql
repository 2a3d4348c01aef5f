{#-
  The tidy-table readers on DuckDB (metrics / losses / runs tables, docs/tidy-format.md):
  the bodies of the int_tidy_* models that read rows, called through adapter.dispatch. The
  checks of the tidy files and the run attribute rows are in tidy_checks_duckdb.sql; the
  ndt JSON readers are in readers_duckdb.sql.
-#}

{% macro duckdb__int_tidy_documents() -%}
with tidy_files as (
    select * from {{ ref('int_tidy_files_checked') }}
),

metrics as (
    select * from {{ ref('int_tidy_metric_rows') }}
),

run_attributes as (
    select * from {{ ref('int_tidy_run_attribute_rows') }}
),

run_claims as (
    select distinct
        file_name,
        run_id
    from metrics
    where row_problem is null
),

single_attribute_rows as (
    -- A run listed twice in runs.csv gets no attributes (load_issues names it).
    select
        run_id,
        any_value(arch_name) as arch_name,
        any_value(dataset_name) as dataset_name,
        any_value(num_steps) as num_steps_text,
        any_value(measurement_interval) as measurement_interval_text,
        any_value(final_accuracy) as final_accuracy_text,
        any_value(elapsed_time) as elapsed_time_text
    from run_attributes
    group by run_id
    having count(*) = 1
),

typed_attributes as (
    select
        run_id,
        nullif(arch_name, '') as arch_name,
        nullif(dataset_name, '') as dataset_name,
        num_steps_text,
        measurement_interval_text,
        final_accuracy_text,
        elapsed_time_text,
        try_cast(num_steps_text as double) as num_steps_number,
        try_cast(measurement_interval_text as double) as measurement_interval_number,
        try_cast(final_accuracy_text as double) as final_accuracy_number,
        try_cast(elapsed_time_text as double) as elapsed_time_number
    from single_attribute_rows
),

checked_attributes as (
    select
        run_id,
        arch_name,
        dataset_name,
        -- Step counts are whole numbers read exactly (macros/whole_numbers.sql).
        {{ whole_number('num_steps_text') }} as num_steps,
        case
            when
                measurement_interval_number = floor(measurement_interval_number)
                and abs(measurement_interval_number) < 9e18
                then measurement_interval_number
        end as measurement_interval,
        case when isfinite(final_accuracy_number) then final_accuracy_number end as final_accuracy,
        case when isfinite(elapsed_time_number) then elapsed_time_number end as elapsed_time_seconds,
        num_steps_text,
        measurement_interval_text,
        final_accuracy_text,
        elapsed_time_text
    from typed_attributes
),

flagged_attributes as (
    select
        *,
        -- Attributes given but not usable: NULL above, named here (load_issues 'invalid_field').
        list_filter([
            case
                when
                    nullif(num_steps_text, '') is not null
                    and num_steps is null
                    then
                        'num_steps is ' || left(num_steps_text, 40)
                        || ', expected a whole number'
            end,
            case
                when
                    nullif(measurement_interval_text, '') is not null
                    and measurement_interval is null
                    then
                        'measurement_interval is '
                        || left(measurement_interval_text, 40)
                        || ', expected a whole number'
            end,
            case
                when
                    nullif(final_accuracy_text, '') is not null
                    and final_accuracy is null
                    then
                        'final_accuracy is ' || left(final_accuracy_text, 40)
                        || ', expected a finite number'
            end,
            case
                when
                    nullif(elapsed_time_text, '') is not null
                    and elapsed_time_seconds is null
                    then
                        'elapsed_time is ' || left(elapsed_time_text, 40)
                        || ', expected a finite number'
            end
        ], lambda field_problem: field_problem is not null) as invalid_fields
    from checked_attributes
),

documents as (
    select
        run_claims.run_id,
        tidy_files.file_path,
        run_claims.file_name,
        tidy_files.tidy_version as file_version,
        false as is_validity_fixture,
        'tidy' as source_format,
        null::varchar as file_problem,
        null::varchar as file_problem_detail,
        flagged_attributes.arch_name,
        flagged_attributes.dataset_name,
        flagged_attributes.num_steps,
        flagged_attributes.measurement_interval,
        flagged_attributes.final_accuracy,
        flagged_attributes.elapsed_time_seconds,
        flagged_attributes.invalid_fields
    from run_claims
    inner join tidy_files on run_claims.file_name = tidy_files.file_name
    left join flagged_attributes on run_claims.run_id = flagged_attributes.run_id
)

select * from documents
{%- endmacro %}

{% macro duckdb__int_tidy_metric_rows() -%}
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
{%- endmacro %}

{% macro duckdb__int_tidy_loss_rows() -%}
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
{%- endmacro %}
