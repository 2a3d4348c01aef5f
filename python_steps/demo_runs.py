"""Deterministic demo training runs in the ndt Phase 1 format, with planted ground truth.

The demo runs stand in for real training runs (``/work/shared/data/ndt-phase1-runs`` must
not be copied into the project) and, unlike real runs, come with a known answer: every
structure the METHODS.md analyses look for is planted at a recorded place, so a build on
the demo runs can be checked against ``_ground_truth/ground_truth.json``.

Which metric carries which planted structure (the roles never mix within one series, so
each structure can be recovered exactly):

- ``participation_ratio``: jumps and coordinated bursts, in every run. Each layer is a
  plateau (tiny noise, a gentle sigmoid drift) with a few abrupt step changes; every layer
  has at least one step, so the velocity z-score flags exactly the planted steps. Steps are
  small enough (< 0.115 of the level) that every 20-window stays stable: the stabilization
  index is 0 in every layer.
- ``effective_rank_90`` (integer-valued):
  - runs with a convergence pattern: the convergence order. Turbulent integers before the
    layer's planted stabilization index, a constant plateau from it on.
  - runs without one: the same jumps and bursts as ``participation_ratio`` as integer
    steps on an otherwise constant series (stabilization index 0).
- ``nuclear_norm_ratio``: a settling series like the convergence one of
  ``effective_rank_90`` (same turbulence shape, same indices) in runs with a pattern; in
  runs without one every layer settles at one common index (no order).
- ``stable_rank``: 1.0 minus ~1e-14 floating-point noise, as in the real runs; nothing
  planted (its "jumps" are noise, as in the Phase 1 report).

Why the roles are split: a layer can only stop being stable at window ``k-1`` and become
stable at ``k`` if the value just before ``k`` sits far (> ~0.46 of the mean) from the
plateau, and the windows before must vary by more than a tenth of the mean. Those large
settling velocities inflate ``std(v)`` so much that a step small enough to keep the
plateau stable (< 0.2 of the mean) would no longer stand out with a z-score far above 2.
"""

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

SEED = 20251125
NUM_STEPS = 2000
MEASUREMENT_INTERVAL = 5
N_MEASUREMENTS = NUM_STEPS // MEASUREMENT_INTERVAL  # 400

# METHODS.md parameters the planted structure is designed against.
WINDOW = 20
THRESHOLD_FRACTION = 0.10
Z_THRESHOLD = 2.0
COORDINATED_SHARE = 0.5

STABLE_RANK = "stable_rank"
PARTICIPATION_RATIO = "participation_ratio"
EFFECTIVE_RANK_90 = "effective_rank_90"
NUCLEAR_NORM_RATIO = "nuclear_norm_ratio"
METRICS = (STABLE_RANK, PARTICIPATION_RATIO, EFFECTIVE_RANK_90, NUCLEAR_NORM_RATIO)

GROUND_TRUTH_DIR = "_ground_truth"
GROUND_TRUTH_FILE = "ground_truth.json"

BOTTOM_UP = "bottom-up"
TOP_DOWN = "top-down"

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


@dataclass(frozen=True)
class RunSpec:
    """One demo run: its architecture, dataset and what is planted in it."""

    arch_name: str
    dataset_name: str
    pattern: str | None  # 'bottom-up', 'top-down' or None (no convergence order)
    n_bursts: int
    architecture_params: dict[str, float]
    elapsed_time: float
    final_accuracy: float

    @property
    def run_id(self) -> str:
        return f"{self.arch_name}_{self.dataset_name}"

    @property
    def family(self) -> str:
        return self.arch_name.split("_", 1)[0]


def _params(depth: int, width: float, min_w: int, max_w: int, n: int, conn: float) -> dict:
    """architecture_params in the key order of the real files."""
    return {
        "depth": depth,
        "width": width,
        "min_width": min_w,
        "max_width": max_w,
        "num_params": n,
        "connectivity": conn,
    }


