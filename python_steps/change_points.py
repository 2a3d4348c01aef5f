"""Change points of a layer's velocity series: penalised optimal partitioning (PELT).

The signal is the layer's velocity ``v_i = x_{i+1} - x_i`` (i = 0 .. n-2), centred on its
median and divided by its robust scale (1.4826 MAD, or 1.2533 mean absolute deviation when
the MAD is 0, as the robust jump detector), so one penalty fits every metric and layer.
The cost is "l2" (a change in the mean velocity): a step in the level is a one-measurement
segment (change points at i and i+1), a change of slope a longer one.

``ruptures.KernelCPD(kernel="linear")`` is used: it solves exactly the penalised "l2"
problem of ``ruptures.Pelt(model="l2")`` (same change points; a test checks it) in C,
about 1,000 times faster. A change point at velocity index b (the first index of a new
segment) is reported at measurement_index b; its size is the mean velocity of the new
segment minus that of the previous one (metric units per measurement).
"""

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import ruptures

MIN_SIZE = 1
SERIES_KEYS = ["run_id", "metric", "layer"]
OUTPUT_COLUMNS = ["run_id", "metric", "layer", "measurement_index", "step", "size"]


@dataclass(frozen=True)
class ChangePoint:
    """One change point: velocity index b and the change of mean velocity there."""

    index: int
    size: float


def robust_scale(v: np.ndarray, median: float | None = None) -> float:
    """1.4826 MAD of v about its median, or 1.2533 mean absolute deviation if the MAD is 0."""
    deviations = np.abs(v - (np.median(v) if median is None else median))
    mad = 1.4826 * float(np.median(deviations))
    return mad if mad > 0 else 1.2533 * float(np.mean(deviations))


def standardized(v: np.ndarray) -> np.ndarray | None:
    """(v - median) / robust scale, or None when v cannot be segmented (constant, short)."""
    v = np.asarray(v, dtype=float)
    if len(v) < 2 * MIN_SIZE or not np.all(np.isfinite(v)):
        return None
    median = np.median(v)
    scale = robust_scale(v, median)
    if not scale > 0:
        return None
    return (v - median) / scale


def breakpoints(signal: np.ndarray, penalties: Sequence[float]) -> list[list[int]]:
    """For each penalty, the start indices of the segments after the first."""
    algo = ruptures.KernelCPD(kernel="linear", min_size=MIN_SIZE, jump=1)
    algo.fit(signal.reshape(-1, 1))
    return [algo.predict(pen=float(penalty))[:-1] for penalty in penalties]


def change_points(v: np.ndarray, penalty: float) -> list[ChangePoint]:
    """The change points of one velocity series at `penalty` (none if it cannot be segmented)."""
    v = np.asarray(v, dtype=float)
    signal = standardized(v)
    if signal is None:
        return []
    bkps = breakpoints(signal, [penalty])[0]
    bounds = [0, *bkps, len(v)]
    # Each segment's mean once (every inner segment is "new" once and "previous" once).
    means = [float(v[start:end].mean()) for start, end in itertools.pairwise(bounds)]
    return [ChangePoint(b, means[k + 1] - means[k]) for k, b in enumerate(bkps)]


def layer_arrays(
    frame: pd.DataFrame,
) -> Iterable[tuple[tuple[str, str, str], np.ndarray, np.ndarray, np.ndarray]]:
    """Each layer series in order: (run_id, metric, layer), measurement indices, steps and
    velocities (the last, NULL, dropped). Cut from sorted arrays (a pandas groupby costs
    more than the detection)."""
    ordered = frame.dropna(subset=["velocity"]).sort_values([*SERIES_KEYS, "measurement_index"])
    keys = [ordered[key].to_numpy(dtype=object) for key in SERIES_KEYS]
    indices = ordered["measurement_index"].to_numpy()
    steps = ordered["step"].to_numpy()
    velocities = ordered["velocity"].to_numpy(dtype=float)
    if not len(ordered):
        return
    changed = np.zeros(len(ordered) - 1, dtype=bool)
    for key in keys:
        changed |= key[1:] != key[:-1]
    bounds = [0, *(np.flatnonzero(changed) + 1).tolist(), len(ordered)]
    for start, end in itertools.pairwise(bounds):
        key = (keys[0][start], keys[1][start], keys[2][start])
        yield key, indices[start:end], steps[start:end], velocities[start:end]


