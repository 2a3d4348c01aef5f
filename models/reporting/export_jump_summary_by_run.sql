-- One row per analysed run and metric: the experiment_summaries records of
-- jump_characterization_summary.json (step 1.2): jumps in total, per layer and per layer
-- on average (layers without a jump count as 0).

with jumps as (
    select * from {{ ref('jumps') }}
),

layer_stabilization as (
    select * from {{ ref('layer_stabilization') }}
),

runs as (
    select * from {{ ref('runs') }}
),

build_info as (
    select * from {{ ref('build_info') }}
),

layer_jump_counts as (
    select
        run_id,
        metric,
        layer,
        count(*) as n_jumps
    from jumps
    group by run_id, metric, layer
),

layers as (
    -- Every analysed layer (layer_stabilization has one row per run, metric and layer).
    select
        layer_stabilization.run_id,
        layer_stabilization.metric,
        layer_stabilization.layer,
        layer_stabilization.layer_position,
        coalesce(layer_jump_counts.n_jumps, 0) as n_jumps
    from layer_stabilization
    left join layer_jump_counts
        on
            layer_stabilization.run_id = layer_jump_counts.run_id
            and layer_stabilization.metric = layer_jump_counts.metric
            and layer_stabilization.layer = layer_jump_counts.layer
),

per_run as (
    select
        layers.metric,
        layers.run_id as experiment,
        any_value(runs.arch_name) as arch_name,
        any_value(runs.dataset) as dataset,
        {{ as_bigint("sum(layers.n_jumps)") }} as total_jumps,
        count(*) as num_layers,
        sum(layers.n_jumps) / count(*) as jumps_per_layer,
        {{ ordered_list(
            struct_of([['layer', 'layers.layer'], ['n_jumps', 'layers.n_jumps']]),
            'layers.layer_position',
        ) }} as layer_jumps
    from layers
    inner join runs on layers.run_id = runs.run_id
    group by layers.metric, layers.run_id
),

final as (
    select
        per_run.*,
        build_info.build_id
    from per_run
    cross join build_info
)

select * from final
