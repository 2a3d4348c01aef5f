"""Tests of benchmarks/numpy_baseline.py: the METHODS.md reproduction table on the shared
Phase 1 runs, and hand-made tiny series whose answers can be worked out by hand."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SHARED_RUNS as RUNS_DIR

REPO_ROOT = Path(__file__).resolve().parents[1]


def _load_baseline() -> ModuleType:
    path = REPO_ROOT / "benchmarks" / "numpy_baseline.py"
    spec = importlib.util.spec_from_file_location("numpy_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


nb = _load_baseline()


# --------------------------------------------------------------------------------------
# Reproduction table (METHODS.md, reference mode, metric stable_rank, 55 runs)
# --------------------------------------------------------------------------------------


def _shared_runs_dir() -> Path:
    if not RUNS_DIR.is_dir():
        pytest.skip(f"shared Phase 1 runs not found at {RUNS_DIR}")
    return RUNS_DIR


@pytest.fixture(scope="module")
def reference_tables() -> dict[str, pd.DataFrame]:
    return nb.analyze_folder(_shared_runs_dir(), "reference", metrics=["stable_rank"])


@pytest.fixture(scope="module")
def figures(reference_tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    return nb.report_figures(reference_tables, "stable_rank")


def test_reproduction_jumps(figures: dict[str, Any]) -> None:
    assert figures["n_runs"] == 55
    assert figures["jumps"] == 2991
    assert figures["jumps_by_family"] == {"transformer": 1598, "mlp": 1096, "cnn": 297}
    assert figures["runs_with_jumps"] == 55
    assert figures["early_share"] == 1.0
    assert figures["jump_types"] == 5


def test_reproduction_critical_periods(figures: dict[str, Any]) -> None:
    assert round(figures["mean_total_critical_steps"], 1) == 203.5
    by_family = {k: round(v, 1) for k, v in figures["mean_total_critical_steps_by_family"].items()}
    assert by_family == {"transformer": 383.8, "mlp": 145.8, "cnn": 128.7}
    assert round(figures["mean_total_transitions"], 1) == 210.2
    assert round(figures["mean_mean_coordination"], 3) == 0.065
    by_family = {k: round(v, 3) for k, v in figures["mean_mean_coordination_by_family"].items()}
    assert by_family == {"transformer": 0.095, "mlp": 0.047, "cnn": 0.080}
    assert round(figures["mean_loss_correlation"], 3) == 0.568
    by_family = {k: round(v, 3) for k, v in figures["mean_loss_correlation_by_family"].items()}
    assert by_family == {"transformer": 0.556, "mlp": 0.561, "cnn": 0.612}


def test_reproduction_strong_runs(
    figures: dict[str, Any], reference_tables: dict[str, pd.DataFrame]
) -> None:
    runs = reference_tables["runs"]
    ag_news_mlps = runs.loc[
        (runs["arch_family"] == "mlp") & (runs["dataset"] == "ag_news"), "run_id"
    ]
    assert figures["strong_runs"] == 49
    # All six non-strong runs are AG News MLPs (two AG News MLPs, the 10- and 15-layer
    # ones, are strong).
    assert set(figures["not_strong"]) <= set(ag_news_mlps)
    assert figures["not_strong"] == [
        "mlp_medium_5_ag_news",
        "mlp_medium_ag_news",
        "mlp_narrow_ag_news",
        "mlp_shallow_2_ag_news",
        "mlp_verywide_ag_news",
        "mlp_wide_ag_news",
    ]
    top = [(run_id, round(lc, 3), mc) for run_id, lc, mc in figures["top_strong"]]
    assert top == [
        ("mlp_narrow_mnist", 0.937, 1.0),
        ("mlp_wide_fashion_mnist", 0.839, 1.0),
        ("mlp_medium_fashion_mnist", 0.775, 1.0),
    ]


def test_reproduction_convergence(reference_tables: dict[str, pd.DataFrame]) -> None:
    stab = reference_tables["layer_stabilization"]
    assert len(stab) == reference_tables["runs"]["n_layers"].sum()
    assert (stab["stabilization_index"] == 0).all()
    assert (stab["stabilization_step"] == 0).all()
    conv = reference_tables["convergence_order"]
    assert len(conv) == 55
    assert (conv["pattern"] == "unclear").all()


def test_corrected_mode_same_jumps_other_phases() -> None:
    tables = nb.analyze_folder(_shared_runs_dir(), "corrected", metrics=["stable_rank"])
    jumps = tables["jumps"]
    # Jump detection does not depend on the mode; the phase does (s_i / N).
    assert len(jumps) == 2991
    assert np.allclose(jumps["phase"], jumps["step"] / 2000)
    assert set(jumps["phase_category"]) == {"early", "mid", "late"}


# --------------------------------------------------------------------------------------
# Hand-made tiny runs
# --------------------------------------------------------------------------------------


def make_run(
    series: dict[str, list[float]],
    loss: list[float] | None = None,
    step_every: int = 5,
    num_steps: int | None = None,
    metric: str = "participation_ratio",
) -> dict[str, Any]:
    """A run file dict with one metric; layers in the dict's order."""
    n = len(next(iter(series.values())))
    loss = loss if loss is not None else [1.0] * n
    run: dict[str, Any] = {
        "arch_name": "mlp_tiny",
        "dataset_name": "toy",
        "measurements": [
            {
                "step": i * step_every,
                "loss": loss[i],
                "layer_metrics": {layer: {metric: xs[i]} for layer, xs in series.items()},
            }
            for i in range(n)
        ],
    }
    if num_steps is not None:
        run["num_steps"] = num_steps
    return run


