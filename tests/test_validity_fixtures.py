"""Tests of the detector-validity fixtures: committed files, realism and planted truth.

The planted truth is pinned against the committed files: each fixture's participation_ratio
minus the same fixture regenerated with nothing planted is exactly the step (or burst)
function the seed CSV describes, and nothing else.
"""

import csv
import json
import math
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from python_steps import validity_fixtures as vf
from python_steps import validity_noise_fit as nf

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURE_DIR = REPO_ROOT / "fixtures" / "validity"
SEED_CSV = REPO_ROOT / "seeds" / "validity_planted_events.csv"
METRICS = ("stable_rank", "participation_ratio", "effective_rank_90", "nuclear_norm_ratio")
NULLS = ("null_calibration_a", "null_calibration_b", "null_holdout", "null_gaussian", "null_drift")
PR_SCALE = vf.CONTINUOUS_METRICS["participation_ratio"][1]


@pytest.fixture(scope="module")
def noise_model() -> dict:
    return nf.load_noise_model(REPO_ROOT)


@pytest.fixture(scope="module")
def committed_runs() -> dict[str, dict]:
    return {
        path.stem.removeprefix("validity_"): json.loads(path.read_text())
        for path in sorted(FIXTURE_DIR.glob("*.json"))
    }


@pytest.fixture(scope="module")
def seed_rows() -> list[dict[str, str]]:
    with SEED_CSV.open(newline="") as handle:
        return list(csv.DictReader(handle))


def series(run: dict, layer: str, metric: str) -> np.ndarray:
    return np.array([m["layer_metrics"][layer][metric] for m in run["measurements"]])


def layers(run: dict) -> list[str]:
    return list(run["measurements"][0]["layer_metrics"])


# --- committed outputs ------------------------------------------------------------------


def test_committed_fixtures_equal_regeneration(noise_model: dict) -> None:
    fresh = vf.fixture_texts(noise_model)
    assert sorted(p.name for p in FIXTURE_DIR.iterdir()) == sorted(fresh)
    for name, text in fresh.items():
        assert (FIXTURE_DIR / name).read_text(encoding="utf-8") == text, name
    assert SEED_CSV.read_text(encoding="utf-8") == vf.planted_events_csv(
        vf.planted_events(noise_model)
    )


