"""Loading ndt run files (issue 2, items 4, 5 and 8).

- The 55 shared Phase 1 runs (skipped when ../shared is absent): counts, every value
  bit-equal to Python's json.load, layer_position = file order, the runs mart.
- Reconciliation on the bad-input folder of test_bad_inputs.py: the values in the files =
  values loaded + values reported.
- A .json.gz run loads exactly as its .json twin.
- Incremental builds (add, change and remove runs of both formats) equal a --full-refresh
  build of the same folder, with no duplicates.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from python_steps.loading import write_tidy_runs
from tests.conftest import build_warehouse, query, run_dbt
from tests.test_bad_inputs import (
    NOT_PER_RUN_COLUMNS,
    PER_RUN_MARTS,
    BadInputBuilds,
    assert_same_rows,
    bad_input_builds,
    fetch,
    run_id_of,
    synthetic_run,
    write_gzip,
    write_json,
)

N_SHARED_RUNS = 55
N_SHARED_LAYER_MEASUREMENTS = 160_000
N_SHARED_VALUES = 640_000
VALUE_PROBLEMS = ("null_value", "non_numeric_value", "non_finite_value")

# Every public mart and its grain.
PUBLIC_MARTS = {
    "runs": ["run_id"],
    "metric_values": ["run_id", "measurement_index", "layer", "metric"],
    "losses": ["run_id", "measurement_index"],
    "load_issues": None,
    "layer_stabilization": ["run_id", "metric", "layer"],
    "convergence_order": ["run_id", "metric"],
    "jumps": ["run_id", "metric", "layer", "measurement_index"],
    "critical_periods": ["run_id", "metric"],
    "step_coordination": ["run_id", "metric", "measurement_index"],
    "pooled_tests": ["test", "metric", "arch_family"],
    "architecture_comparison": ["arch_family", "metric"],
    "jump_type_profiles": ["metric", "jump_type"],
    "change_points": ["run_id", "metric", "layer", "measurement_index"],
    "metric_agreement": ["detector", "metric", "other_metric"],
    "detector_agreement": ["metric", "detector", "other_detector"],
    "loss_agreement": ["detector", "metric"],
}
# Incremental-by-run intermediate models behind public marts, and their grain (each run's
# bookkeeping row has NULL keys).
PER_RUN_MODELS = {
    "int_loss_change_points": ["run_id", "measurement_index"],
    "int_metric_agreement_runs": ["run_id", "detector", "metric", "other_metric"],
    "int_detector_agreement_runs": ["run_id", "detector", "metric", "other_detector"],
    "int_loss_agreement_runs": ["run_id", "detector", "metric"],
}


def file_values(run_id: str, document: dict[str, Any]) -> pd.DataFrame:
    """Every metric value of a parsed ndt document, with its layer's forward position."""
    layer_positions: dict[str, int] = {}
    rows = []
    for index, measurement in enumerate(document["measurements"]):
        for layer, metrics in measurement["layer_metrics"].items():
            layer_positions.setdefault(layer, len(layer_positions))
            for metric, value in metrics.items():
                rows.append(
                    (
                        run_id,
                        index,
                        measurement["step"],
                        layer,
                        layer_positions[layer],
                        metric,
                        value,
                    )
                )
    return pd.DataFrame(
        rows,
        columns=[
            "run_id",
            "measurement_index",
            "step",
            "layer",
            "layer_position",
            "metric",
            "value",
        ],
    )


def assert_bit_equal(loaded: pd.DataFrame, expected: pd.DataFrame) -> None:
    key = ["run_id", "measurement_index", "layer", "metric"]
    merged = expected.merge(
        loaded, on=key, how="outer", suffixes=("_file", "_loaded"), indicator=True
    )
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    file_bits = merged["value_file"].to_numpy(dtype=np.float64).view(np.uint64)
    loaded_bits = merged["value_loaded"].to_numpy(dtype=np.float64).view(np.uint64)
    assert (file_bits == loaded_bits).all()
    assert (merged["layer_position_file"] == merged["layer_position_loaded"]).all()
    assert (merged["step_file"] == merged["step_loaded"]).all()


