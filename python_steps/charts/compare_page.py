"""compare.html: two to four runs picked by the reader, their metrics (mean over layers)
and coordination overlaid on one step axis."""

from __future__ import annotations

import html

import altair as alt
import duckdb
import pandas as pd

from python_steps.charts import data as cd
from python_steps.charts.datasets import Datasets
from python_steps.charts.render import (
    STEP_AXIS,
    Page,
    metric_label,
)

N_PICKS = 4
NONE = ""
RUN_SCHEME = "set1"
COMPARE_WIDTH = 470


def default_runs(runs: pd.DataFrame, n: int = 2) -> list[str]:
    """The runs shown first: the best Phase 2 candidate of each family, up to `n`, then
    any others; run ids in the models' order."""
    ordered = runs.sort_values(["best_candidate_rank", "arch_family", "run_id"], na_position="last")
    firsts = ordered.drop_duplicates("arch_family")["run_id"].tolist()
    rest = [r for r in ordered["run_id"] if r not in firsts]
    return [str(r) for r in (firsts + rest)[:n]]


def run_params(run_ids: list[str], chosen: list[str]) -> list[alt.Parameter]:
    """Four run pickers: the first two always pick a run, the others may pick none."""
    params = []
    for k in range(N_PICKS):
        optional = k >= 2
        options = ([NONE] if optional else []) + run_ids
        labels = (["(none)"] if optional else []) + run_ids
        value = chosen[k] if k < len(chosen) else (NONE if optional else run_ids[0])
        params.append(
            alt.param(
                name=f"run{k + 1}",
                value=value,
                bind=alt.binding_select(options=options, labels=labels, name=f"run {k + 1} "),
            )
        )
    return params


def picked(params: list[alt.Parameter]) -> str:
    """Filter expression: the row's run is one of the picked runs."""
    return " || ".join(f"datum.run_id === {p.name}" for p in params)


def compare_charts(
    ds: Datasets, frame: pd.DataFrame, metric: str, params: list[alt.Parameter]
) -> alt.HConcatChart:
    """One metric: its mean over layers and the coordination of the picked runs."""
    name = metric_label(metric)
    base = alt.Chart(ds.add(frame, f"comparison {metric}")).transform_filter(picked(params))
    run_color = alt.Color("run_id:N", title="run", scale=alt.Scale(scheme=RUN_SCHEME))
    tooltip = [
        alt.Tooltip("run_id:N", title="run"),
        alt.Tooltip("arch_family:N", title="architecture"),
        alt.Tooltip("step:Q", title="step"),
        alt.Tooltip("layer_mean_value:Q", title=f"{name} (mean over layers)", format=".4g"),
        alt.Tooltip("mean_coordination:Q", title="coordination", format=".3f"),
        alt.Tooltip("n_measurements:Q", title="measurements in bin"),
    ]
    x = alt.X("step:Q", title="training step", axis=STEP_AXIS)
    values = (
        base.mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("layer_mean_value:Q", title=f"{name}", scale=alt.Scale(zero=False)),
            color=run_color,
            tooltip=tooltip,
        )
        .properties(
            width=COMPARE_WIDTH,
            height=200,
            title=f"{name}: mean over layers",
            name=f"compare_values_{metric}",
        )
    )
    coordination = (
        base.mark_line(strokeWidth=1.5, interpolate="step-after")
        .encode(
            x=x,
            y=alt.Y("mean_coordination:Q", title="coordination", scale=alt.Scale(domain=[0, 1])),
            color=run_color,
            tooltip=tooltip,
        )
        .properties(
            width=COMPARE_WIDTH,
            height=200,
            title=f"coordination ({name})",
            name=f"compare_coordination_{metric}",
        )
    )
    return alt.hconcat(values, coordination)


def compare_page(con: duckdb.DuckDBPyConnection, run_pages: dict[str, str]) -> Page:
    """Pick 2-4 runs; each metric's layer mean and coordination, overlaid per run."""
    ds = Datasets()
    data = cd.read(con, "chart_run_comparison")
    runs = cd.read(con, "chart_runs")
    run_ids = [str(r) for r in runs["run_id"]]
    params = run_params(run_ids, default_runs(runs))
    metrics = [m for m in cd.METRIC_PREFERENCE if m in set(data["metric"])]
    metrics += sorted(set(data["metric"]) - set(metrics))
    rows = [
        compare_charts(ds, data[data["metric"] == m].drop(columns="metric"), m, params)
        for m in metrics
    ]
    chart = alt.vconcat(*rows).resolve_scale(x="shared", color="shared").add_params(*params)
    links = " · ".join(
        f'<a href="{path}">{html.escape(run_id)}</a>' for run_id, path in run_pages.items() if path
    )
    return Page(
        path="compare.html",
        title="compare runs",
        intro_html=(
            "<p>Pick two to four runs above the charts: for each metric, its mean over the "
            "run's layers and the run's coordination (share of layers critical at a step), "
            "one line per run on one step axis. Long runs are averaged over bins of "
            "consecutive measurements so that every run fits (the tooltip says how many).</p>"
        ),
        spec=ds.spec(chart),
        extra_html=f'<h2>Run pages</h2><p class="runs">{links}</p>' if links else "",
    )
