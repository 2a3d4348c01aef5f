"""Interactive chart pages of a built warehouse, as self-contained HTML that draws offline.

    python -m python_steps.charts --warehouse warehouse.duckdb --out charts [--png] [--svg]

Pages (all under `--out`):

- `index.html`: headline figures in a few sentences, a small overview chart, a link to
  every page;
- `runs.html`: every run with its per-metric figures, each linked to its run page;
- `runs/<run_id>.html`: one page per run (see "Run pages" below): heatmap of layer (forward
  order) by step coloured by the metric value, stabilization points marked, with the
  coordination timeline and the loss curve on the same step axis;
- `convergence.html`, `jumps.html`, `jump_types.html`, `critical_periods.html`,
  `architectures.html`;
- `validity.html` when the warehouse has a `detector_validity` mart.

Interaction: every chart has tooltips; every page whose charts have a metric has a metric
selector (a select input bound to the `metric` param); on the summary pages a click on an
architecture family (a bar of the "architecture" chart) filters the linked views,
a double click clears it.

Data: every chart's rows come from `python_steps.chart_data`, aggregated in SQL to at most
5,000 rows per dataset (Altair's default limit; `check_rows` enforces it again here, so a
page never grows silently). Heatmap steps are binned per run so that layers x bins x
metrics <= 5,000 (a 16-layer run with 4 metrics gets 67 cells of 6 measurements per
layer); jump scatter plots show a reproducible sample of up to 5,000 / n_metrics jumps per
metric (the title says so). Each dataset is embedded once, as CSV text in the spec's
top-level `datasets` (rendered by DuckDB; Altair never sees the rows, so it copies none).

Self-contained: each page inlines the Vega, Vega-Lite and vega-embed bundle that
vl-convert ships (`vl_convert.javascript_bundle()`, the Vega-Lite version Altair targets)
and its data; it loads nothing over the network (no <script src>, no <link>, no data
URL, no font). Bundling takes ~1.5 s, so the bundle is cached on disk per vl-convert and
Vega-Lite version (`$XDG_CACHE_HOME/layer_dynamics`, else `~/.cache/layer_dynamics`).

Speed: Altair builds a spec in ~0.1 s, so the run pages share one spec built once (the
layer axis sorts by position, heights are per-layer steps, so nothing in it is
run-specific) and each run page only swaps in its own `datasets`. Specs are compiled
without schema validation (the tests validate every page). On the 55 shared runs the
whole export (62 pages) takes ~2.5 s of CPU.

Each page reports its own rendering: after vegaEmbed resolves, the hidden element
`#render-status` gets `data-status="ok"` (or `"error"`), the number of drawn mark items
(`data-marks`, and per named mark in `data-marks-by-name`) and the errors and warnings Vega
logged or the page threw (`data-errors`, `data-warnings`); `window.vegaView` is the view.
The browser test reads them.

Run pages: one page per run, for at most `--max-run-pages` runs (default 100; a page is
~1.4 MB, 0.9 MB of it the inlined JavaScript, so 55 runs make ~75 MB). Why not one page
with a run selector: all runs' heatmaps together would be 55 x 5,000 rows, far past the
row limit. When a build has more runs than the cap, the runs with the best Phase 2
candidate rank get pages first; `runs.html` lists every run either way and links those
that have a page.
"""

from __future__ import annotations

import argparse
import html
import importlib.metadata
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import numpy as np
import pandas as pd
import vl_convert

from python_steps import chart_data as cd
from python_steps.warehouse import REQUIRED_TABLES, exit_on_unavailable, open_warehouse

DEFAULT_MAX_RUN_PAGES = 100
RUN_PAGE_DIR = "runs"
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


class TooManyRowsError(ValueError):
    """A chart would embed more rows than `chart_data.MAX_ROWS`."""


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


# ---------------------------------------------------------------------------------------
# shared chart pieces
# ---------------------------------------------------------------------------------------


def check_rows(data: pd.DataFrame, what: str, max_rows: int = cd.MAX_ROWS) -> pd.DataFrame:
    """The frame itself, or TooManyRowsError when it has more than `max_rows` rows."""
    check_rows_count(len(data), what, max_rows)
    return data


def check_rows_count(n_rows: int, what: str, max_rows: int = cd.MAX_ROWS) -> None:
    """TooManyRowsError when a chart's dataset would have more than `max_rows` rows."""
    if n_rows > max_rows:
        raise TooManyRowsError(
            f"{what}: {n_rows} rows, more than {max_rows}; aggregate it in chart_data"
        )


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


def csv_parse(data: pd.DataFrame) -> dict[str, str]:
    """Vega's parse types of a frame's numeric and boolean columns (the rest are text)."""
    parse: dict[str, str] = {}
    for column in data.columns:
        series = data[column]
        if pd.api.types.is_bool_dtype(series) or _is_boolean_objects(series):
            parse[str(column)] = "boolean"
        elif pd.api.types.is_numeric_dtype(series):
            parse[str(column)] = "number"
    return parse


def _is_boolean_objects(series: pd.Series) -> bool:
    """Whether an object column holds only booleans (and missing values)."""
    if series.dtype != object:
        return False
    present = series.dropna()
    return len(present) > 0 and all(isinstance(value, bool) for value in present)


def _csv_line_sql(data: pd.DataFrame, parse: dict[str, str], skip: str | None = None) -> str:
    """A DuckDB expression that renders a row of `data` as one CSV line: numbers in their
    shortest round-trip form, booleans as true/false, text always quoted, NULL empty."""
    fields = []
    for column in data.columns:
        if column == skip:
            continue
        quoted = '"' + str(column).replace('"', '""') + '"'
        if column in parse:
            fields.append(f"coalesce(cast({quoted} as varchar), '')")
        else:
            fields.append(
                f"""coalesce('"' || replace(cast({quoted} as varchar), '"', '""') || '"', '')"""
            )
    return " || ',' || ".join(fields) if fields else "''"


