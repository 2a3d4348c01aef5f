"""Simulated null runs with the real runs' texture, for checking false-positive rates.

Every layer is independent of every other layer and of the loss, yet each has what makes
naive tests fail on the real runs:
- autocorrelated velocities (AR(1), coefficient `ar`) with heavy-tailed Student-t innovations;
- a shared early transient: every layer (and the loss) moves much more in the first part of
  training, so critical steps crowd early for reasons of timing alone;
- a loss that falls more often early than late (a decaying curve plus AR(1) noise).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import lfilter
from scipy.stats import binom

from python_steps.loss_coupling import loss_coupling
from python_steps.null_model import NullModelSettings, null_model_for_run


@dataclass(frozen=True)
class NullRunTexture:
    """Shape of a simulated null run (defaults: close to the Phase 1 runs)."""

    n_measurements: int = 400
    n_layers: int = 5
    ar: float = 0.3
    t_degrees_of_freedom: float = 3.0
    # Velocity scale is 1 + transient_amplitude * exp(-i / (transient_share * n)).
    transient_amplitude: float = 3.5
    transient_share: float = 0.05
    # Loss = loss_decay_amplitude * exp(-i / (loss_decay_share * n)) + AR(1) noise.
    loss_decay_amplitude: float = 2.0
    loss_decay_share: float = 0.15
    loss_noise: float = 0.2


def _ar1_heavy_tailed(
    rng: np.random.Generator, shape: tuple[int, int], ar: float, degrees_of_freedom: float
) -> np.ndarray:
    """(rows, n) AR(1) series with Student-t innovations scaled to unit variance."""
    innovations = rng.standard_t(degrees_of_freedom, size=shape)
    innovations /= np.sqrt(degrees_of_freedom / (degrees_of_freedom - 2))
    return lfilter([1.0], [1.0, -ar], innovations, axis=1)


def simulate_null_run(
    rng: np.random.Generator, texture: NullRunTexture = NullRunTexture()
) -> tuple[np.ndarray, np.ndarray]:
    """(values (n_layers, n), loss (n,)): independent layers, loss independent of them."""
    n = texture.n_measurements
    time = np.arange(n - 1)
    scale = 1.0 + texture.transient_amplitude * np.exp(-time / (texture.transient_share * n))
    velocities = (
        _ar1_heavy_tailed(rng, (texture.n_layers, n - 1), texture.ar, texture.t_degrees_of_freedom)
        * scale
    )
    starts = rng.uniform(5.0, 50.0, size=(texture.n_layers, 1))
    values = np.concatenate([starts, starts + np.cumsum(velocities, axis=1)], axis=1)
    loss_noise = _ar1_heavy_tailed(rng, (1, n), texture.ar, texture.t_degrees_of_freedom)[0]
    loss = (
        1.0
        + texture.loss_decay_amplitude * np.exp(-np.arange(n) / (texture.loss_decay_share * n))
        + texture.loss_noise * loss_noise
    )
    return values, loss


def critical_flags(values: np.ndarray, percentile: float = 0.90) -> np.ndarray:
    """(n_layers, n - 1) |v_i| > P90(|v|) per layer (METHODS.md 1.3, linear interpolation)."""
    speeds = np.abs(np.diff(values, axis=1))
    thresholds = np.quantile(speeds, percentile, axis=1, keepdims=True)
    return speeds > thresholds


NULL_RUN_METRICS = ("stable_rank", "participation_ratio", "effective_rank_90", "nuclear_norm_ratio")


def null_run_document(
    rng: np.random.Generator, arch_name: str, texture: NullRunTexture = NullRunTexture()
) -> dict:
    """A simulated null run as an ndt phase-1 JSON document: every metric an independent
    null series per layer (effective_rank_90 rounded to integers, as in the real runs)."""
    per_metric = {}
    loss = None
    for metric in NULL_RUN_METRICS:
        values, metric_loss = simulate_null_run(rng, texture)
        if metric == "effective_rank_90":
            values = np.round(values)
        per_metric[metric] = values
        loss = metric_loss if loss is None else loss
    layers = [f"network.{position}" for position in range(texture.n_layers)]
    measurements = [
        {
            "step": 10 * index,
            "loss": float(loss[index]),
            "layer_metrics": {
                layer: {metric: float(per_metric[metric][p, index]) for metric in NULL_RUN_METRICS}
                for p, layer in enumerate(layers)
            },
        }
        for index in range(texture.n_measurements)
    ]
    return {
        "measurements": measurements,
        "arch_name": arch_name,
        "dataset_name": "null",
        "num_steps": 10 * texture.n_measurements,
        "measurement_interval": 10,
    }


def null_run_p_values(
    rng: np.random.Generator,
    run_id: str,
    texture: NullRunTexture,
    settings: NullModelSettings,
    n_strata: int,
) -> dict[str, float]:
    """Every per-run p-value of the marts (and the excesses over chance) for one simulated
    null run, computed by the same functions the dbt models call."""
    values, loss = simulate_null_run(rng, texture)
    flags = critical_flags(values)
    layer_indices, series_indices = np.nonzero(flags)
    cells = pd.DataFrame({"layer_index": layer_indices, "series_index": series_indices})
    null = null_model_for_run(run_id, "m", cells, flags.shape[0], values.shape[1], settings)
    critical = flags.any(axis=0)
    drops = np.diff(loss) < 0
    coupling = loss_coupling(critical, drops, n_strata, tuple(rng.random(2)))
    base_rate = float(drops.mean())
    binomial = float(
        binom.sf(coupling.n_critical_loss_drops - 1, coupling.n_critical_steps, base_rate)
    )
    return {
        "max_coordination_p_value": null["max_coordination_p_value"],
        "coordinated_periods_p_value": null["coordinated_periods_p_value"],
        "max_coordination_timing_p_value": null["max_coordination_timing_p_value"],
        "coordinated_periods_timing_p_value": null["coordinated_periods_timing_p_value"],
        "max_coordination_timing_excess": (
            null["observed_max_coordination"] - null["max_coordination_timing_null_mean"]
        ),
        "loss_coupling_p_value": binomial,
        "loss_coupling_stratified_p_value": coupling.stratified_p_value,
        "loss_coupling_circular_p_value": coupling.circular_p_value,
        "loss_coupling_excess": coupling.coupled_share - coupling.local_chance_level,
    }
