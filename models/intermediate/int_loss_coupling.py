"""Loss coupling per analysed run and metric: coupled share, local chance level, p-values.

Incremental by run like the null model: only runs whose version (the flagged series'
version, the settings and this step's code) is new are recomputed.
"""

import hashlib

from python_steps.loss_coupling import LOSS_COUPLING_VERSION, loss_couplings
from python_steps.step_versions import unchanged_result


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        unique_key="run_id",
        incremental_strategy="delete+insert",
        # A changed column list needs `--full-refresh`: say so rather than fill NULLs.
        on_schema_change="fail",
    )
    meta = dbt.config.get("meta")
    n_strata = int(meta["loss_coupling_strata"])
    seed = int(meta["null_seed"])
    percentile = float(meta["critical_percentile"])
    # The one import of per-step data: each layer's velocities and the loss's move (read
    # for the changed runs only). Versions come from the one-row-per-series table, so a
    # build with nothing changed never expands the per-step view.
    layer_series = dbt.ref("int_layer_series_flagged")
    versions = (
        dbt.ref("int_layer_dynamics")
        .aggregate("run_id, any_value(run_version) as upstream_version", "run_id")
        .df()
    )
    fingerprint = f"{n_strata}|{seed}|{percentile}|{LOSS_COUPLING_VERSION}"
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
        if versions.empty:
            # Nothing changed: no rows, typed as the table (an empty frame has no types).
            return unchanged_result(session, dbt.this)
    session.register("changed_runs", versions[["run_id"]])
    layer_steps = layer_series.query(
        "flagged_series",
        "select flagged_series.run_id, metric, layer, series_index,"
        "   abs(velocity) as speed, loss_velocity < 0 as is_loss_drop,"
        f"  quantile_cont(abs(velocity), {percentile})"
        "     over (partition by flagged_series.run_id, metric, layer) as threshold"
        " from flagged_series"
        " semi join changed_runs on flagged_series.run_id = changed_runs.run_id"
        " where velocity is not null",
    ).df()
    session.unregister("changed_runs")
    result = loss_couplings(layer_steps, n_strata, seed, critical_share=1.0 - percentile)
    return result.merge(versions[["run_id", "run_version"]], on="run_id")
