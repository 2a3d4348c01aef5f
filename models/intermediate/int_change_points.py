"""Change points (PELT, calibrated penalty) of every layer series of every run and metric.

Incremental by run: a run is recomputed when its version (the parsed series' run_version,
the penalty and this detector's version) changes; analysis settings do not enter it. Every
processed run keeps one bookkeeping row (metric NULL) holding its version, so a run whose
series have no change point is not recomputed at each build; the marts drop those rows.
"""

import hashlib

import pandas as pd

from python_steps.change_points import OUTPUT_COLUMNS, detect
from python_steps.engines import (
    aggregated,
    filtered,
    rows_for_keys,
    run_statement,
    sql_rows,
    to_pandas,
)
from python_steps.run_batches import PER_STEP_ROWS_PER_BATCH, row_batches

DETECTOR_VERSION = "pelt-l2-velocity-robust-scale-1"
SERIES_COLUMNS = ["run_id", "metric", "layer", "measurement_index", "step", "velocity"]


def run_version(upstream_version: str, penalty: float) -> str:
    text = f"{upstream_version};penalty={penalty!r};{DETECTOR_VERSION}"
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def quoted(values: list[str]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def model(dbt, session):
    # materialized: incremental on DuckDB, a table on Spark (_detectors__models.yml).
    dbt.config(unique_key="run_id", incremental_strategy="delete+insert")
    calibration = to_pandas(filtered(dbt.ref("int_change_point_calibration"), "is_calibrated"))
    if len(calibration) != 1:
        raise ValueError(
            "int_change_point_calibration has no calibrated penalty: no penalty of the grid "
            "keeps the calibration null fixtures within validity_max_false_positives_per_1000"
        )
    penalty = float(calibration["penalty"].iloc[0])
    # The one import of per-step data (read for the changed runs only). Versions come from
    # the one-row-per-series table, so a build with nothing changed never expands the
    # per-step view.
    layer_series = dbt.ref("int_layer_series_flagged")
    # The analysed runs; their version is the parsed series' (int_layer_series: the file,
    # no analysis setting), since velocities depend on no setting: a changed threshold or
    # mode does not recompute the change points.
    runs = to_pandas(
        aggregated(
            dbt.ref("int_layer_dynamics"),
            ["run_id"],
            [
                "bool_or(is_validity_fixture) as is_validity_fixture",
                "sum(n_measurements) as n_step_rows",
            ],
        )
    )
    parsed_versions = to_pandas(
        aggregated(
            dbt.ref("int_layer_series"), ["run_id"], ["any_value(run_version) as upstream_version"]
        )
    )
    runs = runs.merge(parsed_versions, on="run_id")
    runs["run_version"] = [run_version(v, penalty) for v in runs["upstream_version"]]
    if dbt.is_incremental:
        # Runs that are gone are deleted here; changed runs are replaced (delete+insert).
        current = quoted(list(runs["run_id"])) or "null"
        run_statement(session, f"delete from {dbt.this} where run_id not in ({current})")
        known = set(sql_rows(session, f"select distinct run_id, run_version from {dbt.this}"))
        runs = runs[
            [(r, v) not in known for r, v in zip(runs["run_id"], runs["run_version"], strict=True)]
        ]
    # Batches of at most PER_STEP_ROWS_PER_BATCH per-step rows bound the memory a build with
    # thousands of runs needs; each batch is read by its range of run ids and a join
    # (python_steps.run_batches).
    frames = [pd.DataFrame(columns=OUTPUT_COLUMNS)]
    step_rows = dict(zip(runs["run_id"], runs["n_step_rows"], strict=True))
    for batch in row_batches(step_rows, PER_STEP_ROWS_PER_BATCH):
        series = rows_for_keys(
            session,
            layer_series,
            ("flagged_series", "changed_runs"),
            "run_id",
            batch,
            SERIES_COLUMNS,
        )
        frames.append(detect(series, penalty))
    bookkeeping = runs[["run_id"]].assign(metric=None, layer=None)
    points = pd.concat([*frames, bookkeeping], ignore_index=True)
    points = points.merge(runs[["run_id", "run_version", "is_validity_fixture"]], on="run_id")
    points["penalty"] = penalty
    return points.astype(
        {
            "run_id": "string",
            "metric": "string",
            "layer": "string",
            "measurement_index": "Int64",
            "step": "Int64",
            "size": "Float64",
            "run_version": "string",
            "is_validity_fixture": "boolean",
        }
    )
