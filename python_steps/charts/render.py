"""Shared chart pieces: sizes, colours, labels, selectors and layout helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

from python_steps.charts import data as cd
from python_steps.charts.datasets import (
    Datasets,
)

DEFAULT_MAX_RUN_PAGES = 100
ARCH_SCHEME = "tableau10"
# Jump types get their own palette, never the architectures' one.
JUMP_TYPE_SCHEME = "dark2"
# Every page is laid out for PAGE_WIDTH pixels of content (a 1,400 px window); the page
# script scales every view's width to the window it opens in (bundle.py).
PAGE_WIDTH = 1300
HEATMAP_WIDTH = 1120
SUMMARY_WIDTH = 430
STEP_AXIS = alt.Axis(tickCount=10)
# A 0-1 axis with a little room on both sides, so marks at exactly 0 or 1 are drawn whole.
UNIT_SCALE = alt.Scale(domain=[-0.03, 1.03], nice=False)
UNIT_AXIS = alt.Axis(values=[0, 0.2, 0.4, 0.6, 0.8, 1.0])
# Heatmap colour: the value rescaled to each layer's own range (the default: shows the
# dynamics of layers whose values differ in level), or the raw metric value.
SHADING_OPTIONS = ("relative to the layer's range", "metric value")
PHASE_ORDER = ["early", "mid", "late"]
PATTERN_ORDER = ["bottom-up", "top-down", "simultaneous", "unclear", "undetermined"]
JUMP_KIND_COLOR = alt.Scale(domain=["real", "numerical noise"], range=["#1f77b4", "#c7c7c7"])
# How a metric is named on a page (select inputs, titles); unknown metrics keep their name.
METRIC_LABELS = {
    "participation_ratio": "participation ratio",
    "stable_rank": "stable rank",
    "effective_rank_90": "effective rank (90% energy)",
    "nuclear_norm_ratio": "nuclear-norm ratio",
}
# Fonts and sizes readable on a projector: applied to every page's spec.
THEME: dict[str, Any] = {
    "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
    "title": {"fontSize": 17, "anchor": "start", "offset": 10, "subtitleFontSize": 13},
    "axis": {"labelFontSize": 13, "titleFontSize": 14, "titlePadding": 8, "labelLimit": 260},
    "legend": {"labelFontSize": 13, "titleFontSize": 14, "labelLimit": 420, "symbolSize": 120},
    "header": {"labelFontSize": 14, "titleFontSize": 14},
    "view": {"stroke": "#ddd"},
    "concat": {"spacing": 36},
}


def metric_label(metric: str) -> str:
    """A metric's human name."""
    return METRIC_LABELS.get(metric, metric.replace("_", " "))


def label_expr(field: str, labels: dict[str, str]) -> str:
    """A Vega expression mapping a text field's values to human labels (others as is)."""
    expr = f"datum.{field}"
    for value, label in reversed(list(labels.items())):
        expr = f"datum.{field} === {js_string(value)} ? {js_string(label)} : ({expr})"
    return expr


def js_string(text: str) -> str:
    """A JavaScript string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def legend_entry(
    chart: alt.Chart,
    channel: type[alt.StrokeDash] | type[alt.Shape],
    label: str,
    domain: list[str],
    title: str,
    scale_range: list[Any] | None = None,
) -> alt.Chart:
    """A reference mark (line, chance-level point) with its own legend entry: the label
    as a constant field encoded by `channel` (a datum encoding cannot carry a scale)."""
    field = f"{title}_label".replace(" ", "_")
    scale = alt.Scale(domain=domain, range=scale_range) if scale_range else alt.Scale(domain=domain)
    return chart.transform_calculate(**{field: js_string(label)}).encode(
        channel(f"{field}:N", title=title, scale=scale)
    )


def themed(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with the shared theme (fonts, sizes) under its `config`."""
    config = dict(spec.get("config", {}))
    for key, value in THEME.items():
        config[key] = {**value, **config.get(key, {})} if isinstance(value, dict) else value
    return {**spec, "config": config}


EMBED_OPTIONS = {
    "renderer": "canvas",
    "bind": "#controls",
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}


class MissingMartsError(RuntimeError):
    """The warehouse lacks a reporting model the pages read."""


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
        bind=alt.binding_select(
            options=metric_names, labels=[metric_label(m) for m in metric_names], name="metric "
        ),
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
    value_field: str | None,
    title: str,
    families: list[str],
    arch: alt.Parameter,
    metric: alt.Parameter | None,
    what: str | None = None,
) -> alt.Chart:
    """Bars per architecture family (the sum of `value_field`, or the row count when
    None); a click selects a family."""
    chart = alt.Chart(ds.add(data, what or title), name="arch_picker")
    if metric is not None:
        chart = chart.transform_filter(is_metric(metric))
    value = f"sum({value_field}):Q" if value_field else "count():Q"
    return (
        chart.mark_bar()
        .encode(
            x=alt.X(value, title=title, axis=alt.Axis(tickMinStep=1, format="~s")),
            y=alt.Y("arch_family:N", title="architecture", sort=families),
            color=arch_color(families, legend=False),
            opacity=alt.when(arch).then(alt.value(1.0)).otherwise(alt.value(0.3)),
            tooltip=[
                alt.Tooltip("arch_family:N", title="architecture"),
                alt.Tooltip(value, title=title, format=","),
            ],
        )
        .add_params(arch)
        .properties(
            width=SUMMARY_WIDTH,
            height=26 * max(len(families), 2),
            title=alt.Title(
                f"{title} per architecture", subtitle="click to filter, double click clears"
            ),
        )
    )


def independent(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """A concatenation whose views keep their own colour, shape and position scales
    (Vega-Lite would otherwise merge e.g. jump-type and architecture colours)."""
    return chart.resolve_scale(
        color="independent",
        shape="independent",
        strokeDash="independent",
        x="independent",
        y="independent",
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
