"""Coordination null models per analysed run and metric (circular and timing-preserving).

Incremental by run like the SQL models: only runs whose version (a hash of their layers'
critical steps and lengths, the settings and this step's code) is new are recomputed.
"""

import hashlib

import pandas as pd

from python_steps.engines import keyed_query, named_query, text_cast, unnest_list
from python_steps.null_model import NULL_MODEL_VERSION, NullModelSettings, null_models
from python_steps.run_batches import run_batches
from python_steps.step_versions import unchanged_result

# Runs computed at a time: memory stays flat in the number of runs (a run's rows here are
# its layers' critical steps, a few per layer, not its per-step rows).
RUNS_PER_BATCH = 200


def model(dbt, session):
    # materialized: incremental on DuckDB, a table on Spark (_intermediate__models.yml).
    dbt.config(
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
    # Each run's version is the exact input of this step (every layer's critical steps and
    # series length, hashed), the settings and this step's code: a changed jump threshold,
    # which moves no critical step, does not recompute it.
    # (Per run, not per metric: a run's rows are replaced together, delete+insert on run_id.)
    # The version hashes with each engine's own hash(): it is not compared between engines.
    layer_dynamics = dbt.ref("int_layer_dynamics")
    run_hash = text_cast(layer_dynamics, "bit_xor(layers_hash) over (partition by run_id)")
    shapes = named_query(
        session,
        layer_dynamics,
        "layer_dynamics",
        "select *,"
        f" {run_hash} as upstream_version"
        " from ("
        "  select run_id, metric, count(*) as n_layers,"
        "    max(n_measurements) as n_measurements,"
        "    bit_xor(hash(metric, layer_position, n_measurements, critical_indices))"
        "      as layers_hash"
        "  from layer_dynamics group by run_id, metric)",
    ).drop(columns="layers_hash")
    fingerprint = f"{settings}|{NULL_MODEL_VERSION}"
    shapes["run_version"] = [
        hashlib.md5(f"{version}|{fingerprint}".encode()).hexdigest()
        for version in shapes["upstream_version"]
    ]
    if dbt.is_incremental:
        # DuckDB only (on Spark the model is a table, rebuilt at every build).
        # Runs no longer analysed (gone, or excluded by a setting) lose their rows.
        session.register("analysed_runs", shapes[["run_id"]].drop_duplicates())
        session.execute(
            f"delete from {dbt.this} where run_id not in (select run_id from analysed_runs)"
        )
        session.unregister("analysed_runs")
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
    # In batches of runs, so memory stays flat in the number of runs.
    results = []
    for batch_runs in run_batches(shapes["run_id"], RUNS_PER_BATCH):
        batch = shapes[shapes["run_id"].isin(batch_runs)]
        cells = keyed_query(
            session,
            layer_dynamics,
            ("layer_dynamics", "changed_runs"),
            "run_id",
            batch_runs,
            "select run_id, metric, layer_index,"
            f" {unnest_list(layer_dynamics, 'critical_indices')} as series_index"
            " from ("
            "  select run_id, metric, critical_indices,"
            "    dense_rank() over (partition by run_id, metric order by layer_position) - 1"
            "      as layer_index"
            "  from layer_dynamics"
            "  semi join changed_runs on layer_dynamics.run_id = changed_runs.run_id)",
        )
        results.append(null_models(batch, cells, settings))
    result = pd.concat(results, ignore_index=True)
    return result.merge(shapes[["run_id", "metric", "run_version"]], on=["run_id", "metric"])
