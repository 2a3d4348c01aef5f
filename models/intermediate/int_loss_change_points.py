"""Change points of each real run's loss curve (PELT on the loss velocity, same penalty).

Incremental by run: a run is recomputed when its version (its change points' version, which
folds in its layer dynamics and the penalty, its loss series' version and this step's
version) changes. Every processed run keeps one bookkeeping row (measurement_index NULL)
holding its version, so a run whose loss has no change point is not recomputed at each build.
"""

import hashlib

import pandas as pd

from python_steps.change_points import detect

LOSS_DETECTOR_VERSION = "pelt-l2-loss-velocity-1"
COLUMNS = ["run_id", "measurement_index", "series_index", "step", "size", "n_velocities"]


def run_version(change_point_version: str, series_version: str) -> str:
    text = f"{change_point_version};{series_version};{LOSS_DETECTOR_VERSION}"
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def quoted(values: list[str]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def model(dbt, session):
    dbt.config(
        materialized="incremental", unique_key="run_id", incremental_strategy="delete+insert"
    )
    calibration = dbt.ref("int_change_point_calibration").filter("is_calibrated").df()
    if len(calibration) != 1:
        raise ValueError("int_change_point_calibration has no calibrated penalty")
    penalty = float(calibration["penalty"].iloc[0])
    run_series = dbt.ref("int_run_series")
    # The real analysed runs: the bookkeeping rows of int_change_points (one per run of
    # int_layer_dynamics) carry their version, which includes the penalty.
    change_point_runs = (
        dbt.ref("int_change_points")
        .filter("metric is null and not is_validity_fixture")
        .project("run_id, run_version as change_point_version")
        .df()
    )
    series_versions = run_series.project("run_id, run_version as series_version").df()
    runs = change_point_runs.merge(series_versions, on="run_id")
    runs["run_version"] = [
        run_version(c, s)
        for c, s in zip(runs["change_point_version"], runs["series_version"], strict=True)
    ]
    if dbt.is_incremental:
        # Runs that are gone are deleted here; changed runs are replaced (delete+insert).
        current = quoted(list(runs["run_id"])) or "null"
        session.execute(f"delete from {dbt.this} where run_id not in ({current})")
        loaded = session.execute(f"select distinct run_id, run_version from {dbt.this}").df()
        known = set(zip(loaded["run_id"], loaded["run_version"], strict=True))
        runs = runs[
            [(r, v) not in known for r, v in zip(runs["run_id"], runs["run_version"], strict=True)]
        ]
    located = pd.DataFrame(columns=COLUMNS)
    if len(runs):
        # The loss velocity along each changed run's analysed series, from the one-row-per-run
        # lists (series index i is list element i + 1).
        losses = run_series.query(
            "run_series",
            "select run_id, unnest(range(n_measurements)) as series_index,"
            " unnest(measurement_indices) as measurement_index, unnest(steps) as step,"
            " unnest(loss_velocities) as velocity, n_measurements - 1 as n_velocities"
            f" from run_series where run_id in ({quoted(sorted(runs['run_id']))})",
        ).df()
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
