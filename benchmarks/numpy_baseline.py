"""Independent per-file numpy implementation of the Phase 1 analysis.

This module re-implements every definition of ``/work/shared/spec/METHODS.md`` directly in
numpy (plus scipy for Spearman's rho and scikit-learn for the k-means jump types), one run
file at a time. It serves two purposes:

1. the speed baseline the dbt + DuckDB warehouse is benchmarked against, and
2. an independent oracle whose tables the tests compare with the SQL marts.

Both analysis modes are supported:

- ``reference`` reproduces the Phase 1 report exactly, quirks included;
- ``corrected`` applies the fixes marked **[corrected]** in METHODS.md.

Array layout: for one run and one metric the series of all layers are held in a
C-contiguous ``(m, n)`` array (one row per layer, in file order). Every reduction runs
along the last axis, so each row is reduced exactly as the 1-D series would be
(same summation order, hence the same floating-point round-off as a per-layer loop).

Readings of METHODS.md taken literally (the places where a choice had to be made):

- Fewer than 3 stabilized layers, reference mode: rho = 0, p = 1, and the pattern is
  derived from those numbers like any other, so it is ``simultaneous`` (|0| < 0.3).
  Corrected mode: rho and p NULL (NaN here), pattern ``undetermined``.
- At least 3 stabilized layers but a constant depth or stabilization index: rho and p
  NULL, pattern ``unclear`` (both modes). In reference mode every transformer layer has
  depth 999, so every transformer run is ``unclear`` whatever its indices.
- ``step_coordination`` has all n rows per run and metric, the last one with 0 critical
  layers (c_{n-1} = 0, counted in mean_coordination).
- ``runs.num_steps`` is the file's value (None if absent); ``phase_denominator`` is N.
- Every layer must carry every metric in every measurement (SOURCE.md guarantees it).

CLI::

    python benchmarks/numpy_baseline.py RUNS_DIR [--mode reference|corrected] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy import stats
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

MODES: tuple[str, ...] = ("reference", "corrected")

# 1.1 Stabilization and convergence order
WINDOW = 20
STABILITY_FRACTION = 0.10
MIN_STABILIZED_LAYERS = 3
NO_DEPTH = 999
# 1.2 Jumps
Z_THRESHOLD = 2.0
EARLY_PHASE = 0.33
MID_PHASE = 0.67
MAX_JUMP_TYPES = 5
KMEANS_SEED = 42
KMEANS_N_INIT = 10
# 1.3 Critical periods
CRITICAL_PERCENTILE = 90.0
COORDINATED = 0.5
STRONG_COORDINATION = 0.3
STRONG_LOSS_CORRELATION = 0.3

# Output tables and their columns. Nullable integers use pandas' Int64; undefined floats
# (spearman_rho, p_value) are NaN.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "runs": (
        "run_id",
        "arch_name",
        "arch_family",
        "dataset",
        "num_steps",
        "phase_denominator",
        "n_measurements",
        "n_layers",
    ),
    "layer_stabilization": (
        "run_id",
        "metric",
        "layer",
        "layer_position",
        "depth",
        "stabilization_index",
        "stabilization_step",
    ),
    "convergence_order": (
        "run_id",
        "metric",
        "spearman_rho",
        "p_value",
        "pattern",
        "n_stabilized_layers",
        "n_layers",
    ),
    "jumps": (
        "run_id",
        "metric",
        "layer",
        "layer_position",
        "measurement_index",
        "step",
        "velocity",
        "z_score",
        "magnitude",
        "speed",
        "direction",
        "phase",
        "phase_category",
        "jump_type",
    ),
    "critical_periods": (
        "run_id",
        "metric",
        "total_critical_steps",
        "total_transitions",
        "num_coordinated_periods",
        "max_coordination",
        "mean_coordination",
        "loss_correlation",
        "is_strong",
    ),
    "step_coordination": (
        "run_id",
        "metric",
        "measurement_index",
        "step",
        "n_critical_layers",
        "coordination",
    ),
}
TABLES: tuple[str, ...] = tuple(TABLE_COLUMNS)


# --------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")


def run_metrics(run: dict[str, Any]) -> list[str]:
    """All metric names found in a run's layer_metrics, sorted."""
    names: set[str] = set()
    for measurement in run["measurements"]:
        for values in measurement["layer_metrics"].values():
            names.update(values)
    return sorted(names)


