"""The build records itself (build_info), reports a summary, and fails when it analyses no run.

Readers open the warehouse through python_steps.warehouse: one line, never a traceback, when
it is missing, locked, empty, incomplete or holds no analysed run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml
from dbt import version as dbt_version

from python_steps.warehouse import (
    WarehouseUnavailable,
    describe_build,
    open_warehouse,
    read_build_info,
)
from tests.conftest import REPO_ROOT, DbtBuildError, query, run_dbt

METRICS = ["stable_rank", "participation_ratio", "effective_rank_90", "nuclear_norm_ratio"]


def write_wide_tidy_runs(folder: Path) -> None:
    """A metrics.csv in wide form (one column per metric), as pandas writes it naturally."""
    folder.mkdir(parents=True)
    rows = [
        {"run_id": "mlp", "step": step, "layer": layer}
        | {metric: 1.0 + step / 100 + index for index, metric in enumerate(METRICS)}
        for step in range(0, 100, 10)
        for layer in ("fc1", "fc2")
    ]
    pd.DataFrame(rows).to_csv(folder / "metrics.csv", index=False)
    losses = pd.DataFrame({"run_id": "mlp", "step": range(0, 100, 10), "loss": 1.0})
    losses.to_csv(folder / "losses.csv", index=False)


@pytest.fixture(scope="module")
def wide_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("wide")
    write_wide_tidy_runs(root / "runs")
    with pytest.raises(DbtBuildError) as failure:
        run_dbt(root / "dbt", root / "runs")
    return root / "dbt" / "warehouse.duckdb", str(failure.value)


def test_build_info_records_the_build(demo_warehouse: Path, demo_runs: Path) -> None:
    # Later commands on this warehouse (other tests' `dbt show`) rewrite run_results.json;
    # the log keeps every command's output, the build's summary with its id included.
    log = (demo_warehouse.parent / "logs" / "dbt.log").read_text()
    with open_warehouse(demo_warehouse) as con:
        info = read_build_info(con)
        (n_rows,) = con.execute("select count(*) from build_info").fetchall()[0]
        (n_runs, n_analyzed) = con.execute(
            "select count(*), count(*) filter (where is_analyzed) from runs"
        ).fetchall()[0]
        (n_issues,) = con.execute("select count(*) from load_issues").fetchall()[0]
        (duckdb_version,) = con.execute("select version()").fetchall()[0]
    assert n_rows == 1
    assert f"Build summary (build {info['build_id']}, mode corrected)" in log
    assert info["runs_path"] == str(demo_runs)
    assert info["analysis_mode"] == "corrected"
    assert info["build_status"] == "success"
    assert info["build_started_at"] < info["build_finished_at"]
    assert info["dbt_version"] == dbt_version.__version__
    assert info["duckdb_version"] == duckdb_version
    assert (info["engine"], info["engine_version"]) == ("duckdb", duckdb_version)
    n_files = len(list(demo_runs.glob("*.json")))
    assert (info["n_runs_found"], info["n_runs_loaded"]) == (n_files, n_runs)
    assert (info["n_runs_analyzed"], info["n_load_issues"]) == (n_analyzed, n_issues)
    assert str(demo_runs) in describe_build(info)


def test_settings_json_holds_every_analysis_var(demo_warehouse: Path) -> None:
    project = yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())
    with open_warehouse(demo_warehouse) as con:
        settings = read_build_info(con)["settings"]
    # Presentation vars (the charts' `chart_*`) change no analysed figure.
    expected = {
        name: value
        for name, value in project["vars"].items()
        if name != "project_version" and not name.startswith("chart_")
    }
    missing = sorted(set(expected) - set(settings))
    assert not missing, f"add {missing} to analysis_var_names() in macros/build_info.sql"
    assert settings == expected
    assert project["vars"]["project_version"] == project["version"]


def test_settings_json_follows_the_vars(tmp_path: Path, demo_runs: Path) -> None:
    """A var given on the command line is what build_info records (and the mode column)."""
    run_dbt(
        tmp_path,
        demo_runs,
        dbt_vars={"analysis_mode": "reference", "jump_z_threshold": 2.5},
        extra_args=["--select", "+build_info", "--exclude-resource-type", "unit_test"],
    )
    warehouse = tmp_path / "warehouse.duckdb"
    rows = query(warehouse, "select analysis_mode, settings_json from build_info")
    assert rows[0][0] == "reference"
    settings = json.loads(rows[0][1])
    assert (settings["analysis_mode"], settings["jump_z_threshold"]) == ("reference", 2.5)


def test_build_ends_with_a_summary(demo_warehouse: Path) -> None:
    log = (demo_warehouse.parent / "logs" / "dbt.log").read_text()
    summary = log[log.rindex("Build summary") :]
    assert "mode corrected" in summary
    assert "runs: 12 found, 12 loaded, 12 analysed" in summary
    assert "charts/index.html" in summary


def test_wide_metrics_csv_fails_the_build_saying_which_form(wide_build: tuple[Path, str]) -> None:
    warehouse, message = wide_build
    assert "The build analysed no run." in message
    assert "runs: 0 found, 0 loaded, 0 analysed" in message
    assert "metrics.csv is not in the tidy long form" in message
    assert "one row per run, step, layer and metric is expected" in message
    assert "stable_rank" in message  # the columns the file has
    assert "select * from load_issues" in message
    status = query(warehouse, "select build_status, build_finished_at is not null from build_info")
    assert status == [("failed", True)]


@pytest.mark.parametrize(
    ("statuses", "n_runs_analyzed", "word"),
    [
        (["success", "pass", "pass"], 3, "success"),
        (["success", "pass", "fail"], 3, "failed"),  # a data test failed
        (["success", "error", "skipped"], 3, "failed"),  # a model errored
        (["success", "pass"], 0, "failed"),  # nothing analysed
    ],
)
def test_build_status_from_the_results(
    tmp_path: Path, demo_runs: Path, statuses: list[str], n_runs_analyzed: int, word: str
) -> None:
    """The on-run-end hook's verdict on a build's results (dbt's own status words)."""
    result = run_dbt(
        tmp_path,
        demo_runs,
        command="run-operation",
        extra_args=[
            "log_build_status_word",
            "--args",
            json.dumps({"statuses": statuses, "n_runs_analyzed": n_runs_analyzed}),
        ],
    )
    assert f"build status: {word}" in result.stdout


def test_partial_command_marks_the_build_modified(
    demo_warehouse: Path, demo_runs: Path, tmp_path: Path
) -> None:
    """`dbt run --select runs` changes a table but not build_info: the row says so."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_warehouse, copy)
    run_dbt(tmp_path, demo_runs, command="run", extra_args=["--select", "runs"], warehouse=copy)
    assert query(copy, "select build_status from build_info") == [("modified",)]
    log = (tmp_path / "logs" / "dbt.log").read_text()
    assert "build_info no longer describes every table" in log


# Opening the warehouse --------------------------------------------------------------------


def unavailable_message(path: Path) -> str:
    with pytest.raises(WarehouseUnavailable) as error:
        open_warehouse(path)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_missing_warehouse(tmp_path: Path) -> None:
    assert "No warehouse at" in unavailable_message(tmp_path / "nothing.duckdb")


def test_empty_warehouse(tmp_path: Path) -> None:
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    assert "is empty" in unavailable_message(tmp_path / "empty.duckdb")


def test_warehouse_missing_tables(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        con.execute("create table runs (run_id varchar)")
    message = unavailable_message(tmp_path / "old.duckdb")
    assert "has no table build_info, load_issues" in message


def test_warehouse_with_no_analysed_run(wide_build: tuple[Path, str]) -> None:
    warehouse, _ = wide_build
    assert "holds no analysed run" in unavailable_message(warehouse)


def test_locked_warehouse(tmp_path: Path) -> None:
    path = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        message = unavailable_message(path)
        assert "is locked by a running build or another connection" in message
        assert f"PID {holder.pid}" in message
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
