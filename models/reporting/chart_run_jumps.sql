{{
    config(**per_run_incremental(
        'run_id',
        "{{ record_run_versions('int_layer_dynamics', ['int_jump_types']) }}",
        on_schema_change=none,
    ))
}}
-- One row per jump a run page marks (run, metric, layer, measurement): every jump not
-- flagged as numerical noise, at most chart_max_rows per run over all metrics (the
-- largest first when a run has more).
-- Incremental by run: only runs whose version changed are recomputed (macros/run_versions.sql).

with run_versions as (
    {{ current_run_versions('int_layer_dynamics', ['int_jump_types']) }}
),

changed_runs as (
    {{ changed_runs('run_versions') }}
),

jumps as (
    select jumps.* from {{ ref('jumps') }} as jumps
    semi join changed_runs on jumps.run_id = changed_runs.run_id
),

ranked as (
    select
        run_id,
        metric,
        layer,
        layer_position,
        measurement_index,
        step,
        magnitude,
        direction,
        jump_type,
        row_number() over (
            partition by run_id, metric
            order by magnitude desc, layer_position asc, measurement_index asc
        ) as magnitude_rank,
        {{ count_distinct_over('metric', 'run_id') }} as n_metrics
    from jumps
    where not is_numerical_noise
),

final as (
    select {{ star_except(['magnitude_rank', 'n_metrics']) }}
    from ranked
    where magnitude_rank <= {{ integer_divide(var('chart_max_rows'), 'n_metrics') }}
    order by run_id, metric, layer_position, measurement_index
)

select * from final
