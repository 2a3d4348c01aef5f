{{
    config(
        materialized='incremental',
        unique_key='run_id',
        incremental_strategy='delete+insert',
        post_hook="{{ delete_removed_runs('int_runs_validated') }}",
    )
}}
-- One row per run with complete measurements: its series as lists in series order (the
-- complete measurements), the per-run half of the compact parsed values. No analysis setting
-- enters it, so a changed threshold or mode reads it as it is.

with runs as (
    select * from {{ ref('int_runs_validated') }}
),

measurements as (
    select * from {{ ref('int_measurements_validated') }}
),

changed_runs as (
    select
        run_id,
        {{ derived_run_version('run_version', with_settings=false) }} as run_version
    from runs
    {{- only_new_run_versions('runs', 'run_version', with_settings=false) }}
),

run_series as (
    select
        measurements.run_id,
        any_value(changed_runs.run_version) as run_version,
        count(*) as n_measurements,
        list(measurements.measurement_index order by measurements.series_index)
            as measurement_indices,
        list(measurements.step order by measurements.series_index) as steps,
        list(measurements.loss order by measurements.series_index) as losses
    from measurements
    inner join changed_runs on measurements.run_id = changed_runs.run_id
    where measurements.is_complete
    group by measurements.run_id
),

with_loss_velocities as (
    select
        *,
        -- u_i = L_(i+1) - L_i (METHODS.md 1.3), i = 0 .. n-2.
        list_transform(range(n_measurements - 1), lambda i: losses[i + 2] - losses[i + 1])
            as loss_velocities
    from run_series
)

select * from with_loss_velocities
