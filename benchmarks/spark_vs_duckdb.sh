#!/usr/bin/env bash
# The Spark build beside the DuckDB build of the same runs (docs/spark.md, "Timings"):
# `dbt build --selector spark` on each engine, full then with nothing changed, timed by
# /usr/bin/time (wall time; CPU and peak RSS of the dbt process: Spark's JVM is not counted).
#   benchmarks/spark_vs_duckdb.sh [RUNS_FOLDER] [WORK_FOLDER]
# Needs `make install` and `make install-spark` (Java 17). Default runs: ../shared's 55 runs.
set -u
cd "$(dirname "$0")/.."
runs=${1:-../shared/data/ndt-phase1-runs}
work=${2:-/tmp/layer_dynamics_spark_vs_duckdb}
rm -rf "$work" && mkdir -p "$work"
export DO_NOT_TRACK=1 RUNS_PATH=$runs WAREHOUSE_PATH=$work/warehouse.duckdb
export SPARK_WAREHOUSE_DIR=$work/spark-warehouse SPARK_METASTORE_DIR=$work/spark-metastore
for build in full no_change; do
    echo "$build: load $(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/time -f "  duckdb $build: %e s wall, %U+%S CPU s, %M KB peak" \
        .venv/bin/dbt build --selector spark --target-path "$work/target_duckdb" \
        --log-path "$work/logs_duckdb" -q > "$work/duckdb_$build.log" 2>&1
    tail -1 "$work/duckdb_$build.log"
    /usr/bin/time -f "  spark $build: %e s wall, %U+%S CPU s (without the JVM), %M KB peak" \
        .venv-spark/bin/python -m python_steps.spark_session build --target spark \
        --selector spark --target-path "$work/target_spark" --log-path "$work/logs_spark" -q \
        > "$work/spark_$build.log" 2>&1
    tail -1 "$work/spark_$build.log"
done
