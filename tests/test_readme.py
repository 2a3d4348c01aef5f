"""The README works as written: every command block marked `<!-- readme-test -->` runs, in
order, in a copy of the repository (as from a fresh clone, the project's .venv linked in).

`make test` is the one command block not marked: it would run this test again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO_ROOT

MARKER = "<!-- readme-test -->"
README = REPO_ROOT / "README.md"
# Pages other branches write; the README links them before they exist here.
DOCS_WRITTEN_ELSEWHERE = {"trust.md", "charts.md", "bad-input.md", "performance.md", "detectors.md"}


def readme_blocks(text: str) -> list[tuple[str, str]]:
    """(language, code) of every fenced block preceded by the marker line, in order."""
    pattern = re.compile(re.escape(MARKER) + r"\n```(\w+)\n(.*?)\n```", re.DOTALL)
    return [(match.group(1), match.group(2)) for match in pattern.finditer(text)]


def test_readme_is_short_and_says_the_essentials() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 130
    for needle in ("make run\n", "make test\n", "charts/index.html", "docs/images/index.png",
                   "**Contents:**", "--output json", ".venv/bin/python", "duckdb -readonly",
                   "MODE=reference RUNS="):
        assert needle in text, needle
    for anchor in re.findall(r"\]\(#([\w-]+)\)", text):
        headings = {
            re.sub(r"[^\w\- ]", "", line.lstrip("# ").lower()).replace(" ", "-")
            for line in text.splitlines()
            if line.startswith("## ")
        }
        assert anchor in headings, anchor
    for page in re.findall(r"\]\(docs/([\w.-]+\.md)\)", text):
        assert page in DOCS_WRITTEN_ELSEWHERE or (REPO_ROOT / "docs" / page).is_file(), page
    languages = [language for language, _ in readme_blocks(text)]
    assert languages.count("sh") >= 4 and languages.count("python") >= 2


def repository_copy(destination: Path) -> Path:
    """The repository's files (tracked and new, not ignored) copied; .venv linked."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (destination / ".venv").symlink_to(REPO_ROOT / ".venv")
    # The linked .venv is installed: older requirements keep `make` from reinstalling it.
    for name in ("requirements.txt", "pyproject.toml"):
        os.utime(destination / name, (0, 0))
    return destination


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    clone = repository_copy(tmp_path_factory.mktemp("clone"))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"RUNS_PATH", "WAREHOUSE_PATH", "EXPORT_DIR", "CHARTS_DIR", "RUNS", "MODE"}
        and not key.startswith("DUCKDB_")
    }
    env["DO_NOT_TRACK"] = "1"
    outputs = []
    for language, code in readme_blocks(README.read_text(encoding="utf-8")):
        if language == "sh":
            command = ["bash", "-euo", "pipefail", "-c", code]
        else:
            command = [str(clone / ".venv" / "bin" / "python"), "-c", code]
        result = subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True)
        assert result.returncode == 0, (
            f"README block failed:\n{code}\n{result.stdout[-4000:]}\n{result.stderr[-3000:]}"
        )
        outputs.append(result.stdout)
    return clone, outputs


def test_every_readme_command_runs(readme_run: tuple[Path, list[str]]) -> None:
    clone, outputs = readme_run
    assert (clone / "charts" / "index.html").is_file()
    assert (clone / "my_runs" / "mlp_digits.json").is_file()
    with duckdb.connect(str(clone / "warehouse.duckdb"), read_only=True) as con:
        ((runs_path, mode, n_analyzed, build_id),) = con.execute(
            "select runs_path, analysis_mode, n_runs_analyzed, build_id from build_info"
        ).fetchall()
    # The last `make run` is the one that shows: reference mode on the recorded run.
    assert (runs_path, mode, n_analyzed) == ("my_runs", "reference", 1)
    exported = json.loads((clone / "exports" / "build_info.json").read_text())
    assert exported["build"]["build_id"] == build_id
    shown = json.loads(next(output for output in outputs if '"show"' in output))["show"]
    assert len(shown) == 3 and "max_coordination_null_mean" in shown[0]
    assert outputs[-1].splitlines()[0] == "reference"
