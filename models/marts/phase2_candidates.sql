-- One row per strong run and metric, ranked within its architecture family. Reference mode:
-- by loss_correlation, then max_coordination (the report's selection). Corrected mode: by
-- the loss coupling's excess over its local chance level, then max coordination's excess
-- over the timing-preserving null (strong runs are those beyond chance on both q-values).

{%- if var('analysis_mode') == 'reference' %}
    {%- set ranking = 'loss_correlation desc, max_coordination desc, run_id asc' %}
{%- else %}
    {%- set ranking -%}
        loss_coupling_excess desc, max_coordination_timing_excess desc, run_id asc
    {%- endset %}
{%- endif %}

with critical_periods as (
    select * from {{ ref('critical_periods') }}
),

ranked as (
    select
        run_id,
        metric,
        arch_family,
        row_number() over (
            partition by arch_family, metric
            order by {{ ranking }}
        ) as rank_in_family,
        max_coordination,
        loss_correlation,
        max_coordination_p_value,
        loss_coupling_lift,
        loss_coupling_p_value,
        loss_coupled_share,
        loss_coupling_excess,
        loss_coupling_stratified_p_value,
        loss_coupling_stratified_q_value,
        max_coordination_timing_excess,
        max_coordination_timing_p_value,
        max_coordination_timing_q_value
    from critical_periods
    where is_strong
)

select * from ranked
