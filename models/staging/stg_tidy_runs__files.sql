-- The tidy-format files in runs_path (runs from other trackers), one row per file, with their
-- columns checked. A file without its required columns is not loaded (one load_issues row).
-- `tidy_version`, the same in every row, changes when any tidy file changes: every tidy run
-- is then reloaded.

{%- set tidy_sources = {
    'metrics.parquet': 'metrics_parquet',
    'metrics.csv': 'metrics_csv',
    'losses.parquet': 'losses_parquet',
    'losses.csv': 'losses_csv',
    'runs.csv': 'runs_csv',
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

{#- Only files that exist and are not empty can be described (at compile time). #}
{%- set readable_files = [] %}
{%- if execute %}
    {%- set readable_sql -%}
        select parse_filename(filename) as file_name
        from read_blob({{ glob_literal(runs_path()) }})
        where
            size > 0
            and list_contains({{ string_list_literal(tidy_sources.keys() | list) }}, parse_filename(filename))
        order by file_name
    {%- endset %}
    {%- set readable_files = run_query(readable_sql).columns[0].values() | list %}
{%- endif %}

with run_files as (
    select
        filename,
        size,
        last_modified
    from {{ source('training_runs', 'run_files') }}
),

tidy_files as (
    select
        filename as file_path,
        parse_filename(filename) as file_name,
        size as file_size_bytes,
        last_modified as file_modified_at
    from run_files
    where
        list_contains({{ string_list_literal(tidy_sources.keys() | list) }}, parse_filename(filename))
        and not starts_with(filename, {{ string_literal(var('validity_fixtures_path') ~ '/') }})
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
            list(lower(column_name) order by column_name) as column_names
        from (describe select * from {{ source('tidy_runs', tidy_sources[file_name]) }})
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
            when tidy_files.file_size_bytes = 0 then 'empty_file'
            when not list_has_all(file_columns.column_names, required_columns.required_column_names)
                then 'wrong_shape'
        end as file_problem,
        case
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
