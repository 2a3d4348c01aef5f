"""validity.html: how well each detector recovers planted events."""

from __future__ import annotations

import altair as alt
import pandas as pd

from python_steps.charts.datasets import (
    Datasets,
)
from python_steps.charts.render import (
    Page,
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
