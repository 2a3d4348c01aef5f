"""Loss coupling: do the loss's falls coincide with critical steps more than chance?

One statistic for every test: over the velocity indices i = 0 .. n - 2 of a run and metric,
the *coupled share* is the share of critical steps (steps where at least one layer is
critical; each step counted once, layers without critical steps add nothing) at which the
loss falls (u_i < 0). Ties of |v| at the percentile are broken (tie_aware_critical), so an
integer metric's layers flag about the intended share too. Its chance level and p-value
are computed on the same steps:

- stratified (the test the marts use for q-values): training is cut into K equal strata of
  consecutive steps; within a stratum, which steps see the loss fall is taken as exchangeable.
  Given each stratum's counts, the number of falls on critical steps is a sum of independent
  hypergeometric counts, whose exact distribution is a convolution. Its chance level is the
  mean local fall rate over the critical steps, so a burst of critical steps early in training,
  where the loss falls more often, is not counted as coupling.
- circular: the critical steps are shifted circularly against the loss by every offset
  1 .. n - 2 (exact enumeration). Exact for stationary series, but it moves early critical
  steps to late training, so it inherits the timing confound (kept for comparison).

Both p-values are one-sided (more falls than chance) with randomized ties: exactly uniform
under their null however discrete the count.
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import hypergeom, norm

# Bump when the computation changes, so incremental builds recompute every run.
LOSS_COUPLING_VERSION = "2"


@dataclass(frozen=True)
class LossCouplingResult:
    n_steps: int
    n_critical_steps: int
    n_critical_loss_drops: int
    coupled_share: float | None
    local_chance_level: float | None
    stratified_p_value: float | None
    circular_p_value: float | None


def strata(n_steps: int, n_strata: int) -> np.ndarray:
    """Stratum of each step: K blocks of consecutive steps of (nearly) equal length."""
    k = max(1, min(n_strata, n_steps))
    return (np.arange(n_steps) * k) // max(n_steps, 1)


def stratified_null_distribution(
    critical: np.ndarray, drops: np.ndarray, stratum: np.ndarray
) -> tuple[np.ndarray, float]:
    """(pmf of the falls on critical steps under the stratified null, its mean)."""
    pmf = np.ones(1)
    mean = 0.0
    for label in np.unique(stratum):
        inside = stratum == label
        n_inside = int(inside.sum())
        n_drops = int(drops[inside].sum())
        n_critical = int(critical[inside].sum())
        if n_critical == 0:
            continue
        support = np.arange(0, min(n_drops, n_critical) + 1)
        pmf = np.convolve(pmf, hypergeom.pmf(support, n_inside, n_drops, n_critical))
        mean += n_critical * n_drops / n_inside
    return pmf, mean


def randomized_upper_tail(pmf: np.ndarray, observed: int, tie_breaker: float) -> float:
    """P(T > t) + U P(T = t) for the exact null pmf of T on 0, 1, 2, ..."""
    greater = float(pmf[observed + 1 :].sum()) if observed + 1 < len(pmf) else 0.0
    equal = float(pmf[observed]) if observed < len(pmf) else 0.0
    return min(1.0, greater + tie_breaker * equal)


def circular_counts(critical: np.ndarray, drops: np.ndarray) -> np.ndarray:
    """T_k = #{i: critical at (i + k) mod n and the loss falls at i}, every k at once."""
    # A circular cross-correlation, by FFT: O(n log n) instead of an n x n matrix. The
    # counts are whole numbers far below 2^52, so rounding the transform's result is exact.
    n = len(critical)
    spectrum = np.conj(np.fft.rfft(drops.astype(np.float64))) * np.fft.rfft(
        critical.astype(np.float64)
    )
    return np.rint(np.fft.irfft(spectrum, n)).astype(np.int64)


def loss_coupling(
    critical: np.ndarray, drops: np.ndarray, n_strata: int, tie_breakers: tuple[float, float]
) -> LossCouplingResult:
    """Coupled share, local chance level and both p-values of one run and metric.

    critical, drops: booleans over the velocity indices 0 .. n - 2.
    """
    critical = np.asarray(critical, dtype=bool)
    drops = np.asarray(drops, dtype=bool)
    n_steps = len(critical)
    n_critical = int(critical.sum())
    observed = int((critical & drops).sum())
    if n_critical == 0:
        return LossCouplingResult(n_steps, 0, 0, None, None, None, None)
    pmf, mean = stratified_null_distribution(critical, drops, strata(n_steps, n_strata))
    stratified_p = randomized_upper_tail(pmf, observed, tie_breakers[0])
    shifted = circular_counts(critical, drops)[1:]
    circular_p = (
        np.count_nonzero(shifted > observed)
        + tie_breakers[1] * (1 + np.count_nonzero(shifted == observed))
    ) / (1 + len(shifted))
    return LossCouplingResult(
        n_steps=n_steps,
        n_critical_steps=n_critical,
        n_critical_loss_drops=observed,
        coupled_share=observed / n_critical,
        local_chance_level=mean / n_critical,
        stratified_p_value=stratified_p,
        circular_p_value=float(circular_p),
    )


LOSS_COUPLING_COLUMNS = [
    "run_id",
    "metric",
    "n_loss_steps",
    "n_critical_steps",
    "n_critical_loss_drops",
    "n_tie_flagged_layer_steps",
    "loss_coupled_share",
    "loss_coupling_local_chance",
    "loss_coupling_stratified_p_value",
    "loss_coupling_stratified_z",
    "loss_coupling_circular_p_value",
]


