{{ config(**unchanged_table_config()) }}
-- One row per architecture family and metric: per-run figures averaged over the family's
-- runs; jump figures over the family's jumps; each mean with its run-level bootstrap 95%
-- interval.
{%- set fdr = var('false_discovery_rate') %}

with critical_periods as (
    select * from {{ ref('critical_periods') }}
),

jumps as (
    select * from {{ ref('jumps') }}
),

intervals as (
    select * from {{ ref('int_architecture_intervals') }}
),

run_figures as (
    select
        arch_family,
        metric,
        count(*) as n_runs,
        {{ ordered_avg('total_critical_steps', 'run_id') }} as mean_critical_steps,
        {{ ordered_avg('total_transitions', 'run_id') }} as mean_transitions,
        {{ ordered_avg('mean_coordination', 'run_id') }} as mean_coordination,
        {{ ordered_avg('max_coordination', 'run_id') }} as mean_max_coordination,
        {{ ordered_avg('loss_correlation', 'run_id') }} as mean_loss_correlation,
        {{ ordered_avg('loss_drop_base_rate', 'run_id') }} as mean_loss_drop_base_rate,
        {{ ordered_avg('max_coordination_null_mean', 'run_id') }} as mean_max_coordination_null,
        {{ ordered_avg('loss_coupled_share', 'run_id') }} as mean_loss_coupled_share,
        {{ ordered_avg('loss_coupling_excess', 'run_id') }} as mean_loss_coupling_excess,
        {{ ordered_avg('max_coordination_timing_excess', 'run_id') }}
            as mean_max_coordination_timing_excess,
        -- Fixed by construction under the P90 rule: about 10% of each layer's steps.
        {{ ordered_avg('total_critical_steps / (n_layers * (n_measurements - 1))', 'run_id') }}
            as mean_critical_share,
        count(*) filter (where is_strong) as n_strong_runs,
        count(*) filter (where is_strong_report) as n_strong_runs_report,
        count(*) filter (where loss_coupling_stratified_q_value < {{ fdr }})
            as n_runs_loss_coupling_beyond_chance,
        count(*) filter (where max_coordination_timing_q_value < {{ fdr }})
            as n_runs_max_coordination_beyond_chance
    from critical_periods
    group by arch_family, metric
),

jump_figures as (
    select
        arch_family,
        metric,
        count(*) as n_jumps,
        count(*) filter (where is_numerical_noise) as n_noise_jumps,
        count(distinct run_id) as n_runs_with_jumps,
        {{ ordered_avg('magnitude', 'run_id, layer, measurement_index') }} as mean_jump_magnitude,
        {{ ordered_avg('speed', 'run_id, layer, measurement_index') }} as mean_jump_speed
    from jumps
    group by arch_family, metric
),

final as (
    select
        run_figures.arch_family,
        run_figures.metric,
        run_figures.n_runs,
        coalesce(jump_figures.n_jumps, 0) as n_jumps,
        coalesce(jump_figures.n_jumps, 0) - coalesce(jump_figures.n_noise_jumps, 0)
            as n_real_jumps,
        coalesce(jump_figures.n_noise_jumps, 0) as n_noise_jumps,
        coalesce(jump_figures.n_runs_with_jumps, 0) as n_runs_with_jumps,
        jump_figures.mean_jump_magnitude,
        jump_figures.mean_jump_speed,
        run_figures.mean_critical_steps,
        run_figures.mean_transitions,
        run_figures.mean_coordination,
        run_figures.mean_max_coordination,
        run_figures.mean_loss_correlation,
        run_figures.mean_loss_drop_base_rate,
        run_figures.mean_max_coordination_null,
        run_figures.mean_loss_coupled_share,
        run_figures.mean_loss_coupling_excess,
        run_figures.mean_max_coordination_timing_excess,
        run_figures.mean_critical_share,
        run_figures.n_strong_runs,
        run_figures.n_strong_runs_report,
        run_figures.n_runs_loss_coupling_beyond_chance,
        run_figures.n_runs_max_coordination_beyond_chance
    from run_figures
    left join jump_figures
        on
            run_figures.arch_family is not distinct from jump_figures.arch_family
            and run_figures.metric = jump_figures.metric
),

with_intervals as (
    select
        final.*,
        {{ star_except(
            ['intervals.arch_family', 'intervals.metric', 'intervals.input_fingerprint'],
            'intervals'
        ) }}
    from final
    left join intervals
        on
            final.arch_family is not distinct from intervals.arch_family
            and final.metric = intervals.metric
)

{% if inputs_unchanged() %}
    -- Nothing it reads changed since the last build: the table stays as it is
    -- (macros/unchanged_tables.sql).
    select * from {{ this }} where false
{%- else %}
    select * from with_intervals
{%- endif %}
