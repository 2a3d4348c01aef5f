{{ config(materialized='view') }}
-- One row per run and measurement: the training loss as loaded.

with measurements as (
    select * from {{ ref('int_measurements_validated') }}
),

runs as (
    select * from {{ ref('runs') }}
),

final as (
    select
        measurements.run_id,
        measurements.measurement_index,
        measurements.step,
        measurements.loss,
        runs.is_analyzed and measurements.is_complete as is_analyzed
    from measurements
    inner join runs on measurements.run_id = runs.run_id
    where measurements.loss is not null
)

select * from final
