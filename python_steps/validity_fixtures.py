"""Deterministic, realistic fixtures for the detector validity harness, with planted truth.

Synthetic runs in the ndt Phase 1 format (so they load through the same models as real
runs), 160 measurements each. Every fixture draws its layer count from the real runs' range
(3-16) and its noise from the noise model fitted on the 55 real runs
(``fixtures/validity_noise_model.json``, written by ``python_steps.validity_noise_fit``):

- velocity noise: AR(1) with Student-t innovations (the fitted ``ar1``, ``t_df``,
  ``t_scale`` of participation_ratio), rescaled to a velocity sd of 1 ("1 SD");
- an early transient: over the first measurements the velocity sd is inflated and the level
  drifts (the fitted ``transient_scale`` and ``transient_drift``, decaying as exp(-i/5));
- the level ``y`` is the cumulative sum of the velocities (a random walk, as in real runs).

Planted events (after the transient, measurements 30-146; two per layer, >= 50 apart),
one fixture per kind and effect size (steps at 1, 2, 3, 5, 7 and 10 velocity SDs, bursts
and coordinated steps at 2, 5 and 10):

- ``step_<k>sd``: the level steps by +-k SDs between measurements j and j+1;
- ``burst_<k>sd``: the level rises (or falls) by k SDs at j and returns at j + 3;
- ``coordinated_<k>sd``: two times shared by at least 60% of the layers, all stepping by
  k SDs in the same direction; the loss also drops right after each.

Null fixtures (nothing planted), each of a named null kind and role:
- ``null_calibration_a`` / ``_b`` (kind ``realistic``, role ``calibration``): the change-point
  penalty is calibrated on these;
- ``null_holdout`` (kind ``realistic``, role ``holdout``): never used for calibration;
- ``null_gaussian``: i.i.d. Gaussian level noise (the old harness's only noise);
- ``null_drift``: a slow sigmoid change of level (40 SDs) plus realistic noise.

Metrics, from the same shape ``y``:
- ``participation_ratio = 40 + 0.25 y`` and ``nuclear_norm_ratio = 5 + 0.02 y``
  (6 significant digits; the planted truth holds for both);
- ``effective_rank_90 = round(12 + 0.1 y)``: integer-valued, as in real runs (most of its
  velocities are 0 and events under ~5 SDs can vanish in the rounding);
- ``stable_rank = 1 + u * 2^-52`` with u in -2..2: round-off-level noise only, nothing
  planted (the real runs' stable_rank is like that).

A planted event at measurement j is the velocity ``v_j`` (the change between j and j+1).
Outputs (``python -m python_steps.validity_fixtures`` regenerates both):
``fixtures/validity/<run_id>.json`` and ``seeds/validity_planted_events.csv``.
"""

import argparse
import csv
import io
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from python_steps.validity_noise_fit import load_noise_model

SEED = 20261130
N_MEASUREMENTS = 160
MEASUREMENT_INTERVAL = 5
NUM_STEPS = N_MEASUREMENTS * MEASUREMENT_INTERVAL
ARCH_NAME = "validity_fixture"
DATASET_NAME = "synthetic"
RUN_ID_PREFIX = "validity_"
NOISE_METRIC = "participation_ratio"

FIXTURE_DIR = Path("fixtures") / "validity"
PLANTED_EVENTS_CSV = Path("seeds") / "validity_planted_events.csv"
CSV_COLUMNS = (
    "fixture",
    "run_id",
    "fixture_kind",
    "null_kind",
    "fixture_role",
    "event_kind",
    "effect_size",
    "layer",
    "measurement_index",
    "duration",
)