def run_layers(run: dict[str, Any]) -> list[str]:
    """Layer names in file (forward) order, taken from the first measurement."""
    measurements = run["measurements"]
    return list(measurements[0]["layer_metrics"]) if measurements else []


def phase_denominator(run: dict[str, Any], steps: np.ndarray) -> float:
    """N: the run's num_steps, or the last measurement's step when num_steps is absent."""
    num_steps = run.get("num_steps")
    if num_steps is not None:
        return float(num_steps)
    return float(steps[-1])


def metric_matrices(
    run: dict[str, Any], layers: Sequence[str], metrics: Sequence[str]
) -> dict[str, np.ndarray]:
    """One C-contiguous (m layers, n measurements) float array per metric."""
    pick = itemgetter(*metrics)  # a tuple of K values (a scalar when K == 1)
    cube = np.array(
        [[pick(lm[layer]) for layer in layers] for lm in _layer_metrics(run)],
        dtype=np.float64,
    ).reshape(len(run["measurements"]), len(layers), len(metrics))
    # (n, m, K) -> K arrays of shape (m, n), each C-contiguous along time.
    return {metric: np.ascontiguousarray(cube[:, :, k].T) for k, metric in enumerate(metrics)}


def _layer_metrics(run: dict[str, Any]) -> Iterable[dict[str, dict[str, float]]]:
    return (measurement["layer_metrics"] for measurement in run["measurements"])


# --------------------------------------------------------------------------------------
# 1.1 Stabilization and convergence order
# --------------------------------------------------------------------------------------


def stabilization_indices(x: np.ndarray, mode: str) -> np.ndarray:
    """First stable window start per layer (row of x), -1 when none.

    A window x_k .. x_{k+w-1} is stable when var(window) < (f * mu)^2, mu the mean of
    the whole series. Reference examines k = 0 .. n-w-1; corrected k = 0 .. n-w.
    """
    _check_mode(mode)
    m, n = x.shape
    result = np.full(m, -1, dtype=np.int64)
    n_windows = n - WINDOW + (1 if mode == "corrected" else 0)
    if n < WINDOW or n_windows <= 0 or m == 0:
        return result
    mu = x.mean(axis=1)
    window_var = sliding_window_view(x, WINDOW, axis=1)[:, :n_windows, :].var(axis=2)
    stable = window_var < ((STABILITY_FRACTION * mu) ** 2)[:, None]
    found = stable.any(axis=1)
    result[found] = stable.argmax(axis=1)[found]
    return result


def reference_depth(layer: str) -> int:
    """Layer depth as the report parsed it from the name (METHODS.md 1.1, reference).

    With a '.': the integer after the last '.', else 999. Without a '.': the integer
    made of all the name's digits, else 999.
    """
    if "." in layer:
        try:
            return int(layer.rsplit(".", 1)[1])
        except ValueError:
            return NO_DEPTH
    digits = re.sub(r"[^0-9]", "", layer)
    return int(digits) if digits else NO_DEPTH


def layer_depths(layers: Sequence[str], mode: str) -> np.ndarray:
    """Depth used for ordering: parsed from the name (reference) or file position."""
    _check_mode(mode)
    if mode == "reference":
        return np.array([reference_depth(layer) for layer in layers], dtype=np.int64)
    return np.arange(len(layers), dtype=np.int64)


def convergence_pattern(rho: float | None, p_value: float | None) -> str:
    """bottom-up / top-down / simultaneous / unclear from (rho, p); None rho -> unclear."""
    if rho is None or p_value is None or np.isnan(rho):
        return "unclear"
    if rho > 0.6 and p_value < 0.05:
        return "bottom-up"
    if rho < -0.6 and p_value < 0.05:
        return "top-down"
    if abs(rho) < 0.3:
        return "simultaneous"
    return "unclear"


def convergence_order(
    depths: np.ndarray, stab_index: np.ndarray, mode: str
) -> tuple[float | None, float | None, str]:
    """(spearman_rho, p_value, pattern) over the layers that stabilized (index >= 0).

    Fewer than 3 stabilized layers: reference rho = 0, p = 1 and the pattern follows
    from those values (|0| < 0.3, so 'simultaneous'); corrected NULLs and 'undetermined'.
    A constant side (depth or index) leaves rho and p undefined (None) -> 'unclear'.
    """
    _check_mode(mode)
    stabilized = stab_index >= 0
    d, s = depths[stabilized], stab_index[stabilized]
    if d.size < MIN_STABILIZED_LAYERS:
        if mode == "reference":
            return 0.0, 1.0, convergence_pattern(0.0, 1.0)
        return None, None, "undetermined"
    if np.all(d == d[0]) or np.all(s == s[0]):
        return None, None, "unclear"
    result = stats.spearmanr(d, s)
    rho, p_value = float(result.statistic), float(result.pvalue)
    return rho, p_value, convergence_pattern(rho, p_value)


