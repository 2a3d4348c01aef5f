"""Jump types: k-means over all jumps of the build, per metric (a cross-run step)."""

from python_steps.jump_types import type_jumps


def model(dbt, session):
    dbt.config(materialized="table")
    settings = dbt.config.get("meta")
    jumps = (
        dbt.ref("int_jumps")
        .filter("not is_validity_fixture")
        .project("run_id, metric, layer, measurement_index, phase, magnitude, speed")
        .df()
    )
    return type_jumps(
        jumps, max_k=int(settings["jump_types_max_k"]), seed=int(settings["jump_types_seed"])
    )
