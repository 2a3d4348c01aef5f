"""False-positive rates on simulated null runs with the real runs' texture.

Layers independent of each other and of the loss, with AR(1) heavy-tailed velocities, a
shared early transient and a loss that falls more often early (python_steps.null_simulation).
Every per-run test that decides "beyond chance" must reject about 5% of these at 0.05.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from python_steps.multiple_testing import bh_q_values
from python_steps.null_model import NullModelSettings
from python_steps.null_simulation import (
    NullRunTexture,
    null_run_document,
    null_run_p_values,
    simulate_null_run,
)
from tests.conftest import build_warehouse, query

N_RUNS = 1000
# The tests the marts use for "beyond chance", q-values and is_strong.
DECIDING_TESTS = (
    "max_coordination_timing_p_value",
    "coordinated_periods_timing_p_value",
    "loss_coupling_stratified_p_value",
)


def simulate(texture: NullRunTexture, seed: int) -> pd.DataFrame:
    generator = np.random.default_rng(seed)
    settings = NullModelSettings(permutations=400, timing_window=1)
    return pd.DataFrame(
        [
            null_run_p_values(generator, f"null_{index}", texture, settings, n_strata=20)
            for index in range(N_RUNS)
        ]
    )


@pytest.fixture(scope="module")
def null_runs() -> pd.DataFrame:
    return simulate(NullRunTexture(), seed=2026)


def test_the_simulated_runs_have_the_real_runs_texture() -> None:
    """About a third of the critical steps in the first 10% of training (real: 34%), and
    the loss falls more often early than late (real: 58% vs 51%)."""
    generator = np.random.default_rng(0)
    early_share, early_falls, late_falls = [], [], []
    for _ in range(200):
        values, loss = simulate_null_run(generator)
        speeds = np.abs(np.diff(values, axis=1))
        critical = speeds > np.quantile(speeds, 0.9, axis=1, keepdims=True)
        tenth = critical.shape[1] // 10
        early_share.append(critical[:, :tenth].sum() / critical.sum())
        falls = np.diff(loss) < 0
        early_falls.append(falls[:tenth].mean())
        late_falls.append(falls[len(falls) // 2 :].mean())
    assert 0.25 < np.mean(early_share) < 0.45
    assert np.mean(early_falls) > np.mean(late_falls) + 0.03


@pytest.mark.parametrize("test", DECIDING_TESTS)
def test_false_positive_rate_is_nominal(null_runs: pd.DataFrame, test: str) -> None:
    rate = float((null_runs[test] < 0.05).mean())
    assert 0.03 <= rate <= 0.07, (test, rate)


@pytest.mark.parametrize("test", DECIDING_TESTS)
def test_no_q_value_below_five_percent_on_null_runs(null_runs: pd.DataFrame, test: str) -> None:
    q_values = bh_q_values(null_runs[test].to_numpy(dtype=float))
    assert np.nanmin(q_values) >= 0.05, test


def test_at_most_five_percent_of_null_runs_are_strong(null_runs: pd.DataFrame) -> None:
    """Corrected mode's rule, applied over the family of null runs."""
    coordination_q = bh_q_values(null_runs["max_coordination_timing_p_value"].to_numpy(float))
    coupling_q = bh_q_values(null_runs["loss_coupling_stratified_p_value"].to_numpy(float))
    strong = (
        (coordination_q < 0.05)
        & (null_runs["max_coordination_timing_excess"].to_numpy() > 0)
        & (coupling_q < 0.05)
        & (null_runs["loss_coupling_excess"].to_numpy() > 0)
    )
    assert strong.mean() <= 0.05


def test_the_naive_tests_fail_on_null_runs(null_runs: pd.DataFrame) -> None:
    """Why the circular null and the global base rate do not decide anything: the circular
    shift spreads the early burst over the run, so shared timing reads as coordination."""
    assert (null_runs["max_coordination_p_value"] < 0.05).mean() > 0.2
    assert (null_runs["coordinated_periods_p_value"] < 0.05).mean() > 0.5


def write_null_runs(folder: Path, n_runs: int, seed: int) -> None:
    folder.mkdir(parents=True)
    generator = np.random.default_rng(seed)
    texture = NullRunTexture(n_measurements=120, n_layers=6)
    for index in range(n_runs):
        family = ("mlp", "cnn", "transformer")[index % 3]
        document = null_run_document(generator, f"{family}_null{index}", texture)
        (folder / f"{family}_null{index}_synthetic.json").write_text(json.dumps(document))


@pytest.fixture(scope="module")
def null_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runs = tmp_path_factory.mktemp("null_runs") / "runs"
    write_null_runs(runs, 9, seed=11)
    return build_warehouse(tmp_path_factory.mktemp("null_warehouse"), runs)


def test_a_build_on_null_runs_finds_nothing_beyond_chance(null_warehouse: Path) -> None:
    rows = query(
        null_warehouse,
        "select count(*), count(*) filter (where is_strong),"
        " count(*) filter (where is_strong_report),"
        " min(max_coordination_timing_q_value), min(coordinated_periods_timing_q_value),"
        " min(loss_coupling_stratified_q_value),"
        " count(*) filter (where max_coordination_timing_p_value is not null"
        "   and max_coordination_timing_q_value is null)"
        " from critical_periods",
    )[0]
    n_rows, n_strong, n_strong_report, *min_q_values, missing_q = rows
    assert n_rows == 36
    assert n_strong == 0
    # The report's rule calls most of them strong.
    assert n_strong_report > 18
    assert min(min_q_values) >= 0.05
    assert missing_q == 0
    assert query(null_warehouse, "select count(*) from phase2_candidates") == [(0,)]
    pooled = query(
        null_warehouse,
        "select count(*), min(q_value) from pooled_tests where arch_family = 'all'",
    )[0]
    assert pooled[0] == 12 and pooled[1] >= 0.05
