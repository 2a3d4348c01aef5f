"""python_steps.run_batches: a batch read gives exactly the batch's rows, through a view."""

from __future__ import annotations

import duckdb
import pandas as pd

from python_steps.run_batches import batch_rows, run_batches

RUN_IDS = ["b_run", "a_run", "it's_run", "c_run", "d_run"]


def per_step_view() -> duckdb.DuckDBPyConnection:
    """Runs stored one row per run (lists), read through a view that unnests them, as the
    per-step view does."""
    con = duckdb.connect()
    con.execute(
        "create table runs as select run_id, [1.0, 2.0, 4.0, 8.0] as run_values"
        " from unnest($1) as t(run_id)",
        [RUN_IDS],
    )
    con.execute(
        "create view steps as select run_id, unnest(range(4)) as series_index,"
        " unnest(run_values) as value from runs"
    )
    return con


def test_run_batches_are_sorted_consecutive_slices() -> None:
    assert list(run_batches(RUN_IDS, 2)) == [
        ["a_run", "b_run"],
        ["c_run", "d_run"],
        ["it's_run"],
    ]
    assert list(run_batches([], 3)) == []


def test_batch_rows_reads_exactly_the_batch() -> None:
    con = per_step_view()
    steps = con.table("steps")
    # b_run lies between the batch's first and last run: the range alone would read it.
    rows = batch_rows(
        con,
        steps,
        "per_step",
        "per_step.run_id, series_index, value,"
        " sum(value) over (partition by per_step.run_id) as run_total,"
        " count(*) over () as rows_read",
        ["a_run", "c_run", "it's_run"],
        where="series_index > 0",
    )
    assert sorted(set(rows["run_id"])) == ["a_run", "c_run", "it's_run"]
    assert len(rows) == 9
    # Window functions see the batch's rows only (those the `where` keeps).
    assert set(rows["run_total"]) == {14.0}
    assert set(rows["rows_read"]) == {9}
    # The registered batch is gone again.
    assert "batch_runs" not in {row[0] for row in con.execute("show tables").fetchall()}


def test_batch_rows_of_no_runs_has_the_columns() -> None:
    con = per_step_view()
    rows = batch_rows(con, con.table("steps"), "per_step", "run_id, value", [])
    assert isinstance(rows, pd.DataFrame)
    assert list(rows.columns) == ["run_id", "value"]
    assert rows.empty
