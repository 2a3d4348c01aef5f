"""Run-level bootstrap 95% intervals of every mean of architecture_comparison.

A cross-run step: skipped when its input (the per-run figures and jump sums it resamples,
and the bootstrap settings) has not changed since the last build (python_steps.step_versions).
"""

from python_steps.bootstrap import RUN_MEANS, family_intervals
from python_steps.engines import aggregated, projected, run_statement, to_pandas
from python_steps.step_versions import (
    FINGERPRINT_COLUMN,
    input_fingerprint,
    stored_fingerprints,
    unchanged_result,
)

INTERVALS_CODE_VERSION = "1"
# The jump columns the sums read (hashed as they are: a sum's last bits depend on the order
# in which a parallel aggregate adds, so the sums cannot be fingerprinted).
JUMP_COLUMNS = ["run_id", "metric", "layer", "measurement_index", "magnitude", "speed"]
JUMP_SUMS = ["count(*) as n_jumps", "sum(magnitude) as magnitude_sum", "sum(speed) as speed_sum"]


def model(dbt, session):
    # materialized: incremental on DuckDB, a table on Spark (_intermediate__models.yml).
    dbt.config(
        unique_key=["arch_family", "metric"],
        incremental_strategy="delete+insert",
        on_schema_change="append_new_columns",
    )
    meta = dbt.config.get("meta")
    settings = {"resamples": int(meta["bootstrap_resamples"]), "seed": int(meta["bootstrap_seed"])}
    run_columns = ["arch_family", "metric", "run_id", *(column for _, column in RUN_MEANS)]
    runs = projected(dbt.ref("critical_periods"), run_columns)
    jumps_relation = dbt.ref("jumps")
    jumps = aggregated(jumps_relation, ["run_id", "metric"], JUMP_SUMS)
    fingerprint = input_fingerprint(
        runs,
        run_columns,
        {**settings, "jumps": input_fingerprint(jumps_relation, JUMP_COLUMNS, {}, "")},
        INTERVALS_CODE_VERSION,
    )
    if stored_fingerprints(session, dbt.this, dbt.is_incremental) == {fingerprint}:
        return unchanged_result(session, dbt.this)
    if dbt.is_incremental:
        # Every family is recomputed: the rows of a family that is gone go too.
        run_statement(session, f"delete from {dbt.this}")
    intervals = family_intervals(
        to_pandas(runs), to_pandas(jumps), resamples=settings["resamples"], seed=settings["seed"]
    )
    intervals[FINGERPRINT_COLUMN] = fingerprint
    return intervals
