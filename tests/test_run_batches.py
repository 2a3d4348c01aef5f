"""python_steps.run_batches and engines.rows_for_keys: a batch read gives exactly the batch's
rows through a view that unnests per-run lists, as the per-step view does."""

from __future__ import annotations

import itertools

import duckdb
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from python_steps.engines import rows_for_keys
from python_steps.run_batches import key_range, row_batches, run_batches

RUN_IDS = ["b_run", "a_run", "it's_run", "c_run", "d_run"]


def per_step_view() -> duckdb.DuckDBPyConnection:
    """Runs stored one row per run (lists), read through a view that unnests them."""
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
    assert list(run_batches([*RUN_IDS, "a_run"], 2)) == [
        ["a_run", "b_run"],
        ["c_run", "d_run"],
        ["it's_run"],
    ]
    assert list(run_batches([], 3)) == []


def test_row_batches_cut_by_rows() -> None:
    rows = {"c_run": 3, "a_run": 4, "b_run": 5, "e_run": 20, "d_run": 1}
    # Sorted; a run above the budget is a batch of its own; batches never exceed the budget
    # otherwise.
    assert list(row_batches(rows, 9)) == [["a_run", "b_run"], ["c_run", "d_run"], ["e_run"]]
    assert list(row_batches(rows, 100)) == [["a_run", "b_run", "c_run", "d_run", "e_run"]]
    assert list(row_batches({}, 10)) == []


@given(
    st.dictionaries(st.text(min_size=1, max_size=4), st.integers(0, 50), max_size=30),
    st.integers(1, 80),
)
def test_row_batches_cover_every_run_once_within_the_budget(
    rows: dict[str, int], max_rows: int
) -> None:
    batches = list(row_batches(rows, max_rows))
    assert [run for batch in batches for run in batch] == sorted(rows)
    for batch in batches:
        assert batch
        assert len(batch) == 1 or sum(rows[run] for run in batch) <= max_rows
    # Consecutive batches could not have been merged: each batch is as long as it may be.
    for batch, following in itertools.pairwise(batches):
        assert sum(rows[run] for run in batch) + rows[following[0]] > max_rows


def test_key_range_quotes_and_covers_the_keys() -> None:
    con = per_step_view()
    condition = key_range("run_id", ["c_run", "it's_run"])
    assert condition == "run_id between 'c_run' and 'it''s_run'"
    selected = con.execute(f"select run_id from runs where {condition} order by 1").fetchall()
    assert [row[0] for row in selected] == ["c_run", "d_run", "it's_run"]
    assert (
        con.execute(f"select count(*) from runs where {key_range('run_id', [])}").fetchone()[0] == 0
    )


def test_rows_for_keys_reads_exactly_the_batch() -> None:
    con = per_step_view()
    # b_run lies between the batch's first and last run: the range alone would read it.
    rows = rows_for_keys(
        con,
        con.table("steps"),
        ("per_step", "batch_runs"),
        "run_id",
        ["a_run", "c_run", "it's_run"],
        ["run_id", "series_index", "value"],
    )
    assert sorted(set(rows["run_id"])) == ["a_run", "c_run", "it's_run"]
    assert len(rows) == 12
    assert sorted(rows.loc[rows["run_id"] == "c_run", "value"]) == [1.0, 2.0, 4.0, 8.0]
    # The registered batch is gone again.
    assert "batch_runs" not in {row[0] for row in con.execute("show tables").fetchall()}


def test_the_range_reaches_the_table_under_the_view() -> None:
    con = per_step_view()
    con.register("batch_runs", pd.DataFrame({"run_id": ["b_run", "c_run"]}))
    plan = con.execute(
        "explain select per_step.run_id from steps as per_step"
        " semi join batch_runs on per_step.run_id = batch_runs.run_id"
        f" where {key_range('per_step.run_id', ['b_run', 'c_run'])}"
    ).fetchall()
    text = "\n".join(row[1] for row in plan)
    # The range filters the scan of `runs`, which the plan draws below the unnesting.
    below_unnest = text[text.index("Unnest") :]
    assert "Table: memory.main.runs" in below_unnest
    assert "run_id >= 'b_run'" in below_unnest
    assert "run_id <= 'c_run'" in below_unnest