def _csv_header(data: pd.DataFrame, skip: str | None = None) -> str:
    """The CSV header line of a frame's columns."""
    return ",".join(str(column) for column in data.columns if column != skip)


def to_csv(data: pd.DataFrame, parse: dict[str, str]) -> str:
    """A frame as CSV text for Vega (rendered by DuckDB: ~10x faster than pandas)."""
    return to_csv_by(data, parse, None)[""]


def to_csv_by(data: pd.DataFrame, parse: dict[str, str], key: str | None) -> dict[str, str]:
    """CSV text of each group of rows sharing `key` (without the key column), in row
    order; with no key, one text under "". One DuckDB query for all groups."""
    header = _csv_header(data, key)
    if data.empty:
        return {"": header + "\n"} if key is None else {}
    group = f'cast("{key}" as varchar)' if key else "''"
    with duckdb.connect() as con:
        con.register("chart_rows", data.assign(__row=np.arange(len(data))))
        rows = con.execute(
            f"""
            select {group} as grp, string_agg({_csv_line_sql(data, parse, key)}, chr(10)
                order by __row)
            from chart_rows
            group by grp
            """
        ).fetchall()
    return {str(grp): f"{header}\n{text}\n" for grp, text in rows}


class Datasets:
    """The data of one page: each frame embedded once as CSV text in the spec's top-level
    `datasets` and referenced by name, so Altair never copies it (which is slow) and the
    page stays small (no repeated keys as in JSON records)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.parses: dict[str, dict[str, str]] = {}

    def declare(self, data: pd.DataFrame, name: str) -> alt.NamedData:
        """A reference to a dataset shaped like `data`, whose values come later."""
        parse = csv_parse(data)
        if self.parses.get(name, parse) != parse:
            raise ValueError(f"two differently shaped datasets named {name!r}")
        self.parses[name] = parse
        return alt.NamedData(name=name, format=alt.DataFormat(type="csv", parse=parse))

    def add(self, data: pd.DataFrame, what: str) -> alt.NamedData:
        """Embed a frame (at most `MAX_ROWS` rows) under a name derived from `what`."""
        check_rows(data, what)
        name = re.sub(r"\W+", "_", what).strip("_")
        reference = self.declare(data, name)
        self.values.setdefault(name, to_csv(data, self.parses[name]))
        return reference

    def spec(self, chart: alt.TopLevelMixin) -> dict[str, Any]:
        """The chart's Vega-Lite spec with the data attached (not schema-validated here:
        validation costs ~0.1 s a page; the tests validate every page)."""
        spec = chart.to_dict(validate=False)
        spec.setdefault("datasets", {}).update(self.values)
        return spec


def title_case(text: str) -> str:
    """A page heading from a short phrase."""
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------------------
# run pages
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunData:
    """The chart data of every run: whole frames (one per run-page dataset, all runs) and
    the same rows grouped by run_id."""

    runs: pd.DataFrame
    frames: dict[str, pd.DataFrame]
    csv: dict[str, dict[str, str]]
    row_counts: dict[str, dict[str, int]]
    bin_widths: dict[str, int]

    def rows_csv(self, dataset: str, run_id: str) -> str:
        """One run's rows of a dataset as CSV (at most MAX_ROWS; a header when none)."""
        check_rows_count(self.row_counts[dataset].get(run_id, 0), f"{dataset} of run {run_id}")
        empty = _csv_header(self.frames[dataset], "run_id") + "\n"
        return self.csv[dataset].get(run_id, empty)

    @property
    def binned(self) -> bool:
        """Whether any run's heatmap cells span more than one measurement."""
        return max(self.bin_widths.values(), default=1) > 1


def load_run_data(con: duckdb.DuckDBPyConnection) -> RunData:
    """All per-run chart data, queried once for all runs and trimmed to what is drawn."""
    cells = cd.heatmap_cells(con)
    bin_widths = {str(k): int(v) for k, v in cells.groupby("run_id")["bin_width"].max().items()}
    cell_columns = [
        "run_id",
        "metric",
        "layer",
        "layer_position",
        "step_start",
        "step_end",
        "mean_value",
    ]
    if max(bin_widths.values(), default=1) > 1:
        cell_columns += ["min_value", "max_value", "n_values"]
    critical = cd.critical_period_runs(con)
    level_columns = ["run_id", "metric"] + [c for c in RUN_LEVELS if c in critical.columns]
    coordination = cd.coordination_timeline(con).drop(columns="n_layers")
    if coordination.empty or int(coordination["n_measurements"].max()) == 1:
        coordination = coordination.drop(columns=["mean_coordination", "n_measurements"])
    frames = {
        "heatmap": cells[cell_columns],
        "stabilization": cd.stabilization_points(con).drop(columns="stabilization_index"),
        "coordination": coordination,
        "levels": critical[level_columns],
        "loss": cd.loss_curve(con),
    }
    return RunData(
        runs=cd.run_list(con),
        frames=frames,
        csv={
            name: to_csv_by(frame, csv_parse(frame.drop(columns="run_id")), "run_id")
            for name, frame in frames.items()
        },
        row_counts={
            name: {str(k): int(v) for k, v in frame.groupby("run_id").size().items()}
            for name, frame in frames.items()
        },
        bin_widths=bin_widths,
    )


