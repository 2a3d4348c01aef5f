{{
    config(**per_run_incremental(
        'run_id', "{{ delete_removed_runs('int_run_documents_loadable') }}",
        record_hook="{{ record_held_run_versions(upstream_run_versions(
            ref('int_measurements_unnested'), with_settings=false
        )) }}",
    ))
}}
-- One row per run and measurement: is it complete (valid step, loss and every value of every
-- layer and metric the run has) and in order? Complete measurements get a gap-free
-- `series_index`, the index every analysis works on.

with measurements as (
    select * from {{ ref('int_measurements_unnested') }}
),

metric_values as (
    select * from {{ ref('int_metric_values_unnested') }}
),

changed_measurements as (
    select
        run_id,
        {{ derived_run_version('run_version', with_settings=false) }} as run_version,
        measurement_index,
        step,
        loss,
        has_layer_metrics,
        n_layer_entries,
        step_problem,
        loss_problem
    from measurements
    {{- only_new_run_versions('measurements', 'run_version', with_settings=false) }}
),

changed_runs as (
    select distinct run_id from changed_measurements
),

changed_values as (
    select metric_values.*
    from metric_values
    semi join changed_runs on metric_values.run_id = changed_runs.run_id
),

run_shapes as (
    -- Every (layer, metric) pair seen anywhere in a run is expected at each of its measurements.
    select
        run_id,
        -- Distinct (layer, metric) pairs (row_value: the pair as one value).
        {%- set layer_metric = row_value('layer', 'metric') %}
        count(distinct {{ layer_metric }}) filter (where metric is not null)  -- noqa: ST08, LT01, LT06
            as n_expected_values,
        count(distinct layer) as n_layers,
        count(distinct metric) as n_metrics
    from changed_values
    group by run_id
),

value_counts as (
    select
        run_id,
        measurement_index,
        count(*) filter (where value_problem is null) as n_valid_values
    from changed_values
    group by run_id, measurement_index
),

ordered as (
    select
        changed_measurements.*,
        run_shapes.n_expected_values,
        -- The run's layers and metric keys (int_runs_validated reads them here, not from the
        -- values table).
        run_shapes.n_layers,
        run_shapes.n_metrics,
        coalesce(value_counts.n_valid_values, 0) as n_valid_values,
        -- Steps must strictly increase in file order.
        changed_measurements.step <= max(changed_measurements.step) over (
            partition by changed_measurements.run_id
            order by changed_measurements.measurement_index
            rows between unbounded preceding and 1 preceding
        ) as is_step_out_of_order,
        count(*) over (
            partition by changed_measurements.run_id, changed_measurements.step
        ) > 1 and changed_measurements.step is not null as is_step_duplicated
    from changed_measurements
    left join run_shapes on changed_measurements.run_id = run_shapes.run_id
    left join value_counts
        on
            changed_measurements.run_id = value_counts.run_id
            and changed_measurements.measurement_index = value_counts.measurement_index
),

completeness as (
    select
        *,
        step_problem is null
        and loss_problem is null
        and has_layer_metrics
        and n_valid_values = n_expected_values
        and n_expected_values > 0 as is_complete
    from ordered
),

indexed as (
    select
        *,
        case
            when is_complete then row_number() over (
                partition by run_id, is_complete order by measurement_index
            ) - 1
        end as series_index
    from completeness
)

select * from indexed
