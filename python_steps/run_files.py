"""The run-file inventory, listed by the operating system rather than by a glob.

DuckDB's file readers expand glob characters (`* ? [ ]`) even in a quoted path, and its
glob never lists a name holding a backslash; dbt-duckdb formats a source's location with
Python's str.format_map (braces). So the folder is listed here, every entry that looks like
a run gets one row, and SQL reads each file by a name escaped with `glob_literal_path`.

An entry that is not a regular readable file (a directory or FIFO named x.json, a dangling
link, a link loop, a file that cannot be opened, a name that is not UTF-8) is a row with its
`file_problem`, never silently skipped.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from python_steps.loading import COMPRESSED_DOCUMENT_COLUMNS, decompress_run_file

RUN_FILE_SUFFIXES = (".json", ".json.gz")
TIDY_FILE_NAMES = ("metrics.parquet", "metrics.csv", "losses.parquet", "losses.csv", "runs.csv")
TIDY_INVENTORY_COLUMNS = [
    "file_path",
    "file_name",
    "file_size_bytes",
    "file_modified_at",
    "listing_problem",
]
BYTE_ORDER_MARK = "\ufeff"
GLOB_CHARACTERS = frozenset("*?[")
INVENTORY_COLUMNS = [
    "file_path",
    "file_name",
    "file_size_bytes",
    "file_modified_at",
    "is_validity_fixture",
    "is_compressed",
    "is_read_by_python",
    "run_id",
    "file_version",
    "listing_problem",
]


@dataclass(frozen=True)
class RunFileEntry:
    """One folder entry that looks like a run file."""

    file_path: str
    file_name: str
    file_size_bytes: int | None
    file_modified_at: datetime | None
    is_validity_fixture: bool
    # `<code>: <words>` (the form stg_training_runs__documents uses) or None when readable.
    listing_problem: str | None


def glob_literal_path(path: str) -> str:
    """`path` as a DuckDB file pattern that matches exactly that path.

    Each glob character becomes a one-character class (`[*]`, `[?]`, `[[]`); `]` outside a
    class and braces are literal to DuckDB already.
    """
    return "".join(
        f"[{character}]" if character in GLOB_CHARACTERS else character for character in path
    )


def is_readable_by_pattern(path: str) -> bool:
    """False for a path DuckDB's readers cannot reach: glob characters switch DuckDB to
    glob matching, and its glob never matches a name holding a backslash."""
    return "\\" not in path or not GLOB_CHARACTERS.intersection(path)


def looks_like_run(name: str) -> bool:
    return name.endswith(RUN_FILE_SUFFIXES)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _modified_at(status: os.stat_result) -> datetime:
    """Modification time to the microsecond, as DuckDB's read_blob reports it."""
    return EPOCH + timedelta(microseconds=status.st_mtime_ns // 1000)


def _kind_of(mode: int) -> str | None:
    """Words for an entry that is not a regular file, else None."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _entry_problem(path: str) -> tuple[str | None, os.stat_result | None]:
    """(problem, status) of one entry; follows symbolic links."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            target = os.readlink(path)
            return f"unreadable: a symbolic link to a missing file ({target})", None
        return "changed_during_build: the file was deleted during the build", None
    except OSError as error:
        if error.errno == 40:  # ELOOP
            return "unreadable: a symbolic link loop", None
        return f"unreadable: {error.strerror}", None
    kind = _kind_of(status.st_mode)
    if kind is not None:
        return f"not_a_file: {kind}, not a run file", status
    try:
        with open(path, "rb"):
            pass
    except OSError as error:
        return f"unreadable: {error.strerror.lower() if error.strerror else error}", status
    return None, status


def _printable_name(name: str) -> tuple[str, bool]:
    """The name as valid UTF-8 text, and whether it already was (os.listdir keeps undecodable
    bytes as lone surrogates)."""
    try:
        name.encode("utf-8")
        return name, True
    except UnicodeEncodeError:
        raw = os.fsencode(name)
        return raw.decode("utf-8", errors="replace"), False


def list_run_files(folder: str, is_validity_fixture: bool = False) -> list[RunFileEntry]:
    """Every entry directly in `folder` whose name ends in .json or .json.gz, sorted by path.

    A missing folder lists nothing (the build's start names it when no runs are found).
    """
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    entries = []
    for raw_name in names:
        if not looks_like_run(raw_name):
            continue
        name, is_utf8 = _printable_name(raw_name)
        path = os.path.join(folder, raw_name)
        shown_path = os.path.join(folder, name)
        if not is_utf8:
            problem, status = "unreadable: the file name is not valid UTF-8", None
        else:
            problem, status = _entry_problem(path)
        entries.append(
            RunFileEntry(
                file_path=shown_path,
                file_name=name,
                file_size_bytes=status.st_size if status and problem is None else None,
                file_modified_at=_modified_at(status) if status and problem is None else None,
                is_validity_fixture=is_validity_fixture,
                listing_problem=problem,
            )
        )
    return sorted(entries, key=lambda entry: entry.file_path.encode("utf-8"))


def file_version(entry: RunFileEntry) -> str:
    """md5 of path, size and modification time (microseconds): a new version reloads the run.
    (The same text DuckDB's md5(path || '|' || size || '|' || epoch_us(modified)) hashes.)"""
    modified = (
        ""
        if entry.file_modified_at is None
        else str((entry.file_modified_at - EPOCH) // timedelta(microseconds=1))
    )
    size = "" if entry.file_size_bytes is None else str(entry.file_size_bytes)
    text = f"{entry.file_path}|{size}|{modified}"
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def inventory_frame(runs_path: str, fixtures_path: str) -> pd.DataFrame:
    """One row (INVENTORY_COLUMNS) per entry that looks like a run file in the run folder and
    the validity-fixture folder."""
    entries = list_run_files(runs_path) + list_run_files(fixtures_path, is_validity_fixture=True)
    rows = [
        {
            "file_path": entry.file_path,
            "file_name": entry.file_name,
            "file_size_bytes": entry.file_size_bytes,
            "file_modified_at": entry.file_modified_at,
            "is_validity_fixture": entry.is_validity_fixture,
            "is_compressed": entry.file_name.endswith(".json.gz"),
            "is_read_by_python": entry.file_name.endswith(".json.gz")
            or not is_readable_by_pattern(entry.file_path),
            "run_id": entry.file_name.removesuffix(".gz").removesuffix(".json"),
            "file_version": file_version(entry),
            "listing_problem": entry.listing_problem,
        }
        for entry in entries
    ]
    frame = pd.DataFrame(rows, columns=INVENTORY_COLUMNS)
    return frame.astype(
        {
            "file_path": "string",
            "file_name": "string",
            "file_size_bytes": "Int64",
            "file_modified_at": "datetime64[us, UTC]",
            "is_validity_fixture": "bool",
            "is_compressed": "bool",
            "is_read_by_python": "bool",
            "run_id": "string",
            "file_version": "string",
            "listing_problem": "string",
        }
    )


def tidy_inventory_frame(runs_path: str) -> pd.DataFrame:
    """One row per entry named as a tidy-format file (TIDY_FILE_NAMES) in runs_path; one
    that is not a regular readable file has its `listing_problem` and no size."""
    rows = []
    for name in TIDY_FILE_NAMES:
        path = os.path.join(runs_path, name)
        if not os.path.lexists(path):
            continue
        problem, status = _entry_problem(path)
        readable = problem is None and status is not None
        rows.append(
            (
                path,
                name,
                status.st_size if readable else None,
                _modified_at(status) if readable else None,
                problem,
            )
        )
    frame = pd.DataFrame(rows, columns=TIDY_INVENTORY_COLUMNS)
    return frame.astype(
        {
            "file_path": "string",
            "file_name": "string",
            "file_size_bytes": "Int64",
            "file_modified_at": "datetime64[us, UTC]",
            "listing_problem": "string",
        }
    )


class NoRunsError(RuntimeError):
    """The runs folder holds no run file and no tidy metrics file."""


def require_runs(runs_path: str) -> None:
    """Fail, naming the folder, when it holds nothing that looks like runs."""
    try:
        names = os.listdir(runs_path)
    except OSError:
        names = []
    if not any(
        looks_like_run(name) or name in ("metrics.parquet", "metrics.csv") for name in names
    ):
        raise NoRunsError(
            f"No training runs in runs_path '{runs_path}': expected *.json or *.json.gz run "
            "files, or metrics.parquet / metrics.csv (tidy format). `make run` generates demo "
            "runs; `make run RUNS=/path/to/runs` uses yours."
        )


def read_run_file(
    path: str, is_compressed: bool, listed_size: int
) -> tuple[str | None, str | None]:
    """(text, problem) of one run file read by Python: exactly one of the two is None.

    The bytes must be the ones listed (same size), else the file changed during the build;
    a UTF-8 byte-order mark at the start is dropped (as for the files DuckDB reads).
    """
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return None, "changed_during_build: the file was deleted during the build"
    except OSError as error:
        return None, f"unreadable: {(error.strerror or str(error)).lower()}"
    if len(raw) != listed_size:
        return None, (
            f"changed_during_build: listed with {listed_size} bytes, read with {len(raw)}"
        )
    if is_compressed:
        text, problem = decompress_run_file(raw)
    else:
        try:
            text, problem = raw.decode("utf-8"), None
        except UnicodeDecodeError as error:
            text, problem = (
                None,
                f"unreadable: not UTF-8 text ({error.reason} at byte {error.start})",
            )
    return (text.removeprefix(BYTE_ORDER_MARK) if text is not None else None), problem


def read_run_files(files: Iterable[tuple[str, bool, int]]) -> pd.DataFrame:
    """file_path, content_text, read_problem of (path, is_compressed, listed size) triples."""
    rows = [(path, *read_run_file(path, compressed, size)) for path, compressed, size in files]
    return pd.DataFrame(rows, columns=COMPRESSED_DOCUMENT_COLUMNS).astype(
        {"file_path": "string", "content_text": "string", "read_problem": "string"}
    )
