{{ config(materialized='view') }}
-- One row per run, measurement, layer and metric: every numeric value loaded from the files.

with metric_values as (
    select * from {{ ref('int_metric_values_unnested') }}
),

measurements as (
    select * from {{ ref('int_measurements_validated') }}
),

runs as (
    select * from {{ ref('runs') }}
),

final as (
    select
        metric_values.run_id,
        metric_values.measurement_index,
        measurements.step,
        metric_values.layer,
        metric_values.layer_position,
        metric_values.metric,
        metric_values.value,
        runs.is_analyzed and measurements.is_complete as is_analyzed
    from metric_values
    inner join runs on metric_values.run_id = runs.run_id
    inner join measurements
        on
            metric_values.run_id = measurements.run_id
            and metric_values.measurement_index = measurements.measurement_index
    where metric_values.value_problem is null
)

select * from final
