"""The warehouse finds the structure planted in the demo runs (corrected mode, default build)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import build_warehouse, query


@pytest.fixture(scope="module")
def ground_truth(demo_runs: Path) -> dict:
    return json.loads((demo_runs / "_ground_truth" / "ground_truth.json").read_text())


def test_every_demo_run_loads_cleanly(demo_warehouse: Path, ground_truth: dict) -> None:
    runs = query(demo_warehouse, "select run_id, n_layers, is_analyzed from runs order by run_id")
    expected = sorted((run["run_id"], run["n_layers"], True) for run in ground_truth["runs"])
    assert runs == expected
    assert query(demo_warehouse, "select count(*) from load_issues") == [(0,)]


def test_planted_jumps_are_exactly_the_detected_ones(
    demo_warehouse: Path, ground_truth: dict
) -> None:
    planted = {
        (run["run_id"], jump["layer"], jump["measurement_index"])
        for run in ground_truth["runs"]
        for jump in run["jumps"]
        if jump["metric"] == "participation_ratio"
    }
    detected = set(
        query(
            demo_warehouse,
            "select run_id, layer, measurement_index from jumps"
            " where metric = 'participation_ratio'",
        )
    )
    assert planted
    assert detected == planted
    real = query(
        demo_warehouse,
        "select bool_and(not is_numerical_noise) from jumps where metric = 'participation_ratio'",
    )
    assert real == [(True,)]


def test_planted_stabilization_and_convergence_order(
    demo_warehouse: Path, ground_truth: dict
) -> None:
    stabilization = {
        (run_id, metric, layer): index
        for run_id, metric, layer, index in query(
            demo_warehouse,
            "select run_id, metric, layer, stabilization_index from layer_stabilization",
        )
    }
    patterns = dict(
        ((run_id, metric), pattern)
        for run_id, metric, pattern in query(
            demo_warehouse, "select run_id, metric, pattern from convergence_order"
        )
    )
    n_ordered = 0
    for run in ground_truth["runs"]:
        for metric, planted in run["stabilization_index"].items():
            for layer, index in planted.items():
                assert stabilization[(run["run_id"], metric, layer)] == index
        convergence = run["convergence"]
        if convergence["pattern"] is not None:
            for metric in convergence["metrics"]:
                assert patterns[(run["run_id"], metric)] == convergence["pattern"]
                n_ordered += 1
    assert n_ordered >= 4


def test_planted_bursts_are_coordinated(demo_warehouse: Path, ground_truth: dict) -> None:
    coordinated = {
        (run_id, metric, index)
        for run_id, metric, index in query(
            demo_warehouse,
            "select run_id, metric, measurement_index from step_coordination where is_coordinated",
        )
    }
    bursts = [
        (run["run_id"], burst["metric"], burst["measurement_index"])
        for run in ground_truth["runs"]
        for burst in run["coordinated"]
    ]
    assert bursts
    assert set(bursts) <= coordinated


def test_two_builds_give_the_same_bits(
    demo_warehouse: Path, demo_runs: Path, tmp_path: Path
) -> None:
    """Rebuilding the same runs reproduces every analysed figure bit for bit."""
    again = build_warehouse(tmp_path / "again", demo_runs)
    tables = {
        "jumps": "run_id, metric, layer, measurement_index",
        "critical_periods": "run_id, metric",
        "layer_stabilization": "run_id, metric, layer",
        "convergence_order": "run_id, metric",
        "step_coordination": "run_id, metric, measurement_index",
        "detector_validity": "detector, fixture",
    }
    with duckdb.connect() as connection:
        connection.execute(f"attach '{demo_warehouse}' as first_build (read_only)")
        connection.execute(f"attach '{again}' as second_build (read_only)")
        for table, keys in tables.items():
            differing = connection.execute(
                f"select count(*) from (select * from first_build.main.{table}"
                f" except select * from second_build.main.{table})"
            ).fetchone()
            total = connection.execute(f"select count(*) from first_build.main.{table}").fetchone()
            assert differing == (0,), (table, keys)
            assert total is not None and total[0] > 0
