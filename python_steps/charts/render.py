"""Shared chart pieces: sizes, colours, labels, selectors and layout helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

from python_steps import chart_data as cd
from python_steps.charts.datasets import (
    Datasets,
)

DEFAULT_MAX_RUN_PAGES = 100
ARCH_SCHEME = "tableau10"
HEATMAP_WIDTH = 760
SUMMARY_WIDTH = 300
STEP_AXIS = alt.Axis(tickCount=10)
# Heatmap colour: the raw value, or the value rescaled to each layer's own range (shows
# the dynamics of layers whose values differ in level).
SHADING_OPTIONS = ("metric value", "relative to the layer's range")
PHASE_ORDER = ["early", "mid", "late"]
PATTERN_ORDER = ["bottom-up", "top-down", "simultaneous", "unclear", "undetermined"]
MEASURE_LABELS = {
    "n_real_jumps": "real jumps",
    "n_noise_jumps": "jumps flagged as numerical noise",
    "mean_jump_magnitude": "mean jump magnitude",
    "mean_jump_speed": "mean jump speed",
    "mean_critical_steps": "mean critical steps per run",
    "mean_transitions": "mean transitions per run",
    "mean_coordination": "mean of mean_coordination",
    "mean_max_coordination": "mean of max_coordination",
    "mean_loss_correlation": "mean loss coupling (loss_correlation)",
    "share_strong_runs": "share of strong runs",
}
EMBED_OPTIONS = {
    "renderer": "canvas",
    "bind": "#controls",
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}


class MissingMartsError(RuntimeError):
    """The warehouse lacks a mart the pages read."""


@dataclass(frozen=True)
class Page:
    """One HTML page: where it goes, what it says and the Vega-Lite spec it draws."""

    path: str
    title: str
    intro_html: str
    spec: dict[str, Any]
    extra_html: str = ""


@dataclass(frozen=True)
class PageJob:
    """A page still to be built (built lazily, so progress shows while it runs)."""

    path: str
    build: Callable[[], Page]


def metric_param(metric_names: list[str], with_data: set[str] | None = None) -> alt.Parameter:
    """The page's metric selector: a select input over the metrics present, starting on
    the preferred metric the page's main chart has data for."""
    return alt.param(
        name="metric",
        value=cd.default_metric(metric_names, with_data),
        bind=alt.binding_select(options=metric_names, name="metric "),
    )


def arch_selection() -> alt.Parameter:
    """A click on an architecture family selects it (double click clears)."""
    return alt.selection_point(
        name="arch", fields=["arch_family"], on="click", clear="dblclick", toggle=True
    )


def arch_color(families: list[str], legend: bool = True) -> alt.Color:
    """The same colour for each architecture family on every chart."""
    return alt.Color(
        "arch_family:N",
        title="architecture",
        scale=alt.Scale(domain=families, scheme=ARCH_SCHEME),
        legend=alt.Legend() if legend else None,
    )


def is_metric(param: alt.Parameter) -> Any:
    """Filter predicate: the row's metric is the selected one."""
    return alt.datum.metric == param


def arch_picker(
    ds: Datasets,
    data: pd.DataFrame,
    value_field: str,
    title: str,
    families: list[str],
    arch: alt.Parameter,
    metric: alt.Parameter | None,
) -> alt.Chart:
    """Bars per architecture family (summing `value_field`); a click selects a family."""
    chart = alt.Chart(ds.add(data, title), title=title, name="arch_picker")
    if metric is not None:
        chart = chart.transform_filter(is_metric(metric))
    return (
        chart.mark_bar()
        .encode(
            x=alt.X(f"sum({value_field}):Q", title=title),
            y=alt.Y("arch_family:N", title="architecture", sort=families),
            color=arch_color(families, legend=False),
            opacity=alt.when(arch).then(alt.value(1.0)).otherwise(alt.value(0.3)),
            tooltip=[
                alt.Tooltip("arch_family:N", title="architecture"),
                alt.Tooltip(f"sum({value_field}):Q", title=title, format=","),
            ],
        )
        .add_params(arch)
        .properties(width=SUMMARY_WIDTH, height=22 * max(len(families), 2))
    )


def independent(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """A concatenation whose views keep their own colour, shape and position scales
    (Vega-Lite would otherwise merge e.g. jump-type and architecture colours)."""
    return chart.resolve_scale(
        color="independent", shape="independent", x="independent", y="independent"
    )


def row(*charts: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Charts side by side, each with its own scales."""
    return independent(alt.hconcat(*charts))


def column(*charts: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Charts one above the other, each with its own scales."""
    return independent(alt.vconcat(*charts))


def families_of(data: pd.DataFrame) -> list[str]:
    """The architecture families in a frame, sorted."""
    return sorted(data["arch_family"].dropna().unique().tolist())


def title_case(text: str) -> str:
    """A page heading from a short phrase."""
    return text[:1].upper() + text[1:]
