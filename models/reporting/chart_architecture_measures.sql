-- One row per architecture family, metric and measure: the measure's mean over the
-- family's runs, its range over those runs (min, max) and, where one exists, the mean of
-- its per-run chance level (what the circular-shift null model or the loss's base rate
-- gives with no real effect). Jump measures are per run (a run without jumps counts 0).

with critical_periods as (
    select * from {{ ref('chart_critical_periods') }}
),

jumps as (
    select * from {{ ref('jumps') }}
),

run_jumps as (
    select
        run_id,
        metric,
        count(*) filter (where not is_numerical_noise) as n_real_jumps,
        count(*) filter (where is_numerical_noise) as n_noise_jumps,
        {{ ordered_avg('magnitude', 'layer, measurement_index') }} as mean_jump_magnitude,
        {{ ordered_avg('speed', 'layer, measurement_index') }} as mean_jump_speed
    from jumps
    group by run_id, metric
),

run_measures as (
    select
        critical_periods.run_id,
        critical_periods.arch_family,
        critical_periods.metric,
        {{ as_double('coalesce(run_jumps.n_real_jumps, 0)') }} as n_real_jumps__observed,
        {{ as_double('null') }} as n_real_jumps__chance,
        {{ as_double('coalesce(run_jumps.n_noise_jumps, 0)') }} as n_noise_jumps__observed,
        {{ as_double('null') }} as n_noise_jumps__chance,
        run_jumps.mean_jump_magnitude as mean_jump_magnitude__observed,
        {{ as_double('null') }} as mean_jump_magnitude__chance,
        run_jumps.mean_jump_speed as mean_jump_speed__observed,
        {{ as_double('null') }} as mean_jump_speed__chance,
        critical_periods.critical_share as critical_share__observed,
        {{ as_double('null') }} as critical_share__chance,
        critical_periods.transition_share as transition_share__observed,
        {{ as_double('null') }} as transition_share__chance,
        critical_periods.mean_coordination as mean_coordination__observed,
        critical_periods.critical_share as mean_coordination__chance,
        critical_periods.max_coordination as max_coordination__observed,
        critical_periods.max_coordination_null_mean as max_coordination__chance,
        {{ as_double('critical_periods.num_coordinated_periods') }} as num_coordinated_periods__observed,
        critical_periods.coordinated_periods_null_mean as num_coordinated_periods__chance,
        critical_periods.loss_correlation as loss_correlation__observed,
        critical_periods.loss_drop_base_rate as loss_correlation__chance,
        {{ as_double(as_integer('critical_periods.is_strong')) }} as is_strong__observed,
        {{ as_double(as_integer(
            '(critical_periods.max_coordination_null_mean > '
            ~ var('strong_coordination_threshold')
            ~ ' and critical_periods.loss_drop_base_rate > '
            ~ var('strong_loss_correlation_threshold') ~ ')'
        )) }} as is_strong__chance
    from critical_periods
    left join run_jumps
        on
            critical_periods.run_id = run_jumps.run_id
            and critical_periods.metric = run_jumps.metric
),

long_measures as (
    -- include nulls: a run without jumps still counts in n_runs (with a NULL magnitude)
    select *
    from run_measures
    unpivot include nulls (
        (observed_value, chance_value) for measure in (
            (n_real_jumps__observed, n_real_jumps__chance) as n_real_jumps,
            (n_noise_jumps__observed, n_noise_jumps__chance) as n_noise_jumps,
            (mean_jump_magnitude__observed, mean_jump_magnitude__chance) as mean_jump_magnitude,
            (mean_jump_speed__observed, mean_jump_speed__chance) as mean_jump_speed,
            (critical_share__observed, critical_share__chance) as critical_share,
            (transition_share__observed, transition_share__chance) as transition_share,
            (mean_coordination__observed, mean_coordination__chance) as mean_coordination,
            (max_coordination__observed, max_coordination__chance) as max_coordination,
            (num_coordinated_periods__observed, num_coordinated_periods__chance) as num_coordinated_periods,
            (loss_correlation__observed, loss_correlation__chance) as loss_correlation,
            (is_strong__observed, is_strong__chance) as is_strong
        )
    )
),

final as (
    select
        arch_family,
        metric,
        measure,
        count(*) as n_runs,
        count(observed_value) as n_runs_with_value,
        {{ ordered_avg('observed_value', 'run_id') }} as mean_value,
        min(observed_value) as min_value,
        max(observed_value) as max_value,
        {{ ordered_avg('chance_value', 'run_id') }} as chance_value
    from long_measures
    group by all
    order by all
)

select * from final
