"""jumps.html: where jumps happen in training and how big they are."""

from __future__ import annotations

import altair as alt
import duckdb
import pandas as pd

from python_steps.charts import data as cd
from python_steps.charts.datasets import (
    Datasets,
)
from python_steps.charts.render import (
    JUMP_KIND_COLOR,
    JUMP_TYPE_SCHEME,
    PHASE_ORDER,
    SUMMARY_WIDTH,
    UNIT_AXIS,
    UNIT_SCALE,
    Page,
    arch_color,
    arch_selection,
    column,
    families_of,
    is_metric,
    metric_param,
    row,
)


def jumps_page(con: duckdb.DuckDBPyConnection) -> Page:
    """Where jumps happen in training, how big they are, per architecture."""
    ds = Datasets()
    counts = cd.read(con, "chart_jump_counts")
    phases = cd.read(con, "chart_jump_phase_histogram")
    sample = cd.read(con, "chart_jump_sample")
    boxes = cd.read(con, "chart_jump_magnitude_boxes")
    families = families_of(counts)
    # every metric, even one without jumps (its charts are then empty)
    metric = metric_param(cd.metrics(con), set(counts["metric"]))
    arch = arch_selection()
    kind_color = alt.Color("jump_kind:N", title="jump", scale=JUMP_KIND_COLOR)
    per_arch = (
        alt.Chart(ds.add(counts, "jumps per architecture"), name="arch_picker")
        .transform_filter(is_metric(metric))
        .mark_bar()
        .encode(
            y=alt.Y("arch_family:N", title="architecture", sort=families),
            x=alt.X("sum(n_jumps):Q", title="jumps"),
            color=kind_color,
            opacity=alt.when(arch).then(alt.value(1.0)).otherwise(alt.value(0.3)),
            tooltip=[
                alt.Tooltip("arch_family:N", title="architecture"),
                alt.Tooltip("jump_kind:N", title="jump"),
                alt.Tooltip("sum(n_jumps):Q", title="jumps", format=","),
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
                "phase_start:Q",
                title="phase (step / total steps)",
                scale=UNIT_SCALE,
                axis=UNIT_AXIS,
            ),
            x2="phase_end:Q",
            y=alt.Y("sum(n_jumps):Q", title="jumps"),
            color=kind_color,
            tooltip=[
                alt.Tooltip("phase_start:Q", title="phase from", format=".2f"),
                alt.Tooltip("phase_end:Q", title="phase to", format=".2f"),
                alt.Tooltip("jump_kind:N", title="jump"),
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
            x=alt.X("phase:Q", title="phase", scale=UNIT_SCALE, axis=UNIT_AXIS),
            y=alt.Y("magnitude:Q", title="magnitude |velocity| (log)", scale=alt.Scale(type="log")),
            color=jump_type_color(),
            shape=alt.Shape("jump_kind:N", title="jump"),
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
        box_base.mark_bar(size=10).encode(
            y=alt.Y("q1_magnitude:Q", title="magnitude (log)", scale=log_y), y2="q3_magnitude:Q"
        ),
        box_base.mark_tick(color="black", size=10).encode(
            y=alt.Y("median_magnitude:Q", title="magnitude (log)", scale=log_y)
        ),
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
        alt.Tooltip("layer:N", title="layer"),
        alt.Tooltip("step:Q", title="step"),
        alt.Tooltip("phase:Q", title="phase (step / total)", format=".3f"),
        alt.Tooltip("magnitude:Q", title="size |velocity|", format=".3g"),
        alt.Tooltip("speed:Q", title="speed |acceleration|", format=".3g"),
        alt.Tooltip("direction:N", title="direction"),
        alt.Tooltip("jump_type_name:N", title="jump type"),
        alt.Tooltip("jump_kind:N", title="jump"),
    ]


def jump_type_color() -> alt.Color:
    """Jump types by name, in their own palette (never the architectures' colours)."""
    return alt.Color(
        "jump_type_name:N", title="jump type", scale=alt.Scale(scheme=JUMP_TYPE_SCHEME)
    )


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
