{{
    config(**per_run_incremental(
        'run_id',
        "{{ record_run_versions('int_layer_dynamics') }}",
        on_schema_change=none,
    ))
}}
-- One row per run, metric and step bin: the coordination timeline, binned when a run has
-- more than chart_max_rows measurements over all its metrics. A bin keeps the largest
-- coordination (peaks matter) and the mean.
-- Incremental by run: only runs whose version changed are recomputed (macros/run_versions.sql).

with run_versions as (
    {{ current_run_versions('int_layer_dynamics') }}
),

changed_runs as (
    {{ changed_runs('run_versions') }}
),

step_coordination as (
    select step_coordination.* from {{ ref('step_coordination') }} as step_coordination
    semi join changed_runs on step_coordination.run_id = changed_runs.run_id
),

bin_widths as (
    select
        run_id,
        {{ as_integer(
            'greatest(1, ceil((max(measurement_index) + 1) / greatest(1, floor('
            ~ var('chart_max_rows') ~ ' / count(distinct metric)))))'
        ) }}
            as bin_width
    from step_coordination
    group by run_id
),

binned as (
    select
        step_coordination.run_id,
        step_coordination.metric,
        {{ integer_divide('step_coordination.measurement_index', 'bin_widths.bin_width') }} as bin,
        min(step_coordination.step) as step,
        max(step_coordination.coordination) as coordination,
        {{ ordered_avg('step_coordination.coordination', 'step_coordination.measurement_index') }}
            as mean_coordination,
        max(step_coordination.n_critical_layers) as n_critical_layers,
        bool_or(step_coordination.is_coordinated) as is_coordinated,
        count(*) as n_measurements
    from step_coordination
    inner join bin_widths on step_coordination.run_id = bin_widths.run_id
    group by all
),

final as (
    select {{ star_except(['bin']) }}
    from binned
    order by run_id, metric, step
)

select * from final
