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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from python_steps.demo_signals import (
    PLATEAU_NOISE_FRACTION,
    STEP_FRACTION_RANGE,
    Step,
    grad_norm_series,
    layer_names,
    loss_series,
    plant_bursts,
    plant_steps,
    planted_stabilization,
    settle_shape,
    sigmoid_drift,
    stable_rank_series,
    step_series,
    steps_per_epoch,
)
from python_steps.demo_truth import (
    BOTTOM_UP,
    EFFECTIVE_RANK_90,
    GROUND_TRUTH_DIR,
    GROUND_TRUTH_FILE,
    MEASUREMENT_INTERVAL,
    METRICS,
    N_MEASUREMENTS,
    NUCLEAR_NORM_RATIO,
    NUM_STEPS,
    PARTICIPATION_RATIO,
    SEED,
    STABLE_RANK,
    TOP_DOWN,
    GroundTruth,
    PlantedConvergence,
    PlantedCoordination,
    PlantedJump,
    RunTruth,
)


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
