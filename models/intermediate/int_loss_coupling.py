"""Loss coupling per analysed run and metric: coupled share, local chance level, p-values.

Incremental by run like the null model: only runs whose version (the step coordination's
version, the settings and this step's code) is new are recomputed.
"""

import hashlib

from python_steps.loss_coupling import LOSS_COUPLING_VERSION, loss_couplings


def model(dbt, session):
    dbt.config(
        materialized="incremental", unique_key="run_id", incremental_strategy="delete+insert"
    )
    meta = dbt.config.get("meta")
    n_strata = int(meta["loss_coupling_strata"])
    seed = int(meta["null_seed"])
    # The one import of per-step data: critical layers and the loss's move at each step.
    steps = dbt.ref("int_step_coordination")
    versions = steps.query(
        "coordination_steps",
        "select run_id, any_value(run_version) as upstream_version"
        " from coordination_steps group by run_id",
    ).df()
    fingerprint = f"{n_strata}|{seed}|{LOSS_COUPLING_VERSION}"
    versions["run_version"] = [
        hashlib.md5(f"{version}|{fingerprint}".encode()).hexdigest()
        for version in versions["upstream_version"]
    ]
    if dbt.is_incremental:
        loaded = session.sql(f"select distinct run_id, run_version from {dbt.this}").df()
        known = set(zip(loaded["run_id"], loaded["run_version"], strict=True))
        is_new = [
            (run_id, version) not in known
            for run_id, version in zip(versions["run_id"], versions["run_version"], strict=True)
        ]
        versions = versions[is_new]
    session.register("changed_runs", versions[["run_id"]])
    per_step = steps.query(
        "coordination_steps",
        "select coordination_steps.run_id, metric, series_index,"
        "   n_critical_layers > 0 as is_critical, loss_velocity < 0 as is_loss_drop"
        " from coordination_steps"
        " semi join changed_runs on coordination_steps.run_id = changed_runs.run_id"
        " where loss_velocity is not null",
    ).df()
    session.unregister("changed_runs")
    result = loss_couplings(per_step, n_strata, seed)
    return result.merge(versions[["run_id", "run_version"]], on="run_id")
