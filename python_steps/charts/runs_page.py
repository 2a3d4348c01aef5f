"""runs.html: every run with its per-metric figures, linked to its page."""

from __future__ import annotations

import altair as alt
import duckdb

from python_steps.charts import data as cd
from python_steps.charts.datasets import (
    Datasets,
)
from python_steps.charts.render import (
    UNIT_AXIS,
    UNIT_SCALE,
    Page,
    arch_color,
    arch_picker,
    arch_selection,
    column,
    families_of,
    is_metric,
    metric_param,
)


def runs_overview_page(con: duckdb.DuckDBPyConnection, run_pages: dict[str, str]) -> Page:
    """Every run in one table-like chart, per metric; a click on a run opens its page."""
    ds = Datasets()
    data = cd.read(con, "chart_run_summaries")
    data["page"] = data["run_id"].map(run_pages)
    families = families_of(data)
    metric_names = sorted(data["metric"].unique().tolist())
    metric = metric_param(metric_names)
    arch = arch_selection()
    order = data.drop_duplicates("run_id")["run_id"].tolist()
    base = (
        alt.Chart(ds.add(data, "run summaries"))
        .transform_filter(is_metric(metric))
        .transform_filter(arch)
    )
    tooltip = [
        alt.Tooltip("run_id:N", title="run"),
        alt.Tooltip("arch_name:N", title="architecture"),
        alt.Tooltip("dataset:N", title="dataset"),
        alt.Tooltip("final_accuracy:Q", title="final accuracy", format=".3f"),
        alt.Tooltip("max_coordination:Q", title="max coordination", format=".3f"),
        alt.Tooltip("mean_coordination:Q", title="mean coordination", format=".3f"),
        alt.Tooltip("loss_correlation:Q", title="loss coupling", format=".3f"),
        alt.Tooltip("is_strong:N", title="strong"),
        alt.Tooltip("n_real_jumps:Q", title="real jumps"),
        alt.Tooltip("n_noise_jumps:Q", title="noise jumps"),
        alt.Tooltip("pattern:N", title="convergence pattern"),
        alt.Tooltip("spearman_rho:Q", title="Spearman rho", format=".3f"),
    ]
    y = alt.Y("run_id:N", sort=order, title=None)
    y_unlabelled = alt.Y("run_id:N", sort=order, axis=None)
    height = 20 * len(order)

    def field_column(
        mark: alt.Chart, field: str, title: str, name: str, unit: bool = False
    ) -> alt.Chart:
        return mark.encode(
            x=alt.X(field, title=title, scale=UNIT_SCALE, axis=UNIT_AXIS)
            if unit
            else alt.X(field, title=title),
            y=y if name == "runs_accuracy" else y_unlabelled,
            color=arch_color(families, legend=False),
            href="page:N",
            tooltip=tooltip,
        ).properties(width=200, height=height, name=name)

    table = alt.hconcat(
        field_column(base.mark_bar(), "final_accuracy:Q", "final accuracy", "runs_accuracy"),
        field_column(base.mark_bar(), "n_real_jumps:Q", "real jumps", "runs_jumps"),
        field_column(
            base.mark_point(filled=True, size=70),
            "max_coordination:Q",
            "max coordination",
            "runs_max_coordination",
            unit=True,
        ),
        field_column(
            base.mark_point(filled=True, size=70),
            "loss_correlation:Q",
            "loss coupling",
            "runs_loss_coupling",
            unit=True,
        ),
        base.mark_text(align="left", x=4, fontSize=13)
        .encode(y=y_unlabelled, text="pattern:N", href="page:N", tooltip=tooltip)
        .properties(width=140, height=height, title="convergence pattern", name="runs_pattern"),
        spacing=12,
    ).resolve_scale(y="shared")
    picker = arch_picker(ds, data, None, "runs", families, arch, metric, what="run summaries")
    chart = column(picker, table).add_params(metric)
    n_pages = sum(1 for page in run_pages.values() if page)
    note = (
        f"{n_pages} of {len(order)} runs have a page."
        if n_pages < len(order)
        else "Every run has a page."
    )
    return Page(
        path="runs.html",
        title="runs",
        intro_html=(
            "<p>Every analysed run with its figures for the selected metric. Click a run's "
            f"bar, point or pattern to open its page. {note} Click an architecture to show "
            "only its runs (double click clears).</p>"
        ),
        spec=ds.spec(chart),
    )
