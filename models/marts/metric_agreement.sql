-- One row per detector, metric and other metric: the share of the metric's events (real
-- runs) with an event of the other metric in the same layer within +/- `agreement_tolerance`
-- measurements, against the same share after shifting the other metric's events circularly
-- (the chance level). Far above chance: the two metrics see the same changes.

{%- set tolerance = var('agreement_tolerance') | int %}

with events as (
    select * from {{ ref('int_layer_events') }}
),

shifts as (
    select unnest({{ var('agreement_shift_fractions') }}::double[]) as shift_fraction
),

metrics as (
    select distinct metric from events
),

metric_pairs as (
    select
        metrics.metric,
        other_metrics.metric as other_metric
    from metrics
    cross join metrics as other_metrics
    where metrics.metric != other_metrics.metric
),

covered as (
    -- Every series index within tolerance of an event.
    select distinct
        events.detector,
        events.run_id,
        events.metric,
        events.layer,
        events.series_index + window_offsets.offset_index as series_index
    from events
    cross join range(-{{ tolerance }}, {{ tolerance + 1 }}) as window_offsets (offset_index)
),

covered_shifted as (
    -- The same after shifting the events circularly by a share of the series.
    select distinct
        events.detector,
        events.run_id,
        events.metric,
        events.layer,
        shifts.shift_fraction,
        (events.series_index + round(shifts.shift_fraction * events.n_velocities)::integer)
        % events.n_velocities + window_offsets.offset_index as series_index
    from events
    cross join shifts
    cross join range(-{{ tolerance }}, {{ tolerance + 1 }}) as window_offsets (offset_index)
),

observed as (
    select
        events.detector,
        events.metric,
        metric_pairs.other_metric,
        count(*) as n_events,
        count(covered.series_index) as n_coinciding
    from events
    inner join metric_pairs on events.metric = metric_pairs.metric
    left join covered
        on
            events.detector = covered.detector
            and events.run_id = covered.run_id
            and metric_pairs.other_metric = covered.metric
            and events.layer = covered.layer
            and events.series_index = covered.series_index
    group by events.detector, events.metric, metric_pairs.other_metric
),

shifted as (
    select
        events.detector,
        events.metric,
        metric_pairs.other_metric,
        shifts.shift_fraction,
        count(covered_shifted.series_index) / count(*) as shifted_share_at_shift
    from events
    inner join metric_pairs on events.metric = metric_pairs.metric
    cross join shifts
    left join covered_shifted
        on
            events.detector = covered_shifted.detector
            and events.run_id = covered_shifted.run_id
            and metric_pairs.other_metric = covered_shifted.metric
            and events.layer = covered_shifted.layer
            and shifts.shift_fraction = covered_shifted.shift_fraction
            and events.series_index = covered_shifted.series_index
    group by events.detector, events.metric, metric_pairs.other_metric, shifts.shift_fraction
),

chance as (
    select
        detector,
        metric,
        other_metric,
        avg(shifted_share_at_shift order by shift_fraction) as shifted_share
    from shifted
    group by detector, metric, other_metric
),

final as (
    select
        observed.detector,
        observed.metric,
        observed.other_metric,
        observed.n_events,
        observed.n_coinciding,
        observed.n_coinciding / observed.n_events as coinciding_share,
        chance.shifted_share,
        observed.n_coinciding / observed.n_events - chance.shifted_share as excess_share
    from observed
    inner join chance
        on
            observed.detector = chance.detector
            and observed.metric = chance.metric
            and observed.other_metric = chance.other_metric
)

select * from final
