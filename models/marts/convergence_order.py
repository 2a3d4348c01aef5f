"""Convergence order per run and metric: Spearman's rho of depth vs stabilization index."""

from python_steps.convergence import PatternThresholds, convergence_order


def model(dbt, session):
    dbt.config(materialized="table")
    settings = dbt.config.get("meta")
    layers = dbt.ref("layer_stabilization").project(
        "run_id, metric, layer, layer_position, stabilization_index, stabilization_status"
    ).df()
    thresholds = PatternThresholds(
        rho=float(settings["pattern_rho_threshold"]),
        simultaneous_rho=float(settings["simultaneous_rho_threshold"]),
        p_value=float(settings["pattern_p_value_threshold"]),
        seed=int(settings["null_seed"]),
    )
    return convergence_order(layers, mode=settings["analysis_mode"], thresholds=thresholds)
