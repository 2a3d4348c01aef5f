"""File names derived from data: a run's page name, unique by construction.

A run id may hold any character (spaces, slashes, quotes, non-ASCII, `..`). Its page name
is a readable slug (lower-case ASCII letters, digits, `-`, `_`; at most `SLUG_CHARS`
characters) followed by `-` and the first `HASH_CHARS` hex digits of the SHA-256 of the
exact run id. Two ids that differ in any way (`run a` and `run_a`, `Run` and `run`) get
different names even on a case-insensitive file system; `unique_page_names` checks the
whole set and refuses (rather than overwrites) in the astronomically unlikely event of
a hash collision.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

SLUG_CHARS = 48
HASH_CHARS = 10
RUN_PAGE_DIR = "runs"


class PageNameCollisionError(ValueError):
    """Two different run ids map to the same page name."""


def page_name(run_id: str) -> str:
    """The file name stem of a run's page: `<slug>-<hash>`, e.g. `run_a-3f2c...`."""
    ascii_text = unicodedata.normalize("NFKD", run_id).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_-]+", "-", ascii_text.lower()).strip("-_")[:SLUG_CHARS]
    digest = hashlib.sha256(run_id.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{slug.rstrip('-_') or 'run'}-{digest[:HASH_CHARS]}"


def run_page_path(run_id: str) -> str:
    """Where a run's page goes, relative to the output folder."""
    return f"{RUN_PAGE_DIR}/{page_name(run_id)}.html"


def unique_page_names(run_ids: Iterable[str]) -> dict[str, str]:
    """Each run id's page path; PageNameCollisionError if two ids would share one
    (compared case-insensitively, as macOS and Windows file systems do)."""
    paths: dict[str, str] = {}
    seen: dict[str, str] = {}
    for run_id in run_ids:
        path = run_page_path(run_id)
        other = seen.setdefault(path.lower(), run_id)
        if other != run_id:
            raise PageNameCollisionError(
                f"runs {other!r} and {run_id!r} would share the page {path}"
            )
        paths[run_id] = path
    return paths
