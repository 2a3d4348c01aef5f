"""Coordination null model: what coordination chance alone gives (a circular-shift test).

Each layer's critical flags (on the n - 1 velocity indices) are shifted circularly by an
independent random offset. That keeps every layer's number and clustering of critical steps
but breaks any alignment between layers. Repeating it B times gives the null distribution
of the run's max coordination and number of coordinated periods.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Bump when the computation changes, so incremental builds recompute every run.
NULL_MODEL_VERSION = "1"

NULL_MODEL_COLUMNS = [
    "run_id",
    "metric",
    "n_permutations",
    "observed_max_coordination",
    "observed_coordinated_periods",
    "max_coordination_null_mean",
    "max_coordination_p_value",
    "coordinated_periods_null_mean",
    "coordinated_periods_p_value",
]


@dataclass(frozen=True)
class NullModelSettings:
    permutations: int = 200
    seed: int = 42
    coordinated_threshold: float = 0.5


def shift_offsets(
    run_id: str, metric: str, n_layers: int, n_velocity_indices: int, settings: NullModelSettings
) -> np.ndarray:
    """(B, m) offsets, reproducible from the seed, the run and the metric alone."""
    stream = zlib.crc32(f"{run_id}\x1f{metric}".encode())
    generator = np.random.default_rng([settings.seed, stream])
    return generator.integers(0, n_velocity_indices, size=(settings.permutations, n_layers))


def shifted_coordination(
    layer_indices: np.ndarray,
    series_indices: np.ndarray,
    n_layers: int,
    n_velocity_indices: int,
    offsets: np.ndarray,
) -> np.ndarray:
    """(B, n - 1) share of layers critical at each index after shifting each layer."""
    n_permutations = offsets.shape[0]
    shifted = (series_indices[None, :] + offsets[:, layer_indices]) % n_velocity_indices
    keys = shifted + np.arange(n_permutations)[:, None] * n_velocity_indices
    counts = np.bincount(keys.ravel(), minlength=n_permutations * n_velocity_indices)
    return counts.reshape(n_permutations, n_velocity_indices) / n_layers


def permutation_p_value(null_values: np.ndarray, observed: float) -> float:
    """(1 + #{null >= observed}) / (1 + B): never 0, exact under the permutation null."""
    return float((1 + np.count_nonzero(null_values >= observed)) / (1 + len(null_values)))


def null_model_for_run(
    run_id: str,
    metric: str,
    cells: pd.DataFrame,
    n_layers: int,
    n_measurements: int,
    settings: NullModelSettings,
) -> dict[str, object]:
    """One run and metric. `cells`: layer_index (0..m-1), series_index of critical steps."""
    n_velocity_indices = max(n_measurements - 1, 1)
    layer_indices = cells["layer_index"].to_numpy(dtype=np.int64)
    series_indices = cells["series_index"].to_numpy(dtype=np.int64)
    no_shift = np.zeros((1, n_layers), dtype=np.int64)
    observed = shifted_coordination(
        layer_indices, series_indices, n_layers, n_velocity_indices, no_shift
    )[0]
    offsets = shift_offsets(run_id, metric, n_layers, n_velocity_indices, settings)
    null = shifted_coordination(
        layer_indices, series_indices, n_layers, n_velocity_indices, offsets
    )
    # Shares computed and compared exactly as the SQL computes c_i >= threshold.
    null_max = null.max(axis=1)
    null_periods = (null >= settings.coordinated_threshold).sum(axis=1)
    observed_max = float(observed.max())
    observed_periods = int((observed >= settings.coordinated_threshold).sum())
    return {
        "run_id": run_id,
        "metric": metric,
        "n_permutations": settings.permutations,
        "observed_max_coordination": observed_max,
        "observed_coordinated_periods": observed_periods,
        "max_coordination_null_mean": float(null_max.mean()),
        "max_coordination_p_value": permutation_p_value(null_max, observed_max),
        "coordinated_periods_null_mean": float(null_periods.mean()),
        "coordinated_periods_p_value": permutation_p_value(null_periods, observed_periods),
    }


def null_models(
    shapes: pd.DataFrame, cells: pd.DataFrame, settings: NullModelSettings
) -> pd.DataFrame:
    """One row per run and metric.

    shapes: run_id, metric, n_layers, n_measurements. cells: run_id, metric, layer_index,
    series_index, one row per critical (layer, index).
    """
    cells_by_run = {key: group for key, group in cells.groupby(["run_id", "metric"], sort=False)}
    empty = cells.iloc[0:0]
    rows = [
        null_model_for_run(
            shape.run_id,
            shape.metric,
            cells_by_run.get((shape.run_id, shape.metric), empty),
            int(shape.n_layers),
            int(shape.n_measurements),
            settings,
        )
        for shape in shapes.itertuples(index=False)
    ]
    return pd.DataFrame(rows, columns=NULL_MODEL_COLUMNS)
