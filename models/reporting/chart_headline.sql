-- One row per metric: the headline figures index.html states in sentences (jumps, strong
-- runs, coordination and loss coupling beside their chance levels, and how many runs
-- are beyond chance: Benjamini-Hochberg q-values below chart_significance, from the
-- timing-preserving coordination null and the stratified loss-coupling test).

with critical_periods as (
    select * from {{ ref('critical_periods') }}
),

jumps as (
    select * from {{ ref('jumps') }}
),

jump_figures as (
    select
        metric,
        count(*) as n_jumps,
        count(*) filter (where not is_numerical_noise) as n_real_jumps,
        count(distinct run_id) filter (where not is_numerical_noise) as n_runs_with_real_jumps
    from jumps
    group by metric
),

run_figures as (
    select
        metric,
        count(*) as n_runs,
        count(*) filter (where is_strong) as n_strong_runs,
        {{ ordered_avg('mean_coordination', 'run_id') }} as mean_coordination,
        {{ ordered_avg('max_coordination', 'run_id') }} as mean_max_coordination,
        {{ ordered_avg('max_coordination_null_mean', 'run_id') }} as mean_max_coordination_null,
        {{ ordered_avg('max_coordination_timing_excess', 'run_id') }}
            as mean_max_coordination_timing_excess,
        {{ ordered_avg('loss_correlation', 'run_id') }} as mean_loss_correlation,
        {{ ordered_avg('loss_drop_base_rate', 'run_id') }} as mean_loss_drop_base_rate,
        {{ ordered_avg('loss_coupled_share', 'run_id') }} as mean_loss_coupled_share,
        {{ ordered_avg('loss_coupling_local_chance', 'run_id') }} as mean_loss_coupling_local_chance,
        count(*) filter (
            where max_coordination_timing_q_value < {{ var('chart_significance') }}
        ) as n_coordination_beyond_chance,
        count(*) filter (
            where loss_coupling_stratified_q_value < {{ var('chart_significance') }}
        ) as n_coupling_beyond_chance
    from critical_periods
    group by metric
),

final as (
    select
        run_figures.metric,
        run_figures.n_runs,
        coalesce(jump_figures.n_jumps, 0) as n_jumps,
        coalesce(jump_figures.n_real_jumps, 0) as n_real_jumps,
        coalesce(jump_figures.n_runs_with_real_jumps, 0) as n_runs_with_real_jumps,
        run_figures.n_strong_runs,
        run_figures.mean_coordination,
        run_figures.mean_max_coordination,
        run_figures.mean_max_coordination_null,
        run_figures.mean_max_coordination_timing_excess,
        run_figures.mean_loss_correlation,
        run_figures.mean_loss_drop_base_rate,
        run_figures.mean_loss_coupled_share,
        run_figures.mean_loss_coupling_local_chance,
        run_figures.n_coordination_beyond_chance,
        run_figures.n_coupling_beyond_chance,
        {{ double_literal(var('chart_significance')) }} as significance
    from run_figures
    left join jump_figures on run_figures.metric = jump_figures.metric
    order by run_figures.metric
)

select * from final