# Effect sizes (velocity SDs) per event kind: steps get the full curve, the others three points.
EFFECT_SIZES = {"step": (1, 2, 3, 5, 7, 10), "burst": (2, 5, 10), "coordinated": (2, 5, 10)}
BURST_LENGTH = 3
EVENTS_FROM = 30
EVENTS_TO = N_MEASUREMENTS - 14
EVENTS_PER_LAYER = 2
MIN_EVENT_GAP = 50
COORDINATED_MIN_SHARE = 0.6
TRANSIENT_DECAY = 5.0
DRIFT_AMPLITUDE = 40.0
DRIFT_SCALE = 12.0
# (offset, scale): value = offset + scale * y
CONTINUOUS_METRICS = {"participation_ratio": (40.0, 0.25), "nuclear_norm_ratio": (5.0, 0.02)}
INTEGER_METRIC = ("effective_rank_90", 12.0, 0.1)
ROUND_OFF_ULP = 2.0**-52

POSITIVE = "positive"
NULL = "null"
# (fixture, null kind, role) for the nulls
NULL_FIXTURES = (
    ("null_calibration_a", "realistic", "calibration"),
    ("null_calibration_b", "realistic", "calibration"),
    ("null_holdout", "realistic", "holdout"),
    ("null_gaussian", "gaussian", "evaluation"),
    ("null_drift", "drift", "evaluation"),
)


@dataclass(frozen=True)
class Fixture:
    """One fixture: what is planted in it (event_kind 'none' for nulls) and how hard."""

    name: str
    number: int
    event_kind: str
    effect_size: int | None
    null_kind: str | None
    role: str

    @property
    def run_id(self) -> str:
        return RUN_ID_PREFIX + self.name

    @property
    def kind(self) -> str:
        return NULL if self.event_kind == "none" else POSITIVE


def fixtures() -> list[Fixture]:
    """Every fixture, positives (kind by effect size) then nulls."""
    positives = [
        (f"{kind}_{size}sd", kind, size) for kind, sizes in EFFECT_SIZES.items() for size in sizes
    ]
    listed = [Fixture(n, 0, kind, size, None, "evaluation") for n, kind, size in positives]
    listed += [Fixture(n, 0, "none", None, nk, role) for n, nk, role in NULL_FIXTURES]
    return [
        Fixture(f.name, number, f.event_kind, f.effect_size, f.null_kind, f.role)
        for number, f in enumerate(listed)
    ]


@dataclass(frozen=True)
class Plan:
    """Layer count and planted events of a fixture: per layer (measurement j, sign)."""

    n_layers: int
    layer_events: tuple[tuple[tuple[int, int], ...], ...]
    coordinated: tuple[tuple[int, int], ...]  # (j, sign) shared by many layers

    @property
    def layers(self) -> tuple[str, ...]:
        return tuple(f"layer.{p}" for p in range(self.n_layers))


def event_times(rng: np.random.Generator, count: int) -> list[int]:
    """`count` measurement indices in [EVENTS_FROM, EVENTS_TO], >= MIN_EVENT_GAP apart."""
    while True:
        times = sorted(int(t) for t in rng.integers(EVENTS_FROM, EVENTS_TO + 1, size=count))
        if all(b - a >= MIN_EVENT_GAP for a, b in itertools.pairwise(times)):
            return times


def plan(fixture: Fixture, noise_model: dict) -> Plan:
    """The fixture's layer count and planted events (deterministic in its number)."""
    rng = np.random.default_rng([SEED, fixture.number, 1])
    n_layers = int(rng.integers(noise_model["min_layers"], noise_model["max_layers"] + 1))
    if fixture.event_kind in ("step", "burst"):
        layer_events = tuple(
            tuple((j, int(rng.choice((-1, 1)))) for j in event_times(rng, EVENTS_PER_LAYER))
            for _ in range(n_layers)
        )
        return Plan(n_layers, layer_events, ())
    if fixture.event_kind == "coordinated":
        shared = [(j, int(rng.choice((-1, 1)))) for j in event_times(rng, EVENTS_PER_LAYER)]
        per_layer: list[list[tuple[int, int]]] = [[] for _ in range(n_layers)]
        min_layers = math.ceil(COORDINATED_MIN_SHARE * n_layers)
        for j, sign in shared:
            count = int(rng.integers(min_layers, n_layers + 1))
            for p in sorted(rng.choice(n_layers, size=count, replace=False)):
                per_layer[int(p)].append((j, sign))
        return Plan(n_layers, tuple(tuple(e) for e in per_layer), tuple(shared))
    return Plan(n_layers, tuple(() for _ in range(n_layers)), ())


