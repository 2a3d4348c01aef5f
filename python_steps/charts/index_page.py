"""index.html: headline figures in sentences, an overview chart, links to every page."""

from __future__ import annotations

import html

import altair as alt
import duckdb
import pandas as pd

from python_steps.charts import data as cd
from python_steps.charts.datasets import Datasets
from python_steps.charts.render import (
    JUMP_KIND_COLOR,
    METRIC_LABELS,
    PAGE_WIDTH,
    Page,
    label_expr,
    metric_label,
)

SUMMARY_PAGES = [
    ("runs.html", "runs", "every run with its figures; links to the run pages"),
    ("compare.html", "compare runs", "pick two to four runs: metrics and coordination overlaid"),
    (
        "convergence.html",
        "convergence order",
        "pattern counts, distribution of rho, stabilization by depth",
    ),
    (
        "jumps.html",
        "jumps",
        "phase histogram, size vs phase by jump type, jumps per architecture, size by phase",
    ),
    ("jump_types.html", "jump types", "the named types, their profiles, their jumps"),
    (
        "critical_periods.html",
        "critical periods",
        "critical counts, coordination and loss coupling beside chance levels",
    ),
    (
        "architectures.html",
        "architecture comparison",
        "every measure per family with its run range and chance level",
    ),
    ("validity.html", "detector validity", "recall and false positives on planted fixtures"),
]


def _count(n: int, noun: str) -> str:
    """'no runs', '1 run', '2,345 runs'."""
    if n == 0:
        return f"no {noun}s"
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def metric_sentence(m: pd.Series, n_runs: int, significance: str) -> str:
    """One metric's headline figures as an HTML list item."""
    n_jumps, n_real = int(m["n_jumps"]), int(m["n_real_jumps"])
    if n_jumps and not n_real:
        jumps = f"all {n_jumps:,} of its jumps are flagged as numerical noise"
    else:
        jumps = (
            f"{_count(n_real, 'real jump')} in {_count(int(m['n_runs_with_real_jumps']), 'run')}"
        )
        if n_jumps > n_real:
            jumps += f" (plus {n_jumps - n_real:,} flagged as noise)"
    coordination = (
        f"mean peak coordination {m['mean_max_coordination']:.3f}, "
        f"{m['mean_max_coordination_timing_excess']:+.3f} above its timing-preserving chance "
        f"level ({m['mean_max_coordination_null']:.3f} under the circular null; "
        f"{int(m['n_coordination_beyond_chance'])} of {n_runs} runs beyond chance, "
        f"q &lt; {significance})"
    )
    coupling = (
        f"the loss falls at {m['mean_loss_coupled_share']:.3f} of critical steps against "
        f"{m['mean_loss_coupling_local_chance']:.3f} by local chance "
        f"({int(m['n_coupling_beyond_chance'])} of {n_runs} runs beyond chance, "
        f"q &lt; {significance})"
    )
    return (
        f"<li><b>{html.escape(metric_label(str(m['metric'])))}</b>: {jumps}; {coordination}; "
        f"{coupling}; {int(m['n_strong_runs'])} of {n_runs} runs strong"
    )


def headline_sentences(figures: cd.Headline) -> str:
    """The headline figures as a few HTML sentences."""
    families = ", ".join(f"{n} {html.escape(f)}" for f, n in figures.families.items())
    parts = [
        f"<p>This build holds <b>{figures.n_runs}</b> analysed training runs ({families}) on "
        f"{figures.n_datasets} datasets, each measured with {len(figures.metrics)} metrics "
        f"per layer; {_count(figures.n_load_issues, 'load issue')} recorded.</p><ul>"
    ]
    for _, m in figures.metrics.iterrows():
        patterns = ", ".join(
            f"{n} {html.escape(p)}" for p, n in figures.patterns.get(str(m["metric"]), {}).items()
        )
        parts.append(
            metric_sentence(m, figures.n_runs, f"{float(m['significance']):g}")
            + f"; convergence: {patterns}.</li>"
        )
    parts.append("</ul>")
    return "".join(parts)


def index_page(con: duckdb.DuckDBPyConnection, pages: list[str], run_pages: dict[str, str]) -> Page:
    """index.html: headline figures in sentences, an overview chart, links to every page."""
    ds = Datasets()
    figures = cd.headline(con)
    counts = cd.read(con, "chart_jump_counts")
    chart = (
        alt.Chart(ds.add(counts, "jump totals"), name="jump_totals", title="jumps per metric")
        .transform_calculate(metric_name=label_expr("metric", METRIC_LABELS))
        .mark_bar()
        .encode(
            y=alt.Y("metric_name:N", title=None),
            x=alt.X("sum(n_jumps):Q", title="jumps (all runs)"),
            color=alt.Color("jump_kind:N", title="jump", scale=JUMP_KIND_COLOR),
            tooltip=[
                alt.Tooltip("metric_name:N", title="metric"),
                alt.Tooltip("jump_kind:N", title="jump"),
                alt.Tooltip("sum(n_jumps):Q", title="jumps", format=","),
            ],
        )
        .properties(width=PAGE_WIDTH - 300, height=alt.Step(30))
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
