"""Pooled per-metric and per-family tests over the runs (Stouffer), with q-values."""

from python_steps.engines import projected, to_pandas
from python_steps.pooled_tests import pooled_tests

INPUT_COLUMNS = [
    "run_id",
    "arch_family",
    "metric",
    "loss_coupling_stratified_z",
    "loss_coupling_excess",
    "max_coordination_timing_z",
    "max_coordination_timing_excess",
    "coordinated_periods_timing_z",
    "coordinated_periods_timing_excess",
]


def model(dbt, session):
    dbt.config(materialized="table")
    return pooled_tests(to_pandas(projected(dbt.ref("critical_periods"), INPUT_COLUMNS)))