# Twelve runs over the three families, 3 to 16 layers; architecture figures as in Phase 1.
# Convergence patterns only on runs with >= 5 layers, where a perfect rank order is also
# significant (p < 0.05) under an exact Spearman test.
RUN_SPECS: tuple[RunSpec, ...] = (
    RunSpec("mlp_shallow_2", "mnist", None, 1,
            _params(2, 96.0, 64, 128, 109386, 110.94), 141.5, 0.963),
    RunSpec("mlp_narrow", "mnist", BOTTOM_UP, 0,
            _params(4, 32.0, 32, 32, 28618, 31.04), 141.6, 0.927),
    RunSpec("mlp_medium", "fashion_mnist", TOP_DOWN, 1,
            _params(4, 96.0, 64, 128, 130058, 110.41), 156.1, 0.764),
    RunSpec("mlp_deep_10", "qmnist", BOTTOM_UP, 2,
            _params(10, 32.0, 32, 32, 34954, 31.38), 136.9, 0.833),
    RunSpec("mlp_verydeep_15", "ag_news", TOP_DOWN, 1,
            _params(15, 24.0, 24, 24, 10924, 23.54), 127.2, 0.257),
    RunSpec("cnn_shallow", "fashion_mnist", None, 0,
            _params(3, 48.0, 32, 64, 50186, 469.03), 138.3, 0.844),
    RunSpec("cnn_medium", "mnist", None, 1,
            _params(4, 74.67, 32, 128, 104202, 443.41), 173.2, 0.976),
    RunSpec("cnn_deep", "qmnist", BOTTOM_UP, 1,
            _params(5, 120.0, 32, 256, 390410, 795.13), 225.7, 0.96),
    RunSpec("transformer_shallow", "ag_news", TOP_DOWN, 0,
            _params(2, 128, 128, 512, 400388, 1564.02), 218.9, 0.26),
    RunSpec("transformer_medium", "mnist", BOTTOM_UP, 2,
            _params(4, 128, 128, 512, 802826, 1568.02), 301.8, 0.916),
    RunSpec("transformer_deep", "fashion_mnist", TOP_DOWN, 1,
            _params(6, 128, 128, 512, 1199370, 1561.68), 377.3, 0.796),
    RunSpec("transformer_medium", "ag_news", None, 2,
            _params(4, 128, 128, 512, 796932, 1556.51), 300.3, 0.293),
)  # fmt: skip


# ---------------------------------------------------------------------------------------
# Ground truth
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlantedJump:
    """A step change between measurements j and j+1, detected at measurement_index j."""

    metric: str
    layer: str
    measurement_index: int
    cause: str  # 'isolated' (one layer) or 'burst' (part of a coordinated burst)


@dataclass(frozen=True)
class PlantedCoordination:
    """A measurement index at which the listed layers (>= 50%) change at once."""

    metric: str
    measurement_index: int
    layers: tuple[str, ...]


@dataclass(frozen=True)
class PlantedConvergence:
    """The planted layer order of settling, on the listed metrics (same indices)."""

    pattern: str | None
    metrics: tuple[str, ...]
    stabilization_index: dict[str, int]


@dataclass(frozen=True)
class RunTruth:
    """Everything planted in one demo run."""

    run_id: str
    arch_name: str
    dataset_name: str
    family: str
    n_layers: int
    layers: tuple[str, ...]
    convergence: PlantedConvergence
    # metric -> layer -> planted stabilization index (corrected mode), for the three
    # metrics with planted structure.
    stabilization_index: dict[str, dict[str, int]]
    jumps: tuple[PlantedJump, ...]
    coordinated: tuple[PlantedCoordination, ...]


METRIC_ROLES = {
    PARTICIPATION_RATIO: (
        "jumps (every planted step, isolated or part of a burst, is listed; no other "
        "velocity has z > 2) and coordinated bursts in every run; stabilization index 0 "
        "in every layer"
    ),
    EFFECTIVE_RANK_90: (
        "runs with a pattern: the convergence order (turbulent before the planted "
        "stabilization index, constant from it on); runs without: the same jumps and "
        "bursts as participation_ratio as integer steps, stabilization index 0"
    ),
    NUCLEAR_NORM_RATIO: (
        "runs with a pattern: the convergence order (same indices as effective_rank_90); "
        "runs without: every layer settles at one common index"
    ),
    STABLE_RANK: "1.0 minus ~1e-14 floating-point noise; nothing planted",
}


