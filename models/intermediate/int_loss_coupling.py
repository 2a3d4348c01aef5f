"""Loss coupling per analysed run and metric: coupled share, local chance level, p-values.

Incremental by run like the null model: only runs whose version (the parsed series'
version, the settings this step reads and its code) is new are recomputed, in batches.
"""

import hashlib

import pandas as pd

from python_steps.engines import aggregated, continuous_quantile, keyed_query, to_pandas
from python_steps.loss_coupling import LOSS_COUPLING_VERSION, loss_couplings
from python_steps.run_batches import PER_STEP_ROWS_PER_BATCH, key_range, row_batches
from python_steps.step_versions import unchanged_result


def model(dbt, session):
    # materialized: incremental on DuckDB, a table on Spark (_intermediate__models.yml).
    dbt.config(
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
    # for the changed runs only, in batches of runs so memory stays flat). A run's version is
    # its parsed series' (int_layer_series: the file, no analysis setting) and the settings
    # this step reads, so a changed jump threshold or mode does not recompute it.
    layer_series = dbt.ref("int_layer_series_flagged")
    analysed = to_pandas(
        aggregated(
            dbt.ref("int_layer_dynamics"), ["run_id"], ["sum(n_measurements) as n_step_rows"]
        )
    )
    versions = analysed.merge(
        to_pandas(
            aggregated(
                dbt.ref("int_layer_series"),
                ["run_id"],
                ["any_value(run_version) as upstream_version"],
            )
        ),
        on="run_id",
    )
    fingerprint = f"{n_strata}|{seed}|{percentile}|{LOSS_COUPLING_VERSION}"
    versions["run_version"] = [
        hashlib.md5(f"{version}|{fingerprint}".encode()).hexdigest()
        for version in versions["upstream_version"]
    ]
    if dbt.is_incremental:
        # DuckDB only (on Spark the model is a table, rebuilt at every build).
        # Runs no longer analysed (gone, or excluded by a setting) lose their rows.
        session.register("analysed_runs", versions[["run_id"]])
        session.execute(
            f"delete from {dbt.this} where run_id not in (select run_id from analysed_runs)"
        )
        session.unregister("analysed_runs")
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
    results = []
    threshold = continuous_quantile(layer_series, "abs(velocity)", percentile)
    # Batches of at most PER_STEP_ROWS_PER_BATCH per-step rows: memory stays flat in the
    # number of runs.
    step_rows = dict(zip(versions["run_id"], versions["n_step_rows"], strict=True))
    for batch in row_batches(step_rows, PER_STEP_ROWS_PER_BATCH):
        # The batch's range is pushed into the per-step view's tables, the join keeps
        # exactly the batch (python_steps.run_batches).
        layer_steps = keyed_query(
            session,
            layer_series,
            ("flagged_series", "changed_runs"),
            "run_id",
            batch,
            "select flagged_series.run_id, metric, layer, series_index,"
            "   abs(velocity) as speed, loss_velocity < 0 as is_loss_drop,"
            f"  {threshold}"
            "     over (partition by flagged_series.run_id, metric, layer) as threshold"
            " from flagged_series"
            " semi join changed_runs on flagged_series.run_id = changed_runs.run_id"
            f" where {key_range('flagged_series.run_id', batch)} and velocity is not null",
        )
        results.append(loss_couplings(layer_steps, n_strata, seed, critical_share=1.0 - percentile))
    result = pd.concat(results, ignore_index=True)
    return result.merge(versions[["run_id", "run_version"]], on="run_id")
