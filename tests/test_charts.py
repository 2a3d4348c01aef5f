"""Tests of python_steps.chart_data and python_steps.charts against a real built warehouse.

The chart-data queries are checked against the same figures computed directly from the
marts with pandas/numpy; the pages are generated once per module and checked statically
(self-contained, valid Vega-Lite, small datasets, a metric selector, tooltips, links).
`tests/test_charts_browser.py` opens them in headless Chromium.

The warehouse is the demo build (`demo_warehouse`); set CHARTS_TEST_WAREHOUSE to an
already built warehouse file to iterate faster.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import shutil
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

from python_steps import chart_data as cd
from python_steps import charts

SUMMARY_PAGES = {
    "index.html",
    "runs.html",
    "convergence.html",
    "jumps.html",
    "jump_types.html",
    "critical_periods.html",
    "architectures.html",
}
ARCH_PAGES = SUMMARY_PAGES - {"index.html"}
SPEC_PATTERN = re.compile(r'vegaEmbed\("#vis", (.*), options\)\.then', re.S)


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
    with cd.connect(warehouse) as connection:
        yield connection


@pytest.fixture(scope="module")
def generated(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """All pages of the warehouse, written once, with the progress lines printed."""
    out = tmp_path_factory.mktemp("charts")
    lines: list[str] = []
    paths = charts.generate_charts(warehouse, out, progress=lines.append)
    return {"out": out, "paths": paths, "progress": lines}


# Chance-level columns of critical_periods the models are adding, made up for the copy.
FUTURE_CRITICAL_COLUMNS = {
    "loss_drop_base_rate": "0.5",
    "coordination_null_mean": "mean_coordination * 0.95",
    "max_coordination_null_mean": "max_coordination * 0.8",
    "max_coordination_p_value": "0.01 + 0.5 * (1 - max_coordination)",
    "coordinated_periods_null_mean": "num_coordinated_periods * 0.5",
    "loss_coupling_p_value": "0.2",
}


def with_future_marts(warehouse: Path, work_dir: Path) -> Path:
    """A copy of the warehouse with the marts that are still being written made up where
    the build lacks them (detector_validity; critical_periods' chance levels), so the
    pages drawing them are exercised whatever state the models are in."""
    copy = work_dir / "warehouse_with_future_marts.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        if not cd.table_exists(con, "detector_validity"):
            con.execute(
                """
                create table detector_validity as
                select * from (values
                    ('jump_z_score', 'planted_steps', 'planted', 10, 9, 0.9, 1, 0.5, 'valid'),
                    ('jump_z_score', 'null_noise', 'null', 0, 0, null, 3, 1.5, 'valid'),
                    ('coordination', 'planted_bursts', 'planted', 4, 1, 0.25, 0, 0.0, 'weak')
                ) as t(detector, fixture, fixture_kind, n_planted, n_detected, recall,
                       false_positives, false_positives_per_1000, verdict)
                """
            )
        present = cd.table_columns(con, "critical_periods")
        extra = [
            f"{sql} as {column}"
            for column, sql in FUTURE_CRITICAL_COLUMNS.items()
            if column not in present
        ]
        if extra:
            con.execute(
                f"create table critical_periods_future as"
                f" select *, {', '.join(extra)} from critical_periods"
            )
            con.execute("drop table critical_periods cascade")
            con.execute("alter table critical_periods_future rename to critical_periods")
    return copy


def mart(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """A query result as a DataFrame."""
    return con.execute(sql).df()


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


def assert_frames_close(actual: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    """Same rows (matched on keys), same values (floats to 1e-9 relative)."""
    actual = actual.sort_values(keys).reset_index(drop=True)
    expected = expected.sort_values(keys).reset_index(drop=True)
    assert len(actual) == len(expected)
    for column in expected.columns:
        left, right = actual[column], expected[column]
        if pd.api.types.is_float_dtype(right) or pd.api.types.is_float_dtype(left):
            np.testing.assert_allclose(
                left.astype(float),
                right.astype(float),
                rtol=1e-9,
                atol=1e-12,
                equal_nan=True,
                err_msg=column,
            )
        else:
            assert left.astype(str).tolist() == right.astype(str).tolist(), column


# ---------------------------------------------------------------------------------------
# chart data: per-run pages
# ---------------------------------------------------------------------------------------


def expected_heatmap(values: pd.DataFrame, runs: pd.DataFrame, max_rows: int) -> pd.DataFrame:
    """heatmap_cells computed in pandas from metric_values."""
    shape = values.groupby("run_id").agg(
        n_layers=("layer", "nunique"),
        n_metrics=("metric", "nunique"),
        n_indices=("measurement_index", "max"),
    )
    n_bins = (max_rows // (shape["n_layers"] * shape["n_metrics"])).clip(lower=1)
    width = np.ceil((shape["n_indices"] + 1) / n_bins).clip(lower=1).astype(int)
    values = values.join(width.rename("bin_width"), on="run_id")
    values["bin"] = values["measurement_index"] // values["bin_width"]
    cells = (
        values.groupby(["run_id", "metric", "layer", "bin"])
        .agg(
            layer_position=("layer_position", "first"),
            bin_width=("bin_width", "first"),
            step_start=("step", "min"),
            last_step=("step", "max"),
            n_values=("value", "count"),
            mean_value=("value", "mean"),
            min_value=("value", "min"),
            max_value=("value", "max"),
        )
        .reset_index()
        .sort_values(["run_id", "metric", "layer", "bin"])
    )
    interval = runs.set_index("run_id")["measurement_interval"]
    next_start = cells.groupby(["run_id", "metric", "layer"])["step_start"].shift(-1)
    cells["step_end"] = next_start.fillna(
        cells["last_step"] + cells["run_id"].map(interval)
    ).astype(int)
    return cells.drop(columns="last_step")


@pytest.mark.parametrize("max_rows", [cd.MAX_ROWS, 700])
def test_heatmap_cells_equal_binned_metric_values(
    con: duckdb.DuckDBPyConnection, max_rows: int
) -> None:
    values = mart(con, "select * from metric_values where is_analyzed")
    runs = mart(con, "select run_id, measurement_interval from runs")
    actual = cd.heatmap_cells(con, max_rows=max_rows)
    expected = expected_heatmap(values, runs, max_rows)
    columns = [
        "run_id",
        "metric",
        "layer",
        "bin",
        "layer_position",
        "bin_width",
        "step_start",
        "step_end",
        "n_values",
        "mean_value",
        "min_value",
        "max_value",
    ]
    assert_frames_close(actual[columns], expected[columns], ["run_id", "metric", "layer", "bin"])
    assert actual.groupby("run_id").size().max() <= max_rows
    if max_rows < cd.MAX_ROWS:
        assert actual["bin_width"].max() > 1, "a small cap must force binning"


def test_stabilization_points_are_the_stabilized_layers(con: duckdb.DuckDBPyConnection) -> None:
    expected = mart(con, "select * from layer_stabilization where is_stabilized")
    actual = cd.stabilization_points(con)
    keys = ["run_id", "metric", "layer"]
    assert_frames_close(
        actual[[*keys, "stabilization_step"]], expected[[*keys, "stabilization_step"]], keys
    )


def test_coordination_timeline_unbinned_equals_step_coordination(
    con: duckdb.DuckDBPyConnection,
) -> None:
    expected = mart(con, "select run_id, metric, step, coordination from step_coordination")
    actual = cd.coordination_timeline(con)
    assert actual["n_measurements"].eq(1).all()
    keys = ["run_id", "metric", "step"]
    assert_frames_close(actual[[*keys, "coordination"]], expected, keys)


def test_coordination_timeline_binned_keeps_the_peaks(con: duckdb.DuckDBPyConnection) -> None:
    source = mart(con, "select * from step_coordination")
    n_metrics = source.groupby("run_id")["metric"].nunique()
    n_indices = source.groupby("run_id")["measurement_index"].max() + 1
    max_rows = 400
    width = np.ceil(n_indices / (max_rows // n_metrics)).astype(int)
    source["bin"] = source["measurement_index"] // source["run_id"].map(width)
    expected = (
        source.groupby(["run_id", "metric", "bin"])
        .agg(
            step=("step", "min"),
            coordination=("coordination", "max"),
            mean_coordination=("coordination", "mean"),
        )
        .reset_index()
        .drop(columns="bin")
    )
    actual = cd.coordination_timeline(con, max_rows=max_rows)
    assert actual.groupby("run_id").size().max() <= max_rows
    keys = ["run_id", "metric", "step"]
    assert_frames_close(actual[expected.columns], expected, keys)


def test_loss_curve_equals_losses(con: duckdb.DuckDBPyConnection) -> None:
    expected = mart(
        con, "select run_id, step, loss from losses where is_analyzed and loss is not null"
    )
    actual = cd.loss_curve(con)
    assert_frames_close(actual[["run_id", "step", "loss"]], expected, ["run_id", "step"])


def test_run_summaries_has_one_row_per_run_and_metric(con: duckdb.DuckDBPyConnection) -> None:
    summaries = cd.run_summaries(con)
    critical = mart(con, "select run_id, metric, loss_correlation from critical_periods")
    jumps = mart(
        con,
        "select run_id, metric, count(*) filter (where not is_numerical_noise) as n"
        " from jumps group by all",
    )
    assert not summaries.duplicated(["run_id", "metric"]).any()
    assert len(summaries) == len(critical)
    merged = summaries.merge(jumps, on=["run_id", "metric"], how="left").fillna({"n": 0})
    assert (merged["n_real_jumps"] == merged["n"]).all()


# ---------------------------------------------------------------------------------------
# chart data: summary pages
# ---------------------------------------------------------------------------------------


def with_family(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """A mart joined to each run's architecture family."""
    return mart(con, f"select t.*, r.arch_family from {table} t join runs r using (run_id)")


def binned_counts(values: pd.Series, width: float) -> pd.Series:
    """Bin starts as the chart data defines them (the last bin closed at 1)."""
    top = round(1 / width) - 1
    return (np.minimum(np.floor(values / width), top) * width).round(6)


def test_convergence_pattern_counts(con: duckdb.DuckDBPyConnection) -> None:
    order = with_family(con, "convergence_order")
    expected = order.groupby(["metric", "arch_family", "pattern"]).size().rename("n_runs")
    actual = cd.convergence_pattern_counts(con).set_index(["metric", "arch_family", "pattern"])
    pd.testing.assert_series_equal(
        actual["n_runs"].sort_index(), expected.sort_index(), check_dtype=False
    )


def test_rho_histogram(con: duckdb.DuckDBPyConnection) -> None:
    order = with_family(con, "convergence_order").dropna(subset=["spearman_rho"])
    order["rho_start"] = binned_counts(order["spearman_rho"], cd.RHO_BIN_WIDTH)
    expected = order.groupby(["metric", "arch_family", "rho_start"]).size()
    actual = cd.rho_histogram(con).set_index(["metric", "arch_family", "rho_start"])["n_runs"]
    pd.testing.assert_series_equal(
        actual.sort_index(), expected.sort_index(), check_dtype=False, check_names=False
    )
    assert (cd.rho_histogram(con)["rho_start"] >= -1).all()


def test_stabilization_by_depth(con: duckdb.DuckDBPyConnection) -> None:
    layers = mart(
        con,
        "select s.*, r.arch_family, r.n_layers as run_layers"
        " from layer_stabilization s join runs r using (run_id)",
    )
    depth = layers["layer_position"] / (layers["run_layers"] - 1).clip(lower=1)
    layers["depth_bin"] = np.minimum(np.floor(depth * cd.DEPTH_BINS), cd.DEPTH_BINS - 1)
    stabilized = layers[layers["is_stabilized"]]
    expected = stabilized.groupby(["metric", "arch_family", "depth_bin"])[
        "stabilization_step"
    ].mean()
    actual = cd.stabilization_by_depth(con)
    got = actual.set_index(["metric", "arch_family", "depth_bin"])["mean_stabilization_step"]
    pd.testing.assert_series_equal(
        got.dropna().sort_index(),
        expected.sort_index(),
        check_dtype=False,
        check_names=False,
        check_index_type=False,
    )
    per_metric = actual.groupby("metric")["n_layers"].sum()
    assert per_metric.to_dict() == layers.groupby("metric").size().to_dict()


def test_jump_phase_histogram(con: duckdb.DuckDBPyConnection) -> None:
    jumps = mart(con, "select * from jumps")
    jumps["phase_start"] = binned_counts(jumps["phase"], cd.PHASE_BIN_WIDTH)
    keys = ["metric", "arch_family", "is_numerical_noise", "phase_start"]
    expected = jumps.groupby(keys).size()
    actual = cd.jump_phase_histogram(con).set_index(keys)["n_jumps"]
    pd.testing.assert_series_equal(
        actual.sort_index(), expected.sort_index(), check_dtype=False, check_names=False
    )


def test_jump_counts_agree_with_architecture_comparison(
    con: duckdb.DuckDBPyConnection,
) -> None:
    comparison = mart(con, "select * from architecture_comparison where n_jumps > 0")
    counts = cd.jump_counts_by_arch(con)
    merged = comparison.merge(counts, on=["arch_family", "metric"], suffixes=("", "_chart"))
    assert len(merged) == len(comparison) == len(counts)
    for column in ("n_jumps", "n_real_jumps", "n_noise_jumps", "n_runs_with_jumps"):
        assert (merged[column] == merged[f"{column}_chart"]).all(), column


def test_jump_sample_is_capped_reproducible_and_real(con: duckdb.DuckDBPyConnection) -> None:
    sample = cd.jump_sample(con)
    jumps = mart(con, "select * from jumps where magnitude > 0")
    cap = cd.MAX_ROWS // jumps["metric"].nunique()
    assert len(sample) <= cd.MAX_ROWS
    expected_sizes = jumps.groupby("metric").size().clip(upper=cap)
    assert sample.groupby("metric").size().to_dict() == expected_sizes.to_dict()
    assert sample.equals(cd.jump_sample(con))
    keys = ["run_id", "metric", "layer", "measurement_index"]
    matched = sample.merge(jumps, on=keys, suffixes=("", "_mart"))
    assert len(matched) == len(sample)
    np.testing.assert_allclose(matched["magnitude"], matched["magnitude_mart"])
    small = cd.jump_sample(con, max_rows=40)
    assert small.groupby("metric").size().max() <= 40 // jumps["metric"].nunique()


def test_magnitude_by_phase_category_quantiles(con: duckdb.DuckDBPyConnection) -> None:
    jumps = mart(con, "select * from jumps")
    actual = cd.magnitude_by_phase_category(con)
    for row in actual.itertuples():
        subset = jumps[
            (jumps["metric"] == row.metric)
            & (jumps["arch_family"] == row.arch_family)
            & (jumps["phase_category"] == row.phase_category)
        ]["magnitude"].to_numpy()
        assert row.n_jumps == len(subset)
        expected = np.percentile(subset, [0, 25, 50, 75, 100])
        got = [
            row.min_magnitude,
            row.q1_magnitude,
            row.median_magnitude,
            row.q3_magnitude,
            row.max_magnitude,
        ]
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=0)


