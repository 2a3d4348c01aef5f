"""layer_dynamics.record: the four metrics, the atomic ndt file, and runs of a real (tiny)
training that the warehouse builds on.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from layer_dynamics import record
from layer_dynamics.record import layer_metrics, open_run
from tests.conftest import build_warehouse, query


def test_metrics_of_known_matrices() -> None:
    identity = layer_metrics(np.eye(4))
    assert identity["stable_rank"] == pytest.approx(4.0)
    assert identity["participation_ratio"] == pytest.approx(4.0)
    assert identity["effective_rank_90"] == 4.0  # 0.25, 0.5, 0.75 are below 0.9
    assert identity["nuclear_norm_ratio"] == pytest.approx(4.0)

    rank_one = layer_metrics(np.outer([1.0, 2.0, 3.0], [4.0, 5.0]))
    assert rank_one["stable_rank"] == pytest.approx(1.0)
    assert rank_one["participation_ratio"] == pytest.approx(1.0)
    assert rank_one["effective_rank_90"] == 1.0
    assert rank_one["nuclear_norm_ratio"] == pytest.approx(1.0)

    # Singular values 3 and 1: energy 9/10 is exactly 0.9, not below it: one component.
    diagonal = layer_metrics(np.diag([3.0, 1.0]))
    assert diagonal["stable_rank"] == pytest.approx(10 / 9)
    assert diagonal["participation_ratio"] == pytest.approx(16 / 10)
    assert diagonal["effective_rank_90"] == 1.0
    assert diagonal["nuclear_norm_ratio"] == pytest.approx(4 / 3)

    zero = layer_metrics(np.zeros((3, 2)))
    assert (zero["stable_rank"], zero["effective_rank_90"], zero["nuclear_norm_ratio"]) == (0, 0, 0)


def test_metrics_agree_with_an_eigenvalue_computation() -> None:
    """Singular values from the eigenvalues of A^T A: an independent route to the same figures."""
    matrix = np.random.default_rng(3).normal(size=(50, 12)) @ np.diag(np.linspace(3, 0.1, 12))
    singular = np.sqrt(np.sort(np.linalg.eigvalsh(matrix.T @ matrix))[::-1].clip(min=0))
    energy = np.cumsum(singular**2) / np.sum(singular**2)
    metrics = layer_metrics(matrix)
    assert metrics["stable_rank"] == pytest.approx(np.sum(singular**2) / singular[0] ** 2)
    assert metrics["participation_ratio"] == pytest.approx(
        np.sum(singular) ** 2 / np.sum(singular**2)
    )
    assert metrics["effective_rank_90"] == float(np.sum(energy < 0.9) + 1)
    assert metrics["nuclear_norm_ratio"] == pytest.approx(np.sum(singular) / singular[0])


class FakeTensor:
    """What a framework's tensor offers: detach(), cpu(), numpy()."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def detach(self) -> FakeTensor:
        return self

    def cpu(self) -> FakeTensor:
        return self

    def numpy(self) -> np.ndarray:
        return self.array


def test_tensors_and_higher_dimensions() -> None:
    matrix = np.random.default_rng(0).normal(size=(8, 5))
    assert layer_metrics(FakeTensor(matrix)) == layer_metrics(matrix)
    activations = np.random.default_rng(1).normal(size=(8, 5, 3, 3))
    assert layer_metrics(activations) == layer_metrics(activations.mean(axis=(2, 3)))
    with pytest.raises(ValueError, match="expected a matrix"):
        layer_metrics(np.ones(3))


