"""Opening a built warehouse for reading, with one human line when it cannot be used.

Charts, exports and notebooks open the warehouse through `open_warehouse`: read-only, so a
reader never blocks a build for longer than it reads, and with a `WarehouseUnavailable` error
whose message is one line saying why and what to do (missing file, locked by a running build
or another connection, empty warehouse, no analysed run, tables missing). Command-line entry
points catch it, print the line to stderr and exit 1 (`exit_on_unavailable`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import duckdb

# Tables every reader needs: the build's record, the runs and the load issues.
REQUIRED_TABLES: tuple[str, ...] = ("build_info", "runs", "load_issues")

_BUILD_HINT = "run `make run` (or `make run RUNS=/path/to/runs`) to build it"


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be read; the message is one line saying why and what to do."""


def open_warehouse(
    path: str | Path, required_tables: Iterable[str] = REQUIRED_TABLES
) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a built warehouse that analysed at least one run.

    Raises WarehouseUnavailable (one line) when the file is missing, locked by a running
    build or another connection, holds no build (empty, or built before build_info existed),
    lacks one of `required_tables`, or its build analysed no run.
    """
    path = Path(path)
    if not path.is_file():
        raise WarehouseUnavailable(f"No warehouse at {path}: {_BUILD_HINT}.")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WarehouseUnavailable(
                f"The warehouse {path} is locked by a running build or another connection"
                f"{_lock_holder(str(error))}: wait for the build to finish or close that "
                "connection, then try again."
            ) from None
        raise WarehouseUnavailable(
            f"The warehouse {path} cannot be opened ({_first_line(error)}): {_BUILD_HINT}."
        ) from None
    except duckdb.Error as error:
        raise WarehouseUnavailable(
            f"The warehouse {path} cannot be opened ({_first_line(error)}): {_BUILD_HINT}."
        ) from None
    try:
        _check_built(con, path, tuple(required_tables))
    except WarehouseUnavailable:
        con.close()
        raise
    return con


def read_build_info(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The build_info row as a dict (settings_json parsed into `settings`)."""
    cursor = con.execute("select * from build_info order by build_started_at desc limit 1")
    names = [column[0] for column in cursor.description]
    rows = cursor.fetchall()
    if not rows:
        raise WarehouseUnavailable("The warehouse holds no build (build_info is empty).")
    info = dict(zip(names, rows[0], strict=True))
    info["settings"] = json.loads(info["settings_json"])
    return info


def describe_build(info: dict[str, Any]) -> str:
    """One line naming a build: id, runs folder, mode and when it finished."""
    finished = info.get("build_finished_at")
    when = f"finished {finished:%Y-%m-%d %H:%M:%S} UTC" if finished else "not finished"
    return (
        f"build {info['build_id']} of {info['runs_path']} ({info['analysis_mode']} mode, "
        f"{info['n_runs_analyzed']} runs analysed, {when})"
    )


F = TypeVar("F", bound=Callable[..., Any])


def exit_on_unavailable(main: F) -> F:
    """Decorate a command-line main: WarehouseUnavailable prints one line and exits 1."""

    @wraps(main)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return main(*args, **kwargs)
        except WarehouseUnavailable as error:
            print(f"error: {error}", file=sys.stderr)
            raise SystemExit(1) from None

    return wrapper  # type: ignore[return-value]


BUILD_RECORD_FILE = "build_info.json"


def write_build_record(
    out_dir: Path, info: dict[str, Any], contents: dict[str, Any], provenance: str
) -> None:
    """`out_dir`/build_info.json: the build a folder of outputs (exports, charts) shows,
    what the folder holds (`contents`, e.g. {"files": ...}) and a sentence saying so."""
    record = {
        "build": {key: value for key, value in info.items() if key != "settings_json"},
        **contents,
        "provenance": provenance,
    }
    (out_dir / BUILD_RECORD_FILE).write_text(
        json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8"
    )


def recorded_build(out_dir: Path) -> dict[str, Any] | None:
    """The build recorded in `out_dir`/build_info.json, or None when there is none."""
    path = out_dir / BUILD_RECORD_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))["build"]


def check_folder_current(warehouse: Path, out_dir: Path, what: str, remake: str) -> str:
    """One line saying the `what` in `out_dir` show the warehouse's build;
    WarehouseUnavailable (one line, naming `remake`) when they do not."""
    with open_warehouse(warehouse, ("build_info",)) as connection:
        info = read_build_info(connection)
    shown = recorded_build(out_dir)
    if shown is None:
        raise WarehouseUnavailable(
            f"No {what} in {out_dir} (no {BUILD_RECORD_FILE}): run `{remake}`."
        )
    if shown["build_id"] != info["build_id"]:
        raise WarehouseUnavailable(
            f"The {what} in {out_dir} show build {shown['build_id']} of "
            f"{shown['runs_path']} ({shown['analysis_mode']} mode); the warehouse now "
            f"holds the newer {describe_build(info)}: run `{remake}`."
        )
    return f"The {what} in {out_dir} show the warehouse's {describe_build(info)}."


def _check_built(con: duckdb.DuckDBPyConnection, path: Path, required: tuple[str, ...]) -> None:
    present = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()
    }
    if not present:
        raise WarehouseUnavailable(f"The warehouse {path} is empty: {_BUILD_HINT}.")
    missing = [name for name in required if name not in present]
    if missing:
        raise WarehouseUnavailable(
            f"The warehouse {path} has no table {', '.join(missing)} (an unfinished build or "
            f"one by an older version): {_BUILD_HINT}."
        )
    if "build_info" in required:
        info = read_build_info(con)
        if not info["n_runs_analyzed"]:
            raise WarehouseUnavailable(
                f"The warehouse {path} holds no analysed run (build of {info['runs_path']}: "
                f"{info['n_runs_found']} runs found, {info['n_runs_loaded']} loaded; see "
                "`select * from load_issues`): fix the runs, then `make run`."
            )


def _lock_holder(message: str) -> str:
    """' (PID n)' when DuckDB's lock error names the holding process."""
    marker = "PID "
    if marker not in message:
        return ""
    digits = "".join(
        character for character in message.split(marker, 1)[1].split()[0] if character.isdigit()
    )
    return f" (PID {digits})" if digits else ""


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def check_writable(path: str | Path) -> None:
    """Raise WarehouseUnavailable (one line) when a build could not open `path` for writing.

    A missing file is fine (the build creates it); a file that another process holds open
    (a notebook, the duckdb CLI, a running build) is not.
    """
    path = Path(path)
    if not path.exists():
        return
    try:
        duckdb.connect(str(path)).close()
    except duckdb.IOException as error:
        if "lock" not in str(error).lower():
            raise WarehouseUnavailable(
                f"The warehouse {path} cannot be opened for the build ({_first_line(error)})."
            ) from None
        raise WarehouseUnavailable(
            f"The warehouse {path} is open in another process{_lock_holder(str(error))} (a "
            "notebook, the duckdb CLI or a running build): close that connection "
            "(`con.close()`) or wait for the build, then build again."
        ) from None


@exit_on_unavailable
def main(argv: list[str] | None = None) -> int:
    """`python -m python_steps.warehouse --check-writable PATH`: exit 1 (one line) if locked."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--check-writable", type=Path, required=True, metavar="PATH")
    check_writable(parser.parse_args(argv).check_writable)
    return 0


if __name__ == "__main__":
    sys.exit(main())
