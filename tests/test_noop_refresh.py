"""A refresh with nothing changed: a second plain `dbt build` succeeds and changes no table.

Every incremental model (the Python steps included) then finds no new run version and
returns no rows, typed as its table (an untyped empty result once failed the build of the
steps that refuse schema changes).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from tests.conftest import build_warehouse, run_dbt

# Tables that record the build itself, not the data.
BUILD_RECORDS = {"build_info", "chart_build_overview"}


def table_fingerprints(warehouse: Path) -> dict[str, tuple[int, int]]:
    """Row count and an order-free hash of every row, per table of the main schema."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'main'"
            ).fetchall()
        ]
        return {
            table: con.execute(
                f'select count(*), coalesce(bit_xor(hash(t)), 0) from "{table}" as t'
            ).fetchone()
            for table in tables
            if table not in BUILD_RECORDS
        }


def test_second_build_with_nothing_changed_changes_nothing(
    tmp_path: Path, demo_runs: Path
) -> None:
    work = tmp_path / "dbt"
    warehouse = build_warehouse(work, demo_runs)
    before = table_fingerprints(warehouse)
    assert before["int_coordination_null_model"][0] > 0
    assert before["int_loss_coupling"][0] > 0
    run_dbt(work, demo_runs)
    after = table_fingerprints(warehouse)
    changed = sorted(table for table in before if after.get(table) != before[table])
    assert changed == []
    assert set(after) == set(before)
