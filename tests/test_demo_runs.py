"""Tests of the demo-run generator: determinism, format, and recoverable ground truth.

The ground-truth checks re-implement the METHODS.md definitions (corrected mode) here in a
few lines of numpy, independently of the generator, and read everything back from the
written files.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from python_steps.demo_runs import generate_demo_runs, main

METRICS = ("stable_rank", "participation_ratio", "effective_rank_90", "nuclear_norm_ratio")
WINDOW = 20
FRACTION = 0.10
# "Clearly" above / "well" below the stability threshold: window variance over threshold.
UNSTABLE_MARGIN = 1.5
STABLE_MARGIN = 0.5
# "Far above" the z = 2 jump threshold.
JUMP_Z_MARGIN = 4.0


# --- independent METHODS.md definitions (corrected mode) ------------------------------


def stabilization_index(x: np.ndarray) -> int | None:
    """Smallest k whose window x_k..x_{k+19} has population variance < (0.1 * mean)^2."""
    ratios = window_variance_ratios(x)
    stable = np.flatnonzero(ratios < 1.0)
    return int(stable[0]) if stable.size else None


def window_variance_ratios(x: np.ndarray) -> np.ndarray:
    """Population variance of every window k = 0..n-w over the threshold (0.1 * mean)^2."""
    windows = np.lib.stride_tricks.sliding_window_view(x, WINDOW)
    return windows.var(axis=1) / (FRACTION * x.mean()) ** 2


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


# --- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo_runs")
    generate_demo_runs(out)
    return out


@pytest.fixture(scope="module")
def truth(demo_dir: Path) -> dict:
    return json.loads((demo_dir / "_ground_truth" / "ground_truth.json").read_text())


@pytest.fixture(scope="module")
def runs(demo_dir: Path) -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(demo_dir.glob("*.json"))}


def series(run: dict, layer: str, metric: str) -> np.ndarray:
    return np.array([m["layer_metrics"][layer][metric] for m in run["measurements"]])


def layers_of(run: dict) -> list[str]:
    return list(run["measurements"][0]["layer_metrics"])


# --- determinism and format -----------------------------------------------------------


def test_generation_is_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    generate_demo_runs(first)
    generate_demo_runs(second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert len(files) == 13
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def test_run_files_and_ground_truth_match(demo_dir: Path, runs: dict, truth: dict) -> None:
    assert 10 <= len(runs) <= 14
    assert sorted(r["run_id"] for r in truth["runs"]) == sorted(runs)
    # Only runs directly in the folder; the ground truth sits in a subfolder.
    assert not (demo_dir / "ground_truth.json").exists()
    for run_truth in truth["runs"]:
        run = runs[run_truth["run_id"]]
        assert run_truth["run_id"] == f"{run['arch_name']}_{run['dataset_name']}"
        assert run_truth["family"] == run["arch_name"].split("_")[0]
        assert run_truth["layers"] == layers_of(run)
        assert run_truth["n_layers"] == len(layers_of(run))


def test_format(runs: dict) -> None:
    families = set()
    for run_id, run in runs.items():
        assert run_id == f"{run['arch_name']}_{run['dataset_name']}"
        assert run["num_steps"] == 2000
        assert run["measurement_interval"] == 5
        assert isinstance(run["final_accuracy"], float)
        assert isinstance(run["elapsed_time"], float)
        assert set(run["architecture_params"]) == {
            "depth", "width", "min_width", "max_width", "num_params", "connectivity",
        }  # fmt: skip
        measurements = run["measurements"]
        assert len(measurements) == 400
        assert [m["step"] for m in measurements] == list(range(0, 2000, 5))
        epochs = [m["epoch"] for m in measurements]
        assert epochs[0] == 1 and epochs == sorted(epochs)
        layers = layers_of(run)
        assert 3 <= len(layers) <= 16
        for m in measurements:
            assert list(m) == ["step", "epoch", "loss", "grad_norm", "layer_metrics"]
            assert list(m["layer_metrics"]) == layers
            for values in m["layer_metrics"].values():
                assert list(values) == list(METRICS)
                assert all(isinstance(v, float) and np.isfinite(v) for v in values.values())
            assert m["loss"] > 0 and m["grad_norm"] > 0

        family = run["arch_name"].split("_")[0]
        families.add(family)
        if family == "mlp":
            assert layers == [f"network.{2 * k}" for k in range(len(layers))]
        elif family == "cnn":
            assert layers[-1] == "fc"
            assert layers[:-1] == [f"conv_layers.{3 * k}" for k in range(len(layers) - 1)]
        else:
            assert family == "transformer"
            assert layers[0] == "input_proj" and layers[-1] == "fc"
            blocks = (len(layers) - 2) // 2
            assert layers[1:-1] == [
                f"transformer.layers.{k}.{part}"
                for k in range(blocks)
                for part in ("linear1", "linear2")
            ]
    assert families == {"mlp", "cnn", "transformer"}


def test_value_ranges(runs: dict) -> None:
    for run in runs.values():
        for layer in layers_of(run):
            sr = series(run, layer, "stable_rank")
            assert np.all(sr <= 1.0) and np.all(1.0 - sr < 1e-10)
            pr = series(run, layer, "participation_ratio")
            assert pr.min() >= 5 and pr.max() <= 60
            er = series(run, layer, "effective_rank_90")
            assert np.all(er == np.round(er)) and er.min() >= 1
            nnr = series(run, layer, "nuclear_norm_ratio")
            assert nnr.min() >= 1 and nnr.max() <= 30
            assert 2 <= np.median(nnr) <= 13
        loss = np.array([m["loss"] for m in run["measurements"]])
        # Falling: the last 50 losses are well below the first 10.
        assert loss[-50:].mean() < 0.75 * loss[:10].mean()


def test_cli_prints_what_it_wrote(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    main(["--out", str(tmp_path / "cli")])
    out = capsys.readouterr().out
    assert "mlp_narrow_mnist.json" in out
    assert "_ground_truth/ground_truth.json" in out
    assert len(list((tmp_path / "cli").glob("*.json"))) == 12


# --- planted ground truth, recovered with the definitions above -----------------------


def test_planted_stabilization_indices(runs: dict, truth: dict) -> None:
    n_checked = 0
    for run_truth in truth["runs"]:
        run = runs[run_truth["run_id"]]
        for metric, per_layer in run_truth["stabilization_index"].items():
            for layer, planted in per_layer.items():
                x = series(run, layer, metric)
                ratios = window_variance_ratios(x)
                assert stabilization_index(x) == planted, (run_truth["run_id"], metric, layer)
                # Clearly unstable before, well inside the threshold from it on.
                assert np.all(ratios[:planted] > UNSTABLE_MARGIN)
                assert np.all(ratios[planted:] < STABLE_MARGIN)
                n_checked += 1
    assert n_checked > 250


def test_planted_convergence_order(truth: dict) -> None:
    patterns = {r["convergence"]["pattern"] for r in truth["runs"]}
    assert patterns == {"bottom-up", "top-down", None}
    for run_truth in truth["runs"]:
        convergence = run_truth["convergence"]
        indices = [convergence["stabilization_index"][layer] for layer in run_truth["layers"]]
        for metric in convergence["metrics"]:
            assert run_truth["stabilization_index"][metric] == convergence["stabilization_index"]
        gaps = np.diff(indices)
        if convergence["pattern"] == "bottom-up":
            assert np.all(gaps >= 5)
        elif convergence["pattern"] == "top-down":
            assert np.all(gaps <= -5)
        else:
            assert np.all(gaps == 0)
        if convergence["pattern"] is not None:
            assert run_truth["n_layers"] >= 5
            # Spearman's rho of position against index is +-1 (no ties).
            ranks = np.argsort(np.argsort(indices))
            rho = np.corrcoef(np.arange(len(indices)), ranks)[0, 1]
            assert rho == pytest.approx(1.0 if convergence["pattern"] == "bottom-up" else -1.0)


def test_planted_jumps_are_exactly_the_detected_jumps(runs: dict, truth: dict) -> None:
    n_jumps = 0
    for run_truth in truth["runs"]:
        run = runs[run_truth["run_id"]]
        planted: dict[tuple[str, str], set[int]] = {}
        for jump in run_truth["jumps"]:
            key = (jump["metric"], jump["layer"])
            planted.setdefault(key, set()).add(jump["measurement_index"])
        metrics = {metric for metric, _ in planted}
        assert "participation_ratio" in metrics
        for metric in metrics:
            for layer in run_truth["layers"]:
                z = jump_z(series(run, layer, metric))
                expected = planted.get((metric, layer), set())
                assert expected, "every layer of a jump metric has a planted step"
                assert set(np.flatnonzero(z > 2.0).tolist()) == expected
                assert min(z[j] for j in expected) > JUMP_Z_MARGIN
                n_jumps += len(expected)
    assert n_jumps == sum(len(r["jumps"]) for r in truth["runs"])


def test_planted_coordinated_bursts(runs: dict, truth: dict) -> None:
    n_bursts = 0
    for run_truth in truth["runs"]:
        run = runs[run_truth["run_id"]]
        loss = np.array([m["loss"] for m in run["measurements"]])
        for burst in run_truth["coordinated"]:
            metric, b = burst["metric"], burst["measurement_index"]
            assert len(burst["layers"]) >= 0.5 * run_truth["n_layers"]
            c = coordination([series(run, layer, metric) for layer in run_truth["layers"]])
            assert c[b] >= 0.5, (run_truth["run_id"], metric, b)
            # Each involved layer has its planted jump at the burst index.
            for layer in burst["layers"]:
                assert {
                    "metric": metric, "layer": layer, "measurement_index": b, "cause": "burst",
                } in run_truth["jumps"]  # fmt: skip
            # The loss drops at the burst: u_b = L_{b+1} - L_b < 0.
            assert loss[b + 1] < loss[b]
            n_bursts += 1
    assert n_bursts >= 8
    runs_with_bursts = [r for r in truth["runs"] if r["coordinated"]]
    assert 3 <= len(runs_with_bursts) < len(truth["runs"])
