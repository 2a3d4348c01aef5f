"""Change points of each real run's loss curve (PELT on the loss velocity, same penalty)."""

import pandas as pd

from python_steps.change_points import detect


def model(dbt, session):
    dbt.config(materialized="table")
    calibration = dbt.ref("int_change_point_calibration").filter("is_calibrated").df()
    if len(calibration) != 1:
        raise ValueError("int_change_point_calibration has no calibrated penalty")
    penalty = float(calibration["penalty"].iloc[0])
    # The loss velocity along each real run's analysed series, from the one-row-per-run
    # lists (series index i is list element i + 1).
    analysed_runs = (
        dbt.ref("int_layer_dynamics").filter("not is_validity_fixture").project("run_id")
    )
    run_series = dbt.ref("int_run_series")
    losses = run_series.query(
        "run_series",
        "select run_id, unnest(range(n_measurements)) as series_index,"
        " unnest(measurement_indices) as measurement_index, unnest(steps) as step,"
        " unnest(loss_velocities) as velocity, n_measurements - 1 as n_velocities"
        " from run_series"
        f" where run_id in (select run_id from ({analysed_runs.sql_query()}))",
    ).df()
    losses["metric"] = "loss"
    losses["layer"] = "loss"
    points = detect(losses, penalty)
    located = points.merge(
        losses[["run_id", "measurement_index", "series_index", "n_velocities"]],
        on=["run_id", "measurement_index"],
        how="left",
    )
    columns = ["run_id", "measurement_index", "series_index", "step", "size", "n_velocities"]
    result = located[columns] if len(located) else pd.DataFrame(columns=columns)
    return result.assign(penalty=penalty)
