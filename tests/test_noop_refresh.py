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


def test_second_build_with_nothing_changed_changes_nothing(tmp_path: Path, demo_runs: Path) -> None:
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


# Cross-run steps skipped when their input fingerprint is unchanged: a value planted in their
# table survives a build with nothing changed (recomputing would overwrite it). The planted
# values keep the data tests passing: (column, amount added, least planted value).
SKIPPED_STEPS = {
    "int_convergence_order": ("n_layers", 1_000, 1_000),
    "int_change_point_grid": ("measurement_index", 1_000_000, 1_000_000),
    "int_jump_types": ("jump_type", 1_000, 1_000),
    "int_coordination_null_model": ("n_permutations", 1_000_000, 1_000_000),
    "int_loss_coupling": ("n_loss_steps", 1_000_000, 1_000_000),
}


# Per-run steps whose unchanged runs are not recomputed: a value planted in each run's
# bookkeeping row (NULL when computed; no mart reads it) survives a build with nothing changed.
PER_RUN_STEPS = {
    "int_loss_change_points": ("step", "measurement_index is null"),
    "int_metric_agreement_runs": ("n_events", "detector is null"),
    "int_detector_agreement_runs": ("n_events", "detector is null"),
    "int_loss_agreement_runs": ("n_events", "detector is null"),
}


def test_unchanged_steps_are_not_recomputed(tmp_path: Path, demo_runs: Path) -> None:
    work = tmp_path / "dbt"
    warehouse = build_warehouse(work, demo_runs)
    with duckdb.connect(str(warehouse)) as con:
        for table, (column, added, _) in SKIPPED_STEPS.items():
            con.execute(f"update {table} set {column} = {column} + {added}")
    run_dbt(work, demo_runs)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, (column, _, least) in SKIPPED_STEPS.items():
            total, kept = con.execute(
                f"select count(*), count(*) filter ({column} >= {least}) from {table}"
            ).fetchone()
            assert total > 0, table
            assert kept == total, f"{table} was recomputed with nothing changed"
    # (Planted after that build: the values planted above in int_change_point_grid change the
    # calibrated penalty, and so rightly every run's change points and what follows.)
    with duckdb.connect(str(warehouse)) as con:
        for table, (column, bookkeeping) in PER_RUN_STEPS.items():
            con.execute(f"update {table} set {column} = -1 where {bookkeeping}")
    run_dbt(work, demo_runs)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, (column, bookkeeping) in PER_RUN_STEPS.items():
            total, kept = con.execute(
                f"select count(*), count(*) filter ({column} = -1) from {table}"
                f" where {bookkeeping}"
            ).fetchone()
            assert total > 0, table
            assert kept == total, f"{table} recomputed runs with nothing changed"
    # A changed setting recomputes the step whose input it changes.
    run_dbt(work, demo_runs, dbt_vars={"pattern_rho_threshold": 0.31})
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kept = con.execute(
            "select count(*) filter (n_layers >= 1000) from int_convergence_order"
        ).fetchone()[0]
        # The analysis settings are part of every run's version of the agreement counts.
        planted = {
            table: con.execute(f"select count(*) filter ({column} = -1) from {table}").fetchone()[0]
            for table, (column, _) in PER_RUN_STEPS.items()
            if table != "int_loss_change_points"
        }
    assert kept == 0
    assert set(planted.values()) == {0}, planted
