"""Cross-run Python steps skip their work when their input is unchanged (step_versions)."""

from __future__ import annotations

import duckdb
import pytest

from python_steps.step_versions import (
    FINGERPRINT_COLUMN,
    input_fingerprint,
    stored_fingerprints,
    unchanged_result,
)

COLUMNS = ["run_id", "value"]
SETTINGS = {"max_k": 5, "seed": 42}


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(
        "create table jumps as"
        " select 'run_' || (range % 7) as run_id, range * 0.25::double as value from range(50)"
    )
    return connection


def fingerprint(con: duckdb.DuckDBPyConnection, **settings: object) -> str:
    return input_fingerprint(con.table("jumps"), COLUMNS, {**SETTINGS, **settings}, "1")


def test_same_rows_give_the_same_fingerprint_in_any_order(con) -> None:
    before = fingerprint(con)
    con.execute("create table shuffled as select * from jumps order by random()")
    con.execute("drop table jumps")
    con.execute("alter table shuffled rename to jumps")
    assert fingerprint(con) == before


def test_any_change_gives_a_new_fingerprint(con) -> None:
    before = fingerprint(con)
    assert fingerprint(con, seed=7) != before
    assert input_fingerprint(con.table("jumps"), COLUMNS, SETTINGS, "2") != before
    con.execute("update jumps set value = value + 1e-12 where run_id = 'run_3' and value = 0.75")
    changed = fingerprint(con)
    assert changed != before
    con.execute("delete from jumps where run_id = 'run_3' and value = 0.75 + 1e-12")
    assert fingerprint(con) not in (before, changed)


def test_stored_fingerprints_and_the_unchanged_result(con) -> None:
    con.execute(f"create table typed as select *, 'abc' as {FINGERPRINT_COLUMN} from jumps")
    assert stored_fingerprints(con, "typed", is_incremental=False) == set()
    assert stored_fingerprints(con, "typed", is_incremental=True) == {"abc"}
    empty = unchanged_result(con, "typed")
    assert list(empty.columns) == [*COLUMNS, FINGERPRINT_COLUMN]
    # Typed as the table even without rows (an empty DataFrame's text columns are NULL-typed,
    # which an incremental model with on_schema_change="fail" refuses).
    con.register("unchanged", empty)
    assert con.execute("select count(*) from unchanged").fetchone() == (0,)
    assert (
        con.execute("select column_name, column_type from (describe unchanged)").fetchall()
        == con.execute("select column_name, column_type from (describe typed)").fetchall()
    )
