"""Run-level bootstrap intervals for the architecture comparison.

The runs of a family are resampled with replacement (B seeded resamples); each mean is
recomputed on every resample and its 2.5% and 97.5% percentiles are the 95% interval. Jump
means are ratios over the resampled runs' jumps (sum / count), so a run with many jumps
weighs as in the point estimate.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

# Per-run means of architecture_comparison: (output name, critical_periods column).
RUN_MEANS = (
    ("mean_critical_steps", "total_critical_steps"),
    ("mean_transitions", "total_transitions"),
    ("mean_coordination", "mean_coordination"),
    ("mean_max_coordination", "max_coordination"),
    ("mean_loss_correlation", "loss_correlation"),
    ("mean_loss_drop_base_rate", "loss_drop_base_rate"),
    ("mean_max_coordination_null", "max_coordination_null_mean"),
    ("mean_loss_coupled_share", "loss_coupled_share"),
    ("mean_loss_coupling_excess", "loss_coupling_excess"),
    ("mean_max_coordination_timing_excess", "max_coordination_timing_excess"),
)
# Jump means: (output name, per-run sum column); the denominator is n_jumps.
JUMP_MEANS = (("mean_jump_magnitude", "magnitude_sum"), ("mean_jump_speed", "speed_sum"))


def resample_weights(n_runs: int, resamples: int, generator: np.random.Generator) -> np.ndarray:
    """(B, R) how many times each run is drawn in each resample."""
    draws = generator.integers(0, n_runs, size=(resamples, n_runs))
    keys = draws + np.arange(resamples)[:, None] * n_runs
    return np.bincount(keys.ravel(), minlength=resamples * n_runs).reshape(resamples, n_runs)


def percentile_interval(values: np.ndarray) -> tuple[float | None, float | None]:
    """2.5% and 97.5% percentiles of the finite resampled values (None when there are none)."""
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return None, None
    low, high = np.quantile(finite, [0.025, 0.975])
    return float(low), float(high)


def weighted_means(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Mean of each resample, runs with a NULL value left out of that mean."""
    present = ~np.isnan(values)
    totals = weights[:, present] @ values[present]
    counts = weights[:, present].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return totals / counts


def family_intervals(
    runs: pd.DataFrame, jumps: pd.DataFrame, resamples: int, seed: int
) -> pd.DataFrame:
    """One row per family and metric: <mean>_low and <mean>_high for every mean.

    runs: arch_family, metric, run_id and the RUN_MEANS columns (one row per run).
    jumps: run_id, metric, n_jumps, magnitude_sum, speed_sum (one row per run with jumps).
    """
    rows = []
    for (family, metric), group in runs.groupby(["arch_family", "metric"], sort=True, dropna=False):
        group = group.sort_values("run_id", kind="stable")
        family = None if pd.isna(family) else family
        stream = zlib.crc32(f"{family}\x1f{metric}".encode())
        weights = resample_weights(len(group), resamples, np.random.default_rng([seed, stream]))
        row: dict[str, object] = {"arch_family": family, "metric": metric}
        for name, column in RUN_MEANS:
            values = group[column].astype("float64").to_numpy()
            row[f"{name}_low"], row[f"{name}_high"] = percentile_interval(
                weighted_means(weights, values)
            )
        per_run = group[["run_id"]].merge(jumps[jumps["metric"] == metric], on="run_id", how="left")
        counts = per_run["n_jumps"].fillna(0).to_numpy(dtype="float64")
        for name, column in JUMP_MEANS:
            sums = per_run[column].fillna(0).to_numpy(dtype="float64")
            with np.errstate(invalid="ignore", divide="ignore"):
                ratios = (weights @ sums) / (weights @ counts)
            row[f"{name}_low"], row[f"{name}_high"] = percentile_interval(ratios)
        rows.append(row)
    columns = ["arch_family", "metric"] + [
        f"{name}_{side}" for name, _ in RUN_MEANS + JUMP_MEANS for side in ("low", "high")
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({column: "float64" for column in columns[2:]})