# --------------------------------------------------------------------------------------
# 1.2 Jumps
# --------------------------------------------------------------------------------------


def jump_mask(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mask, z) for velocities v of shape (m, n-1): z_i = |v_i - mean(v)| / std(v) > 2.

    Population std. A layer whose velocity std is 0 has no jumps (its z is NaN).
    """
    if v.shape[1] == 0:
        return np.zeros(v.shape, dtype=bool), np.full(v.shape, np.nan)
    mean = v.mean(axis=1, keepdims=True)
    std = v.std(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(std > 0, np.abs(v - mean) / std, np.nan)
    return (std > 0) & (z > Z_THRESHOLD), z


def jump_speed(x: np.ndarray, layer: np.ndarray, i: np.ndarray) -> np.ndarray:
    """|x_{e-1} - x_b| / (e - b) with b = max(0, i-2), e = min(n, i+3)."""
    n = x.shape[1]
    b = np.maximum(0, i - 2)
    e = np.minimum(n, i + 3)
    return np.abs(x[layer, e - 1] - x[layer, b]) / (e - b)


def phase_category(phase: np.ndarray) -> np.ndarray:
    """early if phase < 0.33, mid if < 0.67, else late."""
    return np.where(phase < EARLY_PHASE, "early", np.where(phase < MID_PHASE, "mid", "late"))


def jump_type_count(n_jumps: int) -> int:
    """k = min(5, floor(J / 10) + 1)."""
    return min(MAX_JUMP_TYPES, n_jumps // 10 + 1)


def cluster_jumps(features: np.ndarray) -> np.ndarray:
    """K-means jump types for already ordered (J, 3) features (phase, magnitude, speed)."""
    n_jumps = features.shape[0]
    if n_jumps == 0:
        return np.empty(0, dtype=np.int64)
    scaled = StandardScaler().fit_transform(features)
    kmeans = KMeans(
        n_clusters=jump_type_count(n_jumps),
        init="k-means++",
        random_state=KMEANS_SEED,
        n_init=KMEANS_N_INIT,
    )
    return kmeans.fit_predict(scaled).astype(np.int64)


def assign_jump_types(jumps: pd.DataFrame) -> pd.Series:
    """Jump type per row of a jumps table covering all runs of the build.

    Per metric, the jumps are ordered by run id, layer name, measurement index
    (byte-wise text order; Python's str order is code-point order, which is UTF-8
    byte order), standardized and clustered.
    """
    labels = pd.Series(pd.NA, index=jumps.index, dtype="Int64")
    for _, group in jumps.groupby("metric", sort=True):
        ordered = group.sort_values(["run_id", "layer", "measurement_index"], kind="mergesort")
        features = ordered[["phase", "magnitude", "speed"]].to_numpy(dtype=np.float64)
        labels.loc[ordered.index] = cluster_jumps(features)
    return labels


# --------------------------------------------------------------------------------------
# 1.3 Critical periods
# --------------------------------------------------------------------------------------


def above_p90(y: np.ndarray) -> np.ndarray:
    """Per row: y > P90(row) (strict; linear interpolation). Empty rows give no hits."""
    if y.shape[1] == 0:
        return np.zeros(y.shape, dtype=bool)
    return y > np.percentile(y, CRITICAL_PERCENTILE, axis=1, keepdims=True)


# --------------------------------------------------------------------------------------
# One run
# --------------------------------------------------------------------------------------


class _Columns:
    """Column-wise accumulator for one output table (numpy arrays, one DataFrame at the end).

    Scalars passed to :meth:`add` are repeated to the row count; a ``(values, valid)``
    tuple makes a nullable integer column.
    """

    def __init__(self) -> None:
        self.parts: dict[str, list[Any]] = {}

    def add(self, n_rows: int, **columns: Any) -> None:
        for name, value in columns.items():
            if isinstance(value, tuple):
                values, valid = value
                part: Any = (np.asarray(values), np.asarray(valid, dtype=bool))
            elif np.ndim(value) == 0:
                part = np.full(n_rows, value, dtype=object if isinstance(value, str) else None)
            else:
                part = np.asarray(value)
            self.parts.setdefault(name, []).append(part)

    def extend(self, other: _Columns) -> None:
        for name, parts in other.parts.items():
            self.parts.setdefault(name, []).extend(parts)

    def frame(self, columns: Sequence[str]) -> pd.DataFrame:
        data: dict[str, Any] = {}
        for name in columns:
            parts = self.parts.get(name, [])
            if parts and isinstance(parts[0], tuple):
                valid = np.concatenate([ok for _, ok in parts])
                values = np.where(valid, np.concatenate([v for v, _ in parts]), 0)
                data[name] = pd.arrays.IntegerArray(values.astype(np.int64), ~valid)
            else:
                data[name] = np.concatenate(parts) if parts else np.empty(0, dtype=object)
        return pd.DataFrame(data)


def _analyze_run_columns(
    run: dict[str, Any],
    run_id: str,
    mode: str,
    metrics: Iterable[str] | None = None,
) -> dict[str, _Columns]:
    """The per-run tables as column accumulators (see :func:`analyze_run`)."""
    _check_mode(mode)
    layers = run_layers(run)
    metric_names = list(metrics) if metrics is not None else run_metrics(run)
    measurements = run["measurements"]
    n, m = len(measurements), len(layers)
    steps = np.array([mm["step"] for mm in measurements])
    loss = np.array([mm["loss"] for mm in measurements], dtype=np.float64)
    big_n = phase_denominator(run, steps) if n else float("nan")
    matrices = metric_matrices(run, layers, metric_names)
    depths = layer_depths(layers, mode)
    positions = np.arange(m, dtype=np.int64)
    layer_names = np.array(layers, dtype=object)
    loss_falls = np.diff(loss) < 0  # u_i < 0, i = 0 .. n-2

    out = {name: _Columns() for name in TABLES}
    arch_name = run.get("arch_name")
    out["runs"].add(
        1,
        run_id=run_id,
        arch_name=arch_name,
        arch_family=arch_name.split("_", 1)[0] if arch_name else None,
        dataset=run.get("dataset_name"),
        num_steps=run.get("num_steps"),
        phase_denominator=big_n,
        n_measurements=n,
        n_layers=m,
    )
    for metric in metric_names:
        x = matrices[metric]

        # 1.1 stabilization and convergence order
        stab = stabilization_indices(x, mode)
        found = stab >= 0
        out["layer_stabilization"].add(
            m,
            run_id=run_id,
            metric=metric,
            layer=layer_names,
            layer_position=positions,
            depth=depths,
            stabilization_index=(stab, found),
            stabilization_step=(steps[np.maximum(stab, 0)] if n else stab, found),
        )
        rho, p_value, pattern = convergence_order(depths, stab, mode)
        out["convergence_order"].add(
            1,
            run_id=run_id,
            metric=metric,
            spearman_rho=np.nan if rho is None else rho,
            p_value=np.nan if p_value is None else p_value,
            pattern=pattern,
            n_stabilized_layers=int(found.sum()),
            n_layers=m,
        )

        # 1.2 jumps
        v = np.diff(x, axis=1)  # (m, n-1)
        mask, z = jump_mask(v)
        layer_idx, i = np.nonzero(mask)  # row-major: by layer position, then i
        vel = v[layer_idx, i]
        phase = ((i if mode == "reference" else steps[i]) / big_n).astype(np.float64)
        out["jumps"].add(
            len(i),
            run_id=run_id,
            metric=metric,
            layer=layer_names[layer_idx],
            layer_position=layer_idx.astype(np.int64),
            measurement_index=i.astype(np.int64),
            step=steps[i],
            velocity=vel,
            z_score=z[layer_idx, i],
            magnitude=np.abs(vel),
            speed=jump_speed(x, layer_idx, i),
            direction=np.where(vel > 0, "increase", "decrease").astype(object),
            phase=phase,
            phase_category=phase_category(phase).astype(object),
            jump_type=(np.zeros(len(i), dtype=np.int64), np.zeros(len(i), dtype=bool)),
        )

        # 1.3 critical periods, coordination, loss coupling
        critical = above_p90(np.abs(v))  # (m, n-1)
        transitions = above_p90(np.abs(np.diff(v, axis=1)))  # (m, n-2)
        n_critical_layers = np.zeros(n, dtype=np.int64)  # c_{n-1} stays 0
        n_critical_layers[: max(n - 1, 0)] = critical.sum(axis=0)
        coordination = n_critical_layers / m if m else np.zeros(n)
        critical_per_layer = critical.sum(axis=1)
        drops_per_layer = (critical & loss_falls[None, :]).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            drop_fraction = np.where(
                critical_per_layer > 0, drops_per_layer / critical_per_layer, 0.0
            )
        max_coordination = float(coordination.max()) if n else np.nan
        loss_correlation = float(drop_fraction.mean()) if m else np.nan
        out["critical_periods"].add(
            1,
            run_id=run_id,
            metric=metric,
            total_critical_steps=int(critical_per_layer.sum()),
            total_transitions=int(transitions.sum()),
            num_coordinated_periods=int((coordination >= COORDINATED).sum()),
            max_coordination=max_coordination,
            mean_coordination=float(coordination.mean()) if n else np.nan,
            loss_correlation=loss_correlation,
            is_strong=bool(
                max_coordination > STRONG_COORDINATION
                and loss_correlation > STRONG_LOSS_CORRELATION
            ),
        )
        out["step_coordination"].add(
            n,
            run_id=run_id,
            metric=metric,
            measurement_index=np.arange(n, dtype=np.int64),
            step=steps,
            n_critical_layers=n_critical_layers,
            coordination=coordination.astype(np.float64),
        )
    return out


def analyze_run(
    run: dict[str, Any],
    run_id: str,
    mode: str,
    metrics: Iterable[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """All tables for one parsed run file, keyed as :data:`TABLES`.

    ``jump_type`` is not assigned here: the k-means jump types need every run of the
    build (see :func:`analyze_folder` / :func:`assign_jump_types`).
    """
    columns = _analyze_run_columns(run, run_id, mode, metrics)
    return {name: columns[name].frame(TABLE_COLUMNS[name]) for name in TABLES}


# --------------------------------------------------------------------------------------
# A folder of runs (the whole build)
# --------------------------------------------------------------------------------------


def run_files(path: str | Path) -> list[Path]:
    """The *.json run files of a folder, in byte-wise file-name order."""
    return sorted(Path(path).glob("*.json"), key=lambda p: p.name.encode())


def analyze_folder(
    path: str | Path, mode: str = "corrected", metrics: Iterable[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Read every run file of ``path`` and return the tables of :data:`TABLES` for the
    whole build.

    ``metrics`` restricts the analysis (default: every metric found in each file). Jump
    types are assigned per metric over all jumps of all runs.
    """
    _check_mode(mode)
    wanted = list(metrics) if metrics is not None else None
    build = {name: _Columns() for name in TABLES}
    for file in run_files(path):
        with open(file, encoding="utf-8") as fh:
            run = json.load(fh)
        for name, cols in _analyze_run_columns(run, file.stem, mode, wanted).items():
            build[name].extend(cols)
    result = {name: build[name].frame(TABLE_COLUMNS[name]) for name in TABLES}
    jumps = result["jumps"]
    jumps["jump_type"] = assign_jump_types(jumps)
    result["jumps"] = jumps.sort_values(
        ["run_id", "metric", "layer", "measurement_index"], kind="mergesort"
    ).reset_index(drop=True)
    return result


