"""Convergence order (METHODS.md 1.1): Spearman's rho between layer depth and stabilization."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd
from scipy.stats import spearmanr

UNPARSED_DEPTH = 999
CONVERGENCE_COLUMNS = [
    "run_id",
    "metric",
    "spearman_rho",
    "p_value",
    "pattern",
    "n_stabilized_layers",
    "n_layers",
    "convergence_status",
]
# Why the pattern is (or is not) a finding; see convergence_status().
CONVERGENCE_STATUSES = (
    "determined",
    "rho_undefined",
    "too_few_stabilized_layers",
    "run_too_short",
)
MIN_STABILIZED_LAYERS = 3


@dataclass(frozen=True)
class PatternThresholds:
    """Cut-offs of the pattern rule (METHODS.md defaults)."""

    rho: float = 0.6
    simultaneous_rho: float = 0.3
    p_value: float = 0.05


def reference_layer_depth(layer: str) -> int:
    """The report's depth parser: the integer after the last '.', else all digits, else 999.

    `network.10` -> 10; `fc`, `input_proj`, `transformer.layers.0.linear1` -> 999.
    """
    if "." in layer:
        last_part = layer.rsplit(".", 1)[1]
        return int(last_part) if re.fullmatch(r"\d+", last_part) else UNPARSED_DEPTH
    digits = "".join(character for character in layer if character.isdigit())
    return int(digits) if digits else UNPARSED_DEPTH


def spearman(depths: list[float], indices: list[float]) -> tuple[float | None, float | None]:
    """Spearman's rho and two-sided p-value; (None, None) when either side is constant."""
    if len(set(depths)) < 2 or len(set(indices)) < 2:
        return None, None
    result = spearmanr(depths, indices)
    rho, p_value = float(result.statistic), float(result.pvalue)
    if math.isnan(rho):
        return None, None
    return rho, p_value


def classify_pattern(
    rho: float | None, p_value: float | None, thresholds: PatternThresholds
) -> str:
    """bottom-up / top-down / simultaneous / unclear (an undefined rho is unclear)."""
    if rho is None or p_value is None:
        return "unclear"
    if rho > thresholds.rho and p_value < thresholds.p_value:
        return "bottom-up"
    if rho < -thresholds.rho and p_value < thresholds.p_value:
        return "top-down"
    if abs(rho) < thresholds.simultaneous_rho:
        return "simultaneous"
    return "unclear"


def convergence_status(
    n_stabilized: int, n_undetermined: int, n_layers: int, rho: float | None
) -> str:
    """`run_too_short` when no layer's series is long enough for one stabilization window
    (the pattern is then not a finding, whatever the mode reports); `too_few_stabilized_layers`
    below 3; `rho_undefined` when depth or index is constant; else `determined`."""
    if n_layers > 0 and n_undetermined == n_layers:
        return "run_too_short"
    if n_stabilized < MIN_STABILIZED_LAYERS:
        return "too_few_stabilized_layers"
    if rho is None:
        return "rho_undefined"
    return "determined"


def convergence_for_run(
    layers: pd.DataFrame, mode: str, thresholds: PatternThresholds
) -> dict[str, object]:
    """One run and metric: `layers` has layer, layer_position, stabilization_index and
    stabilization_status (`undetermined` when the series is shorter than the window)."""
    stabilized = layers[layers["stabilization_index"].notna()]
    n_undetermined = int((layers["stabilization_status"] == "undetermined").sum())
    if mode == "reference":
        depths = [float(reference_layer_depth(name)) for name in stabilized["layer"]]
    else:
        depths = [float(position) for position in stabilized["layer_position"]]
    indices = [float(index) for index in stabilized["stabilization_index"]]
    if len(stabilized) < MIN_STABILIZED_LAYERS:
        if mode == "reference":
            rho, p_value = 0.0, 1.0
            pattern = classify_pattern(rho, p_value, thresholds)
        else:
            rho, p_value, pattern = None, None, "undetermined"
    else:
        rho, p_value = spearman(depths, indices)
        pattern = classify_pattern(rho, p_value, thresholds)
    return {
        "spearman_rho": rho,
        "p_value": p_value,
        "pattern": pattern,
        "n_stabilized_layers": len(stabilized),
        "n_layers": len(layers),
        "convergence_status": convergence_status(len(stabilized), n_undetermined, len(layers), rho),
    }


def convergence_order(
    layer_stabilization: pd.DataFrame, mode: str, thresholds: PatternThresholds
) -> pd.DataFrame:
    """One row per run and metric from one row per run, metric and layer."""
    rows = [
        {"run_id": run_id, "metric": metric, **convergence_for_run(layers, mode, thresholds)}
        for (run_id, metric), layers in layer_stabilization.groupby(["run_id", "metric"], sort=True)
    ]
    frame = pd.DataFrame(rows, columns=CONVERGENCE_COLUMNS)
    return frame.astype(
        {
            "spearman_rho": "float64",
            "p_value": "float64",
            "n_stabilized_layers": "int64",
            "n_layers": "int64",
        }
    )
