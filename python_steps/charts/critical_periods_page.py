"""critical_periods.html: critical counts, coordination and loss coupling per run, each
beside its chance level, with every threshold drawn and named in a legend."""

from __future__ import annotations

import altair as alt
import duckdb

from python_steps.charts import data as cd
from python_steps.charts.datasets import Datasets
from python_steps.charts.render import (
    SUMMARY_WIDTH,
    UNIT_AXIS,
    UNIT_SCALE,
    Page,
    arch_color,
    arch_picker,
    arch_selection,
    column,
    families_of,
    is_metric,
    label_expr,
    legend_entry,
    metric_param,
    row,
)

# (observed, chance level) columns of chart_critical_periods, with their row labels.
COORDINATION_FIGURES = {
    "max_coordination": "peak coordination: observed",
    "max_coordination_null_mean": "peak coordination: chance level",
}
COUPLING_FIGURES = {
    "loss_correlation": "loss coupling: observed",
    "loss_drop_base_rate": "loss coupling: chance (base rate)",
}
PERIOD_FIGURES = {
    "num_coordinated_periods": "coordinated periods: observed",
    "coordinated_periods_null_mean": "coordinated periods: chance level",
}
SHARE_FIGURES = {
    "critical_share": "critical steps",
    "transition_share": "transitions",
}
# The reference lines, one legend entry each (solid, long dashes, short dashes).
LINE_STYLES = [
    "ceiling (1 - critical percentile)",
    "strong if above (threshold)",
    "mean chance level of loss coupling",
]


DASHES = [[1, 0], [6, 3], [2, 2]]
# The observed-vs-chance strips are one per row, as wide as their long labels allow.
STRIP_WIDTH = 780


def with_line(chart: alt.Chart, label: str, labels: list[str]) -> alt.Chart:
    """A reference line with its legend entry under "lines" (`labels`: the chart's lines)."""
    dashes = [DASHES[LINE_STYLES.index(line)] for line in labels]
    return legend_entry(chart, alt.StrokeDash, label, labels, "lines", dashes)


def critical_tooltip() -> list[alt.Tooltip]:
    """Tooltip of one run's critical-period figures, with their chance levels."""
    return [
        alt.Tooltip("run_id:N", title="run"),
        alt.Tooltip("arch_family:N", title="architecture"),
        alt.Tooltip("dataset:N", title="dataset"),
        alt.Tooltip("total_critical_steps:Q", title="critical steps"),
        alt.Tooltip("total_transitions:Q", title="transitions"),
        alt.Tooltip("num_coordinated_periods:Q", title="coordinated periods"),
        alt.Tooltip("coordinated_periods_null_mean:Q", title="… by chance", format=".2f"),
        alt.Tooltip("mean_coordination:Q", title="mean coordination", format=".3f"),
        alt.Tooltip("max_coordination:Q", title="peak coordination", format=".3f"),
        alt.Tooltip("max_coordination_null_mean:Q", title="… by chance", format=".3f"),
        alt.Tooltip("max_coordination_p_value:Q", title="… p-value", format=".3f"),
        alt.Tooltip("loss_correlation:Q", title="loss coupling", format=".3f"),
        alt.Tooltip("loss_drop_base_rate:Q", title="… by chance", format=".3f"),
        alt.Tooltip("loss_coupling_p_value:Q", title="… p-value", format=".3g"),
        alt.Tooltip("is_strong:N", title="strong"),
    ]


def figures_strip(
    base: alt.Chart,
    figures: dict[str, str],
    name: str,
    title: str,
    families: list[str],
    unit: bool = True,
) -> alt.Chart:
    """Per run, the observed figure and its chance level as two rows of jittered points
    coloured by architecture (human row labels)."""
    return (
        base.transform_fold(list(figures), as_=["figure", "value"])
        .transform_calculate(figure_label=label_expr("figure", figures))
        .mark_point(filled=True, size=60, opacity=0.75)
        .encode(
            x=alt.X(
                "value:Q",
                title=None,
                scale=UNIT_SCALE if unit else alt.Scale(zero=True),
                axis=UNIT_AXIS if unit else alt.Axis(),
            ),
            y=alt.Y("figure_label:N", sort=list(figures.values()), title=None),
            yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[-0.7, 0.7])),
            color=arch_color(families),
            tooltip=critical_tooltip(),
        )
        .properties(width=STRIP_WIDTH, height=alt.Step(56), title=title, name=name)
    )


