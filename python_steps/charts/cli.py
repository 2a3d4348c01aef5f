"""The driver: every page of a built warehouse, and the command line."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import pandas as pd

from python_steps.charts import data as cd
from python_steps.charts.architectures_page import architectures_page
from python_steps.charts.bundle import build_note, vega_bundle, write_page
from python_steps.charts.compare_page import compare_page
from python_steps.charts.convergence_page import convergence_page
from python_steps.charts.critical_periods_page import critical_periods_page
from python_steps.charts.index_page import index_page
from python_steps.charts.jump_types_page import jump_types_page
from python_steps.charts.jumps_page import jumps_page
from python_steps.charts.names import unique_page_names
from python_steps.charts.render import DEFAULT_MAX_RUN_PAGES, MissingMartsError, Page, PageJob
from python_steps.charts.run_data import RunData, load_run_data, select_run_pages
from python_steps.charts.run_page import RunPageTemplate, run_page, run_page_template
from python_steps.charts.runs_page import runs_overview_page
from python_steps.charts.validity_page import validity_page
from python_steps.warehouse import (
    BUILD_RECORD_FILE,
    WarehouseUnavailable,
    check_folder_current,
    open_warehouse,
    read_build_info,
    write_build_record,
)


def page_jobs(con: duckdb.DuckDBPyConnection, max_run_pages: int) -> list[PageJob]:
    """Every page to write, in order: index, summary pages, run pages."""
    data = load_run_data(con)
    chosen = set(select_run_pages(data.runs, max_run_pages))
    paths = unique_page_names(str(run_id) for run_id in data.runs["run_id"])
    run_pages = {run_id: path if run_id in chosen else "" for run_id, path in paths.items()}
    summary: list[tuple[str, Callable[[], Page]]] = [
        ("runs.html", lambda: runs_overview_page(con, run_pages)),
        ("compare.html", lambda: compare_page(con, run_pages)),
        ("convergence.html", lambda: convergence_page(con)),
        ("jumps.html", lambda: jumps_page(con)),
        ("jump_types.html", lambda: jump_types_page(con)),
        ("critical_periods.html", lambda: critical_periods_page(con)),
        ("architectures.html", lambda: architectures_page(con)),
    ]
    validity = cd.read_optional(con, "chart_detector_validity")
    if validity is not None and not validity.empty:
        curves = cd.read_optional(con, "rpt_detector_curves")
        verdicts = cd.read_optional(con, "detector_verdicts")
        summary.append(("validity.html", lambda: validity_page(validity, curves, verdicts)))
    else:
        print("no chart_detector_validity model in this warehouse: skipping validity.html")
    summary_paths = [path for path, _ in summary]
    jobs = [PageJob("index.html", lambda: index_page(con, summary_paths, run_pages))]
    jobs += [PageJob(path, build) for path, build in summary]
    runs_by_id = {str(row["run_id"]): row for _, row in data.runs.iterrows()}
    template = run_page_template(data)
    jobs += [
        PageJob(run_pages[run_id], _run_page_builder(runs_by_id[run_id], data, template))
        for run_id in run_pages
        if run_pages[run_id]
    ]
    return jobs


def _run_page_builder(
    run: pd.Series, data: RunData, template: RunPageTemplate
) -> Callable[[], Page]:
    """A closure building one run's page."""
    return lambda: run_page(run, data, template)


def generate_charts(
    warehouse: Path,
    out_dir: Path,
    *,
    png: bool = False,
    svg: bool = False,
    max_run_pages: int = DEFAULT_MAX_RUN_PAGES,
    progress: Callable[[str], None] = print,
) -> list[Path]:
    """Write every page of a built warehouse into `out_dir`; return the HTML paths.
    WarehouseUnavailable (one line) when the warehouse cannot be read; MissingMartsError
    when it was built without the reporting models."""
    with open_warehouse(warehouse) as con:
        missing = cd.missing_models(con)
        if missing:
            raise MissingMartsError(
                f"The warehouse {warehouse} lacks the chart models {', '.join(missing)}: "
                "rebuild it with `make run` (a build that selected only some models leaves "
                "them out)."
            )
        info = read_build_info(con)
        note = build_note(info)
        out_dir.mkdir(parents=True, exist_ok=True)
        # The old record goes first: a folder caught half-written names no build.
        (out_dir / BUILD_RECORD_FILE).unlink(missing_ok=True)
        bundle = vega_bundle()
        written: list[Path] = []
        jobs = page_jobs(con, max_run_pages)
        for k, job in enumerate(jobs, start=1):
            progress(f"page {k} of {len(jobs)}: {job.path}")
            written.append(write_page(job.build(), out_dir, bundle, png, svg, note))
    write_build_record(
        out_dir,
        info,
        {"pages": [str(path.relative_to(out_dir)) for path in written]},
        "Every page in this folder shows this build (each names it under its title).",
    )
    return written


def total_size(paths: Iterable[Path]) -> int:
    """Total bytes of some files."""
    return sum(path.stat().st_size for path in paths)


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: 0 when every page is written; 1 with one line on stderr when the
    warehouse cannot be read (missing, locked, empty, no analysed run, models missing)."""
    parser = argparse.ArgumentParser(
        prog="python -m python_steps.charts",
        description="Write the interactive chart pages of a built warehouse.",
    )
    parser.add_argument("--warehouse", required=True, type=Path, help="built DuckDB file")
    parser.add_argument("--out", required=True, type=Path, help="folder for the pages")
    parser.add_argument("--png", action="store_true", help="also write a PNG of each chart")
    parser.add_argument("--svg", action="store_true", help="also write an SVG of each chart")
    parser.add_argument(
        "--max-run-pages",
        type=int,
        default=DEFAULT_MAX_RUN_PAGES,
        help="write a page for at most this many runs (best Phase 2 candidates first)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the pages in --out do not show the warehouse's build",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        if args.check:
            print(check_folder_current(args.warehouse, args.out, "charts", "make charts"))
            return 0
        paths = generate_charts(
            args.warehouse,
            args.out,
            png=args.png,
            svg=args.svg,
            max_run_pages=args.max_run_pages,
        )
    except (WarehouseUnavailable, MissingMartsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"wrote {len(paths)} pages ({total_size(paths) / 1e6:.1f} MB) to {args.out} "
        f"in {time.perf_counter() - started:.1f} s; open {args.out / 'index.html'}"
    )
    return 0
