"""Pooled per-metric and per-family tests over the runs (Stouffer), with q-values."""

from python_steps.pooled_tests import pooled_tests


def model(dbt, session):
    dbt.config(materialized="table")
    critical_periods = (
        dbt.ref("critical_periods")
        .project(
            "run_id, arch_family, metric, loss_coupling_stratified_z, loss_coupling_excess,"
            " max_coordination_timing_z, max_coordination_timing_excess,"
            " coordinated_periods_timing_z, coordinated_periods_timing_excess"
        )
        .df()
    )
    return pooled_tests(critical_periods)
