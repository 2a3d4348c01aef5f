"""The change-point detector (PELT): pure helper, calibration and its false-positive rate.

The calibrated penalty is checked on the holdout null fixture, which calibration never
sees, and on freshly simulated realistic nulls (new seeds).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import ruptures

from python_steps import change_points as cp
from python_steps import validity_fixtures as vf
from python_steps.validity_noise_fit import load_noise_model
from tests.conftest import query

REPO_ROOT = Path(__file__).resolve().parent.parent
BUDGET = 5.0  # validity_max_false_positives_per_1000
WARMUP = 25  # validity_warmup_measurements


def fixture_velocities(name: str, metric: str = "participation_ratio") -> list[np.ndarray]:
    run = json.loads((REPO_ROOT / "fixtures" / "validity" / f"validity_{name}.json").read_text())
    layers = list(run["measurements"][0]["layer_metrics"])
    return [
        np.diff([m["layer_metrics"][layer][metric] for m in run["measurements"]])
        for layer in layers
    ]


def test_kernel_cpd_solves_the_same_problem_as_pelt_l2() -> None:
    # KernelCPD(linear) is used for speed; it must give ruptures.Pelt(model="l2")'s answer.
    for v in fixture_velocities("step_7sd")[:3] + fixture_velocities("null_drift")[:2]:
        signal = cp.standardized(v)
        assert signal is not None
        for penalty in (5.0, 30.0, 100.0):
            pelt = ruptures.Pelt(model="l2", min_size=cp.MIN_SIZE, jump=1).fit(signal)
            assert cp.breakpoints(signal, [penalty])[0] == pelt.predict(pen=penalty)[:-1]


def test_a_big_step_is_a_pair_of_change_points_with_its_size() -> None:
    rng = np.random.default_rng(3)
    v = rng.standard_normal(150)
    v[70] += 20.0
    points = cp.change_points(v, penalty=40.0)
    assert [p.index for p in points] == [70, 71]
    assert points[0].size == pytest.approx(v[70] - v[:70].mean())
    assert points[1].size == pytest.approx(v[71:].mean() - v[70])


def test_a_change_of_slope_is_one_change_point() -> None:
    rng = np.random.default_rng(4)
    v = 0.1 * rng.standard_normal(200)
    v[120:] += 2.0
    assert [p.index for p in cp.change_points(v, penalty=40.0)] == [120]


def test_what_cannot_be_segmented_has_no_change_points() -> None:
    assert cp.change_points(np.zeros(50), 10.0) == []
    assert cp.change_points(np.array([1.0]), 10.0) == []
    assert cp.change_points(np.array([1.0, np.nan, 2.0]), 10.0) == []


def test_integer_metric_uses_the_mean_absolute_deviation() -> None:
    v = np.zeros(100)
    v[[10, 50, 80]] = 1.0
    assert cp.robust_scale(v) == pytest.approx(1.2533 * 0.03)


def test_calibrated_penalty_is_the_smallest_within_budget_for_good() -> None:
    rates = {1.0: 50.0, 2.0: 4.0, 4.0: 6.0, 8.0: 3.0, 16.0: 0.0}
    # 2.0 is within budget but 4.0 is not: the choice must hold for every larger penalty.
    assert cp.calibrated_penalty(rates, 5.0) == 8.0
    assert cp.calibrated_penalty({1.0: 9.0, 2.0: 7.0}, 5.0) is None


def test_calibration_table_uses_only_the_calibration_fixtures() -> None:
    detections = pd.DataFrame(
        {"penalty": [1.0, 1.0, 1.0, 2.0], "run_id": ["cal", "cal", "hold", "hold"]}
    )
    table = cp.calibration_table(
        detections,
        {"cal": 1000, "hold": 500},
        {"cal": "calibration", "hold": "holdout"},
        [1.0, 2.0],
        budget=1.5,
    )
    assert table["calibration_false_positives_per_1000"].tolist() == [2.0, 0.0]
    assert table["holdout_false_positives_per_1000"].tolist() == [2.0, 2.0]
    assert table["is_calibrated"].tolist() == [False, True]
    with pytest.raises(ValueError, match="holdout"):
        cp.calibration_table(detections, {"cal": 10}, {"cal": "calibration"}, [1.0], 1.0)


def test_detect_reports_measurement_index_and_step() -> None:
    v = np.zeros(40)
    v[:] = np.random.default_rng(5).standard_normal(40)
    v[20] = 30.0
    frame = pd.DataFrame(
        {
            "run_id": "r",
            "metric": "m",
            "layer": "l",
            "measurement_index": np.arange(41),
            "step": 5 * np.arange(41),
            "velocity": [*v, None],
        }
    )
    points = cp.detect(frame, 40.0)
    assert points[["measurement_index", "step"]].values.tolist() == [[20, 100], [21, 105]]


# --- in the build -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def calibration(demo_warehouse: Path) -> tuple[float, float, float]:
    rows = query(
        demo_warehouse,
        "select penalty, calibration_false_positives_per_1000, holdout_false_positives_per_1000"
        " from int_change_point_calibration where is_calibrated",
    )
    assert len(rows) == 1
    return rows[0]


def test_calibrated_penalty_holds_on_the_holdout_null(
    demo_warehouse: Path, calibration: tuple[float, float, float]
) -> None:
    penalty, calibration_rate, holdout_rate = calibration
    assert calibration_rate <= BUDGET
    # Recomputed here from the committed holdout file, outside dbt.
    velocities = fixture_velocities("null_holdout")
    found = sum(
        sum(1 for p in cp.change_points(v, penalty) if p.index >= WARMUP) for v in velocities
    )
    opportunities = sum(len(v) - WARMUP for v in velocities)
    assert holdout_rate == pytest.approx(1000.0 * found / opportunities)
    assert holdout_rate <= BUDGET
    (mart_rate,) = query(
        demo_warehouse,
        "select false_positives_per_1000 from detector_validity"
        " where detector = 'change_point' and fixture = 'null_holdout'",
    )[0]
    assert mart_rate <= BUDGET


def test_calibrated_penalty_false_positive_rate_on_simulated_nulls(
    calibration: tuple[float, float, float],
) -> None:
    # 400 fresh realistic null series (seeds the fixtures never used): the rate stays near
    # the budget. A penalty far too low (x 1/4) blows it, so the test can fail.
    penalty = calibration[0]
    fit = load_noise_model(REPO_ROOT)["metrics"]["participation_ratio"]
    rng = np.random.default_rng([99, 1])
    series = [vf.realistic_velocities(rng, vf.N_MEASUREMENTS - 1, fit) for _ in range(400)]

    def rate(pen: float) -> float:
        found = sum(sum(1 for p in cp.change_points(v, pen) if p.index >= WARMUP) for v in series)
        return 1000.0 * found / sum(len(v) - WARMUP for v in series)

    assert rate(penalty) <= 2 * BUDGET
    assert rate(penalty / 4) > 2 * BUDGET


def test_change_points_mart_has_only_real_runs(demo_warehouse: Path) -> None:
    (fixtures, total, penalties) = query(
        demo_warehouse,
        "select count(*) filter (where run_id like 'validity_%'), count(*),"
        " count(distinct penalty) from change_points",
    )[0]
    assert fixtures == 0 and total > 0 and penalties == 1
