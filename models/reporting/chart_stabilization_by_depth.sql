-- One row per metric, architecture family and relative-depth bin (chart_depth_bins bins,
-- 0 = input side): how many layers stabilized, when (mean and median step of those that
-- did), and how many never did or cannot be determined (run shorter than the window).

with layer_stabilization as (
    select * from {{ ref('chart_run_stabilization') }}
),

runs as (
    select * from {{ ref('runs') }}
),

layers as (
    select
        layer_stabilization.metric,
        runs.arch_family,
        layer_stabilization.stabilization_status,
        layer_stabilization.stabilization_step,
        {{ as_integer(
            'least(floor(layer_stabilization.layer_position / greatest(runs.n_layers - 1, 1) * '
            ~ var('chart_depth_bins') ~ '), ' ~ var('chart_depth_bins') ~ ' - 1)'
        ) }} as depth_bin,
        layer_stabilization.run_id,
        layer_stabilization.layer
    from layer_stabilization
    inner join runs on layer_stabilization.run_id = runs.run_id
),

final as (
    select
        metric,
        arch_family,
        depth_bin,
        depth_bin / {{ var('chart_depth_bins') }} as depth_start,
        (depth_bin + {{ double_literal('0.5') }}) / {{ var('chart_depth_bins') }} as depth_mid,
        (depth_bin + 1) / {{ var('chart_depth_bins') }} as depth_end,
        count(*) as n_layers,
        count(*) filter (where stabilization_status = 'stabilized') as n_stabilized,
        count(*) filter (where stabilization_status = 'never') as n_never,
        count(*) filter (where stabilization_status = 'undetermined') as n_undetermined,
        {{ ordered_avg_where(
            'stabilization_step', 'run_id, layer', "stabilization_status = 'stabilized'"
        ) }} as mean_stabilization_step,
        median(stabilization_step)
        filter (where stabilization_status = 'stabilized') as median_stabilization_step
    from layers
    group by all
    order by all
)

select * from final
