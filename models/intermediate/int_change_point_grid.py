"""Change points of the validity fixtures at every penalty of a grid (calibration, ROC).

Skipped when its input (the fixtures' velocities of `validity_metric`) has not changed
since the last build (python_steps.step_versions): PELT over the whole grid takes seconds.
"""

from python_steps.change_points import detect_over_penalties, penalty_grid
from python_steps.engines import run_statement, selected, to_pandas
from python_steps.step_versions import (
    FINGERPRINT_COLUMN,
    input_fingerprint,
    stored_fingerprints,
    unchanged_result,
)

GRID_CODE_VERSION = "1"
INPUT_COLUMNS = ["run_id", "metric", "layer", "measurement_index", "step", "velocity"]


def model(dbt, session):
    # materialized: incremental on DuckDB, a table on Spark (_detectors__models.yml).
    dbt.config(unique_key="input_fingerprint", incremental_strategy="delete+insert")
    settings = dbt.config.get("meta")
    metric = str(settings["validity_metric"]).replace("'", "''")
    grid = penalty_grid()
    # The one import of per-step data.
    fixture_series = selected(
        dbt.ref("int_layer_series_flagged"),
        f"is_validity_fixture and metric = '{metric}'",
        INPUT_COLUMNS,
    )
    fingerprint = input_fingerprint(
        fixture_series, INPUT_COLUMNS, {"penalties": grid}, GRID_CODE_VERSION
    )
    stored = stored_fingerprints(session, dbt.this, dbt.is_incremental)
    if stored == {fingerprint}:
        return unchanged_result(session, dbt.this)
    if stored:
        run_statement(session, f"delete from {dbt.this}")
    points = detect_over_penalties(to_pandas(fixture_series), grid)
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
