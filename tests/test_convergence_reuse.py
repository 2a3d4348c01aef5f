"""The convergence step reuses the results of runs whose input did not change.

int_convergence_order is a cross-run step (its q-values use every run), but each run and
metric's rho, p-value and pattern depend only on that run's layers and the settings:
python_steps.convergence.convergence_order takes earlier results keyed by the hash of their
input and recomputes only the others, then the q-values over all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt

from python_steps.convergence import (
    CONVERGENCE_COLUMNS,
    RESULT_INPUT_HASH,
    PatternThresholds,
    convergence_order,
)

THRESHOLDS = PatternThresholds()
SALT = "corrected|settings"


def layer_rows(n_runs: int, seed: int = 0) -> pd.DataFrame:
    """Runs of 4 to 11 layers (exact and permutation p-values), two metrics each; the
    even runs stabilize nearly in layer order (small p-values), the odd ones at random."""
    generator = np.random.default_rng(seed)
    rows = []
    for run in range(n_runs):
        n_layers = 4 + run % 8
        for metric in ("stable_rank", "participation_ratio"):
            order = np.arange(n_layers) if run % 2 == 0 else generator.permutation(n_layers)
            indices = order * 10.0 + generator.normal(size=n_layers)
            for position in range(n_layers):
                rows.append(
                    {
                        "run_id": f"run_{run:03d}",
                        "metric": metric,
                        "layer": f"layers.{position}",
                        "layer_position": position,
                        "stabilization_index": indices[position],
                        "stabilization_status": "stabilized",
                    }
                )
    return pd.DataFrame(rows)


def test_the_results_do_not_depend_on_the_order_of_the_rows() -> None:
    layers = layer_rows(12)
    shuffled = layers.sample(frac=1.0, random_state=3).reset_index(drop=True)
    pdt.assert_frame_equal(
        convergence_order(layers, "corrected", THRESHOLDS, salt=SALT),
        convergence_order(shuffled, "corrected", THRESHOLDS, salt=SALT),
    )


def test_unchanged_runs_keep_their_stored_results_and_q_values_are_recomputed() -> None:
    layers = layer_rows(12)
    first = convergence_order(layers, "corrected", THRESHOLDS, salt=SALT)
    # Plant a value in every stored result: a reused result keeps it, a recomputed one not.
    stored = first.copy()
    stored["spearman_rho"] = 7.0
    added = layer_rows(13, seed=1).query("run_id == 'run_012'")
    changed = layers["run_id"] == "run_005"
    edited = layers.copy()
    edited.loc[changed, "stabilization_index"] = edited.loc[changed, "stabilization_index"] + 1.0
    current = pd.concat([edited, added], ignore_index=True)

    reused = convergence_order(current, "corrected", THRESHOLDS, reusable=stored, salt=SALT)
    fresh = convergence_order(current, "corrected", THRESHOLDS, salt=SALT)

    recomputed = reused["run_id"].isin(["run_005", "run_012"])
    assert (reused.loc[~recomputed, "spearman_rho"] == 7.0).all()
    planted_back = fresh.assign(spearman_rho=reused["spearman_rho"])
    # Everything else, q-values included (over all 13 runs), as a fresh computation.
    pdt.assert_frame_equal(reused, planted_back)
    # 26 tests now, 24 before: the q-values of the unchanged runs moved.
    assert len(fresh) == 26
    before_and_after = first.merge(reused[~recomputed], on=["run_id", "metric"])
    assert len(before_and_after) == 22
    assert not np.allclose(before_and_after["q_value_x"], before_and_after["q_value_y"])
    assert (reused.loc[recomputed, "spearman_rho"] != 7.0).all()


def test_other_settings_reuse_nothing() -> None:
    layers = layer_rows(6)
    stored = convergence_order(layers, "corrected", THRESHOLDS, salt=SALT).assign(
        spearman_rho=7.0
    )
    other = convergence_order(layers, "corrected", THRESHOLDS, reusable=stored, salt="other")
    assert (other["spearman_rho"] != 7.0).all()
    assert list(other.columns) == [*CONVERGENCE_COLUMNS, RESULT_INPUT_HASH]
