"""Change points of the validity fixtures at every penalty of a grid (calibration, ROC)."""

from python_steps.change_points import detect_over_penalties, penalty_grid


def model(dbt, session):
    dbt.config(materialized="table")
    settings = dbt.config.get("meta")
    metric = str(settings["validity_metric"]).replace("'", "''")
    # The one import of per-step data.
    layer_series = dbt.ref("int_layer_series_flagged")
    fixture_series = (
        layer_series.filter(f"is_validity_fixture and metric = '{metric}'")
        .project("run_id, metric, layer, measurement_index, step, velocity")
        .df()
    )
    return detect_over_penalties(fixture_series, penalty_grid())
