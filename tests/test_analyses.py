"""Every saved query in analysis/ runs with `dbt show --select <name>` against a real build,
returns rows, and has the columns its header comment promises."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT, build_warehouse, run_dbt

ANALYSIS_COLUMNS: dict[str, list[str]] = {
    "top_strong_runs_per_family": [
        "metric",
        "arch_family",
        "rank_in_family",
        "run_id",
        "dataset",
        "loss_correlation",
        "loss_drop_base_rate",
        "loss_correlation_above_chance",
        "max_coordination",
        "mean_coordination",
        "num_coordinated_periods",
        "total_critical_steps",
    ],
    "jump_phases_per_family": [
        "metric",
        "arch_family",
        "n_jumps",
        "n_runs_with_jumps",
        "n_early",
        "n_mid",
        "n_late",
        "share_early",
        "share_mid",
        "share_late",
        "n_noise",
        "min_phase",
        "median_phase",
        "max_phase",
    ],
    "convergence_pattern_changes": [
        "run_id",
        "arch_family",
        "dataset",
        "n_metrics",
        "n_patterns",
        "patterns_by_metric",
        "rho_by_metric",
        "stabilized_layers_by_metric",
    ],
    "noise_vs_real_jumps": [
        "metric",
        "arch_family",
        "n_jumps",
        "n_noise_jumps",
        "n_real_jumps",
        "share_noise",
        "n_runs_with_real_jumps",
        "max_noise_magnitude",
        "median_real_magnitude",
        "median_noise_relative_magnitude",
        "median_real_relative_magnitude",
    ],
    "reference_vs_corrected_jumps": [
        "metric",
        "arch_family",
        "n_jumps",
        "n_early_reference",
        "n_mid_reference",
        "n_late_reference",
        "n_early_corrected",
        "n_mid_corrected",
        "n_late_corrected",
        "n_category_changed",
        "max_reference_phase",
        "max_corrected_phase",
        "build_phase_is",
    ],
    "reference_vs_corrected_convergence": [
        "run_id",
        "metric",
        "arch_family",
        "n_layers",
        "n_stabilized_reference",
        "n_stabilized_corrected",
        "n_stabilized_only_in_last_window",
        "n_layers_without_reference_depth",
        "n_distinct_reference_depths",
        "reference_rho",
        "corrected_rho",
        "build_n_stabilized",
        "build_rho",
        "build_pattern",
        "modes_differ",
    ],
    "load_issues_summary": [
        "problem",
        "consequence",
        "n_issues",
        "n_files",
        "n_runs",
        "n_measurements",
        "metrics",
        "example",
    ],
}
# Vars that make a query return every row rather than only the interesting ones.
ALL_ROWS_VARS: dict[str, dict[str, object]] = {
    "reference_vs_corrected_convergence": {"only_differences": False},
}
# Corrected mode's strong runs (q-values) are none of the demo runs.
EMPTY_ON_DEMO_RUNS = {"top_strong_runs_per_family"}
# The demo runs load cleanly: load issues are tested on a folder with broken files.
CLEAN_BUILD_ANALYSES = sorted(set(ANALYSIS_COLUMNS) - {"load_issues_summary"})


def show(
    warehouse: Path, runs_path: Path, analysis: str, dbt_vars: dict[str, object] | None = None
) -> list[dict[str, Any]]:
    """`dbt show --select <analysis>` against a built warehouse: its rows."""
    result = run_dbt(
        warehouse.parent,
        runs_path,
        command="show",
        dbt_vars=dbt_vars,
        warehouse=warehouse,
        extra_args=["--select", analysis, "--limit", "1000", "--output", "json", "--quiet"],
    )
    shown = json.loads(result.stdout)
    assert shown["node"] == analysis
    return shown["show"]


def test_every_analysis_file_is_tested() -> None:
    files = {path.stem for path in (REPO_ROOT / "analysis").glob("*.sql")}
    assert files == set(ANALYSIS_COLUMNS)


@pytest.mark.parametrize("analysis", CLEAN_BUILD_ANALYSES)
def test_analysis_runs_on_the_demo_build(
    analysis: str, demo_warehouse: Path, demo_runs: Path
) -> None:
    rows = show(demo_warehouse, demo_runs, analysis, ALL_ROWS_VARS.get(analysis))
    if analysis in EMPTY_ON_DEMO_RUNS:
        # Corrected mode: a run is strong only beyond chance after multiple testing, and
        # no demo run is (test_top_strong_runs_per_family_filters_by_var checks the rows).
        assert rows == [], analysis
        return
    assert rows, f"{analysis} returned no rows"
    assert list(rows[0]) == ANALYSIS_COLUMNS[analysis]


def test_corrected_convergence_recomputed_in_sql_matches_the_python_step(
    shared_corrected_warehouse: Path, shared_runs: Path
) -> None:
    rows = show(
        shared_corrected_warehouse,
        shared_runs,
        "reference_vs_corrected_convergence",
        {"only_differences": False},
    )
    assert len(rows) == 4 * 55
    for row in rows:
        assert row["n_stabilized_corrected"] == row["build_n_stabilized"]
        if row["build_rho"] is None:
            assert row["corrected_rho"] is None
        else:
            assert row["corrected_rho"] == pytest.approx(row["build_rho"], abs=1e-9)


def test_reference_build_is_recognised_and_recomputed(
    shared_reference_warehouse: Path, shared_runs: Path
) -> None:
    jumps = show(shared_reference_warehouse, shared_runs, "reference_vs_corrected_jumps")
    assert {row["build_phase_is"] for row in jumps} == {"reference"}
    stable_rank = [row for row in jumps if row["metric"] == "stable_rank"]
    assert sum(row["n_jumps"] for row in stable_rank) == 2991
    assert sum(row["n_early_reference"] for row in stable_rank) == 2991
    assert sum(row["n_early_corrected"] for row in stable_rank) < 2991

    convergence = show(
        shared_reference_warehouse,
        shared_runs,
        "reference_vs_corrected_convergence",
        {"only_differences": False},
    )
    for row in convergence:
        assert row["n_stabilized_reference"] == row["build_n_stabilized"]
        if row["build_rho"] is None:
            assert row["reference_rho"] is None
        else:
            assert row["reference_rho"] == pytest.approx(row["build_rho"], abs=1e-9)


def test_top_strong_runs_per_family_filters_by_var(
    shared_reference_warehouse: Path, shared_runs: Path
) -> None:
    rows = show(
        shared_reference_warehouse,
        shared_runs,
        "top_strong_runs_per_family",
        {"metric": "stable_rank", "top_n": 1},
    )
    assert list(rows[0]) == ANALYSIS_COLUMNS["top_strong_runs_per_family"]
    assert {row["metric"] for row in rows} == {"stable_rank"}
    assert {row["arch_family"]: row["rank_in_family"] for row in rows} == {
        "cnn": 1,
        "mlp": 1,
        "transformer": 1,
    }
    mlp = next(row for row in rows if row["arch_family"] == "mlp")
    assert mlp["run_id"] == "mlp_narrow_mnist"


@pytest.fixture(scope="module")
def broken_build(demo_runs: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two demo runs, a file that is not JSON, and a run with a measurement without loss."""
    folder = tmp_path_factory.mktemp("broken") / "runs"
    folder.mkdir()
    sources = sorted(demo_runs.glob("*.json"))[:2]
    for source in sources:
        shutil.copy(source, folder / source.name)
    (folder / "not_json.json").write_text("{this is not json", encoding="utf-8")
    document = json.loads(sources[0].read_text(encoding="utf-8"))
    document["measurements"][3]["loss"] = None
    (folder / "lossless_copy.json").write_text(json.dumps(document), encoding="utf-8")
    warehouse = build_warehouse(tmp_path_factory.mktemp("broken_warehouse"), folder)
    return warehouse, folder


def test_load_issues_summary_counts_the_broken_files(broken_build: tuple[Path, Path]) -> None:
    warehouse, folder = broken_build
    rows = show(warehouse, folder, "load_issues_summary")
    assert rows
    assert list(rows[0]) == ANALYSIS_COLUMNS["load_issues_summary"]
    by_problem = {row["problem"]: row for row in rows}
    assert by_problem["missing_loss"]["n_runs"] == 1
    assert by_problem["missing_loss"]["n_measurements"] == 1
    assert by_problem["missing_loss"]["consequence"] == "measurement not analysed"
    not_loaded = [row for row in rows if row["consequence"] == "file not loaded"]
    assert sum(row["n_files"] for row in not_loaded) == 1
