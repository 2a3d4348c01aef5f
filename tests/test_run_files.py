"""Unit tests of python_steps.run_files: the inventory listed by the operating system.

The dbt builds in test_unreliable_files.py and test_literal_paths.py show the rows reach
load_issues; these pin the classification itself, including what a root test run cannot
provoke for real (permission denied: root reads everything).
"""

from __future__ import annotations

import builtins
import gzip
import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from python_steps import run_files
from python_steps.run_files import (
    NoRunsError,
    glob_literal_path,
    inventory_frame,
    list_run_files,
    read_run_file,
    require_runs,
    tidy_inventory_frame,
)


def problems(folder: Path) -> dict[str, str | None]:
    return {entry.file_name: entry.listing_problem for entry in list_run_files(str(folder))}


def test_regular_files_and_links_to_them_are_readable(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "b.json.gz").write_bytes(gzip.compress(b"{}"))
    (tmp_path / "link.json").symlink_to(tmp_path / "a.json")
    (tmp_path / "notes.txt").write_text("not a run")
    assert problems(tmp_path) == {"a.json": None, "b.json.gz": None, "link.json": None}


def test_entries_that_are_not_regular_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "dir.json").mkdir()
    os.mkfifo(tmp_path / "fifo.json")
    (tmp_path / "loop.json").symlink_to(tmp_path / "loop.json")
    (tmp_path / "dangling.json").symlink_to(tmp_path / "missing")
    with open(os.fsencode(tmp_path) + b"/x\xfe.json", "wb") as out:
        out.write(b"{}")
    found = problems(tmp_path)
    assert found["dir.json"] == "not_a_file: a directory, not a run file"
    assert found["fifo.json"] == "not_a_file: a named pipe (FIFO), not a run file"
    assert found["loop.json"] == "unreadable: a symbolic link loop"
    assert found["dangling.json"].startswith("unreadable: a symbolic link to a missing file")
    assert found["x\ufffd.json"] == "unreadable: the file name is not valid UTF-8"


def test_tidy_names_that_are_not_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "metrics.csv").mkdir()
    (tmp_path / "losses.csv").write_text("run_id,step,loss\n")
    (tmp_path / "runs.csv").symlink_to(tmp_path / "missing.csv")
    frame = tidy_inventory_frame(str(tmp_path)).set_index("file_name")
    assert frame.listing_problem["metrics.csv"] == "not_a_file: a directory, not a run file"
    assert pd.isna(frame.listing_problem["losses.csv"])
    assert frame.file_size_bytes["losses.csv"] == len("run_id,step,loss\n")
    assert frame.listing_problem["runs.csv"].startswith("unreadable: a symbolic link")
    assert "metrics.parquet" not in frame.index


def test_permission_denied_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked.json").write_text("{}")
    real_open = builtins.open

    def denying_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(file).endswith("locked.json"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", denying_open)
    assert problems(tmp_path) == {"locked.json": "unreadable: permission denied"}
    if os.geteuid() != 0:  # for real, where the OS enforces it
        monkeypatch.undo()
        (tmp_path / "locked.json").chmod(0)
        assert problems(tmp_path) == {"locked.json": "unreadable: permission denied"}


def test_inventory_versions_follow_size_and_time(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text("{}")
    first = inventory_frame(str(tmp_path), str(tmp_path / "no fixtures"))
    path.write_text('{"a": 1}')
    second = inventory_frame(str(tmp_path), str(tmp_path / "no fixtures"))
    assert first.file_version[0] != second.file_version[0]
    assert list(second.run_id) == ["a"]
    # The same text DuckDB hashes: md5(path || '|' || size || '|' || epoch_us(modified)).
    with duckdb.connect() as connection:
        expected = connection.execute(
            "select md5(filename || '|' || size || '|' || epoch_us(last_modified))"
            " from read_blob(?)",
            [str(path)],
        ).fetchall()
    assert expected == [(second.file_version[0],)]


def test_read_run_file_reports_changes_and_strips_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"\xef\xbb\xbf{}")
    assert read_run_file(str(path), False, 5) == ("{}", None)
    assert read_run_file(str(path), False, 4)[1].startswith("changed_during_build: listed with 4")
    assert read_run_file(str(tmp_path / "gone.json"), False, 2) == (
        None,
        "changed_during_build: the file was deleted during the build",
    )
    gz = tmp_path / "b.json.gz"
    gz.write_bytes(gzip.compress(b"\xef\xbb\xbf{}"))
    assert read_run_file(str(gz), True, gz.stat().st_size) == ("{}", None)


def test_glob_escaping_is_literal_for_duckdb(tmp_path: Path) -> None:
    for name in ["x[1].json", "x1.json", "[[].json", "*.json"]:
        (tmp_path / name).write_text(name)
    with duckdb.connect() as connection:
        for name in ["x[1].json", "[[].json", "*.json"]:
            rows = connection.execute(
                "select content::varchar from read_blob(?)",
                [glob_literal_path(str(tmp_path / name))],
            ).fetchall()
            assert rows == [(name,)]


def test_a_folder_without_runs_is_named(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("no runs")
    with pytest.raises(NoRunsError, match="No training runs"):
        require_runs(str(tmp_path))
    (tmp_path / "metrics.csv").write_text("run_id\n")
    require_runs(str(tmp_path))
    assert run_files.looks_like_run("a.json.gz")