def run_page_path(run_id: str) -> str:
    """Where a run's page goes, relative to the output folder."""
    return f"{RUN_PAGE_DIR}/{re.sub(r'[^A-Za-z0-9_.-]', '_', run_id)}.html"


def select_run_pages(runs: pd.DataFrame, max_pages: int) -> list[str]:
    """The runs that get a page: all of them up to `max_pages`, else those with the best
    Phase 2 candidate rank first (then by run_id)."""
    ordered = runs.sort_values(["best_candidate_rank", "run_id"], na_position="last")
    chosen = set(ordered["run_id"].head(max_pages))
    return [run_id for run_id in runs["run_id"] if run_id in chosen]


def heatmap_chart(
    cells: alt.NamedData,
    stabilization: alt.NamedData,
    binned: bool,
    metric: alt.Parameter,
    zoom: alt.Parameter,
) -> alt.LayerChart:
    """Layer (forward order, input side at the top) by step, coloured by the metric value,
    with each layer's stabilization point marked."""
    tooltip = [
        alt.Tooltip("layer:N"),
        alt.Tooltip("layer_position:Q", title="position (0 = input side)"),
        alt.Tooltip("step_start:Q", title="from step"),
        alt.Tooltip("step_end:Q", title="to step"),
        alt.Tooltip("mean_value:Q", title="mean value" if binned else "value", format=".6g"),
    ]
    if binned:
        tooltip += [
            alt.Tooltip("min_value:Q", title="min", format=".6g"),
            alt.Tooltip("max_value:Q", title="max", format=".6g"),
            alt.Tooltip("n_values:Q", title="measurements in cell"),
        ]
    # min/max are the only sorts Vega-Lite keeps on a domain shared by two datasets.
    y = alt.Y(
        "layer:N",
        sort=alt.EncodingSortField(field="layer_position", op="min"),
        title="layer (forward order)",
    )
    shading = alt.param(
        name="shading",
        value=SHADING_OPTIONS[0],
        bind=alt.binding_select(options=list(SHADING_OPTIONS), name="heatmap colour "),
    )
    rects = (
        alt.Chart(cells, name="heatmap")
        .transform_filter(is_metric(metric))
        .transform_joinaggregate(
            layer_min="min(mean_value)", layer_max="max(mean_value)", groupby=["layer"]
        )
        .transform_calculate(
            shade=f"shading === '{SHADING_OPTIONS[0]}' ? datum.mean_value"
            " : (datum.layer_max > datum.layer_min"
            " ? (datum.mean_value - datum.layer_min) / (datum.layer_max - datum.layer_min)"
            " : 0.5)"
        )
        .mark_rect()
        .encode(
            x=alt.X("step_start:Q", title="training step", axis=STEP_AXIS),
            x2="step_end:Q",
            y=y,
            color=alt.Color(
                "shade:Q",
                title="colour",
                scale=alt.Scale(scheme="viridis", zero=False),
                legend=alt.Legend(format=".4~g"),
            ),
            tooltip=tooltip,
        )
        .add_params(zoom, shading)
    )
    points = (
        alt.Chart(stabilization, name="stabilization")
        .transform_filter(is_metric(metric))
        .mark_point(shape="diamond", filled=True, size=90, color="white", stroke="black")
        .encode(
            x="stabilization_step:Q",
            y=y,
            tooltip=[
                alt.Tooltip("layer:N"),
                alt.Tooltip("stabilization_measurement_index:Q", title="stabilization index"),
                alt.Tooltip("stabilization_step:Q", title="stabilization step"),
            ],
        )
    )
    return alt.layer(rects, points).properties(
        width=HEATMAP_WIDTH,
        height=alt.Step(18),
        title="metric value by layer and step (◆ = stabilization point)",
    )


def coordination_chart(
    coordination: alt.NamedData,
    levels: alt.NamedData,
    threshold: alt.NamedData,
    level_names: list[str],
    binned: bool,
    metric: alt.Parameter,
) -> alt.LayerChart:
    """Share of layers critical together at each step; 0.5 marks a coordinated period and
    the run's mean coordination (and its chance level, when the mart has it) is drawn."""
    tooltip = [
        alt.Tooltip("step:Q", title="step"),
        alt.Tooltip("coordination:Q", format=".3f"),
        alt.Tooltip("n_critical_layers:Q", title="critical layers"),
    ]
    if binned:
        tooltip.append(alt.Tooltip("mean_coordination:Q", title="mean in bin", format=".3f"))
    base = alt.Chart(coordination).transform_filter(is_metric(metric))
    line = (
        base.mark_line(interpolate="step-after", strokeWidth=1)
        .encode(
            x=alt.X("step:Q", title="training step", axis=STEP_AXIS),
            y=alt.Y("coordination:Q", title="coordination", scale=alt.Scale(domain=[0, 1])),
            tooltip=tooltip,
        )
        .properties(name="coordination")
    )
    coordinated = (
        base.transform_filter(alt.datum.is_coordinated)
        .mark_point(color="firebrick", filled=True, size=30)
        .encode(x="step:Q", y="coordination:Q", tooltip=tooltip)
    )
    reference = (
        alt.Chart(levels, name="coordination_levels")
        .transform_filter(is_metric(metric))
        .transform_fold(level_names, as_=["level", "coordination_level"])
        .mark_rule(strokeDash=[4, 3])
        .encode(
            y="coordination_level:Q",
            color=alt.Color(
                "level:N",
                title="run level",
                scale=alt.Scale(domain=level_names, range=["gray", "orange", "purple"]),
            ),
            tooltip=[
                alt.Tooltip("level:N"),
                alt.Tooltip("coordination_level:Q", title="value", format=".3f"),
            ],
        )
    )
    rule = (
        alt.Chart(threshold, name="threshold")
        .mark_rule(color="firebrick", strokeDash=[2, 2], opacity=0.6)
        .encode(
            y="coordinated_threshold:Q",
            tooltip=[alt.Tooltip("coordinated_threshold:Q", title="coordinated from")],
        )
    )
    return alt.layer(line, coordinated, reference, rule).properties(
        width=HEATMAP_WIDTH,
        height=110,
        title="coordination: share of layers critical at each step (● ≥ 0.5)",
    )