def realistic_velocities(rng: np.random.Generator, n: int, fit: dict) -> np.ndarray:
    """AR(1) velocities with Student-t innovations, sd 1, plus the early transient."""
    phi, df, scale = fit["ar1"], fit["t_df"], fit["t_scale"]
    shocks = scale * rng.standard_t(df, size=n)
    v = np.empty(n)
    v[0] = shocks[0]
    for i in range(1, n):
        v[i] = phi * v[i - 1] + shocks[i]
    v /= math.sqrt(scale**2 * df / (df - 2) / (1 - phi**2))
    decay = np.exp(-np.arange(n) / TRANSIENT_DECAY)
    mean_decay = decay[:10].mean()
    v *= 1 + (fit["transient_scale"] - 1) / mean_decay * decay
    return v + rng.choice((-1, 1)) * fit["transient_drift"] / mean_decay * decay


def shape(fixture: Fixture, layout: Plan, noise_model: dict) -> np.ndarray:
    """The level y of every layer, shape (n_layers, N_MEASUREMENTS), in velocity SDs."""
    rng = np.random.default_rng([SEED, fixture.number, 2])
    fit = noise_model["metrics"][NOISE_METRIC]
    n = N_MEASUREMENTS
    rows = []
    for p in range(layout.n_layers):
        if fixture.null_kind == "gaussian":
            # i.i.d. level noise whose velocities have sd 1.
            rows.append(rng.standard_normal(n) / math.sqrt(2))
            continue
        y = np.concatenate([[0.0], np.cumsum(realistic_velocities(rng, n - 1, fit))])
        if fixture.null_kind == "drift":
            centre = 50 + 60 * p / max(1, layout.n_layers - 1)
            direction = (-1) ** p
            y += direction * DRIFT_AMPLITUDE / (1 + np.exp(-(np.arange(n) - centre) / DRIFT_SCALE))
        size = fixture.effect_size or 0
        for j, sign in layout.layer_events[p]:
            if fixture.event_kind == "burst":
                y[j + 1 : j + 1 + BURST_LENGTH] += sign * size
            else:
                y[j + 1 :] += sign * size
        rows.append(y)
    return np.array(rows)


def loss_curve(fixture: Fixture, layout: Plan, rng: np.random.Generator) -> np.ndarray:
    """A falling noisy loss; it also drops right after each coordinated event."""
    i = np.arange(N_MEASUREMENTS)
    smooth = 0.15 + 2.15 * np.exp(-i / 25.0)
    noise = 0.08 * rng.standard_normal(N_MEASUREMENTS)
    for j, _ in layout.coordinated:
        smooth[j + 1 :] *= 0.85
        noise[j + 1] = min(noise[j + 1], noise[j])
    return smooth * np.exp(noise)


def round_sig(x: float, digits: int = 6) -> float:
    """x rounded to `digits` significant digits (keeps the committed files small)."""
    return float(f"{x:.{digits}g}")


