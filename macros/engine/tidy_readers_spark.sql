{#-
  The tidy-table readers on Spark: the int_tidy_* model bodies (readers_spark.sql has the
  ndt JSON readers and what differs from DuckDB). The tidy format is not read on Spark yet:
  these models hold no rows but int_tidy_files_checked, which reports every tidy file.
-#}

{% macro spark__int_tidy_documents() -%}
select
    cast(null as string) as run_id,
    cast(null as string) as file_path,
    cast(null as string) as file_name,
    cast(null as string) as file_version,
    cast(null as boolean) as is_validity_fixture,
    cast(null as string) as source_format,
    cast(null as string) as file_problem,
    cast(null as string) as file_problem_detail,
    cast(null as string) as arch_name,
    cast(null as string) as dataset_name,
    cast(null as bigint) as num_steps,
    cast(null as double) as measurement_interval,
    cast(null as double) as final_accuracy,
    cast(null as double) as elapsed_time_seconds,
    cast(null as array<string>) as invalid_fields
where false
{%- endmacro %}

{% macro spark__int_tidy_metric_rows() -%}
select
    cast(null as string) as file_name,
    cast(null as bigint) as file_row,
    cast(null as string) as run_id,
    cast(null as string) as step_text,
    cast(null as bigint) as step,
    cast(null as string) as invalid_step_text,
    cast(null as string) as layer,
    cast(null as string) as metric,
    cast(null as string) as value_text,
    cast(null as string) as row_problem,
    cast(null as bigint) as measurement_index,
    cast(null as bigint) as layer_position
where false
{%- endmacro %}

{% macro spark__int_tidy_loss_rows() -%}
select
    cast(null as string) as file_name,
    cast(null as string) as run_id,
    cast(null as string) as step_text,
    cast(null as bigint) as step,
    cast(null as string) as loss_text,
    cast(null as double) as loss_number
where false
{%- endmacro %}

{% macro spark__int_tidy_files_checked() -%}
{#- The tidy format is not read on Spark yet: every tidy file in the folder is reported in
    load_issues (`not_read_on_spark`, the file not loaded), never left out silently. -#}
with tidy_files as (
    select * from {{ ref('stg_tidy_runs__files') }}
),

reported as (
    select
        file_path,
        file_name,
        split_part(file_name, '.', 1) as tidy_table,
        file_size_bytes,
        file_modified_at,
        cast(null as array<string>) as column_names,
        'not_read_on_spark' as file_problem,
        'the tidy format (metrics, losses and runs tables) is not read on Spark yet: build '
        || 'this folder on DuckDB (docs/spark.md)' as file_problem_detail,
        cast(null as string) as tidy_version
    from tidy_files
)

select * from reported
{%- endmacro %}

{% macro spark__int_tidy_run_attribute_rows() -%}
select
    cast(null as string) as file_name,
    cast(null as string) as run_id,
    cast(null as string) as arch_name,
    cast(null as string) as dataset_name,
    cast(null as string) as num_steps,
    cast(null as string) as measurement_interval,
    cast(null as string) as final_accuracy,
    cast(null as string) as elapsed_time
where false
{%- endmacro %}
