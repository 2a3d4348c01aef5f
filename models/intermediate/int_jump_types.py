"""Jump types: k-means over all jumps of the build, per metric (a cross-run step).

Reference mode: the report's typing. Corrected mode: log-scaled, decorrelated features and
k by silhouette (python_steps/jump_types.py).
"""

from python_steps.jump_types import type_jumps, type_jumps_corrected


def model(dbt, session):
    dbt.config(materialized="table")
    settings = dbt.config.get("meta")
    jumps = (
        dbt.ref("int_jumps")
        .filter("not is_validity_fixture")
        .project(
            "run_id, metric, layer, measurement_index, phase, magnitude, speed, velocity_z_score"
        )
        .df()
    )
    max_k, seed = int(settings["jump_types_max_k"]), int(settings["jump_types_seed"])
    if settings["analysis_mode"] == "reference":
        return type_jumps(jumps, max_k=max_k, seed=seed).assign(
            n_types=lambda frame: frame.groupby("metric")["jump_type"].transform("nunique"),
            metric_silhouette=None,
            silhouette=None,
        )
    return type_jumps_corrected(jumps, max_k=max_k, seed=seed)
