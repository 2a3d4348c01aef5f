"""Convergence order per run and metric (a cross-run step: its q-values use every run).

Spearman's rho of depth vs stabilization index (python_steps.convergence). Skipped when its
input (the layers' stabilization and the settings) has not changed since the last build
(python_steps.step_versions). Otherwise the table is rewritten whole, but a run and metric
whose own input (its layers, the settings, the code version: result_input_hash) is
unchanged keeps its stored result; only the others are recomputed, and the q-values over all.
"""

from python_steps.engines import projected, run_statement, sql_columns, to_pandas
from python_steps.step_versions import (
    FINGERPRINT_COLUMN,
    input_fingerprint,
    stored_fingerprints,
    unchanged_result,
)

# 2: each run's layers are read in layer order (their order no longer depends on the scan),
# and each result keeps the hash of its input.
CONVERGENCE_CODE_VERSION = "2"
RESULT_INPUT_HASH = "result_input_hash"  # python_steps.convergence.RESULT_INPUT_HASH
INPUT_COLUMNS = [
    "run_id",
    "metric",
    "layer",
    "layer_position",
    "stabilization_index",
    "stabilization_status",
]


def stored_results(session, this):
    """The stored rows, when the table already holds the input hash of each result."""
    if RESULT_INPUT_HASH not in sql_columns(session, f"select * from {this} limit 0"):
        return None
    return to_pandas(session.sql(f"select * from {this}"))


def model(dbt, session):
    # materialized: incremental on DuckDB, a table on Spark (_intermediate__models.yml).
    # append_new_columns: a table built before result_input_hash existed gains it.
    dbt.config(
        unique_key="metric",
        incremental_strategy="delete+insert",
        on_schema_change="append_new_columns",
    )
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
    reusable = None
    if stored:
        reusable = stored_results(session, dbt.this)
        # Rewritten whole: rows of runs and metrics that are gone must not stay behind.
        run_statement(session, f"delete from {dbt.this}")
    from python_steps.convergence import PatternThresholds, convergence_order

    thresholds = PatternThresholds(
        rho=step_settings["rho"],
        simultaneous_rho=step_settings["simultaneous_rho"],
        p_value=step_settings["p_value"],
        seed=step_settings["seed"],
    )
    result = convergence_order(
        to_pandas(layers_relation),
        mode=step_settings["mode"],
        thresholds=thresholds,
        reusable=reusable,
        salt=f"{sorted(step_settings.items())}|{CONVERGENCE_CODE_VERSION}",
    )
    result[FINGERPRINT_COLUMN] = fingerprint
    return result
