"""Convergence order (METHODS.md 1.1): Spearman's rho between layer depth and stabilization."""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata, spearmanr

from python_steps.multiple_testing import bh_q_values

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
    "p_value_method",
    "min_attainable_p_value",
    "q_value",
]
# Why the pattern is (or is not) a finding; see convergence_status().
CONVERGENCE_STATUSES = (
    "determined",
    "rho_undefined",
    "too_few_stabilized_layers",
    "too_few_layers_for_significance",
    "run_too_short",
)
# Each run and metric's result depends only on its own layers and the settings: the hash of
# those (RESULT_INPUT_HASH) lets a build reuse the results of runs that did not change.
RESULT_INPUT_HASH = "result_input_hash"
LAYER_INPUT_COLUMNS = [
    "run_id",
    "metric",
    "layer",
    "layer_position",
    "stabilization_index",
    "stabilization_status",
]
MIN_STABILIZED_LAYERS = 3
# Exact enumeration of all m! orderings up to this many layers (8! = 40,320), seeded
# random permutations beyond.
MAX_ENUMERATED_LAYERS = 8
SPEARMAN_PERMUTATIONS = 20_000


@dataclass(frozen=True)
class PatternThresholds:
    """Cut-offs of the pattern rule (METHODS.md defaults)."""

    rho: float = 0.6
    simultaneous_rho: float = 0.3
    p_value: float = 0.05
    seed: int = 42


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


def _rank_correlations(depth_ranks: np.ndarray, index_rank_rows: np.ndarray) -> np.ndarray:
    """Pearson correlation of the depth ranks with each row of permuted index ranks."""
    depth_centered = depth_ranks - depth_ranks.mean()
    rows_centered = index_rank_rows - index_rank_rows.mean(axis=1, keepdims=True)
    numerator = rows_centered @ depth_centered
    denominator = np.sqrt((rows_centered**2).sum(axis=1) * (depth_centered**2).sum())
    return numerator / denominator


def exact_spearman(
    depths: list[float], indices: list[float], seed_key: str, seed: int = 42
) -> tuple[float | None, float | None, str | None, float | None]:
    """(rho, two-sided permutation p, method, smallest attainable p) of Spearman's rho.

    The null is every ordering of the stabilization indices against the depths equally
    likely. Up to MAX_ENUMERATED_LAYERS layers every ordering is enumerated (exact); beyond,
    SPEARMAN_PERMUTATIONS seeded random orderings, p = (1 + #extreme) / (1 + B). Ties keep
    their average ranks. The smallest attainable p is what a perfect ordering would get: when
    it is not below the threshold, no data could show a pattern.
    """
    if len(set(depths)) < 2 or len(set(indices)) < 2:
        return None, None, None, None
    depth_ranks = rankdata(depths)
    index_ranks = rankdata(indices)
    rho = float(_rank_correlations(depth_ranks, index_ranks[None, :])[0])
    m = len(depths)
    if m <= MAX_ENUMERATED_LAYERS:
        orderings = np.array(list(itertools.permutations(range(m))))
        method = "exact"
    else:
        generator = np.random.default_rng([seed, zlib.crc32(seed_key.encode())])
        orderings = generator.permuted(np.tile(np.arange(m), (SPEARMAN_PERMUTATIONS, 1)), axis=1)
        method = "permutation"
    null = np.abs(_rank_correlations(depth_ranks, index_ranks[orderings]))
    tolerance = 1e-12
    extreme = np.count_nonzero(null >= abs(rho) - tolerance)
    most_extreme = np.count_nonzero(null >= null.max() - tolerance)
    if method == "exact":
        return rho, float(extreme / len(null)), method, float(most_extreme / len(null))
    return rho, float((1 + extreme) / (1 + len(null))), method, 1 / (1 + len(null))


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
    layers: pd.DataFrame, mode: str, thresholds: PatternThresholds, seed_key: str = ""
) -> dict[str, object]:
    """One run and metric: `layers` has layer, layer_position, stabilization_index and
    stabilization_status (`undetermined` when the series is shorter than the window).

    Reference mode: scipy's t-approximation p-value, as the report. Corrected mode: the
    exact permutation p-value, and `undetermined` when even a perfect ordering of these
    layers could not reach the p-value threshold (fewer than 3 stabilized layers included).
    """
    stabilized = layers[layers["stabilization_index"].notna()]
    n_undetermined = int((layers["stabilization_status"] == "undetermined").sum())
    if mode == "reference":
        depths = [float(reference_layer_depth(name)) for name in stabilized["layer"]]
    else:
        depths = [float(position) for position in stabilized["layer_position"]]
    indices = [float(index) for index in stabilized["stabilization_index"]]
    method, min_p_value = None, None
    if len(stabilized) < MIN_STABILIZED_LAYERS:
        if mode == "reference":
            rho, p_value = 0.0, 1.0
            pattern = classify_pattern(rho, p_value, thresholds)
        else:
            rho, p_value, pattern = None, None, "undetermined"
    elif mode == "reference":
        rho, p_value = spearman(depths, indices)
        method = None if p_value is None else "t-approximation"
        pattern = classify_pattern(rho, p_value, thresholds)
    else:
        rho, p_value, method, min_p_value = exact_spearman(
            depths, indices, seed_key, thresholds.seed
        )
        if min_p_value is not None and min_p_value >= thresholds.p_value:
            pattern = "undetermined"
        else:
            pattern = classify_pattern(rho, p_value, thresholds)
    status = convergence_status(len(stabilized), n_undetermined, len(layers), rho)
    if status == "determined" and pattern == "undetermined":
        status = "too_few_layers_for_significance"
    return {
        "spearman_rho": rho,
        "p_value": p_value,
        "pattern": pattern,
        "n_stabilized_layers": len(stabilized),
        "n_layers": len(layers),
        "convergence_status": status,
        "p_value_method": method,
        "min_attainable_p_value": min_p_value,
    }


