"""jumps.html: where jumps happen in training and how big they are."""

from __future__ import annotations

import altair as alt
import duckdb
import pandas as pd

from python_steps import chart_data as cd
from python_steps.charts.datasets import (
    Datasets,
)
from python_steps.charts.render import (
    PHASE_ORDER,
    SUMMARY_WIDTH,
    Page,
    arch_color,
    arch_selection,
    column,
    families_of,
    is_metric,
    metric_param,
    row,
)


def _jump_noise_label(data: pd.DataFrame) -> pd.DataFrame:
    """A readable real/noise column for colouring."""
    labels = {True: "numerical noise", False: "real"}
    return data.assign(kind=data["is_numerical_noise"].map(labels))


def jumps_page(con: duckdb.DuckDBPyConnection) -> Page:
    """Where jumps happen in training, how big they are, per architecture."""
    ds = Datasets()
    counts = cd.jump_counts_by_arch(con)
    phases = _jump_noise_label(cd.jump_phase_histogram(con))
    sample = cd.jump_sample(con)
    boxes = cd.magnitude_by_phase_category(con)
    families = families_of(counts)
    metric = metric_param(sorted(counts["metric"].unique().tolist()))
    arch = arch_selection()
    kind_color = alt.Color(
        "kind:N",
        title="jump",
        scale=alt.Scale(domain=["real", "numerical noise"], range=["steelblue", "lightgray"]),
    )
    long_counts = counts.melt(
        id_vars=["metric", "arch_family"],
        value_vars=["n_real_jumps", "n_noise_jumps"],
        var_name="kind",
        value_name="n",
    ).replace({"kind": {"n_real_jumps": "real", "n_noise_jumps": "numerical noise"}})
    per_arch = (
        alt.Chart(ds.add(long_counts, "jumps per architecture"), name="arch_picker")
        .transform_filter(is_metric(metric))
        .mark_bar()
        .encode(
            y=alt.Y("arch_family:N", title="architecture", sort=families),
            x=alt.X("sum(n):Q", title="jumps"),
            color=kind_color,
            opacity=alt.when(arch).then(alt.value(1.0)).otherwise(alt.value(0.3)),
            tooltip=[
                alt.Tooltip("arch_family:N", title="architecture"),
                alt.Tooltip("kind:N", title="jump"),
                alt.Tooltip("sum(n):Q", title="jumps", format=","),
            ],
        )
        .add_params(arch)
        .properties(
            width=SUMMARY_WIDTH,
            height=22 * max(len(families), 2),
            title="jumps per architecture (click to filter)",
        )
    )
    histogram = (
        alt.Chart(ds.add(phases, "phase histogram"), name="phase_histogram")
        .transform_filter(is_metric(metric))
        .transform_filter(arch)
        .mark_bar()
        .encode(
            x=alt.X(
                "phase_start:Q", title="phase (step / total steps)", scale=alt.Scale(domain=[0, 1])
            ),
            x2="phase_end:Q",
            y=alt.Y("sum(n_jumps):Q", title="jumps"),
            color=kind_color,
            tooltip=[
                alt.Tooltip("phase_start:Q", title="phase from", format=".2f"),
                alt.Tooltip("phase_end:Q", title="phase to", format=".2f"),
                alt.Tooltip("kind:N", title="jump"),
                alt.Tooltip("sum(n_jumps):Q", title="jumps", format=","),
            ],
        )
        .properties(width=SUMMARY_WIDTH, height=200, title="when jumps happen")
    )
    scatter = (
        alt.Chart(ds.add(sample, "jump sample"), name="magnitude_phase")
        .transform_filter(is_metric(metric))
        .transform_filter(arch)
        .mark_point(size=12, opacity=0.6, filled=True)
        .encode(
            x=alt.X("phase:Q", title="phase", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("magnitude:Q", title="magnitude |velocity| (log)", scale=alt.Scale(type="log")),
            color=alt.Color("jump_type:N", title="jump type"),
            shape=alt.Shape("is_numerical_noise:N", title="numerical noise"),
            tooltip=jump_tooltip(),
        )
        .properties(width=SUMMARY_WIDTH, height=240, title=sample_title(sample, "jumps"))
    )
    box_base = (
        alt.Chart(ds.add(boxes, "magnitude by phase category"))
        .transform_filter(is_metric(metric))
        .transform_filter(arch)
        .encode(
            x=alt.X(
                "phase_category:N",
                sort=PHASE_ORDER,
                title="phase category",
                axis=alt.Axis(labelAngle=0),
            ),
            xOffset=alt.XOffset("arch_family:N", sort=families),
            color=arch_color(families),
            tooltip=[
                alt.Tooltip("arch_family:N", title="architecture"),
                alt.Tooltip("phase_category:N", title="phase"),
                alt.Tooltip("n_jumps:Q", title="jumps", format=","),
                alt.Tooltip("min_magnitude:Q", title="min", format=".3g"),
                alt.Tooltip("q1_magnitude:Q", title="25%", format=".3g"),
                alt.Tooltip("median_magnitude:Q", title="median", format=".3g"),
                alt.Tooltip("q3_magnitude:Q", title="75%", format=".3g"),
                alt.Tooltip("max_magnitude:Q", title="max", format=".3g"),
            ],
        )
    )
    log_y = alt.Scale(type="log")
    box = alt.layer(
        box_base.mark_rule().encode(
            y=alt.Y("min_magnitude:Q", title="magnitude (log)", scale=log_y),
            y2="max_magnitude:Q",
        ),
        box_base.mark_bar(size=10).encode(y="q1_magnitude:Q", y2="q3_magnitude:Q"),
        box_base.mark_tick(color="black", size=10).encode(y="median_magnitude:Q"),
    ).properties(
        width=SUMMARY_WIDTH,
        height=240,
        title="magnitude by phase category (min, quartiles, max)",
        name="boxes",
    )
    chart = column(row(per_arch, histogram), row(scatter, box)).add_params(metric)
    return Page(
        path="jumps.html",
        title="jumps",
        intro_html=(
            "<p>A jump is a measurement where a layer's velocity is more than 2 standard "
            "deviations from its mean velocity. Phase is the jump's step over the run's "
            "total steps. Jumps far below floating-point resolution (stable_rank's ~1e-14 "
            "changes) are flagged as numerical noise. Click an architecture to filter "
            "the other charts.</p>"
        ),
        spec=ds.spec(chart),
    )


def jump_tooltip() -> list[alt.Tooltip]:
    """Tooltip fields of one jump."""
    return [
        alt.Tooltip("run_id:N", title="run"),
        alt.Tooltip("layer:N"),
        alt.Tooltip("step:Q"),
        alt.Tooltip("phase:Q", format=".3f"),
        alt.Tooltip("magnitude:Q", format=".3g"),
        alt.Tooltip("speed:Q", format=".3g"),
        alt.Tooltip("direction:N"),
        alt.Tooltip("jump_type:N", title="jump type"),
        alt.Tooltip("is_numerical_noise:N", title="numerical noise"),
    ]


def sample_title(sample: pd.DataFrame, what: str) -> str:
    """A chart title saying how much of the data a sample shows."""
    if sample.empty:
        return what
    per_metric = sample.groupby("metric").agg(
        shown=("metric", "size"), total=("n_jumps_total", "max")
    )
    if (per_metric["shown"] == per_metric["total"]).all():
        return f"{what} (all)"
    return f"{what} (a reproducible sample of up to {int(per_metric['shown'].max()):,} per metric)"