def loss_chart(loss: alt.NamedData, log_scale: bool) -> alt.Chart:
    """The training loss over steps."""
    return (
        alt.Chart(loss, name="loss")
        .mark_line(color="black", strokeWidth=1)
        .encode(
            x=alt.X("step:Q", title="training step", axis=STEP_AXIS),
            y=alt.Y(
                "loss:Q",
                title="loss" + (" (log)" if log_scale else ""),
                scale=alt.Scale(type="log" if log_scale else "linear"),
                axis=alt.Axis(tickCount=5, format="~g", grid=False),
            ),
            tooltip=[alt.Tooltip("step:Q"), alt.Tooltip("loss:Q", format=".4g")],
        )
        .properties(width=HEATMAP_WIDTH, height=110, title="training loss")
    )


@dataclass(frozen=True)
class RunPageTemplate:
    """The Vega-Lite spec every run page shares (built once: Altair takes ~0.1 s per
    spec); a run page is this spec with the run's own `datasets`."""

    spec: dict[str, Any]
    parses: dict[str, dict[str, str]]


def run_page_template(data: RunData) -> RunPageTemplate:
    """The run-page spec, its datasets declared by name (shaped like `data.frames`)."""
    ds = Datasets()
    named = {
        name: ds.declare(frame.drop(columns="run_id"), name) for name, frame in data.frames.items()
    }
    threshold = ds.add(pd.DataFrame({"coordinated_threshold": [0.5]}), "threshold")
    metric_names = sorted(data.frames["heatmap"]["metric"].unique().tolist())
    metric = metric_param(metric_names)
    zoom = alt.selection_interval(name="zoom", encodings=["x"], bind="scales")
    loss = data.frames["loss"]["loss"]
    level_names = [c for c in data.frames["levels"].columns if c not in ("run_id", "metric")]
    coordination_binned = "n_measurements" in data.frames["coordination"].columns
    chart = (
        alt.vconcat(
            heatmap_chart(named["heatmap"], named["stabilization"], data.binned, metric, zoom),
            coordination_chart(
                named["coordination"],
                named["levels"],
                threshold,
                level_names,
                coordination_binned,
                metric,
            ),
            loss_chart(named["loss"], log_scale=bool(len(loss)) and float(loss.min()) > 0),
        )
        .resolve_scale(x="shared", color="independent")
        .add_params(metric)
    )
    spec = ds.spec(chart)
    keep_first_view(spec, "zoom")
    return RunPageTemplate(spec=spec, parses=ds.parses)


def keep_first_view(spec: dict[str, Any], param: str) -> None:
    """Define a top-level selection param in its first view only. Altair lists every
    layer of the chart the param was added to; a scale-bound interval defined in two
    layers makes Vega fail ("Duplicate signal name"). With the x scale shared by the
    vconcat, the one definition still zooms every chart."""
    for entry in spec.get("params", []):
        if entry.get("name") == param and len(entry.get("views", [])) > 1:
            entry["views"] = entry["views"][:1]


def run_page(run: pd.Series, data: RunData, template: RunPageTemplate) -> Page:
    """The page of one run: the shared spec with this run's data."""
    run_id = str(run["run_id"])
    datasets = dict(template.spec.get("datasets", {}))
    for name in data.frames:
        datasets[name] = data.rows_csv(name, run_id)
    accuracy = run["final_accuracy"]
    facts = [
        f"architecture <b>{html.escape(str(run['arch_name']))}</b>"
        f" ({html.escape(str(run['arch_family']))})",
        f"dataset <b>{html.escape(str(run['dataset']))}</b>",
        f"{int(run['n_layers'])} layers",
        f"{int(run['n_measurements'])} measurements over {int(run['num_steps']):,} steps",
    ]
    if pd.notna(accuracy):
        facts.append(f"final accuracy {float(accuracy):.3f}")
    intro = (
        f"<p>{', '.join(facts)}.</p><p>Heatmap cells are the metric value of a layer over "
        f"a run of measurements ({_binning_note(data.bin_widths.get(run_id, 1))}); drag or "
        "scroll on the heatmap to zoom all three charts along the step axis (double click "
        "resets). Coordination is the share of the run's layers whose velocity is in their "
        "own top 10% at a step; with independent layers its mean is near 0.1 by "
        "construction.</p>"
    )
    return Page(
        path=run_page_path(run_id),
        title=f"run {run_id}",
        intro_html=intro,
        spec={**template.spec, "datasets": datasets},
    )


def _binning_note(width: int) -> str:
    """How many measurements a heatmap cell spans."""
    if width == 1:
        return "one measurement per cell"
    return f"{width} consecutive measurements per cell, averaged, to keep the page small"


# ---------------------------------------------------------------------------------------
# summary pages
# ---------------------------------------------------------------------------------------


