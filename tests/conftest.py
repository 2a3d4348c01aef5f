"""Shared pytest fixtures: real DuckDB warehouses built by real dbt in temporary folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# The 55 real Phase 1 runs: $LAYER_DYNAMICS_REAL_RUNS, else ../shared/data/ndt-phase1-runs.
SHARED_RUNS = Path(
    os.environ.get("LAYER_DYNAMICS_REAL_RUNS")
    or REPO_ROOT.parent / "shared" / "data" / "ndt-phase1-runs"
).resolve()
DBT = Path(sys.executable).with_name("dbt")


class DbtBuildError(RuntimeError):
    """dbt exited non-zero; the message carries the end of its output."""


def run_dbt(
    work_dir: Path,
    runs_path: Path,
    *,
    command: str = "build",
    dbt_vars: dict[str, object] | None = None,
    extra_args: list[str] | None = None,
    warehouse: Path | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a dbt command from the repo root against a warehouse file in `work_dir`
    (`timeout` seconds at most: a build that hangs fails the test instead)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    warehouse = warehouse or work_dir / "warehouse.duckdb"
    env = {
        **os.environ,
        "WAREHOUSE_PATH": str(warehouse),
        "RUNS_PATH": str(runs_path),
        "DO_NOT_TRACK": "1",
        "DUCKDB_TEMP_DIRECTORY": str(work_dir / "duckdb_tmp"),
    }
    args = [
        str(DBT),
        command,
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
        "--vars",
        json.dumps(dbt_vars or {}),
        *(extra_args or []),
    ]
    result = subprocess.run(
        args, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise DbtBuildError(
            f"dbt {command} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
        )
    return result


def build_warehouse(
    work_dir: Path, runs_path: Path, dbt_vars: dict[str, object] | None = None
) -> Path:
    """`dbt build` (models, seeds and data tests) into work_dir/warehouse.duckdb."""
    run_dbt(work_dir, runs_path, dbt_vars=dbt_vars)
    return work_dir / "warehouse.duckdb"


def query(warehouse: Path, sql: str, parameters: list[object] | None = None) -> list[tuple]:
    """Rows of a query against a built warehouse (read-only)."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql, parameters or []).fetchall()


def require_shared_runs() -> Path:
    if not SHARED_RUNS.is_dir():
        pytest.skip(
            f"the 55 real Phase 1 runs are not at {SHARED_RUNS} "
            "(set LAYER_DYNAMICS_REAL_RUNS to their folder)"
        )
    return SHARED_RUNS


@pytest.fixture(scope="session")
def shared_runs() -> Path:
    return require_shared_runs()


@pytest.fixture(scope="session")
def shared_reference_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runs = require_shared_runs()
    return build_warehouse(
        tmp_path_factory.mktemp("shared_reference"), runs, {"analysis_mode": "reference"}
    )


@pytest.fixture(scope="session")
def shared_corrected_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    runs = require_shared_runs()
    return build_warehouse(tmp_path_factory.mktemp("shared_corrected"), runs)


@pytest.fixture(scope="session")
def demo_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from python_steps.demo_runs import generate_demo_runs

    out = tmp_path_factory.mktemp("demo") / "runs"
    generate_demo_runs(out)
    return out


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory, demo_runs: Path) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("demo_warehouse"), demo_runs)


@pytest.fixture()
def dbt_runner(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """run_dbt bound to this test's temporary folder."""

    def runner(runs_path: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
        return run_dbt(tmp_path / "dbt", runs_path, **kwargs)  # type: ignore[arg-type]

    return runner
