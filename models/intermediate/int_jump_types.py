"""Jump types: k-means over all jumps of the build, per metric (a cross-run step).

Reference mode: the report's typing. Corrected mode: log-scaled, decorrelated features and
k by silhouette (python_steps/jump_types.py). Skipped when its input (the jumps' features
and the settings) has not changed since the last build (python_steps.step_versions);
otherwise every metric is retyped.
"""

from python_steps.engines import selected, to_pandas
from python_steps.step_versions import (
    FINGERPRINT_COLUMN,
    input_fingerprint,
    stored_fingerprints,
    unchanged_result,
)

JUMP_TYPES_CODE_VERSION = "2"
FEATURE_COLUMNS = [
    "run_id",
    "metric",
    "layer",
    "measurement_index",
    "phase",
    "magnitude",
    "speed",
    "velocity_z_score",
]


def model(dbt, session):
    # materialized: incremental on DuckDB, a table on Spark (_intermediate__models.yml).
    dbt.config(unique_key="metric", incremental_strategy="delete+insert")
    settings = dbt.config.get("meta")
    jumps_relation = selected(dbt.ref("int_jumps"), "not is_validity_fixture", FEATURE_COLUMNS)
    step_settings = {
        "max_k": int(settings["jump_types_max_k"]),
        "seed": int(settings["jump_types_seed"]),
        "mode": str(settings["analysis_mode"]),
    }
    fingerprint = input_fingerprint(
        jumps_relation, FEATURE_COLUMNS, step_settings, JUMP_TYPES_CODE_VERSION
    )
    if stored_fingerprints(session, dbt.this, dbt.is_incremental) == {fingerprint}:
        return unchanged_result(session, dbt.this)
    # Imported only when the types are recomputed: scikit-learn takes seconds to load.
    from python_steps.jump_types import type_jumps, type_jumps_corrected

    jumps = to_pandas(jumps_relation)
    max_k, seed = step_settings["max_k"], step_settings["seed"]
    if step_settings["mode"] == "reference":
        typed = type_jumps(jumps, max_k=max_k, seed=seed).assign(
            n_types=lambda frame: frame.groupby("metric")["jump_type"].transform("nunique"),
            metric_silhouette=None,
            silhouette=None,
        )
    else:
        typed = type_jumps_corrected(jumps, max_k=max_k, seed=seed)
    typed[FINGERPRINT_COLUMN] = fingerprint
    return typed