def detect(frame: pd.DataFrame, penalty: float) -> pd.DataFrame:
    """Change points of every layer series in `frame`.

    frame: run_id, metric, layer, measurement_index, step, velocity (one row per measurement).
    Returns OUTPUT_COLUMNS, one row per change point.
    """
    rows = []
    for (run_id, metric, layer), indices, steps, velocities in layer_arrays(frame):
        for point in change_points(velocities, penalty):
            rows.append(
                (
                    run_id,
                    metric,
                    layer,
                    int(indices[point.index]),
                    int(steps[point.index]),
                    point.size,
                )
            )
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)


def detect_over_penalties(frame: pd.DataFrame, penalties: Sequence[float]) -> pd.DataFrame:
    """Change points of every layer series at every penalty (for calibration and the ROC).

    Returns penalty, run_id, metric, layer, measurement_index.
    """
    rows = []
    for (run_id, metric, layer), indices, _, velocities in layer_arrays(frame):
        signal = standardized(velocities)
        if signal is None:
            continue
        for penalty, bkps in zip(penalties, breakpoints(signal, penalties), strict=True):
            rows += [(float(penalty), run_id, metric, layer, int(indices[b])) for b in bkps]
    return pd.DataFrame(rows, columns=["penalty", "run_id", "metric", "layer", "measurement_index"])


def penalty_grid(low: float = 1.0, high: float = 1000.0, per_decade: int = 12) -> list[float]:
    """Geometric penalty grid from `low` to `high`, `per_decade` values per factor 10."""
    count = round(float(np.log10(high / low)) * per_decade) + 1
    return [round(float(p), 6) for p in np.geomspace(low, high, count)]


def calibrated_penalty(
    false_positives_per_1000: Mapping[float, float], budget: float
) -> float | None:
    """The smallest penalty at which this and every larger penalty stay within `budget`.

    None when even the largest penalty exceeds the budget.
    """
    chosen = None
    for penalty in sorted(false_positives_per_1000, reverse=True):
        if false_positives_per_1000[penalty] > budget:
            break
        chosen = penalty
    return chosen


def calibration_table(
    detections: pd.DataFrame,
    opportunities: Mapping[str, int],
    roles: Mapping[str, str],
    penalties: Sequence[float],
    budget: float,
) -> pd.DataFrame:
    """False positives per 1,000 layer-velocities of each penalty on the null fixtures.

    detections: penalty, run_id (change points on null fixtures, all false positives);
    opportunities: run_id -> number of layer velocities; roles: run_id -> `calibration` or
    `holdout` (null fixtures only). The calibrated penalty is chosen on the calibration
    fixtures alone; the holdout column says how it does on a fixture it never saw.
    Returns penalty, calibration_false_positives_per_1000, holdout_false_positives_per_1000,
    is_calibrated (one row per penalty).
    """
    rates = {}
    for role in ("calibration", "holdout"):
        runs = [run_id for run_id, r in roles.items() if r == role]
        total = sum(opportunities.get(run_id, 0) for run_id in runs)
        if total == 0:
            raise ValueError(f"no {role} null fixture with layer velocities to calibrate on")
        counts = detections[detections["run_id"].isin(runs)].groupby("penalty").size()
        rates[role] = {p: 1000.0 * float(counts.get(p, 0)) / total for p in penalties}
    chosen = calibrated_penalty(rates["calibration"], budget)
    return pd.DataFrame(
        {
            "penalty": [float(p) for p in penalties],
            "calibration_false_positives_per_1000": [rates["calibration"][p] for p in penalties],
            "holdout_false_positives_per_1000": [rates["holdout"][p] for p in penalties],
            "is_calibrated": [p == chosen for p in penalties],
        }
    )