# --------------------------------------------------------------------------------------
# Report figures (the METHODS.md reproduction table)
# --------------------------------------------------------------------------------------


def report_figures(tables: dict[str, pd.DataFrame], metric: str = "stable_rank") -> dict:
    """The figures of the METHODS.md reproduction table for one metric."""
    runs = tables["runs"][["run_id", "arch_family"]]
    jumps = tables["jumps"].query("metric == @metric").merge(runs, on="run_id")
    crit = tables["critical_periods"].query("metric == @metric").merge(runs, on="run_id")
    stab = tables["layer_stabilization"].query("metric == @metric")
    conv = tables["convergence_order"].query("metric == @metric")
    by_family = crit.groupby("arch_family")
    strong = crit[crit["is_strong"]].sort_values("loss_correlation", ascending=False)
    return {
        "n_runs": len(crit),
        "jumps": len(jumps),
        "jumps_by_family": jumps.groupby("arch_family").size().to_dict(),
        "runs_with_jumps": int(jumps["run_id"].nunique()),
        "early_share": float((jumps["phase_category"] == "early").mean()) if len(jumps) else 0,
        "jump_types": int(jumps["jump_type"].nunique()),
        "mean_total_critical_steps": float(crit["total_critical_steps"].mean()),
        "mean_total_critical_steps_by_family": by_family["total_critical_steps"].mean().to_dict(),
        "mean_total_transitions": float(crit["total_transitions"].mean()),
        "mean_mean_coordination": float(crit["mean_coordination"].mean()),
        "mean_mean_coordination_by_family": by_family["mean_coordination"].mean().to_dict(),
        "mean_loss_correlation": float(crit["loss_correlation"].mean()),
        "mean_loss_correlation_by_family": by_family["loss_correlation"].mean().to_dict(),
        "strong_runs": int(crit["is_strong"].sum()),
        "not_strong": sorted(crit.loc[~crit["is_strong"], "run_id"]),
        "top_strong": [
            (r.run_id, float(r.loss_correlation), float(r.max_coordination))
            for r in strong.head(3).itertuples()
        ],
        "stabilization_indices": sorted(
            {None if pd.isna(v) else int(v) for v in stab["stabilization_index"]},
            key=lambda v: (v is None, v),
        ),
        "patterns": conv["pattern"].value_counts().to_dict(),
    }


