"""The validity page's curves: recall against effect size and each detector's ROC.

`detector_curves_chart(frame)` draws the rows of the `rpt_detector_curves` model (a pure
function: no database, no files). Three panels side by side:

- chance-corrected recall against planted effect size (velocity SDs), one line per detector,
  one panel per event kind (steps, bursts, coordinated steps);
- the ROC on 5-SD steps: recall against false positives per 1,000 on the holdout realistic
  null, one point per threshold, one line per detector;

with the verdict thresholds drawn: the minimum recall as a horizontal rule and the
false-positive budget as a vertical rule on the ROC.
"""

import html

import altair as alt
import pandas as pd

DETECTOR_LABELS = {
    "jump_z_score": "z > 2 jumps (report)",
    "robust_jump_z": "robust z > 5 jumps",
    "critical_p90": "P90 critical steps (report)",
    "transition_p90": "P90 transitions (report)",
    "coordination": "coordinated periods (report)",
    "change_point": "change points (PELT)",
}
EVENT_LABELS = {"step": "steps", "burst": "bursts", "coordinated": "coordinated steps"}
ROC_EFFECT_SIZE = 5
REQUIRED_COLUMNS = (
    "curve",
    "detector",
    "event_kind",
    "effect_size",
    "threshold",
    "x",
    "y",
    "min_recall",
    "max_false_positives_per_1000",
)


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with human labels for detectors and event kinds."""
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"rpt_detector_curves frame lacks columns: {', '.join(missing)}")
    out = frame.copy()
    out["detector_label"] = out["detector"].map(DETECTOR_LABELS).fillna(out["detector"])
    out["event_label"] = out["event_kind"].map(EVENT_LABELS).fillna(out["event_kind"])
    return out


def detector_curves_chart(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """Recall-vs-effect-size panels and the 5-SD ROC, from rpt_detector_curves rows."""
    data = labelled(frame)
    detectors = [d for d in DETECTOR_LABELS.values() if d in set(data["detector_label"])]
    color = alt.Color("detector_label:N", title="detector", scale=alt.Scale(domain=detectors))
    min_recall = float(data["min_recall"].iloc[0]) if len(data) else 0.9
    budget = float(data["max_false_positives_per_1000"].iloc[0]) if len(data) else 5.0

    recall_rule = (
        alt.Chart(pd.DataFrame({"y": [min_recall], "rule": [f"minimum recall {min_recall:g}"]}))
        .mark_rule(strokeDash=[4, 4], color="gray")
        .encode(y="y:Q", tooltip=alt.Tooltip("rule:N", title="threshold"))
    )
    panels = []
    recall = data[data["curve"] == "recall_by_effect_size"]
    for kind, label in EVENT_LABELS.items():
        rows = recall[recall["event_kind"] == kind]
        if rows.empty:
            continue
        lines = (
            alt.Chart(rows)
            .mark_line(point=True)
            .encode(
                x=alt.X("x:Q", title="effect size (velocity SDs)"),
                y=alt.Y("y:Q", title="chance-corrected recall", scale=alt.Scale(domain=[-0.5, 1])),
                color=color,
                tooltip=[
                    alt.Tooltip("detector_label:N", title="detector"),
                    alt.Tooltip("effect_size:Q", title="effect size (SDs)"),
                    alt.Tooltip("y:Q", title="chance-corrected recall", format=".2f"),
                ],
            )
        )
        panels.append(
            alt.layer(lines, recall_rule).properties(
                title=f"Recall of {label} by size", width=160, height=180, name=f"recall_{kind}"
            )
        )

    roc = data[(data["curve"] == "roc") & (data["effect_size"] == ROC_EFFECT_SIZE)]
    if not roc.empty:
        roc_lines = (
            alt.Chart(roc)
            .mark_line(point=True)
            .encode(
                x=alt.X(
                    "x:Q",
                    title="false positives per 1,000",
                    scale=alt.Scale(type="symlog"),
                ),
                y=alt.Y("y:Q", title=f"recall of {ROC_EFFECT_SIZE}-SD steps"),
                color=color,
                order=alt.Order("x:Q"),
                tooltip=[
                    alt.Tooltip("detector_label:N", title="detector"),
                    alt.Tooltip("threshold:Q", title="threshold", format=".3g"),
                    alt.Tooltip("x:Q", title="false positives per 1,000", format=".1f"),
                    alt.Tooltip("y:Q", title="recall", format=".2f"),
                ],
            )
        )
        budget_rule = (
            alt.Chart(pd.DataFrame({"x": [budget], "rule": [f"budget {budget:g} per 1,000"]}))
            .mark_rule(strokeDash=[4, 4], color="gray")
            .encode(x="x:Q", tooltip=alt.Tooltip("rule:N", title="threshold"))
        )
        roc_panel = alt.layer(roc_lines, budget_rule, recall_rule).properties(
            title=f"ROC over each detector's threshold ({ROC_EFFECT_SIZE}-SD steps)",
            name="roc",
            width=260,
            height=200,
        )
    else:
        roc_panel = None
    if not panels and roc_panel is None:
        raise ValueError("rpt_detector_curves frame has no curve to draw")
    # The recall panels side by side, the ROC below them: the page fits a laptop's width.
    rows = [alt.hconcat(*panels)] if panels else []
    rows += [roc_panel] if roc_panel is not None else []
    return alt.vconcat(*rows).resolve_scale(color="shared")


def verdicts_html(verdicts: pd.DataFrame) -> str:
    """The validity page's headline: per detector, the smallest step size it finds.

    `verdicts` holds detector_verdicts rows (detector, event_kind, effect_size, verdict,
    holdout_false_positives_per_1000). Returns an HTML list, one item per detector.
    """
    steps = verdicts[verdicts["event_kind"] == "step"]
    items = []
    for detector, label in DETECTOR_LABELS.items():
        rows = steps[steps["detector"] == detector].sort_values("effect_size")
        if rows.empty:
            continue
        found = rows[rows["verdict"] != "misses"]
        rate = float(rows["holdout_false_positives_per_1000"].iloc[0])
        if found.empty:
            finding = "finds no planted step up to {:g} SD".format(rows["effect_size"].max())
        else:
            finding = "finds steps from {:g} SD".format(found["effect_size"].min())
        items.append(
            f"<li>{html.escape(label)}: {finding}, at {rate:.1f} false positives per 1,000"
            " on realistic noise</li>"
        )
    return "<ul>" + "".join(items) + "</ul>"