def runs_overview_page(con: duckdb.DuckDBPyConnection, run_pages: dict[str, str]) -> Page:
    """Every run in one table-like chart, per metric; a click on a run opens its page."""
    ds = Datasets()
    data = cd.run_summaries(con)
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
        alt.Tooltip("dataset:N"),
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
    height = 13 * len(order)

    def field_column(mark: alt.Chart, field: str, title: str, name: str) -> alt.Chart:
        return mark.encode(
            x=alt.X(field, title=title),
            y=y if name == "runs_accuracy" else y_unlabelled,
            color=arch_color(families, legend=False),
            href="page:N",
            tooltip=tooltip,
        ).properties(width=110, height=height, name=name)

    table = alt.hconcat(
        field_column(base.mark_bar(), "final_accuracy:Q", "final accuracy", "runs_accuracy"),
        field_column(base.mark_bar(), "n_real_jumps:Q", "real jumps", "runs_jumps"),
        field_column(
            base.mark_point(filled=True),
            "max_coordination:Q",
            "max coordination",
            "runs_max_coordination",
        ),
        field_column(
            base.mark_point(filled=True),
            "loss_correlation:Q",
            "loss coupling",
            "runs_loss_coupling",
        ),
        base.mark_text(align="left")
        .encode(y=y_unlabelled, text="pattern:N", href="page:N", tooltip=tooltip)
        .properties(width=90, height=height, title="pattern", name="runs_pattern"),
        spacing=8,
    ).resolve_scale(y="shared")
    runs_per_arch = data.groupby(["metric", "arch_family"], as_index=False).size()
    picker = arch_picker(ds, runs_per_arch, "size", "runs", families, arch, metric)
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


def convergence_page(con: duckdb.DuckDBPyConnection) -> Page:
    """Convergence patterns, the distribution of Spearman's rho, stabilization by depth."""
    ds = Datasets()
    patterns = cd.convergence_pattern_counts(con)
    rho = cd.rho_histogram(con)
    depth = cd.stabilization_by_depth(con)
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
                alt.Tooltip("pattern:N"),
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
                alt.Tooltip("n_stabilized:Q", title="layers stabilized"),
                alt.Tooltip("n_layers:Q", title="layers"),
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
            tooltip=_jump_tooltip(),
        )
        .properties(width=SUMMARY_WIDTH, height=240, title=_sample_title(sample, "jumps"))
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


def _jump_tooltip() -> list[alt.Tooltip]:
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


def _sample_title(sample: pd.DataFrame, what: str) -> str:
    """A chart title saying how much of the data a sample shows."""
    if sample.empty:
        return what
    per_metric = sample.groupby("metric").agg(
        shown=("metric", "size"), total=("n_jumps_total", "max")
    )
    if (per_metric["shown"] == per_metric["total"]).all():
        return f"{what} (all)"
    return f"{what} (a reproducible sample of up to {int(per_metric['shown'].max()):,} per metric)"


