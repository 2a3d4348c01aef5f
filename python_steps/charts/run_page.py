"""Run pages: heatmap of layer by step, coordination timeline and loss curve."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import altair as alt
import duckdb
import pandas as pd

from python_steps import chart_data as cd
from python_steps.charts.datasets import (
    Datasets,
    check_rows_count,
    csv_header,
    csv_parse,
    to_csv_by,
)
from python_steps.charts.names import run_page_path
from python_steps.charts.render import (
    HEATMAP_WIDTH,
    SHADING_OPTIONS,
    STEP_AXIS,
    Page,
    is_metric,
    metric_param,
)

# Run-page reference lines on the coordination timeline (those the build has).
RUN_LEVELS = ("mean_coordination", "coordination_null_mean", "max_coordination_null_mean")


@dataclass(frozen=True)
class RunData:
    """The chart data of every run: whole frames (one per run-page dataset, all runs) and
    the same rows grouped by run_id."""

    runs: pd.DataFrame
    frames: dict[str, pd.DataFrame]
    csv: dict[str, dict[str, str]]
    row_counts: dict[str, dict[str, int]]
    bin_widths: dict[str, int]

    def rows_csv(self, dataset: str, run_id: str) -> str:
        """One run's rows of a dataset as CSV (at most MAX_ROWS; a header when none)."""
        check_rows_count(self.row_counts[dataset].get(run_id, 0), f"{dataset} of run {run_id}")
        empty = csv_header(self.frames[dataset], "run_id") + "\n"
        return self.csv[dataset].get(run_id, empty)

    @property
    def binned(self) -> bool:
        """Whether any run's heatmap cells span more than one measurement."""
        return max(self.bin_widths.values(), default=1) > 1


def load_run_data(con: duckdb.DuckDBPyConnection) -> RunData:
    """All per-run chart data, queried once for all runs and trimmed to what is drawn."""
    cells = cd.heatmap_cells(con)
    bin_widths = {str(k): int(v) for k, v in cells.groupby("run_id")["bin_width"].max().items()}
    cell_columns = [
        "run_id",
        "metric",
        "layer",
        "layer_position",
        "step_start",
        "step_end",
        "mean_value",
    ]
    if max(bin_widths.values(), default=1) > 1:
        cell_columns += ["min_value", "max_value", "n_values"]
    critical = cd.critical_period_runs(con)
    level_columns = ["run_id", "metric"] + [c for c in RUN_LEVELS if c in critical.columns]
    coordination = cd.coordination_timeline(con).drop(columns="n_layers")
    if coordination.empty or int(coordination["n_measurements"].max()) == 1:
        coordination = coordination.drop(columns=["mean_coordination", "n_measurements"])
    frames = {
        "heatmap": cells[cell_columns],
        "stabilization": cd.stabilization_points(con).drop(columns="stabilization_index"),
        "coordination": coordination,
        "levels": critical[level_columns],
        "loss": cd.loss_curve(con),
    }
    return RunData(
        runs=cd.run_list(con),
        frames=frames,
        csv={
            name: to_csv_by(frame, csv_parse(frame.drop(columns="run_id")), "run_id")
            for name, frame in frames.items()
        },
        row_counts={
            name: {str(k): int(v) for k, v in frame.groupby("run_id").size().items()}
            for name, frame in frames.items()
        },
        bin_widths=bin_widths,
    )


def select_run_pages(runs: pd.DataFrame, max_pages: int) -> list[str]:
    """The runs that get a page: all of them up to `max_pages`, else those with the best
    Phase 2 candidate rank first (then by run_id)."""
    ordered = runs.sort_values(["best_candidate_rank", "run_id"], na_position="last")
    chosen = set(ordered["run_id"].head(max_pages))
    return [run_id for run_id in runs["run_id"] if run_id in chosen]


