"""Chart pages record the build they show, and `--check` (make check-charts) says when the
warehouse holds a newer build than the pages: one line, exit 1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from python_steps import charts
from python_steps.warehouse import BUILD_RECORD_FILE


def test_pages_record_their_build_and_check_notices_a_newer_one(
    demo_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_warehouse, warehouse)
    out = tmp_path / "charts"
    written = charts.main(
        ["--warehouse", str(warehouse), "--out", str(out), "--max-run-pages", "1"]
    )
    assert written == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (build_id,) = con.execute("select build_id from build_info").fetchall()[0]
    record = json.loads((out / BUILD_RECORD_FILE).read_text())
    assert record["build"]["build_id"] == build_id
    assert "index.html" in record["pages"]
    capsys.readouterr()

    assert charts.main(["--warehouse", str(warehouse), "--out", str(out), "--check"]) == 0
    assert "show the warehouse's" in capsys.readouterr().out

    # A newer build of the warehouse: the pages no longer show it.
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update build_info set build_id = 'a-newer-build'")
    assert charts.main(["--warehouse", str(warehouse), "--out", str(out), "--check"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "make charts" in err and build_id in err, err

    # No pages at all: also one line, exit 1.
    empty = tmp_path / "no_charts"
    assert charts.main(["--warehouse", str(warehouse), "--out", str(empty), "--check"]) == 1
    assert "No charts in" in capsys.readouterr().err
