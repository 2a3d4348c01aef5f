"""The tables the Spark comparison reads and how it compares them (docs/spark.md, "The
comparison test"): every ported table with its key and the columns left out, and the
per-value rules (exact, floats within a relative tolerance, explicit absolute tolerances).
Used by tests/spark/test_spark_matches_duckdb.py."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable
from pathlib import Path

RELATIVE_TOLERANCE = 1e-12
# JSON text of a number: DuckDB keeps it as written (`0.00009089`), Spark writes back its
# parsed value (`9.089E-5`). Equal when they are the same double.
NUMBER_TEXT_COLUMNS = {"step_text", "loss_text", "raw_text"}
# The population variance of a rolling window: a two-pass variance on Spark, Welford's on
# DuckDB. Both are off by round-off of the order of eps * mean^2, which for a nearly constant
# window (a variance of ~1e-32) is far above 1e-12 relative. So these columns are compared
# within an absolute tolerance of ROLLING_VARIANCE_TOLERANCE * mean_value^2 (the same row's
# mean of the series); the flag they feed (is_stable_window) is compared exactly.
ROLLING_VARIANCE_COLUMNS = {"window_variance"}
ROLLING_VARIANCE_TOLERANCE = 1e-12
# A chart's jitter spreads overlapping points by a hash of the run id, each engine's own hash
# (macros/engine/functions.sql hash_jitter: DuckDB hash(), Spark xxhash64()): the values
# differ by design, so they are only required to be in [-0.5, 0.5) on both engines.
JITTER_COLUMNS = {"jitter"}

# The load issues have no key: a row is all of its columns.
LOAD_ISSUE_COLUMNS = [
    "file_name",
    "run_id",
    "problem",
    "detail",
    "consequence",
    "measurement_index",
    "layer",
    "metric",
]
LOAD_ISSUE_MODELS = [
    "int_load_issues__files",
    "int_load_issues__duplicate_run_ids",
    "int_load_issues__invalid_fields",
    "int_load_issues__measurements",
    "int_load_issues__values",
    "int_load_issues__missing_values",
    "int_load_issues__runs",
    "int_load_issues__tidy_rows",
    "int_load_issues__unmatched_losses",
    "int_load_issues__run_attributes",
    "int_load_issues__short_runs",
    "load_issues",
]

# What names each build (its id, times, versions and engine), different by design: left out
# of build_info's comparison and of the export files' (python_steps/exports.py).
BUILD_KEYS = {
    "build_id",
    "build_started_at",
    "build_finished_at",
    "dbt_version",
    "duckdb_version",
    "engine",
    "engine_version",
}


# Every table the Spark build makes, its key, and the columns left out of the comparison.
PORTED_TABLES: dict[str, tuple[list[str], set[str]]] = {
    "stg_training_runs__files": (["file_path"], set()),
    "stg_training_runs__compressed_documents": (["file_path"], set()),
    "int_ndt_documents_parsed": (["file_path"], set()),
    # `metrics` (DuckDB MAP(VARCHAR, JSON), Spark map<string, variant>) is compared value by
    # value in int_metric_values_unnested.
    "int_ndt_layer_entries": (
        ["file_path", "measurement_index", "position_in_measurement"],
        {"metrics"},
    ),
    "int_run_documents_loadable": (["run_id"], set()),
    "int_tidy_documents": (["run_id"], set()),
    "int_tidy_metric_rows": (["file_name", "file_row"], set()),
    "int_tidy_loss_rows": (["file_name", "run_id", "step"], set()),
    "int_measurements_unnested": (["run_id", "measurement_index"], set()),
    "int_metric_values_unnested": (["run_id", "measurement_index", "layer", "metric"], set()),
    "int_measurements_validated": (["run_id", "measurement_index"], set()),
    "int_runs_validated": (["run_id"], set()),
    "int_layer_series": (["run_id", "metric", "layer"], set()),
    "int_run_series": (["run_id"], set()),
    "int_layer_dynamics": (["run_id", "metric", "layer"], set()),
    "int_layer_summaries": (["run_id", "metric", "layer"], set()),
    "int_layer_series_flagged": (["run_id", "metric", "layer", "series_index"], set()),
    "int_jumps": (["run_id", "metric", "layer", "series_index"], set()),
    "int_step_coordination": (["run_id", "metric", "series_index"], set()),
    "int_validity_opportunities": (["run_id"], set()),
    "int_validity_scores": (["detector", "run_id", "layer", "measurement_index"], set()),
    "layer_stabilization": (["run_id", "metric", "layer"], set()),
    "step_coordination": (["run_id", "metric", "measurement_index"], set()),
    "int_tidy_files_checked": (["file_name"], set()),
    "int_tidy_run_attribute_rows": (["file_name", "run_id"], set()),
    **{model: (LOAD_ISSUE_COLUMNS, set()) for model in LOAD_ISSUE_MODELS},
    "int_load_issue_counts": (["run_id"], set()),
    "runs": (["run_id"], set()),
    "losses": (["run_id", "measurement_index"], set()),
    "metric_values": (["run_id", "measurement_index", "layer", "metric"], set()),
    # input_fingerprint hashes the input with each engine's own hash() (a skip marker, not data).
    "int_jump_types": (["run_id", "metric", "layer", "measurement_index"], {"input_fingerprint"}),
    "jumps": (["run_id", "metric", "layer", "measurement_index"], set()),
    "jump_type_profiles": (["metric", "jump_type"], set()),
    # result_input_hash hashes the pandas rows, whose dtypes differ between the engines.
    "int_convergence_order": (["run_id", "metric"], {"input_fingerprint", "result_input_hash"}),
    "convergence_order": (["run_id", "metric"], set()),
    # The seed, loaded from its file on both engines (macros/engine/seeds.sql).
    "validity_planted_events": (["fixture", "event_kind", "layer", "measurement_index"], set()),
    "int_change_point_grid": (
        ["penalty", "run_id", "metric", "layer", "measurement_index"],
        {"input_fingerprint"},
    ),
    "int_change_point_calibration": (["penalty"], set()),
    # One bookkeeping row per run (metric, layer, measurement_index NULL) and the change points.
    "int_change_points": (["run_id", "metric", "layer", "measurement_index"], set()),
    "int_loss_change_points": (["run_id", "measurement_index"], set()),
    "int_loss_coupling": (["run_id", "metric"], set()),
    # run_version hashes the run's critical steps with each engine's own hash().
    "int_coordination_null_model": (["run_id", "metric"], {"run_version"}),
    "int_layer_events": (["detector", "run_id", "metric", "layer", "series_index"], set()),
    # layer is NULL for the coordination detector (one detection per run and step).
    "int_validity_detections": (["detector", "run_id", "layer", "measurement_index"], set()),
    "change_points": (["run_id", "metric", "layer", "measurement_index"], set()),
    "detector_validity": (["detector", "fixture"], set()),
    # verdict_statement (text with rounded numbers) is compared exactly.
    "detector_verdicts": (["detector", "event_kind", "effect_size"], set()),
    "detector_roc": (["detector", "threshold", "effect_size"], set()),
    "rpt_detector_curves": (["curve", "detector", "event_kind", "effect_size", "threshold"], set()),
    "critical_periods": (["run_id", "metric"], set()),
    "phase2_candidates": (["run_id", "metric"], set()),
    # One bookkeeping row per run (every other column NULL), one row of n_events per detector
    # and metric (other side NULL), one row of coinciding counts per pair.
    # Their run_version hashes the SQL of the engine's own as-of join (duckdb__ or spark__
    # nearest_at_or_below_join), so that editing it re-counts the runs: it differs between
    # the engines by design and is left out.
    "int_metric_agreement_runs": (
        ["run_id", "detector", "metric", "other_metric"],
        {"run_version"},
    ),
    "int_detector_agreement_runs": (
        ["run_id", "metric", "detector", "other_detector"],
        {"run_version"},
    ),
    "int_loss_agreement_runs": (["run_id", "detector", "metric"], {"run_version"}),
    "metric_agreement": (["detector", "metric", "other_metric"], set()),
    "detector_agreement": (["metric", "detector", "other_detector"], set()),
    "loss_agreement": (["detector", "metric"], set()),
    # input_fingerprint hashes the input with each engine's own hash() (a skip marker, not
    # data); the intervals resample per-run jump sums that each engine adds in its own order
    # (within the float tolerance).
    "int_architecture_intervals": (["arch_family", "metric"], {"input_fingerprint"}),
    "architecture_comparison": (["arch_family", "metric"], set()),
    "pooled_tests": (["test", "metric", "arch_family"], set()),
    # One row per build. Compared: the counts, analysis_mode, settings_json, runs_path (both
    # builds read the same folder), project_version and build_status (`success` on both:
    # the end-of-build hook ran). Left out, different by design: build_id (dbt's
    # invocation_id), build_started_at and build_finished_at (when each build ran; the test
    # checks that Spark's finish time is set), dbt_version (each venv's own dbt-core) and
    # duckdb_version (NULL on Spark: no DuckDB wrote its tables), engine and engine_version
    # (each engine's own: the test checks them).
    # Its key is empty: the table has exactly one row (a second row fails the key check).
    "build_info": ([], set(BUILD_KEYS)),
    # The exports carry the build_id of build_info (each build's own, above).
    "export_convergence_summary": (["metric", "experiment_name"], {"build_id"}),
    "export_critical_periods_detailed": (["experiment", "metric"], {"build_id"}),
    "export_critical_summary_by_metric": (["metric"], {"build_id"}),
    "export_jump_summary_by_metric": (["metric"], {"build_id"}),
    "export_jump_summary_by_run": (["metric", "experiment"], {"build_id"}),
    "export_jumps_detailed": (["experiment", "metric", "layer", "measurement_index"], {"build_id"}),
    # One row: keyed by all of its columns.
    "chart_build_overview": (["n_runs", "n_families", "n_datasets", "n_load_issues"], set()),
    "chart_runs": (["run_id"], set()),
    "chart_jump_counts": (["metric", "arch_family", "jump_kind"], set()),
    # The quartiles interpolate as DuckDB's quantile_cont and Spark's percentile do (may
    # differ in the last bit, within the float tolerance; macros/engine/statistics.sql).
    "chart_jump_magnitude_boxes": (["metric", "arch_family", "phase_category"], set()),
    # The bins' starts are keys, compared exactly (both engines round to 6 digits).
    "chart_jump_phase_histogram": (["metric", "arch_family", "jump_kind", "phase_start"], set()),
    "chart_convergence_patterns": (["metric", "arch_family", "pattern"], set()),
    "chart_rho_histogram": (["metric", "arch_family", "rho_start"], set()),
    "chart_detector_validity": (["detector", "fixture"], set()),
    # jitter: JITTER_COLUMNS (each engine's own hash of the run id).
    "chart_critical_periods": (["run_id", "metric"], set()),
    "chart_headline": (["metric"], set()),
    # Names from the types' centres (means and a population standard deviation over the
    # jumps in a fixed order on both engines: DuckDB's streaming update, run on Spark too).
    "chart_jump_type_names": (["metric", "jump_type"], set()),
    "chart_jump_type_counts": (["metric", "arch_family", "jump_type"], set()),
    "chart_run_stabilization": (["run_id", "metric", "layer"], set()),
    "chart_stabilization_by_depth": (["metric", "arch_family", "depth_bin"], set()),
    "chart_run_summaries": (["run_id", "metric"], set()),
    # The per-run chart data (incremental by run; binned when a run has more than
    # chart_max_rows measurements, a bin keyed by its first step or its number).
    "chart_run_loss": (["run_id", "step"], set()),
    "chart_run_jumps": (["run_id", "metric", "layer", "measurement_index"], set()),
    "chart_run_coordination": (["run_id", "metric", "step"], set()),
    "chart_run_heatmap": (["run_id", "metric", "layer", "bin"], set()),
    "chart_run_comparison": (["run_id", "metric", "bin"], set()),
    # A sample chosen by each engine's own hash() of the jump's key: the engines pick
    # different jumps when a metric has more than chart_max_rows // n_metrics of them. On
    # the test's runs every metric has fewer, so the sample is every jump on both engines
    # and the rows are compared exactly (test_spark_matches_duckdb.py checks the sample is
    # complete, so this holds).
    "chart_jump_sample": (["metric", "run_id", "layer", "measurement_index"], set()),
    "chart_jump_type_profiles": (["metric", "jump_type", "feature"], set()),
    "chart_architecture_measures": (["arch_family", "metric", "measure"], set()),
}


def as_number(text: object) -> float | None:
    try:
        return float(str(text))
    except ValueError:
        return None


def same_value(duck: object, spark: object, column: str = "", absolute: float = 0.0) -> bool:
    """Exact, except floats (within RELATIVE_TOLERANCE, or `absolute`), lists (element by
    element) and the JSON text of numbers (NUMBER_TEXT_COLUMNS: the same number, as each
    engine writes it)."""
    if column in JITTER_COLUMNS:
        return all(value is not None and -0.5 <= float(value) < 0.5 for value in (duck, spark))
    if column in NUMBER_TEXT_COLUMNS and duck != spark:
        duck_number, spark_number = as_number(duck), as_number(spark)
        return duck_number is not None and duck_number == spark_number
    if duck is None or spark is None:
        return duck is None and spark is None
    if isinstance(duck, float) or isinstance(spark, float):
        duck_number, spark_number = float(duck), float(spark)
        if math.isnan(duck_number) or math.isnan(spark_number):
            return math.isnan(duck_number) and math.isnan(spark_number)
        return math.isclose(duck_number, spark_number, rel_tol=RELATIVE_TOLERANCE, abs_tol=absolute)
    if isinstance(duck, dict) and isinstance(spark, dict):
        # A struct (DuckDB's dict, Spark's Row.asDict): field by field.
        return duck.keys() == spark.keys() and all(
            same_value(duck[name], spark[name]) for name in duck
        )
    if isinstance(duck, list | tuple) and isinstance(spark, list | tuple):
        return len(duck) == len(spark) and all(
            same_value(d, s) for d, s in zip(duck, spark, strict=True)
        )
    if hasattr(duck, "tzinfo") and hasattr(spark, "tzinfo"):
        # DuckDB TIMESTAMPTZ (aware) against Spark TIMESTAMP (UTC session, naive).
        return duck.replace(tzinfo=None) == spark.replace(tzinfo=None)
    return duck == spark


def table_differences(
    duckdb_tables: dict[str, list[dict]],
    spark_tables: dict[str, list[dict]],
    tables: Iterable[str] | None = None,
) -> list[str]:
    """One line per table (of PORTED_TABLES, or `tables`) and column that differs: how many
    rows, and the first of them."""
    differences: dict[tuple[str, str], list[str]] = {}
    for table in PORTED_TABLES if tables is None else tables:
        key = PORTED_TABLES[table][0]
        duck_rows, spark_rows = duckdb_tables[table], spark_tables[table]
        duck_columns = set(duck_rows[0]) if duck_rows else set()
        spark_columns = set(spark_rows[0]) if spark_rows else set()
        if duck_rows and spark_rows and duck_columns != spark_columns:
            differences[(table, "columns")] = [
                f"only in DuckDB {sorted(duck_columns - spark_columns)}, "
                f"only in Spark {sorted(spark_columns - duck_columns)}"
            ]
            continue
        by_key_duck = {tuple(row[k] for k in key): row for row in duck_rows}
        by_key_spark = {tuple(row[k] for k in key): row for row in spark_rows}
        assert len(by_key_duck) == len(duck_rows), f"{table}: key {key} is not unique"
        if by_key_duck.keys() != by_key_spark.keys():
            only_duck = sorted(map(str, by_key_duck.keys() - by_key_spark.keys()))[:3]
            only_spark = sorted(map(str, by_key_spark.keys() - by_key_duck.keys()))[:3]
            differences[(table, "rows")] = [
                f"{len(duck_rows)} rows on DuckDB, {len(spark_rows)} on Spark; "
                f"only on DuckDB {only_duck}, only on Spark {only_spark}"
            ]
            continue
        for row_key, duck_row in by_key_duck.items():
            spark_row = by_key_spark[row_key]
            for column, duck_value in duck_row.items():
                absolute = 0.0
                if column in ROLLING_VARIANCE_COLUMNS and duck_row.get("mean_value") is not None:
                    absolute = ROLLING_VARIANCE_TOLERANCE * duck_row["mean_value"] ** 2
                if not same_value(duck_value, spark_row[column], column, absolute):
                    differences.setdefault((table, column), []).append(
                        f"{row_key}: DuckDB {str(duck_value)[:80]!r}, "
                        f"Spark {str(spark_row[column])[:80]!r}"
                    )
    return [
        f"{table}.{column}: {len(rows)} rows differ, e.g. {rows[0]}"
        for (table, column), rows in differences.items()
    ]


def json_differences(duck: object, spark: object, where: str) -> list[str]:
    """Where two JSON documents differ: numbers within RELATIVE_TOLERANCE, BUILD_KEYS aside."""
    if isinstance(duck, dict) and isinstance(spark, dict):
        if duck.keys() != spark.keys():
            return [f"{where}: keys {sorted(duck)} against {sorted(spark)}"]
        return [
            difference
            for key in duck
            if key not in BUILD_KEYS
            for difference in json_differences(duck[key], spark[key], f"{where}.{key}")
        ]
    if isinstance(duck, list) and isinstance(spark, list):
        if len(duck) != len(spark):
            return [f"{where}: {len(duck)} items against {len(spark)}"]
        return [
            difference
            for index, (d, s) in enumerate(zip(duck, spark, strict=True))
            for difference in json_differences(d, s, f"{where}[{index}]")
        ]
    if isinstance(duck, bool) or isinstance(spark, bool) or duck is None or spark is None:
        return [] if duck == spark else [f"{where}: DuckDB {duck!r}, Spark {spark!r}"]
    if isinstance(duck, int | float) and isinstance(spark, int | float):
        return [] if same_value(float(duck), float(spark)) else [f"{where}: {duck!r} vs {spark!r}"]
    return [] if duck == spark else [f"{where}: DuckDB {duck!r}, Spark {spark!r}"]


def csv_differences(duck_text: str, spark_text: str, name: str) -> list[str]:
    """Where two CSV files differ: the same header and rows, a cell that is a number on both
    sides within RELATIVE_TOLERANCE, BUILD_KEYS columns aside."""
    duck_rows = list(csv.reader(io.StringIO(duck_text)))
    spark_rows = list(csv.reader(io.StringIO(spark_text)))
    if not duck_rows or duck_rows[:1] != spark_rows[:1]:
        return [f"{name}: header {duck_rows[:1]} against {spark_rows[:1]}"]
    if len(duck_rows) != len(spark_rows):
        return [f"{name}: {len(duck_rows) - 1} rows against {len(spark_rows) - 1}"]
    header = duck_rows[0]
    differences = []
    for number, (duck_row, spark_row) in enumerate(zip(duck_rows, spark_rows, strict=True)):
        for column, duck_cell, spark_cell in zip(header, duck_row, spark_row, strict=True):
            if column in BUILD_KEYS or duck_cell == spark_cell:
                continue
            duck_number, spark_number = as_number(duck_cell), as_number(spark_cell)
            if (
                duck_number is None
                or spark_number is None
                or not same_value(duck_number, spark_number)
            ):
                differences.append(f"{name} row {number} {column}: {duck_cell!r} vs {spark_cell!r}")
    return differences


def file_differences(duck_path: Path, spark_path: Path) -> list[str]:
    """Where an export file of the DuckDB build differs from the Spark build's (JSON or CSV)."""
    duck_text, spark_text = duck_path.read_text(), spark_path.read_text()
    if duck_path.suffix == ".json":
        return json_differences(json.loads(duck_text), json.loads(spark_text), duck_path.name)
    if duck_path.suffix == ".csv":
        return csv_differences(duck_text, spark_text, duck_path.name)
    return [] if duck_text == spark_text else [f"{duck_path.name}: the files differ"]
