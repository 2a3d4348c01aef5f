"""Page names derived from run ids are unique by construction (issue 10, item 5)."""

from __future__ import annotations

import re

import pytest

from python_steps.charts.names import (
    PageNameCollisionError,
    page_name,
    run_page_path,
    unique_page_names,
)

SAFE = re.compile(r"^[a-z0-9_-]+-[0-9a-f]{10}$")
TRICKY_IDS = [
    "run a",
    "run_a",
    "run-a",
    "run/a",
    "Run_a",
    "RUN_A",
    "run a ",
    "../../etc/passwd",
    "..",
    "",
    " ",
    "ラン",
    "run\u00e9",
    "rune\u0301",
    "<script>alert(1)</script>",
    'q"uote',
    "-leading-dash",
    "x" * 500,
    "run\x00nul",
]


def test_punctuation_and_case_never_share_a_page() -> None:
    names = [page_name(run_id) for run_id in TRICKY_IDS]
    assert len({name.lower() for name in names}) == len(TRICKY_IDS)
    assert page_name("run a") != page_name("run_a")


@pytest.mark.parametrize("run_id", TRICKY_IDS)
def test_page_names_are_short_safe_file_names(run_id: str) -> None:
    name = page_name(run_id)
    assert SAFE.match(name), name
    assert len(name) <= 48 + 1 + 10
    assert run_page_path(run_id) == f"runs/{name}.html"


def test_page_names_are_readable_and_stable() -> None:
    assert page_name("MLP deep/relu #3").startswith("mlp-deep-relu-3-")
    assert page_name("run_a") == page_name("run_a")
    # the hash is of the exact id: a fixed value guards against an accidental change
    # of the scheme, which would break every saved link
    assert page_name("run_a") == "run_a-" + __import__("hashlib").sha256(b"run_a").hexdigest()[:10]


def test_unique_page_names_maps_every_run() -> None:
    paths = unique_page_names(TRICKY_IDS)
    assert list(paths) == TRICKY_IDS
    assert len(set(paths.values())) == len(TRICKY_IDS)


def test_a_collision_is_refused_not_overwritten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("python_steps.charts.names.run_page_path", lambda run_id: "runs/same.html")
    with pytest.raises(PageNameCollisionError, match="'run a' and 'run_a'"):
        unique_page_names(["run a", "run_a"])
