-- One row per detector and metric: the share of its layer events (real runs) within +/-
-- `agreement_tolerance` measurements of a change point of the run's loss curve, against the
-- same share after shifting the loss change points circularly (the chance level).

{%- set tolerance = var('agreement_tolerance') | int %}

with events as (
    select * from {{ ref('int_layer_events') }}
),

loss_change_points as (
    select * from {{ ref('int_loss_change_points') }}
),

shifts as (
    select unnest({{ var('agreement_shift_fractions') }}::double[]) as shift_fraction
),

covered as (
    -- Every series index within tolerance of a loss change point.
    select distinct
        loss_change_points.run_id,
        loss_change_points.series_index + window_offsets.offset_index as series_index
    from loss_change_points
    cross join range(-{{ tolerance }}, {{ tolerance + 1 }}) as window_offsets (offset_index)
),

covered_shifted as (
    -- The same after shifting the loss change points circularly by a share of the series.
    select distinct
        loss_change_points.run_id,
        shifts.shift_fraction,
        (
            loss_change_points.series_index
            + round(shifts.shift_fraction * loss_change_points.n_velocities)::integer
        )
        % loss_change_points.n_velocities + window_offsets.offset_index as series_index
    from loss_change_points
    cross join shifts
    cross join range(-{{ tolerance }}, {{ tolerance + 1 }}) as window_offsets (offset_index)
),

observed as (
    select
        events.detector,
        events.metric,
        count(*) as n_events,
        count(covered.series_index) as n_coinciding
    from events
    left join covered
        on
            events.run_id = covered.run_id
            and events.series_index = covered.series_index
    group by events.detector, events.metric
),

shifted as (
    select
        events.detector,
        events.metric,
        shifts.shift_fraction,
        count(covered_shifted.series_index) / count(*) as shifted_share_at_shift
    from events
    cross join shifts
    left join covered_shifted
        on
            events.run_id = covered_shifted.run_id
            and shifts.shift_fraction = covered_shifted.shift_fraction
            and events.series_index = covered_shifted.series_index
    group by events.detector, events.metric, shifts.shift_fraction
),

chance as (
    select
        detector,
        metric,
        avg(shifted_share_at_shift order by shift_fraction) as shifted_share
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
