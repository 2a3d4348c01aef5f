"""Coordination null models per analysed run and metric (circular and timing-preserving).

Incremental by run like the SQL models: only runs whose version (the layer summaries'
version, the settings and this step's code) is new are recomputed.
"""

import hashlib

from python_steps.null_model import NULL_MODEL_VERSION, NullModelSettings, null_models
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
    settings = NullModelSettings(
        permutations=int(meta["null_permutations"]),
        seed=int(meta["null_seed"]),
        coordinated_threshold=float(meta["coordinated_threshold"]),
        timing_window=int(meta["null_timing_window"]),
    )
    shapes = (
        dbt.ref("int_layer_summaries")
        .query(
            "layer_summaries",
            "select run_id, metric, any_value(run_version) as upstream_version,"
            " count(*) as n_layers, max(n_measurements) as n_measurements"
            " from layer_summaries group by run_id, metric",
        )
        .df()
    )
    # The upstream version already covers the file, the SQL and the analysis settings.
    fingerprint = f"{settings}|{NULL_MODEL_VERSION}"
    shapes["run_version"] = [
        hashlib.md5(f"{version}|{fingerprint}".encode()).hexdigest()
        for version in shapes["upstream_version"]
    ]
    if dbt.is_incremental:
        loaded = session.sql(f"select distinct run_id, run_version from {dbt.this}").df()
        known = set(zip(loaded["run_id"], loaded["run_version"], strict=True))
        is_new = [
            (run_id, version) not in known
            for run_id, version in zip(shapes["run_id"], shapes["run_version"], strict=True)
        ]
        shapes = shapes[is_new]
        if shapes.empty:
            # Nothing changed: no rows, typed as the table (an empty frame has no types).
            return unchanged_result(session, dbt.this)
    changed_runs = shapes[["run_id"]].drop_duplicates()
    session.register("changed_runs", changed_runs)
    cells = (
        dbt.ref("int_layer_dynamics")
        .query(
            "layer_dynamics",
            "select run_id, metric, layer_index, unnest(critical_indices) as series_index"
            " from ("
            "  select run_id, metric, critical_indices,"
            "    dense_rank() over (partition by run_id, metric order by layer_position) - 1"
            "      as layer_index"
            "  from layer_dynamics"
            "  semi join changed_runs on layer_dynamics.run_id = changed_runs.run_id)",
        )
        .df()
    )
    session.unregister("changed_runs")
    result = null_models(shapes, cells, settings)
    return result.merge(shapes[["run_id", "metric", "run_version"]], on=["run_id", "metric"])