def test_velocity_spike_is_a_jump() -> None:
    x = [1.0] * 30
    x[16:] = [5.0] * 14  # v_15 = 4, every other velocity 0
    run = make_run({"net.0": x}, num_steps=1000)
    for mode, phase in (("reference", 15 / 1000), ("corrected", 75 / 1000)):
        jumps = nb.analyze_run(run, "toy", mode)["jumps"]
        assert len(jumps) == 1
        jump = jumps.iloc[0]
        assert jump["measurement_index"] == 15
        assert jump["step"] == 75
        assert jump["velocity"] == 4.0
        assert jump["magnitude"] == 4.0
        assert jump["direction"] == "increase"
        assert jump["speed"] == pytest.approx(abs(x[17] - x[13]) / 5)
        assert jump["phase"] == pytest.approx(phase)
        assert jump["phase_category"] == "early"


def test_spike_up_and_back_gives_two_jumps() -> None:
    x = [2.0] * 30
    x[10] = 8.0
    jumps = nb.analyze_run(make_run({"net.0": x}), "toy", "corrected")["jumps"]
    assert list(jumps["measurement_index"]) == [9, 10]
    assert list(jumps["direction"]) == ["increase", "decrease"]
    # Edge of the speed window: b = max(0, i-2), e = min(n, i+3)
    assert jumps["speed"].tolist() == pytest.approx([abs(x[11] - x[7]) / 5, abs(x[12] - x[8]) / 5])


def test_phase_denominator_defaults_to_last_step() -> None:
    x = [1.0] * 30
    x[16:] = [5.0] * 14
    jumps = nb.analyze_run(make_run({"net.0": x}), "toy", "corrected")["jumps"]
    assert jumps["phase"].iloc[0] == pytest.approx(75 / 145)  # N = last step


def test_constant_series_has_no_jumps_and_no_critical_steps() -> None:
    run = make_run({"net.0": [3.0] * 25, "net.2": [7.0] * 25})
    for mode in nb.MODES:
        tables = nb.analyze_run(run, "toy", mode)
        assert tables["jumps"].empty
        crit = tables["critical_periods"].iloc[0]
        assert crit["total_critical_steps"] == 0
        assert crit["total_transitions"] == 0
        assert crit["max_coordination"] == 0.0
        assert crit["loss_correlation"] == 0.0
        assert not crit["is_strong"]
        # var(window) = 0 < (0.1 * mu)^2: stable from the first window
        assert list(tables["layer_stabilization"]["stabilization_index"]) == [0, 0]


