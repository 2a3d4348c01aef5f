"""The data of a page: frames embedded once as CSV text in the spec's `datasets`."""

from __future__ import annotations

import re
from typing import Any

import altair as alt
import duckdb
import numpy as np
import pandas as pd

from python_steps.charts import data as cd


class TooManyRowsError(ValueError):
    """A chart would embed more rows than `data.MAX_ROWS`."""


def check_rows(data: pd.DataFrame, what: str, max_rows: int = cd.MAX_ROWS) -> pd.DataFrame:
    """The frame itself, or TooManyRowsError when it has more than `max_rows` rows."""
    check_rows_count(len(data), what, max_rows)
    return data


def check_rows_count(n_rows: int, what: str, max_rows: int = cd.MAX_ROWS) -> None:
    """TooManyRowsError when a chart's dataset would have more than `max_rows` rows."""
    if n_rows > max_rows:
        raise TooManyRowsError(
            f"{what}: {n_rows} rows, more than {max_rows}; aggregate it in models/reporting"
        )


def csv_parse(data: pd.DataFrame) -> dict[str, str]:
    """Vega's parse types of a frame's numeric and boolean columns (the rest are text)."""
    parse: dict[str, str] = {}
    for column in data.columns:
        series = data[column]
        if pd.api.types.is_bool_dtype(series) or _is_boolean_objects(series):
            parse[str(column)] = "boolean"
        elif pd.api.types.is_numeric_dtype(series):
            parse[str(column)] = "number"
    return parse


def _is_boolean_objects(series: pd.Series) -> bool:
    """Whether an object column holds only booleans (and missing values)."""
    if series.dtype != object:
        return False
    present = series.dropna()
    return len(present) > 0 and all(isinstance(value, bool) for value in present)


def _csv_line_sql(data: pd.DataFrame, parse: dict[str, str], skip: str | None = None) -> str:
    """A DuckDB expression that renders a row of `data` as one CSV line: numbers in their
    shortest round-trip form, booleans as true/false, text always quoted, NULL empty."""
    fields = []
    for column in data.columns:
        if column == skip:
            continue
        quoted = '"' + str(column).replace('"', '""') + '"'
        if column in parse:
            fields.append(f"coalesce(cast({quoted} as varchar), '')")
        else:
            fields.append(
                f"""coalesce('"' || replace(cast({quoted} as varchar), '"', '""') || '"', '')"""
            )
    return " || ',' || ".join(fields) if fields else "''"


def csv_header(data: pd.DataFrame, skip: str | None = None) -> str:
    """The CSV header line of a frame's columns."""
    return ",".join(str(column) for column in data.columns if column != skip)


def to_csv(data: pd.DataFrame, parse: dict[str, str]) -> str:
    """A frame as CSV text for Vega (rendered by DuckDB: ~10x faster than pandas)."""
    return to_csv_by(data, parse, None)[""]


def to_csv_by(data: pd.DataFrame, parse: dict[str, str], key: str | None) -> dict[str, str]:
    """CSV text of each group of rows sharing `key` (without the key column), in row
    order; with no key, one text under "". One DuckDB query for all groups."""
    header = csv_header(data, key)
    if data.empty:
        return {"": header + "\n"} if key is None else {}
    group = f'cast("{key}" as varchar)' if key else "''"
    with duckdb.connect() as con:
        con.register("chart_rows", data.assign(__row=np.arange(len(data))))
        rows = con.execute(
            f"""
            select {group} as grp, string_agg({_csv_line_sql(data, parse, key)}, chr(10)
                order by __row)
            from chart_rows
            group by grp
            """
        ).fetchall()
    return {str(grp): f"{header}\n{text}\n" for grp, text in rows}


class Datasets:
    """The data of one page: each frame embedded once as CSV text in the spec's top-level
    `datasets` and referenced by name, so Altair never copies it (which is slow) and the
    page stays small (no repeated keys as in JSON records)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.parses: dict[str, dict[str, str]] = {}

    def declare(self, data: pd.DataFrame, name: str) -> alt.NamedData:
        """A reference to a dataset shaped like `data`, whose values come later."""
        parse = csv_parse(data)
        if self.parses.get(name, parse) != parse:
            raise ValueError(f"two differently shaped datasets named {name!r}")
        self.parses[name] = parse
        return alt.NamedData(name=name, format=alt.DataFormat(type="csv", parse=parse))

    def add(self, data: pd.DataFrame, what: str) -> alt.NamedData:
        """Embed a frame (at most `MAX_ROWS` rows) under a name derived from `what`."""
        check_rows(data, what)
        name = re.sub(r"\W+", "_", what).strip("_")
        reference = self.declare(data, name)
        self.values.setdefault(name, to_csv(data, self.parses[name]))
        return reference

    def spec(self, chart: alt.TopLevelMixin) -> dict[str, Any]:
        """The chart's Vega-Lite spec with the data attached (not schema-validated here:
        validation costs ~0.1 s a page; the tests validate every page)."""
        from python_steps.charts.render import themed

        spec = themed(chart.to_dict(validate=False))
        datasets = spec.setdefault("datasets", {})
        datasets.update(self.values)
        _records_as_csv(spec, datasets)
        return spec


def _records_as_csv(spec: Any, datasets: dict[str, Any]) -> None:
    """Datasets a chart built from frames of its own (Altair embeds them as JSON records)
    become CSV text like every other dataset, and their references get the CSV format."""
    records = {name: rows for name, rows in datasets.items() if isinstance(rows, list)}
    parses: dict[str, dict[str, str]] = {}
    for name, rows in records.items():
        frame = pd.DataFrame.from_records(rows)
        parses[name] = csv_parse(frame)
        datasets[name] = to_csv(frame, parses[name])

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and data.get("name") in parses and "format" not in data:
                data["format"] = {"type": "csv", "parse": parses[data["name"]]}
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    if parses:
        visit(spec)
