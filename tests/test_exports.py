"""Tests of python_steps.exports: the report's five files, written from real built warehouses.

Reference mode on the 55 shared runs must give the report's own figures (and, where the
report's files are known, the report's own numbers); every build must give files whose row
counts equal the marts.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from python_steps import exports
from tests.conftest import query

REPORT_JUMP_COLUMNS = [
    "step",
    "magnitude",
    "speed",
    "direction",
    "phase",
    "layer",
    "experiment",
    "arch_name",
    "dataset",
    "phase_category",
    "cluster",
]
REPORT_CRITICAL_COLUMNS = [
    "experiment",
    "arch_name",
    "dataset",
    "total_critical_steps",
    "total_transitions",
    "num_coordinated_periods",
    "max_coordination",
    "mean_coordination",
    "loss_correlation",
]
REPORT_CONVERGENCE_KEYS = {
    "stabilization_points",
    "convergence_correlation",
    "convergence_p_value",
    "convergence_pattern",
    "num_stabilized_layers",
    "total_layers",
    "experiment_name",
    "arch_name",
    "dataset_name",
    "num_layers",
}
AG_NEWS_MLPS = [
    "mlp_medium_5_ag_news",
    "mlp_medium_ag_news",
    "mlp_narrow_ag_news",
    "mlp_shallow_2_ag_news",
    "mlp_verywide_ag_news",
    "mlp_wide_ag_news",
]


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"not valid JSON: {name}")


def load_json(path: Path) -> Any:
    """Strict JSON: NaN and Infinity (which json.dump writes by default) are refused."""
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=_reject_constant)


def load_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def run_exports(warehouse: Path, out_dir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The CLI, as `make export` calls it; checks it names every file it wrote."""
    assert exports.main(["--warehouse", str(warehouse), "--out", str(out_dir)]) == 0
    printed = capsys.readouterr().out
    for name in exports.EXPORT_FILES:
        assert (out_dir / name).is_file()
        assert str(out_dir / name) in printed
    return out_dir


def assert_files_match_marts(warehouse: Path, out_dir: Path) -> None:
    """Every file has as many records as the mart it comes from, for every metric."""
    metrics = [row[0] for row in query(warehouse, exports.METRICS_SQL)]
    jumps_per_metric = dict(query(warehouse, "select metric, count(*) from jumps group by all"))
    runs_per_metric = dict(
        query(warehouse, "select metric, count(*) from critical_periods group by all")
    )

    columns, jump_rows = load_csv(out_dir / exports.JUMPS_FILE)
    assert columns[: len(REPORT_JUMP_COLUMNS)] == REPORT_JUMP_COLUMNS
    assert "metric" in columns
    assert len(jump_rows) == query(warehouse, "select count(*) from jumps")[0][0]

    columns, critical_rows = load_csv(out_dir / exports.CRITICAL_FILE)
    assert columns[: len(REPORT_CRITICAL_COLUMNS)] == REPORT_CRITICAL_COLUMNS
    assert "metric" in columns
    assert len(critical_rows) == query(warehouse, "select count(*) from critical_periods")[0][0]

    convergence = load_json(out_dir / exports.CONVERGENCE_FILE)
    assert len(convergence) == query(warehouse, "select count(*) from convergence_order")[0][0]
    for record in convergence:
        assert REPORT_CONVERGENCE_KEYS | {"metric"} <= set(record)
        assert len(record["stabilization_points"]) == record["total_layers"]

    jump_summary = load_json(out_dir / exports.JUMP_SUMMARY_FILE)
    critical_summary = load_json(out_dir / exports.CRITICAL_SUMMARY_FILE)
    assert list(jump_summary) == metrics
    assert list(critical_summary) == metrics
    for metric in metrics:
        summary = jump_summary[metric]
        assert summary["metric"] == metric
        assert summary["total_jumps"] == jumps_per_metric.get(metric, 0)
        assert sum(summary["phase_distribution"].values()) == summary["total_jumps"]
        assert sum(summary["cluster_info"]["cluster_sizes"].values()) == summary["total_jumps"]
        experiments = summary["experiment_summaries"]
        assert len(experiments) == runs_per_metric[metric]
        assert sum(item["total_jumps"] for item in experiments) == summary["total_jumps"]
        for item in experiments:
            assert sum(item["layer_analysis"].values()) == item["total_jumps"]
        results = critical_summary[metric]["experiment_results"]
        assert len(results) == runs_per_metric[metric]
        assert critical_summary[metric]["summary"]["num_experiments"] == runs_per_metric[metric]