@dataclass(frozen=True)
class GroundTruth:
    """The planted structure of every demo run."""

    runs: tuple[RunTruth, ...]

    def run(self, run_id: str) -> RunTruth:
        """The truth of one run, by run id."""
        for truth in self.runs:
            if truth.run_id == run_id:
                return truth
        raise KeyError(run_id)

    def to_json_dict(self) -> dict:
        """The JSON document written to ``_ground_truth/ground_truth.json``."""
        return {
            "generator": "python_steps.demo_runs",
            "seed": SEED,
            "n_measurements": N_MEASUREMENTS,
            "definitions": {
                "mode": "corrected",
                "stabilization_window": WINDOW,
                "stabilization_fraction": THRESHOLD_FRACTION,
                "jump_z_threshold": Z_THRESHOLD,
                "coordinated_threshold": COORDINATED_SHARE,
                "jump_measurement_index": "j for a step between measurements j and j+1",
            },
            "metric_roles": METRIC_ROLES,
            "runs": [asdict(truth) for truth in self.runs],
        }


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


# ---------------------------------------------------------------------------------------
# One run
# ---------------------------------------------------------------------------------------


def build_run(spec: RunSpec, run_number: int) -> tuple[dict, RunTruth]:
    """The run document (ndt format) and its ground truth."""
    rng = np.random.default_rng([SEED, run_number])
    layers = layer_names(spec.family, int(spec.architecture_params["depth"]))
    m = len(layers)
    n = N_MEASUREMENTS

    settle_at = planted_stabilization(spec.pattern, m, rng)
    bursts = plant_bursts(spec.n_bursts, m, rng)
    plans = plant_steps(m, bursts, rng)

    if spec.pattern is None:
        event_metrics = (PARTICIPATION_RATIO, EFFECTIVE_RANK_90)
        settle_metrics: tuple[str, ...] = (NUCLEAR_NORM_RATIO,)
    else:
        event_metrics = (PARTICIPATION_RATIO,)
        settle_metrics = (EFFECTIVE_RANK_90, NUCLEAR_NORM_RATIO)

    series: dict[str, list[np.ndarray]] = {metric: [] for metric in METRICS}
    for p in range(m):
        pr_level = rng.uniform(12.0, 48.0)
        er_level = max(9, round(pr_level * rng.uniform(0.55, 0.8)))
        nnr_level = 1.0 + 0.22 * pr_level
        fractions = rng.uniform(*STEP_FRACTION_RANGE, size=len(plans[p]))

        drift = sigmoid_drift(rng.uniform(-0.05, 0.05) * pr_level, rng.uniform(120, 280))
        noise = PLATEAU_NOISE_FRACTION * pr_level * rng.standard_normal(n)
        series[PARTICIPATION_RATIO].append(
            step_series(pr_level, plans[p], fractions * pr_level) + drift + noise
        )

        g = settle_shape(settle_at[p], rng)
        if EFFECTIVE_RANK_90 in event_metrics:
            # Integer steps of about a tenth of the level: at least 1, and at most
            # floor(level/10) so that a window holding the step stays well inside the
            # threshold.
            er_step = max(1, int(0.1 * er_level))
            er = step_series(er_level, plans[p], [er_step] * len(plans[p]))
        else:
            er = np.maximum(1.0, np.round(er_level * (1.0 + 0.1 * g)))
        series[EFFECTIVE_RANK_90].append(er)

        nnr_noise = 0.002 * nnr_level * rng.standard_normal(n)
        series[NUCLEAR_NORM_RATIO].append(nnr_level * (1.0 + 0.1 * g) + nnr_noise)
        series[STABLE_RANK].append(stable_rank_series(rng))

    burst_indices = [index for index, _, _ in bursts]
    loss = loss_series(spec.dataset_name, burst_indices, rng)
    grad_norm = grad_norm_series(rng)

    document = _document(spec, layers, series, loss, grad_norm)
    truth = _truth(spec, layers, settle_at, settle_metrics, event_metrics, plans, bursts)
    return document, truth


