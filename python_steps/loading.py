"""Loading helpers that SQL cannot do (DuckDB's read_text/read_blob do not decompress gzip),
and a converter from ndt run files to the tidy long format
(`python -m python_steps.loading --runs DIR --out DIR [--format csv|parquet]`)."""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb
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


# --- The tidy long format ------------------------------------------------------------------

TIDY_METRICS_COLUMNS = ["run_id", "step", "layer", "metric", "value"]
TIDY_LOSSES_COLUMNS = ["run_id", "step", "loss"]
TIDY_RUNS_COLUMNS = [
    "run_id",
    "arch_name",
    "dataset",
    "num_steps",
    "measurement_interval",
    "final_accuracy",
    "elapsed_time",
]


def ndt_runs_to_tidy(
    runs: Mapping[str, Mapping[str, Any]],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The tidy tables (metrics, losses, runs) of parsed ndt run documents keyed by run id.

    Metrics rows follow the file: run, measurement, layer (forward order), metric. Values are
    kept as they are (a bad value stays bad), so both formats load to the same warehouse.
    """
    metrics: list[tuple[Any, ...]] = []
    losses: list[tuple[Any, ...]] = []
    attributes: list[tuple[Any, ...]] = []
    for run_id, document in runs.items():
        attributes.append(
            (
                run_id,
                document.get("arch_name"),
                document.get("dataset_name"),
                document.get("num_steps"),
                document.get("measurement_interval"),
                document.get("final_accuracy"),
                document.get("elapsed_time"),
            )
        )
        for measurement in document.get("measurements", []):
            step = measurement.get("step")
            losses.append((run_id, step, measurement.get("loss")))
            for layer, layer_metrics in measurement.get("layer_metrics", {}).items():
                for metric, value in layer_metrics.items():
                    metrics.append((run_id, step, layer, metric, value))
    # dtype=object keeps None (a null value) apart from NaN (a non-finite value).
    return (
        pd.DataFrame(metrics, columns=TIDY_METRICS_COLUMNS, dtype=object),
        pd.DataFrame(losses, columns=TIDY_LOSSES_COLUMNS, dtype=object),
        pd.DataFrame(attributes, columns=TIDY_RUNS_COLUMNS, dtype=object),
    )


def _csv_field(value: Any) -> str:
    """repr() keeps every float exact (shortest round-trip form); None is an empty field."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write_tidy_csv(frame: pd.DataFrame, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(frame.columns)
        for row in frame.itertuples(index=False):
            writer.writerow([_csv_field(value) for value in row])


def write_tidy_parquet(frame: pd.DataFrame, path: Path) -> None:
    with duckdb.connect() as connection:
        connection.from_df(frame).write_parquet(str(path))


def write_tidy_runs(
    runs: Mapping[str, Mapping[str, Any]], out_dir: Path, file_format: str = "csv"
) -> None:
    """Write ndt run documents as metrics.<format>, losses.<format> and runs.csv in out_dir."""
    if file_format not in ("csv", "parquet"):
        raise ValueError(f"file_format must be csv or parquet, not {file_format!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics, losses, attributes = ndt_runs_to_tidy(runs)
    write = write_tidy_csv if file_format == "csv" else write_tidy_parquet
    write(metrics, out_dir / f"metrics.{file_format}")
    write(losses, out_dir / f"losses.{file_format}")
    write_tidy_csv(attributes, out_dir / "runs.csv")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Convert a folder of ndt run files (*.json) into the tidy long format."
    )
    parser.add_argument("--runs", type=Path, required=True, help="folder of ndt *.json runs")
    parser.add_argument("--out", type=Path, required=True, help="folder for the tidy files")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    args = parser.parse_args(argv)
    runs = {
        path.name.removesuffix(".json"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(args.runs.glob("*.json"))
    }
    write_tidy_runs(runs, args.out, args.format)


if __name__ == "__main__":
    main()
