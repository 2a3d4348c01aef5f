"""architectures.html: architecture_comparison per family."""

from __future__ import annotations

import altair as alt
import duckdb

from python_steps import chart_data as cd
from python_steps.charts.datasets import (
    Datasets,
)
from python_steps.charts.render import (
    MEASURE_LABELS,
    Page,
    arch_color,
    arch_selection,
    families_of,
    is_metric,
    metric_param,
)


def architectures_page(con: duckdb.DuckDBPyConnection) -> Page:
    """architecture_comparison: every measure per family, for the selected metric."""
    ds = Datasets()
    data = cd.architecture_measures(con)
    data["measure_label"] = data["measure"].map(MEASURE_LABELS).fillna(data["measure"])
    families = families_of(data)
    metric = metric_param(sorted(data["metric"].unique().tolist()))
    arch = arch_selection()
    labels = [MEASURE_LABELS[m] for m in MEASURE_LABELS if m in set(data["measure"])]
    bars = (
        alt.Chart(ds.add(data, "architecture comparison"), name="arch_bars")
        .transform_filter(is_metric(metric))
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title=None),
            y=alt.Y("arch_family:N", title=None, sort=families),
            color=arch_color(families),
            opacity=alt.when(arch).then(alt.value(1.0)).otherwise(alt.value(0.3)),
            tooltip=[
                alt.Tooltip("arch_family:N", title="architecture"),
                alt.Tooltip("measure_label:N", title="measure"),
                alt.Tooltip("value:Q", format=".4g"),
                alt.Tooltip("n_runs:Q", title="runs"),
            ],
        )
        .add_params(arch)
        .properties(width=200, height=20 * max(len(families), 2))
    )
    chart = (
        bars.facet(
            facet=alt.Facet("measure_label:N", sort=labels, title=None),
            columns=3,
        )
        .resolve_scale(x="independent")
        .add_params(metric)
    )
    return Page(
        path="architectures.html",
        title="architecture comparison",
        intro_html=(
            "<p>The per-run figures averaged over each architecture family's runs; jump "
            "counts, magnitudes and speeds are over the family's jumps. Click a family to "
            "highlight it in every panel (double click clears).</p>"
        ),
        spec=ds.spec(chart),
    )
