"""Run pages: heatmap of layer by step (jumps and stabilization marked), a stabilization
column per layer, the coordination timeline with its reference levels, and the loss."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

from python_steps.charts.datasets import Datasets
from python_steps.charts.names import run_page_path
from python_steps.charts.render import (
    SHADING_OPTIONS,
    STEP_AXIS,
    Page,
    is_metric,
    js_string,
    label_expr,
    metric_param,
)
from python_steps.charts.run_data import RUN_LEVELS, RunData

MARKERS = {
    "stabilization point": "diamond",
    "jump (increase)": "triangle-up",
    "jump (decrease)": "triangle-down",
}
LEVEL_COLORS = ["#7f7f7f", "#ff7f0e", "#d62728"]
STATUS_WIDTH = 150
# Heatmap, coordination and loss share this width so that their step axes line up.
RUN_CHART_WIDTH = 820
# Inset so marks at the first and last step are drawn whole, never cut by the frame.
STEP_SCALE = alt.Scale(padding=8, nice=False, zero=False)


def _layer_axis(title: str | None = "layer (input side at the top)") -> alt.Y:
    # min/max are the only sorts Vega-Lite keeps on a domain shared by two datasets.
    return alt.Y(
        "layer:N", sort=alt.EncodingSortField(field="layer_position", op="min"), title=title
    )


def _marker_shape() -> alt.Shape:
    return alt.Shape(
        "marker:N",
        title="marks",
        scale=alt.Scale(domain=list(MARKERS), range=list(MARKERS.values())),
        legend=alt.Legend(symbolStrokeColor="#222", symbolStrokeWidth=1, symbolFillColor="#e41a1c"),
    )


def _marker_color() -> alt.Color:
    return alt.Color(
        "marker:N",
        title="marks",
        scale=alt.Scale(domain=list(MARKERS), range=["white", "#e41a1c", "#e41a1c"]),
        legend=None,
    )


def heatmap_chart(
    cells: alt.NamedData,
    stabilization: alt.NamedData,
    jumps: alt.NamedData,
    binned: bool,
    metric: alt.Parameter,
    zoom: alt.Parameter,
) -> alt.LayerChart:
    """Layer by step coloured by the metric value (relative to each layer's own range by
    default), with each layer's stabilization point and its jumps marked."""
    tooltip = [
        alt.Tooltip("layer:N", title="layer"),
        alt.Tooltip("layer_position:Q", title="position (0 = input side)"),
        alt.Tooltip("step_start:Q", title="from step"),
        alt.Tooltip("step_end:Q", title="to step"),
        alt.Tooltip("mean_value:Q", title="mean value" if binned else "value", format=".6g"),
    ]
    if binned:
        tooltip += [
            alt.Tooltip("min_value:Q", title="smallest", format=".6g"),
            alt.Tooltip("max_value:Q", title="largest", format=".6g"),
            alt.Tooltip("n_values:Q", title="measurements in cell"),
        ]
    shading = alt.param(
        name="shading",
        value=SHADING_OPTIONS[0],
        bind=alt.binding_select(options=list(SHADING_OPTIONS), name="heatmap colour "),
    )
    relative = f"shading === {js_string(SHADING_OPTIONS[0])}"
    rects = (
        alt.Chart(cells, name="heatmap")
        .transform_filter(is_metric(metric))
        .transform_joinaggregate(
            layer_min="min(mean_value)", layer_max="max(mean_value)", groupby=["layer"]
        )
        .transform_calculate(
            shade=f"{relative} ? (datum.layer_max > datum.layer_min"
            " ? (datum.mean_value - datum.layer_min) / (datum.layer_max - datum.layer_min)"
            " : 0.5) : datum.mean_value"
        )
        .mark_rect()
        .encode(
            x=alt.X("step_start:Q", title="training step", axis=STEP_AXIS, scale=STEP_SCALE),
            x2="step_end:Q",
            y=_layer_axis(),
            color=alt.Color(
                "shade:Q",
                title=["relative: 0 = the layer's", "min, 1 = its max;", "else the metric value"],
                scale=alt.Scale(scheme="viridis", zero=False),
                legend=alt.Legend(format=".4~g", gradientLength=90),
            ),
            tooltip=tooltip,
        )
        .add_params(zoom, shading)
    )
    points = (
        alt.Chart(stabilization, name="stabilization")
        .transform_filter(is_metric(metric))
        .transform_filter("isValid(datum.stabilization_step)")
        .transform_calculate(marker="'stabilization point'")
        .mark_point(filled=True, size=110, stroke="black", strokeWidth=1.2)
        .encode(
            x=alt.X("stabilization_step:Q", title="training step"),
            y=_layer_axis(),
            shape=_marker_shape(),
            color=_marker_color(),
            tooltip=[
                alt.Tooltip("layer:N", title="layer"),
                alt.Tooltip("stabilization_step:Q", title="stabilizes at step"),
            ],
        )
    )
    jump_marks = (
        alt.Chart(jumps, name="jumps")
        .transform_filter(is_metric(metric))
        .transform_calculate(marker="'jump (' + datum.direction + ')'")
        .mark_point(filled=True, size=45, stroke="white", strokeWidth=0.6)
        .encode(
            x=alt.X("step:Q", title="training step"),
            y=_layer_axis(),
            shape=_marker_shape(),
            color=_marker_color(),
            tooltip=[
                alt.Tooltip("layer:N", title="layer"),
                alt.Tooltip("step:Q", title="step"),
                alt.Tooltip("magnitude:Q", title="size |velocity|", format=".4g"),
                alt.Tooltip("direction:N", title="direction"),
                alt.Tooltip("jump_type_name:N", title="jump type"),
            ],
        )
    )
    return (
        alt.layer(rects, jump_marks, points)
        .resolve_scale(color="independent")
        .properties(
            width=RUN_CHART_WIDTH,
            height=alt.Step(26),
            title=alt.Title(
                "Metric value by layer and step",
                subtitle="◆ stabilization point, ▲▼ jumps; drag to pan, scroll to zoom",
            ),
        )
    )


