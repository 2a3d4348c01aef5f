"""Loading helpers that SQL cannot do: DuckDB's read_text/read_blob do not decompress gzip."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable

import pandas as pd

COMPRESSED_DOCUMENT_COLUMNS = ["file_path", "content_text", "read_problem"]


def decompress_run_file(compressed: bytes | None) -> tuple[str | None, str | None]:
    """Return (text, problem) for one gzip-compressed run file.

    Exactly one of the two is None: a file that cannot be decompressed or decoded as UTF-8
    yields a problem description instead of text, so one bad file never stops the others.
    """
    if compressed is None:
        return None, "unreadable: no bytes could be read"
    try:
        raw = gzip.decompress(compressed)
    except (OSError, EOFError, zlib.error) as error:
        return None, f"unreadable: not a valid gzip file ({error})"
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as error:
        return None, f"unreadable: not UTF-8 text ({error.reason} at byte {error.start})"


def decompress_run_files(files: Iterable[tuple[str, bytes | None]]) -> pd.DataFrame:
    """Decompress (file_path, bytes) pairs into a frame of file_path, content_text, read_problem."""
    rows = [(path, *decompress_run_file(content)) for path, content in files]
    return pd.DataFrame(rows, columns=COMPRESSED_DOCUMENT_COLUMNS).astype(
        {"file_path": "string", "content_text": "string", "read_problem": "string"}
    )
