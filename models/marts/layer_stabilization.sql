-- One row per run, metric and layer: where the layer's series first stays within its band.

with layer_summaries as (
    select * from {{ ref('int_layer_summaries') }}
),

final as (
    select
        run_id,
        metric,
        layer,
        layer_position,
        stabilization_index,
        stabilization_measurement_index,
        stabilization_step,
        stabilization_index is not null as is_stabilized,
        n_measurements
    from layer_summaries
    where not is_validity_fixture
)

select * from final
