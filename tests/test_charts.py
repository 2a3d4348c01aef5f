"""Tests of the chart pages (python_steps.charts) written from a real built warehouse.

The pages are generated once per module and checked statically: self-contained, valid
Vega-Lite, small datasets, a metric selector, tooltips, links, human labels everywhere,
the build they show, chance levels and thresholds drawn with a legend entry.
`tests/test_reporting_models.py` checks the data (the chart_* dbt models) against the marts;
`tests/test_charts_browser.py` opens the pages in headless Chromium.

The warehouse is the demo build (`demo_warehouse`); set CHARTS_TEST_WAREHOUSE to an
already built warehouse file to iterate faster.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import numpy as np
import pandas as pd
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema

from python_steps import charts
from python_steps.charts import data as cd
from python_steps.warehouse import read_build_info

SUMMARY_PAGES = {
    "index.html",
    "runs.html",
    "compare.html",
    "convergence.html",
    "jumps.html",
    "jump_types.html",
    "critical_periods.html",
    "architectures.html",
    "validity.html",
}
ARCH_PAGES = SUMMARY_PAGES - {"index.html", "compare.html", "validity.html"}
SPEC_PATTERN = re.compile(r"var spec = (.*);\n  // vega-embed keeps", re.S)
# Channels whose title a reader sees (axes, legends, headers).
TITLED_CHANNELS = ("x", "y", "color", "shape", "strokeDash", "size", "opacity", "row", "column")


# ---------------------------------------------------------------------------------------
# fixtures and helpers
# ---------------------------------------------------------------------------------------


def chart_test_warehouse(request: pytest.FixtureRequest) -> Path:
    """The warehouse chart tests run against: CHARTS_TEST_WAREHOUSE if set, else the demo
    build (or the shared runs' build if the demo generator is absent)."""
    override = os.environ.get("CHARTS_TEST_WAREHOUSE")
    if override:
        return Path(override)
    if (Path(__file__).resolve().parents[1] / "python_steps" / "demo_runs.py").is_file():
        return request.getfixturevalue("demo_warehouse")
    return request.getfixturevalue("shared_corrected_warehouse")


@pytest.fixture(scope="module")
def warehouse(request: pytest.FixtureRequest) -> Path:
    return chart_test_warehouse(request)


@pytest.fixture()
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def generated(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """All pages of the warehouse, written once, with the progress lines printed."""
    out = tmp_path_factory.mktemp("charts")
    lines: list[str] = []
    paths = charts.generate_charts(warehouse, out, progress=lines.append)
    return {"out": out, "paths": paths, "progress": lines}


def page_spec(path: Path) -> dict[str, Any]:
    """The Vega-Lite spec a page embeds."""
    match = SPEC_PATTERN.search(path.read_text(encoding="utf-8"))
    assert match, f"{path} embeds no spec"
    return json.loads(match.group(1))


def dataset_frame(spec: dict[str, Any], name: str) -> pd.DataFrame:
    """One of a spec's CSV datasets as a DataFrame."""
    return pd.read_csv(io.StringIO(spec["datasets"][name]))


def unit_specs(spec: Any) -> Iterator[dict[str, Any]]:
    """Every single-view spec (one with a mark) inside a spec."""
    if isinstance(spec, dict):
        if "mark" in spec:
            yield spec
        for key, value in spec.items():
            if key != "datasets":
                yield from unit_specs(value)
    elif isinstance(spec, list):
        for item in spec:
            yield from unit_specs(item)


def data_names(spec: Any) -> set[str]:
    """The datasets the views of a spec (units, layers, facets) reference by name."""
    names: set[str] = set()
    if isinstance(spec, dict):
        data = spec.get("data")
        if isinstance(data, dict) and "name" in data:
            names.add(data["name"])
        for key, value in spec.items():
            if key != "datasets":
                names |= data_names(value)
    elif isinstance(spec, list):
        for item in spec:
            names |= data_names(item)
    return names


def test_every_page_written_with_progress(generated: dict[str, Any], warehouse: Path) -> None:
    out: Path = generated["out"]
    names = {str(path.relative_to(out)) for path in generated["paths"]}
    assert names >= SUMMARY_PAGES
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        runs = cd.read(connection, "chart_runs")
    assert {charts.run_page_path(r) for r in runs["run_id"]} <= names
    n = len(generated["paths"])
    assert generated["progress"] == [
        f"page {k} of {n}: {path.relative_to(out)}"
        for k, path in enumerate(generated["paths"], start=1)
    ]


def test_index_links_to_every_page(generated: dict[str, Any]) -> None:
    out: Path = generated["out"]
    index = (out / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'<a href="([^"]+)"', index))
    pages = {str(p.relative_to(out)) for p in generated["paths"]} - {"index.html"}
    assert links == pages
    assert all((out / link).is_file() for link in links)


def test_pages_are_self_contained(generated: dict[str, Any]) -> None:
    for path in generated["paths"]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]*\bsrc\s*=", text, re.I), path
        assert not re.search(r"<link\b", text, re.I), path
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.I), path
        assert not re.search(r"@import|url\(\s*['\"]?https?:", text, re.I), path
        assert "window.vegaEmbed=" in text and "window.vegaLite=" in text, path
        spec = page_spec(path)
        for name in data_names(spec):
            assert isinstance(spec["datasets"].get(name), str), f"{path}: {name} not inline"
        assert not any("url" in (unit.get("data") or {}) for unit in unit_specs(spec)), path