def test_jump_type_profiles_are_standardized_means(con: duckdb.DuckDBPyConnection) -> None:
    jumps = mart(con, "select metric, jump_type, phase, magnitude, speed from jumps")
    actual = cd.jump_type_profiles(con).set_index(["metric", "jump_type", "feature"])
    for feature in ("phase", "magnitude", "speed"):
        grouped = jumps.groupby("metric")[feature]
        mean = grouped.transform("mean")
        std = grouped.transform(lambda x: x.std(ddof=0))
        jumps[f"z_{feature}"] = (jumps[feature] - mean) / std.replace(0, np.nan)
        expected = jumps.groupby(["metric", "jump_type"])[[feature, f"z_{feature}"]].mean()
        for (metric, jump_type), row in expected.iterrows():
            got = actual.loc[(metric, jump_type, feature)]
            assert math.isclose(got["mean_value"], row[feature], rel_tol=1e-9, abs_tol=1e-15)
            if not math.isnan(row[f"z_{feature}"]):
                assert math.isclose(
                    got["mean_standardized_value"],
                    row[f"z_{feature}"],
                    rel_tol=1e-6,
                    abs_tol=1e-9,
                )


def test_critical_period_runs_carry_present_baselines(con: duckdb.DuckDBPyConnection) -> None:
    data = cd.critical_period_runs(con)
    present = cd.table_columns(con, "critical_periods")
    assert len(data) == mart(con, "select count(*) as n from critical_periods")["n"][0]
    for column in cd.CRITICAL_BASELINE_COLUMNS:
        assert (column in data.columns) == (column in present)


