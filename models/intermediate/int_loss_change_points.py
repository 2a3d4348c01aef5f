"""Change points of each real run's loss curve (PELT on the loss velocity, same penalty)."""

import pandas as pd

from python_steps.change_points import detect


def model(dbt, session):
    dbt.config(materialized="table")
    calibration = dbt.ref("int_change_point_calibration").filter("is_calibrated").df()
    if len(calibration) != 1:
        raise ValueError("int_change_point_calibration has no calibrated penalty")
    penalty = float(calibration["penalty"].iloc[0])
    # The one import of per-step data: the loss velocity along each run's analysed series.
    layer_series = dbt.ref("int_layer_series_flagged")
    losses = (
        layer_series.filter("not is_validity_fixture")
        .aggregate(
            "run_id, series_index, any_value(measurement_index) as measurement_index,"
            " any_value(step) as step, any_value(loss_velocity) as velocity,"
            " any_value(n_measurements) - 1 as n_velocities",
            "run_id, series_index",
        )
        .df()
    )
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
