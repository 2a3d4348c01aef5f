"""The Spark build equals the DuckDB build (`make test-spark`; docs/spark.md).

Builds the same runs with real dbt on both engines, every model ported to Spark so far
(selector `spark`, with the data tests of those models), then compares every ported table
row by row: exact for ids, counts, flags, text and versions; floats within 1e-12 relative
(the tables and the rules: tests/spark/comparison.py).
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
import os
import pickle
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import duckdb
import pytest

from python_steps.spark_to_duckdb import reader_tables
from tests.conftest import REPO_ROOT, SHARED_RUNS
from tests.spark.comparison import PORTED_TABLES, file_differences, table_differences

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
# dbt's stdout of the last command run in a build's folder (`build`).
BUILD_LOG = "dbt_stdout.log"
BROKEN_FILES = {
    "broken_empty.json": "",
    "broken_not_json.json": '{"measurements": [',
    "broken_top_level_array.json": "[1, 2, 3]",
    "broken_no_measurements.json": '{"arch_name": "mlp_x", "dataset_name": "mnist"}',
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


# (work folder, runs and fixtures folder, target, dbt command and selection)
Build = tuple[Path, Path, str, tuple[str, ...]]
SPARK_SELECTION = ("--selector", "spark")
# `dbt build` of the models ported to Spark, with their data tests.
BUILD_PORTED = ("build", *SPARK_SELECTION)


def build(
    work: Path, folders: Path, target: str, selection: tuple[str, ...] = SPARK_SELECTION
) -> float:
    """`dbt build --selector spark` (or `selection`) on `target` over `folders`' runs and
    fixtures; its duration in seconds."""
    [seconds] = build_together((work, folders, target, ("build", *selection)))
    return seconds


def build_together(*builds: Build) -> list[float]:
    """The builds (work folder, runs and fixtures folder, target, dbt command and selection)
    at once, each in a dbt process of its own, in its own work folder (a DuckDB build beside
    a Spark build uses the core the Spark driver leaves idle); each one's duration in
    seconds."""
    started = time.monotonic()
    processes, logs = [], []
    for work, folders, target, (dbt_command, *selection) in builds:
        work.mkdir(parents=True, exist_ok=True)
        command = (
            [str(DBT)] if target == "dev" else [str(PYTHON), "-m", "python_steps.spark_session"]
        )
        args = [
            *command,
            dbt_command,
            "--target",
            target,
            *selection,
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--vars",
            json.dumps({"validity_fixtures_path": str(folders / "fixtures")}),
        ]
        # dbt's output to files (a pipe that nobody reads while the other build runs fills).
        stdout, stderr = (work / BUILD_LOG).open("w"), (work / "dbt_stderr.log").open("w")
        process = subprocess.Popen(
            args,
            cwd=REPO_ROOT,
            env=dbt_environment(work, folders / "runs"),
            stdout=stdout,
            stderr=stderr,
            text=True,
        )
        processes.append((work, f"dbt {dbt_command} --target {target}", process))
        logs.extend((stdout, stderr))
    seconds: dict[int, float] = {}
    try:
        # Until every build has finished, one has failed, or 30 minutes have passed.
        while len(seconds) < len(processes) and time.monotonic() - started < 1800:
            for number, (_, _, process) in enumerate(processes):
                if number not in seconds and process.poll() is not None:
                    seconds[number] = time.monotonic() - started
            if any(process.returncode for _, _, process in processes):
                break
            time.sleep(0.5)
    finally:
        # A build that failed, or hangs, leaves no other dbt process running.
        for _, _, process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        for log in logs:
            log.close()
    # BUILD_LOG: dbt's log of the last command in `work` (the end-of-build summary in it).
    failed = [
        f"{what} failed:\n{(work / BUILD_LOG).read_text()[-8000:]}\n"
        f"{(work / 'dbt_stderr.log').read_text()[-3000:]}"
        for number, (work, what, process) in enumerate(processes)
        if number in seconds and process.returncode
    ]
    assert not failed, "\n".join(failed)
    unfinished = [what for number, (_, what, _) in enumerate(processes) if number not in seconds]
    assert not unfinished, f"{', '.join(unfinished)} did not finish in 30 minutes"
    return [seconds[number] for number in range(len(processes))]


@pytest.fixture(scope="module")
def warehouses(runs_folders: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("spark_vs_duckdb")
    seconds_duckdb, seconds_spark = build_together(
        (work / "duckdb", runs_folders, "dev", BUILD_PORTED),
        (work / "spark", runs_folders, "spark", BUILD_PORTED),
    )
    print(f"\nDuckDB build {seconds_duckdb:.0f} s, Spark build {seconds_spark:.0f} s")
    return {"duckdb": work / "duckdb" / "warehouse.duckdb", "spark": work / "spark"}


@pytest.fixture(scope="module")
def spark_tables(warehouses: dict) -> dict[str, list[dict]]:
    return read_spark_tables(warehouses["spark"])


# build_info with every column, beside the compared tables (one JVM reads both).
WHOLE_BUILD_INFO = "build_info (every column)"


def read_spark_tables(
    work: Path, tables_read: dict[str, tuple[list[str], set[str]]] = PORTED_TABLES
) -> dict[str, list[dict]]:
    """Every ported table of the Spark build in `work` (or those of `tables_read`), read by
    tests/spark/spark_reader.py in a process of its own (a fresh JVM on that metastore).
    build_info, when read, is read whole: under WHOLE_BUILD_INFO with every column, and under
    its name without the columns the comparison leaves out."""
    request = work / "spark_reader_request.json"
    out = work / "spark_reader_tables.pickle"
    request.write_text(
        json.dumps(
            {
                table: [] if table == "build_info" else sorted(left_out)
                for table, (_, left_out) in tables_read.items()
            }
        )
    )
    result = subprocess.run(
        [str(PYTHON), "-m", "tests.spark.spark_reader", str(work), str(request), str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, f"reading the Spark tables failed:\n{result.stderr[-6000:]}"
    tables = pickle.loads(out.read_bytes())
    out.unlink()
    if "build_info" in tables:
        left_out = tables_read["build_info"][1]
        tables[WHOLE_BUILD_INFO] = tables["build_info"]
        tables["build_info"] = [
            {name: value for name, value in row.items() if name not in left_out}
            for row in tables["build_info"]
        ]
    return tables


@pytest.fixture(scope="module")
def duckdb_tables(warehouses: dict) -> dict[str, list[dict]]:
    return read_duckdb_tables(warehouses["duckdb"])


def read_duckdb_tables(
    warehouse: Path, tables_read: dict[str, tuple[list[str], set[str]]] = PORTED_TABLES
) -> dict[str, list[dict]]:
    tables = {}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for table, (_, left_out) in tables_read.items():
            relation = connection.table(table)
            names = [name for name in relation.columns if name not in left_out]
            tables[table] = [
                dict(zip(names, row, strict=True))
                for row in relation.project(", ".join(f'"{n}"' for n in names)).fetchall()
            ]
    return tables


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
    # The detectors' events: on the real runs, detections on the fixtures, change points of
    # the real runs (none of them empty, so their comparison is not vacuous).
    assert "jump_z_score" in {row["detector"] for row in duckdb_tables["int_layer_events"]}
    assert "jump_z_score" in {row["detector"] for row in duckdb_tables["int_validity_detections"]}
    assert duckdb_tables["change_points"]
    # The detector marts: the six detectors judged on every fixture of the seed (those not
    # in the build with no detections), ROC points.
    fixtures = {row["fixture"] for row in duckdb_tables["validity_planted_events"]}
    assert len(duckdb_tables["detector_validity"]) == 6 * len(fixtures)
    assert any(row["n_detected"] for row in duckdb_tables["detector_validity"])
    assert duckdb_tables["detector_verdicts"]
    assert duckdb_tables["detector_roc"]
    # Every real run's metrics with their p-values (phase2_candidates may be empty: no run
    # is strong on these few runs in the corrected mode).
    critical = duckdb_tables["critical_periods"]
    assert {row["run_id"] for row in critical} == {
        name.removesuffix(".json") for name in [*CHOSEN_REAL_RUNS, GZIPPED_REAL_RUN]
    }
    assert all(row["loss_coupling_p_value"] is not None for row in critical)
    # The agreement marts: pairs with coinciding events (the as-of join matches something).
    for mart in ["metric_agreement", "detector_agreement", "loss_agreement"]:
        assert any(row["n_coinciding"] for row in duckdb_tables[mart]), mart
    # The reporting layer: the finished build's row, the exports and the charts have rows
    # (so their comparison is not vacuous).
    assert [row["build_status"] for row in duckdb_tables["build_info"]] == ["success"]
    for table in [
        "export_convergence_summary",
        "export_critical_periods_detailed",
        "export_critical_summary_by_metric",
        "export_jump_summary_by_metric",
        "export_jump_summary_by_run",
        "export_jumps_detailed",
        "chart_runs",
        "chart_jump_counts",
        "chart_jump_magnitude_boxes",
        "chart_jump_phase_histogram",
        "chart_convergence_patterns",
        "chart_rho_histogram",
        "chart_detector_validity",
        "chart_critical_periods",
        "chart_headline",
        "chart_jump_type_names",
        "chart_jump_type_counts",
        "chart_run_stabilization",
        "chart_stabilization_by_depth",
        *CHART_RUN_TABLES,
        "chart_jump_sample",
        "chart_jump_type_profiles",
        "chart_architecture_measures",
    ]:
        assert duckdb_tables[table], table
    # The jump sample is every jump with a magnitude (so the engines' hashes choose alike;
    # tests/spark/comparison.py).
    sample = duckdb_tables["chart_jump_sample"]
    for metric in {row["metric"] for row in sample}:
        rows = [row for row in sample if row["metric"] == metric]
        assert len(rows) == rows[0]["n_jumps_total"], metric
    assert any(row["cluster_sizes"] for row in duckdb_tables["export_jump_summary_by_metric"])


# The per-run chart tables (incremental by run on both engines).
CHART_RUN_TABLES = [
    "chart_run_summaries",
    "chart_run_loss",
    "chart_run_jumps",
    "chart_run_coordination",
    "chart_run_heatmap",
    "chart_run_comparison",
]


# --- build_info and the end-of-build summary ---------------------------------------------


def build_summary(log: str) -> list[str]:
    """The end-of-build summary in dbt's stdout (macros/build_summary.sql): its lines, from
    `Build summary` to `charts:`, without dbt's colour codes and time stamps and with the
    build id blanked."""
    lines = [
        re.sub(r"^\d\d:\d\d:\d\d\s+", "", re.sub(r"\x1b\[[0-9;]*m", "", line))
        for line in log.splitlines()
    ]
    starts = [i for i, line in enumerate(lines) if line.startswith("Build summary (build ")]
    assert len(starts) == 1, f"one summary expected in dbt's log, found {len(starts)}"
    summary = lines[starts[0] :]
    ends = [i for i, line in enumerate(summary) if line.startswith("  charts: ")]
    assert ends, "the summary has no `charts:` line"
    summary = summary[: ends[0] + 1]
    summary[0] = re.sub(r"\(build [^,]+,", "(build <id>,", summary[0])
    return summary


@pytest.fixture(scope="module")
def spark_build_info(spark_tables: dict[str, list[dict]]) -> list[dict]:
    """build_info of the Spark build, every column (read with the compared tables)."""
    return spark_tables[WHOLE_BUILD_INFO]


def test_the_spark_build_finishes_build_info_and_logs_the_summary(
    warehouses: dict, spark_build_info: list[dict], duckdb_tables: dict[str, list[dict]]
) -> None:
    """The end-of-build hook ran on Spark: build_info's row finished (status and finish
    time, without `update`), and dbt's log holds the same summary as DuckDB's build."""
    [info] = spark_build_info
    assert info["build_status"] == "success"
    assert info["build_finished_at"] is not None
    assert info["build_finished_at"] >= info["build_started_at"]
    assert info["duckdb_version"] is None
    assert info["engine"] == "spark"
    assert info["engine_version"].split()[0] == metadata.version("pyspark")
    [duck_info] = duckdb_tables["build_info"]
    assert duck_info["build_status"] == "success"
    # The real runs (the validity fixtures are not in `runs`).
    assert duck_info["n_runs_analyzed"] == len(CHOSEN_REAL_RUNS) + 1
    spark_summary = build_summary((warehouses["spark"] / BUILD_LOG).read_text())
    duckdb_summary = build_summary((warehouses["duckdb"].parent / BUILD_LOG).read_text())
    assert spark_summary[0] == "Build summary (build <id>, mode corrected)"
    assert any(line.startswith("  load issues: 4 (") for line in spark_summary), spark_summary
    assert spark_summary == duckdb_summary


# --- the exports and charts of a Spark build ---------------------------------------------------


def run_module(*args: str | Path) -> subprocess.CompletedProcess:
    """`python -m <args>` in the repository; fails the test with its output if it fails."""
    result = subprocess.run(
        [str(PYTHON), "-m", *map(str, args)],
        cwd=REPO_ROOT,
        env={**os.environ, "DO_NOT_TRACK": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, f"python -m {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_exports_and_charts_of_a_spark_build_equal_duckdbs(
    warehouses: dict, spark_build_info: list[dict], tmp_path: Path
) -> None:
    """`make run TARGET=spark`'s last steps: the Spark build's reporting tables copied into a
    DuckDB file (python_steps/spark_to_duckdb.py) hold every table the exports and charts
    read, equal to the DuckDB build's (the comparison's rules); they give the same export
    files (numbers within 1e-12 relative; build ids and versions aside) and the same chart
    page names (a page's content differs by its build id and the jitter), and `--check`
    passes on both."""
    spark_work = warehouses["spark"]
    copy = tmp_path / "spark-reporting.duckdb"
    run_module(
        "python_steps.spark_to_duckdb",
        "--spark-warehouse",
        spark_work / "spark-warehouse",
        "--metastore",
        spark_work / "spark-metastore",
        "--out",
        copy,
    )

    def export_and_draw(engine: str, warehouse: Path) -> tuple[Path, Path]:
        exports, charts = tmp_path / engine / "exports", tmp_path / engine / "charts"
        run_module("python_steps.exports", "--warehouse", warehouse, "--out", exports)
        run_module("python_steps.exports", "--warehouse", warehouse, "--out", exports, "--check")
        run_module("python_steps.charts", "--warehouse", warehouse, "--out", charts)
        run_module("python_steps.charts", "--warehouse", warehouse, "--out", charts, "--check")
        return exports, charts

    # Both engines' files at once (each step a process of its own, reading its own file).
    with ThreadPoolExecutor(max_workers=2) as pool:
        duck_outputs = pool.submit(export_and_draw, "duckdb", warehouses["duckdb"])
        spark_outputs = pool.submit(export_and_draw, "spark", copy)
        outputs = {"duckdb": duck_outputs.result(), "spark": spark_outputs.result()}
    (duck_exports, duck_charts), (spark_exports, spark_charts) = outputs["duckdb"], outputs["spark"]
    with duckdb.connect(str(copy), read_only=True) as connection:
        (build_id,) = connection.execute("select build_id from build_info").fetchone()
        copied = {name for (name,) in connection.execute("show tables").fetchall()}
    assert build_id == spark_build_info[0]["build_id"]
    required, optional = reader_tables()
    assert copied == required | optional
    read = {table: PORTED_TABLES[table] for table in sorted(copied)}
    differences = table_differences(
        read_duckdb_tables(warehouses["duckdb"], read), read_duckdb_tables(copy, read), read
    )
    assert not differences, "The copy differs from DuckDB's tables:\n" + "\n".join(differences)
    assert json.loads((spark_exports / "build_info.json").read_text())["build"]["engine"] == "spark"
    duck_files = sorted(path.name for path in duck_exports.iterdir())
    assert len(duck_files) == 6, duck_files  # the five report files and build_info.json
    assert duck_files == sorted(path.name for path in spark_exports.iterdir())
    differences = [
        difference
        for name in duck_files
        for difference in file_differences(duck_exports / name, spark_exports / name)
    ]
    assert not differences, "Spark's exports differ from DuckDB's:\n" + "\n".join(differences)
    pages = sorted(path.relative_to(duck_charts) for path in duck_charts.rglob("*.html"))
    assert pages, "no chart page was written"
    assert pages == sorted(path.relative_to(spark_charts) for path in spark_charts.rglob("*.html"))


# --- an incremental Spark build --------------------------------------------------------------

# After the builds above: one real run removed, one added and one changed (its last ten
# measurements dropped), then a second Spark `dbt run` in the same warehouse (incremental:
# insert_overwrite of the changed runs' partitions, the gone run's partitions dropped).
REMOVED_RUN = "mlp_shallow_2_ag_news.json"
ADDED_RUN = "mlp_shallow_2_qmnist.json"
CHANGED_RUN = "cnn_shallow_mnist.json"


@pytest.fixture(scope="module")
def incremental_tables(
    warehouses: dict,
    runs_folders: Path,
    spark_tables: dict[str, list[dict]],
    duckdb_tables: dict[str, list[dict]],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, dict[str, list[dict]]]:
    """The Spark warehouse after an incremental build of the changed folder, and a fresh
    DuckDB build of that folder (requesting the first builds' tables first: they are read
    before the folder changes)."""
    runs = runs_folders / "runs"
    (runs / REMOVED_RUN).unlink()
    shutil.copy(SHARED_RUNS / ADDED_RUN, runs / ADDED_RUN)
    changed = json.loads((runs / CHANGED_RUN).read_text())
    changed["measurements"] = changed["measurements"][:-10]
    (runs / CHANGED_RUN).write_text(json.dumps(changed))
    fresh = tmp_path_factory.mktemp("duckdb_after_change")
    # On Spark `dbt run`: the data tests ran on the first Spark build; here the fresh DuckDB
    # build runs them, and the comparison requires Spark's tables to equal the tested ones.
    seconds_spark, _ = build_together(
        (warehouses["spark"], runs_folders, "spark", ("run", *SPARK_SELECTION)),
        (fresh, runs_folders, "dev", BUILD_PORTED),
    )
    print(f"\nincremental Spark build {seconds_spark:.0f} s")
    return {
        "spark": read_spark_tables(warehouses["spark"]),
        "duckdb": read_duckdb_tables(fresh / "warehouse.duckdb"),
    }


def test_an_incremental_spark_build_equals_a_fresh_duckdb_build(
    incremental_tables: dict[str, dict[str, list[dict]]],
    duckdb_tables: dict[str, list[dict]],
) -> None:
    after = incremental_tables["duckdb"]
    runs_after = {row["run_id"]: row for row in after["runs"]}
    runs_before = {row["run_id"]: row for row in duckdb_tables["runs"]}
    # The change happened: one run gone, one new, one shorter.
    assert REMOVED_RUN.removesuffix(".json") not in runs_after
    assert ADDED_RUN.removesuffix(".json") in runs_after
    changed = CHANGED_RUN.removesuffix(".json")
    assert runs_after[changed]["n_measurements"] == runs_before[changed]["n_measurements"] - 10
    differences = table_differences(after, incremental_tables["spark"])
    assert not differences, "Spark (incremental) differs from DuckDB (fresh):\n" + "\n".join(
        differences
    )


def test_a_partial_spark_command_marks_build_info_modified(
    warehouses: dict,
    runs_folders: Path,
    incremental_tables: dict[str, dict[str, list[dict]]],
) -> None:
    """A command that changes a table without rebuilding build_info marks the row `modified`
    on Spark too (the table rewritten from the row it held: every other column unchanged)."""
    work = warehouses["spark"]
    # As the incremental build left it (read with that build's tables).
    [before] = incremental_tables["spark"][WHOLE_BUILD_INFO]
    assert before["build_status"] == "success"
    build(work, runs_folders, "spark", ("--select", "losses"))
    [after] = read_spark_tables(work, {"build_info": ([], set())})["build_info"]
    assert after == {**before, "build_status": "modified"}
    assert "build_info no longer describes every table" in (work / BUILD_LOG).read_text()