# --------------------------------------------------------------------------------------
# Without a warehouse
# --------------------------------------------------------------------------------------


def test_json_ready_turns_nan_and_infinity_into_null() -> None:
    value = {"a": float("nan"), "b": [1.5, float("inf")], "c": {"d": -float("inf"), "e": "x"}}
    assert exports.json_ready(value) == {"a": None, "b": [1.5, None], "c": {"d": None, "e": "x"}}


def test_convergence_records_use_the_reports_keys() -> None:
    row = {
        "metric": "participation_ratio",
        "experiment_name": "mlp_x",
        "arch_name": "mlp_small",
        "dataset_name": "mnist",
        "layers": [
            {"layer": "network.0", "index": 0, "step": 0},
            {"layer": "network.2", "index": None, "step": None},
        ],
        "convergence_correlation": None,
        "convergence_p_value": None,
        "convergence_pattern": "undetermined",
        "num_stabilized_layers": 1,
        "total_layers": 2,
    }
    (record,) = exports.convergence_records([row])
    assert set(record) == REPORT_CONVERGENCE_KEYS | {"metric", "stabilization_steps"}
    assert record["stabilization_points"] == {"network.0": 0, "network.2": None}
    assert record["num_layers"] == 2
    assert record["metric"] == "participation_ratio"


