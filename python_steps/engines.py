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


def selected(relation: Any, where: str, columns: list[str]) -> Any:
    """The rows of `relation` where the SQL condition `where` holds, only `columns`: a DuckDB
    relation or a Spark DataFrame again (nothing is read yet)."""
    if is_spark_frame(relation):
        return relation.filter(where).select(*columns)
    return relation.filter(where).project(", ".join(columns))


def to_pandas(relation: Any) -> Any:
    """A relation's rows as a pandas frame (Spark: collected on the driver)."""
    if is_spark_frame(relation):
        return relation.toPandas()
    return relation.df()


def aggregate_row(relation: Any, expressions: list[str]) -> tuple:
    """The one row of aggregate `expressions` (SQL both engines read) over `relation`."""
    if is_spark_frame(relation):
        return tuple(relation.selectExpr(*expressions).collect()[0])
    return relation.aggregate(", ".join(expressions)).fetchall()[0]


def sql_rows(session: Any, sql: str) -> list[tuple]:
    """The rows of a query run in the model's session (a DuckDB connection or a
    SparkSession)."""
    if hasattr(session, "execute"):
        return session.execute(sql).fetchall()
    return [tuple(row) for row in session.sql(sql).collect()]


def sql_columns(session: Any, sql: str) -> list[str]:
    """The column names of a query run in the model's session (nothing is read)."""
    if hasattr(session, "execute"):
        return [column[0] for column in session.execute(sql).description]
    return list(session.sql(sql).columns)


def projected(relation: Any, columns: list[str]) -> Any:
    """Only `columns` of `relation`: a DuckDB relation or a Spark DataFrame again."""
    if is_spark_frame(relation):
        return relation.select(*columns)
    return relation.project(", ".join(columns))


def run_statement(session: Any, sql: str) -> None:
    """Run a statement (no result) in the model's session."""
    if hasattr(session, "execute"):
        session.execute(sql)
    else:
        session.sql(sql)