# --- the 55 shared runs --------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_documents(shared_runs: Path) -> dict[str, dict[str, Any]]:
    return {
        path.name.removesuffix(".json"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(shared_runs.glob("*.json"))
    }


def test_shared_runs_load_completely(shared_corrected_warehouse: Path) -> None:
    warehouse = shared_corrected_warehouse
    assert query(warehouse, "select count(*), count(*) filter (where is_analyzed) from runs") == [
        (N_SHARED_RUNS, N_SHARED_RUNS)
    ]
    assert query(
        warehouse,
        "select count(distinct (run_id, measurement_index, layer)) from metric_values",
    ) == [(N_SHARED_LAYER_MEASUREMENTS,)]
    assert query(warehouse, "select count(*) from metric_values") == [(N_SHARED_VALUES,)]
    assert query(warehouse, "select count(*) from load_issues") == [(0,)]


def test_shared_values_are_the_files_values(
    shared_corrected_warehouse: Path, shared_documents: dict[str, dict[str, Any]]
) -> None:
    expected = pd.concat(
        [file_values(run_id, document) for run_id, document in shared_documents.items()],
        ignore_index=True,
    )
    assert len(expected) == N_SHARED_VALUES
    loaded = fetch(shared_corrected_warehouse, "metric_values")
    assert loaded["is_analyzed"].all()
    assert_bit_equal(loaded, expected)


def test_shared_runs_mart(
    shared_corrected_warehouse: Path, shared_documents: dict[str, dict[str, Any]]
) -> None:
    runs = fetch(shared_corrected_warehouse, "runs").set_index("run_id")
    assert set(runs.index) == set(shared_documents)
    for run_id, document in shared_documents.items():
        run = runs.loc[run_id]
        assert run.file_name == f"{run_id}.json"
        assert run.arch_name == document["arch_name"]
        assert run.arch_family == document["arch_name"].split("_")[0]
        assert run.dataset == document["dataset_name"]
        assert run.num_steps == document["num_steps"]
        assert run.measurement_interval == document["measurement_interval"]
        assert run.n_measurements == len(document["measurements"]) == 400
        assert run.n_complete_measurements == 400
        assert run.n_layers == len(document["measurements"][0]["layer_metrics"])
        assert run.final_accuracy == document["final_accuracy"]
        assert run.elapsed_time_seconds == document["elapsed_time"]


# --- reconciliation on the bad-input folder ------------------------------------------------


class JsonObject(list):
    """A JSON object as its list of (key, value) pairs: duplicate keys are kept."""


def parse_run_file(path: Path) -> Any:
    """The file's JSON with every object as a JsonObject, or None when it does not parse."""
    try:
        raw = path.read_bytes()
        text = (gzip.decompress(raw) if path.name.endswith(".gz") else raw).decode("utf-8")
        return json.loads(text, object_pairs_hook=JsonObject)
    except (OSError, EOFError, UnicodeDecodeError, ValueError):
        return None


def is_ndt_run(document: Any) -> bool:
    if not isinstance(document, JsonObject):
        return False
    fields = dict(document)
    return isinstance(fields.get("measurements"), list)


def measurement_values(measurement: Any) -> list[tuple[str, str, Any]]:
    """Every (layer, metric, value) leaf under the measurement's layer_metrics."""
    if not isinstance(measurement, JsonObject):
        return []
    layer_metrics = dict(measurement).get("layer_metrics")
    if not isinstance(layer_metrics, JsonObject):
        return []
    return [
        (layer, metric, value)
        for layer, metrics in layer_metrics
        if isinstance(metrics, JsonObject)
        for metric, value in metrics
    ]


@pytest.fixture(scope="module")
def bad_builds(tmp_path_factory: pytest.TempPathFactory) -> BadInputBuilds:
    return bad_input_builds(tmp_path_factory)


def test_values_in_files_equal_values_loaded_plus_values_reported(
    bad_builds: BadInputBuilds,
) -> None:
    warehouse = bad_builds.bad_warehouse
    issues = fetch(warehouse, "load_issues")
    loaded = fetch(warehouse, "metric_values")
    files_not_loaded = set(issues.file_name[issues.consequence == "file not loaded"])
    n_checked = 0
    for path in sorted(bad_builds.bad_runs.iterdir()):
        if not path.name.endswith((".json", ".json.gz")):
            continue
        document = parse_run_file(path)
        if not is_ndt_run(document):
            assert path.name in files_not_loaded, path.name
            continue
        run_id = run_id_of(path.name)
        measurements = dict(document)["measurements"]
        in_file = [len(measurement_values(m)) for m in measurements]
        if path.name in files_not_loaded:
            # Parseable but not loaded (a duplicate run id): reported as a whole file.
            assert run_id not in set(loaded.run_id), path.name
            continue
        file_issues = issues[issues.file_name == path.name]
        value_issues = file_issues[file_issues.problem.isin(VALUE_PROBLEMS)]
        # A measurement whose layer_metrics could not be read is reported as a whole.
        rejected = set(
            file_issues.measurement_index[file_issues.problem == "missing_layer_metrics"]
        )
        run_values = loaded[loaded.run_id == run_id]
        assert sum(in_file) == len(run_values) + len(value_issues) + sum(
            in_file[int(index)] for index in rejected
        ), path.name
        # And every value loaded is the file's number, bit for bit.
        numbers = [
            (run_id, index, layer, metric, float(value))
            for index, measurement in enumerate(measurements)
            if index not in rejected
            for layer, metric, value in measurement_values(measurement)
            if isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)
        ]
        expected = pd.DataFrame(
            numbers, columns=["run_id", "measurement_index", "layer", "metric", "value"]
        )
        merged = expected.merge(run_values, on=["run_id", "measurement_index", "layer", "metric"])
        assert len(merged) == len(expected) == len(run_values), path.name
        assert (
            merged.value_x.to_numpy(dtype=np.float64).view(np.uint64)
            == merged.value_y.to_numpy(dtype=np.float64).view(np.uint64)
        ).all()
        n_checked += 1
    assert n_checked >= 25


