# layer_dynamics: `make run` builds everything, `make test` checks everything.
SHELL := /bin/bash
VENV := .venv
PYTHON := $(VENV)/bin/python
DBT := $(VENV)/bin/dbt
INSTALLED := $(VENV)/.installed

# Runs to build on: the generated demo runs unless RUNS=/path/to/runs is given.
DEMO_RUNS := demo_runs
RUNS ?= $(DEMO_RUNS)
export RUNS_PATH := $(RUNS)
# Analysis mode: `corrected` (default) or `reference` (reproduces the Phase 1 report).
# `make run MODE=reference RUNS=/path/to/runs` is the way to switch: it rebuilds every table,
# the exports and the charts from those runs in that mode, so that all of them show one build.
MODE ?= corrected
# The engine: `dev` (DuckDB, the default: no Java) or `spark` (`make install-spark` first,
# Java 17; docs/spark.md). On Spark, `make run` builds the models (selector `spark`) into
# SPARK_WAREHOUSE_DIR, with its own metastore in SPARK_METASTORE_DIR, then copies the
# reporting tables into the DuckDB file SPARK_REPORTING_PATH, which `make export`,
# `make charts` and their checks then read.
TARGET ?= dev
export SPARK_REPORTING_PATH ?= spark-reporting.duckdb
ifeq ($(TARGET),spark)
# Always the copy (even when WAREHOUSE_PATH is set in the environment for DuckDB builds).
override WAREHOUSE_PATH := $(SPARK_REPORTING_PATH)
endif
export WAREHOUSE_PATH ?= warehouse.duckdb
export EXPORT_DIR ?= exports
export CHARTS_DIR ?= charts
# `make run` skips what checks the code rather than the data: unit tests and the full scans
# of the largest tables (selectors.yml `make_run`; `make test` runs both).
DBT_BUILD_ARGS := --selector make_run
# dbt's anonymous usage statistics cost seconds per command on a closed network.
export DO_NOT_TRACK := 1
SPARK_VENV := .venv-spark
SPARK_INSTALLED := $(SPARK_VENV)/.installed
export SPARK_WAREHOUSE_DIR ?= $(CURDIR)/spark-warehouse
export SPARK_METASTORE_DIR ?= $(CURDIR)/spark-metastore

.PHONY: run install install-spark demo build build-spark spark-reporting export check-export charts check-charts test test-spark lint bench clean

ifeq ($(TARGET),spark)
run: build-spark spark-reporting export charts
else
run: build export charts
endif

install: $(INSTALLED)

$(INSTALLED): requirements.txt pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# The Spark engine's own venv (.venv stays free of pyspark and Java).
install-spark: $(SPARK_INSTALLED)

$(SPARK_INSTALLED): requirements.txt requirements-spark.txt pyproject.toml
	test -x $(SPARK_VENV)/bin/python || python3 -m venv $(SPARK_VENV)
	$(SPARK_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-spark.txt
	$(SPARK_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

demo: $(INSTALLED)
	$(PYTHON) -m python_steps.demo_runs --out $(DEMO_RUNS)

build: $(INSTALLED)
	@if [ "$(RUNS)" = "$(DEMO_RUNS)" ] && [ ! -d "$(DEMO_RUNS)" ]; then $(MAKE) --no-print-directory demo; fi
	@$(PYTHON) -m python_steps.warehouse --check-writable "$(WAREHOUSE_PATH)"
	$(DBT) build $(DBT_BUILD_ARGS) --vars '{"analysis_mode": "$(MODE)"}'

build-spark: $(SPARK_INSTALLED)
	@command -v java >/dev/null || { echo "Spark needs Java 17: apt-get install openjdk-17-jre-headless"; exit 1; }
	@if [ "$(RUNS)" = "$(DEMO_RUNS)" ] && [ ! -d "$(DEMO_RUNS)" ]; then $(MAKE) --no-print-directory demo; fi
	$(SPARK_VENV)/bin/python -m python_steps.spark_session build --target spark --selector spark --vars '{"analysis_mode": "$(MODE)"}'

# The tables the exports and charts read (build_info, runs, load_issues, chart_*, export_*,
# ...: python_steps/spark_to_duckdb.py) copied from the Spark build into a DuckDB file.
spark-reporting: $(SPARK_INSTALLED)
	$(SPARK_VENV)/bin/python -m python_steps.spark_to_duckdb --out "$(SPARK_REPORTING_PATH)"

export: $(INSTALLED)
	$(PYTHON) -m python_steps.exports --warehouse "$(WAREHOUSE_PATH)" --out "$(EXPORT_DIR)"

# Exit 1 (one line) when the exports do not show the warehouse's current build.
check-export: $(INSTALLED)
	$(PYTHON) -m python_steps.exports --warehouse "$(WAREHOUSE_PATH)" --out "$(EXPORT_DIR)" --check

charts: $(INSTALLED)
	$(PYTHON) -m python_steps.charts --warehouse "$(WAREHOUSE_PATH)" --out "$(CHARTS_DIR)" $(CHARTS_ARGS)

# Exit 1 (one line) when charts/ does not show the warehouse's current build.
check-charts: $(INSTALLED)
	$(PYTHON) -m python_steps.charts --warehouse "$(WAREHOUSE_PATH)" --out "$(CHARTS_DIR)" --check

lint: $(INSTALLED)
	$(VENV)/bin/ruff check python_steps layer_dynamics models tests benchmarks
	@# Linted against an empty warehouse: models that list files to read at compile time
	@# would otherwise be linted with this warehouse's file lists pasted in.
	WAREHOUSE_PATH="$$(mktemp -d)/lint.duckdb" $(VENV)/bin/sqlfluff lint models analysis macros

# The test files run in TEST_WORKERS processes (pytest-xdist; a file's tests stay together,
# so a warehouse a file builds is built once). dbt is single-threaded: one process per core.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

test: $(INSTALLED)
	$(MAKE) --no-print-directory lint
	$(VENV)/bin/pytest --ignore=tests/spark -n $(TEST_WORKERS) --dist loadfile --durations=15

# The Spark build against the DuckDB build of the same runs (tests/spark; docs/spark.md).
test-spark: $(SPARK_INSTALLED)
	$(SPARK_VENV)/bin/pytest -p no:cacheprovider --durations=10 tests/spark

bench: $(INSTALLED)
	$(PYTHON) benchmarks/run_benchmark.py

clean:
	rm -rf target logs spark-warehouse spark-metastore "$(SPARK_REPORTING_PATH)"* $(DEMO_RUNS) $(EXPORT_DIR) $(CHARTS_DIR) warehouse.duckdb* .duckdb_tmp
