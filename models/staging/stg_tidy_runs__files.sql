-- The tidy-format files in runs_path (runs from other trackers): names, sizes and
-- modification times only (no content is read).

{%- set tidy_file_names = ['metrics.parquet', 'metrics.csv', 'losses.parquet', 'losses.csv', 'runs.csv'] %}

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
        list_contains({{ string_list_literal(tidy_file_names) }}, parse_filename(filename))
        and not starts_with(filename, {{ string_literal(var('validity_fixtures_path') ~ '/') }})
)

select * from tidy_files
