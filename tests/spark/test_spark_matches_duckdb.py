"""The Spark build equals the DuckDB build (`make test-spark`; docs/spark.md).

Builds the same runs with real dbt on both engines, every model ported to Spark so far
(selector `spark`, with the data tests of those models), then compares every ported table
row by row: exact for ids, counts, flags, text and versions; floats within 1e-12 relative.
The runs: five validity fixtures (two of them the null fixtures the change-point penalty is
calibrated and checked on), five of the real Phase 1 runs (one of them gzipped, read by the
Python reader on both engines) and four broken files (empty, not JSON, top level an array,
no measurements), copied into a temporary folder.

Needs Java 17 and .venv-spark (`make install-spark`). Without them the test skips, saying
why; with CI=true it fails instead.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO_ROOT, SHARED_RUNS

PYTHON = Path(sys.executable)
DBT = PYTHON.with_name("dbt")
FIXTURES = REPO_ROOT / "fixtures" / "validity"
CHOSEN_FIXTURES = [
    "validity_burst_5sd.json",
    "validity_coordinated_5sd.json",
    "validity_null_gaussian.json",
    # The change-point calibration needs its null fixtures: a calibration and the holdout.
    "validity_null_calibration_b.json",
    "validity_null_holdout.json",
]
CHOSEN_REAL_RUNS = [
    "mlp_shallow_2_mnist.json",
    "cnn_shallow_mnist.json",
    "cnn_deep_fashion_mnist.json",
    "mlp_shallow_2_ag_news.json",
]
# Read from a .json.gz copy (the Python reader's path on both engines).
GZIPPED_REAL_RUN = "cnn_medium_qmnist.json"
BROKEN_FILES = {
    "broken_empty.json": "",
    "broken_not_json.json": '{"measurements": [',
    "broken_top_level_array.json": "[1, 2, 3]",
    "broken_no_measurements.json": '{"arch_name": "mlp_x", "dataset_name": "mnist"}',
}
RELATIVE_TOLERANCE = 1e-12
# JSON text of a number: DuckDB keeps it as written (`0.00009089`), Spark writes back its
# parsed value (`9.089E-5`). Equal when they are the same double.
NUMBER_TEXT_COLUMNS = {"step_text", "loss_text", "raw_text"}
# The population variance of a rolling window: a two-pass variance on Spark, Welford's on
# DuckDB. Both are off by round-off of the order of eps * mean^2, which for a nearly constant
# window (a variance of ~1e-32) is far above 1e-12 relative. So these columns are compared
# within an absolute tolerance of ROLLING_VARIANCE_TOLERANCE * mean_value^2 (the same row's
# mean of the series); the flag they feed (is_stable_window) is compared exactly.
ROLLING_VARIANCE_COLUMNS = {"window_variance"}
ROLLING_VARIANCE_TOLERANCE = 1e-12

# The load issues have no key: a row is all of its columns.
LOAD_ISSUE_COLUMNS = [
    "file_name",
    "run_id",
    "problem",
    "detail",
    "consequence",
    "measurement_index",
    "layer",
    "metric",
]
LOAD_ISSUE_MODELS = [
    "int_load_issues__files",
    "int_load_issues__duplicate_run_ids",
    "int_load_issues__invalid_fields",
    "int_load_issues__measurements",
    "int_load_issues__values",
    "int_load_issues__missing_values",
    "int_load_issues__runs",
    "int_load_issues__tidy_rows",
    "int_load_issues__unmatched_losses",
    "int_load_issues__run_attributes",
    "int_load_issues__short_runs",
    "load_issues",
]

# Every table the Spark build makes, its key, and the columns left out of the comparison.
PORTED_TABLES: dict[str, tuple[list[str], set[str]]] = {
    "stg_training_runs__files": (["file_path"], set()),
    "stg_training_runs__compressed_documents": (["file_path"], set()),
    "int_ndt_documents_parsed": (["file_path"], set()),
    # `metrics` (DuckDB MAP(VARCHAR, JSON), Spark map<string, variant>) is compared value by
    # value in int_metric_values_unnested.
    "int_ndt_layer_entries": (
        ["file_path", "measurement_index", "position_in_measurement"],
        {"metrics"},
    ),
    "int_run_documents_loadable": (["run_id"], set()),
    "int_tidy_documents": (["run_id"], set()),
    "int_tidy_metric_rows": (["file_name", "file_row"], set()),
    "int_tidy_loss_rows": (["file_name", "run_id", "step"], set()),
    "int_measurements_unnested": (["run_id", "measurement_index"], set()),
    "int_metric_values_unnested": (["run_id", "measurement_index", "layer", "metric"], set()),
    "int_measurements_validated": (["run_id", "measurement_index"], set()),
    "int_runs_validated": (["run_id"], set()),
    "int_layer_series": (["run_id", "metric", "layer"], set()),
    "int_run_series": (["run_id"], set()),
    "int_layer_dynamics": (["run_id", "metric", "layer"], set()),
    "int_layer_summaries": (["run_id", "metric", "layer"], set()),
    "int_layer_series_flagged": (["run_id", "metric", "layer", "series_index"], set()),
    "int_jumps": (["run_id", "metric", "layer", "series_index"], set()),
    "int_step_coordination": (["run_id", "metric", "series_index"], set()),
    "int_validity_opportunities": (["run_id"], set()),
    "int_validity_scores": (["detector", "run_id", "layer", "measurement_index"], set()),
    "layer_stabilization": (["run_id", "metric", "layer"], set()),
    "step_coordination": (["run_id", "metric", "measurement_index"], set()),
    "int_tidy_files_checked": (["file_name"], set()),
    "int_tidy_run_attribute_rows": (["file_name", "run_id"], set()),
    **{model: (LOAD_ISSUE_COLUMNS, set()) for model in LOAD_ISSUE_MODELS},
    "int_load_issue_counts": (["run_id"], set()),
    "runs": (["run_id"], set()),
    "losses": (["run_id", "measurement_index"], set()),
    "metric_values": (["run_id", "measurement_index", "layer", "metric"], set()),
    # input_fingerprint hashes the input with each engine's own hash() (a skip marker, not data).
    "int_jump_types": (["run_id", "metric", "layer", "measurement_index"], {"input_fingerprint"}),
    "jumps": (["run_id", "metric", "layer", "measurement_index"], set()),
    "jump_type_profiles": (["metric", "jump_type"], set()),
    "int_convergence_order": (["run_id", "metric"], {"input_fingerprint"}),
    "convergence_order": (["run_id", "metric"], set()),
    # The seed, loaded from its file on both engines (macros/engine/seeds.sql).
    "validity_planted_events": (["fixture", "event_kind", "layer", "measurement_index"], set()),
    "int_change_point_grid": (
        ["penalty", "run_id", "metric", "layer", "measurement_index"],
        {"input_fingerprint"},
    ),
    "int_change_point_calibration": (["penalty"], set()),
    # One bookkeeping row per run (metric, layer, measurement_index NULL) and the change points.
    "int_change_points": (["run_id", "metric", "layer", "measurement_index"], set()),
    "int_loss_change_points": (["run_id", "measurement_index"], set()),
    "int_loss_coupling": (["run_id", "metric"], set()),
    # run_version hashes the run's critical steps with each engine's own hash().
    "int_coordination_null_model": (["run_id", "metric"], {"run_version"}),
}


def missing_prerequisite() -> str | None:
    """Why the Spark build cannot run here, or None."""
    if shutil.which("java") is None:
        return "no Java (apt-get install openjdk-17-jre-headless)"
    try:
        import dbt.adapters.spark  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as error:
        return f"{error.name} is not installed: run with .venv-spark (make install-spark)"
    if not SHARED_RUNS.is_dir():
        return f"the real runs are not at {SHARED_RUNS} ($LAYER_DYNAMICS_REAL_RUNS)"
    return None


@pytest.fixture(scope="module")
def prerequisites() -> None:
    problem = missing_prerequisite()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the Spark comparison: {problem}")
        pytest.skip(problem)


@pytest.fixture(scope="module")
def runs_folders(prerequisites: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("spark_runs")
    runs = root / "runs"
    fixtures = root / "fixtures"
    runs.mkdir()
    fixtures.mkdir()
    for name in CHOSEN_FIXTURES:
        shutil.copy(FIXTURES / name, fixtures / name)
    for name in CHOSEN_REAL_RUNS:
        shutil.copy(SHARED_RUNS / name, runs / name)
    (runs / f"{GZIPPED_REAL_RUN}.gz").write_bytes(
        gzip.compress((SHARED_RUNS / GZIPPED_REAL_RUN).read_bytes())
    )
    for name, text in BROKEN_FILES.items():
        (runs / name).write_text(text)
    return root


def dbt_environment(work: Path, runs: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RUNS_PATH": str(runs),
        "DO_NOT_TRACK": "1",
        "WAREHOUSE_PATH": str(work / "warehouse.duckdb"),
        "DUCKDB_TEMP_DIRECTORY": str(work / "duckdb_tmp"),
        "SPARK_WAREHOUSE_DIR": str(work / "spark-warehouse"),
        "SPARK_METASTORE_DIR": str(work / "spark-metastore"),
        "SPARK_MASTER": os.environ.get("SPARK_MASTER", "local[2]"),
        "SPARK_DRIVER_MEMORY": os.environ.get("SPARK_DRIVER_MEMORY", "2g"),
    }


def build(work: Path, folders: Path, target: str) -> float:
    """`dbt build --selector spark` on `target`; its duration in seconds."""
    work.mkdir(parents=True, exist_ok=True)
    command = [str(DBT)] if target == "dev" else [str(PYTHON), "-m", "python_steps.spark_session"]
    args = [
        *command,
        "build",
        "--target",
        target,
        "--selector",
        "spark",
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--vars",
        json.dumps({"validity_fixtures_path": str(folders / "fixtures")}),
    ]
    started = time.monotonic()
    result = subprocess.run(
        args,
        cwd=REPO_ROOT,
        env=dbt_environment(work, folders / "runs"),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, (
        f"dbt build --target {target} failed:\n{result.stdout[-8000:]}\n{result.stderr[-3000:]}"
    )
    return time.monotonic() - started


@pytest.fixture(scope="module")
def warehouses(runs_folders: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("spark_vs_duckdb")
    seconds_duckdb = build(work / "duckdb", runs_folders, "dev")
    seconds_spark = build(work / "spark", runs_folders, "spark")
    print(f"\nDuckDB build {seconds_duckdb:.0f} s, Spark build {seconds_spark:.0f} s")
    return {"duckdb": work / "duckdb" / "warehouse.duckdb", "spark": work / "spark"}


@pytest.fixture(scope="module")
def spark_tables(warehouses: dict) -> dict[str, list[dict]]:
    return read_spark_tables(warehouses["spark"])


def read_spark_tables(work: Path) -> dict[str, list[dict]]:
    """Every ported table of the Spark build, read through a Spark session on its metastore
    (after dbt has exited: Derby allows one process at a time)."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("layer_dynamics_spark_comparison")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(work / "spark-warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={work}/spark-metastore")
        .enableHiveSupport()
        .getOrCreate()
    )
    try:
        tables = {}
        for table, (_, left_out) in PORTED_TABLES.items():
            frame = session.table(f"layer_dynamics.{table}")
            frame = frame.select(*[name for name in frame.columns if name not in left_out])
            tables[table] = [row.asDict(recursive=True) for row in frame.collect()]
        return tables
    finally:
        session.stop()


