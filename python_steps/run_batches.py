"""Read a per-run view a batch of runs at a time, in time proportional to the batch.

The per-run Python steps (change points, loss coupling) read the per-step view
(int_layer_series_flagged) for the runs they recompute, a few hundred at a time, so memory
stays flat in the archive. How the batch is named decides what DuckDB reads:

- an IN list of run ids is not pushed into the view's tables: every batch expands every run;
- a join with the batch (a registered frame) gives a dynamic filter only above the view's
  unnesting: at 100x (5,500 runs) a batch's read grew from 11 s to 57 s along the archive;
- a range of run ids (the batch's first and last, sorted) is a plain comparison that DuckDB
  pushes into every table the view reads (5 s per batch anywhere in the archive).

So a batch is a contiguous slice of the sorted run ids, read with the range (for the
pushdown) and the join (exactly the batch: an incremental build's changed runs need not
be contiguous among all runs).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pandas as pd

BATCH_TABLE = "batch_runs"


def run_batches(run_ids: Sequence[str], size: int) -> Iterator[list[str]]:
    """The run ids, sorted, in consecutive slices of at most `size`."""
    ordered = sorted(run_ids)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def sql_text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def batch_rows(
    session: Any,
    relation: Any,
    alias: str,
    select_sql: str,
    batch: list[str],
    where: str = "true",
) -> pd.DataFrame:
    """`select <select_sql> from <alias> where <where>` over a DuckDB `relation`, for the
    runs of `batch` only (a slice of run_batches), as a pandas frame. The SQL names the
    relation `<alias>`; window functions in `select_sql` see only the batch's rows."""
    if not batch:
        return relation.query(alias, f"select {select_sql} from {alias} where false").df()
    session.register(BATCH_TABLE, pd.DataFrame({"run_id": list(batch)}))
    try:
        return relation.query(
            alias,
            f"select {select_sql} from {alias}"
            f" semi join {BATCH_TABLE} on {alias}.run_id = {BATCH_TABLE}.run_id"
            f" where {alias}.run_id between {sql_text(min(batch))} and {sql_text(max(batch))}"
            f" and ({where})",
        ).df()
    finally:
        session.unregister(BATCH_TABLE)
