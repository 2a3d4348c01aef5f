{{ config(materialized='view') }}
-- One row per run, metric and measurement: the share of layers critical together.

with step_coordination as (
    select * from {{ ref('int_step_coordination') }}
),

final as (
    select
        run_id,
        metric,
        measurement_index,
        series_index,
        step,
        n_critical_layers,
        n_layers,
        coordination,
        is_coordinated
    from step_coordination
    where not is_validity_fixture
)

select * from final
