"""The demo runs' layers, planted positions and series shapes (python_steps.demo_runs).

Pure functions of a seeded generator: where steps, bursts and stabilization indices are
planted, and the series each metric is drawn from.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from python_steps.demo_truth import BOTTOM_UP, N_MEASUREMENTS

# Step changes are placed away from the ends so that velocity, the 20-window and the
# coordination of a step are all fully inside the series.
FIRST_STEP_INDEX = 25
LAST_STEP_INDEX = 370
# Two steps of one layer are at least this far apart, so no 20-window holds two of them.
MIN_STEP_SPACING = 30
# Step size as a fraction of the layer's level: below 0.115 keeps every window that holds
# a step well inside the stability threshold; above 0.09 keeps it far above the noise.
STEP_FRACTION_RANGE = (0.09, 0.115)
# Plateau noise as a fraction of the level: small enough that no noise velocity gets a
# z-score above 2 next to even a single planted step.
PLATEAU_NOISE_FRACTION = 0.001


# ---------------------------------------------------------------------------------------
# Layers and planted positions
# ---------------------------------------------------------------------------------------


def layer_names(family: str, depth: int) -> tuple[str, ...]:
    """Layer names in forward order, as the real runs name them for each family."""
    if family == "mlp":
        # nn.Sequential of Linear/ReLU pairs: the Linear layers sit at even positions.
        return tuple(f"network.{2 * k}" for k in range(depth + 1))
    if family == "cnn":
        # Conv, ReLU, Pool per block: convolutions every third module, then the classifier.
        return (*(f"conv_layers.{3 * k}" for k in range(depth - 1)), "fc")
    if family == "transformer":
        blocks = (
            f"transformer.layers.{k}.{part}"
            for k in range(depth)
            for part in ("linear1", "linear2")
        )
        return ("input_proj", *blocks, "fc")
    raise ValueError(f"unknown family {family!r}")


def planted_stabilization(
    pattern: str | None, n_layers: int, rng: np.random.Generator
) -> list[int]:
    """Stabilization index per layer position: ordered with clear gaps, or all equal."""
    if pattern is None:
        common = int(rng.integers(20, 60))
        return [common] * n_layers
    start = int(rng.integers(8, 20))
    # Gaps of at least 8 measurements; the last layer settles by about index 190, leaving a
    # long stable tail.
    gap = int(np.clip(170 // (n_layers - 1), 8, 30))
    jitter = rng.integers(0, 3, size=n_layers)
    ordered = [start + gap * p + int(jitter[p]) for p in range(n_layers)]
    return ordered if pattern == BOTTOM_UP else ordered[::-1]


def plant_bursts(
    n_bursts: int, n_layers: int, rng: np.random.Generator
) -> list[tuple[int, tuple[int, ...], int]]:
    """Coordinated bursts as (measurement index, layer positions, direction)."""
    if n_bursts == 0:
        return []
    if n_bursts == 1:
        indices = [int(rng.integers(120, 300))]
    else:
        indices = [int(rng.integers(80, 170)), int(rng.integers(230, 330))]
    # ceil(0.7 m) layers: always at least half, never a trivially "all layers" pattern
    # for wide runs.
    n_involved = math.ceil(0.7 * n_layers)
    first_sign = int(rng.choice([-1, 1]))
    bursts = []
    for k, index in enumerate(indices):
        involved = tuple(sorted(int(p) for p in rng.choice(n_layers, n_involved, replace=False)))
        # Alternating directions keep each layer's level (and so its mean) near its base.
        bursts.append((index, involved, first_sign * (-1) ** k))
    return bursts


@dataclass(frozen=True)
class Step:
    """A planted step change in one layer (between measurements index and index+1)."""

    index: int
    sign: int
    cause: str


def plant_steps(
    n_layers: int, bursts: Sequence[tuple[int, tuple[int, ...], int]], rng: np.random.Generator
) -> list[list[Step]]:
    """Per layer position, its step changes in time order (burst steps and isolated jumps)."""
    taken_isolated: list[int] = []
    burst_indices = [index for index, _, _ in bursts]
    plans: list[list[Step]] = []
    for p in range(n_layers):
        burst_steps = [(index, sign) for index, involved, sign in bursts if p in involved]
        n_isolated = int(rng.integers(0, 3))
        # Every layer gets at least one step: a layer of pure noise would have ~4.6% of its
        # velocities above z = 2, and the planted list would no longer be complete.
        if not burst_steps and n_isolated == 0:
            n_isolated = 1
        layer_indices = [index for index, _ in burst_steps]
        isolated: list[int] = []
        for _ in range(n_isolated):
            for _attempt in range(1000):
                j = int(rng.integers(FIRST_STEP_INDEX, LAST_STEP_INDEX + 1))
                if (
                    all(abs(j - other) >= MIN_STEP_SPACING for other in layer_indices)
                    # Away from other layers' jumps and from bursts, so isolated jumps never
                    # add up to an unplanted coordinated index.
                    and all(abs(j - other) >= 3 for other in taken_isolated + burst_indices)
                ):
                    break
            else:  # pragma: no cover - the ranges above leave ample room
                raise RuntimeError("could not place an isolated jump")
            layer_indices.append(j)
            isolated.append(j)
            taken_isolated.append(j)
        steps = [Step(index, sign, "burst") for index, sign in burst_steps]
        steps += [Step(j, 0, "isolated") for j in isolated]
        plans.append(_assign_isolated_signs(sorted(steps, key=lambda s: s.index), rng))
    return plans


def _assign_isolated_signs(steps: list[Step], rng: np.random.Generator) -> list[Step]:
    """Give isolated jumps the direction that brings the level back toward its base.

    Keeping the cumulative shift within one step keeps the series mean, and with it the
    stability threshold, close to the level the step sizes were chosen against.
    """
    level = 0
    signed: list[Step] = []
    for step in steps:
        sign = step.sign
        if step.cause == "isolated":
            sign = -int(np.sign(level)) if level != 0 else int(rng.choice([-1, 1]))
        level += sign
        signed.append(Step(step.index, sign, step.cause))
    return signed


# ---------------------------------------------------------------------------------------
# Series
# ---------------------------------------------------------------------------------------


def step_series(
    level: float, steps: Sequence[Step], sizes: Sequence[float], n: int = N_MEASUREMENTS
) -> np.ndarray:
    """A constant level plus the given step changes (step at j moves x_{j+1} onwards)."""
    x = np.full(n, float(level))
    for step, size in zip(steps, sizes, strict=True):
        x[step.index + 1 :] += step.sign * size
    return x


def settle_shape(k: int, rng: np.random.Generator, n: int = N_MEASUREMENTS) -> np.ndarray:
    """Deviation from the plateau, in units of a tenth of the level, settling at index k.

    Before k: a decaying initial transient plus large random fluctuations (sd 4 tenths),
    so every window that lies before k varies far more than the threshold. At k-1 the value
    is 8 tenths above the plateau: the window starting at k-1 holds 19 plateau values and
    this one, and its variance 0.0475 * 8^2 = 3.0 threshold units still clearly exceeds
    the threshold. From k on: exactly the plateau.
    """
    g = np.zeros(n)
    if k == 0:
        return g
    pre = np.arange(k - 1)
    g[: k - 1] = np.clip(5.0 * np.exp(-pre / 10.0) + 4.0 * rng.standard_normal(k - 1), -5, 10)
    g[k - 1] = 8.0
    return g


def sigmoid_drift(amplitude: float, center: float, n: int = N_MEASUREMENTS) -> np.ndarray:
    """A slow, centred sigmoid: realistic drift without any abrupt velocity."""
    i = np.arange(n)
    return amplitude * (1.0 / (1.0 + np.exp(-(i - center) / 40.0)) - 0.5)


def stable_rank_series(rng: np.random.Generator, n: int = N_MEASUREMENTS) -> np.ndarray:
    """1.0 minus floating-point noise of ~1e-12 early to ~1e-16 late, as in the real runs."""
    amplitude = 10.0 ** rng.uniform(-14.0, -11.7)
    decay = np.exp(-np.arange(n) / 50.0) + 0.01
    return 1.0 - np.abs(rng.standard_normal(n)) * amplitude * decay


def loss_series(
    dataset: str, burst_indices: Sequence[int], rng: np.random.Generator, n: int = N_MEASUREMENTS
) -> np.ndarray:
    """A falling, noisy minibatch loss, with an extra drop right after each burst index."""
    n_classes = 4 if dataset == "ag_news" else 10
    start = math.log(n_classes) + rng.uniform(-0.02, 0.05)
    floor = {"mnist": 0.08, "qmnist": 0.12, "fashion_mnist": 0.35, "ag_news": 0.9}[dataset]
    i = np.arange(n)
    smooth = floor + (start - floor) * np.exp(-i / rng.uniform(20.0, 35.0))
    for b in burst_indices:
        smooth[b + 1 :] *= 0.85
    noise = 0.15 * rng.standard_normal(n)
    noise[0] = 0.0  # the first loss is the untrained log(classes), as in the real runs
    for b in burst_indices:
        # So that batch noise cannot mask the planted drop: u_b = L_{b+1} - L_b < 0.
        noise[b + 1] = min(noise[b + 1], noise[b])
    return smooth * np.exp(noise)


def grad_norm_series(rng: np.random.Generator, n: int = N_MEASUREMENTS) -> np.ndarray:
    """Gradient norms: small at initialisation, then noisy around a plateau."""
    i = np.arange(n)
    return (0.2 + 1.4 * (1.0 - np.exp(-i / 5.0))) * np.exp(0.25 * rng.standard_normal(n))


def steps_per_epoch(dataset: str) -> int:
    """The real MNIST runs cover 13 epochs in 2,000 steps, the others 43."""
    return 157 if dataset == "mnist" else 47
