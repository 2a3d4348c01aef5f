{{
    config(
        materialized='incremental',
        unique_key='run_id',
        incremental_strategy='delete+insert',
        post_hook="{{ delete_removed_runs('int_runs_validated') }}",
    )
}}
-- One row per analysed run, metric and layer: stabilization (1.1) and the layer's critical
-- periods, transitions and loss drops (1.3).

with layer_series as (
    select * from {{ ref('int_layer_series_flagged') }}
),

changed_series as (
    select * from layer_series
    {{- only_new_run_versions('layer_series') }}
),

summaries as (
    select
        run_id,
        {{ derived_run_version('any_value(run_version)') }} as run_version,
        any_value(is_validity_fixture) as is_validity_fixture,
        metric,
        layer,
        any_value(layer_position) as layer_position,
        count(*) as n_measurements,
        min(series_index) filter (where is_examined_window and is_stable_window)
            as stabilization_index,
        arg_min(step, series_index) filter (where is_examined_window and is_stable_window)
            as stabilization_step,
        arg_min(measurement_index, series_index)
        filter (where is_examined_window and is_stable_window)
            as stabilization_measurement_index,
        count(*) filter (where is_critical) as n_critical_steps,
        count(*) filter (where is_transition) as n_transitions,
        count(*) filter (where is_critical and loss_velocity < 0) as n_critical_loss_drops,
        count(*) filter (where loss_velocity is not null) as n_loss_steps,
        count(*) filter (where loss_velocity < 0) as n_loss_drops,
        count(*) filter (where is_jump) as n_jumps
    from changed_series
    group by run_id, metric, layer
),

with_fractions as (
    select
        *,
        -- A layer with no critical index contributes 0 (METHODS.md 1.3).
        coalesce(n_critical_loss_drops / nullif(n_critical_steps, 0), 0) as loss_drop_fraction
    from summaries
)

select * from with_fractions
