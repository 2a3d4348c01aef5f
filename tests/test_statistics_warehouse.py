"""The corrected statistics in a real build of the 55 Phase 1 runs: every p-value has its
q-value, the figures agree with direct recomputations, reference mode keeps the report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from python_steps.bootstrap import JUMP_MEANS, RUN_MEANS
from python_steps.multiple_testing import bh_q_values
from tests.conftest import query

P_VALUE_COLUMNS = [
    "max_coordination_p_value",
    "coordinated_periods_p_value",
    "max_coordination_timing_p_value",
    "coordinated_periods_timing_p_value",
    "loss_coupling_p_value",
    "loss_coupling_stratified_p_value",
    "loss_coupling_circular_p_value",
]


def frame(warehouse: Path, sql: str) -> pd.DataFrame:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql).df()


def test_every_p_value_has_its_bh_q_value(shared_corrected_warehouse: Path) -> None:
    periods = frame(shared_corrected_warehouse, "select * from critical_periods")
    assert len(periods) == 220
    for column in P_VALUE_COLUMNS:
        q_column = column.replace("_p_value", "_q_value")
        p_values = periods[column].astype(float).to_numpy()
        q_values = periods[q_column].astype(float).to_numpy()
        assert (np.isnan(p_values) == np.isnan(q_values)).all(), column
        np.testing.assert_allclose(q_values, bh_q_values(p_values), rtol=1e-12, err_msg=column)
        assert (q_values[~np.isnan(q_values)] >= p_values[~np.isnan(p_values)] - 1e-15).all()
    convergence = frame(shared_corrected_warehouse, "select * from convergence_order")
    np.testing.assert_allclose(
        convergence["q_value"].astype(float), bh_q_values(convergence["p_value"].astype(float))
    )


def test_no_loss_coupling_survives_multiple_testing_but_the_pooled_test_does(
    shared_corrected_warehouse: Path,
) -> None:
    """The review's finding, kept in place: per run nothing, pooled a small real effect."""
    (n_raw, n_q) = query(
        shared_corrected_warehouse,
        "select count(*) filter (where loss_coupling_p_value < 0.05),"
        " count(*) filter (where loss_coupling_q_value < 0.05) from critical_periods",
    )[0]
    assert n_raw > 10 and n_q == 0
    pooled = frame(
        shared_corrected_warehouse,
        "select * from pooled_tests"
        " where arch_family = 'all' and test = 'loss_coupling_stratified'",
    ).set_index("metric")
    assert pooled.loc["participation_ratio", "q_value"] < 1e-4
    assert pooled.loc["participation_ratio", "n_runs_above_chance"] > 40
    # stable_rank is round-off: the negative control is not beyond chance.
    assert pooled.loc["stable_rank", "q_value"] > 0.05


def test_pooled_z_is_stouffer_of_the_runs(shared_corrected_warehouse: Path) -> None:
    periods = frame(
        shared_corrected_warehouse,
        "select metric, loss_coupling_stratified_p_value as p, loss_coupling_stratified_z as z"
        " from critical_periods",
    )
    np.testing.assert_allclose(periods["z"], norm.isf(periods["p"]), rtol=1e-9)
    pooled = frame(
        shared_corrected_warehouse,
        "select metric, stouffer_z from pooled_tests"
        " where arch_family = 'all' and test = 'loss_coupling_stratified'",
    ).set_index("metric")["stouffer_z"]
    expected = periods.groupby("metric")["z"].sum() / np.sqrt(periods.groupby("metric").size())
    np.testing.assert_allclose(pooled.sort_index(), expected.sort_index(), rtol=1e-12)


def test_loss_coupling_is_one_statistic_on_the_same_steps(
    shared_corrected_warehouse: Path,
) -> None:
    run_id, metric = "mlp_narrow_mnist", "participation_ratio"
    steps = frame(
        shared_corrected_warehouse,
        "select series_index, n_critical_layers > 0 as critical, loss_velocity < 0 as drop"
        f" from int_step_coordination where run_id = '{run_id}' and metric = '{metric}'"
        " and loss_velocity is not null order by series_index",
    )
    row = frame(
        shared_corrected_warehouse,
        f"select * from critical_periods where run_id = '{run_id}' and metric = '{metric}'",
    ).iloc[0]
    critical = steps["critical"].to_numpy()
    drops = steps["drop"].to_numpy()
    assert row["n_critical_union_steps"] == critical.sum()
    assert row["loss_coupled_share"] == pytest.approx((critical & drops).sum() / critical.sum())
    # Local chance by hand: 20 strata of consecutive steps.
    stratum = (np.arange(len(steps)) * 20) // len(steps)
    local = np.array([drops[stratum == s].mean() for s in stratum])
    assert row["loss_coupling_local_chance"] == pytest.approx(local[critical].mean())
    # The exact stratified p-value against a brute-force permutation within strata.
    rng = np.random.default_rng(0)
    observed = int((critical & drops).sum())
    counts = []
    for _ in range(4000):
        shuffled = drops.copy()
        for s in range(20):
            inside = np.flatnonzero(stratum == s)
            shuffled[inside] = rng.permutation(drops[inside])
        counts.append(int((critical & shuffled).sum()))
    counts = np.array(counts)
    greater, at_least = (counts > observed).mean(), (counts >= observed).mean()
    assert greater - 0.02 <= row["loss_coupling_stratified_p_value"] <= at_least + 0.02


