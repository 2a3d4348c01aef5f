"""The tidy long format for runs from other trackers (issue 2, item 4).

metrics.csv|parquet (run_id, step, layer, metric, value), losses.csv|parquet (run_id, step,
loss) and optional runs.csv feed the same pipeline as ndt JSON files: the good runs of
test_bad_inputs.py written in tidy form give the same marts as their JSON files alone, bad
tidy rows are reported in load_issues, and a tidy run id that is also a JSON run loads
neither.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from python_steps.loading import write_tidy_runs
from tests.conftest import DbtBuildError, build_warehouse
from tests.test_bad_inputs import (
    BAD_INDEX,
    BAD_LAYER,
    BAD_METRIC,
    N_MEASUREMENTS,
    NOT_PER_RUN_COLUMNS,
    PER_RUN_MARTS,
    BadInputBuilds,
    assert_same_rows,
    at_bad_measurement,
    bad_input_builds,
    fetch,
    good_runs,
    run_id_of,
    spoiled,
    synthetic_run,
    with_value,
    write_json,
)


def good_documents() -> dict[str, dict[str, Any]]:
    return {run_id_of(name): document for name, document in good_runs().items()}


def bad_documents() -> dict[str, dict[str, Any]]:
    def invalid_step(measurement: dict[str, Any]) -> None:
        measurement["step"] = "x"

    return {
        "tidy_null": spoiled(400, with_value(None)),
        "tidy_text": spoiled(401, with_value("abc")),
        "tidy_nan": spoiled(402, with_value(float("nan"))),
        "tidy_missing_loss": spoiled(403, at_bad_measurement(lambda m: m.update({"loss": None}))),
        "tidy_missing_layer": spoiled(
            404, at_bad_measurement(lambda m: m["layer_metrics"].pop(BAD_LAYER))
        ),
        "tidy_invalid_step": spoiled(405, at_bad_measurement(invalid_step)),
        "tidy_duplicate": synthetic_run(406),
        "tidy_bad_row": synthetic_run(407),
        "tidy_too_few": synthetic_run(408, n_measurements=2),
        "tidy_attributes": {**synthetic_run(409), "num_steps": "many"},
        "clash": synthetic_run(410),
    }


def append_rows(path: Path, rows: list[list[Any]]) -> None:
    with path.open("a", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)


# (file_name, run_id, problem, measurement_index, layer, metric)
EXPECTED_ISSUES = {
    ("metrics.csv", "tidy_null", "null_value", BAD_INDEX, BAD_LAYER, BAD_METRIC),
    ("metrics.csv", "tidy_text", "non_numeric_value", BAD_INDEX, BAD_LAYER, BAD_METRIC),
    ("metrics.csv", "tidy_nan", "non_finite_value", BAD_INDEX, BAD_LAYER, BAD_METRIC),
    ("metrics.csv", "tidy_missing_loss", "missing_loss", BAD_INDEX, None, None),
    ("metrics.csv", "tidy_missing_layer", "missing_layer", BAD_INDEX, BAD_LAYER, None),
    # A step that is not a number ranks last; its loss row cannot be matched to it.
    ("metrics.csv", "tidy_invalid_step", "invalid_step", N_MEASUREMENTS - 1, None, None),
    ("metrics.csv", "tidy_invalid_step", "missing_loss", N_MEASUREMENTS - 1, None, None),
    ("losses.csv", "tidy_invalid_step", "unmatched_loss", None, None, None),
    ("metrics.csv", "tidy_duplicate", "duplicate_value", BAD_INDEX, BAD_LAYER, BAD_METRIC),
    ("metrics.csv", "tidy_bad_row", "invalid_row", None, None, None),
    ("metrics.csv", "tidy_too_few", "too_few_measurements", None, None, None),
    ("runs.csv", "tidy_attributes", "invalid_field", None, None, None),
    ("losses.csv", "ghost", "unmatched_loss", None, None, None),
    ("runs.csv", "tidy_null", "duplicate_run_attributes", None, None, None),
    ("runs.csv", "nobody", "unmatched_run_attributes", None, None, None),
    ("metrics.csv", "clash", "duplicate_run_id", None, None, None),
    ("clash.json", "clash", "duplicate_run_id", None, None, None),
    # The clashing tidy run does not load: its loss and runs.csv rows are named too.
    ("losses.csv", "clash", "unmatched_loss", None, None, None),
    ("runs.csv", "clash", "unmatched_run_attributes", None, None, None),
}


@pytest.fixture(scope="module")
def json_builds(tmp_path_factory: pytest.TempPathFactory) -> BadInputBuilds:
    return bad_input_builds(tmp_path_factory)


@pytest.fixture(scope="module")
def csv_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Good runs and bad tidy runs in CSV, beside a JSON run whose id a tidy run reuses."""
    root = tmp_path_factory.mktemp("tidy_csv")
    runs = root / "tidy 'csv' rüns"
    write_tidy_runs({**good_documents(), **bad_documents()}, runs, "csv")
    step = BAD_INDEX * 5
    append_rows(
        runs / "metrics.csv",
        [
            ["tidy_duplicate", step, BAD_LAYER, BAD_METRIC, "1.5"],  # a second value
            ["tidy_bad_row", 0, "", "stable_rank", "1.0"],  # no layer
        ],
    )
    append_rows(runs / "losses.csv", [["ghost", 5, "1.0"]])
    append_rows(
        runs / "runs.csv",
        [["tidy_null", "mlp_other", "mnist", "", "", "", ""], ["nobody", "", "", "", "", "", ""]],
    )
    write_json(runs / "clash.json", synthetic_run(411))
    return build_warehouse(root / "build", runs)


