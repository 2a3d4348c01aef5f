"""The validity page's curves chart, from rpt_detector_curves rows."""

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from python_steps.detector_curves_chart import DETECTOR_LABELS, detector_curves_chart


def synthetic_frame() -> pd.DataFrame:
    rows = []
    for detector in ("jump_z_score", "change_point"):
        for kind in ("step", "burst"):
            for size in (2, 5, 10):
                rows.append(("recall_by_effect_size", detector, kind, size, None, size, size / 10))
        for threshold, x, y in ((1.0, 50.0, 1.0), (3.0, 4.0, 0.8), (9.0, 0.0, 0.1)):
            rows.append(("roc", detector, "step", 5, threshold, x, y))
    frame = pd.DataFrame(
        rows, columns=["curve", "detector", "event_kind", "effect_size", "threshold", "x", "y"]
    )
    return frame.assign(min_recall=0.9, max_false_positives_per_1000=5.0)


def panels_of(spec: dict) -> list[dict]:
    """The chart's panels: the recall row's panels, then the ROC below it."""
    recall_row, roc = spec["vconcat"]
    return [*recall_row["hconcat"], roc]


def layers_of(spec: dict) -> list[dict]:
    found = []
    for panel in panels_of(spec):
        found += panel.get("layer", [panel])
    return found


def test_chart_draws_every_detector_and_both_thresholds() -> None:
    spec = detector_curves_chart(synthetic_frame()).to_dict()
    assert len(panels_of(spec)) == 2 + 1  # steps, bursts, ROC
    layers = layers_of(spec)
    lines = [layer for layer in layers if layer["mark"]["type"] == "line"]
    assert len(lines) == 3
    domains = {tuple(layer["encoding"]["color"]["scale"]["domain"]) for layer in lines}
    assert domains == {(DETECTOR_LABELS["jump_z_score"], DETECTOR_LABELS["change_point"])}
    rules = [layer for layer in layers if layer["mark"]["type"] == "rule"]
    datasets = spec["datasets"]
    rule_values = sorted(
        next(iter(row.values()))
        for rule in rules
        for row in datasets[rule["data"]["name"]]
        if isinstance(next(iter(row.values())), float)
    )
    assert 0.9 in rule_values and 5.0 in rule_values
    titles = json.dumps(spec)
    assert "velocity SDs" in titles and "false positives per 1,000" in titles


def test_chart_rejects_a_frame_without_its_columns() -> None:
    with pytest.raises(ValueError, match="lacks columns"):
        detector_curves_chart(pd.DataFrame({"curve": ["roc"]}))
    empty = synthetic_frame().iloc[0:0]
    with pytest.raises(ValueError, match="no curve"):
        detector_curves_chart(empty)


def test_chart_from_a_real_build(demo_warehouse: Path) -> None:
    with duckdb.connect(str(demo_warehouse), read_only=True) as con:
        frame = con.execute("select * from rpt_detector_curves").df()
    assert set(frame["curve"]) == {"recall_by_effect_size", "roc"}
    spec = detector_curves_chart(frame).to_dict()
    lines = [layer for layer in layers_of(spec) if layer["mark"]["type"] == "line"]
    assert len(lines) == 4  # steps, bursts, coordinated steps, ROC
    legend = set(lines[0]["encoding"]["color"]["scale"]["domain"])
    assert legend == {DETECTOR_LABELS[d] for d in frame["detector"].unique()}


def test_verdicts_html_names_the_smallest_step_found() -> None:
    from python_steps.detector_curves_chart import verdicts_html

    verdicts = pd.DataFrame(
        {
            "detector": ["jump_z_score"] * 3 + ["change_point"] * 3,
            "event_kind": ["step"] * 6,
            "effect_size": [1, 5, 10] * 2,
            "verdict": ["misses", "finds, but noisy", "finds", "misses", "misses", "misses"],
            "holdout_false_positives_per_1000": [14.8] * 3 + [0.0] * 3,
        }
    )
    html = verdicts_html(verdicts)
    assert "z &gt; 2 jumps (report): finds steps from 5 SD, at 14.8 false positives" in html
    assert "change points (PELT): finds no planted step up to 10 SD, at 0.0" in html
    assert html.count("<li>") == 2
