"""Bad input, nothing lost (issue 2, item 7).

One dbt build over a folder of good runs plus one bad file per case, and one build over the
good runs alone. Every bad file yields exactly its expected `load_issues` rows, the build
succeeds, and every good run (including file names with quotes, spaces and non-ASCII
letters, in a folder whose path has them too) loads and is analysed exactly as it is alone.

The runs are small synthetic ndt phase-1 files written here, so these tests never need
../shared. The helpers (`synthetic_run`, `bad_input_builds`, `assert_same_rows`) are also
used by test_loading.py and test_tidy_format.py.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.conftest import DbtBuildError, build_warehouse, query

METRICS = ("stable_rank", "participation_ratio", "effective_rank_90", "nuclear_norm_ratio")
LAYERS = ("network.0", "network.2", "fc")
N_MEASUREMENTS = 40
INTERVAL = 5

# Public marts with one row per run (or finer) that a good run must reproduce exactly.
PER_RUN_MARTS = (
    "runs",
    "metric_values",
    "losses",
    "layer_stabilization",
    "convergence_order",
    "jumps",
    "critical_periods",
    "step_coordination",
)
# Columns that may differ for the same run loaded beside other runs: the file it came from,
# jump_type (k-means over the jumps of every run in the build: a cross-run step), and the
# Benjamini-Hochberg q-values (over every run x metric of the build) with corrected mode's
# is_strong, which is decided on them.
Q_VALUE_COLUMNS = tuple(
    f"{test}_q_value"
    for test in (
        "max_coordination",
        "coordinated_periods",
        "max_coordination_timing",
        "coordinated_periods_timing",
        "loss_coupling",
        "loss_coupling_stratified",
        "loss_coupling_circular",
    )
)
NOT_PER_RUN_COLUMNS = ("file_name", "jump_type", "q_value", "is_strong", *Q_VALUE_COLUMNS)


# --- synthetic runs ----------------------------------------------------------------------


def synthetic_run(
    seed: int,
    n_measurements: int = N_MEASUREMENTS,
    layers: Iterable[str] = LAYERS,
    metrics: Iterable[str] = METRICS,
    arch_name: str = "mlp_synthetic",
) -> dict[str, Any]:
    """A valid ndt phase-1 run: slowly drifting noisy metrics with one jump, a falling loss."""
    layers, metrics = tuple(layers), tuple(metrics)
    rng = np.random.default_rng(seed)
    levels = rng.uniform(2.0, 20.0, size=(len(layers), len(metrics)))
    jump_at = int(rng.integers(n_measurements // 3, 2 * n_measurements // 3 + 1))
    measurements = []
    for index in range(n_measurements):
        levels = levels * (1.0 + rng.normal(0.0, 0.01, levels.shape))
        if index == jump_at:
            levels = levels * rng.uniform(1.3, 1.6, levels.shape)
        measurements.append(
            {
                "step": index * INTERVAL,
                "epoch": 1 + index // 20,
                "loss": float(2.3 * math.exp(-index / 15) + 0.02 * rng.random()),
                "layer_metrics": {
                    layer: {metric: float(levels[i, j]) for j, metric in enumerate(metrics)}
                    for i, layer in enumerate(layers)
                },
            }
        )
    return {
        "arch_name": arch_name,
        "dataset_name": "mnist",
        "num_steps": n_measurements * INTERVAL,
        "measurement_interval": INTERVAL,
        "final_accuracy": round(float(rng.uniform(0.8, 0.99)), 4),
        "elapsed_time": 12.5,
        "architecture_params": {"depth": len(layers)},
        "measurements": measurements,
    }


def write_json(path: Path, document: Any) -> None:
    # allow_nan (the default) writes NaN and Infinity as Python's json does.
    path.write_text(json.dumps(document), encoding="utf-8")


def write_gzip(path: Path, document: Any) -> None:
    path.write_bytes(gzip.compress(json.dumps(document).encode("utf-8")))


# --- the cases ---------------------------------------------------------------------------

BAD_INDEX = 3  # the measurement every measurement-level case spoils
BAD_LAYER = "network.2"
BAD_METRIC = "participation_ratio"


def spoiled(seed: int, spoil: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    document = synthetic_run(seed)
    spoil(document)
    return document


def with_value(value: Any) -> Callable[[dict[str, Any]], None]:
    def spoil(document: dict[str, Any]) -> None:
        document["measurements"][BAD_INDEX]["layer_metrics"][BAD_LAYER][BAD_METRIC] = value

    return spoil


def at_bad_measurement(change: Callable[[dict[str, Any]], None]) -> Callable[[dict], None]:
    def spoil(document: dict[str, Any]) -> None:
        change(document["measurements"][BAD_INDEX])

    return spoil


def set_measurement(value: Any) -> Callable[[dict[str, Any]], None]:
    def spoil(document: dict[str, Any]) -> None:
        document["measurements"][BAD_INDEX] = value

    return spoil


@dataclass(frozen=True)
class Case:
    file_name: str
    write: Callable[[Path], None]
    # (problem, measurement_index, layer, metric) of every load_issues row of the file.
    expected: frozenset[tuple[str, int | None, str | None, str | None]]
    # What happens to the run: None (file not loaded), "analysed" or "not analysed".
    run_outcome: str | None = None


def file_case(file_name: str, write: Callable[[Path], None], problem: str) -> Case:
    return Case(file_name, write, frozenset({(problem, None, None, None)}))


def measurement_case(
    file_name: str,
    spoil: Callable[[dict[str, Any]], None],
    *issues: tuple[str, str | None, str | None],
) -> Case:
    return Case(
        file_name,
        lambda path: write_json(path, spoiled(100, spoil)),
        frozenset((problem, BAD_INDEX, layer, metric) for problem, layer, metric in issues),
        run_outcome="analysed",
    )


def _truncated(path: Path) -> None:
    text = json.dumps(synthetic_run(101))
    path.write_text(text[: len(text) // 2], encoding="utf-8")


def _duplicate_layer_key(path: Path) -> None:
    # Two "network.0" keys in one measurement's layer_metrics (json.dumps cannot write that).
    text = json.dumps(synthetic_run(102))
    bad = json.dumps(synthetic_run(102)["measurements"][BAD_INDEX])
    doubled = bad.replace('"network.2":', '"network.0":', 1)
    path.write_text(text.replace(bad, doubled, 1), encoding="utf-8")


def _duplicate_steps(document: dict[str, Any]) -> None:
    document["measurements"][BAD_INDEX]["step"] = document["measurements"][BAD_INDEX - 1]["step"]


def _no_measurements(document: dict[str, Any]) -> None:
    document["measurements"] = []


def _invalid_fields(document: dict[str, Any]) -> None:
    document["num_steps"] = "two thousand"
    document["final_accuracy"] = None  # null is "not given": no issue
    document["measurement_interval"] = 2.5


FILE_CASES = [
    Case(
        "not_utf8.json",
        lambda path: path.write_bytes(b'{"arch_name": "\xff\xfe", "measurements": []}'),
        frozenset({("unreadable", None, None, None)}),
    ),
    file_case("not_gzip.json.gz", lambda path: path.write_bytes(b"not gzip at all"), "unreadable"),
    file_case(
        "gzip_not_utf8.json.gz",
        lambda path: path.write_bytes(gzip.compress(b'{"a": "\xff"}')),
        "unreadable",
    ),
    file_case("empty.json", lambda path: path.write_text(""), "empty_file"),
    file_case("blank.json", lambda path: path.write_text("  \n\t\n"), "empty_file"),
    file_case("truncated.json", _truncated, "invalid_json"),
    file_case("not_json.json", lambda path: path.write_text("step,loss\n0,2.3\n"), "invalid_json"),
    file_case(
        "top_level_array.json", lambda path: write_json(path, [synthetic_run(103)]), "wrong_shape"
    ),
    file_case(
        "measurements_not_array.json",
        lambda path: write_json(path, {"arch_name": "x", "measurements": {"step": 0}}),
        "wrong_shape",
    ),
    file_case(
        "measurements_missing.json",
        lambda path: write_json(path, {"arch_name": "mlp_x", "num_steps": 10}),
        "wrong_shape",
    ),
]

MEASUREMENT_CASES = [
    measurement_case("null_value.json", with_value(None), ("null_value", BAD_LAYER, BAD_METRIC)),
    measurement_case(
        "non_numeric_value.json", with_value("0.5"), ("non_numeric_value", BAD_LAYER, BAD_METRIC)
    ),
    measurement_case(
        "nan_value.json", with_value(float("nan")), ("non_finite_value", BAD_LAYER, BAD_METRIC)
    ),
    measurement_case(
        "infinite_value.json",
        with_value(float("-inf")),
        ("non_finite_value", BAD_LAYER, BAD_METRIC),
    ),
    measurement_case(
        "missing_value.json",
        at_bad_measurement(lambda m: m["layer_metrics"][BAD_LAYER].pop(BAD_METRIC)),
        ("missing_value", BAD_LAYER, BAD_METRIC),
    ),
    measurement_case(
        "missing_layer.json",
        at_bad_measurement(lambda m: m["layer_metrics"].pop(BAD_LAYER)),
        ("missing_layer", BAD_LAYER, None),
    ),
    measurement_case(
        "layer_not_object.json",
        at_bad_measurement(lambda m: m["layer_metrics"].update({BAD_LAYER: [1.0, 2.0]})),
        ("layer_not_object", BAD_LAYER, None),
    ),
    measurement_case(
        "no_layer_metrics.json",
        at_bad_measurement(lambda m: m.pop("layer_metrics")),
        ("missing_layer_metrics", None, None),
    ),
    measurement_case(
        "missing_loss.json",
        at_bad_measurement(lambda m: m.pop("loss")),
        ("missing_loss", None, None),
    ),
    measurement_case(
        "invalid_loss.json",
        at_bad_measurement(lambda m: m.update({"loss": "high"})),
        ("invalid_loss", None, None),
    ),
    measurement_case(
        "invalid_step.json",
        at_bad_measurement(lambda m: m.update({"step": "15"})),
        ("invalid_step", None, None),
    ),
    measurement_case(
        "huge_step.json",
        at_bad_measurement(lambda m: m.update({"step": 1e30})),
        ("invalid_step", None, None),
    ),
    measurement_case(
        "measurement_not_object.json",
        set_measurement(5),
        ("invalid_step", None, None),
        ("missing_loss", None, None),
        ("missing_layer_metrics", None, None),
    ),
    Case(
        "duplicate_layer_key.json",
        _duplicate_layer_key,
        frozenset({("missing_layer_metrics", BAD_INDEX, None, None)}),
        run_outcome="analysed",
    ),
]

RUN_CASES = [
    Case(
        "duplicate_steps.json",
        lambda path: write_json(path, spoiled(104, _duplicate_steps)),
        frozenset(
            {
                ("duplicate_step", BAD_INDEX - 1, None, None),
                ("duplicate_step", BAD_INDEX, None, None),
            }
        ),
        run_outcome="not analysed",
    ),
    Case(
        "out_of_order_steps.json",
        lambda path: write_json(
            path, spoiled(105, at_bad_measurement(lambda m: m.update({"step": 1})))
        ),
        frozenset({("out_of_order_step", BAD_INDEX, None, None)}),
        run_outcome="not analysed",
    ),
    Case(
        "no_measurements.json",
        lambda path: write_json(path, spoiled(106, _no_measurements)),
        frozenset({("no_measurements", None, None, None)}),
        run_outcome="not analysed",
    ),
    Case(
        "too_few_measurements.json",
        lambda path: write_json(path, synthetic_run(107, n_measurements=2)),
        frozenset({("too_few_measurements", None, None, None)}),
        run_outcome="not analysed",
    ),
    Case(
        "invalid_fields.json",
        lambda path: write_json(path, spoiled(108, _invalid_fields)),
        frozenset({("invalid_field", None, None, None)}),
        run_outcome="analysed",
    ),
    # x.json beside x.json.gz: neither loads, both are named.
    file_case("twin.json", lambda path: write_json(path, synthetic_run(109)), "duplicate_run_id"),
    file_case(
        "twin.json.gz", lambda path: write_gzip(path, synthetic_run(109)), "duplicate_run_id"
    ),
    # A broken x.json claims nothing: x.json.gz beside it loads (a good run, below).
    file_case(
        "broken_twin.json", lambda path: path.write_text('{"measurements": ['), "invalid_json"
    ),
]

CASES = FILE_CASES + MEASUREMENT_CASES + RUN_CASES
EXPECTED_INVALID_FIELDS = 2  # invalid_fields.json: num_steps and measurement_interval


def good_runs() -> dict[str, dict[str, Any]]:
    """Good runs by file name (in the bad-input folder); each must load as it does alone."""
    return {
        "good_a.json": synthetic_run(1),
        "good_b.json": synthetic_run(2, layers=("conv_layers.0", "conv_layers.1", "fc")),
        "good_c.json": synthetic_run(3, arch_name="transformer_tiny"),
        "it's quoted.json": synthetic_run(4),
        'say "hi".json': synthetic_run(5),
        "with  spaces.json": synthetic_run(6),
        "ñandú-überlänge_日本.json": synthetic_run(7),
        # Arbitrary layer names and metric keys: every key found is loaded.
        "custom_layers.json": synthetic_run(
            8, layers=("enc.ä", "dec 'x'", "head"), metrics=(*METRICS, "grad_norm")
        ),
        "compressed.json.gz": synthetic_run(9),
        "broken_twin.json.gz": synthetic_run(10),
        "minimal_fields.json": {
            "measurements": synthetic_run(11)["measurements"],
        },
    }


def run_id_of(file_name: str) -> str:
    return file_name.removesuffix(".gz").removesuffix(".json")


def write_good_runs(folder: Path, compressed: bool) -> None:
    """The good runs; with compressed=False the .json.gz ones are written as plain .json."""
    for file_name, document in good_runs().items():
        if file_name.endswith(".gz") and compressed:
            write_gzip(folder / file_name, document)
        else:
            write_json(folder / f"{run_id_of(file_name)}.json", document)


@dataclass(frozen=True)
class BadInputBuilds:
    bad_runs: Path
    good_runs: Path
    bad_warehouse: Path
    good_warehouse: Path


_BUILDS: dict[int, BadInputBuilds] = {}


def bad_input_builds(tmp_path_factory: pytest.TempPathFactory) -> BadInputBuilds:
    """The bad-input build and the good-runs-alone build, made once per session and shared
    by the test modules."""
    key = id(tmp_path_factory)
    if key not in _BUILDS:
        _BUILDS[key] = _build_bad_inputs(tmp_path_factory)
    return _BUILDS[key]


def _build_bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> BadInputBuilds:
    root = tmp_path_factory.mktemp("bad_inputs")
    # The folder path itself has a quote, spaces and non-ASCII letters.
    bad_runs = root / "runs with 'bad' ïnput"
    good_runs_dir = root / "good runs alone"
    bad_runs.mkdir()
    good_runs_dir.mkdir()
    write_good_runs(bad_runs, compressed=True)
    write_good_runs(good_runs_dir, compressed=False)
    for case in CASES:
        case.write(bad_runs / case.file_name)
    (bad_runs / "notes.txt").write_text("not a run: ignored")
    return BadInputBuilds(
        bad_runs=bad_runs,
        good_runs=good_runs_dir,
        bad_warehouse=build_warehouse(root / "bad_build", bad_runs),
        good_warehouse=build_warehouse(root / "good_build", good_runs_dir),
    )


# --- comparing warehouses ------------------------------------------------------------------


def fetch(warehouse: Path, table: str, run_ids: Iterable[str] | None = None) -> pd.DataFrame:
    sql = f"select * from main.{table}"
    parameters: list[object] = []
    if run_ids is not None:
        sql += " where run_id in (select unnest($1::varchar[]))"
        parameters = [sorted(run_ids)]
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql, parameters).df()


def assert_same_rows(
    left: pd.DataFrame, right: pd.DataFrame, ignore: Iterable[str] = (), label: str = ""
) -> None:
    """Same rows in any order; floats equal to 1e-9 relative (DuckDB's parallel sums may
    differ in the last bits between two builds of the same input)."""
    assert set(left.columns) == set(right.columns), label
    assert len(left) == len(right), f"{label}: {len(left)} rows != {len(right)} rows"
    columns = sorted(set(left.columns) - set(ignore))
    floats = [c for c in columns if pd.api.types.is_float_dtype(left[c])]
    exact = [c for c in columns if c not in floats]

    def ordered(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[columns].copy()
        keys = pd.DataFrame({c: frame[c].map(repr) for c in exact})
        for c in floats:
            keys[c] = frame[c].round(6)
        order = keys.sort_values(list(keys.columns), kind="stable").index
        return frame.loc[order].reset_index(drop=True)

    a, b = ordered(left), ordered(right)
    pd.testing.assert_frame_equal(a[exact], b[exact], check_dtype=False, obj=label)
    for c in floats:
        assert np.allclose(a[c], b[c], rtol=1e-9, atol=1e-12, equal_nan=True), f"{label}.{c}"


# --- tests ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> BadInputBuilds:
    return bad_input_builds(tmp_path_factory)


@pytest.fixture(scope="module")
def issues(builds: BadInputBuilds) -> pd.DataFrame:
    return fetch(builds.bad_warehouse, "load_issues")


@pytest.mark.parametrize("case", CASES, ids=[case.file_name for case in CASES])
def test_bad_file_yields_its_load_issues(case: Case, issues: pd.DataFrame) -> None:
    rows = issues[issues.file_name == case.file_name]
    found = [
        (
            row.problem,
            None if pd.isna(row.measurement_index) else int(row.measurement_index),
            None if pd.isna(row.layer) else row.layer,
            None if pd.isna(row.metric) else row.metric,
        )
        for row in rows.itertuples()
    ]
    if case.file_name == "invalid_fields.json":
        assert len(found) == EXPECTED_INVALID_FIELDS
        assert set(rows.detail.str.split().str[0]) == {"num_steps", "measurement_interval"}
    else:
        assert len(found) == len(set(found)), "one row per problem"
    assert set(found) == case.expected
    assert rows.detail.notna().all() and (rows.detail.str.len() > 0).all()
    expected_run_id = run_id_of(case.file_name)
    assert (rows.run_id == expected_run_id).all()


def test_only_bad_files_are_reported(issues: pd.DataFrame) -> None:
    assert set(issues.file_name) == {case.file_name for case in CASES}


def test_every_file_is_loaded_or_reported(builds: BadInputBuilds) -> None:
    loaded = {row[0] for row in query(builds.bad_warehouse, "select file_name from runs")}
    reported = {
        row[0]
        for row in query(
            builds.bad_warehouse,
            "select file_name from load_issues where consequence = 'file not loaded'",
        )
    }
    run_files = {
        path.name for path in builds.bad_runs.iterdir() if path.name.endswith((".json", ".json.gz"))
    }
    assert loaded | reported == run_files
    assert not loaded & reported


def test_run_outcomes(builds: BadInputBuilds) -> None:
    runs = {
        row[0]: row[1:]
        for row in query(
            builds.bad_warehouse, "select run_id, is_analyzed, n_complete_measurements from runs"
        )
    }
    for case in CASES:
        run_id = run_id_of(case.file_name)
        if case.run_outcome is None:
            if case.file_name != "broken_twin.json":
                assert run_id not in runs, case.file_name
        else:
            assert runs[run_id][0] == (case.run_outcome == "analysed"), case.file_name
    for case in MEASUREMENT_CASES:
        assert runs[run_id_of(case.file_name)][1] == N_MEASUREMENTS - 1, case.file_name


def test_measurement_problems_exclude_only_that_measurement(builds: BadInputBuilds) -> None:
    run_ids = [run_id_of(case.file_name) for case in MEASUREMENT_CASES]
    excluded = query(
        builds.bad_warehouse,
        """
        select run_id, list(distinct measurement_index order by measurement_index)
        from metric_values
        where run_id in (select unnest($1::varchar[])) and not is_analyzed
        group by run_id
        """,
        [run_ids],
    )
    # Every measurement-level problem excludes its measurement, and only it, for all layers;
    # the good values of that measurement are still loaded (not for a measurement that is
    # not an object or whose layer_metrics could not be read: it has no values).
    no_values = {"measurement_not_object", "no_layer_metrics", "duplicate_layer_key"}
    assert dict(excluded) == {run_id: [BAD_INDEX] for run_id in run_ids if run_id not in no_values}
    analysed_steps = query(
        builds.bad_warehouse,
        """
        select run_id, count(distinct measurement_index)
        from step_coordination
        where run_id in (select unnest($1::varchar[]))
        group by run_id
        """,
        [run_ids],
    )
    assert {count for _, count in analysed_steps} == {N_MEASUREMENTS - 1}


def test_runs_not_analysed_have_no_analysis_rows(builds: BadInputBuilds) -> None:
    run_ids = [
        run_id_of(case.file_name) for case in RUN_CASES if case.run_outcome == "not analysed"
    ]
    for mart in ("layer_stabilization", "jumps", "critical_periods", "step_coordination"):
        assert fetch(builds.bad_warehouse, mart, run_ids).empty, mart


def test_good_runs_load_and_analyse_exactly_as_alone(builds: BadInputBuilds) -> None:
    good_ids = {run_id_of(name) for name in good_runs()}
    runs = {
        row[0]: row[1]
        for row in query(builds.bad_warehouse, "select run_id, is_analyzed from runs")
    }
    assert all(runs[run_id] for run_id in good_ids)
    for mart in PER_RUN_MARTS:
        alone = fetch(builds.good_warehouse, mart)
        beside_bad = fetch(builds.bad_warehouse, mart, good_ids)
        assert not alone.empty, mart
        assert set(alone.run_id) == good_ids, mart
        # n_load_issues counts by run id: broken_twin's is the broken broken_twin.json's.
        assert_same_rows(
            beside_bad, alone, ignore=(*NOT_PER_RUN_COLUMNS, "n_load_issues"), label=mart
        )
    issue_counts = dict(query(builds.bad_warehouse, "select run_id, n_load_issues from runs"))
    assert {run_id: issue_counts[run_id] for run_id in good_ids} == {
        run_id: int(run_id == "broken_twin") for run_id in good_ids
    }


def test_odd_file_names_keep_their_names(builds: BadInputBuilds) -> None:
    names = dict(query(builds.bad_warehouse, "select run_id, file_name from runs"))
    for file_name in good_runs():
        assert names[run_id_of(file_name)] == file_name


def test_runs_folder_without_runs_fails_naming_the_folder(dbt_runner, tmp_path: Path) -> None:
    folder = tmp_path / "no runs 'here'"
    folder.mkdir()
    (folder / "readme.txt").write_text("no runs")
    with pytest.raises(DbtBuildError) as failure:
        dbt_runner(folder)
    message = str(failure.value)
    assert "No training runs" in message
    assert str(folder) in message