def status_chart(stabilization: alt.NamedData, metric: alt.Parameter) -> alt.Chart:
    """Per layer, in the heatmap's rows: when it stabilizes, or that it never does, or
    that the run is too short to tell."""
    return (
        alt.Chart(stabilization, name="stabilization_status")
        .transform_filter(is_metric(metric))
        .transform_calculate(
            text="isValid(datum.stabilization_step)"
            " ? 'at step ' + format(datum.stabilization_step, ',') : datum.status"
        )
        .mark_text(align="left", x=4, fontSize=12)
        .encode(
            y=_layer_axis(None).axis(None),
            text="text:N",
            color=alt.Color(
                "status:N",
                title="stabilization",
                scale=alt.Scale(
                    domain=[
                        "stabilized",
                        "never stabilizes",
                        "undetermined (run shorter than the window)",
                    ],
                    range=["#333333", "#b2182b", "#8c6d31"],
                ),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("layer:N", title="layer"),
                alt.Tooltip("status:N", title="stabilization"),
                alt.Tooltip("stabilization_step:Q", title="step"),
            ],
        )
        .properties(width=STATUS_WIDTH, height=alt.Step(26), title="stabilizes")
    )


def coordination_chart(
    coordination: alt.NamedData, levels: alt.NamedData, binned: bool, metric: alt.Parameter
) -> alt.LayerChart:
    """Share of layers critical together at each step, coordinated steps marked, with the
    run's mean, the chance level of its peak and the coordinated threshold as lines."""
    tooltip = [
        alt.Tooltip("step:Q", title="step"),
        alt.Tooltip("coordination:Q", title="coordination", format=".3f"),
        alt.Tooltip("n_critical_layers:Q", title="critical layers"),
    ]
    if binned:
        tooltip.append(alt.Tooltip("mean_coordination:Q", title="mean in bin", format=".3f"))
    base = alt.Chart(coordination).transform_filter(is_metric(metric))
    line = (
        base.mark_line(interpolate="step-after", strokeWidth=1.2, color="#1f77b4")
        .encode(
            x=alt.X("step:Q", title="training step", axis=STEP_AXIS, scale=STEP_SCALE),
            y=alt.Y("coordination:Q", title="coordination", scale=alt.Scale(domain=[0, 1])),
            tooltip=tooltip,
        )
        .properties(name="coordination")
    )
    coordinated = (
        base.transform_filter(alt.datum.is_coordinated)
        .mark_point(color="#d62728", filled=True, size=36, clip=False)
        .encode(
            x=alt.X("step:Q", title="training step"),
            y=alt.Y("coordination:Q", title="coordination"),
            tooltip=tooltip,
        )
    )
    level_labels = list(RUN_LEVELS.values())
    reference = (
        alt.Chart(levels, name="coordination_levels")
        .transform_filter(is_metric(metric))
        .transform_fold(list(RUN_LEVELS), as_=["level", "coordination_level"])
        .transform_calculate(level_label=label_expr("level", RUN_LEVELS))
        .mark_rule(strokeDash=[5, 3], strokeWidth=1.5)
        .encode(
            y=alt.Y("coordination_level:Q", title="coordination"),
            color=alt.Color(
                "level_label:N",
                title="lines",
                scale=alt.Scale(domain=level_labels, range=LEVEL_COLORS),
            ),
            tooltip=[
                alt.Tooltip("level_label:N", title="line"),
                alt.Tooltip("coordination_level:Q", title="value", format=".3f"),
            ],
        )
    )
    return alt.layer(line, reference, coordinated).properties(
        width=RUN_CHART_WIDTH,
        height=150,
        title=alt.Title(
            "Coordination: share of layers critical at each step",
            subtitle="● coordinated steps (at or above the threshold)",
        ),
    )