def jump_types_page(con: duckdb.DuckDBPyConnection) -> Page:
    """The k-means jump types: each type's feature profile, and the jumps by type."""
    ds = Datasets()
    counts = cd.jump_type_counts(con)
    profiles = cd.jump_type_profiles(con)
    sample = cd.jump_sample(con)
    families = families_of(counts)
    metric = metric_param(sorted(counts["metric"].unique().tolist()))
    arch = arch_selection()
    type_color = alt.Color("jump_type:N", title="jump type")
    picker = arch_picker(ds, counts, "n_jumps", "jumps", families, arch, metric)
    type_counts = (
        alt.Chart(ds.add(counts, "jump type counts"), name="type_counts")
        .transform_filter(is_metric(metric))
        .transform_filter(arch)
        .mark_bar()
        .encode(
            x=alt.X("jump_type:N", title="jump type", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(n_jumps):Q", title="jumps"),
            color=type_color,
            tooltip=[
                alt.Tooltip("jump_type:N", title="jump type"),
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
            xOffset="jump_type:N",
            y=alt.Y("mean_standardized_value:Q", title="mean standardized value"),
            color=type_color,
            tooltip=[
                alt.Tooltip("jump_type:N", title="jump type"),
                alt.Tooltip("feature:N"),
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
        .mark_point(size=12, opacity=0.6, filled=True)
        .encode(
            x=alt.X("magnitude:Q", title="magnitude (log)", scale=alt.Scale(type="log")),
            y=alt.Y("speed:Q", title="speed (log)", scale=alt.Scale(type="log")),
            color=type_color,
            tooltip=_jump_tooltip(),
        )
        .transform_filter(alt.datum.speed > 0)
        .properties(width=SUMMARY_WIDTH, height=240, title=_sample_title(sample, "jumps"))
    )
    phase_scatter = (
        alt.Chart(ds.add(sample, "jump sample"), name="type_phase")
        .transform_filter(is_metric(metric))
        .transform_filter(arch)
        .mark_tick(opacity=0.5)
        .encode(
            x=alt.X("phase:Q", title="phase", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("jump_type:N", title="jump type"),
            color=type_color,
            tooltip=_jump_tooltip(),
        )
        .properties(width=SUMMARY_WIDTH, height=160, title="phase of each type's jumps")
    )
    chart = column(picker, row(type_counts, profile), row(scatter, phase_scatter)).add_params(
        metric
    )
    return Page(
        path="jump_types.html",
        title="jump types",
        intro_html=(
            "<p>For each metric the jumps of all runs are clustered by k-means on their "
            "standardized phase, magnitude and speed; the cluster is the jump type. The "
            "profile shows each type's mean of each feature in the standardized units "
            "k-means used (0 = the metric's average jump). Click an architecture to "
            "filter the counts and scatter plots.</p>"
        ),
        spec=ds.spec(chart),
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


# (observed, chance level) column pairs of critical_periods, drawn side by side.
COORDINATION_PAIRS = (
    ("mean_coordination", "coordination_null_mean"),
    ("max_coordination", "max_coordination_null_mean"),
)
COUPLING_PAIRS = (("loss_correlation", "loss_drop_base_rate"),)
PERIOD_PAIRS = (("num_coordinated_periods", "coordinated_periods_null_mean"),)
# Run-page reference lines on the coordination timeline (those the build has).
RUN_LEVELS = ("mean_coordination", "coordination_null_mean", "max_coordination_null_mean")


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
    for column in cd.CRITICAL_BASELINE_COLUMNS:
        if column in data.columns:
            tooltip.append(alt.Tooltip(f"{column}:Q", format=".3f"))
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


def validity_page(data: pd.DataFrame) -> Page:
    """detector_validity: how well each detector recovers planted events."""
    ds = Datasets()
    tooltip = [
        alt.Tooltip(f"{c}:Q" if pd.api.types.is_numeric_dtype(data[c]) else f"{c}:N")
        for c in data.columns
    ]
    color = (
        alt.Color("verdict:N", title="verdict")
        if "verdict" in data.columns
        else alt.value("steelblue")
    )
    base = alt.Chart(ds.add(data, "detector validity"))
    panels = []
    for field, title, name in (
        ("recall", "recall (share of planted events found)", "recall"),
        ("false_positives_per_1000", "false positives per 1000", "false_positives"),
    ):
        if field not in data.columns:
            continue
        panels.append(
            base.mark_bar()
            .encode(
                x=alt.X(f"{field}:Q", title=title),
                y=alt.Y("fixture:N", title=None),
                row=alt.Row(
                    "detector:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")
                ),
                color=color,
                tooltip=tooltip,
            )
            .properties(width=240, height=alt.Step(16), name=name)
            .resolve_scale(y="independent")
        )
    chart = alt.hconcat(*panels)
    return Page(
        path="validity.html",
        title="detector validity",
        intro_html=(
            "<p>Each detector run on fixtures with planted events (and on null fixtures "
            "with none): the share of planted events it finds and how many it reports "
            "that were not planted.</p>"
        ),
        spec=ds.spec(chart),
    )


# ---------------------------------------------------------------------------------------
# index
# ---------------------------------------------------------------------------------------

SUMMARY_PAGES = [
    ("runs.html", "runs", "every run with its figures; links to the run pages"),
    (
        "convergence.html",
        "convergence order",
        "pattern counts, distribution of rho, stabilization by depth",
    ),
    (
        "jumps.html",
        "jumps",
        "phase histogram, magnitude vs phase by jump type, jumps per "
        "architecture, magnitude by phase category",
    ),
    ("jump_types.html", "jump types", "feature profile of each type, jumps scattered by type"),
    (
        "critical_periods.html",
        "critical periods",
        "critical counts, coordination and loss "
        "coupling beside chance levels, coordination vs loss coupling",
    ),
    ("architectures.html", "architecture comparison", "every measure per family"),
    ("validity.html", "detector validity", "recall and false positives on planted fixtures"),
]


def _count(n: int, noun: str) -> str:
    """'no runs', '1 run', '2,345 runs'."""
    if n == 0:
        return f"no {noun}s"
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def headline_sentences(figures: cd.Headline) -> str:
    """The headline figures as a few HTML sentences."""
    families = ", ".join(f"{n} {html.escape(f)}" for f, n in figures.families.items())
    parts = [
        f"<p>This build holds <b>{figures.n_runs}</b> analysed training runs ({families}) on "
        f"{figures.n_datasets} datasets, each measured with {len(figures.metrics)} metrics "
        f"per layer; {_count(figures.n_load_issues, 'load issue')} recorded.</p>"
    ]
    for m in figures.metrics:
        name = html.escape(m.metric)
        jumps = (
            f"all {m.n_jumps:,} of its jumps are flagged as numerical noise"
            if m.n_jumps and not m.n_real_jumps
            else f"{_count(m.n_real_jumps, 'real jump')} in "
            f"{_count(m.n_runs_with_real_jumps, 'run')}"
            + (
                f" (plus {m.n_jumps - m.n_real_jumps:,} flagged as noise)"
                if m.n_jumps > m.n_real_jumps
                else ""
            )
        )
        coupling = f"mean loss coupling {m.mean_loss_correlation:.3f}"
        if m.mean_loss_drop_base_rate is not None:
            coupling += f" against a chance base rate of {m.mean_loss_drop_base_rate:.3f}"
        coordination = f"mean coordination {m.mean_coordination:.3f}"
        if m.mean_coordination_null is not None:
            coordination += f" against {m.mean_coordination_null:.3f} by chance"
        else:
            coordination += " (about 0.1 for independent layers)"
        if m.mean_max_coordination_null is not None:
            coordination += (
                f", mean max coordination {m.mean_max_coordination:.3f} against "
                f"{m.mean_max_coordination_null:.3f} by chance"
            )
        if m.n_coordination_beyond_chance is not None:
            coordination += (
                f" ({m.n_coordination_beyond_chance} of {figures.n_runs} runs beyond chance, "
                f"p &lt; {cd.SIGNIFICANCE})"
            )
        if m.n_coupling_beyond_chance is not None:
            coupling += (
                f" ({m.n_coupling_beyond_chance} of {figures.n_runs} runs beyond chance, "
                f"p &lt; {cd.SIGNIFICANCE})"
            )
        patterns = ", ".join(f"{n} {html.escape(p)}" for p, n in m.pattern_counts.items())
        parts.append(
            f"<li><b>{name}</b>: {jumps}; {coordination}; {coupling}; "
            f"{m.n_strong_runs} of {figures.n_runs} runs strong; convergence: {patterns}.</li>"
        )
    parts.insert(1, "<ul>")
    parts.append("</ul>")
    return "".join(parts)


def index_page(con: duckdb.DuckDBPyConnection, pages: list[str], run_pages: dict[str, str]) -> Page:
    """index.html: headline figures in sentences, an overview chart, links to every page."""
    ds = Datasets()
    figures = cd.headline(con)
    counts = pd.DataFrame(
        [
            {"metric": m.metric, "kind": kind, "n": n}
            for m in figures.metrics
            for kind, n in (
                ("real", m.n_real_jumps),
                ("numerical noise", m.n_jumps - m.n_real_jumps),
            )
        ]
    )
    chart = (
        alt.Chart(ds.add(counts, "jump totals"), name="jump_totals", title="jumps per metric")
        .mark_bar()
        .encode(
            y=alt.Y("metric:N", title=None),
            x=alt.X("sum(n):Q", title="jumps"),
            color=alt.Color(
                "kind:N",
                title="jump",
                scale=alt.Scale(
                    domain=["real", "numerical noise"], range=["steelblue", "lightgray"]
                ),
            ),
            tooltip=[
                alt.Tooltip("metric:N"),
                alt.Tooltip("kind:N", title="jump"),
                alt.Tooltip("sum(n):Q", title="jumps", format=","),
            ],
        )
        .properties(width=SUMMARY_WIDTH, height=alt.Step(22))
    )
    links = [
        f'<li><a href="{path}">{html.escape(title)}</a>: {html.escape(what)}</li>'
        for path, title, what in SUMMARY_PAGES
        if path in pages
    ]
    run_links = [
        f'<a href="{path}">{html.escape(run_id)}</a>' for run_id, path in run_pages.items() if path
    ]
    extra = (
        f"<h2>Pages</h2><ul>{''.join(links)}</ul>"
        f'<h2>Run pages ({len(run_links)})</h2><p class="runs">{" · ".join(run_links)}</p>'
    )
    return Page(
        path="index.html",
        title="layer dynamics",
        intro_html=headline_sentences(figures),
        spec=ds.spec(chart),
        extra_html=extra,
    )


# ---------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------

STATUS_SCRIPT = """
(function () {
  var status = document.getElementById("render-status");
  var errors = [], warnings = [];
  function text(args) {
    return Array.prototype.map.call(args, function (a) {
      return a && a.message ? a.message : String(a);
    }).join(" ");
  }
  function report(state, marks, byName) {
    if (state) { status.dataset.status = state; document.body.dataset.renderStatus = state; }
    if (marks !== undefined) { status.dataset.marks = String(marks); }
    if (byName) { status.dataset.marksByName = JSON.stringify(byName); }
    status.dataset.errors = JSON.stringify(errors);
    status.dataset.warnings = JSON.stringify(warnings);
  }
  window.addEventListener("error", function (e) { errors.push(String(e.message)); report(); });
  window.addEventListener("unhandledrejection", function (e) {
    errors.push(String(e.reason && e.reason.message || e.reason)); report();
  });
  var level = 2;
  var logger = {
    level: function (l) { if (l === undefined) { return level; } level = l; return logger; },
    error: function () { errors.push(text(arguments)); console.error.apply(console, arguments);
                         report(); return logger; },
    warn: function () { warnings.push(text(arguments)); console.warn.apply(console, arguments);
                        report(); return logger; },
    info: function () { return logger; },
    debug: function () { return logger; }
  };
  function countMarks(mark, byName) {
    var n = 0;
    (mark.items || []).forEach(function (item) {
      if (mark.marktype !== "group") { n += 1; }
      (item.items || []).forEach(function (child) { n += countMarks(child, byName); });
    });
    if (mark.marktype !== "group" && mark.name) {
      byName[mark.name] = (byName[mark.name] || 0) + (mark.items || []).length;
    }
    return n;
  }
  var options = __OPTIONS__;
  options.logger = logger;
  vegaEmbed("#vis", __SPEC__, options).then(function (result) {
    window.vegaView = result.view;
    return result.view.runAsync().then(function (view) {
      var byName = {};
      var marks = countMarks(view.scenegraph().root, byName);
      report(errors.length ? "error" : "ok", marks, byName);
    });
  }).catch(function (err) {
    errors.push(String(err && err.message || err));
    report("error", 0);
  });
})();
"""

PAGE_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em 2em; color: #222; max-width: 1100px; }
nav { font-size: 0.9em; margin-bottom: 0.5em; }
h1 { font-size: 1.4em; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.1em; margin-top: 1.5em; }
p, li { line-height: 1.45; }
p.runs { font-size: 0.9em; }
#controls { margin: 0.3em 0 0.6em; }
.vega-bind { display: inline-block; margin: 0.4em 1em 0.4em 0; }
.vega-bind-name { font-weight: 600; }
"""


def script_json(value: Any) -> str:
    """JSON that is safe inside an HTML <script> element."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def render_html(page: Page, bundle: str) -> str:
    """The complete, self-contained HTML of a page."""
    depth = page.path.count("/")
    up = "../" * depth
    nav = "" if page.path == "index.html" else f'<nav><a href="{up}index.html">← index</a></nav>'
    script = STATUS_SCRIPT.replace("__OPTIONS__", script_json(EMBED_OPTIONS)).replace(
        "__SPEC__", script_json(page.spec)
    )
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            f"<title>{html.escape(page.title)}</title>\n<style>{PAGE_STYLE}</style>\n",
            "</head>\n<body>\n",
            nav,
            f"<h1>{html.escape(title_case(page.title))}</h1>\n",
            page.intro_html,
            '\n<div id="controls"></div>\n<div id="vis"></div>\n',
            page.extra_html,
            '\n<div id="render-status" hidden data-status="pending" data-marks="0"'
            ' data-errors="[]" data-warnings="[]"></div>\n',
            "<script>",
            bundle,
            "</script>\n<script>",
            script,
            "</script>\n</body>\n</html>\n",
        ]
    )


def cache_dir() -> Path:
    """Where the JavaScript bundle is cached."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "layer_dynamics"


def vega_bundle() -> str:
    """Vega, Vega-Lite (the version Altair targets) and vega-embed as one script, from
    vl-convert; cached on disk per vl-convert and Vega-Lite version."""
    vl_version = "v" + ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    try:
        version = importlib.metadata.version("vl-convert-python")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    path = cache_dir() / f"vega-bundle-vlc{version}-vl{vl_version}.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = vl_convert.javascript_bundle(vl_version=vl_version)
    if "</script" in bundle.lower():
        raise ValueError("the JavaScript bundle contains </script and cannot be inlined")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(bundle, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass
    return bundle


def write_page(page: Page, out_dir: Path, bundle: str, png: bool, svg: bool) -> Path:
    """Write a page's HTML (and optionally a PNG/SVG of its chart); return the HTML path."""
    target = out_dir / page.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(page, bundle), encoding="utf-8")
    if png:
        target.with_suffix(".png").write_bytes(vl_convert.vegalite_to_png(page.spec, scale=2))
    if svg:
        target.with_suffix(".svg").write_text(vl_convert.vegalite_to_svg(page.spec))
    return target


# ---------------------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------------------


def page_jobs(con: duckdb.DuckDBPyConnection, max_run_pages: int) -> list[PageJob]:
    """Every page to write, in order: index, summary pages, run pages."""
    data = load_run_data(con)
    chosen = set(select_run_pages(data.runs, max_run_pages))
    run_pages = {
        str(run_id): run_page_path(str(run_id)) if run_id in chosen else ""
        for run_id in data.runs["run_id"]
    }
    summary: list[tuple[str, Callable[[], Page]]] = [
        ("runs.html", lambda: runs_overview_page(con, run_pages)),
        ("convergence.html", lambda: convergence_page(con)),
        ("jumps.html", lambda: jumps_page(con)),
        ("jump_types.html", lambda: jump_types_page(con)),
        ("critical_periods.html", lambda: critical_periods_page(con)),
        ("architectures.html", lambda: architectures_page(con)),
    ]
    validity = cd.detector_validity(con)
    if validity is not None and not validity.empty:
        summary.append(("validity.html", lambda: validity_page(validity)))
    else:
        print("no detector_validity mart in this warehouse: skipping validity.html")
    paths = [path for path, _ in summary]
    jobs = [PageJob("index.html", lambda: index_page(con, paths, run_pages))]
    jobs += [PageJob(path, build) for path, build in summary]
    runs_by_id = {str(row["run_id"]): row for _, row in data.runs.iterrows()}
    template = run_page_template(data)
    jobs += [
        PageJob(run_pages[run_id], _run_page_builder(runs_by_id[run_id], data, template))
        for run_id in run_pages
        if run_pages[run_id]
    ]
    return jobs


def _run_page_builder(
    run: pd.Series, data: RunData, template: RunPageTemplate
) -> Callable[[], Page]:
    """A closure building one run's page."""
    return lambda: run_page(run, data, template)


def generate_charts(
    warehouse: Path,
    out_dir: Path,
    *,
    png: bool = False,
    svg: bool = False,
    max_run_pages: int = DEFAULT_MAX_RUN_PAGES,
    progress: Callable[[str], None] = print,
) -> list[Path]:
    """Write every page of a built warehouse into `out_dir`; return the HTML paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    bundle = vega_bundle()
    written: list[Path] = []
    with cd.connect(warehouse) as con:
        missing = cd.missing_marts(con)
        if missing:
            raise MissingMartsError(
                f"{warehouse} lacks the marts {', '.join(missing)}: build it first"
            )
        jobs = page_jobs(con, max_run_pages)
        for k, job in enumerate(jobs, start=1):
            progress(f"page {k} of {len(jobs)}: {job.path}")
            written.append(write_page(job.build(), out_dir, bundle, png, svg))
    return written


def total_size(paths: Iterable[Path]) -> int:
    """Total bytes of some files."""
    return sum(path.stat().st_size for path in paths)


@exit_on_unavailable
def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warehouse", required=True, type=Path, help="built DuckDB file")
    parser.add_argument("--out", required=True, type=Path, help="folder for the pages")
    parser.add_argument("--png", action="store_true", help="also write a PNG of each chart")
    parser.add_argument("--svg", action="store_true", help="also write an SVG of each chart")
    parser.add_argument(
        "--max-run-pages",
        type=int,
        default=DEFAULT_MAX_RUN_PAGES,
        help="write a page for at most this many runs (best Phase 2 candidates first)",
    )
    args = parser.parse_args(argv)
    # Missing, locked, empty, incomplete or with no analysed run: one line, exit 1.
    open_warehouse(args.warehouse, (*REQUIRED_TABLES, *cd.REQUIRED_MARTS)).close()
    started = time.perf_counter()
    try:
        paths = generate_charts(
            args.warehouse,
            args.out,
            png=args.png,
            svg=args.svg,
            max_run_pages=args.max_run_pages,
        )
    except MissingMartsError as error:
        print(error, file=sys.stderr)
        return 1
    print(
        f"wrote {len(paths)} pages ({total_size(paths) / 1e6:.1f} MB) to {args.out} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
