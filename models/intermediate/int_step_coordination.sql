{{
    config(
        materialized='incremental',
        unique_key='run_id',
        incremental_strategy='delete+insert',
        post_hook="{{ delete_removed_runs('int_runs_validated') }}",
    )
}}
-- One row per analysed run, metric and series index: how many layers are critical together.

with layer_series as (
    select * from {{ ref('int_layer_series_flagged') }}
),

changed_series as (
    select * from layer_series
    {{- only_new_run_versions('layer_series') }}
),

coordination as (
    select
        run_id,
        {{ derived_run_version('any_value(run_version)') }} as run_version,
        any_value(is_validity_fixture) as is_validity_fixture,
        metric,
        series_index,
        any_value(measurement_index) as measurement_index,
        any_value(step) as step,
        any_value(loss_velocity) as loss_velocity,
        count(*) filter (where is_critical) as n_critical_layers,
        count(*) as n_layers,
        -- The last index has no velocity, so nothing is critical there: c = 0, still counted.
        count(*) filter (where is_critical) / count(*) as coordination
    from changed_series
    group by run_id, metric, series_index
),

flagged as (
    select
        *,
        coordination >= {{ var('coordinated_threshold') }} as is_coordinated
    from coordination
)

select * from flagged
