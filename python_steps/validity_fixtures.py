"""Deterministic fixtures for the detector validity harness, with their planted events.

Five synthetic runs in the ndt Phase 1 format (so they load through the same models as
real runs), each with 6 layers (``layer.0`` .. ``layer.5``) and 400 measurements:

positive (something planted)
- ``validity_single_transition``: one abrupt step change per layer, staggered: layer p
  steps between measurements 180 + 8p and 181 + 8p (so the steps never coincide and the
  fixture plants no coordination).
- ``validity_multiple_transitions``: four step changes per layer, between measurements
  j and j+1 for j = 70, 150, 230, 310 plus 4p for layer p (80 apart; staggered across
  layers for the same reason), alternating in direction.
- ``validity_coordinated_burst``: bursts at measurements 100 (layers 0-4), 200
  (layers 1-5) and 300 (layers 0, 2, 3, 4): at each, >= 4 of the 6 layers step at once,
  all in the burst's direction. The loss also drops right after each burst. Every
  per-layer step of a burst is recorded as a transition too.

null (nothing planted)
- ``validity_pure_noise``: i.i.d. gaussian noise around a constant.
- ``validity_smooth_drift``: a slow sigmoid (scale 40 measurements, centres staggered by
  layer) plus small noise: a large change in level, but no abrupt one.

All four metric keys of a layer carry the same planted shape ``y`` (noise included), each
at its own scale and offset: ``value = offset + scale * y``. Shape units: noise sd 1
(0.5 for the drift), steps 10. A transition between measurements j and j+1 is recorded
at ``measurement_index`` j (it is velocity ``v_j``).

Outputs (``python -m python_steps.validity_fixtures`` regenerates both):
- ``fixtures/validity/<run_id>.json``: compact JSON, values rounded to 6 significant
  digits;
- ``seeds/validity_planted_events.csv``: one row per planted event (and one ``none`` row
  per null fixture).
"""

import argparse
import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SEED = 20251126
N_MEASUREMENTS = 400
MEASUREMENT_INTERVAL = 5
NUM_STEPS = N_MEASUREMENTS * MEASUREMENT_INTERVAL
N_LAYERS = 6
LAYERS = tuple(f"layer.{p}" for p in range(N_LAYERS))
ARCH_NAME = "validity_fixture"
DATASET_NAME = "synthetic"
RUN_ID_PREFIX = "validity_"

FIXTURE_DIR = Path("fixtures") / "validity"
PLANTED_EVENTS_CSV = Path("seeds") / "validity_planted_events.csv"
CSV_COLUMNS = ("fixture", "run_id", "fixture_kind", "event_kind", "layer", "measurement_index")

# value = offset + scale * shape. Offsets keep every value positive for shapes within
# about +-25 units; the scales are what make the metrics differ in magnitude.
METRIC_SCALES: dict[str, tuple[float, float]] = {
    "stable_rank": (1.5, 0.01),
    "participation_ratio": (20.0, 0.25),
    "effective_rank_90": (12.0, 0.2),
    "nuclear_norm_ratio": (5.0, 0.05),
}

# A step of 10 noise sds: its velocity gets a z-score around 5 or more even with four
# steps per layer, and lies far above P90 of the noise velocities (about 2.3 sds).
STEP_SIZE = 10.0
NOISE_SD = 1.0
DRIFT_NOISE_SD = 0.5
DRIFT_AMPLITUDE = 20.0
DRIFT_SCALE = 40.0

SINGLE_TRANSITION_AT = tuple(180 + 8 * p for p in range(N_LAYERS))
MULTIPLE_TRANSITIONS_AT = tuple(
    tuple(base + 4 * p for base in (70, 150, 230, 310)) for p in range(N_LAYERS)
)
# (measurement index, layers stepping at once, direction)
BURSTS: tuple[tuple[int, tuple[int, ...], int], ...] = (
    (100, (0, 1, 2, 3, 4), 1),
    (200, (1, 2, 3, 4, 5), -1),
    (300, (0, 2, 3, 4), 1),
)

POSITIVE = "positive"
NULL = "null"
FIXTURES: tuple[tuple[str, str], ...] = (
    ("single_transition", POSITIVE),
    ("multiple_transitions", POSITIVE),
    ("coordinated_burst", POSITIVE),
    ("pure_noise", NULL),
    ("smooth_drift", NULL),
)


@dataclass(frozen=True)
class PlantedEvent:
    """One row of the planted-events seed."""

    fixture: str
    run_id: str
    fixture_kind: str  # 'positive' or 'null'
    event_kind: str  # 'transition', 'coordinated' or 'none'
    layer: str | None
    measurement_index: int | None


def run_id(fixture: str) -> str:
    """The run id (file name without .json) of a fixture."""
    return RUN_ID_PREFIX + fixture


def layer_steps(fixture: str) -> list[list[tuple[int, int]]]:
    """Per layer: its planted steps as (measurement index j, direction), in time order."""
    if fixture == "single_transition":
        # Alternating direction by layer: half the layers rise, half fall.
        return [[(SINGLE_TRANSITION_AT[p], (-1) ** p)] for p in range(N_LAYERS)]
    if fixture == "multiple_transitions":
        # Up, down, up, down (odd layers mirrored): the level stays within one step.
        return [
            [(j, (-1) ** (k + p)) for k, j in enumerate(MULTIPLE_TRANSITIONS_AT[p])]
            for p in range(N_LAYERS)
        ]
    if fixture == "coordinated_burst":
        return [
            [(index, sign) for index, layers, sign in BURSTS if p in layers]
            for p in range(N_LAYERS)
        ]
    return [[] for _ in range(N_LAYERS)]


