"""Charts and exports on a warehouse they cannot use: one line on stderr saying why and what
to do, exit 1, no traceback, nothing written (issue 10, item 8).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO_ROOT

COMMANDS = {"charts": "python_steps.charts", "exports": "python_steps.exports"}
EXPECTED = {
    "missing": "No warehouse at",
    "empty": "is empty",
    "incomplete": "has no table",
    "locked": "is locked by a running build or another connection",
}


@pytest.mark.parametrize("case", list(EXPECTED))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_one_line_and_exit_1(tmp_path: Path, command: str, case: str) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    holder = None
    if case in ("empty", "incomplete", "locked"):
        with duckdb.connect(str(warehouse)) as con:
            if case == "incomplete":
                con.execute("create table runs (run_id varchar)")
    if case == "locked":
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
                "print('ready', flush=True); time.sleep(60)",
                str(warehouse),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    try:
        result = subprocess.run(
            [sys.executable, "-m", COMMANDS[command], "--warehouse", str(warehouse),
             "--out", str(tmp_path / "out")],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        )
    finally:
        if holder is not None:
            holder.kill()
            holder.wait()
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert EXPECTED[case] in lines[0]
    assert "make run" in lines[0] or "try again" in lines[0]
    assert not (tmp_path / "out").exists()


def test_build_on_a_warehouse_open_elsewhere_is_one_line(tmp_path: Path) -> None:
    """`make build` first checks that no other connection holds the warehouse."""
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    check = [sys.executable, "-m", "python_steps.warehouse", "--check-writable", str(warehouse)]
    assert subprocess.run(check, cwd=REPO_ROOT).returncode == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1], read_only=True); "
            "print('ready', flush=True); time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        result = subprocess.run(check, cwd=REPO_ROOT, capture_output=True, text=True)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert "is open in another process" in line and "con.close()" in line
