"""Reading the chart data: the `chart_*` models of models/reporting, nothing computed here.

Every aggregation happens in dbt (models/reporting, tested and documented there); this
module only opens the warehouse, checks the models are there and reads them in a stable
order (DuckDB keeps no row order in a table built with preserve_insertion_order off).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

# Most rows one chart embeds (Altair's default limit); the models bin to stay under
# dbt's `chart_max_rows` var and the renderer refuses more than this.
MAX_ROWS = 5000

# Each reporting model the pages read, with the order its rows are drawn in.
MODEL_ORDER = {
    "chart_runs": "arch_family, run_id",
    "chart_run_heatmap": "run_id, metric, layer_position, bin",
    "chart_run_stabilization": "run_id, metric, layer_position",
    "chart_run_jumps": "run_id, metric, layer_position, measurement_index",
    "chart_run_coordination": "run_id, metric, step",
    "chart_run_loss": "run_id, step",
    "chart_run_summaries": "arch_family, run_id, metric",
    "chart_run_comparison": "run_id, metric, step",
    "chart_convergence_patterns": "metric, arch_family, pattern",
    "chart_rho_histogram": "metric, arch_family, rho_start",
    "chart_stabilization_by_depth": "metric, arch_family, depth_bin",
    "chart_jump_counts": "metric, arch_family, jump_kind",
    "chart_jump_phase_histogram": "metric, arch_family, jump_kind, phase_start",
    "chart_jump_sample": "metric, run_id, layer_position, measurement_index",
    "chart_jump_magnitude_boxes": "metric, arch_family, phase_category",
    "chart_jump_type_names": "metric, jump_type",
    "chart_jump_type_counts": "metric, arch_family, jump_type",
    "chart_jump_type_profiles": "metric, jump_type, feature",
    "chart_critical_periods": "metric, arch_family, run_id",
    "chart_architecture_measures": "metric, measure, arch_family",
    "chart_headline": "metric",
    "chart_build_overview": "n_runs",
}
# Optional: the validity page is written only when the build has chart_detector_validity;
# its curves and headline when it has the other two.
OPTIONAL_MODELS = {
    "chart_detector_validity": "detector, fixture",
    "rpt_detector_curves": "curve, detector, event_kind, x, threshold",
    "detector_verdicts": "detector, event_kind, effect_size",
}

# The metric a page shows first, in order of preference: participation_ratio moves by
# whole units in every run; stable_rank only carries floating-point noise.
METRIC_PREFERENCE = (
    "participation_ratio",
    "effective_rank_90",
    "nuclear_norm_ratio",
    "stable_rank",
)


def connect(warehouse: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a built warehouse file."""
    return duckdb.connect(str(warehouse), read_only=True)


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether a table or view of that name exists in schema main."""
    rows = con.execute(
        "select count(*) from information_schema.tables"
        " where table_schema = 'main' and table_name = ?",
        [table],
    ).fetchall()
    return bool(rows and rows[0][0])


def missing_models(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The reporting models this warehouse lacks (built before models/reporting existed,
    or with `--select` leaving them out)."""
    return [model for model in MODEL_ORDER if not table_exists(con, model)]


def read(con: duckdb.DuckDBPyConnection, model: str) -> pd.DataFrame:
    """All rows of a reporting model, in its drawing order."""
    order = MODEL_ORDER.get(model) or OPTIONAL_MODELS[model]
    return con.execute(f'select * from "{model}" order by {order}').df()


def read_optional(con: duckdb.DuckDBPyConnection, model: str) -> pd.DataFrame | None:
    """An optional reporting model's rows, or None when this build has none."""
    return read(con, model) if table_exists(con, model) else None


def metrics(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every metric of the build (those with critical-period figures), sorted."""
    return sorted(str(m) for m in read(con, "chart_headline")["metric"])


def default_metric(metric_names: list[str], with_data: set[str] | None = None) -> str:
    """The metric a page shows first: the most preferred one (METRIC_PREFERENCE, then the
    others sorted) among those `with_data` (those the page's main chart can draw), or
    among all when none has data. ValueError when there is no metric at all."""
    ordered = [m for m in METRIC_PREFERENCE if m in metric_names] + sorted(
        m for m in metric_names if m not in METRIC_PREFERENCE
    )
    drawable = [m for m in ordered if with_data is None or m in with_data]
    if not ordered:
        raise ValueError("no metric in this build: nothing to chart")
    return (drawable or ordered)[0]


@dataclass(frozen=True)
class Headline:
    """The figures index.html states in sentences."""

    n_runs: int
    n_families: int
    families: dict[str, int]
    n_datasets: int
    n_load_issues: int
    metrics: pd.DataFrame
    patterns: dict[str, dict[str, int]]


def headline(con: duckdb.DuckDBPyConnection) -> Headline:
    """Headline figures of the build (chart_build_overview, chart_headline), the runs per
    family (chart_runs) and the convergence patterns per metric."""
    overview = read(con, "chart_build_overview").iloc[0]
    runs = read(con, "chart_runs")
    families = runs["arch_family"].fillna("(no family)").value_counts().sort_index()
    patterns: dict[str, dict[str, int]] = {}
    counts = read(con, "chart_convergence_patterns")
    for (metric, pattern), n in counts.groupby(["metric", "pattern"])["n_runs"].sum().items():
        patterns.setdefault(str(metric), {})[str(pattern)] = int(n)
    return Headline(
        n_runs=int(overview["n_runs"]),
        n_families=int(overview["n_families"]),
        families={str(k): int(v) for k, v in families.items()},
        n_datasets=int(overview["n_datasets"]),
        n_load_issues=int(overview["n_load_issues"]),
        metrics=read(con, "chart_headline"),
        patterns=patterns,
    )