def test_architecture_measures_pivot_back_to_the_mart(con: duckdb.DuckDBPyConnection) -> None:
    long = cd.architecture_measures(con)
    wide = long.pivot_table(index=["arch_family", "metric"], columns="measure", values="value")
    comparison = mart(con, "select * from architecture_comparison").set_index(
        ["arch_family", "metric"]
    )
    for measure in ("n_real_jumps", "mean_coordination", "mean_loss_correlation"):
        joined = wide[measure].dropna().to_frame("chart").join(comparison[measure])
        np.testing.assert_allclose(joined["chart"], joined[measure].astype(float))
    share = (comparison["n_strong_runs"] / comparison["n_runs"]).rename("expected")
    joined = wide["share_strong_runs"].to_frame("chart").join(share)
    np.testing.assert_allclose(joined["chart"], joined["expected"])


def test_headline_figures(con: duckdb.DuckDBPyConnection) -> None:
    figures = cd.headline(con)
    runs = mart(con, "select * from runs where is_analyzed")
    assert figures.n_runs == len(runs)
    assert figures.families == runs.groupby("arch_family").size().to_dict()
    jumps = mart(con, "select metric, count(*) as n from jumps group by metric")
    assert {m.metric: m.n_jumps for m in figures.metrics} == dict(
        zip(jumps["metric"], jumps["n"], strict=True)
    )
    for metric in figures.metrics:
        assert sum(metric.pattern_counts.values()) == figures.n_runs


