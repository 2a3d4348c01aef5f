"""The agreement marts, summed from per-run counts, equal the whole-archive formulation.

metric_agreement, detector_agreement and loss_agreement sum the per-run counts of the
incremental models int_*_agreement_runs. The oracle is the marts' SQL as it was before, one
query over every run's events (copied here, settings filled in), run against the same
warehouse: every row and value must be equal, bit for bit, with the same column types.
"""

from pathlib import Path

import duckdb
import pytest

TOLERANCE = 2
SHIFTS = "[0.1, 0.2, 0.3, 0.4, 0.5]"

OLD_METRIC_AGREEMENT = """
with events as (
    select * from int_layer_events
),

shifts as (
    select unnest({shifts}::double[]) as shift_fraction
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
    cross join range(-{tolerance}, {tolerance_end}) as window_offsets (offset_index)
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
    cross join range(-{tolerance}, {tolerance_end}) as window_offsets (offset_index)
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
"""

OLD_DETECTOR_AGREEMENT = """
with events as (
    select * from int_layer_events
),

shifts as (
    select unnest({shifts}::double[]) as shift_fraction
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
    cross join range(-{tolerance}, {tolerance_end}) as window_offsets (offset_index)
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
    cross join range(-{tolerance}, {tolerance_end}) as window_offsets (offset_index)
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
"""

OLD_LOSS_AGREEMENT = """
with events as (
    select * from int_layer_events
),

loss_change_points as (
    select * from int_loss_change_points
),

shifts as (
    select unnest({shifts}::double[]) as shift_fraction
),

covered as (
    -- Every series index within tolerance of a loss change point.
    select distinct
        loss_change_points.run_id,
        loss_change_points.series_index + window_offsets.offset_index as series_index
    from loss_change_points
    cross join range(-{tolerance}, {tolerance_end}) as window_offsets (offset_index)
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
    cross join range(-{tolerance}, {tolerance_end}) as window_offsets (offset_index)
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
"""

ORACLES = {
    "metric_agreement": OLD_METRIC_AGREEMENT,
    "detector_agreement": OLD_DETECTOR_AGREEMENT,
    "loss_agreement": OLD_LOSS_AGREEMENT,
}


def oracle_sql(mart: str) -> str:
    return (
        ORACLES[mart]
        .replace("{shifts}", SHIFTS)
        .replace("{tolerance}", str(TOLERANCE))
        .replace("{tolerance_end}", str(TOLERANCE + 1))
    )


def rows_and_columns(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[tuple], list[tuple]]:
    """Rows (sorted) and (name, type) of each column of a query."""
    relation = con.sql(sql)
    columns = [
        (name, str(kind)) for name, kind in zip(relation.columns, relation.types, strict=True)
    ]
    return sorted(relation.fetchall(), key=repr), columns


@pytest.mark.parametrize("mart", sorted(ORACLES))
def test_mart_equals_whole_archive_formulation(demo_warehouse: Path, mart: str) -> None:
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        expected, expected_columns = rows_and_columns(con, oracle_sql(mart))
        actual, actual_columns = rows_and_columns(con, f"select * from {mart}")
    assert expected
    assert actual_columns == expected_columns
    assert actual == expected