def loss_chart(loss: alt.NamedData, log_scale: bool) -> alt.Chart:
    """The training loss over steps."""
    return (
        alt.Chart(loss, name="loss")
        .mark_line(color="black", strokeWidth=1.2)
        .encode(
            x=alt.X("step:Q", title="training step", axis=STEP_AXIS, scale=STEP_SCALE),
            y=alt.Y(
                "loss:Q",
                title="loss" + (" (log scale)" if log_scale else ""),
                scale=alt.Scale(type="log" if log_scale else "linear"),
                axis=alt.Axis(tickCount=5, format="~g", grid=False),
            ),
            tooltip=[
                alt.Tooltip("step:Q", title="step"),
                alt.Tooltip("loss:Q", title="loss", format=".4g"),
            ],
        )
        .properties(width=RUN_CHART_WIDTH, height=150, title="Training loss")
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
    metric_names = sorted(data.frames["heatmap"]["metric"].unique().tolist())
    metric = metric_param(metric_names)
    zoom = alt.selection_interval(name="zoom", encodings=["x"], bind="scales")
    loss = data.frames["loss"]["loss"]
    coordination_binned = "n_measurements" in data.frames["coordination"].columns
    heatmap = alt.hconcat(
        heatmap_chart(
            named["heatmap"], named["stabilization"], named["jumps"], data.binned, metric, zoom
        ),
        status_chart(named["stabilization"], metric),
        spacing=4,
    ).resolve_scale(y="shared", color="independent", shape="independent")
    chart = (
        alt.vconcat(
            heatmap,
            coordination_chart(named["coordination"], named["levels"], coordination_binned, metric),
            loss_chart(named["loss"], log_scale=bool(len(loss)) and float(loss.min()) > 0),
        )
        .resolve_scale(x="shared", color="independent", shape="independent")
        .resolve_legend(color="independent", shape="independent")
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
        f"a run of measurements ({_binning_note(data.bin_widths.get(run_id, 1))}), coloured "
        "by default relative to each layer's own range so that every layer's change shows; "
        "choose <i>metric value</i> to compare levels across layers. Drag or scroll on the "
        "heatmap to zoom all charts along the step axis (double click resets). Coordination "
        "is the share of the run's layers whose velocity is in their own top 10% at a step; "
        "with independent layers its mean is near 0.1 by construction.</p>"
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