def critical_periods_page(con: duckdb.DuckDBPyConnection) -> Page:
    """Critical counts, coordination and loss coupling per run, beside chance levels."""
    ds = Datasets()
    data = cd.read(con, "chart_critical_periods")
    families = families_of(data)
    metric = metric_param(sorted(data["metric"].unique().tolist()))
    arch = arch_selection()
    named = ds.add(data, "critical periods")
    base = alt.Chart(named).transform_filter(is_metric(metric))
    filtered = base.transform_filter(arch)
    picker = arch_picker(ds, data, None, "runs", families, arch, metric, what="critical periods")
    shares = (
        filtered.transform_fold(list(SHARE_FIGURES), as_=["figure", "share"])
        .transform_calculate(figure_label=label_expr("figure", SHARE_FIGURES))
        .mark_point(filled=True, size=60, opacity=0.75)
        .encode(
            x=alt.X(
                "share:Q",
                title="share of a run's layer-steps",
                scale=alt.Scale(domain=[0, 0.12], nice=False),
            ),
            y=alt.Y("figure_label:N", title=None),
            yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[-0.7, 0.7])),
            color=arch_color(families),
            tooltip=critical_tooltip(),
        )
        .properties(name="critical_counts")
    )
    label = LINE_STYLES[0]
    ceiling = with_line(
        base.mark_rule(color="#555").encode(
            x=alt.X("mean(critical_share_ceiling):Q", title="share of a run's layer-steps"),
            tooltip=[alt.Tooltip("mean(critical_share_ceiling):Q", title=label)],
        ),
        label,
        [label],
    )
    shares_chart = alt.layer(shares, ceiling).properties(
        width=SUMMARY_WIDTH,
        height=alt.Step(56),
        title="critical steps and transitions per run",
    )
    coordination = figures_strip(
        filtered, COORDINATION_FIGURES, "coordination", "peak coordination vs chance", families
    )
    coupling = figures_strip(
        filtered, COUPLING_FIGURES, "loss_coupling", "loss coupling vs chance", families
    )
    periods = figures_strip(
        filtered,
        PERIOD_FIGURES,
        "coordinated_periods",
        "coordinated periods vs chance",
        families,
        unit=False,
    )
    strong = "strong if above (threshold)"
    scatter = (
        filtered.mark_point(filled=True, size=80, opacity=0.85)
        .encode(
            x=alt.X(
                "max_coordination:Q", title="peak coordination", scale=UNIT_SCALE, axis=UNIT_AXIS
            ),
            y=alt.Y("loss_correlation:Q", title="loss coupling", scale=UNIT_SCALE, axis=UNIT_AXIS),
            color=arch_color(families),
            shape=alt.Shape("is_strong:N", title="strong run"),
            tooltip=critical_tooltip(),
        )
        .properties(name="coordination_vs_coupling")
    )
    rules = base.mark_rule(color="#555")
    coordination_rule = rules.encode(
        x=alt.X("mean(strong_coordination_threshold):Q", title="peak coordination"),
        tooltip=[alt.Tooltip("mean(strong_coordination_threshold):Q", title=strong)],
    )
    coupling_rule = rules.encode(
        y=alt.Y("mean(strong_loss_correlation_threshold):Q", title="loss coupling"),
        tooltip=[alt.Tooltip("mean(strong_loss_correlation_threshold):Q", title=strong)],
    )
    base_rate = filtered.mark_rule(color="#ff7f0e", strokeWidth=2).encode(
        y=alt.Y("mean(loss_drop_base_rate):Q", title="loss coupling"),
        tooltip=[
            alt.Tooltip("mean(loss_drop_base_rate):Q", title="mean chance level", format=".3f")
        ],
    )
    scatter_chart = alt.layer(
        scatter,
        with_line(coordination_rule, strong, LINE_STYLES[1:]),
        with_line(coupling_rule, strong, LINE_STYLES[1:]),
        with_line(base_rate, LINE_STYLES[2], LINE_STYLES[1:]),
    ).properties(
        width=SUMMARY_WIDTH,
        height=SUMMARY_WIDTH * 0.8,
        title=alt.Title(
            "peak coordination vs loss coupling", subtitle="strong: both above the thresholds"
        ),
    )
    chart = column(
        row(picker, shares_chart),
        coordination,
        coupling,
        periods,
        scatter_chart,
    ).add_params(metric)
    return Page(
        path="critical_periods.html",
        title="critical periods",
        intro_html=(
            "<p>A layer is critical at a step when its |velocity| is above its own 90th "
            "percentile, so about 10% of its steps are critical by construction; "
            "coordination is the share of layers critical at the same step. Each observed "
            "figure is drawn beside its <b>chance level</b>: the mean of the same figure "
            "over circular shifts of each layer's series (which keep every layer's own "
            "dynamics but break their alignment), and, for loss coupling, the share of all "
            "steps at which the loss falls. A run is <i>strong</i> when its peak "
            "coordination and its loss coupling are both above their thresholds. Points "
            "are spread vertically so that runs with equal values stay visible. Click an "
            "architecture to filter.</p>"
        ),
        spec=ds.spec(chart),
    )