def test_specs_are_valid_vega_lite(generated: dict[str, Any]) -> None:
    schema = load_schema()
    for path in generated["paths"]:
        validate_jsonschema(page_spec(path), schema)


def test_datasets_stay_under_the_row_limit(generated: dict[str, Any]) -> None:
    for path in generated["paths"]:
        spec = page_spec(path)
        for name in data_names(spec):
            rows = len(dataset_frame(spec, name))
            assert rows <= cd.MAX_ROWS, f"{path}: dataset {name} has {rows} rows"
        assert path.stat().st_size < 3_000_000, f"{path} is not small"


def test_metric_selector_wherever_a_chart_has_a_metric(
    generated: dict[str, Any], warehouse: Path
) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        metric_names = sorted(cd.read(connection, "chart_headline")["metric"])
    for path in generated["paths"]:
        spec = page_spec(path)
        has_metric = any("metric" in dataset_frame(spec, name).columns for name in data_names(spec))
        params = {p["name"]: p for p in spec.get("params", [])}
        if path.name == "index.html":
            continue
        assert has_metric == ("metric" in params), path
        if has_metric:
            bind = params["metric"]["bind"]
            assert bind["input"] == "select"
            assert sorted(bind["options"]) == metric_names
            assert params["metric"]["value"] in metric_names


def test_architecture_click_filters_linked_views(generated: dict[str, Any]) -> None:
    out: Path = generated["out"]
    for name in ARCH_PAGES:
        spec = page_spec(out / name)
        params = {p["name"]: p for p in spec.get("params", [])}
        assert "arch" in params, name
        assert params["arch"]["select"]["fields"] == ["arch_family"]
        uses = json.dumps(spec).count('{"param": "arch"')
        # a faceted page repeats its one view per panel: a click highlights every panel
        assert uses >= (1 if "facet" in spec else 2), f"{name}: arch drives no other view"


def test_every_view_has_a_tooltip(generated: dict[str, Any]) -> None:
    for path in generated["paths"]:
        for unit in unit_specs(page_spec(path)):
            assert "tooltip" in unit.get("encoding", {}), f"{path}: {unit.get('name')}"


def test_run_page_carries_its_own_data(generated: dict[str, Any], warehouse: Path) -> None:
    out: Path = generated["out"]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        cells = cd.read(connection, "chart_run_heatmap")
        loss = cd.read(connection, "chart_run_loss")
    for run_id in cells["run_id"].unique()[:3]:
        spec = page_spec(out / charts.run_page_path(run_id))
        heatmap = dataset_frame(spec, "heatmap")
        expected = cells[cells["run_id"] == run_id].reset_index(drop=True)
        assert len(heatmap) == len(expected)
        np.testing.assert_array_equal(heatmap["mean_value"], expected["mean_value"])
        assert heatmap["layer"].tolist() == expected["layer"].tolist()
        run_loss = loss[loss["run_id"] == run_id]
        np.testing.assert_array_equal(dataset_frame(spec, "loss")["loss"], run_loss["loss"])


