"""jump_types.html: the k-means jump types."""

from __future__ import annotations

import altair as alt
import duckdb

from python_steps.charts import data as cd
from python_steps.charts.datasets import (
    Datasets,
)
from python_steps.charts.jumps_page import jump_tooltip, jump_type_color, sample_title
from python_steps.charts.render import (
    SUMMARY_WIDTH,
    UNIT_AXIS,
    UNIT_SCALE,
    Page,
    arch_picker,
    arch_selection,
    column,
    families_of,
    is_metric,
    metric_param,
    row,
)


def jump_types_page(con: duckdb.DuckDBPyConnection) -> Page:
    """The k-means jump types: each type's feature profile, and the jumps by type."""
    ds = Datasets()
    counts = cd.read(con, "chart_jump_type_counts")
    profiles = cd.read(con, "chart_jump_type_profiles")
    sample = cd.read(con, "chart_jump_sample")
    families = families_of(counts)
    # every metric, even one without jumps (its charts are then empty)
    metric = metric_param(cd.metrics(con), set(counts["metric"]))
    arch = arch_selection()
    type_color = jump_type_color()
    picker = arch_picker(ds, counts, "n_jumps", "jumps", families, arch, metric)
    type_counts = (
        alt.Chart(ds.add(counts, "jump type counts"), name="type_counts")
        .transform_filter(is_metric(metric))
        .transform_filter(arch)
        .mark_bar()
        .encode(
            x=alt.X("jump_type_name:N", title="jump type", axis=alt.Axis(labelAngle=-20)),
            y=alt.Y("sum(n_jumps):Q", title="jumps"),
            color=type_color,
            tooltip=[
                alt.Tooltip("jump_type_name:N", title="jump type"),
                alt.Tooltip("sum(n_jumps):Q", title="jumps", format=","),
                alt.Tooltip("sum(n_noise_jumps):Q", title="of which noise", format=","),
            ],
        )
        .properties(width=SUMMARY_WIDTH, height=200, title="jumps per type")
    )
    profile = (
        alt.Chart(ds.add(profiles, "jump type profiles"), name="profiles")
        .transform_filter(is_metric(metric))
        .mark_bar()
        .encode(
            x=alt.X(
                "feature:N",
                title=None,
                sort=["phase", "magnitude", "speed"],
                axis=alt.Axis(labelAngle=0),
            ),
            xOffset="jump_type_name:N",
            y=alt.Y("mean_standardized_value:Q", title="mean (standard deviations from all jumps)"),
            color=type_color,
            tooltip=[
                alt.Tooltip("jump_type_name:N", title="jump type"),
                alt.Tooltip("feature:N", title="feature"),
                alt.Tooltip("mean_value:Q", title="mean (raw)", format=".4g"),
                alt.Tooltip("mean_standardized_value:Q", title="mean (standardized)", format=".3f"),
                alt.Tooltip("n_jumps:Q", title="jumps", format=","),
            ],
        )
        .properties(
            width=SUMMARY_WIDTH, height=200, title="feature profile per type (all architectures)"
        )
    )
    scatter = (
        alt.Chart(ds.add(sample, "jump sample"), name="type_scatter")
        .transform_filter(is_metric(metric))
        .transform_filter(arch)
        .mark_point(size=18, opacity=0.6, filled=True)
        .encode(
            x=alt.X("magnitude:Q", title="size |velocity| (log)", scale=alt.Scale(type="log")),
            y=alt.Y("speed:Q", title="speed |acceleration| (log)", scale=alt.Scale(type="log")),
            color=type_color,
            tooltip=jump_tooltip(),
        )
        .transform_filter(alt.datum.speed > 0)
        .properties(width=SUMMARY_WIDTH, height=240, title=sample_title(sample, "jumps"))
    )
    phase_scatter = (
        alt.Chart(ds.add(sample, "jump sample"), name="type_phase")
        .transform_filter(is_metric(metric))
        .transform_filter(arch)
        # a reproducible jitter within each type's row, so overlapping jumps show
        .transform_calculate(
            jitter="((datum.measurement_index * 7919 + datum.layer_position * 104729) % 997)"
            " / 997 - 0.5"
        )
        .mark_point(size=14, opacity=0.5, filled=True)
        .encode(
            x=alt.X(
                "phase:Q", title="phase (step / total steps)", scale=UNIT_SCALE, axis=UNIT_AXIS
            ),
            y=alt.Y("jump_type_name:N", title="jump type"),
            yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[-0.6, 0.6])),
            color=type_color,
            tooltip=jump_tooltip(),
        )
        .properties(width=SUMMARY_WIDTH, height=alt.Step(40), title="phase of each type's jumps")
    )
    chart = column(picker, row(type_counts, profile), row(scatter, phase_scatter)).add_params(
        metric
    )
    return Page(
        path="jump_types.html",
        title="jump types",
        intro_html=(
            "<p>For each metric the jumps of all runs are clustered by k-means on their "
            "standardized phase, magnitude and speed; the cluster is the jump type, named "
            "after its centre: when its jumps happen (early, mid, late), how big they are "
            "(small, medium, large) and, when notably so, how fast (slow, fast). The "
            "profile shows each type's mean of each feature in the standardized units "
            "k-means used (0 = the metric's average jump). Click an architecture to "
            "filter the counts and scatter plots.</p>"
        ),
        spec=ds.spec(chart),
    )
