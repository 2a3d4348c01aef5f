"""Runs too short for the stabilization window (issue 10, item 3): said, not guessed.

A run with fewer complete measurements than the window (20; one more in reference mode,
which never examines the last full window) has no window to examine. Its layers are
`undetermined` in layer_stabilization (not "never stabilizes"), its convergence order says
`run_too_short`, and load_issues has one `too_short_for_window` row for it. The good runs
beside it load and analyse exactly as they do alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from python_steps.convergence import CONVERGENCE_STATUSES, convergence_status
from tests.conftest import build_warehouse, query
from tests.test_bad_inputs import (
    NOT_PER_RUN_COLUMNS,
    PER_RUN_MARTS,
    assert_same_rows,
    fetch,
    synthetic_run,
    write_json,
)

WINDOW = 20
SHORT = "short_8"  # 8 measurements: too short in both modes
BOUNDARY = "boundary_20"  # exactly one window: examined in corrected mode only
NEVER = "never_stabilizes"  # long, but one layer's participation_ratio never settles
NEVER_LAYER, NEVER_METRIC = "network.2", "participation_ratio"


def never_stabilizing_run() -> dict[str, Any]:
    document = synthetic_run(23)
    for index, measurement in enumerate(document["measurements"]):
        # Alternating 1 and 100: every window's variance is far above (0.1 x mean)^2.
        measurement["layer_metrics"][NEVER_LAYER][NEVER_METRIC] = 1.0 if index % 2 else 100.0
    return document


GOOD_RUNS = {
    "good_a": synthetic_run(21),
    "good_b": synthetic_run(22),
    NEVER: never_stabilizing_run(),
}
SHORT_RUNS = {
    SHORT: synthetic_run(24, n_measurements=8),
    BOUNDARY: synthetic_run(25, n_measurements=20),
}


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("short_runs")
    mixed, alone = root / "mixed runs", root / "good runs alone"
    mixed.mkdir()
    alone.mkdir()
    for run_id, document in {**GOOD_RUNS, **SHORT_RUNS}.items():
        write_json(mixed / f"{run_id}.json", document)
    for run_id, document in GOOD_RUNS.items():
        write_json(alone / f"{run_id}.json", document)
    return {
        "corrected": build_warehouse(root / "corrected", mixed),
        "reference": build_warehouse(root / "reference", mixed, {"analysis_mode": "reference"}),
        "alone": build_warehouse(root / "alone", alone),
    }


def statuses(warehouse: Path, run_id: str) -> set[str]:
    rows = query(
        warehouse,
        "select distinct stabilization_status from layer_stabilization where run_id = ?",
        [run_id],
    )
    return {row[0] for row in rows}


@pytest.mark.parametrize("mode", ["corrected", "reference"])
def test_short_run_is_undetermined_not_never_stabilizing(
    warehouses: dict[str, Path], mode: str
) -> None:
    warehouse = warehouses[mode]
    short_ids = {SHORT} if mode == "corrected" else {SHORT, BOUNDARY}
    for run_id in short_ids:
        assert statuses(warehouse, run_id) == {"undetermined"}, run_id
        rows = query(
            warehouse,
            "select count(*), count(stabilization_index), bool_or(is_stabilized)"
            " from layer_stabilization where run_id = ?",
            [run_id],
        )
        assert rows == [(12, 0, False)], run_id  # 3 layers x 4 metrics, no index
        order = query(
            warehouse,
            "select distinct convergence_status, pattern, spearman_rho from convergence_order"
            " where run_id = ?",
            [run_id],
        )
        if mode == "corrected":
            assert order == [("run_too_short", "undetermined", None)], run_id
        else:
            # Reference mode reports rho 0 as the report did; the status says it is no finding.
            assert order == [("run_too_short", "simultaneous", 0.0)], run_id
    if mode == "corrected":
        # One full window is examined: the boundary run is determined either way.
        assert "undetermined" not in statuses(warehouse, BOUNDARY)
        assert query(
            warehouse,
            "select distinct convergence_status from convergence_order where run_id = ?",
            [BOUNDARY],
        ) != [("run_too_short",)]


@pytest.mark.parametrize("mode", ["corrected", "reference"])
def test_short_run_has_one_load_issue(warehouses: dict[str, Path], mode: str) -> None:
    issues = fetch(warehouses[mode], "load_issues")
    short_ids = {SHORT} if mode == "corrected" else {SHORT, BOUNDARY}
    assert set(issues.run_id) == short_ids
    assert (issues.problem == "too_short_for_window").all()
    assert (issues.consequence == "stabilization undetermined").all()
    detail = issues.set_index("run_id").detail
    assert detail[SHORT].startswith("8 complete measurements;")
    assert f"needs at least {WINDOW + (mode == 'reference')}" in detail[SHORT]
    assert set(issues.file_name) == {f"{run_id}.json" for run_id in short_ids}


def test_short_run_is_still_analysed_elsewhere(warehouses: dict[str, Path]) -> None:
    # Only stabilization needs the window: jumps and critical periods are computed.
    rows = query(
        warehouses["corrected"],
        "select is_analyzed from runs where run_id = ?",
        [SHORT],
    )
    assert rows == [(True,)]
    assert query(
        warehouses["corrected"],
        "select count(*) from critical_periods where run_id = ?",
        [SHORT],
    ) == [(4,)]


def test_never_stabilizing_layer_is_not_undetermined(warehouses: dict[str, Path]) -> None:
    rows = query(
        warehouses["corrected"],
        "select layer, metric, stabilization_status from layer_stabilization"
        " where run_id = ? and stabilization_status != 'stabilized'",
        [NEVER],
    )
    assert rows == [(NEVER_LAYER, NEVER_METRIC, "never_stabilizes")]
    good = query(
        warehouses["corrected"],
        "select distinct stabilization_status from layer_stabilization where run_id = 'good_a'",
    )
    assert good == [("stabilized",)]


def test_good_runs_beside_short_runs_are_as_alone(warehouses: dict[str, Path]) -> None:
    for mart in PER_RUN_MARTS:
        alone = fetch(warehouses["alone"], mart)
        beside = fetch(warehouses["corrected"], mart, GOOD_RUNS)
        assert set(alone.run_id) == set(GOOD_RUNS), mart
        assert_same_rows(beside, alone, ignore=NOT_PER_RUN_COLUMNS, label=mart)


@pytest.mark.parametrize(
    ("n_stabilized", "n_undetermined", "n_layers", "rho", "expected"),
    [
        (0, 3, 3, None, "run_too_short"),
        (0, 2, 3, None, "too_few_stabilized_layers"),
        (2, 0, 3, 0.0, "too_few_stabilized_layers"),
        (3, 0, 3, None, "rho_undefined"),
        (4, 0, 5, 0.8, "determined"),
    ],
)
def test_convergence_status(
    n_stabilized: int, n_undetermined: int, n_layers: int, rho: float | None, expected: str
) -> None:
    assert convergence_status(n_stabilized, n_undetermined, n_layers, rho) == expected


def test_statuses_are_documented_values(warehouses: dict[str, Path]) -> None:
    frame = pd.concat(
        fetch(warehouses[mode], "convergence_order") for mode in ("corrected", "reference")
    )
    assert set(frame.convergence_status) <= set(CONVERGENCE_STATUSES)
