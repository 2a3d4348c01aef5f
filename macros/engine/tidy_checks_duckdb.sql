{#-
  The tidy-table checks on DuckDB (docs/tidy-format.md): the bodies of int_tidy_files_checked
  (each tidy file's columns and types) and int_tidy_run_attribute_rows, called through
  adapter.dispatch. The readers of the rows are in tidy_readers_duckdb.sql.
-#}

{% macro duckdb__int_tidy_files_checked() -%}
{%- set staging_models = {
    'metrics.parquet': 'stg_tidy_runs__metrics_parquet',
    'metrics.csv': 'stg_tidy_runs__metrics_csv',
    'losses.parquet': 'stg_tidy_runs__losses_parquet',
    'losses.csv': 'stg_tidy_runs__losses_csv',
    'runs.csv': 'stg_tidy_runs__runs_csv',
} %}

{%- set metrics_columns = ['run_id', 'step', 'layer', 'metric', 'value'] %}
{%- set losses_columns = ['run_id', 'step', 'loss'] %}
{%- set required_by_file = {
    'metrics.parquet': metrics_columns,
    'metrics.csv': metrics_columns,
    'losses.parquet': losses_columns,
    'losses.csv': losses_columns,
    'runs.csv': ['run_id'],
} %}

{#- Only files that exist and are not empty can be described (at compile time), through their
    staging views (built before this model; absent while a linter compiles). #}
{%- set readable_files = [] %}
{%- for file_name in staging_models.keys() | sort %}
    {%- set staging_relation = ref(staging_models[file_name]) %}
    {%- if tidy_file_is_present(file_name) and load_relation(staging_relation) is not none %}
        {%- do readable_files.append(file_name) %}
    {%- endif %}
{%- endfor %}

with tidy_files as (
    select * from {{ ref('stg_tidy_runs__files') }}
),

required_columns as (
    {%- for file_name, column_names in required_by_file.items() %}
        select
            {{ string_literal(file_name) }} as file_name,
            {{ string_list_literal(column_names) }} as required_column_names
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

file_columns as (
    select
        null::varchar as file_name,
        null::varchar[] as column_names
    where false
    {%- for file_name in readable_files %}
        union all
        select
            {{ string_literal(file_name) }} as file_name,
            -- `file_row` is the staging model's row number, not a column of the file.
            list(lower(column_name) order by column_name) filter (where column_name != 'file_row')
                as column_names
        from (describe select * from {{ ref(staging_models[file_name]) }})
    {%- endfor %}
),

tidy_version as (
    -- Any change to any tidy file (size or modification time) gives every tidy run a new version.
    select
        md5(string_agg(
            file_name || '|' || file_size_bytes || '|' || epoch_us(file_modified_at), ';'
            order by file_name
        )) as tidy_version
    from tidy_files
),

checked as (
    select
        tidy_files.file_path,
        tidy_files.file_name,
        split_part(tidy_files.file_name, '.', 1) as tidy_table,
        tidy_files.file_size_bytes,
        tidy_files.file_modified_at,
        file_columns.column_names,
        case
            -- Not a regular readable file (a directory named metrics.csv, a dangling link).
            when tidy_files.listing_problem is not null
                then split_part(tidy_files.listing_problem, ':', 1)
            when tidy_files.file_size_bytes = 0 then 'empty_file'
            when not list_has_all(file_columns.column_names, required_columns.required_column_names)
                then 'wrong_shape'
        end as file_problem,
        case
            when tidy_files.listing_problem is not null
                then
                    trim(
                        tidy_files.listing_problem[strpos(tidy_files.listing_problem, ':') + 1:]
                    )
            when tidy_files.file_size_bytes = 0 then 'the file has no content'
            when not list_has_all(file_columns.column_names, required_columns.required_column_names)
                then
                    'expected the columns '
                    || array_to_string(required_columns.required_column_names, ', ')
                    || '; the file has ' || array_to_string(file_columns.column_names, ', ')
        end as file_problem_detail,
        tidy_version.tidy_version
    from tidy_files
    inner join required_columns on tidy_files.file_name = required_columns.file_name
    left join file_columns on tidy_files.file_name = file_columns.file_name
    cross join tidy_version
)

select * from checked
{%- endmacro %}

{% macro duckdb__int_tidy_run_attribute_rows() -%}
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
{%- endmacro %}
