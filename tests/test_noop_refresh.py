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


# Steps skipped when their input is unchanged (cross-run steps by input fingerprint, per-run
# tables by run version): a value planted in their table survives a build with nothing
# changed (recomputing would overwrite it). The planted values keep the data tests passing:
# (column, amount added, least planted value).
SKIPPED_STEPS = {
    "int_convergence_order": ("n_layers", 1_000, 1_000),
    "int_change_point_grid": ("measurement_index", 1_000_000, 1_000_000),
    "int_jump_types": ("jump_type", 1_000, 1_000),
    "int_coordination_null_model": ("n_permutations", 1_000_000, 1_000_000),
    "int_loss_coupling": ("n_loss_steps", 1_000_000, 1_000_000),
    # Per-run chart data (macros/run_versions.sql): no run changed, no run recomputed.
    "chart_run_heatmap": ("n_values", 1_000_000, 1_000_000),
    "chart_run_loss": ("n_measurements", 1_000_000, 1_000_000),
    "chart_run_coordination": ("n_measurements", 1_000_000, 1_000_000),
    "chart_run_comparison": ("n_measurements", 1_000_000, 1_000_000),
}
# Planted in a second build: the jump typing is part of every run's version of this table
# and part of the input of the whole tables after jumps (macros/unchanged_tables.sql), so
# the value planted in int_jump_types above rightly recomputes them once.
SKIPPED_AFTER_JUMP_TYPES = {
    "chart_run_jumps": ("measurement_index", 1_000_000, 1_000_000),
    "int_jumps": ("step", 1_000_000, 1_000_000),
    "jumps": ("step", 1_000_000, 1_000_000),
    "critical_periods": ("timing_window", 1_000_000, 1_000_000),
    "jump_type_profiles": ("n_jumps", 1_000_000, 1_000_000),
    "chart_jump_type_names": ("n_jumps", 1_000_000, 1_000_000),
    "chart_jump_type_profiles": ("n_jumps", 1_000_000, 1_000_000),
    "chart_jump_sample": ("n_jumps_total", 1_000_000, 1_000_000),
    "int_architecture_intervals": ("mean_critical_steps_high", 1_000_000, 1_000_000),
}
# Planted with them, and recomputed: its input, the table of int_architecture_intervals,
# holds the plant above (a whole table's input is its inputs' data, not only their version).
RECOMPUTED_AFTER_PLANT = {"architecture_comparison": ("n_runs", 1_000_000, 1_000_000)}


# Per-run steps whose unchanged runs are not recomputed: a value planted in each run's
# bookkeeping row (NULL when computed; no mart reads it) survives a build with nothing changed.
PER_RUN_STEPS = {
    "int_loss_change_points": ("step", "measurement_index is null"),
    "int_metric_agreement_runs": ("n_events", "detector is null"),
    "int_detector_agreement_runs": ("n_events", "detector is null"),
    "int_loss_agreement_runs": ("n_events", "detector is null"),
}


def planted_bookkeeping_kept(warehouse: Path) -> dict[str, bool]:
    """Per table of PER_RUN_STEPS: whether every bookkeeping row still holds the plant."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kept = {}
        for table, (column, bookkeeping) in PER_RUN_STEPS.items():
            total, planted = con.execute(
                f"select count(*), count(*) filter ({column} = -1) from {table} where {bookkeeping}"
            ).fetchone()
            assert total > 0, table
            kept[table] = planted == total
        return kept


def plant(warehouse: Path, steps: dict[str, tuple[str, int, int]]) -> None:
    with duckdb.connect(str(warehouse)) as con:
        for table, (column, added, _) in steps.items():
            con.execute(f"update {table} set {column} = {column} + {added}")


def assert_planted_values_kept(warehouse: Path, steps: dict[str, tuple[str, int, int]]) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, (column, _, least) in steps.items():
            total, kept = con.execute(
                f"select count(*), count(*) filter ({column} >= {least}) from {table}"
            ).fetchone()
            assert total > 0, table
            assert kept == total, f"{table} was recomputed with nothing changed"


def test_unchanged_steps_are_not_recomputed(tmp_path: Path, demo_runs: Path) -> None:
    work = tmp_path / "dbt"
    warehouse = build_warehouse(work, demo_runs)
    plant(warehouse, SKIPPED_STEPS)
    run_dbt(work, demo_runs)
    assert_planted_values_kept(warehouse, SKIPPED_STEPS)
    # (Also planted after that build: the values planted above in int_change_point_grid
    # change the calibrated penalty, and so rightly every run's change points and what
    # follows them.)
    plant(warehouse, {**SKIPPED_AFTER_JUMP_TYPES, **RECOMPUTED_AFTER_PLANT})
    with duckdb.connect(str(warehouse)) as con:
        for table, (column, bookkeeping) in PER_RUN_STEPS.items():
            con.execute(f"update {table} set {column} = -1 where {bookkeeping}")
    run_dbt(work, demo_runs)
    assert_planted_values_kept(warehouse, {**SKIPPED_STEPS, **SKIPPED_AFTER_JUMP_TYPES})
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, (column, _, least) in RECOMPUTED_AFTER_PLANT.items():
            planted = con.execute(f"select count(*) filter ({column} >= {least}) from {table}")
            assert planted.fetchone()[0] == 0, f"{table} kept a stale input"
    assert planted_bookkeeping_kept(warehouse) == dict.fromkeys(PER_RUN_STEPS, True)
    # A changed setting recomputes the steps whose input it changes, and only those.
    run_dbt(work, demo_runs, dbt_vars={"critical_percentile": 0.85})
    with duckdb.connect(str(warehouse), read_only=True) as con:
        kept = {
            table: con.execute(
                f"select count(*) filter ({column} >= {least}) = count(*) from {table}"
            ).fetchone()[0]
            for table, (column, _, least) in {**SKIPPED_STEPS, **SKIPPED_AFTER_JUMP_TYPES}.items()
        }
    # Critical steps move: the coordination null model, loss coupling and the per-run tables
    # whose version holds the analysis settings are recomputed; what does not read critical
    # steps (convergence order, jump typing, change points, the values and loss charts) is not.
    assert kept == {
        "int_convergence_order": True,
        "int_change_point_grid": True,
        "int_jump_types": True,
        "int_coordination_null_model": False,
        "int_loss_coupling": False,
        "chart_run_heatmap": True,
        "chart_run_loss": True,
        "chart_run_coordination": False,
        "chart_run_comparison": False,
        "chart_run_jumps": False,
        # Every analysis setting is part of these tables' input fingerprint.
        "int_jumps": False,
        "jumps": False,
        "critical_periods": False,
        "jump_type_profiles": False,
        "chart_jump_type_names": False,
        "chart_jump_type_profiles": False,
        "chart_jump_sample": False,
        "int_architecture_intervals": False,
    }
    # The agreement counts hold every analysis setting in their version; the loss's change
    # points depend on the change points' version and the loss alone.
    assert planted_bookkeeping_kept(warehouse) == {
        "int_loss_change_points": True,
        "int_metric_agreement_runs": False,
        "int_detector_agreement_runs": False,
        "int_loss_agreement_runs": False,
    }
