"""One bad file never stops a build (issue 10, items 2 and 4).

A folder of good runs beside everything that looks like a run but cannot be read as one: a
directory, a FIFO and a link to a directory named x.json, a link loop, a dangling link, a
name that is not UTF-8, a file rewritten or deleted between the listing and the reading, a
file rewritten between its two reads. Each gets exactly one `load_issues` row; the build
never stops (nor hangs on the FIFO); every good run loads exactly as in a clean build of the
good runs alone. Item 4 rides along: steps above 2^53 stay distinct integers, a step beyond
a 64-bit integer is one `invalid_step` row, and a UTF-8 byte-order mark is accepted.

The changes during the build are made deterministic by building in three steps: the
inventory, then the first read (documents), then the rest, with the files changed between.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
import stat
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import build_warehouse, query, run_dbt
from tests.test_bad_inputs import (
    BAD_INDEX,
    NOT_PER_RUN_COLUMNS,
    PER_RUN_MARTS,
    assert_same_rows,
    fetch,
    synthetic_run,
    write_gzip,
    write_json,
)

BIG = 2**53  # the first integer above which a DOUBLE cannot hold every integer
NOT_UTF8_NAME = b"bad\xff.json"


def huge_steps_run() -> dict[str, Any]:
    document = synthetic_run(41)
    for index, measurement in enumerate(document["measurements"]):
        measurement["step"] = BIG + index  # distinct integers a DOUBLE would merge
    document["num_steps"] = BIG + len(document["measurements"])
    return document


def too_big_step_run() -> dict[str, Any]:
    document = synthetic_run(42)
    document["measurements"][BAD_INDEX]["step"] = 2**64 + 1
    return document


def with_bom(document: dict[str, Any]) -> bytes:
    return codecs.BOM_UTF8 + json.dumps(document).encode("utf-8")


GOOD = {
    "good_a.json": synthetic_run(43),
    "good_b.json.gz": synthetic_run(44),
    "bom.json": synthetic_run(45),
    "bom_gz.json.gz": synthetic_run(46),
    "huge_steps.json": huge_steps_run(),
    "link.json": synthetic_run(47),
}
CHANGED = {"changing.json": synthetic_run(48), "changing_late.json": synthetic_run(49)}
VANISHING = {"vanishing.json": synthetic_run(50)}
# file name -> its one load_issues problem
EXPECTED = {
    "dir.json": "not_a_file",
    "fifo.json": "not_a_file",
    "dir_link.json": "not_a_file",
    "loop.json": "unreadable",
    "dangling.json": "unreadable",
    NOT_UTF8_NAME.decode("utf-8", errors="replace"): "unreadable",
    "changing.json": "changed_during_build",
    "changing_late.json": "changed_during_build",
    "vanishing.json": "changed_during_build",
    "too_big_step.json": "invalid_step",
    "metrics.csv": "not_a_file",  # a tidy-format name: a directory
}


def run_id_of(file_name: str) -> str:
    return file_name.removesuffix(".gz").removesuffix(".json")


def write_good(folder: Path, plain: bool) -> None:
    """The good runs; with plain=True without byte-order marks and links (the reference)."""
    for name, document in GOOD.items():
        path = folder / name
        if name.startswith("bom") and not plain:
            raw = with_bom(document)
            path.write_bytes(gzip.compress(raw) if name.endswith(".gz") else raw)
        elif name == "link.json" and not plain:
            target = folder.parent / "outside" / "target.json"
            target.parent.mkdir(exist_ok=True)
            write_json(target, document)
            path.symlink_to(target)
        elif name.endswith(".gz"):
            write_gzip(path, document)
        else:
            write_json(path, document)


def write_bad(folder: Path) -> None:
    (folder / "dir.json").mkdir()
    (folder / "metrics.csv").mkdir()
    os.mkfifo(folder / "fifo.json")
    (folder / "dir_link.json").symlink_to(folder / "dir.json")
    (folder / "loop.json").symlink_to(folder / "loop.json")
    (folder / "dangling.json").symlink_to(folder / "nowhere")
    with open(os.fsencode(folder) + b"/" + NOT_UTF8_NAME, "wb") as out:
        out.write(json.dumps(synthetic_run(51)).encode("utf-8"))
    write_json(folder / "too_big_step.json", too_big_step_run())
    for name, document in {**CHANGED, **VANISHING}.items():
        write_json(folder / name, document)


def rewrite(path: Path) -> None:
    """A training job still writing: the file grows (and gets a new modification time)."""
    document = json.loads(path.read_text())
    document["measurements"].append(dict(document["measurements"][-1], step=10**6))
    write_json(path, document)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("unreliable")
    runs, alone = root / "runs", root / "alone"
    runs.mkdir()
    alone.mkdir()
    write_good(runs, plain=False)
    write_good(alone, plain=True)
    write_bad(runs)
    work = root / "build"
    # 1. the inventory; 2. the first read; 3. everything else. Files change in between.
    run_dbt(work, runs, command="run", extra_args=["--select", "stg_training_runs__files"])
    rewrite(runs / "changing.json")
    (runs / "vanishing.json").unlink()
    first_read = "stg_training_runs__compressed_documents int_ndt_documents_parsed"
    run_dbt(work, runs, command="run", extra_args=["--select", first_read], timeout=600)
    rewrite(runs / "changing_late.json")
    run_dbt(
        work,
        runs,
        command="build",
        extra_args=["--exclude", f"stg_training_runs__files {first_read}"],
        timeout=900,
    )
    return {
        "runs": runs,
        "warehouse": work / "warehouse.duckdb",
        "alone": build_warehouse(root / "alone_build", alone),
    }


@pytest.fixture(scope="module")
def issues(builds: dict[str, Path]) -> pd.DataFrame:
    return fetch(builds["warehouse"], "load_issues")


def test_each_bad_entry_is_one_load_issue(issues: pd.DataFrame) -> None:
    found = {row.file_name: row.problem for row in issues.itertuples()}
    assert found == EXPECTED
    assert len(issues) == len(EXPECTED), "one row each"
    assert issues.detail.str.len().gt(0).all()


def test_problem_details_say_what_happened(issues: pd.DataFrame) -> None:
    detail = issues.set_index("file_name").detail
    assert "directory" in detail["dir.json"]
    assert "FIFO" in detail["fifo.json"]
    assert "loop" in detail["loop.json"]
    assert "missing file" in detail["dangling.json"]
    assert "not valid UTF-8" in detail[NOT_UTF8_NAME.decode("utf-8", errors="replace")]
    assert "deleted" in detail["vanishing.json"]
    assert "read with" in detail["changing.json"]
    assert "read again with" in detail["changing_late.json"]
    assert "64-bit" in detail["too_big_step.json"]
    # A file deleted mid-build is not a run without measurements.
    assert not issues.problem.isin(["no_measurements", "invalid_json"]).any()


def test_bad_entries_load_no_run(builds: dict[str, Path]) -> None:
    run_ids = {row[0] for row in query(builds["warehouse"], "select run_id from runs")}
    loaded = {run_id_of(name) for name in GOOD} | {"too_big_step"}
    assert run_ids == loaded


def test_good_runs_load_as_alone(builds: dict[str, Path]) -> None:
    good_ids = {run_id_of(name) for name in GOOD}
    for mart in PER_RUN_MARTS:
        alone = fetch(builds["alone"], mart)
        beside = fetch(builds["warehouse"], mart, good_ids)
        assert set(alone.run_id) == good_ids, mart
        assert_same_rows(beside, alone, ignore=NOT_PER_RUN_COLUMNS, label=mart)


def test_steps_above_2_53_stay_distinct_integers(builds: dict[str, Path]) -> None:
    steps = query(
        builds["warehouse"],
        "select step, typeof(step) from losses where run_id = 'huge_steps' order by step",
    )
    assert [step for step, _ in steps] == [BIG + i for i in range(len(steps))]
    assert {kind for _, kind in steps} <= {"BIGINT", "HUGEINT"}
    assert query(
        builds["warehouse"], "select is_analyzed, num_steps from runs where run_id = 'huge_steps'"
    ) == [(True, BIG + len(steps))]


def test_step_beyond_64_bits_excludes_only_its_measurement(builds: dict[str, Path]) -> None:
    rows = query(
        builds["warehouse"],
        "select is_analyzed, n_measurements, n_complete_measurements from runs"
        " where run_id = 'too_big_step'",
    )
    assert rows == [(True, 40, 39)]


def test_byte_order_mark_is_accepted(builds: dict[str, Path]) -> None:
    assert (builds["runs"] / "bom.json").read_bytes().startswith(codecs.BOM_UTF8)
    rows = query(
        builds["warehouse"], "select run_id, is_analyzed from runs where run_id like 'bom%'"
    )
    assert sorted(rows) == [("bom", True), ("bom_gz", True)]


def test_fifo_is_never_opened(builds: dict[str, Path]) -> None:
    # The build above finished within its timeout: a read of the FIFO would have blocked
    # it forever (no writer). The entry is still the FIFO it was.
    assert stat.S_ISFIFO(os.lstat(builds["runs"] / "fifo.json").st_mode)
