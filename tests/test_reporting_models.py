"""The chart data models (models/reporting, `chart_*`) against the same figures computed
directly from the marts with pandas/numpy, on a real demo build.

A second build of the reporting models with a small `chart_max_rows` checks that the
binning keeps every run under the cap and keeps the peaks. Set CHARTS_TEST_WAREHOUSE to an
already built warehouse file to iterate faster.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from python_steps.charts.data import MAX_ROWS, MODEL_ORDER, read
from tests.conftest import run_dbt
from tests.test_charts import chart_test_warehouse

SMALL_CAP = 400


@pytest.fixture(scope="module")
def warehouse(request: pytest.FixtureRequest) -> Path:
    return chart_test_warehouse(request)


@pytest.fixture()
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def binned_warehouse(
    warehouse: Path, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A copy of the warehouse whose reporting models are rebuilt with chart_max_rows=400."""
    work = tmp_path_factory.mktemp("binned")
    copy = work / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    runs = request.getfixturevalue("demo_runs")
    run_dbt(
        work,
        runs,
        command="run",
        dbt_vars={"chart_max_rows": SMALL_CAP},
        extra_args=["--select", "reporting"],
        warehouse=copy,
    )
    return copy


def mart(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """A query result as a DataFrame."""
    return con.execute(sql).df()


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


def test_every_model_the_pages_read_exists_and_stays_small(
    con: duckdb.DuckDBPyConnection,
) -> None:
    per_run = {"chart_run_heatmap", "chart_run_coordination", "chart_run_loss", "chart_run_jumps"}
    for model in MODEL_ORDER:
        frame = read(con, model)
        assert len(frame) > 0, model
        if model in per_run:
            assert frame.groupby("run_id").size().max() <= MAX_ROWS, model
        elif model == "chart_run_comparison":
            assert frame.groupby("metric").size().max() <= MAX_ROWS, model
        else:
            assert len(frame) <= MAX_ROWS, model


# ---------------------------------------------------------------------------------------
# run pages
# ---------------------------------------------------------------------------------------


def expected_heatmap(values: pd.DataFrame, runs: pd.DataFrame, max_rows: int) -> pd.DataFrame:
    """chart_run_heatmap computed in pandas from metric_values."""
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


@pytest.mark.parametrize("max_rows", [MAX_ROWS, SMALL_CAP])
def test_heatmap_cells_equal_binned_metric_values(
    request: pytest.FixtureRequest, warehouse: Path, max_rows: int
) -> None:
    path = warehouse if max_rows == MAX_ROWS else request.getfixturevalue("binned_warehouse")
    with duckdb.connect(str(path), read_only=True) as con:
        values = mart(con, "select * from metric_values where is_analyzed")
        runs = mart(con, "select run_id, measurement_interval from runs")
        actual = read(con, "chart_run_heatmap")
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
    if max_rows < MAX_ROWS:
        assert actual["bin_width"].max() > 1, "a small cap must force binning"


def test_stabilization_status_says_why_there_is_no_point(con: duckdb.DuckDBPyConnection) -> None:
    source = mart(con, "select * from layer_stabilization")
    actual = read(con, "chart_run_stabilization")
    assert len(actual) == len(source)
    merged = actual.merge(source, on=["run_id", "metric", "layer"], suffixes=("", "_mart"))
    stabilized = merged["stabilization_status"] == "stabilized"
    assert (stabilized == merged["is_stabilized"]).all()
    assert merged.loc[~stabilized, "stabilization_step"].isna().all()
    short = merged["n_measurements"] < 20
    assert (merged.loc[~stabilized & short, "stabilization_status"] == "undetermined").all()
    assert (merged.loc[~stabilized & ~short, "stabilization_status"] == "never").all()
    keys = ["run_id", "metric", "layer"]
    assert_frames_close(
        actual.loc[stabilized.to_numpy(), [*keys, "stabilization_step"]],
        source.loc[source["is_stabilized"], [*keys, "stabilization_step"]],
        keys,
    )


def test_run_jumps_are_the_real_jumps_capped_per_run(binned_warehouse: Path) -> None:
    """Every real jump while a run has few, the largest ones up to the cap otherwise."""
    with duckdb.connect(str(binned_warehouse), read_only=True) as con:
        jumps = mart(con, "select * from jumps where not is_numerical_noise")
        actual = read(con, "chart_run_jumps")
    keys = ["run_id", "metric", "layer", "measurement_index"]
    assert not actual.duplicated(keys).any()
    cap = SMALL_CAP // jumps.groupby("run_id")["metric"].nunique()
    sizes = jumps.groupby(["run_id", "metric"]).size()
    expected = sizes.clip(upper=sizes.index.get_level_values("run_id").map(cap).to_numpy())
    assert actual.groupby(["run_id", "metric"]).size().to_dict() == expected.to_dict()
    assert (sizes > expected).any(), "the small cap must drop some jumps"
    matched = actual.merge(jumps, on=keys, suffixes=("", "_mart"))
    assert len(matched) == len(actual)
    flagged = jumps.merge(actual[keys], on=keys, how="left", indicator=True)
    flagged["shown"] = flagged["_merge"] == "both"
    for _, group in flagged.groupby(["run_id", "metric"]):
        if not group["shown"].all():
            assert (
                group.loc[~group["shown"], "magnitude"].max()
                <= group.loc[group["shown"], "magnitude"].min()
            )


def test_coordination_timeline_unbinned_equals_step_coordination(
    con: duckdb.DuckDBPyConnection,
) -> None:
    expected = mart(con, "select run_id, metric, step, coordination from step_coordination")
    actual = read(con, "chart_run_coordination")
    assert actual["n_measurements"].eq(1).all()
    keys = ["run_id", "metric", "step"]
    assert_frames_close(actual[[*keys, "coordination"]], expected, keys)


def test_coordination_timeline_binned_keeps_the_peaks(binned_warehouse: Path) -> None:
    with duckdb.connect(str(binned_warehouse), read_only=True) as con:
        source = mart(con, "select * from step_coordination")
        actual = read(con, "chart_run_coordination")
    n_metrics = source.groupby("run_id")["metric"].nunique()
    n_indices = source.groupby("run_id")["measurement_index"].max() + 1
    width = np.ceil(n_indices / (SMALL_CAP // n_metrics)).astype(int)
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
    assert actual.groupby("run_id").size().max() <= SMALL_CAP
    keys = ["run_id", "metric", "step"]
    assert_frames_close(actual[expected.columns], expected, keys)


def test_loss_curve_equals_losses(con: duckdb.DuckDBPyConnection) -> None:
    expected = mart(
        con, "select run_id, step, loss from losses where is_analyzed and loss is not null"
    )
    actual = read(con, "chart_run_loss")
    assert_frames_close(actual[["run_id", "step", "loss"]], expected, ["run_id", "step"])


def test_run_summaries_has_one_row_per_run_and_metric(con: duckdb.DuckDBPyConnection) -> None:
    summaries = read(con, "chart_run_summaries")
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


def test_comparison_averages_layers_and_bins(binned_warehouse: Path) -> None:
    with duckdb.connect(str(binned_warehouse), read_only=True) as con:
        values = mart(con, "select * from metric_values where is_analyzed")
        runs = read(con, "chart_runs")
        actual = read(con, "chart_run_comparison")
    n_bins = max(1, SMALL_CAP // len(runs))
    width = np.ceil(runs.set_index("run_id")["n_measurements"] / n_bins).clip(lower=1)
    layer_means = (
        values.groupby(["run_id", "metric", "measurement_index"])
        .agg(step=("step", "min"), value=("value", "mean"))
        .reset_index()
    )
    layer_means["bin"] = layer_means["measurement_index"] // layer_means["run_id"].map(width)
    expected = (
        layer_means.groupby(["run_id", "metric", "bin"])
        .agg(step=("step", "min"), layer_mean_value=("value", "mean"))
        .reset_index()
    )
    keys = ["run_id", "metric", "bin"]
    assert_frames_close(actual[expected.columns], expected, keys)
    assert actual.groupby("metric").size().max() <= SMALL_CAP


# ---------------------------------------------------------------------------------------
# summary pages
# ---------------------------------------------------------------------------------------


def with_family(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """A mart joined to each run's architecture family."""
    return mart(con, f"select t.*, r.arch_family from {table} t join runs r using (run_id)")


def binned_counts(values: pd.Series, width: float) -> pd.Series:
    """Bin starts as the models define them (the last bin closed at 1)."""
    top = round(1 / width) - 1
    return (np.minimum(np.floor(values / width), top) * width).round(6)


def test_convergence_pattern_counts(con: duckdb.DuckDBPyConnection) -> None:
    order = with_family(con, "convergence_order")
    expected = order.groupby(["metric", "arch_family", "pattern"]).size().rename("n_runs")
    actual = read(con, "chart_convergence_patterns").set_index(["metric", "arch_family", "pattern"])
    pd.testing.assert_series_equal(
        actual["n_runs"].sort_index(), expected.sort_index(), check_dtype=False
    )


def test_rho_histogram(con: duckdb.DuckDBPyConnection) -> None:
    order = with_family(con, "convergence_order").dropna(subset=["spearman_rho"])
    order["rho_start"] = binned_counts(order["spearman_rho"], 0.1)
    expected = order.groupby(["metric", "arch_family", "rho_start"]).size()
    histogram = read(con, "chart_rho_histogram")
    actual = histogram.set_index(["metric", "arch_family", "rho_start"])["n_runs"]
    pd.testing.assert_series_equal(
        actual.sort_index(), expected.sort_index(), check_dtype=False, check_names=False
    )
    assert (histogram["rho_start"] >= -1).all()


def test_stabilization_by_depth(con: duckdb.DuckDBPyConnection) -> None:
    layers = mart(
        con,
        "select s.*, r.arch_family, r.n_layers as run_layers"
        " from layer_stabilization s join runs r using (run_id)",
    )
    depth = layers["layer_position"] / (layers["run_layers"] - 1).clip(lower=1)
    layers["depth_bin"] = np.minimum(np.floor(depth * 5), 4)
    stabilized = layers[layers["is_stabilized"]]
    expected = stabilized.groupby(["metric", "arch_family", "depth_bin"])[
        "stabilization_step"
    ].mean()
    actual = read(con, "chart_stabilization_by_depth")
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
    counted = actual["n_stabilized"] + actual["n_never"] + actual["n_undetermined"]
    assert (counted == actual["n_layers"]).all()


def test_jump_phase_histogram(con: duckdb.DuckDBPyConnection) -> None:
    jumps = mart(con, "select * from jumps")
    jumps["phase_start"] = binned_counts(jumps["phase"], 0.05)
    jumps["jump_kind"] = np.where(jumps["is_numerical_noise"], "numerical noise", "real")
    keys = ["metric", "arch_family", "jump_kind", "phase_start"]
    expected = jumps.groupby(keys).size()
    actual = read(con, "chart_jump_phase_histogram").set_index(keys)["n_jumps"]
    pd.testing.assert_series_equal(
        actual.sort_index(), expected.sort_index(), check_dtype=False, check_names=False
    )


def test_jump_counts_agree_with_architecture_comparison(
    con: duckdb.DuckDBPyConnection,
) -> None:
    comparison = mart(con, "select * from architecture_comparison where n_jumps > 0")
    counts = read(con, "chart_jump_counts").pivot_table(
        index=["arch_family", "metric"], columns="jump_kind", values="n_jumps", fill_value=0
    )
    merged = comparison.set_index(["arch_family", "metric"]).join(counts)
    assert len(merged) == len(comparison)
    assert (merged["n_real_jumps"] == merged.get("real", 0)).all()
    assert (merged["n_noise_jumps"] == merged.get("numerical noise", 0)).all()


def test_jump_sample_is_capped_reproducible_and_real(con: duckdb.DuckDBPyConnection) -> None:
    sample = read(con, "chart_jump_sample")
    jumps = mart(con, "select * from jumps where magnitude > 0")
    cap = MAX_ROWS // mart(con, "select distinct metric from jumps")["metric"].size
    assert len(sample) <= MAX_ROWS
    expected_sizes = jumps.groupby("metric").size().clip(upper=cap)
    assert sample.groupby("metric").size().to_dict() == expected_sizes.to_dict()
    assert sample.equals(read(con, "chart_jump_sample"))
    keys = ["run_id", "metric", "layer", "measurement_index"]
    matched = sample.merge(jumps, on=keys, suffixes=("", "_mart"))
    assert len(matched) == len(sample)
    np.testing.assert_allclose(matched["magnitude"], matched["magnitude_mart"])
    assert sample["jump_type_name"].notna().all()


def test_magnitude_by_phase_category_quantiles(con: duckdb.DuckDBPyConnection) -> None:
    jumps = mart(con, "select * from jumps")
    actual = read(con, "chart_jump_magnitude_boxes")
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
    actual = read(con, "chart_jump_type_profiles").set_index(["metric", "jump_type", "feature"])
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


def test_jump_type_names_describe_the_centres_and_are_unique(
    con: duckdb.DuckDBPyConnection,
) -> None:
    names = read(con, "chart_jump_type_names")
    assert not names.duplicated(["metric", "jump_type_name"]).any()
    assert names["jump_type_name"].str.fullmatch(r"(early|mid|late), .*").all()
    for row in names.itertuples():
        when = "early" if row.mean_phase < 1 / 3 else "mid" if row.mean_phase < 2 / 3 else "late"
        assert row.jump_type_name.startswith(when)
        size = (
            "large"
            if row.mean_magnitude_z > 0.5
            else ("small" if row.mean_magnitude_z < -0.5 else "medium")
        )
        assert row.jump_type_name.split(", ")[1].startswith(size)
        assert ("fast" in row.jump_type_name) == (row.mean_speed_z > 0.5)
    jumps = mart(con, "select metric, jump_type, count(*) as n from jumps group by all")
    merged = names.merge(jumps, on=["metric", "jump_type"])
    assert len(merged) == len(jumps) and (merged["n"] == merged["n_jumps"]).all()


def test_critical_periods_shares_and_jitter(con: duckdb.DuckDBPyConnection) -> None:
    data = read(con, "chart_critical_periods")
    source = mart(con, "select * from critical_periods")
    assert len(data) == len(source)
    share = data["total_critical_steps"] / (data["n_layers"] * (data["n_measurements"] - 1))
    np.testing.assert_allclose(data["critical_share"], share)
    assert data["jitter"].between(-0.5, 0.5).all()
    assert data.groupby("run_id")["jitter"].nunique().eq(1).all()
    assert data["jitter"].nunique() > 1
    assert (data["coordinated_threshold"] == 0.5).all()


def test_architecture_measures_match_the_runs(con: duckdb.DuckDBPyConnection) -> None:
    measures = read(con, "chart_architecture_measures").set_index(
        ["arch_family", "metric", "measure"]
    )
    critical = mart(con, "select * from critical_periods")
    by_family = critical.groupby(["arch_family", "metric"])
    for (family, metric), runs in by_family:
        for measure, chance in (
            ("max_coordination", "max_coordination_null_mean"),
            ("loss_correlation", "loss_drop_base_rate"),
        ):
            row = measures.loc[(family, metric, measure)]
            assert math.isclose(row["mean_value"], runs[measure].mean(), rel_tol=1e-9)
            assert row["min_value"] == runs[measure].min()
            assert row["max_value"] == runs[measure].max()
            assert math.isclose(row["chance_value"], runs[chance].mean(), rel_tol=1e-9)
        strong = measures.loc[(family, metric, "is_strong")]
        assert math.isclose(strong["mean_value"], runs["is_strong"].mean())
        by_chance = (runs["max_coordination_null_mean"] > 0.3) & (runs["loss_drop_base_rate"] > 0.3)
        assert math.isclose(strong["chance_value"], by_chance.mean())
        assert measures.loc[(family, metric, "n_real_jumps"), "n_runs"] == len(runs)
    comparison = mart(con, "select * from architecture_comparison").set_index(
        ["arch_family", "metric"]
    )
    real = measures.xs("n_real_jumps", level="measure")
    joined = real.join(comparison[["n_real_jumps"]])
    np.testing.assert_allclose(
        joined["mean_value"] * joined["n_runs"], joined["n_real_jumps"].astype(float)
    )


def test_headline_figures(con: duckdb.DuckDBPyConnection) -> None:
    from python_steps.charts.data import headline

    figures = headline(con)
    runs = mart(con, "select * from runs where is_analyzed")
    assert figures.n_runs == len(runs)
    assert figures.families == runs.groupby("arch_family").size().to_dict()
    jumps = mart(con, "select metric, count(*) as n from jumps group by metric")
    assert dict(zip(figures.metrics["metric"], figures.metrics["n_jumps"], strict=True)) == dict(
        zip(jumps["metric"], jumps["n"], strict=True)
    )
    for patterns in figures.patterns.values():
        assert sum(patterns.values()) == figures.n_runs
    # "Beyond chance" counts are q-values of the timing-preserving and stratified tests.
    beyond = mart(
        con,
        "select metric,"
        " count(*) filter (where max_coordination_timing_q_value < 0.05) as n_coordination,"
        " count(*) filter (where loss_coupling_stratified_q_value < 0.05) as n_coupling"
        " from critical_periods group by metric",
    ).set_index("metric")
    counted = figures.metrics.set_index("metric")
    assert counted["n_coordination_beyond_chance"].to_dict() == beyond["n_coordination"].to_dict()
    assert counted["n_coupling_beyond_chance"].to_dict() == beyond["n_coupling"].to_dict()
    issues = mart(con, "select count(*) as n from load_issues")["n"][0]
    assert figures.n_load_issues == issues


def test_detector_validity_carries_the_thresholds(con: duckdb.DuckDBPyConnection) -> None:
    data = read(con, "chart_detector_validity")
    assert len(data) == mart(con, "select count(*) as n from detector_validity")["n"][0]
    assert (data["min_recall"] == 0.9).all()
    assert (data["max_false_positives_per_1000"] == 5).all()
    assert set(data["verdict"]) <= {"finds", "misses", "quiet", "noisy"}


def test_rebuilding_the_chart_models_gives_the_same_bits(
    warehouse: Path, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The same marts give bit-identical chart tables (ordered aggregates everywhere)."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    run_dbt(
        tmp_path,
        request.getfixturevalue("demo_runs"),
        command="run",
        extra_args=["--select", "reporting"],
        warehouse=copy,
    )
    with duckdb.connect() as connection:
        connection.execute(f"attach '{warehouse}' as first_build (read_only)")
        connection.execute(f"attach '{copy}' as second_build (read_only)")
        for model in MODEL_ORDER:
            differing = connection.execute(
                f"select count(*) from (select * from first_build.main.{model}"
                f" except all select * from second_build.main.{model})"
            ).fetchall()
            assert differing == [(0,)], model
