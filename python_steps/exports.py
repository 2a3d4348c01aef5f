"""Write the Phase 1 report's result files from a built warehouse's marts.

``python -m python_steps.exports --warehouse warehouse.duckdb --out exports`` (``make export``)
writes the five files of the report's ``results/step1_*`` folders, one file each, every
metric of the build in it:

- ``convergence_analysis_summary.json`` (step 1.1): a list with one record per run and
  metric, the report's keys (``stabilization_points``, ``convergence_correlation``,
  ``convergence_p_value``, ``convergence_pattern``, ``num_stabilized_layers``,
  ``total_layers``, ``experiment_name``, ``arch_name``, ``dataset_name``, ``num_layers``)
  plus ``metric`` and ``stabilization_steps``.
- ``all_jumps_detailed.csv`` (step 1.2): one row per jump, the report's columns (``step``,
  ``magnitude``, ``speed``, ``direction``, ``phase``, ``layer``, ``experiment``,
  ``arch_name``, ``dataset``, ``phase_category``, ``cluster``) plus ``metric`` and every
  other column of the ``jumps`` mart (``measurement_index``, ``velocity``,
  ``velocity_z_score``, ``is_numerical_noise``, ...).
- ``jump_characterization_summary.json`` (step 1.2): an object keyed by metric; each value
  has the report's keys (``total_jumps``, ``experiments_with_jumps``,
  ``phase_distribution``, ``cluster_info``, ``experiment_summaries``) plus ``metric``,
  ``noise_jumps`` and ``architecture_summary``.
- ``critical_periods_detailed.csv`` (step 1.3): one row per run and metric, the report's
  columns (``experiment``, ``arch_name``, ``dataset``, ``total_critical_steps``,
  ``total_transitions``, ``num_coordinated_periods``, ``max_coordination``,
  ``mean_coordination``, ``loss_correlation``) plus ``metric`` and every other column of the
  ``critical_periods`` mart (``is_strong``, ``loss_drop_base_rate``, the chance baselines...).
- ``critical_periods_summary.json`` (step 1.3): an object keyed by metric; each value has
  the report's keys (``summary``, ``experiment_results``, whose records are the rows of
  ``critical_periods_detailed.csv``) plus ``metric`` and ``architecture_summary``.

Differences from the report's files, on purpose:

- ``experiment`` / ``experiment_name`` hold the warehouse's ``run_id``.
- ``step`` in ``all_jumps_detailed.csv`` is the training step ``s_i`` of the jump. The
  report's script wrote the measurement index ``i`` under that name; it is in
  ``measurement_index`` here.
- Undefined numbers (a layer that never stabilizes, an undefined Spearman rho) are JSON
  ``null`` and empty CSV cells. The report wrote ``-1`` for a layer that never stabilized
  and ``NaN`` (not valid JSON) for an undefined rho.
- ``phase_distribution`` lists early, mid and late, zeros included.

Every figure is computed by SQL in the warehouse: the rows behind each file are the dbt models
``export_*`` in ``models/reporting/`` (tested and documented there); Python only reshapes rows
into files.

Provenance: the CSV files carry a ``build_id`` column; every run of the exports also writes
``build_info.json`` beside the files (the warehouse's ``build_info`` row and the files written).
``--check`` says whether a folder of exports shows the warehouse's current build (exit 1 when
the warehouse is newer). Text cells of the CSV files that a spreadsheet would take as a formula
(starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) are written with a leading
``'``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from python_steps.warehouse import (
    BUILD_RECORD_FILE,
    WarehouseUnavailable,
    check_folder_current,
    describe_build,
    exit_on_unavailable,
    open_warehouse,
    read_build_info,
    write_build_record,
)

Row = dict[str, Any]

CONVERGENCE_FILE = "convergence_analysis_summary.json"
JUMPS_FILE = "all_jumps_detailed.csv"
JUMP_SUMMARY_FILE = "jump_characterization_summary.json"
CRITICAL_FILE = "critical_periods_detailed.csv"
CRITICAL_SUMMARY_FILE = "critical_periods_summary.json"
BUILD_INFO_FILE = BUILD_RECORD_FILE
EXPORT_FILES = (
    CONVERGENCE_FILE,
    JUMPS_FILE,
    JUMP_SUMMARY_FILE,
    CRITICAL_FILE,
    CRITICAL_SUMMARY_FILE,
)
# The reporting models (models/reporting/export_*.sql) and the mart the files are made of.
REQUIRED_MODELS = (
    "build_info",
    "runs",
    "load_issues",
    "architecture_comparison",
    "export_convergence_summary",
    "export_jumps_detailed",
    "export_jump_summary_by_metric",
    "export_jump_summary_by_run",
    "export_critical_periods_detailed",
    "export_critical_summary_by_metric",
)
PHASE_CATEGORIES = ("early", "mid", "late")
# Text that a spreadsheet would evaluate as a formula starts with one of these.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Every metric of the build, in order.
METRICS_SQL = "select metric from main.export_jump_summary_by_metric order by metric"


def model_sql(model: str, order_by: str) -> str:
    """All rows of a reporting model but its build_id, in a fixed order."""
    return f"select * exclude (build_id) from main.{model} order by {order_by}"


CONVERGENCE_SQL = model_sql("export_convergence_summary", "metric, experiment_name")
JUMPS_SQL = (
    "select * from main.export_jumps_detailed order by metric, experiment, layer, measurement_index"
)
JUMP_TOTALS_SQL = model_sql("export_jump_summary_by_metric", "metric")
JUMP_EXPERIMENTS_SQL = model_sql("export_jump_summary_by_run", "metric, experiment")
CRITICAL_SQL = "select * from main.export_critical_periods_detailed order by metric, experiment"
CRITICAL_TOTALS_SQL = model_sql("export_critical_summary_by_metric", "metric")
ARCHITECTURE_SQL = "select * from main.architecture_comparison order by metric, arch_family"


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


def fetch_table(connection: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[Row]]:
    """The query's column names, and its rows as dicts keyed by them, in the query's order."""
    cursor = connection.execute(sql)
    names = [column[0] for column in cursor.description]
    return names, [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def fetch_rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[Row]:
    """The query's rows as dicts keyed by column name, in the query's order."""
    return fetch_table(connection, sql)[1]


def group_by_metric(rows: list[Row]) -> dict[str, list[Row]]:
    """Rows split by their `metric` value, the key removed, order kept."""
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        rest = {key: value for key, value in row.items() if key != "metric"}
        grouped.setdefault(row["metric"], []).append(rest)
    return grouped


# --------------------------------------------------------------------------------------
# The report's structures
# --------------------------------------------------------------------------------------


def convergence_records(rows: list[Row]) -> list[Row]:
    """convergence_analysis_summary.json: one record per run and metric."""
    records = []
    for row in rows:
        layers = row["layers"]
        records.append(
            {
                "stabilization_points": {item["layer"]: item["index"] for item in layers},
                "convergence_correlation": row["convergence_correlation"],
                "convergence_p_value": row["convergence_p_value"],
                "convergence_pattern": row["convergence_pattern"],
                "num_stabilized_layers": row["num_stabilized_layers"],
                "total_layers": row["total_layers"],
                "experiment_name": row["experiment_name"],
                "metric": row["metric"],
                "arch_name": row["arch_name"],
                "dataset_name": row["dataset_name"],
                "num_layers": row["total_layers"],
                "stabilization_steps": {item["layer"]: item["step"] for item in layers},
            }
        )
    return records


def jump_summaries(
    totals: list[Row], experiments: list[Row], architectures: list[Row]
) -> dict[str, Row]:
    """jump_characterization_summary.json: the report's object for each metric (of `totals`)."""
    experiments_by_metric = group_by_metric(experiments)
    architectures_by_metric = group_by_metric(architectures)
    summaries: dict[str, Row] = {}
    for total in totals:
        metric = total["metric"]
        summaries[metric] = {
            "metric": metric,
            "total_jumps": total["total_jumps"],
            "experiments_with_jumps": total["experiments_with_jumps"],
            "noise_jumps": total["noise_jumps"],
            "phase_distribution": {
                category: total[f"{category}_jumps"] for category in PHASE_CATEGORIES
            },
            "cluster_info": {
                "n_clusters": total["n_clusters"],
                "cluster_sizes": {
                    str(item["jump_type"]): item["n_jumps"] for item in total["cluster_sizes"]
                },
            },
            "architecture_summary": {
                row["arch_family"]: {
                    "jumps": row["n_jumps"],
                    "noise_jumps": row["n_noise_jumps"],
                    "experiments_with_jumps": row["n_runs_with_jumps"],
                    "mean_magnitude": row["mean_jump_magnitude"],
                    "mean_speed": row["mean_jump_speed"],
                }
                for row in architectures_by_metric.get(metric, [])
            },
            "experiment_summaries": [
                {
                    "experiment": row["experiment"],
                    "arch_name": row["arch_name"],
                    "dataset": row["dataset"],
                    "total_jumps": row["total_jumps"],
                    "num_layers": row["num_layers"],
                    "jumps_per_layer": row["jumps_per_layer"],
                    "layer_analysis": {
                        item["layer"]: item["n_jumps"] for item in row["layer_jumps"]
                    },
                }
                for row in experiments_by_metric.get(metric, [])
            ],
        }
    return summaries


