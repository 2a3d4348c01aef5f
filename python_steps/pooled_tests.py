"""Pooled tests: is a per-run effect real over many runs, even where no single run shows it?

Stouffer's method on the per-run one-sided z-scores (independent runs): Z = sum(z) / sqrt(k),
p = norm.sf(Z); beside it the count of runs whose figure is above its chance level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from python_steps.multiple_testing import bh_q_values, stouffer

# (test name, z-score column, excess column of critical_periods)
POOLED_TESTS = (
    ("loss_coupling_stratified", "loss_coupling_stratified_z", "loss_coupling_excess"),
    ("max_coordination_timing", "max_coordination_timing_z", "max_coordination_timing_excess"),
    (
        "coordinated_periods_timing",
        "coordinated_periods_timing_z",
        "coordinated_periods_timing_excess",
    ),
)
POOLED_COLUMNS = [
    "test",
    "metric",
    "arch_family",
    "n_runs",
    "n_runs_above_chance",
    "mean_excess",
    "stouffer_z",
    "p_value",
    "q_value",
]
ALL_FAMILIES = "all"


def pooled_tests(critical_periods: pd.DataFrame) -> pd.DataFrame:
    """One row per test, metric and family (`all` = every run); q-values over all rows.

    The runs are taken in (run_id, metric) order, whatever order the rows come in: a float
    sum's last bits depend on the order of its terms, and a table's storage order differs
    between builds and engines."""
    critical_periods = critical_periods.sort_values(["run_id", "metric"], kind="stable")
    rows = []
    scopes = [(ALL_FAMILIES, critical_periods)] + [
        (str(family), group)
        for family, group in critical_periods.groupby("arch_family", sort=True, dropna=False)
    ]
    for test, z_column, excess_column in POOLED_TESTS:
        for family, runs in scopes:
            for metric, group in runs.groupby("metric", sort=True):
                z_scores = group[z_column].astype("float64").to_numpy()
                excess = group[excess_column].astype("float64").to_numpy()
                combined, p_value = stouffer(z_scores)
                rows.append(
                    {
                        "test": test,
                        "metric": metric,
                        "arch_family": family,
                        "n_runs": int(np.count_nonzero(~np.isnan(z_scores))),
                        "n_runs_above_chance": int(np.count_nonzero(excess > 0)),
                        "mean_excess": (
                            float(np.nanmean(excess)) if np.any(~np.isnan(excess)) else np.nan
                        ),
                        "stouffer_z": combined,
                        "p_value": p_value,
                    }
                )
    frame = pd.DataFrame(rows, columns=POOLED_COLUMNS[:-1])
    frame["q_value"] = bh_q_values(frame["p_value"].to_numpy(dtype="float64"))
    return frame
