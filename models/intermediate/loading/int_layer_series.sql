{{
    config(**per_run_incremental(
        'run_id', "{{ delete_removed_runs('int_runs_validated') }}", on_schema_change=none,
        record_hook="{{ record_held_run_versions(upstream_run_versions(
            ref('int_runs_validated'), with_settings=false
        )) }}",
    ))
}}
-- One row per run, metric and layer with complete measurements: the layer's values in series
-- order as one list. The compact parsed values every analysis starts from (a run of 400
-- measurements and 40 layer-metric pairs is 40 rows, not 16,000). No analysis setting enters
-- it: changing `analysis_mode` or a threshold recomputes the analyses from here.

with runs as (
    select * from {{ ref('int_runs_validated') }}
),

measurements as (
    select * from {{ ref('int_measurements_validated') }}
),

metric_values as (
    select * from {{ ref('int_metric_values_unnested') }}
),

changed_runs as (
    select
        run_id,
        {{ derived_run_version('run_version', with_settings=false) }} as run_version
    from runs
    {{- only_new_run_versions('runs', 'run_version', with_settings=false) }}
),

complete_measurements as (
    select
        measurements.run_id,
        measurements.measurement_index,
        measurements.series_index,
        changed_runs.run_version
    from measurements
    inner join changed_runs on measurements.run_id = changed_runs.run_id
    where measurements.is_complete
),

layer_series as (
    -- A complete measurement has a valid value for every layer and metric of its run.
    select
        metric_values.run_id,
        any_value(complete_measurements.run_version) as run_version,
        metric_values.metric,
        metric_values.layer,
        any_value(metric_values.layer_position) as layer_position,
        count(*) as n_measurements,
        {{ ordered_list('metric_values.value', 'complete_measurements.series_index') }}
            as series_values
    from metric_values
    inner join complete_measurements
        on
            metric_values.run_id = complete_measurements.run_id
            and metric_values.measurement_index = complete_measurements.measurement_index
    where metric_values.value_problem is null
    group by metric_values.run_id, metric_values.metric, metric_values.layer
)

select * from layer_series
