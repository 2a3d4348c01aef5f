"""No temporary relation (`*__dbt_tmp*`) outlives a build: complete, incremental, or killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, query, run_dbt
from tests.test_bad_inputs import synthetic_run, write_json

DBT = Path(sys.executable).with_name("dbt")


def leftover_relations(warehouse: Path) -> list[tuple[str, str]]:
    return query(
        warehouse,
        "select table_schema, table_name from information_schema.tables"
        " where table_name like '%dbt_tmp%' or table_name like '%dbt_backup%'"
        " order by all",
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tmp_relations") / "runs"
    folder.mkdir()
    for seed in range(3):
        write_json(folder / f"run_{seed}.json", synthetic_run(400 + seed))
    return folder


def test_builds_leave_no_temporary_relation(runs: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    run_dbt(work, runs)
    assert leftover_relations(work / "warehouse.duckdb") == []
    write_json(runs / "run_added.json", synthetic_run(499))
    try:
        run_dbt(work, runs)  # incremental: delete+insert through temporary tables
        parsed_before = row_marks(work / "warehouse.duckdb")
        run_dbt(work, runs, dbt_vars={"jump_z_threshold": 2.5})
        parsed_after = row_marks(work / "warehouse.duckdb")
    finally:
        (runs / "run_added.json").unlink()
    assert leftover_relations(work / "warehouse.duckdb") == []
    # Parse once, analyse many times: the threshold change re-analysed every run from the
    # parsed values and re-read or re-inserted none of them (a row deleted and inserted
    # again gets a new rowid).
    for table in PARSED_TABLES:
        assert parsed_after[table] == parsed_before[table], table
    analysed_before, analysed_after = (
        parsed["int_layer_dynamics"] for parsed in (parsed_before, parsed_after)
    )
    assert analysed_before.isdisjoint(analysed_after)


PARSED_TABLES = (
    "int_ndt_documents_parsed",
    "int_ndt_layer_entries",
    "int_metric_values_unnested",
    "int_measurements_unnested",
    "int_measurements_validated",
    "int_layer_series",
    "int_run_series",
)


def row_marks(warehouse: Path) -> dict[str, object]:
    """Rows and highest rowid of each parsed table (a row inserted again gets a higher
    rowid), and the run versions of int_layer_dynamics (they include the settings)."""
    marks: dict[str, object] = {
        table: query(warehouse, f"select count(*), max(rowid) from {table}")[0]
        for table in PARSED_TABLES
    }
    marks["int_layer_dynamics"] = set(
        query(warehouse, "select distinct run_id, run_version from int_layer_dynamics")
    )
    return marks


def test_a_killed_build_leaves_none_behind_the_next_build(runs: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    run_dbt(work, runs)
    write_json(runs / "run_added.json", synthetic_run(498))
    env = {
        **os.environ,
        "WAREHOUSE_PATH": str(work / "warehouse.duckdb"),
        "RUNS_PATH": str(runs),
        "DO_NOT_TRACK": "1",
        "DUCKDB_TEMP_DIRECTORY": str(work / "duckdb_tmp"),
    }
    log = work / "killed" / "dbt.log"
    args = [str(DBT), "build", "--target-path", str(work / "target"), "--log-path", str(log.parent)]
    try:
        process = subprocess.Popen(
            [*args, "--vars", json.dumps({})],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        # Kill it in the middle of the incremental models (after the first model starts).
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None:
            if log.exists() and "START sql incremental model" in log.read_text(errors="replace"):
                break
            time.sleep(0.2)
        assert process.poll() is None, "the build ended before it could be killed"
        time.sleep(1.0)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        killed = leftover_relations(work / "warehouse.duckdb")
        run_dbt(work, runs)
    finally:
        (runs / "run_added.json").unlink(missing_ok=True)
    assert leftover_relations(work / "warehouse.duckdb") == [], f"after the kill: {killed}"
