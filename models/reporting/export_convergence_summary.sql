-- One row per analysed run and metric: the convergence record of
-- convergence_analysis_summary.json (step 1.1), its layers' stabilization points in forward
-- order as one list.

with convergence_order as (
    select * from {{ ref('convergence_order') }}
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

layer_points as (
    select
        run_id,
        metric,
        {{ ordered_list(
            struct_of([
                ['layer', 'layer'],
                ['index', 'stabilization_index'],
                ['step', 'stabilization_step'],
            ]),
            'layer_position',
        ) }} as layers
    from layer_stabilization
    group by run_id, metric
),

final as (
    select
        convergence_order.metric,
        convergence_order.run_id as experiment_name,
        runs.arch_name,
        runs.dataset as dataset_name,
        layer_points.layers,
        convergence_order.spearman_rho as convergence_correlation,
        convergence_order.p_value as convergence_p_value,
        convergence_order.pattern as convergence_pattern,
        convergence_order.n_stabilized_layers as num_stabilized_layers,
        convergence_order.n_layers as total_layers,
        build_info.build_id
    from convergence_order
    inner join runs on convergence_order.run_id = runs.run_id
    inner join layer_points
        on
            convergence_order.run_id = layer_points.run_id
            and convergence_order.metric = layer_points.metric
    cross join build_info
)

select * from final
