"""Reads tables of a Spark build through a Spark session on its metastore, in a process of
its own (`python -m tests.spark.spark_reader WORK REQUEST OUT`).

A JVM takes its options (Derby's metastore folder among them) once, when it starts, and
pyspark keeps one JVM per Python process: a second session in the same process would read
the first build's metastore. So every read starts a fresh process, after dbt has exited
(Derby allows one process at a time).
REQUEST is a JSON file {table: [columns left out]}; OUT receives a pickle
{table: [row as dict]}.
"""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

from python_steps.spark_to_duckdb import reading_session


def read_tables(work: Path, left_out_by_table: dict[str, list[str]]) -> dict[str, list[dict]]:
    session = reading_session(work / "spark-warehouse", work / "spark-metastore")
    try:
        tables = {}
        for table, left_out in left_out_by_table.items():
            frame = session.table(f"layer_dynamics.{table}")
            frame = frame.select(*[name for name in frame.columns if name not in set(left_out)])
            tables[table] = [row.asDict(recursive=True) for row in frame.collect()]
        return tables
    finally:
        session.stop()


def main(arguments: list[str]) -> None:
    work, request, out = (Path(argument) for argument in arguments)
    tables = read_tables(work, json.loads(request.read_text()))
    out.write_bytes(pickle.dumps(tables))


if __name__ == "__main__":
    main(sys.argv[1:])
