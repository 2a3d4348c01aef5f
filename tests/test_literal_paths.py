"""Every path reaches DuckDB literally (issue 10, item 1).

A runs folder and run files whose names hold glob characters (`* ? [ ]`), braces, quotes,
backslashes, spaces, control characters, non-ASCII letters or a leading dash load exactly
like plain names do: the same rows as a clean build of the same runs under plain names, with
their names intact. Decoys that a glob would match (`exp1` for `exp[1]`, `r1.json` for
`r[1].json`) are never read in their place. A hypothesis property test draws folder and file
names from the whole alphabet a Linux file name allows.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from python_steps.run_files import glob_literal_path, is_readable_by_pattern
from tests.conftest import build_warehouse, query
from tests.test_bad_inputs import (
    NOT_PER_RUN_COLUMNS,
    PER_RUN_MARTS,
    assert_same_rows,
    fetch,
    synthetic_run,
    write_gzip,
    write_json,
)

# The odd folder: a glob would also match DECOY_FOLDER; the braces are a format string.
ODD_FOLDER = "exp[1] {0} {runs_path} *?'\"ñ -x"
DECOY_FOLDER = "exp1 {0} {runs_path} zz'\"ñ -x"
ODD_FILE_NAMES = [
    "r[1].json",
    "q?.json",
    "star*.json",
    "[[].json",
    "a]b.json",
    "{brace}.json",
    "{0}.json",
    "{}.json",
    "-lead.json",
    "--.json",
    "back\\slash.json",
    "b[1]\\x.json",
    'it\'s "q".json',
    " sp  ace .json",
    "ñandú 日本.json",
    ".hidden.json",
    "~tilde.json",
    "$HOME.json",
    "%s%d.json",
    "new\nline.json",
    "tab\t.json",
    "g[1]*.json.gz",
]
# Plain files a glob of an odd name would match: their own runs, never read twice.
DECOY_FILE_NAMES = ["r1.json", "qx.json", "starry.json", "g1x.json.gz"]


def run_id_of(file_name: str) -> str:
    return file_name.removesuffix(".gz").removesuffix(".json")


def write_run(path: Path, document: dict[str, Any]) -> None:
    (write_gzip if path.name.endswith(".gz") else write_json)(path, document)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("literal_paths")
    odd, decoy, plain = root / ODD_FOLDER, root / DECOY_FOLDER, root / "plain"
    for folder in (odd, decoy, plain):
        folder.mkdir()
    names = ODD_FILE_NAMES + DECOY_FILE_NAMES
    plain_ids = {}
    for seed, name in enumerate(names):
        document = synthetic_run(500 + seed, n_measurements=25)
        write_run(odd / name, document)
        plain_name = f"plain_{seed:02d}.json"
        write_json(plain / plain_name, document)
        plain_ids[run_id_of(name)] = run_id_of(plain_name)
    # The decoy folder holds other runs under the same names: never to be read.
    for seed, name in enumerate([*DECOY_FILE_NAMES, "r[1].json"]):
        write_run(decoy / name, synthetic_run(900 + seed, n_measurements=25))
    return {
        "odd": odd,
        "names": names,
        "plain_ids": plain_ids,
        "odd_warehouse": build_warehouse(root / "odd_build", odd),
        "plain_warehouse": build_warehouse(root / "plain_build", plain),
    }


def test_every_odd_name_loads_with_its_name(builds: dict[str, Any]) -> None:
    rows = query(builds["odd_warehouse"], "select run_id, file_name, is_analyzed from runs")
    assert sorted(rows) == sorted((run_id_of(name), name, True) for name in builds["names"])
    assert query(builds["odd_warehouse"], "select count(*) from load_issues") == [(0,)]


# The null model's permutations are seeded by the run id (by design): renamed runs differ.
# Figures drawn from streams seeded by the run id (null models, randomized tie-breaking of
# p-values and of critical steps tied at the percentile): another name, other draws.
RUN_ID_SEEDED_COLUMNS = (
    "max_coordination_null_mean",
    "max_coordination_excess",
    "max_coordination_p_value",
    "coordinated_periods_null_mean",
    "coordinated_periods_excess",
    "coordinated_periods_p_value",
    "max_coordination_timing_null_mean",
    "max_coordination_timing_excess",
    "max_coordination_timing_p_value",
    "max_coordination_timing_z",
    "coordinated_periods_timing_null_mean",
    "coordinated_periods_timing_excess",
    "coordinated_periods_timing_p_value",
    "coordinated_periods_timing_z",
    "n_critical_union_steps",
    "n_critical_union_loss_drops",
    "loss_coupling_steps",
    "loss_coupling_drops",
    "loss_coupling_tie_flagged_layer_steps",
    "loss_coupled_share",
    "loss_coupling_lift",
    "loss_coupling_p_value",
    "loss_coupling_local_chance",
    "loss_coupling_excess",
    "loss_coupling_stratified_p_value",
    "loss_coupling_stratified_z",
    "loss_coupling_circular_p_value",
    "is_strong",
)


def test_odd_names_load_the_same_rows_as_plain_names(builds: dict[str, Any]) -> None:
    to_plain = builds["plain_ids"]
    for mart in PER_RUN_MARTS:
        odd = fetch(builds["odd_warehouse"], mart)
        odd["run_id"] = odd["run_id"].map(to_plain)
        assert odd["run_id"].notna().all(), mart
        plain = fetch(builds["plain_warehouse"], mart)
        ignore = (*NOT_PER_RUN_COLUMNS, *RUN_ID_SEEDED_COLUMNS)
        assert_same_rows(odd, plain, ignore=ignore, label=mart)


def test_glob_literal_path_matches_only_itself(tmp_path: Path) -> None:
    import duckdb

    names = ["r[1].json", "r1.json", "q?.json", "qx.json", "s*.json", "[[].json", "a]b.json"]
    for name in names:
        (tmp_path / name).write_text(name)
    with duckdb.connect() as connection:
        for name in names:
            pattern = glob_literal_path(str(tmp_path / name))
            found = connection.execute(
                "select filename, content::varchar from read_blob(?)", [pattern]
            ).fetchall()
            assert found == [(str(tmp_path / name), name)]
    assert not is_readable_by_pattern("b[1]\\x.json")
    assert is_readable_by_pattern("back\\slash.json")


# --- property: any name a Linux file system allows ---------------------------------------

# Every Unicode scalar value but "/" and NUL (surrogates cannot be UTF-8 file names).
NAME_CHARACTERS = st.characters(exclude_categories=("Cs",), exclude_characters="/\x00")
INTERESTING = st.sampled_from(list("*?[]{}'\"\\ -~$%.\n\t,;=+@#!`" + string.ascii_letters))
STEM = st.text(st.one_of(NAME_CHARACTERS, INTERESTING), min_size=1, max_size=24).filter(
    lambda stem: len(stem.encode("utf-8")) <= 200
)
NAMES_PER_BUILD = 8


# Each example is a dbt build (about a minute): a few examples, many names per build, and
# no shrinking (each shrink step would be another build); a failure prints its example.
@settings(
    max_examples=3,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    folder=STEM,
    stems=st.lists(STEM, min_size=NAMES_PER_BUILD, max_size=NAMES_PER_BUILD, unique=True),
    compressed=st.lists(st.booleans(), min_size=NAMES_PER_BUILD, max_size=NAMES_PER_BUILD),
)
def test_any_allowed_name_loads_intact(
    tmp_path_factory: pytest.TempPathFactory,
    folder: str,
    stems: list[str],
    compressed: list[bool],
) -> None:
    root = tmp_path_factory.mktemp("names")
    runs = root / folder if folder not in (".", "..") else root / f"{folder}_"
    runs.mkdir()
    expected = {}
    for seed, (stem, gz) in enumerate(zip(stems, compressed, strict=True)):
        name = f"{stem}.json.gz" if gz else f"{stem}.json"
        if run_id_of(name) in expected:  # `x.json` and `x.json.gz` are one run id: skip
            continue
        write_run(runs / name, synthetic_run(700 + seed, n_measurements=22))
        expected[run_id_of(name)] = name
    warehouse = build_warehouse(root / "build", runs)
    rows = query(warehouse, "select run_id, file_name, is_analyzed, n_measurements from runs")
    assert sorted(rows) == sorted((run_id, name, True, 22) for run_id, name in expected.items())
    assert query(warehouse, "select count(*) from load_issues") == [(0,)]
    values = pd.DataFrame(
        query(warehouse, "select run_id, count(*) from metric_values group by run_id"),
        columns=["run_id", "n"],
    )
    assert set(values.run_id) == set(expected)
    assert (values.n == 22 * 3 * 4).all()