def planted_events() -> list[PlantedEvent]:
    """Every planted event, in seed order (fixture, transitions by layer, coordinated)."""
    events: list[PlantedEvent] = []
    for fixture, kind in FIXTURES:
        rid = run_id(fixture)
        fixture_events = [
            PlantedEvent(fixture, rid, kind, "transition", LAYERS[p], j)
            for p, steps in enumerate(layer_steps(fixture))
            for j, _ in steps
        ]
        if fixture == "coordinated_burst":
            fixture_events += [
                PlantedEvent(fixture, rid, kind, "coordinated", None, index)
                for index, _, _ in BURSTS
            ]
        if not fixture_events:
            # Null fixtures are listed too, so every fixture appears in the seed.
            fixture_events = [PlantedEvent(fixture, rid, kind, "none", None, None)]
        events += fixture_events
    return events


def shape(fixture: str, rng: np.random.Generator) -> np.ndarray:
    """The planted shape of every layer, shape (N_LAYERS, N_MEASUREMENTS), in shape units."""
    i = np.arange(N_MEASUREMENTS)
    if fixture == "smooth_drift":
        rows = []
        for p in range(N_LAYERS):
            centre = 150 + 20 * p
            direction = (-1) ** p
            drift = DRIFT_AMPLITUDE * direction / (1.0 + np.exp(-(i - centre) / DRIFT_SCALE))
            rows.append(drift + DRIFT_NOISE_SD * rng.standard_normal(N_MEASUREMENTS))
        return np.array(rows)
    y = NOISE_SD * rng.standard_normal((N_LAYERS, N_MEASUREMENTS))
    for p, steps in enumerate(layer_steps(fixture)):
        for j, sign in steps:
            y[p, j + 1 :] += sign * STEP_SIZE
    return y


def loss_curve(fixture: str, rng: np.random.Generator) -> np.ndarray:
    """A falling noisy loss; in the burst fixture it also drops right after each burst."""
    i = np.arange(N_MEASUREMENTS)
    smooth = 0.15 + 2.15 * np.exp(-i / 60.0)
    noise = 0.08 * rng.standard_normal(N_MEASUREMENTS)
    if fixture == "coordinated_burst":
        for index, _, _ in BURSTS:
            smooth[index + 1 :] *= 0.85
            # Batch noise must not mask the planted drop: L_{b+1} < L_b.
            noise[index + 1] = min(noise[index + 1], noise[index])
    return smooth * np.exp(noise)


def round_sig(x: float, digits: int = 6) -> float:
    """x rounded to `digits` significant digits (keeps the committed files small)."""
    return float(f"{x:.{digits}g}")


def build_fixture(fixture: str, fixture_number: int) -> dict:
    """The fixture as an ndt run document."""
    rng = np.random.default_rng([SEED, fixture_number])
    y = shape(fixture, rng)
    loss = loss_curve(fixture, rng)
    grad_norm = 1.0 * np.exp(0.2 * rng.standard_normal(N_MEASUREMENTS))
    measurements = []
    for i in range(N_MEASUREMENTS):
        step = i * MEASUREMENT_INTERVAL
        layer_metrics = {
            layer: {
                metric: round_sig(offset + scale * y[p, i])
                for metric, (offset, scale) in METRIC_SCALES.items()
            }
            for p, layer in enumerate(LAYERS)
        }
        measurements.append(
            {
                "step": step,
                "epoch": step // 50 + 1,
                "loss": round_sig(loss[i]),
                "grad_norm": round_sig(grad_norm[i]),
                "layer_metrics": layer_metrics,
            }
        )
    return {
        "measurements": measurements,
        "architecture_params": {
            "depth": N_LAYERS,
            "width": 32.0,
            "min_width": 32,
            "max_width": 32,
            "num_params": 0,
            "connectivity": 0.0,
        },
        "final_accuracy": 0.0,
        "arch_name": ARCH_NAME,
        "dataset_name": DATASET_NAME,
        "elapsed_time": 0.0,
        "num_steps": NUM_STEPS,
        "measurement_interval": MEASUREMENT_INTERVAL,
    }


def fixture_texts() -> dict[str, str]:
    """File name -> exact file content of every fixture run."""
    return {
        f"{run_id(fixture)}.json": json.dumps(
            build_fixture(fixture, number), separators=(",", ":"), allow_nan=False
        )
        for number, (fixture, _) in enumerate(FIXTURES)
    }


def planted_events_csv(events: Sequence[PlantedEvent]) -> str:
    """The seed CSV text; missing layer / measurement_index are empty fields."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in events:
        index = "" if e.measurement_index is None else e.measurement_index
        writer.writerow([e.fixture, e.run_id, e.fixture_kind, e.event_kind, e.layer or "", index])
    return buffer.getvalue()


def write_outputs(root: Path) -> list[Path]:
    """Write the fixtures and the seed CSV under the repository root `root`."""
    fixture_dir = root / FIXTURE_DIR
    fixture_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in fixture_texts().items():
        path = fixture_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    csv_path = root / PLANTED_EVENTS_CSV
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    csv_path.write_text(planted_events_csv(planted_events()), encoding="utf-8")
    written.append(csv_path)
    return written


def repo_root() -> Path:
    """The repository root (the folder holding python_steps/)."""
    return Path(__file__).resolve().parent.parent


def main(argv: Sequence[str] | None = None) -> None:
    """CLI: ``python -m python_steps.validity_fixtures [--root DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root", type=Path, default=repo_root(), help="repository root (default: this repo)"
    )
    args = parser.parse_args(argv)
    for path in write_outputs(args.root):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
