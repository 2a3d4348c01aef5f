{{
    config(**per_run_incremental(
        'run_id', "{{ delete_removed_runs('int_runs_validated') }}", on_schema_change=none,
        record_hook="{{ record_held_run_versions(upstream_run_versions(
            ref('int_runs_validated'), with_settings=false
        )) }}",
    ))
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
        {{ ordered_list('measurements.measurement_index', 'measurements.series_index') }}
            as measurement_indices,
        {{ ordered_list('measurements.step', 'measurements.series_index') }} as steps,
        {{ ordered_list('measurements.loss', 'measurements.series_index') }} as losses
    from measurements
    inner join changed_runs on measurements.run_id = changed_runs.run_id
    where measurements.is_complete
    group by measurements.run_id
),

with_loss_velocities as (
    select
        *,
        -- u_i = L_(i+1) - L_i (METHODS.md 1.3), i = 0 .. n-2.
        {{ successive_differences('losses', 'n_measurements') }} as loss_velocities
    from run_series
)

select * from with_loss_velocities
