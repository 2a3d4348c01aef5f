"""Change points of the validity fixtures at every penalty of a grid (calibration, ROC).

Skipped when its input (the fixtures' velocities of `validity_metric`) has not changed
since the last build (python_steps.step_versions): PELT over the whole grid takes seconds.
"""

from python_steps.change_points import detect_over_penalties, penalty_grid
from python_steps.step_versions import (
    FINGERPRINT_COLUMN,
    input_fingerprint,
    stored_fingerprints,
    unchanged_result,
)

GRID_CODE_VERSION = "1"
INPUT_COLUMNS = ["run_id", "metric", "layer", "measurement_index", "step", "velocity"]


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        unique_key="input_fingerprint",
        incremental_strategy="delete+insert",
    )
    settings = dbt.config.get("meta")
    metric = str(settings["validity_metric"]).replace("'", "''")
    grid = penalty_grid()
    # The one import of per-step data.
    fixture_series = (
        dbt.ref("int_layer_series_flagged")
        .filter(f"is_validity_fixture and metric = '{metric}'")
        .project(", ".join(INPUT_COLUMNS))
    )
    fingerprint = input_fingerprint(
        fixture_series, INPUT_COLUMNS, {"penalties": grid}, GRID_CODE_VERSION
    )
    stored = stored_fingerprints(session, dbt.this, dbt.is_incremental)
    if stored == {fingerprint}:
        return unchanged_result(session, dbt.this)
    if stored:
        session.execute(f"delete from {dbt.this}")
    points = detect_over_penalties(fixture_series.df(), grid)
    points[FINGERPRINT_COLUMN] = fingerprint
    return points.astype(
        {
            "penalty": "float64",
            "run_id": "string",
            "metric": "string",
            "layer": "string",
            "measurement_index": "int64",
            FINGERPRINT_COLUMN: "string",
        }
    )
