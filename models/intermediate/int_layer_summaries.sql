{{
    config(**per_run_incremental(
        'run_id', "{{ delete_removed_runs('int_runs_validated') }}", on_schema_change=none,
        record_hook="{{ record_held_run_versions(upstream_run_versions(ref('int_layer_dynamics'))) }}",
    ))
}}
-- One row per analysed run, metric and layer: stabilization (1.1) and the layer's critical
-- periods, transitions and loss drops (1.3), read off int_layer_dynamics' sparse flags.

with layer_dynamics as (
    select * from {{ ref('int_layer_dynamics') }}
),

run_series as (
    select * from {{ ref('int_run_series') }}
),

changed_layers as (
    select * from layer_dynamics
    {{- only_new_run_versions('layer_dynamics') }}
),

layer_runs as (
    select
        changed_layers.*,
        run_series.steps,
        run_series.measurement_indices,
        run_series.loss_velocities
    from changed_layers
    inner join run_series on changed_layers.run_id = run_series.run_id
),

summaries as (
    select
        run_id,
        {{ derived_run_version('run_version') }} as run_version,
        is_validity_fixture,
        metric,
        layer,
        layer_position,
        n_measurements,
        stabilization_index,
        {{ list_at('steps', 'stabilization_index + 1') }} as stabilization_step,
        {{ list_at('measurement_indices', 'stabilization_index + 1') }}
            as stabilization_measurement_index,
        {{ list_length('critical_indices') }} as n_critical_steps,
        {{ list_length('transition_indices') }} as n_transitions,
        {{ list_length(list_where(
            'critical_indices', 'i', list_at('loss_velocities', 'i + 1') ~ ' < 0'
        )) }} as n_critical_loss_drops,
        {{ list_length('loss_velocities') }} as n_loss_steps,
        {{ list_length(list_where('loss_velocities', 'loss_velocity', 'loss_velocity < 0')) }}
            as n_loss_drops,
        {{ list_length('jump_indices') }} as n_jumps
    from layer_runs
),

with_fractions as (
    select
        *,
        -- A layer with no critical index contributes 0 (METHODS.md 1.3).
        coalesce(n_critical_loss_drops / nullif(n_critical_steps, 0), 0) as loss_drop_fraction
    from summaries
)

select * from with_fractions
