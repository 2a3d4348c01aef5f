"""Change points (PELT, calibrated penalty) of every layer series of every run and metric."""

import pandas as pd

from python_steps.change_points import OUTPUT_COLUMNS, detect

RUNS_PER_BATCH = 200


def model(dbt, session):
    dbt.config(materialized="table")
    calibration = dbt.ref("int_change_point_calibration").filter("is_calibrated").df()
    if len(calibration) != 1:
        raise ValueError(
            "int_change_point_calibration has no calibrated penalty: no penalty of the grid "
            "keeps the calibration null fixtures within validity_max_false_positives_per_1000"
        )
    penalty = float(calibration["penalty"].iloc[0])
    # The one import of per-step data.
    layer_series = dbt.ref("int_layer_series_flagged")
    run_ids = sorted(row[0] for row in layer_series.project("run_id").distinct().fetchall())
    fixture_runs = {
        row[0]
        for row in layer_series.filter("is_validity_fixture")
        .project("run_id")
        .distinct()
        .fetchall()
    }
    # Batches of runs bound the memory a build with thousands of runs needs.
    frames = []
    for start in range(0, len(run_ids), RUNS_PER_BATCH):
        batch = run_ids[start : start + RUNS_PER_BATCH]
        names = ", ".join("'" + run_id.replace("'", "''") + "'" for run_id in batch)
        series = (
            layer_series.filter(f"run_id in ({names})")
            .project("run_id, metric, layer, measurement_index, step, velocity")
            .df()
        )
        frames.append(detect(series, penalty))
    points = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OUTPUT_COLUMNS)
    )
    points["penalty"] = penalty
    points["is_validity_fixture"] = points["run_id"].isin(fixture_runs)
    return points
