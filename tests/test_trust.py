"""Trust features: noise floor, coordination null model, loss-coupling baseline.

The detector validity harness is tested in test_detector_validity.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binom

from python_steps.null_model import NullModelSettings, permutation_p_value, shift_offsets
from tests.conftest import query


def test_noise_floor_flags_stable_rank_round_off(shared_corrected_warehouse: Path) -> None:
    rows = dict(
        (metric, (total, noise))
        for metric, total, noise in query(
            shared_corrected_warehouse,
            "select metric, count(*), count(*) filter (where is_numerical_noise)"
            " from jumps group by metric",
        )
    )
    total, noise = rows["stable_rank"]
    assert total == 2991 and noise > 0.99 * total
    for metric in ("participation_ratio", "effective_rank_90", "nuclear_norm_ratio"):
        assert rows[metric][1] == 0
    # The flag is exactly the documented rule.
    assert query(
        shared_corrected_warehouse,
        "select count(*) from jumps where is_numerical_noise != (relative_magnitude < 1e-9)",
    ) == [(0,)]
    summary = query(
        shared_corrected_warehouse,
        "select sum(n_noise_jumps), sum(n_real_jumps), sum(n_jumps)"
        " from architecture_comparison where metric = 'stable_rank'",
    )[0]
    assert summary == (noise, total - noise, total)


def null_model_by_hand(warehouse: Path, run_id: str, metric: str) -> tuple[float, float]:
    """Recompute the circular-shift null with np.roll, layer by layer, from the flags."""
    flags = query(
        warehouse,
        "select layer_position, series_index, is_critical, n_measurements"
        " from int_layer_series_flagged where run_id = ? and metric = ?"
        " order by layer_position, series_index",
        [run_id, metric],
    )
    positions = sorted({row[0] for row in flags})
    n_velocity = flags[0][3] - 1
    matrix = np.zeros((len(positions), n_velocity), dtype=bool)
    for position, index, is_critical, _ in flags:
        if index < n_velocity:
            matrix[positions.index(position), index] = is_critical
    offsets = shift_offsets(run_id, metric, len(positions), n_velocity, NullModelSettings())
    maxima, coordinated = [], []
    for permutation_offsets in offsets:
        shifted = np.stack(
            [
                np.roll(row, int(offset))
                for row, offset in zip(matrix, permutation_offsets, strict=True)
            ]
        )
        share = shifted.sum(axis=0) / len(positions)
        maxima.append(share.max())
        coordinated.append(int((share >= 0.5).sum()))
    return float(np.mean(maxima)), float(np.mean(coordinated))


@pytest.mark.parametrize("metric", ["participation_ratio", "stable_rank"])
def test_coordination_null_model_matches_a_direct_computation(
    shared_corrected_warehouse: Path, metric: str
) -> None:
    run_id = "mlp_narrow_mnist"
    row = query(
        shared_corrected_warehouse,
        "select max_coordination_null_mean, coordinated_periods_null_mean, n_permutations,"
        " max_coordination_p_value from critical_periods where run_id = ? and metric = ?",
        [run_id, metric],
    )[0]
    expected_max, expected_coordinated = null_model_by_hand(
        shared_corrected_warehouse, run_id, metric
    )
    assert row[0] == pytest.approx(expected_max, rel=1e-12)
    assert row[1] == pytest.approx(expected_coordinated, rel=1e-12)
    assert row[2] == 2000
    assert 1 / 2001 <= row[3] <= 1


def test_null_model_sees_the_observed_figures_of_the_sql(shared_corrected_warehouse: Path) -> None:
    """The Python step's unshifted coordination equals the SQL's: same flags, same maths."""
    assert query(
        shared_corrected_warehouse,
        "select count(*) from int_coordination_null_model as null_model"
        " inner join critical_periods using (run_id, metric)"
        " where null_model.observed_max_coordination != critical_periods.max_coordination"
        " or null_model.observed_coordinated_periods"
        " != critical_periods.num_coordinated_periods",
    ) == [(0,)]


def test_permutation_p_value_counts_ties_as_extreme() -> None:
    assert permutation_p_value(np.array([0.1, 0.5, 0.5, 0.9]), 0.5) == 4 / 5
    assert permutation_p_value(np.array([0.1, 0.2]), 0.9) == 1 / 3


def test_mean_coordination_is_chance_level_by_construction(
    shared_corrected_warehouse: Path,
) -> None:
    """With P90 thresholds ~10% of each layer's steps are critical: mean c ~ 0.1 always."""
    (mean_coordination,) = query(
        shared_corrected_warehouse,
        "select avg(mean_coordination) from critical_periods where metric = 'participation_ratio'",
    )[0]
    assert 0.07 < mean_coordination < 0.11


def test_loss_coupling_baseline_and_binomial_p_value(shared_corrected_warehouse: Path) -> None:
    rows = query(
        shared_corrected_warehouse,
        "select loss_coupled_share, loss_drop_base_rate, loss_coupling_lift,"
        " loss_coupling_drops, loss_coupling_steps, loss_coupling_p_value"
        " from critical_periods",
    )
    assert len(rows) == 220
    for share, base_rate, lift, drops, steps, p_value in rows:
        # One statistic: the lift and the binomial test are on the same steps.
        assert share == pytest.approx(drops / steps, abs=1e-15)
        assert lift == pytest.approx(share - base_rate, abs=1e-15)
        expected = binom.sf(drops - 1, steps, base_rate)
        assert p_value == pytest.approx(min(expected, 1.0), rel=1e-9, abs=1e-300)
    base_rates = [row[1] for row in rows]
    assert 0.4 < float(np.mean(base_rates)) < 0.6


def test_loss_drop_base_rate_is_the_share_of_falling_steps(
    shared_corrected_warehouse: Path,
) -> None:
    assert query(
        shared_corrected_warehouse,
        "with falls as ("
        "  select run_id, avg(case when next_loss < loss then 1.0 else 0.0 end) as rate from ("
        "    select run_id, loss, lead(loss) over (partition by run_id order by step) as next_loss"
        "    from losses) where next_loss is not null group by run_id)"
        " select count(*) from critical_periods inner join falls using (run_id)"
        " where abs(critical_periods.loss_drop_base_rate - falls.rate) > 1e-12",
    ) == [(0,)]