def test_missing_warehouse_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.duckdb"
    with pytest.raises(SystemExit) as exit_info:
        exports.main(["--warehouse", str(missing), "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 1
    assert "No warehouse at" in capsys.readouterr().err

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(SystemExit) as exit_info:
        exports.main(["--warehouse", str(empty), "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 1
    assert "is empty" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------
# Reference mode on the 55 shared runs: the report's figures
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference_exports(
    shared_reference_warehouse: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out_dir = tmp_path_factory.mktemp("reference_exports")
    exports.export_all(shared_reference_warehouse, out_dir)
    return out_dir


def test_reference_exports_match_the_marts(
    shared_reference_warehouse: Path, reference_exports: Path
) -> None:
    assert_files_match_marts(shared_reference_warehouse, reference_exports)


def test_reference_jump_summary_has_the_reports_figures(reference_exports: Path) -> None:
    summary = load_json(reference_exports / exports.JUMP_SUMMARY_FILE)["stable_rank"]
    assert summary["total_jumps"] == 2991
    assert summary["experiments_with_jumps"] == 55
    assert summary["phase_distribution"] == {"early": 2991, "mid": 0, "late": 0}
    assert summary["cluster_info"]["n_clusters"] == 5
    # The report's own file: {"0": 2104, "2": 437, "4": 431, "1": 13, "3": 6}.
    assert sorted(summary["cluster_info"]["cluster_sizes"].values(), reverse=True) == [
        2104,
        437,
        431,
        13,
        6,
    ]
    families = summary["architecture_summary"]
    assert {family: item["jumps"] for family, item in families.items()} == {
        "cnn": 297,
        "mlp": 1096,
        "transformer": 1598,
    }
    first = summary["experiment_summaries"][0]
    assert first["experiment"] == "cnn_deep_fashion_mnist"
    assert first["total_jumps"] == 27
    assert first["jumps_per_layer"] == 5.4
    assert first["layer_analysis"] == {
        "conv_layers.0": 16,
        "conv_layers.3": 4,
        "conv_layers.6": 3,
        "conv_layers.9": 2,
        "fc": 2,
    }


def test_reference_jump_rows_are_the_reports(reference_exports: Path) -> None:
    _, rows = load_csv(reference_exports / exports.JUMPS_FILE)
    stable_rank = [row for row in rows if row["metric"] == "stable_rank"]
    assert len(stable_rank) == 2991
    assert {row["phase_category"] for row in stable_rank} == {"early"}
    # The report's first row: step (its measurement index) 1, magnitude, speed, phase, cluster.
    first = stable_rank[0]
    assert (first["experiment"], first["layer"], first["measurement_index"]) == (
        "cnn_deep_fashion_mnist",
        "conv_layers.0",
        "1",
    )
    assert float(first["magnitude"]) == 1.0658141036401503e-14
    assert float(first["speed"]) == 5.495603971894525e-15
    assert float(first["phase"]) == 0.0005
    assert (first["direction"], first["cluster"]) == ("increase", "0")


def test_reference_critical_periods_have_the_reports_figures(reference_exports: Path) -> None:
    summary = load_json(reference_exports / exports.CRITICAL_SUMMARY_FILE)["stable_rank"]
    figures = summary["summary"]
    assert round(figures["mean_critical_periods"], 1) == 203.5
    assert round(figures["mean_transitions"], 1) == 210.2
    assert round(figures["mean_coordination"], 3) == 0.065
    assert round(figures["mean_loss_correlation"], 3) == 0.568
    assert figures["experiments_with_strong_periods"] == 49
    assert figures["num_experiments"] == 55
    families = summary["architecture_summary"]
    assert {f: round(v["mean_critical_periods"], 1) for f, v in families.items()} == {
        "cnn": 128.7,
        "mlp": 145.8,
        "transformer": 383.8,
    }
    assert {f: round(v["mean_coordination"], 3) for f, v in families.items()} == {
        "cnn": 0.080,
        "mlp": 0.047,
        "transformer": 0.095,
    }
    assert {f: round(v["mean_loss_correlation"], 3) for f, v in families.items()} == {
        "cnn": 0.612,
        "mlp": 0.561,
        "transformer": 0.556,
    }
    # The report's own first record.
    first = summary["experiment_results"][0]
    assert first["experiment"] == "cnn_deep_fashion_mnist"
    assert (
        first["total_critical_steps"],
        first["total_transitions"],
        first["num_coordinated_periods"],
        first["max_coordination"],
    ) == (180, 168, 26, 1.0)
    assert first["mean_coordination"] == pytest.approx(0.09, abs=1e-15)
    assert first["loss_correlation"] == pytest.approx(0.5627060931899641, abs=1e-15)


def test_reference_critical_rows_give_the_top_and_weak_runs(reference_exports: Path) -> None:
    _, rows = load_csv(reference_exports / exports.CRITICAL_FILE)
    stable_rank = [row for row in rows if row["metric"] == "stable_rank"]
    assert len(stable_rank) == 55
    strong = sorted(
        (row for row in stable_rank if row["is_strong"] == "True"),
        key=lambda row: float(row["loss_correlation"]),
        reverse=True,
    )
    assert len(strong) == 49
    top = [(row["experiment"], round(float(row["loss_correlation"]), 3)) for row in strong[:3]]
    assert top == [
        ("mlp_narrow_mnist", 0.937),
        ("mlp_wide_fashion_mnist", 0.839),
        ("mlp_medium_fashion_mnist", 0.775),
    ]
    assert all(float(row["max_coordination"]) == 1.0 for row in strong[:3])
    weak = sorted(row["experiment"] for row in stable_rank if row["is_strong"] == "False")
    assert weak == AG_NEWS_MLPS


def test_reference_convergence_is_unclear_everywhere(reference_exports: Path) -> None:
    records = [
        record
        for record in load_json(reference_exports / exports.CONVERGENCE_FILE)
        if record["metric"] == "stable_rank"
    ]
    assert len(records) == 55
    assert {record["convergence_pattern"] for record in records} == {"unclear"}
    assert {index for record in records for index in record["stabilization_points"].values()} == {0}
    # The report wrote NaN (not JSON) for the undefined rho; the export writes null.
    assert {record["convergence_correlation"] for record in records} == {None}


# --------------------------------------------------------------------------------------
# Corrected mode (the default) and the demo runs
# --------------------------------------------------------------------------------------


def test_corrected_exports_match_the_marts(
    shared_corrected_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = run_exports(shared_corrected_warehouse, tmp_path / "exports", capsys)
    assert_files_match_marts(shared_corrected_warehouse, out_dir)
    summary = load_json(out_dir / exports.JUMP_SUMMARY_FILE)
    assert set(summary) == {
        "effective_rank_90",
        "nuclear_norm_ratio",
        "participation_ratio",
        "stable_rank",
    }
    # Corrected phases spread over training: stable_rank's jumps are no longer all early.
    assert summary["stable_rank"]["total_jumps"] == 2991
    assert summary["stable_rank"]["phase_distribution"]["early"] < 2991


def test_demo_exports_match_the_marts(
    demo_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = run_exports(demo_warehouse, tmp_path / "exports", capsys)
    assert_files_match_marts(demo_warehouse, out_dir)
