"""The corrected statistics on hand-made inputs with known answers (pure functions)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import hypergeom, norm

from python_steps.convergence import PatternThresholds, convergence_for_run, exact_spearman
from python_steps.loss_coupling import (
    circular_counts,
    loss_coupling,
    randomized_upper_tail,
    strata,
    stratified_null_distribution,
)
from python_steps.multiple_testing import bh_q_values, stouffer
from python_steps.null_model import (
    NullModelSettings,
    interior_shifted_coordination,
    null_model_for_run,
    randomized_p_value,
)
from python_steps.pooled_tests import pooled_tests


def test_bh_q_values_by_hand() -> None:
    # Sorted: 0.01 (1), 0.03 (2), 0.04 (3), 0.5 (4); m p / rank = 0.04, 0.06, 0.0533, 0.5;
    # the cumulative minimum from the top gives 0.04, 0.0533, 0.0533, 0.5.
    q = bh_q_values(np.array([0.01, 0.04, 0.03, 0.5, np.nan]))
    np.testing.assert_allclose(q[:4], [0.04, 0.16 / 3, 0.16 / 3, 0.5])
    assert math.isnan(q[4])
    # Never below p, capped at 1.
    assert bh_q_values(np.array([0.9, 0.95]))[1] == 0.95
    assert bh_q_values(np.array([1.0]))[0] == 1.0


def test_stouffer_by_hand() -> None:
    combined, p_value = stouffer(np.array([1.0, 1.0, 1.0, 1.0]))
    assert combined == pytest.approx(2.0)
    assert p_value == pytest.approx(norm.sf(2.0))
    assert stouffer(np.array([1.0, -1.0]))[0] == pytest.approx(0.0)


def test_randomized_p_value_places_the_observation_among_its_ties() -> None:
    null = np.array([0.1, 0.5, 0.5, 0.9])
    # 1 greater, 2 equal + the observation itself: (1 + U * 3) / 5.
    assert randomized_p_value(null, 0.5, 0.0) == pytest.approx(1 / 5)
    assert randomized_p_value(null, 0.5, 0.5) == pytest.approx(2.5 / 5)
    assert randomized_p_value(null, 0.5, 1.0) == pytest.approx(4 / 5)
    assert randomized_p_value(null, 2.0, 1.0) == pytest.approx(1 / 5)


def test_strata_are_consecutive_blocks() -> None:
    assert strata(10, 5).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert strata(3, 10).tolist() == [0, 1, 2]


def test_stratified_null_is_a_sum_of_hypergeometrics() -> None:
    # One stratum of 4 steps, 2 falls, 2 critical steps: P(T = 2) = 1/6, P(T = 1) = 4/6.
    critical = np.array([True, True, False, False])
    drops = np.array([True, True, False, False])
    pmf, mean = stratified_null_distribution(critical, drops, np.zeros(4, dtype=int))
    np.testing.assert_allclose(pmf, [1 / 6, 4 / 6, 1 / 6])
    assert mean == pytest.approx(1.0)
    assert randomized_upper_tail(pmf, 2, 1.0) == pytest.approx(1 / 6)
    assert randomized_upper_tail(pmf, 2, 0.0) == pytest.approx(0.0)
    assert randomized_upper_tail(pmf, 1, 1.0) == pytest.approx(5 / 6)
    # Two strata: the convolution of both.
    stratum = np.array([0, 0, 0, 0, 1, 1, 1])
    critical = np.array([True, False, True, False, True, True, False])
    drops = np.array([True, True, False, False, True, False, False])
    pmf, mean = stratified_null_distribution(critical, drops, stratum)
    first = hypergeom.pmf([0, 1, 2], 4, 2, 2)
    second = hypergeom.pmf([0, 1], 3, 1, 2)
    np.testing.assert_allclose(pmf, np.convolve(first, second))
    assert mean == pytest.approx(1.0 + 2 / 3)


def test_circular_counts_enumerate_every_offset() -> None:
    critical = np.array([True, False, False, True, False])
    drops = np.array([True, True, False, False, False])
    expected = [int((np.roll(critical, -k) & drops).sum()) for k in range(len(critical))]
    assert circular_counts(critical, drops).tolist() == expected


def test_loss_coupling_counts_each_step_once_and_uses_local_chance() -> None:
    # 20 steps, 2 strata: the loss falls at every step of the first half only; the
    # critical steps are all in the first half. Globally that looks like coupling (share 1
    # vs base rate 0.5); locally it is exactly chance (local rate 1).
    critical = np.zeros(20, dtype=bool)
    critical[[1, 4, 7]] = True
    drops = np.arange(20) < 10
    result = loss_coupling(critical, drops, 2, (0.5, 0.5))
    assert result.n_critical_steps == 3 and result.n_critical_loss_drops == 3
    assert result.coupled_share == 1.0
    assert result.local_chance_level == pytest.approx(1.0)
    # Every arrangement in the first stratum has T = 3: p = U * 1.
    assert result.stratified_p_value == pytest.approx(0.5)
    # No critical step: nothing to test, said as NULL.
    empty = loss_coupling(np.zeros(5, dtype=bool), np.ones(5, dtype=bool), 2, (0.5, 0.5))
    assert empty.coupled_share is None and empty.stratified_p_value is None


def test_loss_coupling_finds_a_planted_coupling() -> None:
    rng = np.random.default_rng(3)
    critical = rng.random(400) < 0.15
    drops = np.where(critical, rng.random(400) < 0.9, rng.random(400) < 0.5)
    result = loss_coupling(critical, drops, 10, (0.5, 0.5))
    assert result.coupled_share > 0.8
    assert result.stratified_p_value < 1e-6
    assert result.circular_p_value == pytest.approx(1 / 400, abs=0.5 / 400)


def test_timing_shift_is_read_on_the_interior_only() -> None:
    # One layer critical at 0, 3 and 5 of 7 indices; w = 1: interior indices 1 .. 5.
    layers = np.array([0, 0, 0])
    indices = np.array([0, 3, 5])
    offsets = np.array([[0], [1], [-1]])
    shares = interior_shifted_coordination(layers, indices, 1, 7, offsets, 1)
    assert shares[0].tolist() == [0, 0, 1, 0, 1]
    # +1: y_(s+1) = x_s: critical at 1, 4 (6 is outside the interior).
    assert shares[1].tolist() == [1, 0, 0, 1, 0]
    # -1: critical at 2, 4 (-1 is outside).
    assert shares[2].tolist() == [0, 1, 0, 1, 0]


def test_timing_null_sees_a_planted_coordinated_step() -> None:
    # 6 layers, each critical at 40 scattered steps of its own, and all at step 200.
    rng = np.random.default_rng(5)
    rows = []
    for layer in range(6):
        own = rng.choice(np.arange(399), size=40, replace=False)
        for index in set(own.tolist()) | {200}:
            rows.append((layer, index))
    cells = pd.DataFrame(rows, columns=["layer_index", "series_index"])
    result = null_model_for_run("planted", "m", cells, 6, 400, NullModelSettings())
    assert result["observed_max_coordination"] == 1.0
    assert result["max_coordination_timing_p_value"] < 0.01
    assert result["max_coordination_p_value"] < 0.01
    assert result["n_permutations"] == 2000


def test_exact_spearman_by_enumeration() -> None:
    # 3 layers in perfect order: 2 of the 6 orderings are as extreme: p = 1/3.
    rho, p_value, method, min_p = exact_spearman([0, 1, 2], [5, 6, 7], "k")
    assert (rho, p_value, method, min_p) == (
        pytest.approx(1.0),
        pytest.approx(1 / 3),
        "exact",
        pytest.approx(1 / 3),
    )
    # 5 layers: 2 / 120.
    rho, p_value, _, _ = exact_spearman([0, 1, 2, 3, 4], [9, 7, 5, 3, 1], "k")
    assert rho == pytest.approx(-1.0) and p_value == pytest.approx(2 / 120)
    # 9 layers: seeded random orderings, p = (1 + #extreme) / (1 + B).
    rho, p_value, method, _ = exact_spearman(list(range(9)), list(range(9)), "k")
    assert method == "permutation" and p_value < 0.001
    assert exact_spearman([0, 1, 2], [1, 1, 1], "k") == (None, None, None, None)


def test_convergence_pattern_is_undetermined_when_no_p_can_reach_the_threshold() -> None:
    thresholds = PatternThresholds()

    def layers(indices: list[float]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "layer": [f"l{i}" for i in range(len(indices))],
                "layer_position": range(len(indices)),
                "stabilization_index": indices,
                "stabilization_status": "stabilized",
            }
        )

    # 4 layers in perfect order: the smallest exact p is 2/24 > 0.05.
    four = convergence_for_run(layers([1, 2, 3, 4]), "corrected", thresholds)
    assert four["pattern"] == "undetermined"
    assert four["min_attainable_p_value"] == pytest.approx(2 / 24)
    # The report's t-approximation calls the same 4 layers bottom-up (p = 0).
    assert convergence_for_run(layers([1, 2, 3, 4]), "reference", thresholds)["p_value"] == 0.0
    five = convergence_for_run(layers([1, 2, 3, 4, 5]), "corrected", thresholds)
    assert five["pattern"] == "bottom-up" and five["p_value"] == pytest.approx(2 / 120)
    assert convergence_for_run(layers([1, 2]), "corrected", thresholds)["pattern"] == "undetermined"


def test_pooled_tests_combine_runs() -> None:
    frame = pd.DataFrame(
        {
            "run_id": ["a", "b", "c", "d"],
            "arch_family": ["mlp", "mlp", "cnn", "cnn"],
            "metric": ["m"] * 4,
            "loss_coupling_stratified_z": [1.0, 1.0, 1.0, 1.0],
            "loss_coupling_excess": [0.1, 0.2, -0.1, 0.1],
            "max_coordination_timing_z": [0.0, 0.0, 0.0, 0.0],
            "max_coordination_timing_excess": [0.0] * 4,
            "coordinated_periods_timing_z": [np.nan] * 4,
            "coordinated_periods_timing_excess": [np.nan] * 4,
        }
    )
    result = pooled_tests(frame).set_index(["test", "arch_family", "metric"])
    everyone = result.loc[("loss_coupling_stratified", "all", "m")]
    assert everyone["stouffer_z"] == pytest.approx(2.0)
    assert everyone["n_runs_above_chance"] == 3 and everyone["n_runs"] == 4
    assert result.loc[("loss_coupling_stratified", "mlp", "m")]["stouffer_z"] == pytest.approx(
        math.sqrt(2)
    )
    assert result.loc[("max_coordination_timing", "all", "m")]["p_value"] == pytest.approx(0.5)
    assert result.loc[("coordinated_periods_timing", "all", "m")]["n_runs"] == 0


def test_pooled_tests_do_not_depend_on_row_order() -> None:
    # Float sums whose last bits depend on the order of their terms: the runs are summed in
    # (run_id, metric) order whatever order the table's rows come in (storage order differs
    # between builds and engines).
    z_scores = [0.1, 0.7, 1e-3, 0.3, 2.9, -1.3]
    assert len({sum(order) for order in itertools.permutations(z_scores)}) > 1
    frame = pd.DataFrame(
        {
            "run_id": [f"run_{index}" for index in range(6)],
            "arch_family": ["mlp", "cnn"] * 3,
            "metric": ["m"] * 6,
            "loss_coupling_stratified_z": z_scores,
            "loss_coupling_excess": [0.1, 0.7, 1e-3, 0.3, 2.9, -1.3],
            "max_coordination_timing_z": z_scores[::-1],
            "max_coordination_timing_excess": [0.3, 0.1, 0.2, 0.7, 0.9, 0.1],
            "coordinated_periods_timing_z": [np.nan] * 6,
            "coordinated_periods_timing_excess": [np.nan] * 6,
        }
    )
    expected = pooled_tests(frame)
    everyone = expected.set_index(["test", "arch_family", "metric"]).loc[
        ("loss_coupling_stratified", "all", "m")
    ]
    assert everyone["stouffer_z"] == sum(z_scores) / math.sqrt(6)  # run_id order
    for seed in range(20):
        shuffled = frame.sample(frac=1.0, random_state=seed)
        pd.testing.assert_frame_equal(pooled_tests(shuffled), expected, check_exact=True)


def test_bootstrap_weights_and_intervals() -> None:
    from python_steps.bootstrap import family_intervals, resample_weights

    weights = resample_weights(4, 50, np.random.default_rng(0))
    assert weights.shape == (50, 4) and (weights.sum(axis=1) == 4).all()
    # Identical runs: every resample has the same mean, the interval is a point.
    runs = pd.DataFrame(
        {
            "arch_family": ["mlp"] * 3,
            "metric": ["m"] * 3,
            "run_id": ["a", "b", "c"],
            **{column: [0.5, 0.5, 0.5] for column in _run_mean_columns()},
        }
    )
    jumps = pd.DataFrame(
        {
            "run_id": ["a", "b"],
            "metric": ["m", "m"],
            "n_jumps": [1, 3],
            "magnitude_sum": [2.0, 6.0],
            "speed_sum": [1.0, 3.0],
        }
    )
    intervals = family_intervals(runs, jumps, resamples=200, seed=1).iloc[0]
    assert intervals["mean_loss_correlation_low"] == intervals["mean_loss_correlation_high"] == 0.5
    # Every run's jumps have magnitude 2: the ratio is 2 in every resample with jumps.
    assert intervals["mean_jump_magnitude_low"] == intervals["mean_jump_magnitude_high"] == 2.0
    # Spread-out runs: the interval brackets the mean and is not a point.
    spread = runs.assign(loss_correlation=[0.1, 0.5, 0.9])
    spread_intervals = family_intervals(spread, jumps, resamples=2000, seed=1).iloc[0]
    assert spread_intervals["mean_loss_correlation_low"] < 0.5
    assert spread_intervals["mean_loss_correlation_high"] > 0.5


def _run_mean_columns() -> list[str]:
    from python_steps.bootstrap import RUN_MEANS

    return [column for _, column in RUN_MEANS]


def test_corrected_jump_types_find_planted_groups_and_report_silhouette() -> None:
    from python_steps.jump_types import type_jumps_corrected

    # Two planted kinds: early small jumps and late big ones, in layers of very different
    # scale (the raw magnitude would separate the layers instead).
    rng = np.random.default_rng(4)
    rows = []
    for index in range(200):
        late = index % 2 == 1
        scale = 1000.0 if index % 4 < 2 else 0.001
        z_score = rng.uniform(6, 8) if late else rng.uniform(2.1, 2.5)
        magnitude = scale * z_score
        rows.append(
            {
                "run_id": f"r{index % 5}",
                "metric": "m",
                "layer": f"l{index % 4}",
                "measurement_index": index,
                "phase": rng.uniform(0.7, 0.9) if late else rng.uniform(0.0, 0.1),
                "magnitude": magnitude,
                "speed": magnitude * rng.uniform(0.4, 0.6),
                "velocity_z_score": z_score,
            }
        )
    jumps = pd.DataFrame(rows)
    typed = type_jumps_corrected(jumps, max_k=5, seed=42).merge(
        jumps, on=["run_id", "metric", "layer", "measurement_index"]
    )
    assert typed["n_types"].iloc[0] == 2
    assert typed["metric_silhouette"].iloc[0] > 0.5
    # The types are the planted kinds, not the layers' scales.
    by_kind = typed.groupby(typed["phase"] > 0.5)["jump_type"].nunique()
    assert by_kind.tolist() == [1, 1]
    medians = typed.groupby("jump_type")["phase"].median().sort_values().tolist()
    assert medians[0] < 0.1 and medians[1] > 0.7
    assert typed["silhouette"].notna().all()


def test_ties_at_the_percentile_flag_the_intended_share() -> None:
    from python_steps.loss_coupling import tie_aware_critical

    # An integer metric: |v| is 0 at 300 steps, 1 at 95, 2 at 4. P90 = 1 and the strict
    # rule flags only the 4 steps above it; with ties broken, 40 of 399 (10%).
    speeds = np.array([0.0] * 300 + [1.0] * 95 + [2.0] * 4)
    threshold = float(np.quantile(speeds, 0.9))
    assert threshold == 1.0
    flags = tie_aware_critical(speeds, threshold, 0.1, np.random.default_rng(0))
    assert flags.sum() == 40
    assert flags[speeds == 2.0].all() and not flags[speeds == 0.0].any()
    # Continuous values: no ties, the strict rule unchanged.
    continuous = np.random.default_rng(1).random(399)
    cut = float(np.quantile(continuous, 0.9))
    flags = tie_aware_critical(continuous, cut, 0.1, np.random.default_rng(0))
    assert (flags == (continuous > cut)).all()


def test_loss_couplings_use_the_tie_aware_union_of_layers() -> None:
    from python_steps.loss_coupling import loss_couplings

    rows = []
    for layer in ("a", "b"):
        for index in range(10):
            rows.append(
                {
                    "run_id": "r",
                    "metric": "m",
                    "layer": layer,
                    "series_index": index,
                    # Layer a critical at 3 (strictly), layer b at 7.
                    "speed": 5.0 if (layer, index) in {("a", 3), ("b", 7)} else 1.0,
                    "threshold": 1.0 if layer == "a" else 2.0,
                    "is_loss_drop": index in (3, 4),
                }
            )
    result = loss_couplings(pd.DataFrame(rows), 1, 42, critical_share=0.1).iloc[0]
    # Layer a's ties at 1.0 are not needed (1 of 10 flagged already); b has none at 2.0.
    assert result["n_critical_steps"] == 2
    assert result["n_critical_loss_drops"] == 1
    assert result["n_tie_flagged_layer_steps"] == 0
    assert result["loss_coupled_share"] == 0.5


def test_circular_counts_by_fft_equal_the_direct_count() -> None:
    """T_k = #{i: critical at (i + k) mod n and the loss falls at i}, counted one shift at a
    time, for series short and long, sparse and dense."""
    from python_steps.loss_coupling import circular_counts

    generator = np.random.default_rng(7)
    for n in (1, 2, 3, 17, 451, 4_099):
        for density in (0.02, 0.5, 0.98):
            critical = generator.random(n) < density
            drops = generator.random(n) < 0.5
            direct = [int((drops & np.roll(critical, -k)).sum()) for k in range(n)]
            counts = circular_counts(critical, drops)
            assert counts.dtype == np.int64
            assert counts.tolist() == direct