def build_fixture(fixture: Fixture, noise_model: dict) -> dict:
    """The fixture as an ndt run document."""
    layout = plan(fixture, noise_model)
    y = shape(fixture, layout, noise_model)
    rng = np.random.default_rng([SEED, fixture.number, 3])
    loss = loss_curve(fixture, layout, rng)
    round_off = rng.integers(-2, 3, size=y.shape)
    metric_name, int_offset, int_scale = INTEGER_METRIC
    measurements = []
    for i in range(N_MEASUREMENTS):
        step = i * MEASUREMENT_INTERVAL
        layer_metrics = {}
        for p, layer in enumerate(layout.layers):
            continuous = {
                metric: round_sig(offset + scale * y[p, i])
                for metric, (offset, scale) in CONTINUOUS_METRICS.items()
            }
            # The real runs' key order.
            layer_metrics[layer] = {
                "stable_rank": 1.0 + float(round_off[p, i]) * ROUND_OFF_ULP,
                "participation_ratio": continuous["participation_ratio"],
                metric_name: float(max(1, round(int_offset + int_scale * y[p, i]))),
                "nuclear_norm_ratio": continuous["nuclear_norm_ratio"],
            }
        measurements.append(
            {
                "step": step,
                "epoch": step // 50 + 1,
                "loss": round_sig(loss[i]),
                "layer_metrics": layer_metrics,
            }
        )
    return {
        "measurements": measurements,
        "architecture_params": {"depth": layout.n_layers, "width": 32.0, "num_params": 0},
        "final_accuracy": 0.0,
        "arch_name": ARCH_NAME,
        "dataset_name": DATASET_NAME,
        "elapsed_time": 0.0,
        "num_steps": NUM_STEPS,
        "measurement_interval": MEASUREMENT_INTERVAL,
    }


@dataclass(frozen=True)
class PlantedEvent:
    """One row of the planted-events seed."""

    fixture: Fixture
    event_kind: str  # step, burst, coordinated_step (per layer), coordinated (per run), none
    layer: str | None
    measurement_index: int | None
    duration: int | None


def planted_events(noise_model: dict) -> list[PlantedEvent]:
    """Every planted event, in seed order (fixture, then layer events, then run events)."""
    events: list[PlantedEvent] = []
    for fixture in fixtures():
        layout = plan(fixture, noise_model)
        if fixture.kind == NULL:
            events.append(PlantedEvent(fixture, "none", None, None, None))
            continue
        layer_kind = fixture.event_kind
        if layer_kind == "coordinated":
            layer_kind = "coordinated_step"
        # The event's velocities are j .. j + duration - 1 (a burst leaves at j, returns at j + 3).
        duration = BURST_LENGTH + 1 if fixture.event_kind == "burst" else 1
        for p, layer in enumerate(layout.layers):
            events += [
                PlantedEvent(fixture, layer_kind, layer, j, duration)
                for j, _ in layout.layer_events[p]
            ]
        events += [PlantedEvent(fixture, "coordinated", None, j, 1) for j, _ in layout.coordinated]
    return events


def planted_events_csv(events: Sequence[PlantedEvent]) -> str:
    """The seed CSV text; missing values are empty fields."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in events:
        f = e.fixture
        row = [
            f.name,
            f.run_id,
            f.kind,
            f.null_kind,
            f.role,
            e.event_kind,
            f.effect_size,
            e.layer,
            e.measurement_index,
            e.duration,
        ]
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue()


def fixture_texts(noise_model: dict) -> dict[str, str]:
    """File name -> exact file content of every fixture run."""
    return {
        f"{fixture.run_id}.json": json.dumps(
            build_fixture(fixture, noise_model), separators=(",", ":"), allow_nan=False
        )
        for fixture in fixtures()
    }


def repo_root() -> Path:
    """The repository root (the folder holding python_steps/)."""
    return Path(__file__).resolve().parent.parent


def write_outputs(root: Path, noise_model: dict | None = None) -> list[Path]:
    """Write the fixtures and the seed CSV under `root` (noise model: this repo's)."""
    noise_model = noise_model or load_noise_model(repo_root())
    fixture_dir = root / FIXTURE_DIR
    fixture_dir.mkdir(parents=True, exist_ok=True)
    for stale in fixture_dir.glob("*.json"):
        stale.unlink()
    written = []
    for name, text in fixture_texts(noise_model).items():
        path = fixture_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    csv_path = root / PLANTED_EVENTS_CSV
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    csv_path.write_text(planted_events_csv(planted_events(noise_model)), encoding="utf-8")
    written.append(csv_path)
    return written


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
