{{ config(**unchanged_table_config()) }}
-- One row per run and metric: critical periods, transitions, coordination and loss coupling,
-- each beside its chance level, p-values and Benjamini-Hochberg q-values.

{%- set is_reference = var('analysis_mode') == 'reference' %}
{%- set fdr = var('false_discovery_rate') %}
{%- set tested = [
    'max_coordination_p_value',
    'coordinated_periods_p_value',
    'max_coordination_timing_p_value',
    'coordinated_periods_timing_p_value',
    'loss_coupling_p_value',
    'loss_coupling_stratified_p_value',
    'loss_coupling_circular_p_value',
] %}
{%- if is_reference %}
    {%- set strong_rule = 'is_strong_report' %}
{%- else %}
    {#- Beyond chance after multiple testing on both counts, timing accounted for. -#}
    {%- set strong_rule -%}
        coalesce(
            max_coordination_timing_q_value < {{ fdr }}
            and max_coordination_timing_excess > 0
            and loss_coupling_stratified_q_value < {{ fdr }}
            and loss_coupling_excess > 0,
            false
        )
    {%- endset %}
{%- endif %}

with layer_summaries as (
    select * from {{ ref('int_layer_summaries') }}
),

step_coordination as (
    select * from {{ ref('int_step_coordination') }}
),

null_model as (
    select * from {{ ref('int_coordination_null_model') }}
),

loss_coupling as (
    select * from {{ ref('int_loss_coupling') }}
),

runs as (
    select * from {{ ref('runs') }}
),

layer_totals as (
    select
        run_id,
        metric,
        count(*) as n_layers,
        sum(n_critical_steps)::bigint as total_critical_steps,
        sum(n_transitions)::bigint as total_transitions,
        -- Ordered aggregates: sums combine in one order, so every build gives the same bits.
        {{ ordered_avg('loss_drop_fraction', 'layer_position') }} as loss_correlation
    from layer_summaries
    where not is_validity_fixture
    group by run_id, metric
),

coordination_totals as (
    select
        run_id,
        metric,
        count(*) as n_measurements,
        count(*) filter (where is_coordinated) as num_coordinated_periods,
        max(coordination) as max_coordination,
        {{ ordered_avg('coordination', 'series_index') }} as mean_coordination,
        -- Chance level of the loss coupling: the share of all steps where the loss falls.
        count(*) filter (where loss_velocity < 0) / count(loss_velocity) as loss_drop_base_rate,
        -- Steps where any layer is critical, and how many of them see the loss fall: the
        -- binomial test counts each step once (layers critical together share one loss move).
        count(*) filter (where n_critical_layers > 0) as n_critical_union_steps,
        count(*) filter (where n_critical_layers > 0 and loss_velocity < 0)
            as n_critical_union_loss_drops
    from step_coordination
    where not is_validity_fixture
    group by run_id, metric
),

observed as (
    select
        layer_totals.run_id,
        runs.arch_family,
        layer_totals.metric,
        layer_totals.n_layers,
        coordination_totals.n_measurements,
        layer_totals.total_critical_steps,
        layer_totals.total_transitions,
        coordination_totals.num_coordinated_periods,
        coordination_totals.max_coordination,
        coordination_totals.mean_coordination,
        layer_totals.loss_correlation,
        coordination_totals.max_coordination > {{ var('strong_coordination_threshold') }}
        and layer_totals.loss_correlation > {{ var('strong_loss_correlation_threshold') }}
            as is_strong_report,
        coordination_totals.loss_drop_base_rate,
        coordination_totals.n_critical_union_steps,
        coordination_totals.n_critical_union_loss_drops
    from layer_totals
    inner join coordination_totals
        on
            layer_totals.run_id = coordination_totals.run_id
            and layer_totals.metric = coordination_totals.metric
    inner join runs on layer_totals.run_id = runs.run_id
),

with_baselines as (
    select
        observed.*,
        null_model.n_permutations,
        null_model.max_coordination_null_mean,
        observed.max_coordination - null_model.max_coordination_null_mean
            as max_coordination_excess,
        null_model.max_coordination_p_value,
        null_model.coordinated_periods_null_mean,
        observed.num_coordinated_periods - null_model.coordinated_periods_null_mean
            as coordinated_periods_excess,
        null_model.coordinated_periods_p_value,
        null_model.timing_window,
        null_model.max_coordination_timing_null_mean,
        null_model.max_coordination_timing_excess,
        null_model.max_coordination_timing_p_value,
        null_model.max_coordination_timing_z,
        null_model.coordinated_periods_timing_null_mean,
        null_model.coordinated_periods_timing_excess,
        null_model.coordinated_periods_timing_p_value,
        null_model.coordinated_periods_timing_z,
        -- One statistic for the loss coupling: the share of critical steps (any layer
        -- critical) where the loss falls; every chance level and p-value below is on it.
        loss_coupling.n_critical_steps as loss_coupling_steps,
        loss_coupling.n_critical_loss_drops as loss_coupling_drops,
        loss_coupling.n_tie_flagged_layer_steps as loss_coupling_tie_flagged_layer_steps,
        loss_coupling.loss_coupled_share,
        loss_coupling.loss_coupled_share - observed.loss_drop_base_rate as loss_coupling_lift,
        {{ binomial_upper_tail(
            'loss_coupling.n_critical_loss_drops',
            'loss_coupling.n_critical_steps',
            'observed.loss_drop_base_rate'
        ) }} as loss_coupling_p_value,
        loss_coupling.loss_coupling_local_chance,
        loss_coupling.loss_coupled_share - loss_coupling.loss_coupling_local_chance
            as loss_coupling_excess,
        loss_coupling.loss_coupling_stratified_p_value,
        loss_coupling.loss_coupling_stratified_z,
        loss_coupling.loss_coupling_circular_p_value
    from observed
    inner join null_model
        on observed.run_id = null_model.run_id and observed.metric = null_model.metric
    inner join loss_coupling
        on observed.run_id = loss_coupling.run_id and observed.metric = loss_coupling.metric
),

ranked as (
    select
        *,
        {{ bh_rank_columns(tested, 'run_id, metric') }}
    from with_baselines
),

with_q_values as (
    select
        {{ star_except([bh_helper_columns(tested)]) }},
        {{ bh_q_value_columns(tested) }}
    from ranked
),

strength as (
    select
        *,
        {{ strong_rule }} as is_strong
    from with_q_values
)

{% if inputs_unchanged() %}
    -- Nothing it reads changed since the last build: the table stays as it is
    -- (macros/unchanged_tables.sql).
    select * from {{ this }} where false
{%- else %}
    select * from strength
{%- endif %}
