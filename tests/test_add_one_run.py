"""Adding one run recomputes that run, not the others, in the steps that can tell them apart.

- int_convergence_order is a cross-run step (its q-values use every run), but each run's
  rho, p-value and pattern depend on that run alone: a build that adds a run reuses the
  stored results of the other runs (python_steps.convergence) and recomputes the q-values.
- chart_run_comparison gives each run floor(chart_max_rows / runs) step bins: a run's
  version holds that number, not the whole list of runs, so when the number stays the same
  (always, beyond chart_max_rows runs) adding a run recomputes no other run.

A value planted in each table survives for the runs that were there before (recomputing
would overwrite it) and is absent from the added run. That the rows equal a --full-refresh
build after adding a run is checked by tests/test_loading.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from tests.conftest import build_warehouse, run_dbt

PLANTED = {
    # table: (column, amount added, least planted value); the data tests still pass.
    "int_convergence_order": ("n_layers", 1_000, 1_000),
    "chart_run_comparison": ("n_measurements", 1_000_000, 1_000_000),
}


def planted_runs(warehouse: Path, table: str) -> dict[str, bool]:
    """Per run of `table`: whether every row of the run holds the planted value."""
    column, _, least = PLANTED[table]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f"select run_id, bool_and({column} >= {least}) from {table} group by run_id"
        ).fetchall()
    return dict(rows)


def test_adding_a_run_reuses_the_other_runs_results(tmp_path: Path, demo_runs: Path) -> None:
    files = sorted(demo_runs.glob("*.json"))
    runs = tmp_path / "runs"
    runs.mkdir()
    for file in files[:-1]:
        shutil.copy(file, runs / file.name)
    # n + 1 rows per metric: floor((n + 1) / n) = floor((n + 1) / (n + 1)) = 1 bin per run
    # before and after adding the (n + 1)-th run, so no other run's bins move.
    n_before = len(files) - 1
    dbt_vars = {"chart_max_rows": n_before + 1}
    work = tmp_path / "dbt"
    warehouse = build_warehouse(work, runs, dbt_vars)
    with duckdb.connect(str(warehouse)) as con:
        for table, (column, added, _) in PLANTED.items():
            con.execute(f"update {table} set {column} = {column} + {added}")
        q_values_before = dict(
            con.execute(
                "select run_id || metric, q_value from int_convergence_order"
                " where q_value is not null"
            ).fetchall()
        )
    assert q_values_before

    shutil.copy(files[-1], runs / files[-1].name)
    run_dbt(work, runs, dbt_vars=dbt_vars)

    added_run = query_run_id(warehouse, files[-1].name)
    for table in PLANTED:
        kept = planted_runs(warehouse, table)
        assert kept.pop(added_run) is False, f"{table}: the added run holds a planted value"
        assert len(kept) == n_before and all(kept.values()), f"{table} recomputed other runs"
    # The q-values are recomputed over the runs and metrics with a p-value, now one run more.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        q_values_after = dict(
            con.execute(
                "select run_id || metric, q_value from int_convergence_order"
                " where q_value is not null and run_id <> ?",
                [added_run],
            ).fetchall()
        )
        n_added_tests = con.execute(
            "select count(q_value) from int_convergence_order where run_id = ?", [added_run]
        ).fetchone()[0]
    assert set(q_values_after) == set(q_values_before) and n_added_tests > 0
    assert q_values_after != q_values_before


def query_run_id(warehouse: Path, file_name: str) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select run_id from runs where file_name = ?", [file_name]
        ).fetchone()[0]
