"""Tests of the detector-validity fixtures: committed files, format and planted events.

The planted events are checked with an independent numpy version of the METHODS.md
velocity z-score and P90 coordination, on the committed files.
"""

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from python_steps import validity_fixtures as vf

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURE_DIR = REPO_ROOT / "fixtures" / "validity"
SEED_CSV = REPO_ROOT / "seeds" / "validity_planted_events.csv"
METRICS = ("stable_rank", "participation_ratio", "effective_rank_90", "nuclear_norm_ratio")
LAYERS = [f"layer.{p}" for p in range(6)]
RUN_IDS = [
    "validity_single_transition",
    "validity_multiple_transitions",
    "validity_coordinated_burst",
    "validity_pure_noise",
    "validity_smooth_drift",
]
# "Far above" the jump threshold z = 2.
JUMP_Z_MARGIN = 4.0


def jump_z(x: np.ndarray) -> np.ndarray:
    """z_i = |v_i - mean(v)| / std(v) over the velocities v_i = x_{i+1} - x_i."""
    v = np.diff(x)
    return np.abs(v - v.mean()) / v.std()


def coordination(layer_series: list[np.ndarray]) -> np.ndarray:
    """c_i = share of layers with |v_i| > P90(|v|), for i = 0..n-1 (c_{n-1} = 0)."""
    n = len(layer_series[0])
    critical = np.zeros(n)
    for x in layer_series:
        speed = np.abs(np.diff(x))
        critical[:-1] += speed > np.percentile(speed, 90)
    return critical / len(layer_series)


def series(run: dict, layer: str, metric: str) -> np.ndarray:
    return np.array([m["layer_metrics"][layer][metric] for m in run["measurements"]])


@pytest.fixture(scope="module")
def committed_runs() -> dict[str, dict]:
    return {run_id: json.loads((FIXTURE_DIR / f"{run_id}.json").read_text()) for run_id in RUN_IDS}


@pytest.fixture(scope="module")
def seed_rows() -> list[dict[str, str]]:
    with SEED_CSV.open(newline="") as handle:
        return list(csv.DictReader(handle))


# --- committed outputs ------------------------------------------------------------------


def test_committed_fixtures_equal_regeneration() -> None:
    fresh = vf.fixture_texts()
    assert sorted(p.name for p in FIXTURE_DIR.iterdir()) == sorted(fresh)
    for name, text in fresh.items():
        assert (FIXTURE_DIR / name).read_text(encoding="utf-8") == text, name
    assert SEED_CSV.read_text(encoding="utf-8") == vf.planted_events_csv(vf.planted_events())


