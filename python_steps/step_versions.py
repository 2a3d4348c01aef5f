"""Skip a cross-run Python step when its input has not changed since it last ran.

A cross-run step (k-means jump typing, for one) depends on every row of its input, so it
cannot be incremental by run; but most refreshes change nothing it reads. Its model stores
the fingerprint of the input it was computed from in a column; when the fingerprint of the
current input (the rows and columns the step reads, plus its settings) is the same, the
model returns no rows to its incremental ``delete+insert`` and the table stays as it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Protocol

from python_steps.engines import aggregate_row, sql_columns, sql_rows

FINGERPRINT_COLUMN = "input_fingerprint"


class Relation(Protocol):
    """A DuckDB relation or a Spark DataFrame (python_steps.engines reads either)."""


def input_fingerprint(
    relation: Relation, columns: list[str], settings: Mapping[str, object], code_version: str
) -> str:
    """A hash of the exact rows (order-free), the settings and the step's code version."""
    hashed = ", ".join(columns)
    count, rows_hash = aggregate_row(relation, ["count(*)", f"bit_xor(hash({hashed}))"])
    text = f"{count}|{rows_hash}|{sorted(settings.items())}|{code_version}"
    return hashlib.md5(text.encode()).hexdigest()


def stored_fingerprints(session: Any, this: object, is_incremental: bool) -> set[str]:
    """The fingerprints the model's table holds (none before its first build, or when the
    table was built before the step kept a fingerprint)."""
    if not is_incremental:
        return set()
    if FINGERPRINT_COLUMN not in sql_columns(session, f"select * from {this} limit 0"):
        return set()
    rows = sql_rows(session, f"select distinct {FINGERPRINT_COLUMN} from {this}")
    return {row[0] for row in rows}


def unchanged_result(session: Any, this: object) -> Any:
    """No rows, with the table's columns and types: delete+insert then leaves the table as
    it is. A relation, not a DataFrame: an empty DataFrame's text columns have no type, and
    an incremental model with ``on_schema_change="fail"`` would refuse them."""
    return session.sql(f"select * from {this} limit 0")
