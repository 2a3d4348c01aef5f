"""The demo runs' constants and planted ground truth (python_steps.demo_runs writes both).

The METHODS.md parameters the planted structure is designed against, the metric roles, and
the records of what is planted where (``_ground_truth/ground_truth.json``).
"""

from dataclasses import asdict, dataclass

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