def result_input_hashes(layer_stabilization: pd.DataFrame, salt: str) -> pd.Series:
    """Per row of `layer_stabilization` sorted by run, metric and layer position: the hash of
    its run and metric's layer rows (LAYER_INPUT_COLUMNS, in layer order) and `salt` (the
    settings and the code version), the same for every row of a group."""
    rows = layer_stabilization[LAYER_INPUT_COLUMNS]
    row_hashes = pd.util.hash_pandas_object(rows, index=False).to_numpy()
    group_keys = list(zip(rows["run_id"], rows["metric"], strict=True))
    hashes: list[str] = []
    start = 0
    for end in range(1, len(group_keys) + 1):
        if end == len(group_keys) or group_keys[end] != group_keys[start]:
            digest = hashlib.md5(salt.encode() + row_hashes[start:end].tobytes()).hexdigest()
            hashes.extend([digest] * (end - start))
            start = end
    return pd.Series(hashes, index=layer_stabilization.index, dtype="object")


def convergence_order(
    layer_stabilization: pd.DataFrame,
    mode: str,
    thresholds: PatternThresholds,
    reusable: pd.DataFrame | None = None,
    salt: str = "",
) -> pd.DataFrame:
    """One row per run and metric from one row per run, metric and layer, with the hash of
    its input (RESULT_INPUT_HASH, see result_input_hashes; `salt` holds the settings).

    `reusable`: earlier results with their RESULT_INPUT_HASH; a run and metric whose hash is
    among them takes that result instead of recomputing it (the same numbers: a result
    depends only on its own layers and the settings). The q-values are always recomputed,
    over every run and metric.
    """
    layers = layer_stabilization.sort_values(
        ["run_id", "metric", "layer_position", "layer"], kind="stable", ignore_index=True
    )
    layers[RESULT_INPUT_HASH] = result_input_hashes(layers, salt)
    earlier = {}
    if reusable is not None and len(reusable):
        earlier = {
            row[RESULT_INPUT_HASH]: row
            for row in reusable[[RESULT_INPUT_HASH, *CONVERGENCE_COLUMNS[2:-1]]].to_dict("records")
        }
    rows = []
    for (run_id, metric), group in layers.groupby(["run_id", "metric"], sort=True):
        input_hash = group[RESULT_INPUT_HASH].iat[0]
        result = earlier.get(input_hash)
        if result is None:
            result = convergence_for_run(group, mode, thresholds, f"{run_id}\x1f{metric}")
        rows.append({**result, "run_id": run_id, "metric": metric, RESULT_INPUT_HASH: input_hash})
    frame = pd.DataFrame(rows, columns=[*CONVERGENCE_COLUMNS, RESULT_INPUT_HASH])
    # One family: every run x metric with a p-value.
    frame["q_value"] = bh_q_values(frame["p_value"].astype("float64").to_numpy())
    return frame.astype(
        {
            "spearman_rho": "float64",
            "p_value": "float64",
            "n_stabilized_layers": "int64",
            "n_layers": "int64",
            "min_attainable_p_value": "float64",
            "q_value": "float64",
        }
    )
