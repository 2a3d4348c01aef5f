"""convergence.html: patterns, rho and stabilization by depth."""

from __future__ import annotations

import altair as alt
import duckdb

from python_steps.charts import data as cd
from python_steps.charts.datasets import (
    Datasets,
)
from python_steps.charts.render import (
    PATTERN_ORDER,
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


def convergence_page(con: duckdb.DuckDBPyConnection) -> Page:
    """Convergence patterns, the distribution of Spearman's rho, stabilization by depth."""
    ds = Datasets()
    patterns = cd.read(con, "chart_convergence_patterns")
    rho = cd.read(con, "chart_rho_histogram")
    depth = cd.read(con, "chart_stabilization_by_depth")
    families = families_of(patterns)
    metric = metric_param(sorted(patterns["metric"].unique().tolist()), set(rho["metric"]))
    arch = arch_selection()
    picker = arch_picker(ds, patterns, "n_runs", "runs", families, arch, metric)
    pattern_chart = (
        alt.Chart(ds.add(patterns, "pattern counts"), name="patterns")
        .transform_filter(is_metric(metric))
        .transform_filter(arch)
        .mark_bar()
        .encode(
            x=alt.X(
                "pattern:N",
                sort=PATTERN_ORDER,
                title="convergence pattern",
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("sum(n_runs):Q", title="runs"),
            color=arch_color(families),
            tooltip=[
                alt.Tooltip("pattern:N", title="pattern"),
                alt.Tooltip("arch_family:N", title="architecture"),
                alt.Tooltip("sum(n_runs):Q", title="runs"),
            ],
        )
        .properties(width=SUMMARY_WIDTH, height=200, title="runs per convergence pattern")
    )
    rho_chart = (
        alt.Chart(ds.add(rho, "rho histogram"), name="rho")
        .transform_filter(is_metric(metric))
        .transform_filter(arch)
        .mark_bar()
        .encode(
            x=alt.X(
                "rho_start:Q",
                title="Spearman rho (depth vs stabilization index)",
                scale=alt.Scale(domain=[-1, 1]),
            ),
            x2="rho_end:Q",
            y=alt.Y("sum(n_runs):Q", title="runs"),
            color=arch_color(families),
            tooltip=[
                alt.Tooltip("rho_start:Q", title="rho from", format=".1f"),
                alt.Tooltip("rho_end:Q", title="rho to", format=".1f"),
                alt.Tooltip("arch_family:N", title="architecture"),
                alt.Tooltip("sum(n_runs):Q", title="runs"),
            ],
        )
        .properties(
            width=SUMMARY_WIDTH, height=200, title="distribution of rho (runs with a defined rho)"
        )
    )
    depth_chart = (
        alt.Chart(ds.add(depth, "stabilization by depth"), name="depth")
        .transform_filter(is_metric(metric))
        .transform_filter(arch)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "depth_mid:Q",
                title="relative depth (0 = input side, 1 = output side)",
                scale=alt.Scale(domain=[0, 1]),
            ),
            y=alt.Y("mean_stabilization_step:Q", title="mean stabilization step"),
            color=arch_color(families),
            tooltip=[
                alt.Tooltip("arch_family:N", title="architecture"),
                alt.Tooltip("depth_start:Q", title="depth from", format=".1f"),
                alt.Tooltip("depth_end:Q", title="depth to", format=".1f"),
                alt.Tooltip("mean_stabilization_step:Q", title="mean step", format=".1f"),
                alt.Tooltip("median_stabilization_step:Q", title="median step"),
                alt.Tooltip("n_layers:Q", title="layers"),
                alt.Tooltip("n_stabilized:Q", title="layers stabilized"),
                alt.Tooltip("n_never:Q", title="never stabilize"),
                alt.Tooltip("n_undetermined:Q", title="undetermined (run too short)"),
            ],
        )
        .properties(width=SUMMARY_WIDTH, height=200, title="when layers stabilize, by depth")
    )
    chart = column(picker, row(pattern_chart, rho_chart), depth_chart).add_params(metric)
    return Page(
        path="convergence.html",
        title="convergence order",
        intro_html=(
            "<p>For each run and metric, Spearman's rho between a layer's forward position "
            "and the index at which its metric stabilizes (first 20-measurement window "
            "with variance below (0.1·mean)²). rho &gt; 0.6 with p &lt; 0.05 is "
            "<i>bottom-up</i>, rho &lt; &minus;0.6 <i>top-down</i>, |rho| &lt; 0.3 "
            "<i>simultaneous</i>, else <i>unclear</i>; fewer than 3 stabilized layers is "
            "<i>undetermined</i>. Click an architecture to filter.</p>"
        ),
        spec=ds.spec(chart),
    )