@pytest.fixture(scope="module")
def duckdb_tables(warehouses: dict) -> dict[str, list[dict]]:
    return read_duckdb_tables(warehouses["duckdb"])


def read_duckdb_tables(warehouse: Path) -> dict[str, list[dict]]:
    tables = {}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for table, (_, left_out) in PORTED_TABLES.items():
            relation = connection.table(table)
            names = [name for name in relation.columns if name not in left_out]
            tables[table] = [
                dict(zip(names, row, strict=True))
                for row in relation.project(", ".join(f'"{n}"' for n in names)).fetchall()
            ]
    return tables


def as_number(text: object) -> float | None:
    try:
        return float(str(text))
    except ValueError:
        return None


def same_value(duck: object, spark: object, column: str = "", absolute: float = 0.0) -> bool:
    """Exact, except floats (within RELATIVE_TOLERANCE, or `absolute`), lists (element by
    element) and the JSON text of numbers (NUMBER_TEXT_COLUMNS: the same number, as each
    engine writes it)."""
    if column in NUMBER_TEXT_COLUMNS and duck != spark:
        duck_number, spark_number = as_number(duck), as_number(spark)
        return duck_number is not None and duck_number == spark_number
    if duck is None or spark is None:
        return duck is None and spark is None
    if isinstance(duck, float) or isinstance(spark, float):
        duck_number, spark_number = float(duck), float(spark)
        if math.isnan(duck_number) or math.isnan(spark_number):
            return math.isnan(duck_number) and math.isnan(spark_number)
        return math.isclose(duck_number, spark_number, rel_tol=RELATIVE_TOLERANCE, abs_tol=absolute)
    if isinstance(duck, list | tuple) and isinstance(spark, list | tuple):
        return len(duck) == len(spark) and all(
            same_value(d, s) for d, s in zip(duck, spark, strict=True)
        )
    if hasattr(duck, "tzinfo") and hasattr(spark, "tzinfo"):
        # DuckDB TIMESTAMPTZ (aware) against Spark TIMESTAMP (UTC session, naive).
        return duck.replace(tzinfo=None) == spark.replace(tzinfo=None)
    return duck == spark


