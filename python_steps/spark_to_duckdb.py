"""Copy a Spark build's reporting tables into a DuckDB file (`make run TARGET=spark`).

`make export` and `make charts` read a DuckDB warehouse. On Spark, the same models are
built into parquet tables under SPARK_WAREHOUSE_DIR, catalogued by a Derby metastore; this
step reads the tables those readers need (`reader_tables()`: `build_info`, `runs`,
`load_issues`, the `export_*` models and `architecture_comparison` for the exports, the
`chart_*` models, `rpt_detector_curves` and `detector_verdicts` for the charts) through a
Spark session on that metastore and writes them, column for column, into a DuckDB file (default
`spark-reporting.duckdb`). The exports, the charts, their `--check` and ad hoc SQL then read a
Spark build exactly as they read a DuckDB build:

    python -m python_steps.spark_to_duckdb --out spark-reporting.duckdb

It runs after dbt has exited (Derby allows one process at a time). The copy is written
to a temporary file and renamed over `--out`, so a reader never sees half of it. Timestamps
(Spark's session time zone is UTC in profiles.yml) are written as DuckDB's plain TIMESTAMP,
as the DuckDB build writes them; the per-run tables' partition column `run_id` comes last, as
Spark keeps it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def reader_tables() -> tuple[set[str], set[str]]:
    """The tables `make export` and `make charts` read, as (required, optional): what
    python_steps/warehouse.py, python_steps/exports.py and python_steps/charts/data.py name."""
    from python_steps.charts.data import MODEL_ORDER, OPTIONAL_MODELS
    from python_steps.exports import REQUIRED_MODELS
    from python_steps.warehouse import REQUIRED_TABLES

    return {*REQUIRED_TABLES, *REQUIRED_MODELS, *MODEL_ORDER}, set(OPTIONAL_MODELS)


def derby_home_option(folder: Path | str) -> str:
    """The JVM option that puts Derby's metastore in `folder`, quoted as Spark splits options
    (like a shell: a path with spaces or quotes stays one argument), as profiles.yml does."""
    quoted = str(folder).replace("\\", "\\\\").replace('"', '\\"')
    return f'-Dderby.system.home="{quoted}"'


def reading_session(warehouse_dir: Path | str, metastore_dir: Path | str) -> Any:
    """A local Spark session on a build's warehouse folder and metastore (one core: it reads)."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[1]")
        .appName("layer_dynamics_read")
        # As profiles.yml: a table is collected on the driver (toArrow, the tests' reads).
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "3g"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(warehouse_dir))
        .config("spark.driver.extraJavaOptions", derby_home_option(metastore_dir))
        .enableHiveSupport()
        .getOrCreate()
    )


def plain_timestamps(table: Any) -> Any:
    """An Arrow table with its time-zone-aware timestamps (UTC instants) as plain timestamps
    holding the same UTC wall-clock time, DuckDB's TIMESTAMP as the DuckDB build has it."""
    import pyarrow as pa

    fields = [
        pa.field(field.name, pa.timestamp(field.type.unit), field.nullable)
        if pa.types.is_timestamp(field.type) and field.type.tz is not None
        else field
        for field in table.schema
    ]
    return table.cast(pa.schema(fields))


def copy_tables(session: Any, schema: str, out: Path) -> dict[str, int]:
    """Write the reporting tables of `schema` into a new DuckDB file at `out` (replacing it);
    the number of rows of each table."""
    import duckdb

    names = {table.name for table in session.catalog.listTables(schema)}
    required, optional = reader_tables()
    missing = sorted(required - names)
    if missing:
        raise SystemExit(
            f"The Spark schema {schema} has no {', '.join(missing)}: build it first "
            "(make run TARGET=spark)."
        )
    partial = out.with_name(out.name + ".partial")
    leftovers = (partial, partial.with_name(partial.name + ".wal"))
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    counts = {}
    try:
        with duckdb.connect(str(partial)) as connection:
            for name in sorted(required | (optional & names)):
                rows = plain_timestamps(session.table(f"{schema}.{name}").toArrow())
                connection.register("spark_rows", rows)
                connection.execute(f'create table main."{name}" as select * from spark_rows')
                connection.unregister("spark_rows")
                counts[name] = rows.num_rows
        os.replace(partial, out)
    finally:
        for leftover in leftovers:
            leftover.unlink(missing_ok=True)
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--spark-warehouse",
        type=Path,
        default=Path(os.environ.get("SPARK_WAREHOUSE_DIR", "spark-warehouse")),
        help="the Spark build's tables (default $SPARK_WAREHOUSE_DIR or spark-warehouse)",
    )
    parser.add_argument(
        "--metastore",
        type=Path,
        default=Path(os.environ.get("SPARK_METASTORE_DIR", "spark-metastore")),
        help="its Derby metastore (default $SPARK_METASTORE_DIR or spark-metastore)",
    )
    parser.add_argument(
        "--schema",
        default=os.environ.get("SPARK_SCHEMA", "layer_dynamics"),
        help="the Spark database (default $SPARK_SCHEMA or layer_dynamics)",
    )
    parser.add_argument("--out", type=Path, required=True, help="the DuckDB file to write")
    args = parser.parse_args(argv)
    if not (args.metastore / "metastore_db").is_dir():
        print(
            f"No Spark build at {args.metastore} (no metastore_db): run "
            "`make run TARGET=spark` first.",
            file=sys.stderr,
        )
        return 1
    session = reading_session(args.spark_warehouse.resolve(), args.metastore.resolve())
    try:
        counts = copy_tables(session, args.schema, args.out)
    finally:
        session.stop()
    print(f"{args.out}: {len(counts)} tables of the Spark build ({sum(counts.values())} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
