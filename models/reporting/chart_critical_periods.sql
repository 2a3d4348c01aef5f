-- One row per run and metric: the critical-period figures beside their chance levels,
-- the thresholds they are judged by (dbt vars), the shares of layer-steps that are
-- critical or transitions, and a reproducible jitter
-- in [-0.5, 0.5) (a hash of the run id) that spreads overlapping points.

with critical_periods as (
    select * from {{ ref('critical_periods') }}
),

runs as (
    select * from {{ ref('runs') }}
),

final as (
    select
        critical_periods.run_id,
        critical_periods.arch_family,
        runs.dataset,
        critical_periods.metric,
        critical_periods.n_layers,
        critical_periods.n_measurements,
        critical_periods.total_critical_steps,
        critical_periods.total_transitions,
        critical_periods.total_critical_steps
        / greatest(critical_periods.n_layers * (critical_periods.n_measurements - 1), 1)
            as critical_share,
        critical_periods.total_transitions
        / greatest(critical_periods.n_layers * (critical_periods.n_measurements - 2), 1)
            as transition_share,
        critical_periods.num_coordinated_periods,
        critical_periods.coordinated_periods_null_mean,
        critical_periods.coordinated_periods_p_value,
        critical_periods.mean_coordination,
        critical_periods.max_coordination,
        critical_periods.max_coordination_null_mean,
        critical_periods.max_coordination_p_value,
        critical_periods.loss_correlation,
        critical_periods.loss_drop_base_rate,
        critical_periods.loss_coupling_p_value,
        critical_periods.is_strong,
        1 - {{ double_literal(var('critical_percentile')) }} as critical_share_ceiling,
        {{ double_literal(var('coordinated_threshold')) }} as coordinated_threshold,
        {{ double_literal(var('strong_coordination_threshold')) }} as strong_coordination_threshold,
        {{ double_literal(var('strong_loss_correlation_threshold')) }} as strong_loss_correlation_threshold,
        {{ hash_jitter('critical_periods.run_id') }} as jitter
    from critical_periods
    inner join runs on critical_periods.run_id = runs.run_id
    order by critical_periods.metric, critical_periods.arch_family, critical_periods.run_id
)

select * from final
