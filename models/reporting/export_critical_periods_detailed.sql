-- One row per analysed run and metric: critical_periods_detailed.csv (step 1.3), the
-- report's columns first (`experiment` is the run id), then `metric` and every other column
-- of the critical_periods mart, then the build it comes from.

with critical_periods as (
    select * from {{ ref('critical_periods') }}
),

runs as (
    select * from {{ ref('runs') }}
),

build_info as (
    select * from {{ ref('build_info') }}
),

final as (
    select
        critical_periods.run_id as experiment,
        runs.arch_name,
        runs.dataset,
        critical_periods.total_critical_steps,
        critical_periods.total_transitions,
        critical_periods.num_coordinated_periods,
        critical_periods.max_coordination,
        critical_periods.mean_coordination,
        critical_periods.loss_correlation,
        critical_periods.metric,
        -- Every other column of the mart (bare names are the mart's columns).
        {{ star_except(
            [
                'run_id', 'metric', 'total_critical_steps', 'total_transitions',
                'num_coordinated_periods', 'max_coordination', 'mean_coordination',
                'loss_correlation',
            ],
            'critical_periods',
        ) }},
        build_info.build_id
    from critical_periods
    inner join runs on critical_periods.run_id = runs.run_id
    cross join build_info
)

select * from final
