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

Every figure is computed by SQL in the warehouse; Python only reshapes rows into files.
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

Row = dict[str, Any]

CONVERGENCE_FILE = "convergence_analysis_summary.json"
JUMPS_FILE = "all_jumps_detailed.csv"
JUMP_SUMMARY_FILE = "jump_characterization_summary.json"
CRITICAL_FILE = "critical_periods_detailed.csv"
CRITICAL_SUMMARY_FILE = "critical_periods_summary.json"
EXPORT_FILES = (
    CONVERGENCE_FILE,
    JUMPS_FILE,
    JUMP_SUMMARY_FILE,
    CRITICAL_FILE,
    CRITICAL_SUMMARY_FILE,
)
REQUIRED_MARTS = (
    "runs",
    "layer_stabilization",
    "convergence_order",
    "jumps",
    "critical_periods",
    "architecture_comparison",
)
PHASE_CATEGORIES = ("early", "mid", "late")

# Every metric of the build: critical_periods has one row per analysed run and metric.
METRICS_SQL = "select distinct metric from main.critical_periods order by metric"

CONVERGENCE_SQL = """
with layer_points as (
    select
        run_id,
        metric,
        list(
            {'layer': layer, 'index': stabilization_index, 'step': stabilization_step}
            order by layer_position
        ) as layers
    from main.layer_stabilization
    group by run_id, metric
)

select
    convergence_order.metric,
    convergence_order.run_id as experiment_name,
    runs.arch_name,
    runs.dataset as dataset_name,
    layer_points.layers,
    convergence_order.spearman_rho as convergence_correlation,
    convergence_order.p_value as convergence_p_value,
    convergence_order.pattern as convergence_pattern,
    convergence_order.n_stabilized_layers as num_stabilized_layers,
    convergence_order.n_layers as total_layers
from main.convergence_order
inner join main.runs on convergence_order.run_id = runs.run_id
inner join layer_points
    on convergence_order.run_id = layer_points.run_id
    and convergence_order.metric = layer_points.metric
order by convergence_order.metric, convergence_order.run_id
"""

JUMPS_SQL = """
select
    jumps.step,
    jumps.magnitude,
    jumps.speed,
    jumps.direction,
    jumps.phase,
    jumps.layer,
    jumps.run_id as experiment,
    runs.arch_name,
    runs.dataset,
    jumps.phase_category,
    jumps.jump_type as cluster,
    jumps.metric,
    jumps.* exclude (
        run_id, metric, layer, step, magnitude, speed, direction, phase, phase_category, jump_type
    )
from main.jumps
inner join main.runs on jumps.run_id = runs.run_id
order by jumps.metric, jumps.run_id, jumps.layer, jumps.measurement_index
"""

JUMP_TOTALS_SQL = """
select
    metric,
    count(*) as total_jumps,
    count(distinct run_id) as experiments_with_jumps,
    count(*) filter (where is_numerical_noise) as noise_jumps,
    count(distinct jump_type) as n_clusters
from main.jumps
group by metric
"""

JUMP_PHASES_SQL = """
select metric, phase_category, count(*) as n_jumps
from main.jumps
group by metric, phase_category
"""

JUMP_CLUSTERS_SQL = """
select metric, jump_type, count(*) as n_jumps
from main.jumps
where jump_type is not null
group by metric, jump_type
order by metric, n_jumps desc, jump_type
"""

