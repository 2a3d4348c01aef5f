"""Multiple testing and pooling: Benjamini-Hochberg q-values and Stouffer's combined z."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm


def bh_q_values(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values over one family; NaN p-values stay NaN and do not count.

    q_(i) = min over j >= i of m p_(j) / j, capped at 1 (m = the non-missing p-values).
    """
    p_values = np.asarray(p_values, dtype=float)
    q_values = np.full(p_values.shape, np.nan)
    present = np.flatnonzero(~np.isnan(p_values))
    if len(present) == 0:
        return q_values
    order = present[np.argsort(p_values[present], kind="stable")]
    m = len(order)
    scaled = p_values[order] * m / np.arange(1, m + 1)
    q_values[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return q_values


def stouffer(z_scores: np.ndarray) -> tuple[float, float]:
    """(combined z, one-sided p) of independent z-scores: sum(z) / sqrt(k), norm.sf(Z)."""
    z_scores = np.asarray(z_scores, dtype=float)
    z_scores = z_scores[~np.isnan(z_scores)]
    if len(z_scores) == 0:
        return float("nan"), float("nan")
    combined = float(z_scores.sum() / np.sqrt(len(z_scores)))
    return combined, float(norm.sf(combined))
