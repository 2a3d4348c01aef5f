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


def robust_scale(v: np.ndarray) -> float:
    """1.4826 MAD of v about its median, or 1.2533 mean absolute deviation if the MAD is 0."""
    deviations = np.abs(v - np.median(v))
    mad = 1.4826 * float(np.median(deviations))
    return mad if mad > 0 else 1.2533 * float(np.mean(deviations))


def standardized(v: np.ndarray) -> np.ndarray | None:
    """(v - median) / robust scale, or None when v cannot be segmented (constant, short)."""
    v = np.asarray(v, dtype=float)
    if len(v) < 2 * MIN_SIZE or not np.all(np.isfinite(v)):
        return None
    scale = robust_scale(v)
    if not scale > 0:
        return None
    return (v - np.median(v)) / scale


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
    return [
        ChangePoint(b, float(v[b : bounds[k + 2]].mean() - v[bounds[k] : b].mean()))
        for k, b in enumerate(bkps)
    ]


def layer_velocities(frame: pd.DataFrame) -> Iterable[tuple[tuple, pd.DataFrame]]:
    """(run_id, metric, layer), velocities in series order (the last, NULL, dropped)."""
    ordered = frame.dropna(subset=["velocity"]).sort_values([*SERIES_KEYS, "measurement_index"])
    yield from ordered.groupby(SERIES_KEYS, sort=True)


def detect(frame: pd.DataFrame, penalty: float) -> pd.DataFrame:
    """Change points of every layer series in `frame`.

    frame: run_id, metric, layer, measurement_index, step, velocity (one row per measurement).
    Returns OUTPUT_COLUMNS, one row per change point.
    """
    rows = []
    for (run_id, metric, layer), series in layer_velocities(frame):
        indices = series["measurement_index"].to_numpy()
        steps = series["step"].to_numpy()
        for point in change_points(series["velocity"].to_numpy(), penalty):
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
    for (run_id, metric, layer), series in layer_velocities(frame):
        signal = standardized(series["velocity"].to_numpy())
        if signal is None:
            continue
        indices = series["measurement_index"].to_numpy()
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
