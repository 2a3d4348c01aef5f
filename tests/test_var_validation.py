"""Every var is validated before any model runs (issue 10, item 6).

A var of the wrong type or out of range stops `dbt build` with one error naming the var,
before the warehouse gets a single table: a numeric var holding SQL never reaches SQL. The
boundary values the ranges allow pass.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import DbtBuildError, run_dbt
from tests.test_bad_inputs import synthetic_run, write_json

# (vars as YAML text, the var the error must name, the words it must say)
REJECTED = [
    (
        "{coordinated_threshold: '0.5 or true); drop table runs; --'}",
        "coordinated_threshold",
        "it is not a number",
    ),
    ("{coordinated_threshold: 0}", "coordinated_threshold", "must be a number in (0, 1]"),
    ("{coordinated_threshold: 1.5}", "coordinated_threshold", "it is out of range"),
    ("{null_permutations: 0}", "null_permutations", "must be a whole number >= 1"),
    ("{null_permutations: 2.5}", "null_permutations", "it is not a whole number"),
    ("{null_permutations: true}", "null_permutations", "it is not a number"),
    ("{analysis_mode: Reference}", "analysis_mode", "must be one of corrected, reference"),
    ("{stabilization_fraction: .nan}", "stabilization_fraction", "it is not finite"),
    ("{critical_percentile: 1}", "critical_percentile", "must be a number in (0, 1)"),
    ("{min_measurements: 2}", "min_measurements", "must be a whole number >= 3"),
    ("{stabilization_window: '20'}", "stabilization_window", "it is not a number"),
    ("{validity_metric: 7}", "validity_metric", "it is not a text"),
    ("{include_noise: 'no'}", "include_noise", "it is not true or false"),
]

ACCEPTED = (
    "{coordinated_threshold: 1, null_permutations: 1, analysis_mode: reference,"
    " critical_percentile: 0.999, stabilization_fraction: 1.0e-3, noise_relative_magnitude: 0,"
    " min_measurements: 3, top_n: 1, include_noise: false, metric: stable_rank}"
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("var_runs")
    write_json(folder / "run.json", synthetic_run(31))
    return folder


def dbt_with_vars(work_dir: Path, runs: Path, command: str, vars_yaml: str) -> None:
    # The last --vars wins: YAML text can say what JSON cannot (.nan).
    extra = ["validate_vars"] if command == "run-operation" else []
    run_dbt(work_dir, runs, command=command, extra_args=[*extra, "--vars", vars_yaml])


def tables_in(warehouse: Path) -> list[tuple]:
    if not warehouse.exists():
        return []
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(
            "select table_name from information_schema.tables where table_catalog = 'warehouse'"
        ).fetchall()


@pytest.mark.parametrize(("vars_yaml", "name", "words"), REJECTED, ids=[r[0] for r in REJECTED])
def test_invalid_var_stops_the_build_before_any_model(
    tmp_path: Path, runs: Path, vars_yaml: str, name: str, words: str
) -> None:
    with pytest.raises(DbtBuildError) as failure:
        dbt_with_vars(tmp_path, runs, "build", vars_yaml)
    message = str(failure.value)
    assert f"Invalid var '{name}'" in message
    assert words in message
    assert message.count("Invalid var") == 1, "one clear error"
    assert tables_in(tmp_path / "warehouse.duckdb") == []


def test_unknown_var_is_named(tmp_path: Path, runs: Path) -> None:
    with pytest.raises(DbtBuildError) as failure:
        dbt_with_vars(tmp_path, runs, "build", "{coordinated_treshold: 0.4}")
    message = str(failure.value)
    assert "Unknown var 'coordinated_treshold'" in message
    assert "coordinated_threshold" in message  # the known names are listed
    assert tables_in(tmp_path / "warehouse.duckdb") == []


def test_boundary_values_are_accepted(tmp_path: Path, runs: Path) -> None:
    dbt_with_vars(tmp_path, runs, "run-operation", ACCEPTED)


def test_every_project_var_has_a_rule() -> None:
    import yaml

    root = Path(__file__).resolve().parents[1]
    project_vars = yaml.safe_load((root / "dbt_project.yml").read_text())["vars"]
    rules = (root / "macros" / "validate_vars.sql").read_text()
    missing = [name for name in project_vars if f"'{name}':" not in rules]
    assert missing == []