def tie_aware_critical(
    speeds: np.ndarray, threshold: float, share: float, generator: np.random.Generator
) -> np.ndarray:
    """Critical flags of one layer that flag about `share` of its steps even with ties.

    |v| > threshold is critical, as METHODS.md says. When many |v| tie at the threshold
    (integer metrics: P90 of |v| is often exactly 1), the strict rule flags far fewer than
    intended; then just enough of the tied steps, chosen at random (seeded), are flagged too
    to reach round(share x steps). Without ties nothing changes.
    """
    flags = speeds > threshold
    tied = np.flatnonzero(speeds == threshold)
    needed = min(len(tied), max(0, round(share * len(speeds)) - int(flags.sum())))
    if needed:
        flags[generator.choice(tied, needed, replace=False)] = True
    return flags


def group_starts(*keys: np.ndarray) -> np.ndarray:
    """Start offsets of the runs of equal keys in sorted arrays, and the end as last."""
    n = len(keys[0])
    changed = np.zeros(max(n - 1, 0), dtype=bool)
    for key in keys:
        changed |= key[1:] != key[:-1]
    return np.concatenate([[0], np.flatnonzero(changed) + 1, [n]]).astype(np.int64)


def critical_steps_with_ties(
    layers: np.ndarray,
    series_indices: np.ndarray,
    speeds: np.ndarray,
    thresholds: np.ndarray,
    share: float,
    seed: int,
    run_id: str,
    metric: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(series indices, any layer critical there, first row of each index, layer-steps added
    by ties) of one run and metric, from its rows sorted by layer and series index."""
    indices, first_rows = np.unique(series_indices, return_index=True)
    any_critical = np.zeros(len(indices), dtype=bool)
    added = 0
    bounds = group_starts(layers)
    for start, end in itertools.pairwise(bounds):
        layer_speeds = speeds[start:end]
        threshold = float(thresholds[start])
        stream = zlib.crc32(f"{run_id}\x1f{metric}\x1f{layers[start]}".encode())
        flags = tie_aware_critical(
            layer_speeds, threshold, share, np.random.default_rng([seed, stream, 4])
        )
        added += int(flags.sum() - (layer_speeds > threshold).sum())
        positions = np.searchsorted(indices, series_indices[start:end])
        any_critical[positions[flags]] = True
    return indices, any_critical, first_rows, added


def loss_couplings(
    layer_steps: pd.DataFrame, n_strata: int, seed: int, critical_share: float
) -> pd.DataFrame:
    """One row per run and metric from one row per run, metric, layer and velocity index.

    layer_steps: run_id, metric, layer, series_index, speed (|v|), threshold (the layer's
    P90 of |v|), is_loss_drop. The p-values' tie-breaking uniforms and the tied steps chosen
    are seeded by the seed, the run, the metric (and the layer) alone. Groups are cut from
    sorted arrays (a pandas groupby per run and layer costs more than the statistics).
    """
    rows = []
    ordered = layer_steps.sort_values(["run_id", "metric", "layer", "series_index"], kind="stable")
    run_ids = ordered["run_id"].to_numpy(dtype=object)
    metrics = ordered["metric"].to_numpy(dtype=object)
    layers = ordered["layer"].to_numpy(dtype=object)
    series_indices = ordered["series_index"].to_numpy(dtype=np.int64)
    speeds = ordered["speed"].to_numpy(dtype=np.float64)
    thresholds = ordered["threshold"].to_numpy(dtype=np.float64)
    loss_drops = ordered["is_loss_drop"].to_numpy(dtype=bool)
    bounds = group_starts(run_ids, metrics) if len(ordered) else np.zeros(1, dtype=np.int64)
    for start, end in itertools.pairwise(bounds):
        run_id, metric = str(run_ids[start]), str(metrics[start])
        _, critical, first_rows, added = critical_steps_with_ties(
            layers[start:end],
            series_indices[start:end],
            speeds[start:end],
            thresholds[start:end],
            critical_share,
            seed,
            run_id,
            metric,
        )
        # The loss's move at each index: the same on every layer's row; the first is read.
        drops = loss_drops[start:end][first_rows]
        stream = zlib.crc32(f"{run_id}\x1f{metric}".encode())
        tie_breakers = np.random.default_rng([seed, stream, 3]).random(2)
        result = loss_coupling(
            critical, drops, n_strata, (float(tie_breakers[0]), float(tie_breakers[1]))
        )
        p_value = result.stratified_p_value
        rows.append(
            {
                "run_id": run_id,
                "metric": metric,
                "n_loss_steps": result.n_steps,
                "n_critical_steps": result.n_critical_steps,
                "n_critical_loss_drops": result.n_critical_loss_drops,
                "n_tie_flagged_layer_steps": added,
                "loss_coupled_share": result.coupled_share,
                "loss_coupling_local_chance": result.local_chance_level,
                "loss_coupling_stratified_p_value": p_value,
                "loss_coupling_stratified_z": None if p_value is None else float(norm.isf(p_value)),
                "loss_coupling_circular_p_value": result.circular_p_value,
            }
        )
    frame = pd.DataFrame(rows, columns=LOSS_COUPLING_COLUMNS)
    return frame.astype({column: "float64" for column in LOSS_COUPLING_COLUMNS[6:]})