def table_differences(
    duckdb_tables: dict[str, list[dict]], spark_tables: dict[str, list[dict]]
) -> list[str]:
    """One line per table and column that differs: how many rows, and the first of them."""
    differences: dict[tuple[str, str], list[str]] = {}
    for table, (key, _) in PORTED_TABLES.items():
        duck_rows, spark_rows = duckdb_tables[table], spark_tables[table]
        duck_columns = set(duck_rows[0]) if duck_rows else set()
        spark_columns = set(spark_rows[0]) if spark_rows else set()
        if duck_rows and spark_rows and duck_columns != spark_columns:
            differences[(table, "columns")] = [
                f"only in DuckDB {sorted(duck_columns - spark_columns)}, "
                f"only in Spark {sorted(spark_columns - duck_columns)}"
            ]
            continue
        by_key_duck = {tuple(row[k] for k in key): row for row in duck_rows}
        by_key_spark = {tuple(row[k] for k in key): row for row in spark_rows}
        assert len(by_key_duck) == len(duck_rows), f"{table}: key {key} is not unique"
        if by_key_duck.keys() != by_key_spark.keys():
            only_duck = sorted(map(str, by_key_duck.keys() - by_key_spark.keys()))[:3]
            only_spark = sorted(map(str, by_key_spark.keys() - by_key_duck.keys()))[:3]
            differences[(table, "rows")] = [
                f"{len(duck_rows)} rows on DuckDB, {len(spark_rows)} on Spark; "
                f"only on DuckDB {only_duck}, only on Spark {only_spark}"
            ]
            continue
        for row_key, duck_row in by_key_duck.items():
            spark_row = by_key_spark[row_key]
            for column, duck_value in duck_row.items():
                absolute = 0.0
                if column in ROLLING_VARIANCE_COLUMNS and duck_row.get("mean_value") is not None:
                    absolute = ROLLING_VARIANCE_TOLERANCE * duck_row["mean_value"] ** 2
                if not same_value(duck_value, spark_row[column], column, absolute):
                    differences.setdefault((table, column), []).append(
                        f"{row_key}: DuckDB {str(duck_value)[:80]!r}, "
                        f"Spark {str(spark_row[column])[:80]!r}"
                    )
    return [
        f"{table}.{column}: {len(rows)} rows differ, e.g. {rows[0]}"
        for (table, column), rows in differences.items()
    ]


