-- One row per run, metric and layer: where the layer stabilized, or why it has no
-- stabilization point (`never` within the run, or `undetermined`: the run is shorter than
-- the stabilization window, so the question cannot be answered).

with layer_stabilization as (
    select * from {{ ref('layer_stabilization') }}
),

final as (
    select
        run_id,
        metric,
        layer,
        layer_position,
        stabilization_step,
        case
            when is_stabilized then 'stabilized'
            when n_measurements < {{ var('stabilization_window') }} then 'undetermined'
            else 'never'
        end as stabilization_status
    from layer_stabilization
    order by run_id, metric, layer_position
)

select * from final
