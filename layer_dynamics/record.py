"""Record a training run in the ndt run format, from any training loop.

    from layer_dynamics.record import open_run

    with open_run("runs", "mlp_digits", arch_name="mlp_small", dataset="digits") as run:
        for step in range(300):
            ...  # one training step
            if step % 10 == 0:
                run.log(step, loss, {"fc1": W1, "fc2": W2})  # numpy arrays or tensors

writes `runs/mlp_digits.json`, one run of the format the warehouse loads (see
docs/record.md and docs/tidy-format.md). The file is written whole to a temporary name
beside it and renamed, so a build that runs meanwhile sees the previous complete file or
the new one, never half a file. It is rewritten every `flush_every` measurements and when
the run closes, so a run stopped early still builds.

The four metrics of a layer's matrix A (weights, or activations with one row per example)
are those of the ndt Phase 1 experiments (Javihaus/ndt, experiments/new/phase1*), with
singular values s_1 >= s_2 >= ... of A and eps = 1e-10:

- stable_rank = ||A||_F^2 / (||A||_2^2 + eps), 0 when s_1 < eps
- participation_ratio = (sum_i (s_i + eps))^2 / (sum_i (s_i + eps)^2 + eps)
- effective_rank_90 = 1 + #{k : sum_{i<=k} s_i^2 / sum_i s_i^2 < 0.9}, at most the number
  of singular values; 0 when sum_i s_i^2 < 1e-10
- nuclear_norm_ratio = sum_i s_i / (s_1 + eps), 0 when s_1 < eps

computed in float64 with numpy (the ndt runs used float32 PyTorch, so values of the same
matrix agree to float32 precision). An array with more than two dimensions (e.g. convolution
activations: batch, channels, height, width) is averaged over every dimension after the
second, as the ndt experiments did; reshape weight tensors yourself.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

METRICS = ("stable_rank", "participation_ratio", "effective_rank_90", "nuclear_norm_ratio")
EPS = 1e-10
ENERGY_FRACTION = 0.9


def as_matrix(array: Any) -> np.ndarray:
    """A float64 2-D numpy matrix from a numpy array or any framework's tensor.

    Tensors are converted with `.detach()` (when present), `.cpu()` (when present) and
    `.numpy()`. More than two dimensions are averaged over the dimensions after the second.
    """
    value = array
    for method in ("detach", "cpu"):
        if hasattr(value, method) and not isinstance(value, np.ndarray):
            value = getattr(value, method)()
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    matrix = np.asarray(value, dtype=np.float64)
    if matrix.ndim < 2:
        raise ValueError(f"expected a matrix (2 or more dimensions), got shape {matrix.shape}")
    if matrix.ndim > 2:
        matrix = matrix.reshape(matrix.shape[0], matrix.shape[1], -1).mean(axis=2)
    if matrix.size == 0:
        raise ValueError(f"the matrix is empty (shape {matrix.shape})")
    if not np.isfinite(matrix).all():
        raise ValueError("the matrix holds NaN or infinite values")
    return matrix


def layer_metrics(array: Any) -> dict[str, float]:
    """The four metrics of one layer's matrix (definitions in the module docstring)."""
    matrix = as_matrix(array)
    singular = np.linalg.svd(matrix, compute_uv=False)
    largest = float(singular[0])
    frobenius = float(np.linalg.norm(matrix, "fro"))

    stable_rank = 0.0 if largest < EPS else frobenius**2 / (largest**2 + EPS)

    shifted = singular + EPS
    participation_ratio = float(shifted.sum()) ** 2 / (float((shifted**2).sum()) + EPS)

    energy = singular**2
    total = float(energy.sum())
    if total < EPS:
        effective_rank_90 = 0.0
    else:
        below = int((np.cumsum(energy) / total < ENERGY_FRACTION).sum())
        effective_rank_90 = float(min(below + 1, singular.size))

    nuclear_norm_ratio = 0.0 if largest < EPS else float(singular.sum()) / (largest + EPS)
    return {
        "stable_rank": float(stable_rank),
        "participation_ratio": float(participation_ratio),
        "effective_rank_90": effective_rank_90,
        "nuclear_norm_ratio": float(nuclear_norm_ratio),
    }


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it to `path`."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check_run_id(run_id: str) -> str:
    """The run id, which names the file: no path separator, not empty, not hidden."""
    if not run_id or run_id.strip() != run_id or run_id.startswith("."):
        raise ValueError(f"run id {run_id!r}: must not be empty, start with '.' or a space")
    if any(character in run_id for character in ("/", "\\", "\0")):
        raise ValueError(f"run id {run_id!r}: must not hold '/', '\\' or NUL")
    return run_id


