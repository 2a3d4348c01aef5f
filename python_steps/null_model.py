"""Coordination null models: what coordination chance alone gives.

Two nulls, each B seeded draws over the n - 1 velocity indices of a run:
- circular: each layer's critical flags are shifted circularly by an independent offset in
  0 .. n - 2. That keeps every layer's number and clustering of critical steps but also
  spreads each layer's early burst over the whole run, so shared timing reads as
  coordination (kept for comparison; it is what the first version reported).
- timing-preserving: each layer is shifted by an independent offset in -w .. w (w =
  `timing_window` measurements). Layers stay where they were in training to within w steps,
  so a shared early transient is in the null as well. Its statistics (max coordination,
  coordinated periods, observed and null alike) are taken over the interior indices
  w .. n - 2 - w, where every shifted layer is defined: nothing wraps around or is made up
  at the ends (the first and last w indices are not tested).

p-values are permutation p-values with randomized ties, (#null > obs + U (1 + #null = obs))
/ (1 + B), U uniform and seeded: exactly uniform under the null although max coordination
and coordinated periods take few values. Resolution 1 / (1 + B).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

# Bump when the computation changes, so incremental builds recompute every run.
NULL_MODEL_VERSION = "2"

NULL_MODEL_COLUMNS = [
    "run_id",
    "metric",
    "n_permutations",
    "timing_window",
    "observed_max_coordination",
    "observed_coordinated_periods",
    "max_coordination_null_mean",
    "max_coordination_p_value",
    "coordinated_periods_null_mean",
    "coordinated_periods_p_value",
    "max_coordination_timing_null_mean",
    "max_coordination_timing_excess",
    "max_coordination_timing_p_value",
    "max_coordination_timing_z",
    "coordinated_periods_timing_null_mean",
    "coordinated_periods_timing_excess",
    "coordinated_periods_timing_p_value",
    "coordinated_periods_timing_z",
]
TIMING_COLUMNS = NULL_MODEL_COLUMNS[-8:]


@dataclass(frozen=True)
class NullModelSettings:
    permutations: int = 2000
    seed: int = 42
    coordinated_threshold: float = 0.5
    timing_window: int = 1


def _generator(run_id: str, metric: str, settings: NullModelSettings, purpose: int):
    stream = zlib.crc32(f"{run_id}\x1f{metric}".encode())
    if purpose == 0:
        # The first version's stream: circular offsets stay what they were for a given B.
        return np.random.default_rng([settings.seed, stream])
    return np.random.default_rng([settings.seed, stream, purpose])


def shift_offsets(
    run_id: str, metric: str, n_layers: int, n_velocity_indices: int, settings: NullModelSettings
) -> np.ndarray:
    """(B, m) circular offsets in 0 .. n - 2, reproducible from the seed, run and metric."""
    generator = _generator(run_id, metric, settings, 0)
    return generator.integers(0, n_velocity_indices, size=(settings.permutations, n_layers))


def timing_offsets(
    run_id: str, metric: str, n_layers: int, settings: NullModelSettings
) -> np.ndarray:
    """(B, m) small offsets in -w .. w (timing-preserving null), seeded like shift_offsets."""
    generator = _generator(run_id, metric, settings, 1)
    window = settings.timing_window
    return generator.integers(-window, window + 1, size=(settings.permutations, n_layers))


def tie_breakers(run_id: str, metric: str, settings: NullModelSettings, count: int) -> np.ndarray:
    """Seeded uniforms U in [0, 1) for the randomized-tie p-values of one run and metric."""
    return _generator(run_id, metric, settings, 2).random(count)


def circular_counts(
    layer_indices: np.ndarray,
    series_indices: np.ndarray,
    n_layers: int,
    n_velocity_indices: int,
    offsets: np.ndarray,
) -> np.ndarray:
    """(B, n - 1) number of layers critical at each index after shifting each layer
    circularly by its offset: y_((s + o) mod n) = x_s.

    Dense and vectorised: each layer's flags are laid out twice, every circular shift is a
    window of that (a view), and the B shifted copies are gathered and added layer by layer.
    """
    n = n_velocity_indices
    flags = np.zeros((n_layers, 2 * n), dtype=np.int16)
    flags[layer_indices, series_indices] = 1
    flags[layer_indices, series_indices + n] = 1
    windows = np.lib.stride_tricks.sliding_window_view(flags, n, axis=1)
    counts = np.zeros((offsets.shape[0], n), dtype=np.int16)
    for layer in range(n_layers):
        counts += windows[layer, (n - offsets[:, layer]) % n]
    return counts


def shifted_coordination(
    layer_indices: np.ndarray,
    series_indices: np.ndarray,
    n_layers: int,
    n_velocity_indices: int,
    offsets: np.ndarray,
) -> np.ndarray:
    """(B, n - 1) share of layers critical at each index after shifting each layer."""
    counts = circular_counts(layer_indices, series_indices, n_layers, n_velocity_indices, offsets)
    return counts / n_layers


def interior_counts(
    layer_indices: np.ndarray,
    series_indices: np.ndarray,
    n_layers: int,
    n_velocity_indices: int,
    offsets: np.ndarray,
    window: int,
) -> np.ndarray:
    """(B, n - 1 - 2w) number of layers critical at each interior index w .. n - 2 - w after
    shifting each layer by its offset (|offset| <= w): y_(s + o) = x_s.

    On the interior every shifted layer is fully defined (t - o stays inside 0 .. n - 2), so
    no cell wraps around or is invented at the ends.
    """
    n_interior = n_velocity_indices - 2 * window
    flags = np.zeros((n_layers, n_velocity_indices), dtype=np.int16)
    flags[layer_indices, series_indices] = 1
    windows = np.lib.stride_tricks.sliding_window_view(flags, n_interior, axis=1)
    counts = np.zeros((offsets.shape[0], n_interior), dtype=np.int16)
    for layer in range(n_layers):
        counts += windows[layer, window - offsets[:, layer]]
    return counts


def interior_shifted_coordination(
    layer_indices: np.ndarray,
    series_indices: np.ndarray,
    n_layers: int,
    n_velocity_indices: int,
    offsets: np.ndarray,
    window: int,
) -> np.ndarray:
    """(B, n - 1 - 2w) share of layers critical at each interior index (interior_counts)."""
    counts = interior_counts(
        layer_indices, series_indices, n_layers, n_velocity_indices, offsets, window
    )
    return counts / n_layers


def permutation_p_value(null_values: np.ndarray, observed: float) -> float:
    """(1 + #{null >= observed}) / (1 + B): never 0, exact under the permutation null."""
    return float((1 + np.count_nonzero(null_values >= observed)) / (1 + len(null_values)))


def randomized_p_value(null_values: np.ndarray, observed: float, tie_breaker: float) -> float:
    """(#{null > obs} + U (1 + #{null = obs})) / (1 + B): uniform under the null, ties or not.

    The observed value counts as one of the B + 1 equally likely draws; U places it at random
    among the draws equal to it. Never 0: at least U / (1 + B).
    """
    greater = np.count_nonzero(null_values > observed)
    equal = np.count_nonzero(null_values == observed)
    return float((greater + tie_breaker * (1 + equal)) / (1 + len(null_values)))


def z_score(p_value: float) -> float:
    """Stouffer's z of a one-sided p-value: norm.isf(p) (p = 0.5 gives 0)."""
    return float(norm.isf(p_value))


def _null_summaries(
    counts: np.ndarray, n_layers: int, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """(max share, coordinated periods) of each draw, from the layer counts.

    A share k / m is compared with the threshold exactly as the SQL compares c_i: the
    smallest k with k / m >= threshold (in floating point) decides.
    """
    k_coordinated = next(
        (k for k in range(n_layers + 1) if k / n_layers >= threshold), n_layers + 1
    )
    return counts.max(axis=1) / n_layers, (counts >= k_coordinated).sum(axis=1)


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

    def coordination(offsets: np.ndarray) -> np.ndarray:
        return circular_counts(layer_indices, series_indices, n_layers, n_velocity_indices, offsets)

    observed = coordination(np.zeros((1, n_layers), dtype=np.int64))[0] / n_layers
    # Shares computed and compared exactly as the SQL computes c_i >= threshold.
    observed_max = float(observed.max())
    observed_periods = int((observed >= settings.coordinated_threshold).sum())
    circular_max, circular_periods = _null_summaries(
        coordination(shift_offsets(run_id, metric, n_layers, n_velocity_indices, settings)),
        n_layers,
        settings.coordinated_threshold,
    )
    window = settings.timing_window
    if n_velocity_indices - 2 * window >= 1:
        timing_max, timing_periods = _null_summaries(
            interior_counts(
                layer_indices,
                series_indices,
                n_layers,
                n_velocity_indices,
                timing_offsets(run_id, metric, n_layers, settings),
                window,
            ),
            n_layers,
            settings.coordinated_threshold,
        )
        interior = observed[window : n_velocity_indices - window]
        interior_max = float(interior.max())
        interior_periods = int((interior >= settings.coordinated_threshold).sum())
        max_tie, periods_tie = tie_breakers(run_id, metric, settings, 2)
        timing_max_p = randomized_p_value(timing_max, interior_max, max_tie)
        timing_periods_p = randomized_p_value(timing_periods, interior_periods, periods_tie)
        timing = {
            "max_coordination_timing_null_mean": float(timing_max.mean()),
            "max_coordination_timing_excess": interior_max - float(timing_max.mean()),
            "max_coordination_timing_p_value": timing_max_p,
            "max_coordination_timing_z": z_score(timing_max_p),
            "coordinated_periods_timing_null_mean": float(timing_periods.mean()),
            "coordinated_periods_timing_excess": interior_periods - float(timing_periods.mean()),
            "coordinated_periods_timing_p_value": timing_periods_p,
            "coordinated_periods_timing_z": z_score(timing_periods_p),
        }
    else:
        # Too short to shift: nothing can be said (NULL), never guessed.
        timing = dict.fromkeys(TIMING_COLUMNS)
    return {
        "run_id": run_id,
        "metric": metric,
        "n_permutations": settings.permutations,
        "timing_window": settings.timing_window,
        "observed_max_coordination": observed_max,
        "observed_coordinated_periods": observed_periods,
        "max_coordination_null_mean": float(circular_max.mean()),
        "max_coordination_p_value": permutation_p_value(circular_max, observed_max),
        "coordinated_periods_null_mean": float(circular_periods.mean()),
        "coordinated_periods_p_value": permutation_p_value(circular_periods, observed_periods),
        **timing,
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
