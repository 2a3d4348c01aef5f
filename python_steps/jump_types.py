"""Jump typing (METHODS.md 1.2).

Reference: k-means on standardized (phase, magnitude, speed), k = min(5, floor(J/10) + 1).
Corrected: those features are skewed (magnitude's skew ~10), collinear (speed vs magnitude
r ~ 0.85) and mostly encode each layer's scale, so the types would mostly be layers. The
corrected features are phase, log of the jump's z-score (its size relative to its own
layer's velocities) and log of speed / magnitude (how much of a longer move the jump is);
they are standardized (decorrelated by construction), k is the best silhouette between 2
and the cap, and each type is described by its members' medians in original units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_samples, silhouette_score
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


CORRECTED_FEATURES = ["phase", "log_z_score", "log_speed_ratio"]
# Silhouettes are computed on a seeded sample of at most this many jumps (O(J^2) otherwise).
SILHOUETTE_SAMPLE = 3000


def _positive_log(values: np.ndarray) -> np.ndarray:
    """log(x), zeros lifted to half the smallest positive value (said, not dropped)."""
    positive = values[values > 0]
    floor = positive.min() / 2 if len(positive) else 1.0
    return np.log(np.where(values > 0, values, floor))


def corrected_features(jumps: pd.DataFrame) -> np.ndarray:
    """(J, 3) standardized corrected features.

    Decorrelated by construction rather than by whitening: the z-score carries the size and
    speed / magnitude the shape, where raw speed and magnitude both carried the size
    (whitening would also blow a pure-noise direction up to the weight of a real one).
    """
    magnitude = jumps["magnitude"].to_numpy(dtype=np.float64)
    speed = jumps["speed"].to_numpy(dtype=np.float64)
    raw = np.column_stack(
        [
            jumps["phase"].to_numpy(dtype=np.float64),
            _positive_log(jumps["velocity_z_score"].to_numpy(dtype=np.float64)),
            _positive_log(speed) - _positive_log(magnitude),
        ]
    )
    return StandardScaler().fit_transform(raw)


def silhouette_sample(n_jumps: int, seed: int) -> np.ndarray:
    """Indices of the jumps the silhouettes are computed on: all, or a seeded sample."""
    if n_jumps <= SILHOUETTE_SAMPLE:
        return np.arange(n_jumps)
    return np.random.default_rng(seed).choice(n_jumps, SILHOUETTE_SAMPLE, replace=False)


def choose_types(features: np.ndarray, max_k: int, seed: int) -> tuple[np.ndarray, float | None]:
    """(labels, silhouette) of k-means with k in 2 .. max_k of the best silhouette.

    Fewer than 3 distinct points, or max_k < 2: one type, silhouette NULL.
    """
    n_distinct = len(np.unique(features, axis=0)) if len(features) else 0
    ks = [k for k in range(2, max_k + 1) if k < n_distinct]
    if not ks:
        return np.zeros(len(features), dtype=np.int64), None
    sample = silhouette_sample(len(features), seed)
    best: tuple[float, np.ndarray] | None = None
    with threadpool_limits(limits=1, user_api="openmp"):
        for k in ks:
            labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(features)
            if len(np.unique(labels[sample])) < 2:
                continue
            score = float(silhouette_score(features[sample], labels[sample]))
            if best is None or score > best[0]:
                best = (score, labels)
    if best is None:
        return np.zeros(len(features), dtype=np.int64), None
    return best[1].astype(np.int64), best[0]


def type_jumps_corrected(jumps: pd.DataFrame, max_k: int = 5, seed: int = 42) -> pd.DataFrame:
    """KEY_COLUMNS + jump_type, n_types, metric_silhouette and the jump's own silhouette
    (NULL when the jump is not in the silhouette sample), corrected typing per metric."""
    typed = []
    for _metric, metric_jumps in jumps.groupby("metric", sort=True):
        ordered = metric_jumps.sort_values(
            ["run_id", "layer", "measurement_index"], kind="stable"
        ).reset_index(drop=True)
        features = corrected_features(ordered)
        labels, silhouette = choose_types(features, max_k, seed)
        own = np.full(len(ordered), np.nan)
        if silhouette is not None:
            sample = silhouette_sample(len(ordered), seed)
            own[sample] = silhouette_samples(features[sample], labels[sample])
        typed.append(
            ordered[KEY_COLUMNS].assign(
                jump_type=labels,
                n_types=int(labels.max()) + 1,
                metric_silhouette=np.nan if silhouette is None else silhouette,
                silhouette=own,
            )
        )
    if not typed:
        return type_jumps(jumps, max_k, seed).assign(
            n_types=pd.Series(dtype="int64"),
            metric_silhouette=pd.Series(dtype="float64"),
            silhouette=pd.Series(dtype="float64"),
        )
    return pd.concat(typed, ignore_index=True)


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