def test_detector_validity_absent_or_read(con: duckdb.DuckDBPyConnection) -> None:
    data = cd.detector_validity(con)
    if not cd.table_exists(con, "detector_validity"):
        assert data is None
    else:
        assert data is not None
        assert len(data) == mart(con, "select count(*) as n from detector_validity")["n"][0]


def test_pages_draw_the_marts_still_being_written(warehouse: Path, tmp_path: Path) -> None:
    """Given detector_validity and critical_periods' chance levels (made up here where the
    build lacks them), the validity page is drawn from that mart and the chance levels
    appear beside the observed figures."""
    augmented = with_future_marts(warehouse, tmp_path)
    with cd.connect(augmented) as connection:
        validity = cd.detector_validity(connection)
        expected_validity = mart(connection, "select count(*) as n from detector_validity")
        critical = charts.critical_periods_page(connection)
        index = charts.index_page(connection, [], {})
    assert validity is not None and len(validity) == expected_validity["n"][0]
    page = charts.validity_page(validity)
    validate_jsonschema(page.spec, load_schema())
    assert len(dataset_frame(page.spec, "detector_validity")) == len(validity)
    folds = [
        t["fold"]
        for unit in unit_specs(critical.spec)
        for t in unit.get("transform", [])
        if "fold" in t
    ]
    assert [
        "mean_coordination",
        "coordination_null_mean",
        "max_coordination",
        "max_coordination_null_mean",
    ] in folds
    assert ["loss_correlation", "loss_drop_base_rate"] in folds
    assert ["num_coordinated_periods", "coordinated_periods_null_mean"] in folds
    assert "by chance" in index.intro_html and "beyond chance" in index.intro_html


