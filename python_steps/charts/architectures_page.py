"""architectures.html: every measure per architecture family, with its range over the
family's runs and its chance level."""

from __future__ import annotations

import altair as alt
import duckdb

from python_steps.charts import data as cd
from python_steps.charts.datasets import Datasets
from python_steps.charts.render import (
    Page,
    arch_color,
    arch_selection,
    families_of,
    is_metric,
    legend_entry,
    metric_param,
)

# chart_architecture_measures' measures in drawing order, with their panel titles.
MEASURE_LABELS = {
    "max_coordination": "peak coordination",
    "loss_correlation": "loss coupling",
    "is_strong": "share of strong runs",
    "mean_coordination": "mean coordination",
    "num_coordinated_periods": "coordinated periods per run",
    "critical_share": "share of critical layer-steps",
    "transition_share": "share of transition layer-steps",
    "n_real_jumps": "real jumps per run",
    "n_noise_jumps": "jumps flagged as numerical noise per run",
    "mean_jump_magnitude": "mean jump size |velocity|",
    "mean_jump_speed": "mean jump speed |acceleration|",
}
CHANCE = "chance level (mean over the family's runs)"
RANGE = "range over the family's runs"
PANEL_WIDTH = 320


def architectures_page(con: duckdb.DuckDBPyConnection) -> Page:
    """chart_architecture_measures: every measure per family, for the selected metric."""
    ds = Datasets()
    data = cd.read(con, "chart_architecture_measures")
    data["measure_label"] = [MEASURE_LABELS.get(m, m.replace("_", " ")) for m in data["measure"]]
    families = families_of(data)
    metric = metric_param(sorted(data["metric"].unique().tolist()))
    arch = arch_selection()
    labels = [MEASURE_LABELS.get(m, m) for m in MEASURE_LABELS if m in set(data["measure"])]
    labels += sorted(m.replace("_", " ") for m in set(data["measure"]) if m not in MEASURE_LABELS)
    base = alt.Chart(ds.add(data, "architecture comparison")).transform_filter(is_metric(metric))
    tooltip = [
        alt.Tooltip("arch_family:N", title="architecture"),
        alt.Tooltip("measure_label:N", title="measure"),
        alt.Tooltip("mean_value:Q", title="mean over runs", format=".4g"),
        alt.Tooltip("min_value:Q", title="smallest run", format=".4g"),
        alt.Tooltip("max_value:Q", title="largest run", format=".4g"),
        alt.Tooltip("chance_value:Q", title="chance level", format=".4g"),
        alt.Tooltip("n_runs:Q", title="runs"),
    ]
    y = alt.Y("arch_family:N", title=None, sort=families)
    bars = (
        base.mark_bar(height=alt.RelativeBandSize(0.6))
        .encode(
            x=alt.X("mean_value:Q", title=None),
            y=y,
            color=arch_color(families),
            opacity=alt.when(arch).then(alt.value(0.9)).otherwise(alt.value(0.25)),
            tooltip=tooltip,
        )
        .add_params(arch)
        .properties(name="arch_bars")
    )
    ranges = legend_entry(
        base.mark_rule(color="#222", strokeWidth=1.5).encode(
            x=alt.X("min_value:Q", title=None), x2="max_value:Q", y=y, tooltip=tooltip
        ),
        alt.StrokeDash,
        RANGE,
        [RANGE],
        "lines",
        [[1, 0]],
    )
    chance = legend_entry(
        base.transform_filter("isValid(datum.chance_value)")
        .mark_point(filled=True, size=130, color="#ff7f0e", stroke="#222", strokeWidth=0.8)
        .encode(x=alt.X("chance_value:Q", title=None), y=y, tooltip=tooltip),
        alt.Shape,
        CHANCE,
        [CHANCE],
        "marks",
        ["diamond"],
    )
    chart = (
        alt.layer(bars, ranges, chance)
        .properties(width=PANEL_WIDTH, height=alt.Step(30))
        .facet(facet=alt.Facet("measure_label:N", sort=labels, title=None), columns=3)
        .resolve_scale(x="independent")
        .add_params(metric)
    )
    return Page(
        path="architectures.html",
        title="architecture comparison",
        intro_html=(
            "<p>Each panel is one measure of the selected metric: the bar is its mean over "
            "the family's runs, the black line its range over those runs (smallest to "
            "largest), and the orange diamond its <b>chance level</b> where one exists: what "
            "the figure is when layers move independently (the circular-shift null model's "
            "mean for peak coordination and coordinated periods, the loss-drop base rate "
            "for loss coupling, the critical share for mean coordination, which equals it by "
            "construction, and the share of runs whose chance levels alone pass the strong "
            "thresholds for strong runs). A bar no further from its diamond than the run "
            "range shows no effect beyond chance. Click a family to highlight it (double "
            "click clears).</p>"
        ),
        spec=ds.spec(chart),
    )
