"""What a dbt Python model's `dbt.ref()` gives on each engine: a DuckDB relation (target
`dev`) or a Spark DataFrame (target `spark`, python_steps.spark_session). The helpers here
read either one, so that a model's code serves both engines."""

from __future__ import annotations

from typing import Any


def is_spark_frame(relation: Any) -> bool:
    """True for a Spark DataFrame (it has `toPandas`; a DuckDB relation has `df`)."""
    return hasattr(relation, "toPandas")


def selected_rows(relation: Any, where: str, columns: list[str]) -> list[tuple]:
    """The rows (as tuples of `columns`) of `relation` where the SQL condition `where` holds,
    ordered by the first column. The condition is SQL both engines read."""
    if is_spark_frame(relation):
        rows = relation.filter(where).select(*columns).orderBy(columns[0]).collect()
        return [tuple(row) for row in rows]
    return relation.filter(where).project(", ".join(columns)).order(columns[0]).fetchall()