def critical_summaries(
    totals: list[Row], experiments: list[Row], architectures: list[Row]
) -> dict[str, Row]:
    """critical_periods_summary.json: the report's object for each metric (of `totals`)."""
    experiments_by_metric = group_by_metric(
        [{key: value for key, value in row.items() if key != "build_id"} for row in experiments]
    )
    architectures_by_metric = group_by_metric(architectures)
    summaries: dict[str, Row] = {}
    for total in totals:
        metric = total["metric"]
        summaries[metric] = {
            "metric": metric,
            "summary": {
                "mean_critical_periods": total["mean_critical_periods"],
                "mean_coordination": total["mean_coordination"],
                "mean_loss_correlation": total["mean_loss_correlation"],
                "experiments_with_strong_periods": total["experiments_with_strong_periods"],
                "mean_transitions": total["mean_transitions"],
                "num_experiments": total["num_experiments"],
            },
            "architecture_summary": {
                row["arch_family"]: {
                    "experiments": row["n_runs"],
                    "mean_critical_periods": row["mean_critical_steps"],
                    "mean_transitions": row["mean_transitions"],
                    "mean_coordination": row["mean_coordination"],
                    "mean_loss_correlation": row["mean_loss_correlation"],
                    "experiments_with_strong_periods": row["n_strong_runs"],
                }
                for row in architectures_by_metric.get(metric, [])
            },
            "experiment_results": experiments_by_metric.get(metric, []),
        }
    return summaries


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def json_ready(value: Any) -> Any:
    """`value` with NaN and infinities as None (JSON null), recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    return value


def spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading `'`; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_json(path: Path, content: Any) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(json_ready(content), handle, indent=2, allow_nan=False, default=str)
        handle.write("\n")


def write_csv(path: Path, columns: Sequence[str], rows: list[Row]) -> None:
    """Floats as Python's shortest round-trip text; NULL as an empty cell; formulas disarmed."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(
            {key: spreadsheet_safe(value) for key, value in row.items()} for row in rows
        )