def test_spark_builds_every_ported_table_as_duckdb(
    duckdb_tables: dict[str, list[dict]], spark_tables: dict[str, list[dict]]
) -> None:
    differences = table_differences(duckdb_tables, spark_tables)
    assert not differences, "Spark differs from DuckDB:\n" + "\n".join(differences)


def test_the_comparison_covers_the_chosen_runs(duckdb_tables: dict[str, list[dict]]) -> None:
    """The builds compared hold what they should: every good run analysed, every broken file
    named with its problem (so an empty build cannot pass the comparison)."""
    runs = {row["run_id"]: row for row in duckdb_tables["int_runs_validated"]}
    expected_runs = {
        name.removesuffix(".json")
        for name in [*CHOSEN_FIXTURES, *CHOSEN_REAL_RUNS, GZIPPED_REAL_RUN]
    }
    assert set(runs) == expected_runs
    assert all(row["is_analyzed"] for row in runs.values())
    problems = {
        row["file_name"]: row["file_problem"] for row in duckdb_tables["int_ndt_documents_parsed"]
    }
    assert {name: problems[name] for name in BROKEN_FILES} == {
        "broken_empty.json": "empty_file",
        "broken_not_json.json": "invalid_json",
        "broken_top_level_array.json": "wrong_shape",
        "broken_no_measurements.json": "wrong_shape",
    }
    assert {row["file_name"] for row in duckdb_tables["load_issues"]} >= set(BROKEN_FILES)
    assert len(duckdb_tables["int_layer_series"]) > 100
    # The change points: a calibrated penalty, change points found on the layers and losses.
    assert sum(row["is_calibrated"] for row in duckdb_tables["int_change_point_calibration"]) == 1
    assert len(duckdb_tables["int_change_point_grid"]) > 100
    change_points = duckdb_tables["int_change_points"]
    assert {row["run_id"] for row in change_points if row["metric"] is None} == expected_runs
    assert sum(row["metric"] is not None for row in change_points) > 10
    loss_points = duckdb_tables["int_loss_change_points"]
    assert any(row["measurement_index"] is not None for row in loss_points)
    assert {row["run_id"] for row in duckdb_tables["int_loss_coupling"]} == expected_runs
    assert {row["run_id"] for row in duckdb_tables["int_coordination_null_model"]} == expected_runs
    assert sum(len(row["series_values"]) for row in duckdb_tables["int_layer_series"]) > 50_000