def heatmap_chart(
    cells: alt.NamedData,
    stabilization: alt.NamedData,
    binned: bool,
    metric: alt.Parameter,
    zoom: alt.Parameter,
) -> alt.LayerChart:
    """Layer (forward order, input side at the top) by step, coloured by the metric value,
    with each layer's stabilization point marked."""
    tooltip = [
        alt.Tooltip("layer:N"),
        alt.Tooltip("layer_position:Q", title="position (0 = input side)"),
        alt.Tooltip("step_start:Q", title="from step"),
        alt.Tooltip("step_end:Q", title="to step"),
        alt.Tooltip("mean_value:Q", title="mean value" if binned else "value", format=".6g"),
    ]
    if binned:
        tooltip += [
            alt.Tooltip("min_value:Q", title="min", format=".6g"),
            alt.Tooltip("max_value:Q", title="max", format=".6g"),
            alt.Tooltip("n_values:Q", title="measurements in cell"),
        ]
    # min/max are the only sorts Vega-Lite keeps on a domain shared by two datasets.
    y = alt.Y(
        "layer:N",
        sort=alt.EncodingSortField(field="layer_position", op="min"),
        title="layer (forward order)",
    )
    shading = alt.param(
        name="shading",
        value=SHADING_OPTIONS[0],
        bind=alt.binding_select(options=list(SHADING_OPTIONS), name="heatmap colour "),
    )
    rects = (
        alt.Chart(cells, name="heatmap")
        .transform_filter(is_metric(metric))
        .transform_joinaggregate(
            layer_min="min(mean_value)", layer_max="max(mean_value)", groupby=["layer"]
        )
        .transform_calculate(
            shade=f"shading === '{SHADING_OPTIONS[0]}' ? datum.mean_value"
            " : (datum.layer_max > datum.layer_min"
            " ? (datum.mean_value - datum.layer_min) / (datum.layer_max - datum.layer_min)"
            " : 0.5)"
        )
        .mark_rect()
        .encode(
            x=alt.X("step_start:Q", title="training step", axis=STEP_AXIS),
            x2="step_end:Q",
            y=y,
            color=alt.Color(
                "shade:Q",
                title="colour",
                scale=alt.Scale(scheme="viridis", zero=False),
                legend=alt.Legend(format=".4~g"),
            ),
            tooltip=tooltip,
        )
        .add_params(zoom, shading)
    )
    points = (
        alt.Chart(stabilization, name="stabilization")
        .transform_filter(is_metric(metric))
        .mark_point(shape="diamond", filled=True, size=90, color="white", stroke="black")
        .encode(
            x="stabilization_step:Q",
            y=y,
            tooltip=[
                alt.Tooltip("layer:N"),
                alt.Tooltip("stabilization_measurement_index:Q", title="stabilization index"),
                alt.Tooltip("stabilization_step:Q", title="stabilization step"),
            ],
        )
    )
    return alt.layer(rects, points).properties(
        width=HEATMAP_WIDTH,
        height=alt.Step(18),
        title="metric value by layer and step (◆ = stabilization point)",
    )


def coordination_chart(
    coordination: alt.NamedData,
    levels: alt.NamedData,
    threshold: alt.NamedData,
    level_names: list[str],
    binned: bool,
    metric: alt.Parameter,
) -> alt.LayerChart:
    """Share of layers critical together at each step; 0.5 marks a coordinated period and
    the run's mean coordination (and its chance level, when the mart has it) is drawn."""
    tooltip = [
        alt.Tooltip("step:Q", title="step"),
        alt.Tooltip("coordination:Q", format=".3f"),
        alt.Tooltip("n_critical_layers:Q", title="critical layers"),
    ]
    if binned:
        tooltip.append(alt.Tooltip("mean_coordination:Q", title="mean in bin", format=".3f"))
    base = alt.Chart(coordination).transform_filter(is_metric(metric))
    line = (
        base.mark_line(interpolate="step-after", strokeWidth=1)
        .encode(
            x=alt.X("step:Q", title="training step", axis=STEP_AXIS),
            y=alt.Y("coordination:Q", title="coordination", scale=alt.Scale(domain=[0, 1])),
            tooltip=tooltip,
        )
        .properties(name="coordination")
    )
    coordinated = (
        base.transform_filter(alt.datum.is_coordinated)
        .mark_point(color="firebrick", filled=True, size=30)
        .encode(x="step:Q", y="coordination:Q", tooltip=tooltip)
    )
    reference = (
        alt.Chart(levels, name="coordination_levels")
        .transform_filter(is_metric(metric))
        .transform_fold(level_names, as_=["level", "coordination_level"])
        .mark_rule(strokeDash=[4, 3])
        .encode(
            y="coordination_level:Q",
            color=alt.Color(
                "level:N",
                title="run level",
                scale=alt.Scale(domain=level_names, range=["gray", "orange", "purple"]),
            ),
            tooltip=[
                alt.Tooltip("level:N"),
                alt.Tooltip("coordination_level:Q", title="value", format=".3f"),
            ],
        )
    )
    rule = (
        alt.Chart(threshold, name="threshold")
        .mark_rule(color="firebrick", strokeDash=[2, 2], opacity=0.6)
        .encode(
            y="coordinated_threshold:Q",
            tooltip=[alt.Tooltip("coordinated_threshold:Q", title="coordinated from")],
        )
    )
    return alt.layer(line, coordinated, reference, rule).properties(
        width=HEATMAP_WIDTH,
        height=110,
        title="coordination: share of layers critical at each step (● ≥ 0.5)",
    )


