{{
    config(**per_run_incremental(
        'run_id',
        "{{ record_run_versions('int_runs_validated', with_settings=false, version_columns=['run_version', 'is_analyzed']) }}",
        on_schema_change=none,
    ))
}}
-- One row per run, metric, layer and step bin: the layer's metric value over a bin of
-- consecutive measurements. Each run gets floor(chart_max_rows / (layers x metrics)) bins,
-- so one run page never embeds more than chart_max_rows cells. A cell spans
-- [step_start, step_end): to the first step of the next bin (the last bin ends one
-- measurement interval after its last step).
-- Incremental by run: only runs whose version changed are recomputed (macros/run_versions.sql).

with run_versions as (
    {{ current_run_versions(
        'int_runs_validated', with_settings=false, version_columns=['run_version', 'is_analyzed']
    ) }}
),

changed_runs as (
    {{ changed_runs('run_versions') }}
),

metric_values as (
    select metric_values.* from {{ ref('metric_values') }} as metric_values
    semi join changed_runs on metric_values.run_id = changed_runs.run_id
),

runs as (
    select * from {{ ref('runs') }}
),

run_shapes as (
    select
        run_id,
        count(distinct layer) as n_layers,
        count(distinct metric) as n_metrics,
        max(measurement_index) + 1 as n_indices
    from metric_values
    where is_analyzed
    group by run_id
),

bin_widths as (
    select
        run_shapes.run_id,
        {{ as_integer(
            'greatest(1, ceil(run_shapes.n_indices / greatest(1, floor('
            ~ var('chart_max_rows') ~ ' / (run_shapes.n_layers * run_shapes.n_metrics)))))'
        ) }} as bin_width,
        coalesce(runs.measurement_interval, 1) as step_interval
    from run_shapes
    inner join runs on run_shapes.run_id = runs.run_id
),

cells as (
    select
        metric_values.run_id,
        metric_values.metric,
        metric_values.layer,
        metric_values.layer_position,
        {{ integer_divide('metric_values.measurement_index', 'bin_widths.bin_width') }} as bin,
        bin_widths.bin_width,
        min(metric_values.step) as step_start,
        max(metric_values.step) + any_value(bin_widths.step_interval) as last_step_end,
        count(metric_values.value) as n_values,
        {{ ordered_avg('metric_values.value', 'metric_values.measurement_index') }} as mean_value,
        min(metric_values.value) as min_value,
        max(metric_values.value) as max_value
    from metric_values
    inner join bin_widths on metric_values.run_id = bin_widths.run_id
    where metric_values.is_analyzed
    group by all
),

final as (
    select
        run_id,
        metric,
        layer,
        layer_position,
        bin,
        bin_width,
        step_start,
        coalesce(
            lead(step_start) over (partition by run_id, metric, layer order by bin),
            last_step_end
        ) as step_end,
        n_values,
        mean_value,
        min_value,
        max_value
    from cells
    order by run_id, metric, layer_position, bin
)

select * from final
