"""Jump types: k-means over all jumps of the build, per metric (a cross-run step).

Skipped when its input (the jumps' features and the settings) has not changed since the last
build (python_steps.step_versions); otherwise every metric is retyped.
"""

from python_steps.step_versions import (
    FINGERPRINT_COLUMN,
    input_fingerprint,
    stored_fingerprints,
    unchanged_result,
)

JUMP_TYPES_CODE_VERSION = "1"


def model(dbt, session):
    dbt.config(
        materialized="incremental", unique_key="metric", incremental_strategy="delete+insert"
    )
    settings = dbt.config.get("meta")
    jumps_relation = (
        dbt.ref("int_jumps")
        .filter("not is_validity_fixture")
        .project("run_id, metric, layer, measurement_index, phase, magnitude, speed")
    )
    step_settings = {
        "max_k": int(settings["jump_types_max_k"]),
        "seed": int(settings["jump_types_seed"]),
    }
    fingerprint = input_fingerprint(
        jumps_relation,
        ["run_id", "metric", "layer", "measurement_index", "phase", "magnitude", "speed"],
        step_settings,
        JUMP_TYPES_CODE_VERSION,
    )
    if stored_fingerprints(session, dbt.this, dbt.is_incremental) == {fingerprint}:
        return unchanged_result(session, dbt.this)
    # Imported only when the types are recomputed: scikit-learn takes seconds to load.
    from python_steps.jump_types import type_jumps

    jumps = jumps_relation.df()
    typed = type_jumps(jumps, max_k=step_settings["max_k"], seed=step_settings["seed"])
    typed[FINGERPRINT_COLUMN] = fingerprint
    return typed
