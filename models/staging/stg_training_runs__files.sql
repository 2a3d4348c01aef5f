-- The run-file inventory: names, sizes and modification times only (no content is read).
with run_files as (
    select
        filename,
        size,
        last_modified
    from {{ source('training_runs', 'run_files') }}
),

named as (
    select
        filename as file_path,
        parse_filename(filename) as file_name,
        size as file_size_bytes,
        last_modified as file_modified_at,
        starts_with(
            filename, {{ string_literal(var('validity_fixtures_path') ~ '/') }}
        ) as is_validity_fixture
    from run_files
),

runs_only as (
    select
        *,
        ends_with(file_name, '.json.gz') as is_compressed,
        regexp_replace(file_name, '\.json(\.gz)?$', '') as run_id,
        -- A changed file (new size or modification time) gets a new version and is reloaded.
        md5(file_path || '|' || file_size_bytes || '|' || epoch_us(file_modified_at))
            as file_version
    from named
    where ends_with(file_name, '.json') or ends_with(file_name, '.json.gz')
)

select * from runs_only
