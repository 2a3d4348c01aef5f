"""The change-point penalty calibrated on the null fixtures to the false-positive budget."""

from python_steps.change_points import calibration_table, penalty_grid
from python_steps.engines import aggregated, filtered, selected, to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    settings = dbt.config.get("meta")
    metric = str(settings["validity_metric"]).replace("'", "''")
    budget = float(settings["validity_max_false_positives_per_1000"])
    warmup = int(settings["validity_warmup_measurements"])
    planted = to_pandas(dbt.ref("validity_planted_events"))
    nulls = planted[planted["fixture_role"].isin(["calibration", "holdout"])]
    roles = dict(zip(nulls["run_id"], nulls["fixture_role"], strict=True))
    # The one import of per-step data: layer velocities per fixture (the opportunities).
    layer_series = dbt.ref("int_layer_series_flagged")
    counts = to_pandas(
        aggregated(
            filtered(
                layer_series,
                f"is_validity_fixture and metric = '{metric}' and measurement_index >= {warmup}",
            ),
            ["run_id"],
            ["count(velocity) as n_layer_velocities"],
        )
    )
    opportunities = dict(zip(counts["run_id"], counts["n_layer_velocities"], strict=True))
    # After the early transient only, like the opportunities.
    grid = dbt.ref("int_change_point_grid")
    detections = to_pandas(selected(grid, f"measurement_index >= {warmup}", ["penalty", "run_id"]))
    return calibration_table(detections, opportunities, roles, penalty_grid(), budget)
