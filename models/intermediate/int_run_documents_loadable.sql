{{ config(materialized='view') }}
-- The parsed run documents that load: no file-level problem and a run id no other file claims
-- (x.json beside x.json.gz loads neither; both are listed in load_issues).

with documents as (
    select * from {{ ref('stg_training_runs__documents') }}
),

run_id_claims as (
    select
        run_id,
        count(*) as n_files
    from documents
    group by run_id
),

loadable as (
    select documents.*
    from documents
    inner join run_id_claims on documents.run_id = run_id_claims.run_id
    where documents.file_problem is null and run_id_claims.n_files = 1
)

select * from loadable