# --------------------------------------------------------------------------------------
# Exporting and checking
# --------------------------------------------------------------------------------------


def export_all(warehouse: Path, out_dir: Path) -> dict[str, int]:
    """Write the five report files and build_info.json into `out_dir`; each file's count.

    Raises WarehouseUnavailable (one line) when the warehouse cannot be read or its build is
    unfinished.
    """
    with open_warehouse(warehouse, REQUIRED_MODELS) as connection:
        info = read_build_info(connection)
        if info["build_status"] == "unfinished":
            raise WarehouseUnavailable(
                f"The warehouse {warehouse} holds an unfinished build ({info['build_id']}, "
                "killed or still running): run `make run` again."
            )
        if info["build_status"] != "success":
            print(
                f"warning: the warehouse's {describe_build(info)} had failing models or "
                "tests; the exports show what it holds",
                file=sys.stderr,
            )
        architectures = fetch_rows(connection, ARCHITECTURE_SQL)
        convergence = convergence_records(fetch_rows(connection, CONVERGENCE_SQL))
        jump_columns, jumps = fetch_table(connection, JUMPS_SQL)
        jump_summary = jump_summaries(
            fetch_rows(connection, JUMP_TOTALS_SQL),
            fetch_rows(connection, JUMP_EXPERIMENTS_SQL),
            architectures,
        )
        critical_columns, critical = fetch_table(connection, CRITICAL_SQL)
        critical_summary = critical_summaries(
            fetch_rows(connection, CRITICAL_TOTALS_SQL), critical, architectures
        )

    out_dir.mkdir(parents=True, exist_ok=True)
    # The old record goes first: a folder caught half-written names no build.
    (out_dir / BUILD_INFO_FILE).unlink(missing_ok=True)
    write_json(out_dir / CONVERGENCE_FILE, convergence)
    write_csv(out_dir / JUMPS_FILE, jump_columns, jumps)
    write_json(out_dir / JUMP_SUMMARY_FILE, jump_summary)
    write_csv(out_dir / CRITICAL_FILE, critical_columns, critical)
    write_json(out_dir / CRITICAL_SUMMARY_FILE, critical_summary)
    counts = {
        CONVERGENCE_FILE: len(convergence),
        JUMPS_FILE: len(jumps),
        JUMP_SUMMARY_FILE: len(jump_summary),
        CRITICAL_FILE: len(critical),
        CRITICAL_SUMMARY_FILE: len(critical_summary),
    }
    write_build_record(
        out_dir,
        info,
        {"files": counts},
        "Every file in this folder shows this build; the CSV files also carry its build_id "
        "in a column.",
    )
    return counts


def check_current(warehouse: Path, out_dir: Path) -> str:
    """One line saying the exports show the warehouse's build; WarehouseUnavailable if not."""
    return check_folder_current(warehouse, out_dir, "exports", "make export")


WHAT_IS_COUNTED = {
    CONVERGENCE_FILE: "run x metric records",
    JUMPS_FILE: "jumps",
    JUMP_SUMMARY_FILE: "metrics",
    CRITICAL_FILE: "run x metric rows",
    CRITICAL_SUMMARY_FILE: "metrics",
}


@exit_on_unavailable
def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write the Phase 1 report's files (JSON and CSV) from the warehouse."
    )
    parser.add_argument("--warehouse", type=Path, required=True, help="built DuckDB file")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the exports in --out do not show the warehouse's build",
    )
    args = parser.parse_args(argv)
    if args.check:
        print(check_current(args.warehouse, args.out))
        return 0

    start = time.perf_counter()
    counts = export_all(args.warehouse, args.out)
    for name, count in counts.items():
        print(f"wrote {args.out / name} ({count} {WHAT_IS_COUNTED[name]})")
    print(f"wrote {args.out / BUILD_INFO_FILE} (the build these files show)")
    print(f"exports written in {time.perf_counter() - start:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
