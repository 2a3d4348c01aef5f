"""Exports name their build, notice a newer warehouse and disarm spreadsheet formulas.
(A warehouse they cannot read: tests/test_unavailable_warehouse.py.)
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from python_steps import exports
from tests.conftest import REPO_ROOT, build_warehouse, query, run_dbt


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "python_steps.exports", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def demo_exports(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("demo_exports")
    result = run_cli("--warehouse", str(demo_warehouse), "--out", str(out_dir))
    assert result.returncode == 0, result.stderr
    return out_dir


def test_every_export_names_its_build(demo_warehouse: Path, demo_exports: Path) -> None:
    ((build_id, runs_path),) = query(demo_warehouse, "select build_id, runs_path from build_info")
    record = json.loads((demo_exports / exports.BUILD_INFO_FILE).read_text())
    assert record["build"]["build_id"] == build_id
    assert record["build"]["runs_path"] == runs_path
    assert record["build"]["settings"]["analysis_mode"] == "corrected"
    assert set(record["files"]) == set(exports.EXPORT_FILES)
    for name in (exports.JUMPS_FILE, exports.CRITICAL_FILE):
        rows = csv_rows(demo_exports / name)
        assert rows, name
        assert {row["build_id"] for row in rows} == {build_id}, name


def test_check_accepts_current_exports(demo_warehouse: Path, demo_exports: Path) -> None:
    result = run_cli("--warehouse", str(demo_warehouse), "--out", str(demo_exports), "--check")
    assert result.returncode == 0, result.stderr
    assert "show the warehouse's build" in result.stdout


def test_check_refuses_exports_of_an_older_build(
    demo_warehouse: Path, demo_exports: Path, demo_runs: Path, tmp_path: Path
) -> None:
    """A later build into the same warehouse makes the exports stale: --check says so."""
    newer = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_warehouse, newer)
    run_dbt(tmp_path, demo_runs, extra_args=["--select", "build_info"], warehouse=newer)
    result = run_cli("--warehouse", str(newer), "--out", str(demo_exports), "--check")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "the warehouse now holds the newer build" in line
    assert "run `make export`" in line


# Spreadsheet formulas -----------------------------------------------------------------------


def test_spreadsheet_safe() -> None:
    for text in ("=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert exports.spreadsheet_safe(text) == "'" + text
    for value in ("run_a", "", -1.5, 3, None, "a=b"):
        assert exports.spreadsheet_safe(value) == value


@pytest.fixture(scope="module")
def formula_exports(demo_runs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo runs renamed so that run ids and architecture names look like formulas."""
    root = tmp_path_factory.mktemp("formulas")
    runs = root / "runs"
    runs.mkdir()
    names = ["=HYPERLINK(x)", "+plus", "-minus", "@at"]
    sources = sorted(demo_runs.glob("*.json"))[: len(names)]
    for name, source in zip(names, sources, strict=True):
        document = json.loads(source.read_text())
        document["arch_name"] = "=" + str(document.get("arch_name"))
        (runs / f"{name}.json").write_text(json.dumps(document))
    warehouse = build_warehouse(root / "dbt", runs)
    result = run_cli("--warehouse", str(warehouse), "--out", str(root / "exports"))
    assert result.returncode == 0, result.stderr
    return root / "exports"


def test_exported_csv_cells_never_start_a_formula(formula_exports: Path) -> None:
    rows = csv_rows(formula_exports / exports.CRITICAL_FILE)
    assert {row["experiment"] for row in rows} == {"'=HYPERLINK(x)", "'+plus", "'-minus", "'@at"}
    assert all(row["arch_name"].startswith("'=") for row in rows)
    for name in (exports.CRITICAL_FILE, exports.JUMPS_FILE):
        for row in csv_rows(formula_exports / name):
            for column, cell in row.items():
                assert not cell.startswith(("=", "+", "@")), (name, column, cell)
                if cell.startswith("-"):  # only numbers may start with a minus
                    float(cell)
    # JSON is not a spreadsheet: names stay as they are.
    convergence = json.loads((formula_exports / exports.CONVERGENCE_FILE).read_text())
    assert "=HYPERLINK(x)" in {record["experiment_name"] for record in convergence}
