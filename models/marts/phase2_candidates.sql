-- One row per strong run and metric, ranked within its architecture family by loss
-- coupling, then by max coordination.

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
            order by loss_correlation desc, max_coordination desc, run_id asc
        ) as rank_in_family,
        max_coordination,
        loss_correlation,
        max_coordination_p_value,
        loss_coupling_lift,
        loss_coupling_p_value
    from critical_periods
    where is_strong
)

select * from ranked
