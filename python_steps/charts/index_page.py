"""index.html: headline figures in sentences, an overview chart, links."""

from __future__ import annotations

import html

import altair as alt
import duckdb
import pandas as pd

from python_steps import chart_data as cd
from python_steps.charts.datasets import (
    Datasets,
)
from python_steps.charts.render import (
    SUMMARY_WIDTH,
    Page,
)

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
