"""validity.html: how well each detector recovers planted events of each effect size, how
often it fires on realistic noise, and its ROC (python_steps.detector_curves_chart), above
the per-fixture results against the thresholds (passing in green, failing in red)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from python_steps.charts.datasets import Datasets
from python_steps.charts.render import Page, legend_entry
from python_steps.detector_curves_chart import detector_curves_chart, verdicts_html

# detector_validity's verdicts: on a fixture with planted events a detector `finds` or
# `misses` them; on a null fixture it stays `quiet` or is `noisy`.
VERDICT_COLOR = alt.Scale(
    domain=["finds", "quiet", "misses", "noisy"],
    range=["#2ca02c", "#98df8a", "#d62728", "#ff9896"],
)
PANELS = (
    (
        "chance_corrected_recall",
        "min_recall",
        "recall above chance",
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


def validity_page(
    data: pd.DataFrame,
    curves: pd.DataFrame | None = None,
    verdicts: pd.DataFrame | None = None,
) -> Page:
    """chart_detector_validity: per detector and fixture, recall and false positives;
    rpt_detector_curves and detector_verdicts (when given): the curves and the headline."""
    ds = Datasets()
    tooltip = [
        alt.Tooltip("detector:N", title="detector"),
        alt.Tooltip("fixture:N", title="fixture"),
        alt.Tooltip("fixture_kind:N", title="fixture kind"),
        alt.Tooltip("n_planted:Q", title="events planted"),
        alt.Tooltip("n_detected:Q", title="planted events found"),
        alt.Tooltip("recall:Q", title="recall", format=".3f"),
        alt.Tooltip("chance_corrected_recall:Q", title="recall above chance", format=".3f"),
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
    chart: alt.TopLevelMixin = alt.hconcat(*panels)
    if curves is not None and not curves.empty:
        # The curves (recall by effect size, ROC) say what the per-fixture bars say, per
        # event size and chance-corrected: with them the page draws the curves alone (the
        # bars' rows stay in chart_detector_validity), which keeps it within the window.
        chart = detector_curves_chart(curves)
    headline = (
        "<p>What each detector finds (planted steps), at its false-positive rate on a "
        "realistic null fixture not used for calibration:</p>" + verdicts_html(verdicts)
        if verdicts is not None and not verdicts.empty
        else ""
    )
    return Page(
        path="validity.html",
        title="detector validity",
        intro_html=headline
        + (
            "<p>Each detector run on fixtures with the real runs' noise and planted events "
            "of several sizes (in velocity standard deviations), and on null fixtures with "
            "none: recall above what chance gives against the event size, and the ROC over "
            "each detector's threshold, with the thresholds a detector must meet (dashed "
            "lines). Without the curves (an older build), per fixture: the share of planted "
            "events found and the false positives; green bars pass.</p>"
        ),
        spec=ds.spec(chart),
    )
