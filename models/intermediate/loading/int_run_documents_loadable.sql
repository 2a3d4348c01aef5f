{{ config(materialized='view') }}
-- The run documents that load, from both formats (ndt JSON files and tidy tables): no
-- file-level problem and a run id that no other readable file claims (x.json beside
-- x.json.gz, or a tidy run id that is also a JSON run, loads neither: load_issues names both).

with ndt_documents as (
    select * from {{ ref('int_ndt_documents_parsed') }}
),

tidy_documents as (
    select * from {{ ref('int_tidy_documents') }}
),

layer_entry_read_problems as (
    -- Files that changed between their two reads: not loaded (load_issues names them).
    select file_path from {{ ref('int_ndt_layer_entries') }}
    where read_problem is not null
),

documents as (
    select
        run_id,
        file_path,
        file_name,
        file_version,
        is_validity_fixture,
        file_problem,
        file_problem_detail,
        arch_name,
        dataset_name,
        num_steps,
        measurement_interval,
        final_accuracy,
        elapsed_time_seconds,
        invalid_fields,
        'ndt_json' as source_format
    from ndt_documents
    union all
    select
        run_id,
        file_path,
        file_name,
        file_version,
        is_validity_fixture,
        file_problem,
        file_problem_detail,
        arch_name,
        dataset_name,
        num_steps,
        measurement_interval,
        final_accuracy,
        elapsed_time_seconds,
        invalid_fields,
        source_format
    from tidy_documents
),

run_id_claims as (
    -- Files that could not be read claim nothing: x.json.gz loads beside a broken x.json.
    select
        run_id,
        count(*) as n_files
    from documents
    where file_problem is null
    group by run_id
),

loadable as (
    select documents.*
    from documents
    inner join run_id_claims on documents.run_id = run_id_claims.run_id
    anti join layer_entry_read_problems
        on documents.file_path = layer_entry_read_problems.file_path
    where documents.file_problem is null and run_id_claims.n_files = 1
)

select * from loadable
