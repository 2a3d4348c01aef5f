-- One row per analysed run, metric and layer: where the layer's series first stays within its band.

{%- set window = var('stabilization_window') | int %}
{#- Reference mode never examines the last full window, so it needs one more measurement. #}
{%- set shortest_series = window + (1 if var('analysis_mode') == 'reference' else 0) %}

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
        -- A series shorter than the window has no window to examine: undetermined, not
        -- "never stabilizes".
        case
            when stabilization_index is not null then 'stabilized'
            when n_measurements < {{ shortest_series }} then 'undetermined'
            else 'never_stabilizes'
        end as stabilization_status,
        n_measurements
    from layer_summaries
    where not is_validity_fixture
)

select * from final