def test_compressed_run_loads_as_its_json_twin(bad_builds: BadInputBuilds) -> None:
    # compressed.json.gz in the bad-input folder, compressed.json in the good-only folder.
    for mart in ("runs", "metric_values", "losses", "jumps", "layer_stabilization"):
        assert_same_rows(
            fetch(bad_builds.bad_warehouse, mart, ["compressed"]),
            fetch(bad_builds.good_warehouse, mart, ["compressed"]),
            ignore=NOT_PER_RUN_COLUMNS,
            label=mart,
        )
    names = query(
        bad_builds.bad_warehouse, "select file_name from runs where run_id = 'compressed'"
    )
    assert names == [("compressed.json.gz",)]


# --- incremental builds --------------------------------------------------------------------


def rewrite(path: Path, write: Any, document: Any) -> None:
    """Write a file and move its modification time, so that the change is seen."""
    old = path.stat().st_mtime if path.exists() else None
    write(path, document)
    if old is not None:
        os.utime(path, (old + 10, old + 10))


@pytest.fixture(scope="module")
def incremental_and_full(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("incremental")
    runs = root / "runs"
    runs.mkdir()
    for seed in range(3):
        write_json(runs / f"run_{seed}.json", synthetic_run(200 + seed))
    write_gzip(runs / "packed.json.gz", synthetic_run(210))
    write_json(runs / "short.json", synthetic_run(211, n_measurements=2))
    write_tidy_runs({"tidy_0": synthetic_run(220), "tidy_1": synthetic_run(221)}, runs)
    incremental = build_warehouse(root / "incremental", runs)

    write_json(runs / "run_3.json", synthetic_run(203))  # added
    rewrite(runs / "run_1.json", write_json, synthetic_run(301))  # changed
    rewrite(runs / "packed.json.gz", write_gzip, synthetic_run(310))  # changed, compressed
    (runs / "run_2.json").unlink()  # removed
    (runs / "short.json").unlink()  # removed (had a load issue)
    write_json(runs / "bad.json", {"measurements": "none"})  # added, with a load issue
    for name in ("metrics.csv", "losses.csv", "runs.csv"):  # tidy_0 changed, tidy_1 removed
        (runs / name).unlink()
    write_tidy_runs({"tidy_0": synthetic_run(320), "tidy_2": synthetic_run(222)}, runs)
    run_dbt(root / "incremental", runs)

    full = root / "full" / "warehouse.duckdb"
    run_dbt(root / "full", runs, extra_args=["--full-refresh"])
    return incremental, full


def test_incremental_build_equals_full_refresh(incremental_and_full: tuple[Path, Path]) -> None:
    incremental, full = incremental_and_full
    expected_runs = {"run_0", "run_1", "run_3", "packed", "bad", "tidy_0", "tidy_2"}
    loaded_runs = {row[0] for row in query(incremental, "select run_id from runs")}
    assert loaded_runs == expected_runs - {"bad"}
    for mart, grain in PUBLIC_MARTS.items():
        left, right = fetch(incremental, mart), fetch(full, mart)
        assert_same_rows(left, right, label=mart)
        if grain is not None:
            assert not left.duplicated(grain).any(), mart
        if mart != "runs" and "run_id" in left.columns and mart in PER_RUN_MARTS:
            assert set(left.run_id) <= loaded_runs, mart
    for model, grain in PER_RUN_MODELS.items():
        left, right = fetch(incremental, model), fetch(full, model)
        assert_same_rows(left, right, label=model)
        assert not left.duplicated(grain).any(), model
        assert set(left.run_id) <= loaded_runs, model
    # The changed runs carry their new values.
    values = fetch(incremental, "metric_values", ["run_1", "packed", "tidy_0"])
    expected = pd.concat(
        [
            file_values("run_1", synthetic_run(301)),
            file_values("packed", synthetic_run(310)),
            file_values("tidy_0", synthetic_run(320)),
        ],
        ignore_index=True,
    )
    assert_bit_equal(values, expected)
    issues = query(incremental, "select file_name, problem from load_issues order by all")
    assert issues == [("bad.json", "wrong_shape")]


# Chart data kept per run through bookkeeping.model_run_versions (macros/run_versions.sql).
PER_RUN_CHART_TABLES = (
    "chart_run_heatmap",
    "chart_run_loss",
    "chart_run_coordination",
    "chart_run_jumps",
    "chart_run_comparison",
)


def test_incremental_chart_tables_equal_full_refresh(
    incremental_and_full: tuple[Path, Path],
) -> None:
    incremental, full = incremental_and_full
    for table in PER_RUN_CHART_TABLES:
        left, right = fetch(incremental, table), fetch(full, table)
        assert len(left) > 0, table
        assert_same_rows(left, right, label=table)
    # The bookkeeping holds one version per current run and table, as a full refresh does.
    per_run_sql = (
        "select model_name, run_id, run_version from bookkeeping.model_run_versions"
        " where run_id <> '*' order by all"
    )
    assert query(incremental, per_run_sql) == query(full, per_run_sql)
    assert {row[0] for row in query(incremental, per_run_sql)} >= set(PER_RUN_CHART_TABLES)
    # Whole tables hold one input fingerprint each. Its value is not compared: where a table
    # reads another one's rows, the fingerprint hashes floats whose last bits depend on the
    # order in which a parallel aggregate added them (architecture_comparison reads the
    # bootstrap intervals of per-run means), so two equal builds may record different ones.
    whole_table_sql = (
        "select model_name, count(*) from bookkeeping.model_run_versions"
        " where run_id = '*' group by all order by all"
    )
    whole_tables = query(incremental, whole_table_sql)
    assert whole_tables == query(full, whole_table_sql)
    assert {count for _, count in whole_tables} == {1}
    assert {"jumps", "architecture_comparison"} <= {name for name, _ in whole_tables}


def run_results(work_dir: Path) -> set[str]:
    """The nodes the last dbt command in work_dir ran."""
    results = json.loads((work_dir / "target" / "run_results.json").read_text())
    return {result["unique_id"] for result in results["results"]}


def test_full_scan_tests_run_only_when_selected(incremental_and_full: tuple[Path, Path]) -> None:
    incremental, _ = incremental_and_full
    work_dir = incremental.parent
    runs = work_dir.parent / "runs"
    manifest = json.loads((work_dir / "target" / "manifest.json").read_text())
    integrity = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "test" and "integrity" in node["tags"]
    }
    assert len(integrity) >= 4
    plain_build = run_results(work_dir)
    assert any(unique_id.startswith("model.") for unique_id in plain_build)
    # Selected (selectors.yml `full_scans`, as `make test` does), they run and pass on the
    # incrementally built tables: the integrity-tagged tests and every test of the largest
    # tables, e.g. the grain of metric_values.
    run_dbt(work_dir, runs, command="test", extra_args=["--selector", "full_scans"])
    full_scans = {unique_id for unique_id in run_results(work_dir) if unique_id.startswith("test.")}
    assert integrity <= full_scans
    assert any("unique_combination_of_columns_metric_values" in test for test in full_scans)
    # and the grain of the per-run chart data, as many rows as the archive's steps.
    assert any("unique_combination_of_columns_chart_run_heatmap" in test for test in full_scans)
    # and the grain of the tables of a row per jump or change point (millions at 5,500 runs).
    for table in ("int_jumps", "jumps", "int_jump_types", "int_change_points", "change_points"):
        assert any(f"unique_combination_of_columns_{table}_run_id" in test for test in full_scans)
    # A plain `dbt build` (the refresh above) ran none of them: the default selector.
    assert not full_scans & plain_build
    assert any(unique_id.startswith("test.") for unique_id in plain_build)