def loss_chart(loss: alt.NamedData, log_scale: bool) -> alt.Chart:
    """The training loss over steps."""
    return (
        alt.Chart(loss, name="loss")
        .mark_line(color="black", strokeWidth=1)
        .encode(
            x=alt.X("step:Q", title="training step", axis=STEP_AXIS),
            y=alt.Y(
                "loss:Q",
                title="loss" + (" (log)" if log_scale else ""),
                scale=alt.Scale(type="log" if log_scale else "linear"),
                axis=alt.Axis(tickCount=5, format="~g", grid=False),
            ),
            tooltip=[alt.Tooltip("step:Q"), alt.Tooltip("loss:Q", format=".4g")],
        )
        .properties(width=HEATMAP_WIDTH, height=110, title="training loss")
    )


@dataclass(frozen=True)
class RunPageTemplate:
    """The Vega-Lite spec every run page shares (built once: Altair takes ~0.1 s per
    spec); a run page is this spec with the run's own `datasets`."""

    spec: dict[str, Any]
    parses: dict[str, dict[str, str]]


def run_page_template(data: RunData) -> RunPageTemplate:
    """The run-page spec, its datasets declared by name (shaped like `data.frames`)."""
    ds = Datasets()
    named = {
        name: ds.declare(frame.drop(columns="run_id"), name) for name, frame in data.frames.items()
    }
    threshold = ds.add(pd.DataFrame({"coordinated_threshold": [0.5]}), "threshold")
    metric_names = sorted(data.frames["heatmap"]["metric"].unique().tolist())
    metric = metric_param(metric_names)
    zoom = alt.selection_interval(name="zoom", encodings=["x"], bind="scales")
    loss = data.frames["loss"]["loss"]
    level_names = [c for c in data.frames["levels"].columns if c not in ("run_id", "metric")]
    coordination_binned = "n_measurements" in data.frames["coordination"].columns
    chart = (
        alt.vconcat(
            heatmap_chart(named["heatmap"], named["stabilization"], data.binned, metric, zoom),
            coordination_chart(
                named["coordination"],
                named["levels"],
                threshold,
                level_names,
                coordination_binned,
                metric,
            ),
            loss_chart(named["loss"], log_scale=bool(len(loss)) and float(loss.min()) > 0),
        )
        .resolve_scale(x="shared", color="independent")
        .add_params(metric)
    )
    spec = ds.spec(chart)
    keep_first_view(spec, "zoom")
    return RunPageTemplate(spec=spec, parses=ds.parses)


def keep_first_view(spec: dict[str, Any], param: str) -> None:
    """Define a top-level selection param in its first view only. Altair lists every
    layer of the chart the param was added to; a scale-bound interval defined in two
    layers makes Vega fail ("Duplicate signal name"). With the x scale shared by the
    vconcat, the one definition still zooms every chart."""
    for entry in spec.get("params", []):
        if entry.get("name") == param and len(entry.get("views", [])) > 1:
            entry["views"] = entry["views"][:1]


def run_page(run: pd.Series, data: RunData, template: RunPageTemplate) -> Page:
    """The page of one run: the shared spec with this run's data."""
    run_id = str(run["run_id"])
    datasets = dict(template.spec.get("datasets", {}))
    for name in data.frames:
        datasets[name] = data.rows_csv(name, run_id)
    accuracy = run["final_accuracy"]
    facts = [
        f"architecture <b>{html.escape(str(run['arch_name']))}</b>"
        f" ({html.escape(str(run['arch_family']))})",
        f"dataset <b>{html.escape(str(run['dataset']))}</b>",
        f"{int(run['n_layers'])} layers",
        f"{int(run['n_measurements'])} measurements over {int(run['num_steps']):,} steps",
    ]
    if pd.notna(accuracy):
        facts.append(f"final accuracy {float(accuracy):.3f}")
    intro = (
        f"<p>{', '.join(facts)}.</p><p>Heatmap cells are the metric value of a layer over "
        f"a run of measurements ({_binning_note(data.bin_widths.get(run_id, 1))}); drag or "
        "scroll on the heatmap to zoom all three charts along the step axis (double click "
        "resets). Coordination is the share of the run's layers whose velocity is in their "
        "own top 10% at a step; with independent layers its mean is near 0.1 by "
        "construction.</p>"
    )
    return Page(
        path=run_page_path(run_id),
        title=f"run {run_id}",
        intro_html=intro,
        spec={**template.spec, "datasets": datasets},
    )


def _binning_note(width: int) -> str:
    """How many measurements a heatmap cell spans."""
    if width == 1:
        return "one measurement per cell"
    return f"{width} consecutive measurements per cell, averaged, to keep the page small"