JUMP_EXPERIMENTS_SQL = """
with layer_jumps as (
    select run_id, metric, layer, count(*) as n_jumps
    from main.jumps
    group by run_id, metric, layer
),

layers as (
    select
        layer_stabilization.run_id,
        layer_stabilization.metric,
        layer_stabilization.layer,
        layer_stabilization.layer_position,
        coalesce(layer_jumps.n_jumps, 0) as n_jumps
    from main.layer_stabilization
    left join layer_jumps
        on layer_stabilization.run_id = layer_jumps.run_id
        and layer_stabilization.metric = layer_jumps.metric
        and layer_stabilization.layer = layer_jumps.layer
)

select
    layers.metric,
    layers.run_id as experiment,
    any_value(runs.arch_name) as arch_name,
    any_value(runs.dataset) as dataset,
    sum(layers.n_jumps)::bigint as total_jumps,
    count(*) as num_layers,
    sum(layers.n_jumps) / count(*) as jumps_per_layer,
    list({'layer': layers.layer, 'n_jumps': layers.n_jumps} order by layers.layer_position)
        as layer_jumps
from layers
inner join main.runs on layers.run_id = runs.run_id
group by layers.metric, layers.run_id
order by layers.metric, layers.run_id
"""

CRITICAL_SQL = """
select
    critical_periods.run_id as experiment,
    runs.arch_name,
    runs.dataset,
    critical_periods.total_critical_steps,
    critical_periods.total_transitions,
    critical_periods.num_coordinated_periods,
    critical_periods.max_coordination,
    critical_periods.mean_coordination,
    critical_periods.loss_correlation,
    critical_periods.metric,
    critical_periods.* exclude (
        run_id,
        metric,
        total_critical_steps,
        total_transitions,
        num_coordinated_periods,
        max_coordination,
        mean_coordination,
        loss_correlation
    )
from main.critical_periods
inner join main.runs on critical_periods.run_id = runs.run_id
order by critical_periods.metric, critical_periods.run_id
"""

CRITICAL_TOTALS_SQL = """
select
    metric,
    count(*) as num_experiments,
    avg(total_critical_steps) as mean_critical_periods,
    avg(total_transitions) as mean_transitions,
    avg(mean_coordination) as mean_coordination,
    avg(loss_correlation) as mean_loss_correlation,
    count(*) filter (where is_strong) as experiments_with_strong_periods
from main.critical_periods
group by metric
"""

ARCHITECTURE_SQL = """
select *
from main.architecture_comparison
order by metric, arch_family
"""


class WarehouseNotBuiltError(RuntimeError):
    """The warehouse file or one of the marts the exports read is missing."""


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


