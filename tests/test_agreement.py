"""Agreement marts: recomputed in Python from their inputs, and checked on simulated nulls.

On independent simulated events the observed share must match the shifted chance level
(no false agreement); on copies shifted by one measurement it must be ~1.
"""

import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import numpy as np
import pytest

from tests.conftest import query

TOLERANCE = 2
SHIFTS = (0.1, 0.2, 0.3, 0.4, 0.5)


def compiled(warehouse: Path, model: str, folder: str = "marts") -> str:
    path = warehouse.parent / "target" / "compiled" / "layer_dynamics" / "models" / folder
    return (path / f"{model}.sql").read_text()


def shares(events: list[tuple], other: set[tuple], n_of: dict) -> tuple[float, float]:
    """Observed and shifted share of `events` (key, index) within tolerance of `other`."""

    def near(key: tuple, index: int, pool: set[tuple]) -> bool:
        return any((key, index + d) in pool for d in range(-TOLERANCE, TOLERANCE + 1))

    observed = np.mean([near(key, i, other) for key, i in events])
    shifted = []
    for fraction in SHIFTS:
        pool = {(key, (i + round(fraction * n_of[key])) % n_of[key]) for key, i in other}
        shifted.append(np.mean([near(key, i, pool) for key, i in events]))
    return float(observed), float(np.mean(shifted))


@pytest.fixture(scope="module")
def layer_events(demo_warehouse: Path) -> list[tuple]:
    return query(
        demo_warehouse,
        "select detector, run_id, metric, layer, series_index, n_velocities from int_layer_events",
    )


def test_metric_agreement_matches_python(demo_warehouse: Path, layer_events: list[tuple]) -> None:
    by = defaultdict(list)
    n_of = {}
    for detector, run_id, metric, layer, index, n in layer_events:
        by[(detector, metric)].append(((run_id, layer), index))
        n_of[(run_id, layer)] = n
    rows = query(
        demo_warehouse,
        "select detector, metric, other_metric, coinciding_share, shifted_share"
        " from metric_agreement where detector = 'jump_z_score'",
    )
    assert len(rows) == 12
    for detector, metric, other_metric, share, shifted in rows:
        expected = shares(by[(detector, metric)], set(by[(detector, other_metric)]), n_of)
        assert (share, shifted) == pytest.approx(expected, abs=1e-12)


def test_detector_agreement_matches_python(demo_warehouse: Path, layer_events: list[tuple]) -> None:
    by = defaultdict(list)
    n_of = {}
    for detector, run_id, metric, layer, index, n in layer_events:
        by[(detector, metric)].append(((run_id, layer), index))
        n_of[(run_id, layer)] = n
    rows = query(
        demo_warehouse,
        "select metric, detector, other_detector, coinciding_share, shifted_share"
        " from detector_agreement where metric = 'participation_ratio'",
    )
    assert len(rows) == 6
    for metric, detector, other, share, shifted in rows:
        expected = shares(by[(detector, metric)], set(by[(other, metric)]), n_of)
        assert (share, shifted) == pytest.approx(expected, abs=1e-12)


def test_loss_agreement_matches_python(demo_warehouse: Path, layer_events: list[tuple]) -> None:
    loss = query(
        demo_warehouse,
        "select run_id, series_index, n_velocities from int_loss_change_points"
        " where measurement_index is not null",
    )
    assert loss
    n_of = {(run_id,): n for run_id, _, n in loss}
    pool = {((run_id,), index) for run_id, index, _ in loss}
    events = [
        ((run_id,), index)
        for detector, run_id, metric, _, index, _ in layer_events
        if detector == "change_point" and metric == "nuclear_norm_ratio"
    ]
    # Runs without a loss change point: nothing to shift, never coinciding.
    for key, _ in events:
        n_of.setdefault(key, 1)
    (share, shifted) = query(
        demo_warehouse,
        "select coinciding_share, shifted_share from loss_agreement"
        " where detector = 'change_point' and metric = 'nuclear_norm_ratio'",
    )[0]
    assert (share, shifted) == pytest.approx(shares(events, pool, n_of), abs=1e-12)


def simulated_agreement(demo_warehouse: Path, tmp_path: Path, dependent: bool) -> list[tuple]:
    """metric_agreement's compiled SQL (and that of its per-run counts, for every run) run on
    simulated events instead of the real ones."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_warehouse, copy)
    rng = np.random.default_rng(11)
    rows = []
    for run in range(40):
        for layer in range(6):
            a = np.flatnonzero(rng.random(399) < 0.04)
            b = np.clip(a + 1, 0, 398) if dependent else np.flatnonzero(rng.random(399) < 0.04)
            rows += [("jump_z_score", f"r{run}", "m_a", f"l{layer}", int(i), 399) for i in a]
            rows += [("jump_z_score", f"r{run}", "m_b", f"l{layer}", int(i), 399) for i in set(b)]
    with duckdb.connect(str(copy)) as con:
        con.execute("drop view if exists main.int_layer_events")
        con.execute(
            "create table main.int_layer_events (detector varchar, run_id varchar, metric"
            " varchar, layer varchar, series_index integer, n_velocities bigint)"
        )
        con.executemany("insert into main.int_layer_events values (?, ?, ?, ?, ?, ?)", rows)
        # The simulated runs as real runs with a version (int_change_points' bookkeeping row),
        # and the per-run counts of every run recomputed from the simulated events.
        con.execute(
            "insert into main.int_change_points (run_id, run_version, is_validity_fixture)"
            " select distinct run_id, 'simulated', false from main.int_layer_events"
        )
        per_run = compiled(demo_warehouse, "int_metric_agreement_runs", "intermediate")
        con.execute("delete from main.int_metric_agreement_runs")
        con.execute(f"insert into main.int_metric_agreement_runs select * from ({per_run})")
        sql = compiled(demo_warehouse, "metric_agreement")
        return con.execute(
            f"select metric, coinciding_share, shifted_share from ({sql})"
        ).fetchall()


def test_independent_events_agree_only_at_chance(demo_warehouse: Path, tmp_path: Path) -> None:
    for _, share, shifted in simulated_agreement(demo_warehouse, tmp_path, dependent=False):
        # Chance for a +-2 window at a 4% event rate: 1 - 0.96^5 = 0.18.
        assert share == pytest.approx(shifted, abs=0.03)
        assert shifted == pytest.approx(1 - 0.96**5, abs=0.03)


def test_dependent_events_agree_far_above_chance(demo_warehouse: Path, tmp_path: Path) -> None:
    for _, share, shifted in simulated_agreement(demo_warehouse, tmp_path, dependent=True):
        assert share > 0.95 and shifted < 0.3