def test_strong_runs_are_decided_on_q_values(
    shared_corrected_warehouse: Path, shared_reference_warehouse: Path
) -> None:
    for warehouse in (shared_corrected_warehouse, shared_reference_warehouse):
        assert query(
            warehouse,
            "select count(*) from critical_periods where is_strong_report !="
            " (max_coordination > 0.3 and loss_correlation > 0.3)",
        ) == [(0,)]
    assert query(
        shared_reference_warehouse,
        "select count(*) from critical_periods where is_strong != is_strong_report",
    ) == [(0,)]
    report_strong, strong, wrongly_strong = query(
        shared_corrected_warehouse,
        "select count(*) filter (where is_strong_report), count(*) filter (where is_strong),"
        " count(*) filter (where is_strong and not (max_coordination_timing_q_value < 0.05"
        "   and loss_coupling_stratified_q_value < 0.05))"
        " from critical_periods",
    )[0]
    assert report_strong == 202
    assert strong == 0 and wrongly_strong == 0
    assert query(shared_corrected_warehouse, "select count(*) from phase2_candidates") == [(0,)]
    assert query(shared_reference_warehouse, "select count(*) from phase2_candidates")[0][0] == 202


def test_convergence_patterns_need_an_attainable_p_value(shared_corrected_warehouse: Path) -> None:
    rows = frame(shared_corrected_warehouse, "select * from convergence_order")
    determined = rows[rows["pattern"].isin(["bottom-up", "top-down"])]
    assert (determined["p_value"] < 0.05).all()
    assert (determined["n_stabilized_layers"] >= 5).all()
    unreachable = rows["min_attainable_p_value"] >= 0.05
    assert (rows.loc[unreachable, "pattern"] == "undetermined").all()
    assert set(rows["p_value_method"].dropna()) <= {"exact", "permutation"}
    # 3 layers in perfect order: exact p = 1/3 where the t-approximation said 0.
    three = rows[(rows["n_stabilized_layers"] == 3) & (rows["spearman_rho"].abs() == 1.0)]
    assert not three.empty
    np.testing.assert_allclose(three["p_value"].astype(float), 1 / 3)


def test_architecture_comparison_has_an_interval_for_every_mean(
    shared_corrected_warehouse: Path,
) -> None:
    rows = frame(shared_corrected_warehouse, "select * from architecture_comparison")
    assert len(rows) == 12
    for name, _ in RUN_MEANS + JUMP_MEANS:
        low, high, mean = rows[f"{name}_low"], rows[f"{name}_high"], rows[name]
        assert low.notna().all() and high.notna().all(), name
        assert (low <= mean + 1e-12).all() and (mean <= high + 1e-12).all(), name
    participation = rows[rows["metric"] == "participation_ratio"].set_index("arch_family")
    # "CNN has the highest loss coupling" is not supported: the intervals overlap.
    assert (
        participation.loc["cnn", "mean_loss_correlation_low"]
        < participation.loc["mlp", "mean_loss_correlation_high"]
    )
    # Fixed by construction: 10.03% of layer-steps are critical in every family.
    assert participation["mean_critical_share"].round(4).tolist() == [0.1003] * 3


def test_corrected_jump_types_are_described(shared_corrected_warehouse: Path) -> None:
    profiles = frame(shared_corrected_warehouse, "select * from jump_type_profiles")
    assert set(profiles["metric"]) == {
        "participation_ratio",
        "nuclear_norm_ratio",
        "effective_rank_90",
        "stable_rank",
    }
    for _, group in profiles.groupby("metric"):
        assert 2 <= len(group) <= 5
        assert group["share_of_jumps"].sum() == pytest.approx(1.0)
        assert group["metric_silhouette"].notna().all()
    n_jumps = query(shared_corrected_warehouse, "select count(*) from jumps")[0][0]
    assert profiles["n_jumps"].sum() == n_jumps


def test_ties_are_broken_only_where_values_tie(shared_corrected_warehouse: Path) -> None:
    rows = dict(
        (metric, (mismatched, tie_flagged, mean_steps, mean_strict_steps))
        for metric, mismatched, tie_flagged, mean_steps, mean_strict_steps in query(
            shared_corrected_warehouse,
            "select metric,"
            " count(*) filter (where loss_coupling_steps != n_critical_union_steps),"
            " sum(loss_coupling_tie_flagged_layer_steps),"
            " avg(loss_coupling_steps), avg(n_critical_union_steps)"
            " from critical_periods group by metric",
        )
    )
    for metric in ("participation_ratio", "nuclear_norm_ratio"):
        assert rows[metric][:2] == (0, 0), metric
    # effective_rank_90 is integer-valued: the strict rule flags far fewer steps.
    assert rows["effective_rank_90"][1] > 0
    assert rows["effective_rank_90"][2] > 2 * rows["effective_rank_90"][3]
