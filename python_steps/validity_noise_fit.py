"""Fit the validity fixtures' noise model from real runs: AR(1) velocities, Student-t shocks.

For every layer series of a metric in the runs folder (ndt Phase 1 JSON files), with
velocities ``v_i = x_{i+1} - x_i``:

- settled part: ``v_i`` for ``i >= SETTLED_FROM`` (after the early transient), centred on
  its mean and divided by its standard deviation (series with sd 0 are skipped);
- ``ar1``: the lag-1 autocorrelation of the settled velocities, averaged over series;
- innovations ``e_i = r_i - ar1 * r_{i-1}`` pooled over series; ``t_df`` and ``t_scale``:
  Student-t fit (location fixed at 0, scipy.stats.t.fit);
- ``velocity_excess_kurtosis``: of the pooled settled velocities (a check, not used);
- transient over the first ``TRANSIENT_LENGTH`` velocities, in settled sds (medians over
  series): ``transient_scale`` = sd of the early velocities, ``transient_drift`` = |mean|;
- ``min_layers`` / ``max_layers``: the range of the runs' layer counts.

``python -m python_steps.validity_noise_fit --runs DIR`` writes
``fixtures/validity_noise_model.json`` (committed; the fixtures are generated from it).
"""

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import stats

NOISE_MODEL_JSON = Path("fixtures") / "validity_noise_model.json"
FITTED_METRICS = ("participation_ratio", "nuclear_norm_ratio")
SETTLED_FROM = 40
TRANSIENT_LENGTH = 10


def layer_series(run: dict, metric: str) -> list[np.ndarray]:
    """Each layer's series of `metric` in a run document (layers in file order)."""
    measurements = run["measurements"]
    layers = list(measurements[0]["layer_metrics"])
    return [
        np.array([m["layer_metrics"][layer][metric] for m in measurements], dtype=float)
        for layer in layers
    ]


def fit_metric(series: Sequence[np.ndarray]) -> dict[str, float]:
    """The noise model of one metric from its layer series (see the module docstring)."""
    autocorrelations, settled, early_scales, early_drifts = [], [], [], []
    for x in series:
        v = np.diff(x)
        tail = v[SETTLED_FROM:]
        sd = float(np.std(tail))
        if len(tail) < 3 or sd == 0:
            continue
        r = (tail - tail.mean()) / sd
        autocorrelations.append(float(np.corrcoef(r[:-1], r[1:])[0, 1]))
        settled.append(r)
        early = v[:TRANSIENT_LENGTH]
        early_scales.append(float(np.std(early)) / sd)
        early_drifts.append(abs(float(np.mean(early))) / sd)
    if not settled:
        raise ValueError("no layer series with a non-constant settled part to fit")
    ar1 = float(np.mean(autocorrelations))
    innovations = np.concatenate([r[1:] - ar1 * r[:-1] for r in settled])
    t_df, _, t_scale = stats.t.fit(innovations, floc=0)
    return {
        "n_series": len(settled),
        "ar1": round(ar1, 4),
        "t_df": round(float(t_df), 4),
        "t_scale": round(float(t_scale), 4),
        "velocity_excess_kurtosis": round(float(stats.kurtosis(np.concatenate(settled))), 2),
        "transient_scale": round(float(np.median(early_scales)), 4),
        "transient_drift": round(float(np.median(early_drifts)), 4),
    }


def fit_runs(runs_dir: Path) -> dict:
    """The noise model fitted on every *.json run in `runs_dir`."""
    paths = sorted(runs_dir.glob("*.json"))
    if not paths:
        raise FileNotFoundError(f"no *.json runs in {runs_dir}")
    runs = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    layer_counts = [len(run["measurements"][0]["layer_metrics"]) for run in runs]
    return {
        "source": f"{len(runs)} runs in {runs_dir.name}",
        "settled_from": SETTLED_FROM,
        "transient_length": TRANSIENT_LENGTH,
        "min_layers": min(layer_counts),
        "max_layers": max(layer_counts),
        "metrics": {
            metric: fit_metric([x for run in runs for x in layer_series(run, metric)])
            for metric in FITTED_METRICS
        },
    }


def load_noise_model(root: Path) -> dict:
    """The committed noise model under the repository root `root`."""
    return json.loads((root / NOISE_MODEL_JSON).read_text(encoding="utf-8"))


def main(argv: Sequence[str] | None = None) -> None:
    """CLI: ``python -m python_steps.validity_noise_fit --runs DIR [--root DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, required=True, help="folder of ndt run files")
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(__file__).resolve().parent.parent,
        help="repository root (default: this repo)",
    )
    args = parser.parse_args(argv)
    model = fit_runs(args.runs)
    path = args.root / NOISE_MODEL_JSON
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
