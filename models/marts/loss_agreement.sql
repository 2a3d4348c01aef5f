-- One row per detector and metric: the share of its layer events (real runs) within +/-
-- `agreement_tolerance` measurements of a change point of the run's loss curve, against the
-- same share after shifting the loss change points circularly (the chance level).
-- The sums over runs of int_loss_agreement_runs.

with counts as (
    select * from {{ ref('int_loss_agreement_runs') }}
    where detector is not null
),

shifts as (
    {{ agreement_shift_positions() }}
),

observed as (
    select
        detector,
        metric,
        cast(sum(n_events) as bigint) as n_events,
        cast(sum(n_coinciding) as bigint) as n_coinciding
    from counts
    group by detector, metric
),

shifted as (
    select
        counts.detector,
        counts.metric,
        shifts.shift_fraction,
        cast(
            sum({{ list_at('counts.n_coinciding_shifted', 'shifts.shift_position') }}) as bigint
        )
        / cast(sum(counts.n_events) as bigint) as shifted_share_at_shift
    from counts
    cross join shifts
    group by counts.detector, counts.metric, shifts.shift_fraction
),

chance as (
    select
        detector,
        metric,
        {{ ordered_avg('shifted_share_at_shift', 'shift_fraction') }} as shifted_share
    from shifted
    group by detector, metric
),

final as (
    select
        observed.detector,
        observed.metric,
        observed.n_events,
        observed.n_coinciding,
        observed.n_coinciding / observed.n_events as coinciding_share,
        chance.shifted_share,
        observed.n_coinciding / observed.n_events - chance.shifted_share as excess_share
    from observed
    inner join chance
        on observed.detector = chance.detector and observed.metric = chance.metric
)

select * from final
