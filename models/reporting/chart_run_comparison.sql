{{
    config(**per_run_incremental(
        'run_id',
        "{{ record_run_versions(
            'int_layer_dynamics', cross_run_values=[chart_comparison_bins_query()]
        ) }}",
        on_schema_change=none,
    ))
}}
-- One row per analysed run, metric and step bin: the metric's mean over the run's layers
-- and the run's coordination, for overlaying a few runs on one step axis. Every run gets
-- at most floor(chart_max_rows / analysed runs) bins per metric, so each metric's chart
-- embeds at most chart_max_rows rows whichever runs a reader picks.
-- Incremental by run: only runs whose version changed are recomputed (macros/run_versions.sql).
-- The number of runs enters a run's version only through the bins each run gets
-- (chart_comparison_bins), so adding a run to thousands recomputes no other run.

with run_versions as (
    {{ current_run_versions('int_layer_dynamics', cross_run_values=[chart_comparison_bins_query()]) }}
),

changed_runs as (
    {{ changed_runs('run_versions') }}
),

metric_values as (
    select metric_values.* from {{ ref('metric_values') }} as metric_values
    semi join changed_runs on metric_values.run_id = changed_runs.run_id
),

step_coordination as (
    select step_coordination.* from {{ ref('step_coordination') }} as step_coordination
    semi join changed_runs on step_coordination.run_id = changed_runs.run_id
),

runs as (
    select * from {{ ref('chart_runs') }}
),

bins_per_run as (
    select {{ chart_comparison_bins('runs') }} as n_bins
    from runs
),

bin_widths as (
    select
        runs.run_id,
        runs.arch_family,
        {{ as_integer('greatest(1, ceil(runs.n_measurements / bins_per_run.n_bins))') }}
            as bin_width
    from runs
    cross join bins_per_run
),

layer_means as (
    select
        metric_values.run_id,
        metric_values.metric,
        metric_values.measurement_index,
        min(metric_values.step) as step,
        {{ ordered_avg('metric_values.value', 'metric_values.layer_position') }} as layer_mean_value
    from metric_values
    where metric_values.is_analyzed
    group by all
),

binned as (
    select
        layer_means.run_id,
        bin_widths.arch_family,
        layer_means.metric,
        layer_means.measurement_index,
        {{ integer_divide('layer_means.measurement_index', 'bin_widths.bin_width') }} as bin,
        layer_means.step,
        layer_means.layer_mean_value,
        step_coordination.coordination
    from layer_means
    inner join bin_widths on layer_means.run_id = bin_widths.run_id
    left join step_coordination
        on
            layer_means.run_id = step_coordination.run_id
            and layer_means.metric = step_coordination.metric
            and layer_means.measurement_index = step_coordination.measurement_index
),

final as (
    select
        run_id,
        arch_family,
        metric,
        bin,
        min(step) as step,
        {{ ordered_avg('layer_mean_value', 'measurement_index') }} as layer_mean_value,
        {{ ordered_avg('coordination', 'measurement_index') }} as mean_coordination,
        count(*) as n_measurements
    from binned
    group by run_id, arch_family, metric, bin
    order by run_id, metric, step
)

select * from final
