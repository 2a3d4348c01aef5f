-- One row per metric of the build: the `summary` of critical_periods_summary.json (step 1.3),
-- means over the analysed runs and the number of strong runs.

with critical_periods as (
    select * from {{ ref('critical_periods') }}
),

build_info as (
    select * from {{ ref('build_info') }}
),

per_metric as (
    select
        metric,
        count(*) as num_experiments,
        {{ ordered_avg('total_critical_steps', 'run_id') }} as mean_critical_periods,
        {{ ordered_avg('total_transitions', 'run_id') }} as mean_transitions,
        {{ ordered_avg('mean_coordination', 'run_id') }} as mean_coordination,
        {{ ordered_avg('loss_correlation', 'run_id') }} as mean_loss_correlation,
        count(*) filter (where is_strong) as experiments_with_strong_periods
    from critical_periods
    group by metric
),

final as (
    select
        per_metric.*,
        build_info.build_id
    from per_metric
    cross join build_info
)

select * from final
