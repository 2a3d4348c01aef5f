"""Convergence order per run and metric (a cross-run step: its q-values use every run).

Spearman's rho of depth vs stabilization index (python_steps.convergence). Skipped when its
input (the layers' stabilization and the settings) has not changed since the last build
(python_steps.step_versions); otherwise every run is recomputed.
"""

from python_steps.engines import projected, run_statement, to_pandas
from python_steps.step_versions import (
    FINGERPRINT_COLUMN,
    input_fingerprint,
    stored_fingerprints,
    unchanged_result,
)

CONVERGENCE_CODE_VERSION = "1"
INPUT_COLUMNS = [
    "run_id",
    "metric",
    "layer",
    "layer_position",
    "stabilization_index",
    "stabilization_status",
]


def model(dbt, session):
    # materialized: incremental on DuckDB, a table on Spark (_intermediate__models.yml).
    dbt.config(unique_key="metric", incremental_strategy="delete+insert")
    settings = dbt.config.get("meta")
    layers_relation = projected(dbt.ref("layer_stabilization"), INPUT_COLUMNS)
    step_settings = {
        "mode": str(settings["analysis_mode"]),
        "rho": float(settings["pattern_rho_threshold"]),
        "simultaneous_rho": float(settings["simultaneous_rho_threshold"]),
        "p_value": float(settings["pattern_p_value_threshold"]),
        "seed": int(settings["null_seed"]),
    }
    fingerprint = input_fingerprint(
        layers_relation, INPUT_COLUMNS, step_settings, CONVERGENCE_CODE_VERSION
    )
    stored = stored_fingerprints(session, dbt.this, dbt.is_incremental)
    if stored == {fingerprint}:
        return unchanged_result(session, dbt.this)
    if stored:
        # Recomputed whole: rows of metrics that are gone must not stay behind.
        run_statement(session, f"delete from {dbt.this}")
    from python_steps.convergence import PatternThresholds, convergence_order

    thresholds = PatternThresholds(
        rho=step_settings["rho"],
        simultaneous_rho=step_settings["simultaneous_rho"],
        p_value=step_settings["p_value"],
        seed=step_settings["seed"],
    )
    result = convergence_order(
        to_pandas(layers_relation), mode=step_settings["mode"], thresholds=thresholds
    )
    result[FINGERPRINT_COLUMN] = fingerprint
    return result
