"""critical_periods.html: critical counts, coordination and loss coupling beside chance."""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import duckdb
import pandas as pd

from python_steps import chart_data as cd
from python_steps.charts.datasets import (
    Datasets,
)
from python_steps.charts.render import (
    SUMMARY_WIDTH,
    Page,
    arch_color,
    arch_picker,
    arch_selection,
    column,
    families_of,
    is_metric,
    metric_param,
    row,
)


def critical_periods_page(con: duckdb.DuckDBPyConnection) -> Page:
    """Critical counts, coordination and loss coupling per run, beside chance levels."""
    ds = Datasets()
    data = cd.critical_period_runs(con)
    data = data.assign(
        critical_share=data["total_critical_steps"]
        / (data["n_layers"] * (data["n_measurements"] - 1)).clip(lower=1),
        transition_share=data["total_transitions"]
        / (data["n_layers"] * (data["n_measurements"] - 2)).clip(lower=1),
    )
    families = families_of(data)
    metric = metric_param(sorted(data["metric"].unique().tolist()))
    arch = arch_selection()
    base = alt.Chart(ds.add(data, "critical periods")).transform_filter(is_metric(metric))
    filtered = base.transform_filter(arch)
    tooltip = _critical_tooltip(data)
    picker = arch_picker(ds, data.assign(one=1), "one", "runs", families, arch, metric)
    shares = (
        filtered.transform_fold(["critical_share", "transition_share"], as_=["count", "share"])
        .mark_point(filled=True, opacity=0.7)
        .encode(
            x=alt.X(
                "share:Q", title="share of a run's layer-steps", scale=alt.Scale(domain=[0, 0.12])
            ),
            y=alt.Y("count:N", title=None),
            yOffset=alt.YOffset("arch_family:N", sort=families),
            color=arch_color(families),
            tooltip=tooltip,
        )
        .properties(
            width=SUMMARY_WIDTH,
            height=120,
            name="critical_counts",
            title="critical steps and transitions (P90 allows at most 0.10)",
        )
    )
    ceiling = (
        alt.Chart(ds.add(pd.DataFrame({"ceiling": [0.1]}), "ceiling"))
        .mark_rule(color="gray", strokeDash=[4, 3])
        .encode(x="ceiling:Q", tooltip=[alt.Tooltip("ceiling:Q", title="P90 ceiling")])
    )
    coordination_columns = present_pairs(COORDINATION_PAIRS, data.columns)
    coordination = _observed_vs_chance(
        filtered,
        coordination_columns,
        "coordination",
        "coordination: observed vs chance"
        if len(coordination_columns) > len(COORDINATION_PAIRS)
        else "coordination (no chance level in this build)",
        tooltip,
        families,
    )
    coupling_columns = present_pairs(COUPLING_PAIRS, data.columns)
    coupling = _observed_vs_chance(
        filtered,
        coupling_columns,
        "loss_coupling",
        "loss coupling: observed vs chance (base rate of loss drops)"
        if len(coupling_columns) > len(COUPLING_PAIRS)
        else "loss coupling (no chance level in this build)",
        tooltip,
        families,
    )
    last_row: list[alt.TopLevelMixin] = []
    period_columns = present_pairs(PERIOD_PAIRS, data.columns)
    if len(period_columns) > len(PERIOD_PAIRS):
        last_row.append(
            _observed_vs_chance(
                filtered,
                period_columns,
                "coordinated_periods",
                "coordinated periods (≥ 0.5): observed vs chance",
                tooltip,
                families,
                unit_domain=False,
            )
        )
    scatter = (
        filtered.mark_point(filled=True, size=50, opacity=0.8)
        .encode(
            x=alt.X("max_coordination:Q", title="max coordination", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y(
                "loss_correlation:Q",
                title="loss coupling (loss_correlation)",
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=arch_color(families),
            shape=alt.Shape("is_strong:N", title="strong"),
            tooltip=tooltip,
        )
        .properties(name="coordination_vs_coupling")
    )
    strong = ds.add(pd.DataFrame({"threshold": [0.3]}), "strong threshold")
    strong_lines = alt.Chart(strong).mark_rule(color="gray", strokeDash=[4, 3])
    scatter_layers: list[alt.TopLevelMixin] = [
        scatter,
        strong_lines.encode(
            x="threshold:Q", tooltip=[alt.Tooltip("threshold:Q", title="strong if above")]
        ),
        strong_lines.encode(
            y="threshold:Q", tooltip=[alt.Tooltip("threshold:Q", title="strong if above")]
        ),
    ]
    if "loss_drop_base_rate" in data.columns:
        scatter_layers.append(
            filtered.mark_rule(color="orange", strokeDash=[6, 2]).encode(
                y="mean(loss_drop_base_rate):Q",
                tooltip=[
                    alt.Tooltip(
                        "mean(loss_drop_base_rate):Q", title="mean chance base rate", format=".3f"
                    )
                ],
            )
        )
    scatter_chart = alt.layer(*scatter_layers).properties(
        width=SUMMARY_WIDTH,
        height=SUMMARY_WIDTH,
        title="coordination vs loss coupling (strong: both > 0.3)",
    )
    chart = column(
        row(picker, alt.layer(shares, ceiling)),
        row(coordination, coupling),
        row(scatter_chart, *last_row),
    ).add_params(metric)
    return Page(
        path="critical_periods.html",
        title="critical periods",
        intro_html=(
            "<p>A layer is critical at a step when its |velocity| is above its own 90th "
            "percentile, so about 10% of its steps are critical by construction; "
            "coordination is the share of layers critical at the same step, so its mean "
            "is near 0.1 when layers are independent. Loss coupling is the share of a "
            "layer's critical steps at which the loss falls, averaged over layers; the "
            "loss falls at about half the steps of a noisy run, so ~0.5 is what chance "
            "gives. Chance levels are drawn beside the observed figures where the build "
            "has them. Click an architecture to filter.</p>"
        ),
        spec=ds.spec(chart),
    )


COORDINATION_PAIRS = (
    ("mean_coordination", "coordination_null_mean"),
    ("max_coordination", "max_coordination_null_mean"),
)
COUPLING_PAIRS = (("loss_correlation", "loss_drop_base_rate"),)
PERIOD_PAIRS = (("num_coordinated_periods", "coordinated_periods_null_mean"),)
# Run-page reference lines on the coordination timeline (those the build has).


def present_pairs(pairs: tuple[tuple[str, str], ...], columns: Iterable[str]) -> list[str]:
    """Each observed column followed by its chance level when the data has it."""
    present = set(columns)
    return [c for pair in pairs for c in pair if c == pair[0] or c in present]


def _critical_tooltip(data: pd.DataFrame) -> list[alt.Tooltip]:
    """Tooltip of one run's critical-period figures (with chance levels when present)."""
    tooltip = [
        alt.Tooltip("run_id:N", title="run"),
        alt.Tooltip("arch_family:N", title="architecture"),
        alt.Tooltip("dataset:N"),
        alt.Tooltip("total_critical_steps:Q", title="critical steps"),
        alt.Tooltip("total_transitions:Q", title="transitions"),
        alt.Tooltip("num_coordinated_periods:Q", title="coordinated periods"),
        alt.Tooltip("mean_coordination:Q", title="mean coordination", format=".3f"),
        alt.Tooltip("max_coordination:Q", title="max coordination", format=".3f"),
        alt.Tooltip("loss_correlation:Q", title="loss coupling", format=".3f"),
        alt.Tooltip("is_strong:N", title="strong"),
    ]
    for name in cd.CRITICAL_BASELINE_COLUMNS:
        if name in data.columns:
            tooltip.append(alt.Tooltip(f"{name}:Q", format=".3f"))
    return tooltip


def _observed_vs_chance(
    base: alt.Chart,
    columns: list[str],
    name: str,
    title: str,
    tooltip: list[alt.Tooltip],
    families: list[str],
    unit_domain: bool = True,
) -> alt.Chart:
    """Per run, the observed figures and their chance levels side by side (one row per
    column, runs as ticks, coloured by architecture)."""
    return (
        base.transform_fold(columns, as_=["figure", "value"])
        .mark_tick(thickness=2, opacity=0.7)
        .encode(
            x=alt.X(
                "value:Q",
                title=None,
                scale=alt.Scale(domain=[0, 1]) if unit_domain else alt.Scale(),
            ),
            y=alt.Y("figure:N", sort=columns, title=None),
            color=arch_color(families),
            tooltip=[*tooltip[:2], alt.Tooltip("figure:N"), alt.Tooltip("value:Q", format=".3f")],
        )
        .properties(width=SUMMARY_WIDTH, height=30 * len(columns), title=title, name=name)
    )
