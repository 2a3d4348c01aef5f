"""Synthetic training runs in the ndt Phase 1 format, for the benchmark (``make bench``).

The runs have the real data's shape (``/work/shared/data/ndt-phase1-runs/SOURCE.md``):
400 measurements (every 5 steps of 2,000), 3 to 16 layers named as in each architecture
family (``network.0``, ``conv_layers.3``, ``transformer.layers.1.linear2``, ``fc``...),
the four metrics and a noisy falling loss, written with the real files' layout (2-space
indented JSON, same key order, shortest round-trip floats), about 700 KB per run.

- ``stable_rank``: 1.0 minus ~1e-12 .. 1e-16 floating-point noise (exactly 1.0 in a share
  of the measurements), as in the real runs.
- ``participation_ratio``: per layer an initial level (falling with depth in MLPs, low in
  CNNs, alternating in transformers), an early transient dip or rise, a slow drift to a
  final level, a few abrupt steps, and autocorrelated noise; never below 1.
- ``effective_rank_90``: integer-valued, about 0.72 x the participation ratio, at least 1.
- ``nuclear_norm_ratio``: about 1 + 0.33 (participation_ratio - 1), its own small noise.
- ``loss``: exponential fall from ln(classes) to a final level with multiplicative noise
  (AG News barely learns, as in the real runs); ``grad_norm`` positive and noisy.

Run ``i`` uses the i-th (architecture, dataset) pair of the 55 real ones, cyclically, so
1x (55 runs) has one run per pair, like the real data. Every run is generated from its own
random stream ``default_rng([seed, i])``: the bytes of a run depend only on (seed, i),
never on the number of workers or on which runs already exist.

Speed: values are generated with numpy and formatted with one ``%``-template per
architecture (built once): ~5 ms per run including the numpy generation, against
~15 ms for ``json.dumps(indent=2)`` of the nested dicts alone;
``--workers`` processes (default 2) write in parallel. 5,500 runs (~3.8 GB) take ~30 s
on 2 cores.

Scales: 1x = 55 runs, 10x = 550, 100x = 5,500 (any ``<k>x`` works). Generated folders are
kept in ``$BENCH_DIR`` (default ``/tmp/layer_dynamics_bench``), one per (scale, seed),
e.g. ``runs_100x_seed0``, and reused: only missing runs are written, stray ``*.json``
files (e.g. a run a benchmark added) are removed.

CLI::

    python benchmarks/synthetic_runs.py --scale 10x [--seed 0] [--out DIR] [--workers 2]
    python benchmarks/synthetic_runs.py --runs 3 --out /tmp/three_runs
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from multiprocessing import get_context
from pathlib import Path

import numpy as np

GENERATOR_VERSION = 1
REAL_RUNS = 55
DEFAULT_BENCH_DIR = "/tmp/layer_dynamics_bench"
NUM_STEPS = 2000
MEASUREMENT_INTERVAL = 5
N_MEASUREMENTS = NUM_STEPS // MEASUREMENT_INTERVAL  # 400
METRICS = ("stable_rank", "participation_ratio", "effective_rank_90", "nuclear_norm_ratio")
DATASETS = ("ag_news", "fashion_mnist", "mnist", "qmnist")
# ln(number of classes): the loss of an untrained classifier.
INITIAL_LOSS = {
    "ag_news": math.log(4),
    "fashion_mnist": math.log(10),
    "mnist": math.log(10),
    "qmnist": math.log(10),
}


@dataclass(frozen=True)
class Architecture:
    arch_name: str
    layers: tuple[str, ...]
    depth: int
    width: float
    min_width: int
    max_width: int
    num_params: int
    connectivity: float
    datasets: tuple[str, ...] = DATASETS
    elapsed_time: float = 150.0

    @property
    def family(self) -> str:
        return self.arch_name.split("_", 1)[0]


def _mlp_layers(n: int) -> tuple[str, ...]:
    return tuple(f"network.{2 * i}" for i in range(n))


def _cnn_layers(n_conv: int) -> tuple[str, ...]:
    return (*(f"conv_layers.{3 * i}" for i in range(n_conv)), "fc")


def _transformer_layers(n_blocks: int) -> tuple[str, ...]:
    blocks = (
        f"transformer.layers.{i}.{linear}"
        for i in range(n_blocks)
        for linear in ("linear1", "linear2")
    )
    return ("input_proj", *blocks, "fc")


# The 14 architectures of the real Phase 1 runs (55 (architecture, dataset) pairs).
ARCHITECTURES: tuple[Architecture, ...] = (
    Architecture(
        "cnn_deep",
        _cnn_layers(4),
        5,
        120.0,
        32,
        256,
        390410,
        795.13,
        ("fashion_mnist", "mnist", "qmnist"),
        215.0,
    ),
    Architecture(
        "cnn_medium",
        _cnn_layers(3),
        4,
        74.67,
        32,
        128,
        104202,
        443.41,
        ("fashion_mnist", "mnist", "qmnist"),
        170.0,
    ),
    Architecture(
        "cnn_shallow",
        _cnn_layers(2),
        3,
        48.0,
        32,
        64,
        50186,
        469.03,
        ("fashion_mnist", "mnist", "qmnist"),
        145.0,
    ),
    Architecture("mlp_deep_10", _mlp_layers(11), 10, 32.0, 32, 32, 34954, 31.38, DATASETS, 140.0),
    Architecture("mlp_medium_5", _mlp_layers(6), 5, 57.6, 32, 64, 65130, 60.19, DATASETS, 141.0),
    Architecture("mlp_medium", _mlp_layers(5), 4, 96.0, 64, 128, 130058, 110.41, DATASETS, 155.0),
    Architecture("mlp_narrow", _mlp_layers(5), 4, 32.0, 32, 32, 28618, 31.04, DATASETS, 135.0),
    Architecture(
        "mlp_shallow_2", _mlp_layers(3), 2, 128.0, 64, 128, 109386, 120.5, DATASETS, 125.0
    ),
    Architecture(
        "mlp_verydeep_15", _mlp_layers(16), 15, 24.0, 24, 24, 27490, 23.82, DATASETS, 138.0
    ),
    Architecture(
        "mlp_verywide", _mlp_layers(5), 4, 384.0, 256, 512, 864266, 370.93, DATASETS, 270.0
    ),
    Architecture("mlp_wide", _mlp_layers(5), 4, 192.0, 128, 256, 317450, 203.23, DATASETS, 230.0),
    Architecture(
        "transformer_deep",
        _transformer_layers(6),
        6,
        128,
        128,
        512,
        1199370,
        1561.68,
        DATASETS,
        365.0,
    ),
    Architecture(
        "transformer_medium",
        _transformer_layers(4),
        4,
        128,
        128,
        512,
        802826,
        1568.02,
        DATASETS,
        303.0,
    ),
    Architecture(
        "transformer_narrow",
        _transformer_layers(4),
        4,
        64,
        64,
        256,
        204810,
        800.04,
        ("fashion_mnist", "mnist"),
        218.0,
    ),
    Architecture(
        "transformer_shallow",
        _transformer_layers(2),
        2,
        128,
        128,
        512,
        406282,
        1587.04,
        DATASETS,
        225.0,
    ),
)
PAIRS: tuple[tuple[Architecture, str], ...] = tuple(
    (arch, dataset) for arch in ARCHITECTURES for dataset in arch.datasets
)
assert len(PAIRS) == REAL_RUNS


# --------------------------------------------------------------------------------------
# Scales and folders
# --------------------------------------------------------------------------------------


def scale_runs(scale: str) -> int:
    """'1x' -> 55, '10x' -> 550, '100x' -> 5500 (any '<k>x'; a bare integer is a run count)."""
    text = scale.strip().lower()
    if text.endswith("x"):
        factor = float(text[:-1])
        if factor <= 0:
            raise ValueError(f"scale must be positive, got {scale!r}")
        return max(1, round(REAL_RUNS * factor))
    return int(text)


def bench_dir() -> Path:
    return Path(os.environ.get("BENCH_DIR") or DEFAULT_BENCH_DIR)


def runs_folder(scale: str, seed: int = 0, base: Path | None = None) -> Path:
    return (base or bench_dir()) / f"runs_{scale}_seed{seed}"


def run_name(index: int) -> str:
    """File name (run id + '.json') of run ``index``: '<arch_name>_<dataset>_s<index>'."""
    arch, dataset = PAIRS[index % len(PAIRS)]
    return f"{arch.arch_name}_{dataset}_s{index:05d}.json"


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, ...], phi: float) -> np.ndarray:
    """AR(1) noise along the last axis with unit marginal variance."""
    eps = rng.standard_normal(shape)
    out = np.empty(shape)
    out[..., 0] = eps[..., 0]
    scale = math.sqrt(1.0 - phi * phi)
    for t in range(1, shape[-1]):
        out[..., t] = phi * out[..., t - 1] + scale * eps[..., t]
    return out


def _initial_levels(rng: np.random.Generator, arch: Architecture, m: int) -> np.ndarray:
    depth = np.arange(m) / max(m - 1, 1)
    if arch.family == "mlp":
        top = 15.0 + 50.0 * min(arch.width, 384.0) / 384.0
        levels = top * rng.uniform(0.7, 1.3) * np.exp(-4.0 * depth) + 1.0
    elif arch.family == "cnn":
        levels = rng.uniform(1.5, 3.3, m)
    else:  # transformer: input projection, then alternating wide/narrow linears, then fc
        levels = rng.uniform(3.0, 10.0, m)
        levels[0] = rng.uniform(7.0, 12.5)
        levels[2:-1:2] *= 0.6
    levels[-1] = rng.uniform(1.2, 3.5) if arch.family != "transformer" else rng.uniform(1.2, 2.0)
    return np.maximum(levels * rng.uniform(0.85, 1.15, m), 1.0)


def run_arrays(index: int, seed: int) -> tuple[Architecture, str, dict[str, object], np.ndarray]:
    """(architecture, dataset, top-level attributes, (n, 4 + 4 m) value matrix) of a run.

    Columns of the matrix: step, epoch, loss, grad_norm, then per layer the four metrics.
    """
    arch, dataset = PAIRS[index % len(PAIRS)]
    rng = np.random.default_rng([seed, index])
    n, m = N_MEASUREMENTS, len(arch.layers)
    t = np.arange(n, dtype=np.float64)
    steps = t * MEASUREMENT_INTERVAL
    learns = dataset != "ag_news"

    # Loss: exponential fall with multiplicative noise (AG News stays near ln 4).
    l0 = INITIAL_LOSS[dataset] * rng.uniform(0.99, 1.03)
    lf = rng.uniform(0.0, 0.35) if learns else l0 * rng.uniform(0.93, 0.99)
    tau = rng.uniform(15.0, 120.0)
    loss = lf + (l0 - lf) * np.exp(-t / tau)
    # Noise grows from none at step 0 (every run starts at ln(classes)) to its full level.
    sigma = (0.25 if learns else 0.012) * (1.0 - np.exp(-t / 8.0))
    loss *= np.exp(sigma * rng.standard_normal(n))
    loss = np.abs(loss) + 1e-6
    grad = np.exp(rng.normal(0.0, 0.45, n)) * (0.3 + 3.0 * np.sin(np.pi * np.minimum(t / 250, 1.0)))

    # Participation ratio (m, n): transient + drift + steps + smooth noise.
    p0 = _initial_levels(rng, arch, m)
    pf = np.maximum(p0 * np.exp(rng.normal(-0.3 if learns else 0.0, 0.35, m)), 1.0)
    if learns:
        pf[-1] = rng.uniform(4.0, 8.0)
    tau_fast = rng.uniform(3.0, 25.0, m)[:, None]
    tau_slow = rng.uniform(80.0, 400.0, m)[:, None]
    dip = rng.uniform(-0.6, 0.2, m)[:, None] * p0[:, None]
    tt = t[None, :]
    base = pf[:, None] + (p0 - pf)[:, None] * np.exp(-tt / tau_slow)
    base += dip * (tt / tau_fast) * np.exp(1.0 - tt / tau_fast)
    n_steps = rng.poisson(2.0, m)
    for layer in range(m):
        for _ in range(n_steps[layer]):
            at = rng.integers(5, n - 5) if rng.random() < 0.4 else rng.integers(5, n // 3)
            base[layer] *= 1.0 + rng.normal(0.0, 0.12) * (t >= at)
    noise_level = rng.uniform(0.003, 0.03, m)[:, None]
    pr = base * (1.0 + noise_level * _smooth_noise(rng, (m, n), 0.7))
    pr = np.maximum(pr, 1.0 + rng.uniform(0.0, 0.01, (m, n)))
    er = np.maximum(np.floor(0.72 * pr + 0.35 + rng.normal(0.0, 0.15, (m, n))), 1.0)
    nnr = 1.0 + 0.33 * (pr - 1.0) * rng.uniform(0.9, 1.2, m)[:, None]
    nnr *= 1.0 + rng.normal(0.0, 0.002, (m, n))
    nnr = np.maximum(nnr, 1.0)
    # Stable rank: 1 - 1e-12 .. 1e-16 rounding noise, exactly 1.0 in a share of cells.
    exponent = (
        -12.0 - 3.5 * np.minimum(tt / rng.uniform(10.0, 60.0), 1.0) + rng.normal(0, 0.5, (m, n))
    )
    sr = 1.0 - np.round(10.0**exponent / 2.0**-53) * 2.0**-53
    sr[rng.random((m, n)) < rng.uniform(0.0, 0.8)] = 1.0

    values = np.empty((n, 4 + 4 * m))
    values[:, 0] = steps
    values[:, 1] = 1 + steps // (157 if dataset == "mnist" else 47)
    values[:, 2] = loss
    values[:, 3] = grad
    for k, metric in enumerate((sr, pr, er, nnr)):
        values[:, 4 + k :: 4] = metric.T

    final_accuracy = float(
        np.clip(1.0 - loss[-20:].mean() / 2.5 - rng.uniform(0, 0.08), 0.2, 0.995)
    )
    attributes = {
        "architecture_params": {
            "depth": arch.depth,
            "width": arch.width,
            "min_width": arch.min_width,
            "max_width": arch.max_width,
            "num_params": arch.num_params,
            "connectivity": arch.connectivity,
        },
        "final_accuracy": final_accuracy,
        "arch_name": arch.arch_name,
        "dataset_name": dataset,
        "elapsed_time": arch.elapsed_time * float(rng.uniform(0.9, 1.15)),
        "num_steps": NUM_STEPS,
        "measurement_interval": MEASUREMENT_INTERVAL,
    }
    return arch, dataset, attributes, values


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------


@cache
def _measurements_template(layers: tuple[str, ...]) -> str:
    """The '"measurements": [...]' block of a file as one %-template (json.dump indent=2)."""
    layer_blocks = ",\n".join(
        f'        "{layer}": {{\n'
        '          "stable_rank": %r,\n'
        '          "participation_ratio": %r,\n'
        '          "effective_rank_90": %r,\n'
        '          "nuclear_norm_ratio": %r\n'
        "        }"
        for layer in layers
    )
    one = (
        "    {\n"
        '      "step": %d,\n'
        '      "epoch": %d,\n'
        '      "loss": %r,\n'
        '      "grad_norm": %r,\n'
        '      "layer_metrics": {\n'
        f"{layer_blocks}\n"
        "      }\n"
        "    }"
    )
    return '  "measurements": [\n' + ",\n".join([one] * N_MEASUREMENTS) + "\n  ]"


def run_text(index: int, seed: int) -> str:
    """The JSON text of run ``index`` (same layout as the real files)."""
    arch, _, attributes, values = run_arrays(index, seed)
    measurements = _measurements_template(arch.layers) % tuple(values.ravel().tolist())
    rest = json.dumps(attributes, indent=2)[1:]  # '\n  "architecture_params": ...}'
    return "{\n" + measurements + "," + rest + "\n"


def write_run(folder: Path, index: int, seed: int) -> int:
    """Write run ``index`` into ``folder`` (atomically); return its size in bytes."""
    data = run_text(index, seed).encode()
    path = folder / run_name(index)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return len(data)


def _write_chunk(args: tuple[str, Sequence[int], int]) -> int:
    folder, indices, seed = args
    return sum(write_run(Path(folder), i, seed) for i in indices)


def write_runs(
    folder: Path, indices: Iterable[int], seed: int, workers: int = 2, progress: bool = False
) -> int:
    """Write the given runs with ``workers`` processes; return the bytes written."""
    indices = list(indices)
    folder.mkdir(parents=True, exist_ok=True)
    if not indices:
        return 0
    chunk = 25
    chunks = [(str(folder), indices[i : i + chunk], seed) for i in range(0, len(indices), chunk)]
    total = done = 0
    start = time.perf_counter()

    def report() -> None:
        if progress:
            rate = total / 1e6 / max(time.perf_counter() - start, 1e-9)
            print(
                f"  {min(done, len(indices))}/{len(indices)} runs, {total / 1e9:.2f} GB,"
                f" {rate:.0f} MB/s",
                file=sys.stderr,
                flush=True,
            )

    if workers <= 1 or len(chunks) == 1:
        for args in chunks:
            total += _write_chunk(args)
            done += len(args[1])
            if done % 500 < chunk:
                report()
        return total
    with get_context("fork").Pool(workers) as pool:
        for n_bytes in pool.imap(_write_chunk, chunks):
            total += n_bytes
            done += chunk
            if done % 500 < chunk:
                report()
    return total


def ensure_runs(
    folder: Path, n_runs: int, seed: int = 0, workers: int = 2, progress: bool = True
) -> dict[str, object]:
    """Make ``folder`` hold exactly runs 0 .. n_runs-1 of ``seed``; reuse what is there.

    A manifest ``<folder>.manifest.json`` (beside the folder, not in it: the warehouse
    reads every *.json of the folder) records the generator version, seed and run count.
    Returns the manifest plus ``generated`` (runs written now) and ``seconds``.
    """
    start = time.perf_counter()
    manifest_path = folder.with_name(folder.name + ".manifest.json")
    manifest: dict[str, object] = {}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
    if manifest.get("generator_version") != GENERATOR_VERSION or manifest.get("seed") != seed:
        existing: set[str] = set()  # stale: rewrite every run
    else:
        existing = {p.name for p in folder.glob("*.json")} if folder.is_dir() else set()
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {run_name(i): i for i in range(n_runs)}
    for path in folder.iterdir():
        if path.name.endswith((".json", ".partial")) and path.name not in wanted:
            path.unlink()
    missing = [i for name, i in wanted.items() if name not in existing]
    if missing and progress:
        print(f"writing {len(missing)} synthetic runs into {folder}", file=sys.stderr, flush=True)
    write_runs(folder, missing, seed, workers, progress)
    n_bytes = sum(p.stat().st_size for p in folder.glob("*.json"))
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "n_runs": n_runs,
        "bytes": n_bytes,
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return {**manifest, "generated": len(missing), "seconds": time.perf_counter() - start}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--scale", default="1x", help="1x = 55 runs, 10x = 550, 100x = 5,500")
    size.add_argument("--runs", type=int, help="number of runs (instead of --scale)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out", type=Path, help="folder (default $BENCH_DIR/runs_<scale>_seed<seed>)"
    )
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    n_runs = args.runs if args.runs is not None else scale_runs(args.scale)
    label = f"{n_runs}runs" if args.runs is not None else args.scale
    folder = args.out or runs_folder(label, args.seed)
    info = ensure_runs(folder, n_runs, args.seed, args.workers)
    print(
        f"{folder}: {info['n_runs']} runs, {int(info['bytes']) / 1e9:.2f} GB"
        f" ({info['generated']} written in {float(info['seconds']):.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