def test_coordination_and_loss_correlation_by_hand() -> None:
    # 11 measurements, both layers jump between measurement 3 and 4 while the loss falls.
    a = [1.0] * 4 + [2.0] * 7
    b = [5.0] * 4 + [3.0] * 7
    loss = [1.0] * 4 + [0.5] * 7
    tables = nb.analyze_run(make_run({"net.0": a, "net.2": b}, loss=loss), "toy", "corrected")
    coord = tables["step_coordination"]
    assert len(coord) == 11
    assert coord["coordination"].tolist() == [0, 0, 0, 1.0, 0, 0, 0, 0, 0, 0, 0]
    crit = tables["critical_periods"].iloc[0]
    assert crit["total_critical_steps"] == 2
    assert crit["num_coordinated_periods"] == 1
    assert crit["max_coordination"] == 1.0
    assert crit["mean_coordination"] == pytest.approx(1 / 11)  # c_{n-1} = 0 counted
    assert crit["loss_correlation"] == 1.0
    assert crit["is_strong"]


def test_last_window_only_examined_in_corrected_mode() -> None:
    # Only the window starting at k = n - w = 20 is stable.
    x = [0.0, 10.0] * 10 + [5.0] * 20
    tables = {mode: nb.analyze_run(make_run({"net.0": x}), "toy", mode) for mode in nb.MODES}
    ref = tables["reference"]["layer_stabilization"].iloc[0]
    cor = tables["corrected"]["layer_stabilization"].iloc[0]
    assert pd.isna(ref["stabilization_index"]) and pd.isna(ref["stabilization_step"])
    assert cor["stabilization_index"] == 20
    assert cor["stabilization_step"] == 100


def test_fewer_than_three_stabilized_layers() -> None:
    run = make_run({"net.0": [1.0] * 25, "net.2": [2.0] * 25})
    ref = nb.analyze_run(run, "toy", "reference")["convergence_order"].iloc[0]
    assert (ref["spearman_rho"], ref["p_value"]) == (0.0, 1.0)
    assert ref["pattern"] == "simultaneous"  # |0| < 0.3, read literally
    cor = nb.analyze_run(run, "toy", "corrected")["convergence_order"].iloc[0]
    assert pd.isna(cor["spearman_rho"]) and pd.isna(cor["p_value"])
    assert cor["pattern"] == "undetermined"


def test_convergence_patterns() -> None:
    depth = np.array([0, 1, 2, 3, 4])
    rho, p, pattern = nb.convergence_order(depth, np.array([0, 3, 8, 20, 40]), "corrected")
    assert (rho, pattern) == (pytest.approx(1.0), "bottom-up") and p < 0.05
    rho, p, pattern = nb.convergence_order(depth, np.array([40, 20, 8, 3, 0]), "corrected")
    assert (rho, pattern) == (pytest.approx(-1.0), "top-down") and p < 0.05
    # A constant side leaves rho undefined: 'unclear'.
    assert nb.convergence_order(depth, np.zeros(5, dtype=int), "reference") == (
        None,
        None,
        "unclear",
    )
    # Non-stabilized layers (-1) are left out.
    rho, _, _ = nb.convergence_order(depth, np.array([0, -1, 8, 20, -1]), "corrected")
    assert rho == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("name", "depth"),
    [
        ("network.10", 10),
        ("conv_layers.3", 3),
        ("fc", 999),
        ("input_proj", 999),
        ("transformer.layers.0.linear1", 999),
        ("conv2", 2),
        ("block1a2", 12),
    ],
)
def test_reference_depth(name: str, depth: int) -> None:
    assert nb.reference_depth(name) == depth


def test_jump_type_count() -> None:
    assert [nb.jump_type_count(j) for j in (1, 9, 10, 39, 40, 2991)] == [1, 1, 2, 4, 5, 5]