def _print_figures(figures: dict) -> None:
    def fam(d: dict) -> str:
        return ", ".join(f"{k} {v:.3f}" for k, v in sorted(d.items()))

    by_family = ", ".join(f"{k} {v}" for k, v in sorted(figures["jumps_by_family"].items()))
    print(
        f"  jumps {figures['jumps']} ({by_family});"
        f" runs with jumps {figures['runs_with_jumps']}/{figures['n_runs']};"
        f" early {figures['early_share']:.1%}; jump types {figures['jump_types']}"
    )
    print(
        f"  mean total_critical_steps {figures['mean_total_critical_steps']:.1f}"
        f" ({fam(figures['mean_total_critical_steps_by_family'])});"
        f" mean total_transitions {figures['mean_total_transitions']:.1f}"
    )
    print(
        f"  mean mean_coordination {figures['mean_mean_coordination']:.3f}"
        f" ({fam(figures['mean_mean_coordination_by_family'])})"
    )
    print(
        f"  mean loss_correlation {figures['mean_loss_correlation']:.3f}"
        f" ({fam(figures['mean_loss_correlation_by_family'])})"
    )
    top = ", ".join(f"{r} {lc:.3f} (max coord {mc:.2f})" for r, lc, mc in figures["top_strong"])
    print(f"  strong {figures['strong_runs']}/{figures['n_runs']}; top: {top}")
    print(
        f"  stabilization indices {figures['stabilization_indices']};"
        f" patterns {figures['patterns']}"
    )