class RunRecorder:
    """One training run being recorded; see `open_run`."""

    def __init__(
        self,
        runs_dir: str | Path,
        run_id: str,
        *,
        arch_name: str | None = None,
        dataset: str | None = None,
        num_steps: int | None = None,
        measurement_interval: int | None = None,
        flush_every: int = 10,
    ) -> None:
        self.path = Path(runs_dir) / f"{check_run_id(run_id)}.json"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.document: dict[str, Any] = {
            "arch_name": arch_name,
            "dataset_name": dataset,
            "num_steps": num_steps,
            "measurement_interval": measurement_interval,
            "final_accuracy": None,
            "elapsed_time": None,
            "measurements": [],
        }
        self.flush_every = max(1, int(flush_every))
        self._layers: tuple[str, ...] | None = None
        self._started = time.perf_counter()

    @property
    def measurements(self) -> list[dict[str, Any]]:
        return self.document["measurements"]

    def log(self, step: int, loss: float | None, layers: Mapping[str, Any]) -> dict[str, Any]:
        """Record one measurement: the step, the loss and each layer's matrix (forward order).

        Returns the measurement as written. Raises ValueError for a step that is not after
        the previous one, layers other than those of the first measurement, or a matrix
        that is not a finite matrix. A loss that is not a finite number is written as null
        (the warehouse then reports the measurement in load_issues).
        """
        step = int(step)
        if self.measurements and step <= self.measurements[-1]["step"]:
            raise ValueError(
                f"step {step} is not after the previous step {self.measurements[-1]['step']}"
            )
        names = tuple(layers)
        if not names:
            raise ValueError(f"step {step}: no layers given")
        if self._layers is None:
            self._layers = names
        elif names != self._layers:
            raise ValueError(
                f"step {step}: layers {list(names)} differ from the first measurement's "
                f"{list(self._layers)} (same layers, same order, every time)"
            )
        metrics = {}
        for name, matrix in layers.items():
            try:
                metrics[name] = layer_metrics(matrix)
            except ValueError as error:
                raise ValueError(f"step {step}, layer {name!r}: {error}") from None
        loss_value = None if loss is None else float(loss)
        measurement = {
            "step": step,
            "loss": loss_value if loss_value is not None and math.isfinite(loss_value) else None,
            "layer_metrics": metrics,
        }
        self.measurements.append(measurement)
        if len(self.measurements) % self.flush_every == 0:
            self.flush()
        return measurement

    def flush(self) -> Path:
        """Write the run as it stands (atomically); returns the file's path."""
        self.document["elapsed_time"] = time.perf_counter() - self._started
        # Attributes not known are left out (the warehouse reads a given null as invalid).
        document = {key: value for key, value in self.document.items() if value is not None}
        write_atomically(self.path, json.dumps(document, allow_nan=False) + "\n")
        return self.path

    def close(self, final_accuracy: float | None = None) -> Path:
        """Write the finished run; `final_accuracy` is recorded when given."""
        if final_accuracy is not None:
            self.document["final_accuracy"] = float(final_accuracy)
        return self.flush()


@contextmanager
def open_run(
    runs_dir: str | Path,
    run_id: str,
    *,
    arch_name: str | None = None,
    dataset: str | None = None,
    num_steps: int | None = None,
    measurement_interval: int | None = None,
    flush_every: int = 10,
) -> Iterator[RunRecorder]:
    """Record a run into `runs_dir`/`run_id`.json; the file is complete when the block ends.

    `arch_name` names the architecture (its part before the first `_` is the family the
    warehouse groups by, e.g. `mlp_small` -> `mlp`); `num_steps` is the planned number of
    training steps (the phase of a jump is step / num_steps; when None the warehouse takes
    the last step). Call `run.close(final_accuracy=...)` inside the block to record the
    final accuracy; otherwise it is null.
    """
    recorder = RunRecorder(
        runs_dir,
        run_id,
        arch_name=arch_name,
        dataset=dataset,
        num_steps=num_steps,
        measurement_interval=measurement_interval,
        flush_every=flush_every,
    )
    try:
        yield recorder
    finally:
        recorder.flush()