def test_check_rows_refuses_too_many_rows() -> None:
    frame = pd.DataFrame({"x": range(cd.MAX_ROWS + 1)})
    with pytest.raises(charts.TooManyRowsError):
        charts.check_rows(frame, "test")
    assert charts.check_rows(frame.head(cd.MAX_ROWS), "test") is not None
    with pytest.raises(charts.TooManyRowsError):
        charts.Datasets().add(frame, "test")


def test_csv_round_trips_every_kind_of_value() -> None:
    frame = pd.DataFrame(
        {
            "run_id": ["a", "a", "b"],
            "text": ["with, comma", 'with "quote"', None],
            "number": [1e-14, np.nan, 0.30000000000000004],
            "count": pd.array([1, None, 3], dtype="Int64"),
            "flag": [True, False, True],
        }
    )
    parse = charts.csv_parse(frame)
    assert parse == {"number": "number", "count": "number", "flag": "boolean"}
    text = charts.to_csv(frame, parse)
    back = pd.read_csv(io.StringIO(text), keep_default_na=True)
    assert back["text"].tolist()[:2] == ["with, comma", 'with "quote"']
    assert back["number"].tolist()[0] == 1e-14 and back["number"].tolist()[2] == 0.30000000000000004
    assert text.splitlines()[1].endswith(",true") and text.splitlines()[2].endswith(",false")
    by_run = charts.to_csv_by(frame, parse, "run_id")
    assert set(by_run) == {"a", "b"}
    assert by_run["a"].count("\n") == 3 and "run_id" not in by_run["a"]


def test_select_run_pages_prefers_best_candidates() -> None:
    runs = pd.DataFrame({"run_id": ["a", "b", "c", "d"], "best_candidate_rank": [None, 2, 1, None]})
    assert charts.select_run_pages(runs, 10) == ["a", "b", "c", "d"]
    assert charts.select_run_pages(runs, 2) == ["b", "c"]
    assert charts.select_run_pages(runs, 3) == ["a", "b", "c"]