def test_regeneration_is_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    vf.write_outputs(first)
    vf.write_outputs(second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert len(files) == len(vf.fixtures()) + 1 == 17 + 1
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def test_fixtures_stay_small() -> None:
    # Built in every build: keep them near the format's floor (key names dominate).
    total = sum(p.stat().st_size for p in FIXTURE_DIR.glob("*.json"))
    assert total < 4_000_000


def test_noise_model_fields(noise_model: dict) -> None:
    assert (noise_model["min_layers"], noise_model["max_layers"]) == (3, 16)
    fit = noise_model["metrics"]["participation_ratio"]
    # Heavy tails (a finite-variance Student t) and a small positive velocity autocorrelation.
    assert 2 < fit["t_df"] < 6 and 0 < fit["ar1"] < 0.3
    assert fit["velocity_excess_kurtosis"] > 2
    assert fit["transient_scale"] > 1 and fit["transient_drift"] > 0


# --- format and realism -----------------------------------------------------------------


def test_format(committed_runs: dict[str, dict]) -> None:
    assert len(committed_runs) == 17
    for run in committed_runs.values():
        assert run["arch_name"] == "validity_fixture" and run["num_steps"] == 800
        measurements = run["measurements"]
        assert [m["step"] for m in measurements] == [5 * i for i in range(160)]
        loss = np.array([m["loss"] for m in measurements])
        assert np.all(loss > 0) and loss[-20:].mean() < 0.3 * loss[:5].mean()
        for m in measurements:
            for values in m["layer_metrics"].values():
                assert list(values) == list(METRICS)
                assert all(value > 0 for value in values.values())
                # An integer-valued metric and a round-off-level one, as in the real runs.
                assert values["effective_rank_90"] == int(values["effective_rank_90"])
                assert abs(values["stable_rank"] - 1.0) <= 2 * vf.ROUND_OFF_ULP


def test_layer_counts_span_the_real_range(committed_runs: dict[str, dict]) -> None:
    counts = [len(layers(run)) for run in committed_runs.values()]
    assert min(counts) >= 3 and max(counts) <= 16
    assert len(set(counts)) >= 6


def test_realistic_noise_has_the_fitted_shape(
    committed_runs: dict[str, dict], noise_model: dict
) -> None:
    fit = noise_model["metrics"]["participation_ratio"]
    settled, early_ratio = [], []
    for name in ("null_calibration_a", "null_calibration_b", "null_holdout"):
        run = committed_runs[name]
        for layer in layers(run):
            v = np.diff(series(run, layer, "participation_ratio")) / PR_SCALE
            settled.append(v[40:])
            early_ratio.append(np.std(v[:10]) / np.std(v[40:]))
    pooled = np.concatenate([(v - v.mean()) / v.std() for v in settled])
    lag1 = np.mean([np.corrcoef(v[:-1], v[1:])[0, 1] for v in settled])
    assert abs(lag1 - fit["ar1"]) < 0.1
    assert stats.kurtosis(pooled) > 2  # heavy tails
    assert np.median(early_ratio) > 2  # the early transient
    # The old harness's noise: i.i.d. level noise, velocity autocorrelation -0.5, no tails.
    gaussian = committed_runs["null_gaussian"]
    v = np.concatenate(
        [np.diff(series(gaussian, layer, "participation_ratio")) for layer in layers(gaussian)]
    )
    assert abs(np.corrcoef(v[:-1], v[1:])[0, 1] + 0.5) < 0.1
    assert abs(stats.kurtosis(v)) < 1


def test_fit_recovers_a_simulated_noise_model() -> None:
    rng = np.random.default_rng(7)
    fit = {"ar1": 0.2, "t_df": 4.0, "t_scale": 0.7, "transient_scale": 3.0, "transient_drift": 1}
    runs = [
        np.concatenate([[0.0], np.cumsum(vf.realistic_velocities(rng, 399, fit))])
        for _ in range(300)
    ]
    fitted = nf.fit_metric(runs)
    assert abs(fitted["ar1"] - 0.2) < 0.03
    assert 3.3 < fitted["t_df"] < 4.8
    assert 2.3 < fitted["transient_scale"] < 3.7


# --- planted truth ------------------------------------------------------------------------


def test_seed_rows(seed_rows: list[dict[str, str]]) -> None:
    assert list(seed_rows[0]) == list(vf.CSV_COLUMNS)
    by_fixture = defaultdict(list)
    for row in seed_rows:
        by_fixture[row["fixture"]].append(row)
        assert row["run_id"] == "validity_" + row["fixture"]
    assert len(by_fixture) == 17
    for name in NULLS:
        (row,) = by_fixture[name]
        assert (row["fixture_kind"], row["event_kind"], row["effect_size"]) == ("null", "none", "")
    assert [by_fixture[n][0]["fixture_role"] for n in NULLS] == [
        "calibration",
        "calibration",
        "holdout",
        "evaluation",
        "evaluation",
    ]
    sizes = Counter(
        (rows[0]["event_kind"], int(rows[0]["effect_size"]))
        for name, rows in by_fixture.items()
        if name not in NULLS
    )
    assert sizes == Counter(
        [("step", k) for k in (1, 2, 3, 5, 7, 10)]
        + [("burst", k) for k in (2, 5, 10)]
        + [("coordinated_step", k) for k in (2, 5, 10)]
    )


def test_events_are_placed_after_the_transient_and_apart(
    seed_rows: list[dict[str, str]], committed_runs: dict[str, dict]
) -> None:
    per_layer = defaultdict(list)
    for row in seed_rows:
        if row["layer"]:
            per_layer[(row["fixture"], row["layer"])].append(int(row["measurement_index"]))
    for (fixture, layer), indices in per_layer.items():
        assert all(30 <= j <= 146 for j in indices), (fixture, layer)
        assert np.all(np.diff(sorted(indices)) >= 50)
        if not fixture.startswith("coordinated"):
            assert len(indices) == 2
    for fixture in ("step_5sd", "burst_10sd"):
        n_layers = len(layers(committed_runs[fixture]))
        assert sum(1 for (f, _) in per_layer if f == fixture) == n_layers
    for size in (2, 5, 10):
        fixture = f"coordinated_{size}sd"
        n_layers = len(layers(committed_runs[fixture]))
        times = [
            int(r["measurement_index"])
            for r in seed_rows
            if r["fixture"] == fixture and r["event_kind"] == "coordinated"
        ]
        assert len(times) == 2
        for t in times:
            sharing = sum(t in indices for (f, _), indices in per_layer.items() if f == fixture)
            assert sharing >= math.ceil(0.6 * n_layers)


def test_planted_truth_is_exactly_what_the_files_hold(
    committed_runs: dict[str, dict], seed_rows: list[dict[str, str]], noise_model: dict
) -> None:
    # The committed series minus the same fixture with nothing planted (same noise draws)
    # is the planted step / burst function of the seed rows, at the seed's effect size.
    fixtures = {f.name: f for f in vf.fixtures()}
    offset, scale = vf.CONTINUOUS_METRICS["participation_ratio"]
    for name, run in committed_runs.items():
        fixture = fixtures[name]
        bare = replace(fixture, effect_size=0)
        y0 = vf.shape(bare, vf.plan(fixture, noise_model), noise_model)
        for p, layer in enumerate(layers(run)):
            observed = (series(run, layer, "participation_ratio") - offset) / scale - y0[p]
            planted = np.zeros(vf.N_MEASUREMENTS)
            for row in seed_rows:
                if row["fixture"] == name and row["layer"] == layer:
                    j, k = int(row["measurement_index"]), int(row["effect_size"])
                    # The seed has no direction: take it from the data.
                    sign = np.sign(observed[j + 1] - observed[j])
                    end = j + int(row["duration"]) if row["event_kind"] == "burst" else None
                    planted[j + 1 : end] += sign * k
            np.testing.assert_allclose(observed, planted, atol=0.02, err_msg=f"{name} {layer}")


def test_big_planted_steps_stand_out(committed_runs: dict[str, dict], seed_rows) -> None:
    # At 10 SDs every planted step is the largest velocity within +-10 measurements.
    for row in seed_rows:
        if row["fixture"] == "step_10sd":
            j = int(row["measurement_index"])
            v = np.abs(
                np.diff(series(committed_runs["step_10sd"], row["layer"], "participation_ratio"))
            )
            assert np.argmax(v[j - 10 : j + 11]) == 10, row
