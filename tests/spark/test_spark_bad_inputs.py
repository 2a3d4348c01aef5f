"""Bad input on Spark: the bad-input suite's files give the same load issues as on DuckDB
(`make test-spark`; docs/spark.md, "Known differences").

Every case of tests/test_bad_inputs.py (unreadable, empty, truncated and mis-shaped files,
spoiled values, steps and layers, twins) is written beside the good runs of that suite into
a folder whose path has a quote, spaces and non-ASCII letters, and the loading layer with
the load issues and the runs mart (`+load_issues +runs`) is built with real dbt on both
engines. Per file, the problems (problem, measurement, layer, metric) must be the same on
both engines, except for the differences listed in KNOWN_DIFFERENCES, which must be exactly
as listed (so a difference that goes away, or a new one, fails the test); the runs must be
loaded and analysed alike. A good run in the tidy format (metrics.csv, losses.csv, runs.csv)
loads on DuckDB; Spark does not read the tidy format yet and must report each of its files
(`not_read_on_spark`), not drop it silently.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from python_steps.loading import write_tidy_runs
from tests.spark.comparison import LOAD_ISSUE_COLUMNS
from tests.spark.test_spark_matches_duckdb import (
    build_together,
    prerequisites,  # noqa: F401 (a fixture of this module too)
    read_duckdb_tables,
    read_spark_tables,
)
from tests.test_bad_inputs import (
    BAD_INDEX,
    BAD_LAYER,
    BAD_METRIC,
    CASES,
    synthetic_run,
    write_good_runs,
)

SELECTION = ("--select", "+load_issues", "+runs")
TABLES = {
    "load_issues": (LOAD_ISSUE_COLUMNS, set()),
    "runs": (["run_id"], set()),
}
Problem = tuple[str, int | None, str | None, str | None]
# A good run in the tidy format: loaded on DuckDB, each file reported on Spark.
TIDY_RUN_ID = "tidy_good_run"
TIDY_FILES = {"metrics.csv", "losses.csv", "runs.csv"}
NOT_READ_ON_SPARK: frozenset[Problem] = frozenset({("not_read_on_spark", None, None, None)})
# Files whose load issues differ between the engines, by design of the readers (each is
# explained in docs/spark.md, "Known differences"): file -> (DuckDB's problems, Spark's).
BAD = (BAD_INDEX, BAD_LAYER, BAD_METRIC)  # the spoiled measurement, layer and metric
KNOWN_DIFFERENCES: dict[str, tuple[frozenset[Problem], frozenset[Problem]]] = {
    # `NaN` / `-Infinity` (what Python's json writes) are not JSON: DuckDB's parser reads them
    # as numbers and flags the value; Spark's try_parse_json rejects the whole file.
    "nan_value.json": (
        frozenset({("non_finite_value", *BAD)}),
        frozenset({("invalid_json", None, None, None)}),
    ),
    "infinite_value.json": (
        frozenset({("non_finite_value", *BAD)}),
        frozenset({("invalid_json", None, None, None)}),
    ),
    # A layer that is not an object: Spark's from_json nulls the measurement's whole map.
    "layer_not_object.json": (
        frozenset({("layer_not_object", BAD[0], BAD[1], None)}),
        frozenset({("missing_layer_metrics", BAD[0], None, None)}),
    ),
    # A measurement that is not an object (`5`): Spark's from_json nulls the whole list of
    # measurements; DuckDB flags that one measurement.
    "measurement_not_object.json": (
        frozenset(
            {
                ("invalid_step", BAD[0], None, None),
                ("missing_loss", BAD[0], None, None),
                ("missing_layer_metrics", BAD[0], None, None),
            }
        ),
        frozenset({("no_measurements", None, None, None)}),
    ),
    # A layer named twice in one measurement: DuckDB's reader loses that measurement's layers;
    # on Spark the duplicated key fails try_parse_json for the whole file.
    "duplicate_layer_key.json": (
        frozenset({("missing_layer_metrics", BAD[0], None, None)}),
        frozenset({("invalid_json", None, None, None)}),
    ),
}


@pytest.fixture(scope="module")
def bad_input_tables(
    prerequisites: None,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, dict[str, list[dict]]]:
    root = tmp_path_factory.mktemp("spark_bad_inputs") / "runs with 'bad' ïnput"
    runs = root / "runs"
    runs.mkdir(parents=True)
    (root / "fixtures").mkdir()
    write_good_runs(runs, compressed=True)
    for case in CASES:
        case.write(runs / case.file_name)
    write_tidy_runs({TIDY_RUN_ID: synthetic_run(420)}, runs)
    (runs / "notes.txt").write_text("not a run: ignored")
    work = root / "work"
    build_together(
        (work / "duckdb", root, "dev", ("build", *SELECTION)),
        (work / "spark", root, "spark", ("build", *SELECTION)),
    )
    return {
        "duckdb": read_duckdb_tables(work / "duckdb" / "warehouse.duckdb", TABLES),
        "spark": read_spark_tables(work / "spark", TABLES),
    }


def problems_by_file(load_issues: list[dict]) -> dict[str, frozenset[Problem]]:
    problems: dict[str, set[Problem]] = defaultdict(set)
    for row in load_issues:
        problems[row["file_name"]].add(
            (row["problem"], row["measurement_index"], row["layer"], row["metric"])
        )
    return {file_name: frozenset(found) for file_name, found in problems.items()}


def test_bad_files_give_the_same_load_issues_on_both_engines(
    bad_input_tables: dict[str, dict[str, list[dict]]],
) -> None:
    duck = problems_by_file(bad_input_tables["duckdb"]["load_issues"])
    spark = problems_by_file(bad_input_tables["spark"]["load_issues"])
    # Every case is named on DuckDB (the bad-input suite checks what with).
    assert {case.file_name for case in CASES} <= set(duck)
    # The tidy run's files: read on DuckDB (no problem), each reported on Spark.
    assert not TIDY_FILES & set(duck)
    assert {name: spark.get(name) for name in TIDY_FILES} == dict.fromkeys(
        TIDY_FILES, NOT_READ_ON_SPARK
    )
    differences = {
        file_name: (duck.get(file_name, frozenset()), spark.get(file_name, frozenset()))
        for file_name in (set(duck) | set(spark)) - TIDY_FILES
        if duck.get(file_name) != spark.get(file_name)
    }
    assert differences == KNOWN_DIFFERENCES


def test_runs_load_and_are_analysed_alike(
    bad_input_tables: dict[str, dict[str, list[dict]]],
) -> None:
    def outcome(rows: list[dict]) -> dict[str, tuple]:
        return {
            row["run_id"]: tuple(
                row[column] for column in ("file_name", "is_analyzed", "n_measurements", "n_layers")
            )
            for row in rows
        }

    duck = outcome(bad_input_tables["duckdb"]["runs"])
    spark = outcome(bad_input_tables["spark"]["runs"])
    assert len(duck) > 5
    # The tidy run loads and is analysed on DuckDB only (Spark reports its files).
    assert duck.pop(TIDY_RUN_ID)[:2] == ("metrics.csv", True)
    assert TIDY_RUN_ID not in spark
    # The files of KNOWN_DIFFERENCES load on DuckDB; on Spark some do not (invalid_json,
    # no_measurements), as their load issues say.
    differ = {run_id for run_id, row in duck.items() if row[0] in KNOWN_DIFFERENCES}
    assert {duck[run_id][0] for run_id in differ} == set(KNOWN_DIFFERENCES)
    assert {k: v for k, v in spark.items() if k not in differ} == {
        k: v for k, v in duck.items() if k not in differ
    }