# --------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Per-file numpy baseline of the Phase 1 analysis (METHODS.md)."
    )
    parser.add_argument("runs_dir", type=Path, help="folder of run JSON files")
    parser.add_argument("--mode", choices=MODES, default="corrected")
    parser.add_argument("--out", type=Path, help="write the tables as CSV into this folder")
    parser.add_argument("--metric", action="append", help="analyse only this metric (repeatable)")
    parser.add_argument("--repeat", type=int, default=1, help="time this many runs")
    args = parser.parse_args(argv)

    if not args.runs_dir.is_dir():
        parser.error(f"{args.runs_dir} is not a folder")
    timings = []
    tables: dict[str, pd.DataFrame] = {}
    for _ in range(max(1, args.repeat)):
        start = time.perf_counter()
        tables = analyze_folder(args.runs_dir, args.mode, args.metric)
        timings.append(time.perf_counter() - start)

    n_runs = len(tables["runs"])
    metrics = sorted(tables["critical_periods"]["metric"].unique()) if n_runs else []
    timing = f"{min(timings):.3f} s" + (
        f" (min of {len(timings)}, median {statistics.median(timings):.3f} s)"
        if len(timings) > 1
        else ""
    )
    print(f"numpy baseline, mode={args.mode}: {n_runs} runs, read + analysis {timing}")
    for metric in metrics:
        print(f"[{metric}]")
        _print_figures(report_figures(tables, metric))
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        for name, frame in tables.items():
            frame.to_csv(args.out / f"{name}.csv", index=False)
        print(f"wrote {len(tables)} tables to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
