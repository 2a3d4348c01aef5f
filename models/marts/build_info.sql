-- One row: the build that made this warehouse's tables (its id, inputs, settings, versions
-- and counts). build_finished_at and build_status are filled by the on-run-end hook. The same
-- on Spark but for duckdb_version, NULL there (macros/engine/build_info.sql); engine and
-- engine_version name the engine that wrote the tables on both.

with run_documents as (
    select * from {{ ref('int_ndt_documents_parsed') }}
),

tidy_documents as (
    select * from {{ ref('int_tidy_documents') }}
),

runs as (
    select * from {{ ref('runs') }}
),

load_issues as (
    select * from {{ ref('load_issues') }}
),

run_ids_named as (
    -- A run is found when a run file names it: an ndt file by its name, a tidy file by its rows.
    select run_id
    from run_documents
    where not is_validity_fixture
    union all
    select run_id
    from tidy_documents
),

runs_found as (
    select count(distinct run_id) as n_runs_found
    from run_ids_named
),

runs_loaded as (
    select
        count(*) as n_runs_loaded,
        count(*) filter (where is_analyzed) as n_runs_analyzed
    from runs
),

issues_found as (
    select count(*) as n_load_issues
    from load_issues
),

final as (
    select
        {{ string_literal(invocation_id) }} as build_id,
        {{ string_literal(runs_path()) }} as runs_path,
        {{ string_literal(var('analysis_mode')) }} as analysis_mode,
        {{ string_literal(analysis_settings_json()) }} as settings_json,
        {{ utc_timestamp_literal(run_started_at) }} as build_started_at,
        {{ null_timestamp() }} as build_finished_at,
        'unfinished' as build_status,
        {{ string_literal(var('project_version')) }} as project_version,
        {{ string_literal(dbt_version) }} as dbt_version,
        {{ duckdb_version() }} as duckdb_version,
        {{ string_literal(target.type) }} as engine,
        version() as engine_version,
        runs_found.n_runs_found,
        runs_loaded.n_runs_loaded,
        runs_loaded.n_runs_analyzed,
        issues_found.n_load_issues
    from runs_found
    cross join runs_loaded
    cross join issues_found
)

select * from final