def check_marts(connection: duckdb.DuckDBPyConnection) -> None:
    """Fail with a clear message when the marts the exports read are not there."""
    present = {
        name
        for (name,) in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'main'"
        ).fetchall()
    }
    missing = [name for name in REQUIRED_MARTS if name not in present]
    if missing:
        raise WarehouseNotBuiltError(
            f"the warehouse lacks the marts {', '.join(missing)}: "
            "run `dbt build` (make build) first"
        )


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
    metrics: list[str],
    totals: list[Row],
    phases: list[Row],
    clusters: list[Row],
    experiments: list[Row],
    architectures: list[Row],
) -> dict[str, Row]:
    """jump_characterization_summary.json: the report's object for each metric."""
    totals_by_metric = {row["metric"]: row for row in totals}
    experiments_by_metric = group_by_metric(experiments)
    architectures_by_metric = group_by_metric(architectures)
    summaries: dict[str, Row] = {}
    for metric in metrics:
        total = totals_by_metric.get(metric, {})
        phase_counts = {
            row["phase_category"]: row["n_jumps"] for row in phases if row["metric"] == metric
        }
        summaries[metric] = {
            "metric": metric,
            "total_jumps": total.get("total_jumps", 0),
            "experiments_with_jumps": total.get("experiments_with_jumps", 0),
            "noise_jumps": total.get("noise_jumps", 0),
            "phase_distribution": {
                category: phase_counts.get(category, 0) for category in PHASE_CATEGORIES
            },
            "cluster_info": {
                "n_clusters": total.get("n_clusters", 0),
                "cluster_sizes": {
                    str(row["jump_type"]): row["n_jumps"]
                    for row in clusters
                    if row["metric"] == metric
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
    metrics: list[str], totals: list[Row], experiments: list[Row], architectures: list[Row]
) -> dict[str, Row]:
    """critical_periods_summary.json: the report's object for each metric."""
    totals_by_metric = {row["metric"]: row for row in totals}
    experiments_by_metric = group_by_metric(experiments)
    architectures_by_metric = group_by_metric(architectures)
    summaries: dict[str, Row] = {}
    for metric in metrics:
        total = totals_by_metric.get(metric, {})
        summaries[metric] = {
            "metric": metric,
            "summary": {
                "mean_critical_periods": total.get("mean_critical_periods"),
                "mean_coordination": total.get("mean_coordination"),
                "mean_loss_correlation": total.get("mean_loss_correlation"),
                "experiments_with_strong_periods": total.get("experiments_with_strong_periods", 0),
                "mean_transitions": total.get("mean_transitions"),
                "num_experiments": total.get("num_experiments", 0),
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


def write_json(path: Path, content: Any) -> None:
    with path.open("w", encoding="utf-8") as handle:
        json.dump(json_ready(content), handle, indent=2, allow_nan=False)
        handle.write("\n")


def write_csv(path: Path, columns: Sequence[str], rows: list[Row]) -> None:
    """Floats as Python's shortest round-trip text; NULL as an empty cell."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def export_all(warehouse: Path, out_dir: Path) -> dict[str, int]:
    """Write the five report files into `out_dir`; returns each file's record count."""
    if not warehouse.is_file():
        raise WarehouseNotBuiltError(
            f"no warehouse at {warehouse}: run `dbt build` (make build) first"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        check_marts(connection)
        metrics = [metric for (metric,) in connection.execute(METRICS_SQL).fetchall()]
        architectures = fetch_rows(connection, ARCHITECTURE_SQL)

        convergence = convergence_records(fetch_rows(connection, CONVERGENCE_SQL))
        jump_columns, jumps = fetch_table(connection, JUMPS_SQL)
        jump_summary = jump_summaries(
            metrics,
            fetch_rows(connection, JUMP_TOTALS_SQL),
            fetch_rows(connection, JUMP_PHASES_SQL),
            fetch_rows(connection, JUMP_CLUSTERS_SQL),
            fetch_rows(connection, JUMP_EXPERIMENTS_SQL),
            architectures,
        )
        critical_columns, critical = fetch_table(connection, CRITICAL_SQL)
        critical_summary = critical_summaries(
            metrics, fetch_rows(connection, CRITICAL_TOTALS_SQL), critical, architectures
        )

    write_json(out_dir / CONVERGENCE_FILE, convergence)
    write_csv(out_dir / JUMPS_FILE, jump_columns, jumps)
    write_json(out_dir / JUMP_SUMMARY_FILE, jump_summary)
    write_csv(out_dir / CRITICAL_FILE, critical_columns, critical)
    write_json(out_dir / CRITICAL_SUMMARY_FILE, critical_summary)
    return {
        CONVERGENCE_FILE: len(convergence),
        JUMPS_FILE: len(jumps),
        JUMP_SUMMARY_FILE: len(jump_summary),
        CRITICAL_FILE: len(critical),
        CRITICAL_SUMMARY_FILE: len(critical_summary),
    }


WHAT_IS_COUNTED = {
    CONVERGENCE_FILE: "run x metric records",
    JUMPS_FILE: "jumps",
    JUMP_SUMMARY_FILE: "metrics",
    CRITICAL_FILE: "run x metric rows",
    CRITICAL_SUMMARY_FILE: "metrics",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write the Phase 1 report's files (JSON and CSV) from the warehouse marts."
    )
    parser.add_argument("--warehouse", type=Path, required=True, help="built DuckDB file")
    parser.add_argument("--out", type=Path, required=True, help="folder to write into")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    try:
        counts = export_all(args.warehouse, args.out)
    except WarehouseNotBuiltError as error:
        print(f"exports: {error}", file=sys.stderr)
        return 1
    for name, count in counts.items():
        print(f"wrote {args.out / name} ({count} {WHAT_IS_COUNTED[name]})")
    print(f"exports written in {time.perf_counter() - start:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