def test_bad_input_is_named(tmp_path: Path) -> None:
    with open_run(tmp_path, "r") as run:
        run.log(0, 1.0, {"a": np.eye(2), "b": np.eye(3)})
        with pytest.raises(ValueError, match="step 5, layer 'b': the matrix holds NaN"):
            run.log(5, 1.0, {"a": np.eye(2), "b": np.full((2, 2), np.nan)})
        with pytest.raises(ValueError, match="is not after the previous step 0"):
            run.log(0, 1.0, {"a": np.eye(2), "b": np.eye(3)})
        with pytest.raises(ValueError, match="differ from the first measurement"):
            run.log(10, 1.0, {"b": np.eye(3), "a": np.eye(2)})
        run.log(10, float("nan"), {"a": np.eye(2), "b": np.eye(3)})
    document = json.loads((tmp_path / "r.json").read_text())
    assert [item["step"] for item in document["measurements"]] == [0, 10]
    assert document["measurements"][1]["loss"] is None  # a NaN loss is not guessed
    assert list(document["measurements"][0]["layer_metrics"]) == ["a", "b"]
    for bad in ("", ".hidden", "a/b", " x"):
        with pytest.raises(ValueError, match="run id"):
            open_run(tmp_path, bad).__enter__()


def test_the_file_is_replaced_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = record.RunRecorder(tmp_path, "atomic", flush_every=1)
    run.log(0, 2.0, {"a": np.eye(2)})
    before = (tmp_path / "atomic.json").read_text()

    def failing_fsync(_: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(record.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        run.log(1, 1.0, {"a": np.eye(2)})
    assert (tmp_path / "atomic.json").read_text() == before
    assert [path.name for path in tmp_path.iterdir()] == ["atomic.json"]


def train_digits_runs(runs_dir: Path) -> dict[str, list[dict]]:
    """Two small scikit-learn MLPs on the bundled digits, their weights recorded every 2 epochs."""
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    features, labels = load_digits(return_X_y=True)
    features = features / 16.0
    recorded = {}
    for run_id, hidden in (("mlp_small_digits", (32, 16)), ("mlp_tiny_digits", (16,))):
        model = MLPClassifier(hidden_layer_sizes=hidden, learning_rate_init=0.01, random_state=0)
        with open_run(
            runs_dir, run_id, arch_name=run_id.removesuffix("_digits"), dataset="digits",
            num_steps=60, measurement_interval=2,
        ) as run:
            for epoch in range(60):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    model.partial_fit(features, labels, classes=np.arange(10))
                if epoch % 2 == 0:
                    weights = {f"layer.{i}": w for i, w in enumerate(model.coefs_)}
                    run.log(epoch, model.loss_, weights)
            run.close(final_accuracy=model.score(features, labels))
        recorded[run_id] = run.measurements
    return recorded


def test_recorded_runs_build(tmp_path: Path) -> None:
    runs_dir = tmp_path / "runs"
    recorded = train_digits_runs(runs_dir)
    warehouse = build_warehouse(tmp_path / "dbt", runs_dir)

    runs = query(
        warehouse,
        "select run_id, arch_family, dataset, n_measurements, n_layers, is_analyzed "
        "from runs order by run_id",
    )
    assert runs == [
        ("mlp_small_digits", "mlp", "digits", 30, 3, True),
        ("mlp_tiny_digits", "mlp", "digits", 30, 2, True),
    ]
    assert query(warehouse, "select count(*) from load_issues") == [(0,)]
    for run_id, measurements in recorded.items():
        stored = query(
            warehouse,
            "select step, layer, metric, value from metric_values where run_id = ? "
            "order by measurement_index, layer_position, metric",
            [run_id],
        )
        expected = sorted(
            (m["step"], layer, metric, value)
            for m in measurements
            for layer, values in m["layer_metrics"].items()
            for metric, value in values.items()
        )
        assert sorted(stored) == expected  # bit for bit
        losses = query(
            warehouse, "select loss from losses where run_id = ? order by step", [run_id]
        )
        assert [row[0] for row in losses] == [m["loss"] for m in measurements]
    # Every analysis ran on them.
    assert query(warehouse, "select count(distinct run_id) from critical_periods") == [(2,)]
    assert query(warehouse, "select count(distinct run_id) from layer_stabilization") == [(2,)]