@pytest.fixture(scope="module")
def parquet_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Good runs in parquet, rows in reverse step order, beside unusable CSV files."""
    root = tmp_path_factory.mktemp("tidy_parquet")
    runs = root / "runs"
    # Measurement order comes from the step, layer order from first appearance: reversing
    # the measurements keeps both.
    reversed_runs = {
        run_id: {**document, "measurements": document["measurements"][::-1]}
        for run_id, document in good_documents().items()
    }
    write_tidy_runs(reversed_runs, runs, "parquet")
    # Not loaded, reported: a metrics.csv without a value column, an empty losses.csv.
    (runs / "metrics.csv").write_text("run_id,step,layer,metric,val\nx,0,a,b,1.0\n")
    (runs / "losses.csv").write_text("")
    return build_warehouse(root / "build", runs)


def issue_rows(warehouse: Path) -> set[tuple[Any, ...]]:
    issues = fetch(warehouse, "load_issues")
    return {
        tuple(None if pd.isna(value) else value for value in row)
        for row in issues[
            ["file_name", "run_id", "problem", "measurement_index", "layer", "metric"]
        ].itertuples(index=False)
    }


def test_tidy_csv_problems_are_reported(csv_warehouse: Path) -> None:
    issues = fetch(csv_warehouse, "load_issues")
    assert issue_rows(csv_warehouse) == EXPECTED_ISSUES
    assert len(issues) == len(EXPECTED_ISSUES)
    assert issues.detail.notna().all()


def test_tidy_csv_good_runs_equal_their_json_files(
    csv_warehouse: Path, json_builds: BadInputBuilds
) -> None:
    good_ids = set(good_documents())
    for mart in PER_RUN_MARTS:
        assert_same_rows(
            fetch(csv_warehouse, mart, good_ids),
            fetch(json_builds.good_warehouse, mart),
            ignore=NOT_PER_RUN_COLUMNS,
            label=mart,
        )


def test_tidy_bad_runs_load_like_json(csv_warehouse: Path) -> None:
    runs = fetch(csv_warehouse, "runs").set_index("run_id")
    assert "clash" not in runs.index
    assert (runs.loc[list(good_documents())].file_name == "metrics.csv").all()
    for run_id in ("tidy_null", "tidy_text", "tidy_nan", "tidy_missing_loss", "tidy_duplicate"):
        assert runs.loc[run_id].is_analyzed
        assert runs.loc[run_id].n_complete_measurements == N_MEASUREMENTS - 1
    assert not runs.loc["tidy_too_few"].is_analyzed
    assert runs.loc["tidy_bad_row"].n_complete_measurements == N_MEASUREMENTS
    # Attributes from runs.csv: not for a run listed twice, not for an unusable value.
    assert pd.isna(runs.loc["tidy_null"].arch_name)
    assert runs.loc["tidy_text"].arch_name == "mlp_synthetic"
    assert runs.loc["tidy_text"].arch_family == "mlp"
    assert runs.loc["tidy_attributes"].is_num_steps_inferred


def test_tidy_parquet_runs_equal_their_json_files(
    parquet_warehouse: Path, json_builds: BadInputBuilds
) -> None:
    for mart in PER_RUN_MARTS:
        assert_same_rows(
            fetch(parquet_warehouse, mart),
            fetch(json_builds.good_warehouse, mart),
            ignore=["file_name"],
            label=mart,
        )
    assert issue_rows(parquet_warehouse) == {
        ("metrics.csv", None, "wrong_shape", None, None, None),
        ("losses.csv", None, "empty_file", None, None, None),
    }


def test_unreadable_tidy_file_stops_the_build_naming_it(dbt_runner, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    write_tidy_runs({"a": synthetic_run(500)}, runs, "csv")
    (runs / "losses.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DbtBuildError) as failure:
        dbt_runner(runs)
    assert str(runs / "losses.parquet") in str(failure.value)


def test_tidy_only_folder_is_a_runs_folder(parquet_warehouse: Path) -> None:
    # The parquet folder holds no *.json: the on-run-start check accepts it.
    assert fetch(parquet_warehouse, "runs").shape[0] == len(good_documents())


def test_duplicate_rows_keep_no_value(csv_warehouse: Path) -> None:
    values = fetch(csv_warehouse, "metric_values", ["tidy_duplicate"])
    bad = values[
        (values.measurement_index == BAD_INDEX)
        & (values.layer == BAD_LAYER)
        & (values.metric == BAD_METRIC)
    ]
    assert bad.empty
    assert len(values) == N_MEASUREMENTS * 3 * 4 - 1