def _document(
    spec: RunSpec,
    layers: Sequence[str],
    series: dict[str, list[np.ndarray]],
    loss: np.ndarray,
    grad_norm: np.ndarray,
) -> dict:
    """The run as an ndt JSON document (key order as in the real files)."""
    per_epoch = steps_per_epoch(spec.dataset_name)
    measurements = []
    for i in range(N_MEASUREMENTS):
        step = i * MEASUREMENT_INTERVAL
        layer_metrics = {
            layer: {metric: float(series[metric][p][i]) for metric in METRICS}
            for p, layer in enumerate(layers)
        }
        measurements.append(
            {
                "step": step,
                "epoch": step // per_epoch + 1,
                "loss": float(loss[i]),
                "grad_norm": float(grad_norm[i]),
                "layer_metrics": layer_metrics,
            }
        )
    return {
        "measurements": measurements,
        "architecture_params": spec.architecture_params,
        "final_accuracy": spec.final_accuracy,
        "arch_name": spec.arch_name,
        "dataset_name": spec.dataset_name,
        "elapsed_time": spec.elapsed_time,
        "num_steps": NUM_STEPS,
        "measurement_interval": MEASUREMENT_INTERVAL,
    }


def _truth(
    spec: RunSpec,
    layers: Sequence[str],
    settle_at: Sequence[int],
    settle_metrics: tuple[str, ...],
    event_metrics: tuple[str, ...],
    plans: Sequence[Sequence[Step]],
    bursts: Sequence[tuple[int, tuple[int, ...], int]],
) -> RunTruth:
    """The ground truth record of one run."""
    settled = dict(zip(layers, (int(k) for k in settle_at), strict=True))
    stabilization = {metric: dict.fromkeys(layers, 0) for metric in event_metrics}
    stabilization.update({metric: dict(settled) for metric in settle_metrics})
    jumps = tuple(
        PlantedJump(metric, layers[p], step.index, step.cause)
        for metric in event_metrics
        for p in range(len(layers))
        for step in plans[p]
    )
    coordinated = tuple(
        PlantedCoordination(metric, index, tuple(layers[p] for p in involved))
        for metric in event_metrics
        for index, involved, _ in bursts
    )
    return RunTruth(
        run_id=spec.run_id,
        arch_name=spec.arch_name,
        dataset_name=spec.dataset_name,
        family=spec.family,
        n_layers=len(layers),
        layers=tuple(layers),
        convergence=PlantedConvergence(spec.pattern, settle_metrics, settled),
        stabilization_index={metric: stabilization[metric] for metric in METRICS[1:]},
        jumps=jumps,
        coordinated=coordinated,
    )


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------


def dump_compact(document: dict) -> str:
    """Compact JSON text (no indent, no spaces): small files, byte-identical every time."""
    return json.dumps(document, separators=(",", ":"), allow_nan=False)


def generate_demo_runs(out_dir: Path) -> GroundTruth:
    """Write every demo run to ``out_dir/<run_id>.json`` and the ground truth beside them.

    The ground truth goes to ``out_dir/_ground_truth/ground_truth.json``: a subfolder,
    because every ``*.json`` directly in ``out_dir`` is read as a run.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    truths = []
    for run_number, spec in enumerate(RUN_SPECS):
        document, truth = build_run(spec, run_number)
        (out_dir / f"{spec.run_id}.json").write_text(dump_compact(document), encoding="utf-8")
        truths.append(truth)
    ground_truth = GroundTruth(tuple(truths))
    truth_dir = out_dir / GROUND_TRUTH_DIR
    truth_dir.mkdir(exist_ok=True)
    (truth_dir / GROUND_TRUTH_FILE).write_text(
        json.dumps(ground_truth.to_json_dict(), indent=2) + "\n", encoding="utf-8"
    )
    return ground_truth


def main(argv: Sequence[str] | None = None) -> None:
    """CLI: ``python -m python_steps.demo_runs --out DIR``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("demo_runs"), help="output folder")
    args = parser.parse_args(argv)
    ground_truth = generate_demo_runs(args.out)
    for truth in ground_truth.runs:
        path = args.out / f"{truth.run_id}.json"
        n_coordinated = len({c.measurement_index for c in truth.coordinated})
        print(
            f"wrote {path} ({path.stat().st_size:,} bytes): {truth.n_layers} layers, "
            f"convergence {truth.convergence.pattern or 'none'}, "
            f"{len(truth.jumps)} planted jumps, {n_coordinated} coordinated bursts"
        )
    print(f"wrote {args.out / GROUND_TRUTH_DIR / GROUND_TRUTH_FILE}")


if __name__ == "__main__":
    main()
