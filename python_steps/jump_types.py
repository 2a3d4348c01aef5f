"""Jump typing (METHODS.md 1.2): k-means on standardized (phase, magnitude, speed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

FEATURES = ["phase", "magnitude", "speed"]
KEY_COLUMNS = ["run_id", "metric", "layer", "measurement_index"]


def number_of_types(n_jumps: int, max_k: int) -> int:
    """k = min(max_k, floor(J / 10) + 1)."""
    return min(max_k, n_jumps // 10 + 1)


def type_jumps_of_metric(jumps: pd.DataFrame, max_k: int, seed: int) -> np.ndarray:
    """Cluster labels for one metric's jumps, in the order given."""
    features = StandardScaler().fit_transform(jumps[FEATURES].to_numpy(dtype=np.float64))
    k = number_of_types(len(jumps), max_k)
    model = KMeans(n_clusters=k, init="k-means++", n_init=10, random_state=seed)
    # One OpenMP thread: on 2 cores beside DuckDB, more threads spin-wait and run ~20x slower.
    with threadpool_limits(limits=1, user_api="openmp"):
        return model.fit_predict(features)


def type_jumps(jumps: pd.DataFrame, max_k: int = 5, seed: int = 42) -> pd.DataFrame:
    """Jump type per jump: KEY_COLUMNS + jump_type, clustering each metric separately.

    Jumps enter k-means ordered by run id, layer name and measurement index in plain
    byte-wise text order, as the report's scripts did: the initialisation depends on it.
    """
    typed = []
    for _metric, metric_jumps in jumps.groupby("metric", sort=True):
        ordered = metric_jumps.assign(
            _run_key=metric_jumps["run_id"].map(lambda text: text.encode("utf-8")),
            _layer_key=metric_jumps["layer"].map(lambda text: text.encode("utf-8")),
        ).sort_values(["_run_key", "_layer_key", "measurement_index"], kind="stable")
        labels = type_jumps_of_metric(ordered, max_k, seed)
        typed.append(ordered[KEY_COLUMNS].assign(jump_type=labels.astype("int64")))
    if not typed:
        return pd.DataFrame(
            {
                **{c: pd.Series(dtype="string") for c in KEY_COLUMNS[:3]},
                "measurement_index": pd.Series(dtype="int64"),
                "jump_type": pd.Series(dtype="int64"),
            }
        )
    return pd.concat(typed, ignore_index=True)
