"""validity.html: how well each detector recovers planted events, against the thresholds
a valid detector must meet (valid in green, not valid in red).

The issue-12 detector curves (python_steps.detector_curves_chart) are wired in at merge."""

from __future__ import annotations

import altair as alt
import pandas as pd

from python_steps.charts.datasets import Datasets
from python_steps.charts.render import Page, legend_entry

VERDICT_COLOR = alt.Scale(domain=["valid", "not valid"], range=["#2ca02c", "#d62728"])
PANELS = (
    (
        "recall",
        "min_recall",
        "recall (share of planted events found)",
        "recall",
        "needs at least (min recall)",
    ),
    (
        "false_positives_per_1000",
        "max_false_positives_per_1000",
        "false positives per 1,000 layer-measurements",
        "false_positives",
        "allows at most (max false positives)",
    ),
)


def validity_page(data: pd.DataFrame) -> Page:
    """chart_detector_validity: per detector and fixture, recall and false positives."""
    ds = Datasets()
    tooltip = [
        alt.Tooltip("detector:N", title="detector"),
        alt.Tooltip("fixture:N", title="fixture"),
        alt.Tooltip("fixture_kind:N", title="fixture kind"),
        alt.Tooltip("n_planted:Q", title="events planted"),
        alt.Tooltip("n_detected:Q", title="planted events found"),
        alt.Tooltip("recall:Q", title="recall", format=".3f"),
        alt.Tooltip("false_positives:Q", title="false positives"),
        alt.Tooltip("false_positives_per_1000:Q", title="false positives per 1,000", format=".2f"),
        alt.Tooltip("is_passed:N", title="passes this fixture"),
        alt.Tooltip("verdict:N", title="detector verdict"),
    ]
    named = ds.add(data, "detector validity")
    dash_domain = [panel[4] for panel in PANELS]
    panels = []
    for field, threshold, title, name, line in PANELS:
        base = alt.Chart(named).transform_filter(f"isValid(datum.{field})")
        bars = base.mark_bar().encode(
            x=alt.X(f"{field}:Q", title=title),
            y=alt.Y("fixture:N", title=None),
            color=alt.Color("verdict:N", title="detector verdict", scale=VERDICT_COLOR),
            tooltip=tooltip,
        )
        rule = legend_entry(
            base.mark_rule(color="#222", strokeWidth=1.5).encode(
                x=alt.X(f"mean({threshold}):Q", title=title),
                tooltip=[alt.Tooltip(f"mean({threshold}):Q", title=line)],
            ),
            alt.StrokeDash,
            line,
            dash_domain,
            "thresholds",
            [[6, 3], [2, 2]],
        )
        panels.append(
            alt.layer(bars, rule)
            .properties(width=300, height=alt.Step(20), name=name)
            .facet(
                row=alt.Row(
                    "detector:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")
                )
            )
            .resolve_scale(y="independent")
        )
    chart = alt.hconcat(*panels)
    return Page(
        path="validity.html",
        title="detector validity",
        intro_html=(
            "<p>Each detector run on fixtures with planted events (and on null fixtures "
            "with none): the share of planted events it finds and how many it reports that "
            "were not planted. A detector is <b>valid</b> (green) only when it meets both "
            "thresholds (the dashed lines) on every fixture.</p>"
        ),
        spec=ds.spec(chart),
    )
