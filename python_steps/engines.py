"""What a dbt Python model's `dbt.ref()` gives on each engine: a DuckDB relation (target
`dev`) or a Spark DataFrame (target `spark`, python_steps.spark_session). The helpers here
read either one, so that a model's code serves both engines."""

from __future__ import annotations

from typing import Any

from python_steps.run_batches import key_range


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
    """The rows of `relation` where the SQL condition `where` holds, only `columns` (names or
    `expression as name`): a DuckDB relation or a Spark DataFrame again (nothing is read)."""
    if is_spark_frame(relation):
        return relation.filter(where).selectExpr(*columns)
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
    """Only `columns` (names or `expression as name`) of `relation`: a DuckDB relation or a
    Spark DataFrame again."""
    if is_spark_frame(relation):
        return relation.selectExpr(*columns)
    return relation.project(", ".join(columns))


def run_statement(session: Any, sql: str) -> None:
    """Run a statement (no result) in the model's session."""
    if hasattr(session, "execute"):
        session.execute(sql)
    else:
        session.sql(sql)


def filtered(relation: Any, where: str) -> Any:
    """The rows of `relation` where the SQL condition `where` holds: a DuckDB relation or a
    Spark DataFrame again (nothing is read yet)."""
    return relation.filter(where)


def aggregated(relation: Any, group_by: list[str], aggregates: list[str]) -> Any:
    """`aggregates` (SQL both engines read, each `expression as name`) per group of `group_by`
    columns: the group columns then the aggregates, a DuckDB relation or a Spark DataFrame."""
    if is_spark_frame(relation):
        from pyspark.sql import functions

        grouped = relation.groupBy(*group_by)
        if not aggregates:
            return grouped.count().select(*group_by)
        return grouped.agg(*[functions.expr(a) for a in aggregates])
    return relation.aggregate(", ".join([*group_by, *aggregates]), ", ".join(group_by))


def rows_for_keys(
    session: Any,
    relation: Any,
    names: tuple[str, str],
    key: str,
    keys: list[str],
    columns: list[str],
) -> Any:
    """The rows of `relation` whose `key` is one of `keys`, only `columns`, as a pandas frame.

    The range of the keys (python_steps.run_batches.key_range) is a filter both engines push
    into a view's tables; a join with the keys then keeps exactly them. DuckDB: a semi join
    with `keys` registered as a frame, `names` = (the relation's name, the keys' name) in the
    query (a long IN list, or the join alone, is not pushed below a view's unnesting: each
    batch would expand every run). Spark: the same SQL over temporary views (keyed_query)."""
    relation_name, keys_name = names
    listed = ", ".join(f"{relation_name}.{key}" if column == key else column for column in columns)
    return keyed_query(
        session,
        relation,
        names,
        key,
        keys,
        f"select {listed} from {relation_name}"
        f" semi join {keys_name} on {relation_name}.{key} = {keys_name}.{key}"
        f" where {key_range(f'{relation_name}.{key}', keys)}",
    )


def list_elements(
    relation: Any,
    name: str,
    where: str,
    position: tuple[str, str],
    lists: dict[str, str],
    columns: dict[str, str],
) -> Any:
    """One row per list position of the rows of `relation` where `where` holds, as a pandas
    frame: `columns` (alias: expression, one value per row; the first is the key), the
    position (`position` = (alias, the lists' length column), from 0) and the elements of the
    `lists` (alias: list column) side by side.

    DuckDB: `unnest(range(length))` and `unnest(list)`, the query naming the relation `name`.
    Spark: `posexplode(arrays_zip(lists))` (the lists must have `length` elements)."""
    (key, key_column), *others = columns.items()
    position_alias, length = position
    if is_spark_frame(relation):
        zipped = ", ".join(lists.values())
        exploded = relation.filter(where).selectExpr(
            f"{key_column} as {key}",
            *[f"{expression} as {alias}" for alias, expression in others],
            f"posexplode(arrays_zip({zipped})) as ({position_alias}, elements)",
        )
        elements = exploded.select(key, position_alias, "elements.*", *[a for a, _ in others])
        named = elements.toDF(key, position_alias, *lists, *[a for a, _ in others])
        return named.toPandas()
    key_text = key if key == key_column else f"{key_column} as {key}"
    unnested = [f"unnest(range({length})) as {position_alias}"]
    unnested += [f"unnest({column}) as {alias}" for alias, column in lists.items()]
    listed = [key_text, *unnested, *[f"{expression} as {alias}" for alias, expression in others]]
    sql = f"select {', '.join(listed)} from {name} where {where}"
    return relation.query(name, sql).df()


def continuous_quantile(relation: Any, expression: str, fraction: float) -> str:
    """The SQL of the `fraction` quantile of `expression`, interpolated between the two
    nearest values (DuckDB `quantile_cont`, Spark `percentile`), for the engine of
    `relation`."""
    if is_spark_frame(relation):
        return f"percentile({expression}, {fraction})"
    return f"quantile_cont({expression}, {fraction})"


def named_query(session: Any, relation: Any, name: str, sql: str) -> Any:
    """The result of `sql` as a pandas frame, where the query names `relation` `name` (DuckDB
    `relation.query`; Spark a temporary view, dropped afterwards). The SQL must be the
    engine's own: see `text_cast`, `unnest_list`, `continuous_quantile`."""
    if is_spark_frame(relation):
        relation.createOrReplaceTempView(name)
        try:
            return session.sql(sql).toPandas()
        finally:
            session.catalog.dropTempView(name)
    return relation.query(name, sql).df()


def keyed_query(
    session: Any, relation: Any, names: tuple[str, str], key: str, keys: list[str], sql: str
) -> Any:
    """The result of `sql` (SQL both engines read) as a pandas frame, where the query names
    `relation` names[0] and the `keys` (one column, `key`) names[1].

    DuckDB: the keys registered as a frame, `relation.query(names[0], sql)`. Through a view
    that unnests, DuckDB applies a join with the keys only above the unnesting: give the SQL
    the keys' range too (python_steps.run_batches.key_range), as rows_for_keys does.
    Spark: both as temporary views, dropped afterwards."""
    relation_name, keys_name = names
    if is_spark_frame(relation):
        keys_frame = session.createDataFrame([(value,) for value in keys], f"`{key}` string")
        keys_frame.createOrReplaceTempView(keys_name)
        try:
            return named_query(session, relation, relation_name, sql)
        finally:
            session.catalog.dropTempView(keys_name)
    import pandas as pd

    session.register(keys_name, pd.DataFrame({key: keys}))
    try:
        return named_query(session, relation, relation_name, sql)
    finally:
        session.unregister(keys_name)


def text_cast(relation: Any, expression: str) -> str:
    """The SQL of `expression` cast to text for the engine of `relation`."""
    if is_spark_frame(relation):
        return f"cast({expression} as string)"
    return f"{expression}::varchar"


def unnest_list(relation: Any, expression: str) -> str:
    """The SQL that gives one row per element of the list `expression` (DuckDB `unnest`,
    Spark `explode`), for the engine of `relation`."""
    if is_spark_frame(relation):
        return f"explode({expression})"
    return f"unnest({expression})"