def test_regeneration_is_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    vf.write_outputs(first)
    vf.write_outputs(second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert len(files) == 6
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def test_cli_writes_both_outputs(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    vf.main(["--root", str(tmp_path)])
    out = capsys.readouterr().out
    assert "validity_planted_events.csv" in out
    assert len(list((tmp_path / "fixtures" / "validity").glob("*.json"))) == 5


def test_fixture_size() -> None:
    # The format's key names alone take ~210 KB at 6 layers x 4 metrics x 400 measurements;
    # rounding to 6 significant digits keeps the files near that floor.
    for run_id in RUN_IDS:
        assert (FIXTURE_DIR / f"{run_id}.json").stat().st_size < 340_000


# --- format -----------------------------------------------------------------------------


def test_format(committed_runs: dict[str, dict]) -> None:
    for run in committed_runs.values():
        assert run["arch_name"] == "validity_fixture"
        assert run["dataset_name"] == "synthetic"
        assert run["num_steps"] == 2000
        assert run["measurement_interval"] == 5
        measurements = run["measurements"]
        assert len(measurements) == 400
        assert [m["step"] for m in measurements] == [5 * i for i in range(400)]
        loss = np.array([m["loss"] for m in measurements])
        assert np.all(loss > 0) and loss[-50:].mean() < 0.3 * loss[:10].mean()
        for m in measurements:
            assert list(m["layer_metrics"]) == LAYERS
            for values in m["layer_metrics"].values():
                assert list(values) == list(METRICS)
                for value in values.values():
                    assert value > 0 and float(f"{value:.6g}") == value


def test_metrics_carry_the_same_shape(committed_runs: dict[str, dict]) -> None:
    # Each metric is offset + scale * shape: standardized, all four agree (up to rounding).
    for run in committed_runs.values():
        for layer in LAYERS:
            standardized = [
                (x - x.mean()) / x.std() for x in (series(run, layer, m) for m in METRICS)
            ]
            for other in standardized[1:]:
                np.testing.assert_allclose(other, standardized[0], atol=2e-3)


# --- planted events -----------------------------------------------------------------------


def test_seed_rows(seed_rows: list[dict[str, str]]) -> None:
    assert list(seed_rows[0]) == list(vf.CSV_COLUMNS)
    assert [r["run_id"] for r in seed_rows if r["event_kind"] == "none"] == [
        "validity_pure_noise",
        "validity_smooth_drift",
    ]
    assert {r["run_id"] for r in seed_rows} == set(RUN_IDS)
    for row in seed_rows:
        assert row["run_id"] == "validity_" + row["fixture"]
        positive = row["fixture"] not in ("pure_noise", "smooth_drift")
        assert row["fixture_kind"] == ("positive" if positive else "null")
        if row["event_kind"] == "transition":
            assert row["layer"] in LAYERS and row["measurement_index"].isdigit()
        elif row["event_kind"] == "coordinated":
            assert row["layer"] == "" and row["measurement_index"].isdigit()
        else:
            assert row["event_kind"] == "none" and not positive
            assert row["layer"] == "" and row["measurement_index"] == ""
    per_layer = {}
    for row in seed_rows:
        if row["event_kind"] == "transition":
            key = (row["fixture"], row["layer"])
            per_layer[key] = per_layer.get(key, 0) + 1
    assert all(per_layer[("single_transition", layer)] == 1 for layer in LAYERS)
    assert all(per_layer[("multiple_transitions", layer)] == 4 for layer in LAYERS)


def test_planted_events_function_matches_csv(seed_rows: list[dict[str, str]]) -> None:
    parsed = list(csv.DictReader(io.StringIO(vf.planted_events_csv(vf.planted_events()))))
    assert parsed == seed_rows


def test_transitions_are_detected(
    committed_runs: dict[str, dict], seed_rows: list[dict[str, str]]
) -> None:
    transitions = [r for r in seed_rows if r["event_kind"] == "transition"]
    assert len(transitions) == 6 + 24 + 14
    for row in transitions:
        run = committed_runs[row["run_id"]]
        j = int(row["measurement_index"])
        for metric in METRICS:
            x = series(run, row["layer"], metric)
            z = jump_z(x)
            assert z[j] > JUMP_Z_MARGIN, (row, metric)
            # The step is between j and j+1: x_{j+1} - x_j is the layer's largest change
            # around it.
            around = np.abs(np.diff(x))[max(0, j - 10) : j + 11]
            assert np.argmax(around) == min(j, 10)


def test_multiple_transitions_are_well_separated(seed_rows: list[dict[str, str]]) -> None:
    for layer in LAYERS:
        indices = sorted(
            int(r["measurement_index"])
            for r in seed_rows
            if r["fixture"] == "multiple_transitions" and r["layer"] == layer
        )
        assert np.all(np.diff(indices) >= 40)


def test_coordinated_bursts_are_detected(
    committed_runs: dict[str, dict], seed_rows: list[dict[str, str]]
) -> None:
    bursts = [r for r in seed_rows if r["event_kind"] == "coordinated"]
    assert len(bursts) == 3
    run = committed_runs["validity_coordinated_burst"]
    loss = np.array([m["loss"] for m in run["measurements"]])
    for row in bursts:
        b = int(row["measurement_index"])
        # >= 4 of 6 layers have a planted transition at the burst.
        stepping = {
            r["layer"]
            for r in seed_rows
            if r["fixture"] == "coordinated_burst"
            and r["event_kind"] == "transition"
            and int(r["measurement_index"]) == b
        }
        assert len(stepping) >= 4
        for metric in METRICS:
            c = coordination([series(run, layer, metric) for layer in LAYERS])
            assert c[b] >= len(stepping) / 6 >= 0.5
        assert loss[b + 1] < loss[b]


def test_null_fixtures_have_no_abrupt_change(committed_runs: dict[str, dict]) -> None:
    # Every null velocity is far smaller than the smallest planted step (10 shape units,
    # i.e. 2.5 participation_ratio units).
    for run_id in ("validity_pure_noise", "validity_smooth_drift"):
        run = committed_runs[run_id]
        for layer in LAYERS:
            v = np.abs(np.diff(series(run, layer, "participation_ratio")))
            assert v.max() < 1.5
    drift = committed_runs["validity_smooth_drift"]
    for layer in LAYERS:
        x = series(drift, layer, "participation_ratio")
        # A large but slow change of level: 20 shape units (5 PR units) end to end.
        assert abs(x[-20:].mean() - x[:20].mean()) > 4.0