def test_svg_and_png_export(warehouse: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        page = charts.convergence_page(connection)
    html_path = charts.write_page(page, tmp_path, "", png=True, svg=True)
    assert html_path.with_suffix(".svg").read_text().lstrip().startswith("<svg")
    assert html_path.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_says_in_one_line_why_it_cannot_read_the_warehouse(
    tmp_path: Path, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    missing = tmp_path / "none.duckdb"
    older = tmp_path / "older.duckdb"
    with duckdb.connect(str(older)) as connection:
        connection.execute(f"attach '{warehouse}' as built (read_only)")
        connection.execute("copy from database built to older")
        connection.execute("drop table chart_run_heatmap")
    cases = {
        empty: "is empty",
        missing: "No warehouse at",
        older: "lacks the chart models chart_run_heatmap",
    }
    for path, reason in cases.items():
        out = tmp_path / f"out_{path.stem}"
        assert charts.main(["--warehouse", str(path), "--out", str(out)]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and reason in err and "Traceback" not in err, err
        assert not (out / "index.html").exists()


def test_cli_on_a_warehouse_locked_by_another_process(tmp_path: Path, warehouse: Path) -> None:
    """`python -m python_steps.charts` while a build holds the lock: one line, exit 1."""
    locked = tmp_path / "locked.duckdb"
    shutil.copy(warehouse, locked)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]);"
            " print('ready', flush=True); time.sleep(60)",
            str(locked),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "python_steps.charts",
                "--warehouse",
                str(locked),
                "--out",
                str(tmp_path / "out"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "locked" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_altair_targets_the_bundled_vega_lite() -> None:
    bundle = charts.vega_bundle()
    assert "window.vegaEmbed=" in bundle
    assert alt.SCHEMA_VERSION.startswith("v6")


def test_every_page_names_its_build(generated: dict[str, Any], warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        info = read_build_info(connection)
    for path in generated["paths"]:
        text = path.read_text(encoding="utf-8")
        line = re.search(r'<p class="build" id="build-info">([^<]*)</p>', text)
        assert line, path
        assert str(info["build_id"]) in line.group(1) and info["analysis_mode"] in line.group(1)
        assert str(info["runs_path"]) in line.group(1)


def titles_seen(spec: Any) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(channel, title, encoding) of every titled channel and tooltip in a spec."""
    for unit in unit_specs(spec):
        for channel, encoding in unit.get("encoding", {}).items():
            entries = encoding if isinstance(encoding, list) else [encoding]
            if channel != "tooltip" and channel not in TITLED_CHANNELS:
                continue
            for entry in entries:
                if "field" not in entry and "aggregate" not in entry:
                    continue
                hidden = entry.get("axis", 1) is None or entry.get("legend", 1) is None
                yield channel, (None if hidden else entry.get("title", entry.get("field"))), entry
    for key in ("facet", "row", "column"):
        if isinstance(spec, dict) and isinstance(spec.get(key), dict) and "field" in spec[key]:
            yield key, spec[key].get("title", spec[key]["field"]), spec[key]


def test_human_labels_everywhere(generated: dict[str, Any]) -> None:
    """No column name in an axis, legend, header or tooltip title: every title a reader
    sees is words (no underscore); metric selectors show human metric names."""
    for path in generated["paths"]:
        spec = page_spec(path)
        for channel, title, entry in titles_seen(spec):
            if title is None:
                continue
            texts = title if isinstance(title, list) else [title]
            for text in texts:
                assert "_" not in str(text), f"{path.name}: {channel} titled {text!r} ({entry})"
        for param in spec.get("params", []):
            bind = param.get("bind") or {}
            if param["name"] == "metric":
                assert all("_" not in label for label in bind["labels"]), path


def test_jump_types_are_named_with_their_own_palette(generated: dict[str, Any]) -> None:
    spec = page_spec(generated["out"] / "jump_types.html")
    colors = [u["encoding"]["color"] for u in unit_specs(spec) if "color" in u["encoding"]]
    type_colors = [c for c in colors if c.get("field") == "jump_type_name"]
    assert type_colors and all(c["scale"]["scheme"] == "dark2" for c in type_colors)
    arch = [c for c in colors if c.get("field") == "arch_family"]
    assert all(c["scale"]["scheme"] == "tableau10" for c in arch)
    names = dataset_frame(spec, "jump_type_counts")["jump_type_name"]
    assert names.str.match(r"(early|mid|late), ").all()


def test_validity_page_draws_the_curves_with_thresholds_and_headline(
    generated: dict[str, Any],
) -> None:
    spec = page_spec(generated["out"] / "validity.html")
    # Recall by effect size (one panel per event kind) above the ROC.
    recall_row, roc = spec["vconcat"]
    assert len(recall_row["hconcat"]) >= 2 and "layer" in roc
    text = json.dumps(spec)
    assert "effect size (velocity SDs)" in text and "false positives per 1,000" in text
    # The thresholds are drawn: minimum recall 0.9 and the budget of 5 per 1,000.
    rule_values = {
        row[column]
        for name, rows in spec["datasets"].items()
        if name.startswith("data-")
        for row in dataset_frame(spec, name).to_dict("records")
        for column in ("y", "x")
        if column in row and isinstance(row[column], float)
    }
    assert {0.9, 5.0} <= rule_values
    html_text = (generated["out"] / "validity.html").read_text()
    assert "finds steps from" in html_text or "finds no planted step" in html_text


def test_validity_page_without_curves_colours_verdicts_and_draws_thresholds() -> None:
    from python_steps.charts.validity_page import validity_page

    rows = pd.DataFrame(
        {
            "detector": ["jump_z_score", "jump_z_score"],
            "fixture": ["step_5sd", "null_holdout"],
            "fixture_kind": ["positive", "null"],
            "n_planted": [10, 0],
            "n_detected": [9, 3],
            "recall": [0.9, None],
            "chance_corrected_recall": [0.85, None],
            "false_positives": [1, 3],
            "false_positives_per_1000": [1.0, 3.0],
            "is_passed": [False, True],
            "verdict": ["misses", "quiet"],
            "min_recall": [0.9, 0.9],
            "max_false_positives_per_1000": [5.0, 5.0],
        }
    )
    text = json.dumps(validity_page(rows).spec)
    assert (
        '"domain": ["finds", "quiet", "misses", "noisy"], '
        '"range": ["#2ca02c", "#98df8a", "#d62728", "#ff9896"]'
    ) in text
    assert "needs at least (min recall)" in text and "allows at most (max false positives)" in text


def test_architectures_page_draws_chance_levels_and_run_ranges(
    generated: dict[str, Any],
) -> None:
    spec = page_spec(generated["out"] / "architectures.html")
    units = list(unit_specs(spec))
    chance = [u for u in units if u["encoding"].get("x", {}).get("field") == "chance_value"]
    assert chance and chance[0]["encoding"]["shape"]["scale"]["domain"][0].startswith(
        "chance level"
    )
    ranges = [u for u in units if u["encoding"].get("x2", {}).get("field") == "max_value"]
    assert ranges
    data = dataset_frame(spec, "architecture_comparison")
    assert data.loc[data["measure"] == "max_coordination", "chance_value"].notna().all()


def test_run_page_marks_jumps_and_says_why_a_layer_has_no_stabilization(
    generated: dict[str, Any], warehouse: Path
) -> None:
    out: Path = generated["out"]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        jumps = cd.read(connection, "chart_run_jumps")
        status = cd.read(connection, "chart_run_stabilization")
    run_id = jumps.groupby("run_id").size().idxmax()
    spec = page_spec(out / charts.run_page_path(run_id))
    drawn = dataset_frame(spec, "jumps")
    assert len(drawn) == (jumps["run_id"] == run_id).sum() > 0
    stabilization = dataset_frame(spec, "stabilization")
    assert len(stabilization) == (status["run_id"] == run_id).sum()
    assert stabilization["status"].notna().all()
    shading = next(p for p in spec["params"] if p["name"] == "shading")
    assert shading["value"] == "relative to the layer's range"
    marks = {str(u.get("name")) for u in unit_specs(spec)}
    for view in ("heatmap", "jumps", "stabilization", "stabilization_status", "coordination"):
        assert any(name.startswith(view) for name in marks), (view, marks)


def test_compare_page_picks_runs_and_overlays_them(generated: dict[str, Any]) -> None:
    spec = page_spec(generated["out"] / "compare.html")
    params = {p["name"]: p for p in spec["params"]}
    assert {"run1", "run2", "run3", "run4"} <= set(params)
    assert params["run1"]["value"] != params["run2"]["value"]
    assert params["run3"]["value"] == "" and "" in params["run3"]["bind"]["options"]
    for name in data_names(spec):
        frame = dataset_frame(spec, name)
        assert len(frame) <= cd.MAX_ROWS and frame["run_id"].nunique() > 2


def test_a_build_without_jumps_still_gets_every_page(warehouse: Path, tmp_path: Path) -> None:
    """Short or flat runs can have no jump at all: the jump pages are drawn empty, with
    every metric in the selector, instead of failing the whole chart step."""
    copy = tmp_path / "no_jumps.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as connection:
        for model in cd.MODEL_ORDER:
            if "jump" in model:
                connection.execute(f"delete from {model}")
    paths = charts.generate_charts(copy, tmp_path / "out", progress=lambda _: None)
    names = {path.name for path in paths}
    assert {"jumps.html", "jump_types.html"} <= names
    for page in ("jumps.html", "jump_types.html"):
        spec = page_spec(tmp_path / "out" / page)
        validate_jsonschema(spec, load_schema())
        metric = next(p for p in spec["params"] if p["name"] == "metric")
        with duckdb.connect(str(copy), read_only=True) as connection:
            assert metric["bind"]["options"] == cd.metrics(connection)
