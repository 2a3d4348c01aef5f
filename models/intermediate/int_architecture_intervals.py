"""Run-level bootstrap 95% intervals of every mean of architecture_comparison."""

from python_steps.bootstrap import RUN_MEANS, family_intervals


def model(dbt, session):
    dbt.config(materialized="table")
    meta = dbt.config.get("meta")
    columns = ", ".join(column for _, column in RUN_MEANS)
    runs = dbt.ref("critical_periods").project(f"arch_family, metric, run_id, {columns}").df()
    jumps = (
        dbt.ref("jumps")
        .aggregate(
            "run_id, metric, count(*) as n_jumps, sum(magnitude) as magnitude_sum,"
            " sum(speed) as speed_sum",
            "run_id, metric",
        )
        .df()
    )
    return family_intervals(
        runs, jumps, resamples=int(meta["bootstrap_resamples"]), seed=int(meta["bootstrap_seed"])
    )
