"""Read a per-run view a batch of runs at a time, in time proportional to the batch.

The per-run Python steps (change points, loss coupling) read the per-step view
(int_layer_series_flagged) for the runs they recompute, a few hundred at a time, so memory
stays flat in the archive. How the batch is named decides what DuckDB reads:

- an IN list of run ids is not pushed into the view's tables: every batch expands every run;
- a join with the batch (a registered frame) gives a dynamic filter only above the view's
  unnesting: at 100x (5,500 runs) a batch's read grew from 11 s to 57 s along the archive;
- a range of run ids (the batch's first and last, sorted) is a plain comparison that DuckDB
  pushes into every table the view reads (5 s per batch anywhere in the archive).

So a batch is a contiguous slice of the sorted run ids (run_batches), read with the range
(key_range, for the pushdown) and the join (exactly the batch: an incremental build's
changed runs need not be contiguous among all runs); python_steps.engines.rows_for_keys
does both.

A batch is cut by the per-step rows it reads (row_batches: each run weighs its number of
per-step rows), not by a number of runs: runs differ a hundredfold in size (a transformer
run has many more layers than a small MLP), and 200 transformer runs were 5.1 million rows,
a peak of 3.9 GB in one step at 100x.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

# Per-step rows read and computed at a time by the per-run Python steps (change points, loss
# coupling): about 1 GB of the step's peak memory at most, whatever the number of runs.
PER_STEP_ROWS_PER_BATCH = 1_000_000


def run_batches(run_ids: Iterable[str], size: int) -> Iterator[list[str]]:
    """The distinct run ids, sorted, in consecutive slices of at most `size`."""
    ordered = sorted(set(run_ids))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def row_batches(rows_per_run: Mapping[str, int], max_rows: int) -> Iterator[list[str]]:
    """The run ids, sorted, in consecutive slices whose runs hold at most `max_rows` rows in
    all (`rows_per_run`: each run's number of rows); a run of more rows than that is a batch
    of its own."""
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, not {max_rows}")
    batch: list[str] = []
    batch_rows = 0
    for run_id in sorted(rows_per_run):
        rows = int(rows_per_run[run_id])
        if batch and batch_rows + rows > max_rows:
            yield batch
            batch, batch_rows = [], 0
        batch.append(run_id)
        batch_rows += rows
    if batch:
        yield batch


def sql_text(value: str) -> str:
    """A SQL string literal (both engines)."""
    return "'" + value.replace("'", "''") + "'"


def key_range(column: str, keys: list[str]) -> str:
    """The SQL condition `column between <smallest key> and <largest key>` (both engines);
    `false` for no keys."""
    if not keys:
        return "false"
    return f"{column} between {sql_text(min(keys))} and {sql_text(max(keys))}"
