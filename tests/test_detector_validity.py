"""The detector validity harness: rows per detector x fixture (event kind x effect size).

jump_z_score's row is recomputed here in numpy from the committed fixture files and the
seed (detections, matches, false positives, chance correction), independently of dbt.
"""

import csv
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import query

REPO_ROOT = Path(__file__).resolve().parent.parent
DETECTORS = {
    "jump_z_score",
    "robust_jump_z",
    "critical_p90",
    "transition_p90",
    "change_point",
    "coordination",
}
TOLERANCE = 2
WARMUP = 25
BUDGET = 5.0


@pytest.fixture(scope="module")
def validity(demo_warehouse: Path) -> dict[tuple[str, str], dict]:
    connection_rows = query(demo_warehouse, "select * from detector_validity")
    columns = [
        row[0]
        for row in query(
            demo_warehouse,
            "select column_name from information_schema.columns"
            " where table_name = 'detector_validity' order by ordinal_position",
        )
    ]
    return {(row[0], row[1]): dict(zip(columns, row, strict=True)) for row in connection_rows}


@pytest.fixture(scope="module")
def seed_rows() -> list[dict[str, str]]:
    with (REPO_ROOT / "seeds" / "validity_planted_events.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_grain_is_detector_by_fixture(
    validity: dict[tuple[str, str], dict], seed_rows: list[dict[str, str]]
) -> None:
    fixtures = {row["fixture"] for row in seed_rows}
    assert set(validity) == {(d, f) for d in DETECTORS for f in fixtures}
    for (_, fixture), row in validity.items():
        sizes = {r["effect_size"] for r in seed_rows if r["fixture"] == fixture}
        assert sizes == {"" if row["effect_size"] is None else str(row["effect_size"])}


def jump_z_oracle(name: str, planted: list[dict[str, str]]) -> dict[str, float]:
    """METHODS.md z > 2 on the fixture's participation_ratio, scored as the mart does."""
    run = json.loads((REPO_ROOT / "fixtures" / "validity" / f"validity_{name}.json").read_text())
    layers = list(run["measurements"][0]["layer_metrics"])
    windows = defaultdict(list)
    for row in planted:
        first = int(row["measurement_index"])
        windows[row["layer"]].append(
            (first - TOLERANCE, first + int(row["duration"]) - 1 + TOLERANCE)
        )
    detected = found = false_positives = 0
    hit = set()
    for layer in layers:
        x = np.array(
            [m["layer_metrics"][layer]["participation_ratio"] for m in run["measurements"]]
        )
        v = np.diff(x)
        z = np.abs(v - v.mean()) / v.std()
        for i in np.flatnonzero(z > 2.0):
            if i < WARMUP:
                continue
            detected += 1
            matches = [w for w in windows[layer] if w[0] <= i <= w[1]]
            false_positives += not matches
            hit.update((layer, w) for w in matches)
    found = len(hit)
    opportunities = len(layers) * (len(run["measurements"]) - WARMUP)
    flag_rate = detected / opportunities
    out = {"n_detected": detected, "false_positives": false_positives, "flag_rate": flag_rate}
    if planted:
        recall = found / len(planted)
        width = np.mean([int(r["duration"]) + 2 * TOLERANCE for r in planted])
        chance = 1 - (1 - flag_rate) ** width
        out.update(
            n_found=found, recall=recall, chance_corrected_recall=(recall - chance) / (1 - chance)
        )
    return out


@pytest.mark.parametrize("fixture", ["step_3sd", "burst_5sd", "coordinated_10sd", "null_holdout"])
def test_jump_z_score_rows_match_a_numpy_oracle(
    validity: dict[tuple[str, str], dict], seed_rows: list[dict[str, str]], fixture: str
) -> None:
    planted = [r for r in seed_rows if r["fixture"] == fixture and r["layer"]]
    expected = jump_z_oracle(fixture, planted)
    row = validity[("jump_z_score", fixture)]
    for column, value in expected.items():
        assert row[column] == pytest.approx(value, abs=1e-12), column


def test_chance_correction_takes_away_what_flag_rate_gives(
    validity: dict[tuple[str, str], dict],
) -> None:
    # P90 flags ~10% of a layer's places (~6% after the transient, which takes many): with
    # a +-2 window it "finds" a quarter or more of 1-SD steps by chance alone.
    row = validity[("critical_p90", "step_1sd")]
    assert 0.04 < row["flag_rate"] < 0.12
    assert 0.2 < row["chance_recall"] < 0.6
    assert row["recall"] >= 0.1
    assert row["chance_corrected_recall"] < 0.3
    for row in validity.values():
        if row["fixture_kind"] == "positive" and row["chance_recall"] < 1:
            assert row["chance_corrected_recall"] <= row["recall"] + 1e-12


def test_known_false_positive_rates(validity: dict[tuple[str, str], dict]) -> None:
    # Known in advance on Gaussian noise: z > 2 fires ~45 per 1,000; P90 flags ~100.
    assert 20 <= validity[("jump_z_score", "null_gaussian")]["false_positives_per_1000"] <= 60
    for detector in ("critical_p90", "transition_p90"):
        assert 70 <= validity[(detector, "null_gaussian")]["false_positives_per_1000"] <= 130
    # The robust z is quiet on Gaussian noise but not on the fitted heavy-tailed noise.
    assert validity[("robust_jump_z", "null_gaussian")]["false_positives_per_1000"] == 0
    assert validity[("robust_jump_z", "null_holdout")]["false_positives_per_1000"] > BUDGET
    # The change-point penalty was calibrated to the budget; the holdout never saw it.
    assert validity[("change_point", "null_holdout")]["false_positives_per_1000"] <= BUDGET


def test_recall_grows_with_effect_size(validity: dict[tuple[str, str], dict]) -> None:
    for detector in ("jump_z_score", "robust_jump_z", "change_point"):
        small = validity[(detector, "step_1sd")]["chance_corrected_recall"]
        large = validity[(detector, "step_10sd")]["chance_corrected_recall"]
        assert small < 0.3 < 0.9 <= large, detector
    assert validity[("jump_z_score", "step_5sd")]["chance_corrected_recall"] >= 0.9
    # The coordination detector looks for coordinated times only.
    assert validity[("coordination", "step_10sd")]["fixture_kind"] == "null"
    assert validity[("coordination", "coordinated_10sd")]["fixture_kind"] == "positive"


def test_verdicts_per_effect_size(demo_warehouse: Path) -> None:
    rows = {
        (d, k, s): (v, statement)
        for d, k, s, v, statement in query(
            demo_warehouse,
            "select detector, event_kind, effect_size, verdict, verdict_statement"
            " from detector_verdicts",
        )
    }
    assert len(rows) == 5 * 12 + 3
    assert rows[("change_point", "step", 10)][0] == "finds"
    assert rows[("change_point", "step", 1)][0] == "misses"
    assert rows[("critical_p90", "step", 10)][0] == "finds, but noisy"
    assert rows[("robust_jump_z", "step", 1)][0] == "misses"
    assert rows[("change_point", "step", 10)][1].startswith("change_point finds 10-SD step events")