# ---------------------------------------------------------------------------------------
# pages
# ---------------------------------------------------------------------------------------


def test_every_page_written_with_progress(generated: dict[str, Any], warehouse: Path) -> None:
    out: Path = generated["out"]
    names = {str(path.relative_to(out)) for path in generated["paths"]}
    assert names >= SUMMARY_PAGES
    with cd.connect(warehouse) as connection:
        runs = cd.run_list(connection)
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
    with cd.connect(warehouse) as connection:
        metric_names = cd.metrics(connection)
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
    with cd.connect(warehouse) as connection:
        cells = cd.heatmap_cells(connection)
        loss = cd.loss_curve(connection)
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
    with cd.connect(warehouse) as connection:
        page = charts.convergence_page(connection)
    html_path = charts.write_page(page, tmp_path, "", png=True, svg=True)
    assert html_path.with_suffix(".svg").read_text().lstrip().startswith("<svg")
    assert html_path.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_refuses_a_warehouse_without_marts(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    for warehouse in (empty, tmp_path / "none.duckdb"):
        with pytest.raises(SystemExit) as exit_info:
            charts.main(["--warehouse", str(warehouse), "--out", str(tmp_path / "out")])
        assert exit_info.value.code == 1


def test_altair_targets_the_bundled_vega_lite() -> None:
    bundle = charts.vega_bundle()
    assert "window.vegaEmbed=" in bundle
    assert alt.SCHEMA_VERSION.startswith("v6")
