"""Change points of each real run's loss curve (PELT on the loss velocity, same penalty).

Incremental by run: a run is recomputed when its version (its change points' version, which
folds in its layer dynamics and the penalty, its loss series' version and this step's
version) changes. Every processed run keeps one bookkeeping row (measurement_index NULL)
holding its version, so a run whose loss has no change point is not recomputed at each build.
"""

import hashlib

import pandas as pd

from python_steps.change_points import detect
from python_steps.engines import (
    filtered,
    list_elements,
    projected,
    run_statement,
    selected,
    sql_rows,
    to_pandas,
)

LOSS_DETECTOR_VERSION = "pelt-l2-loss-velocity-1"
COLUMNS = ["run_id", "measurement_index", "series_index", "step", "size", "n_velocities"]


def run_version(change_point_version: str, series_version: str) -> str:
    text = f"{change_point_version};{series_version};{LOSS_DETECTOR_VERSION}"
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def quoted(values: list[str]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def model(dbt, session):
    # materialized: incremental on DuckDB, a table on Spark (_detectors__models.yml).
    dbt.config(unique_key="run_id", incremental_strategy="delete+insert")
    calibration = to_pandas(filtered(dbt.ref("int_change_point_calibration"), "is_calibrated"))
    if len(calibration) != 1:
        raise ValueError("int_change_point_calibration has no calibrated penalty")
    penalty = float(calibration["penalty"].iloc[0])
    run_series = dbt.ref("int_run_series")
    # The real analysed runs: the bookkeeping rows of int_change_points (one per run of
    # int_layer_dynamics) carry their version, which includes the penalty.
    change_point_runs = to_pandas(
        selected(
            dbt.ref("int_change_points"),
            "metric is null and not is_validity_fixture",
            ["run_id", "run_version as change_point_version"],
        )
    )
    series_versions = to_pandas(projected(run_series, ["run_id", "run_version as series_version"]))
    runs = change_point_runs.merge(series_versions, on="run_id")
    runs["run_version"] = [
        run_version(c, s)
        for c, s in zip(runs["change_point_version"], runs["series_version"], strict=True)
    ]
    if dbt.is_incremental:
        # Runs that are gone are deleted here; changed runs are replaced (delete+insert).
        current = quoted(list(runs["run_id"])) or "null"
        run_statement(session, f"delete from {dbt.this} where run_id not in ({current})")
        known = set(sql_rows(session, f"select distinct run_id, run_version from {dbt.this}"))
        runs = runs[
            [(r, v) not in known for r, v in zip(runs["run_id"], runs["run_version"], strict=True)]
        ]
    located = pd.DataFrame(columns=COLUMNS)
    if len(runs):
        # The loss velocity along each changed run's analysed series, from the one-row-per-run
        # lists (series index i is list element i + 1).
        losses = list_elements(
            run_series,
            "run_series",
            f"run_id in ({quoted(sorted(runs['run_id']))})",
            ("series_index", "n_measurements"),
            {
                "measurement_index": "measurement_indices",
                "step": "steps",
                "velocity": "loss_velocities",
            },
            {"run_id": "run_id", "n_velocities": "n_measurements - 1"},
        )
        losses["metric"] = "loss"
        losses["layer"] = "loss"
        points = detect(losses, penalty)
        if len(points):
            located = points.merge(
                losses[["run_id", "measurement_index", "series_index", "n_velocities"]],
                on=["run_id", "measurement_index"],
                how="left",
            )[COLUMNS]
    bookkeeping = runs[["run_id"]]
    result = pd.concat([located, bookkeeping], ignore_index=True)
    result = result.merge(runs[["run_id", "run_version"]], on="run_id")
    result["penalty"] = penalty
    return result.astype(
        {
            "run_id": "string",
            "measurement_index": "Int64",
            "series_index": "Int64",
            "step": "Int64",
            "size": "Float64",
            "n_velocities": "Int64",
            "penalty": "float64",
            "run_version": "string",
        }
    )
