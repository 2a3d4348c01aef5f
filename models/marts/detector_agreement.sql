-- One row per metric, detector and other detector: the share of the detector's events (real
-- runs) with an event of the other detector in the same layer series within +/-
-- `agreement_tolerance` measurements, against the same share after shifting the other
-- detector's events circularly (the chance level).

{%- set tolerance = var('agreement_tolerance') | int %}

with events as (
    select * from {{ ref('int_layer_events') }}
),

shifts as (
    select unnest({{ var('agreement_shift_fractions') }}::double[]) as shift_fraction
),

detectors as (
    select distinct detector from events
),

detector_pairs as (
    select
        detectors.detector,
        other_detectors.detector as other_detector
    from detectors
    cross join detectors as other_detectors
    where detectors.detector != other_detectors.detector
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
        events.metric,
        events.detector,
        detector_pairs.other_detector,
        count(*) as n_events,
        count(covered.series_index) as n_coinciding
    from events
    inner join detector_pairs on events.detector = detector_pairs.detector
    left join covered
        on
            detector_pairs.other_detector = covered.detector
            and events.run_id = covered.run_id
            and events.metric = covered.metric
            and events.layer = covered.layer
            and events.series_index = covered.series_index
    group by events.metric, events.detector, detector_pairs.other_detector
),

shifted as (
    select
        events.metric,
        events.detector,
        detector_pairs.other_detector,
        shifts.shift_fraction,
        count(covered_shifted.series_index) / count(*) as shifted_share_at_shift
    from events
    inner join detector_pairs on events.detector = detector_pairs.detector
    cross join shifts
    left join covered_shifted
        on
            detector_pairs.other_detector = covered_shifted.detector
            and events.run_id = covered_shifted.run_id
            and events.metric = covered_shifted.metric
            and events.layer = covered_shifted.layer
            and shifts.shift_fraction = covered_shifted.shift_fraction
            and events.series_index = covered_shifted.series_index
    group by events.metric, events.detector, detector_pairs.other_detector, shifts.shift_fraction
),

chance as (
    select
        metric,
        detector,
        other_detector,
        avg(shifted_share_at_shift order by shift_fraction) as shifted_share
    from shifted
    group by metric, detector, other_detector
),

final as (
    select
        observed.metric,
        observed.detector,
        observed.other_detector,
        observed.n_events,
        observed.n_coinciding,
        observed.n_coinciding / observed.n_events as coinciding_share,
        chance.shifted_share,
        observed.n_coinciding / observed.n_events - chance.shifted_share as excess_share
    from observed
    inner join chance
        on
            observed.metric = chance.metric
            and observed.detector = chance.detector
            and observed.other_detector = chance.other_detector
)

select * from final
