"""`make bench`: the warehouse's speed and memory at 1x, 10x and 100x the real data.

For each scale (1x = 55 synthetic runs, 10x = 550, 100x = 5,500, written by
``benchmarks/synthetic_runs.py`` into ``$BENCH_DIR``, default ``/tmp/layer_dynamics_bench``,
and reused across benchmarks), in a fresh warehouse file:

1. ``dbt parse`` (untimed: the timed builds start with a partial-parse cache, as a user's
   ``make run`` does after the first one);
2. full ``dbt build``: wall time and peak RSS of the dbt process (DuckDB runs inside it);
3. ``dbt build`` again with nothing changed: the fixed cost of any refresh, as ``make run``
   builds and as a plain ``dbt build`` (which also runs the unit tests);
4. one new run file added, incremental ``dbt build``;
5. that file removed again, incremental ``dbt build`` (the folder is back as generated);
6. a rebuild after a threshold change (``jump_z_threshold`` 2.0 -> 2.5): every analysis is
   recomputed, no run file is read;
7. the per-file numpy baseline (``benchmarks/numpy_baseline.py``) over the same folder, in
   its own process: wall time and peak RSS. It recomputes everything on any change, so its
   time stands beside every line.

Every run at every scale is distinct: run ``i`` is drawn from its own random stream.

At 1x it also times the export and chart steps of ``make run``; and, when
``../shared/data/ndt-phase1-runs`` is present, the full refresh (build + exports + charts)
of the 55 real runs (fastest of ``--repeat``, default 3). Files are read once before any
timing so that every contender finds them in the page cache. Timings on a shared machine
are noisy: each command records the 1-minute load average it started under.

Peak RSS comes from ``/usr/bin/time -v`` (the maximum resident set of the process and its
waited-for children), or from ``os.wait4`` when GNU time is missing (same kernel figure).
Per-model times come from dbt's ``run_results.json``.

Prints a table and the pass/miss of the issue's targets, writes everything as JSON
(``benchmarks/results/latest.json`` by default).

Usage::

    python benchmarks/run_benchmark.py [--scales 1x,10x,100x] [--seed 0] [--no-baseline]
    BENCH_SCALES=1x python benchmarks/run_benchmark.py      # quick
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synthetic_runs
from bench_commands import (
    REPO_ROOT,
    dbt,
    finish_work,
    folder_stats,
    fresh_work,
    log,
    machine_info,
    numpy_baseline,
    python_step,
    warm_cache,
)
from bench_report import check_targets, derived, ok, report

REAL_RUNS = Path(
    os.environ.get("REAL_RUNS_PATH", REPO_ROOT.parent / "shared" / "data" / "ndt-phase1-runs")
)
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results" / "latest.json"
DEFAULT_SCALES = "1x,10x,100x"
THRESHOLD_CHANGE = {"jump_z_threshold": 2.5}


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------


def bench_threshold_change(
    row: dict[str, Any], scale: str, work: Path, folder: Path, timeout: float | None
) -> None:
    """The rebuild after a threshold change, as make run builds it, then back to the default
    with a plain `dbt build` (the same kind of change, as a user types it)."""
    log(f"{scale}: threshold change {THRESHOLD_CHANGE}, incremental dbt build")
    row["threshold_change"] = dbt(
        "build", work, folder, "threshold_change", timeout, dbt_vars=THRESHOLD_CHANGE
    )
    log(f"{scale}: threshold-change build {row['threshold_change']['seconds']:.1f} s")
    # And back to the default threshold with a plain `dbt build`: the same kind of
    # change (every analysis recomputed from the parsed values), as a user types it.
    log(f"{scale}: threshold back to its default, plain dbt build")
    row["threshold_change_plain"] = dbt(
        "build", work, folder, "threshold_change_plain", timeout, plain=True
    )
    log(f"{scale}: threshold-change plain build {row['threshold_change_plain']['seconds']:.1f} s")


def bench_scale(scale: str, args: argparse.Namespace) -> dict[str, Any]:
    n_runs = synthetic_runs.scale_runs(scale)
    folder = synthetic_runs.runs_folder(scale, args.seed, args.bench_dir)
    log(f"{scale}: {n_runs} runs in {folder}")
    generation = synthetic_runs.ensure_runs(folder, n_runs, args.seed, args.workers)
    n_files, n_bytes = folder_stats(folder)
    row: dict[str, Any] = {
        "scale": scale,
        "runs": n_files,
        "json_bytes": n_bytes,
        "runs_folder": str(folder),
        "generation": {
            "runs_written": generation["generated"],
            "seconds": round(float(generation["seconds"]), 2),
        },
    }
    row["cache_warm_seconds"] = round(warm_cache(folder), 2)
    work = fresh_work(args.bench_dir, scale)
    timeout = args.timeout

    log(f"{scale}: dbt parse")
    row["dbt_parse"] = dbt("parse", work, folder, "parse", timeout)
    log(f"{scale}: full dbt build")
    full = dbt("build", work, folder, "full_build", timeout)
    row["full_build"] = full
    log(f"{scale}: full build {full['seconds']:.1f} s, rc {full['returncode']}")

    # Even when some models failed, the incremental builds still say where time goes.
    if (work / "warehouse.duckdb").exists() and not args.skip_no_change:
        log(f"{scale}: no-change dbt build (the fixed cost of a refresh)")
        row["no_change"] = dbt("build", work, folder, "no_change", timeout)
        log(f"{scale}: no-change build {row['no_change']['seconds']:.1f} s")
        row["no_change_plain"] = dbt("build", work, folder, "no_change_plain", timeout, plain=True)
        log(f"{scale}: no-change plain dbt build {row['no_change_plain']['seconds']:.1f} s")
    if (work / "warehouse.duckdb").exists():
        # The next runs of the same generator: realistic new files, distinct from the rest.
        new_files = [folder / synthetic_runs.run_name(n_runs + i) for i in range(2)]
        try:
            synthetic_runs.write_run(folder, n_runs, args.seed)
            log(f"{scale}: add one run, incremental dbt build")
            row["add_one"] = dbt("build", work, folder, "add_one", timeout)
            log(f"{scale}: add-one build {row['add_one']['seconds']:.1f} s")
            synthetic_runs.write_run(folder, n_runs + 1, args.seed)
            log(f"{scale}: add another run, plain dbt build")
            row["add_one_plain"] = dbt("build", work, folder, "add_one_plain", timeout, plain=True)
            log(f"{scale}: add-one plain build {row['add_one_plain']['seconds']:.1f} s")
        finally:
            for new_file in new_files:
                new_file.unlink(missing_ok=True)
        if not args.skip_remove:
            log(f"{scale}: remove those runs, incremental dbt build")
            row["remove_one"] = dbt("build", work, folder, "remove_one", timeout)
            log(f"{scale}: remove-one build {row['remove_one']['seconds']:.1f} s")
        if scale in args.skip_threshold.split(","):
            log(f"{scale}: threshold-change builds skipped (--skip-threshold)")
        else:
            bench_threshold_change(row, scale, work, folder, timeout)
        if scale == "1x":
            for module, out_name in (("exports", "exports"), ("charts", "charts")):
                log(f"{scale}: {module}")
                row[module] = python_step(module, work, out_name, timeout)
    if not args.no_baseline:
        log(f"{scale}: numpy baseline")
        row["numpy_baseline"] = numpy_baseline(folder, work, "numpy_baseline", timeout)
        log(f"{scale}: numpy baseline {row['numpy_baseline']['seconds']:.1f} s")
    finish_work(work, args.keep_warehouse)
    return row


def bench_real(args: argparse.Namespace) -> dict[str, Any] | None:
    """Full refresh (fresh warehouse: build + exports + charts) of the 55 real runs.

    Repeated ``--repeat`` times (each in a fresh warehouse); the fastest refresh is kept,
    every total is recorded: the 10 s target is close enough for noise to matter.
    """
    if not REAL_RUNS.is_dir():
        log(f"real runs not found at {REAL_RUNS}: skipped")
        return None
    n_files, n_bytes = folder_stats(REAL_RUNS)
    warm_cache(REAL_RUNS)
    best: dict[str, Any] | None = None
    totals: list[float] = []
    numpy_all: list[dict[str, Any]] = []
    for attempt in range(max(1, args.repeat)):
        row: dict[str, Any] = {
            "runs": n_files,
            "json_bytes": n_bytes,
            "runs_folder": str(REAL_RUNS),
        }
        work = fresh_work(args.bench_dir, "real")
        log(f"real runs ({attempt + 1}/{args.repeat}): dbt parse, build, exports, charts")
        row["dbt_parse"] = dbt("parse", work, REAL_RUNS, "parse", args.timeout)
        row["full_build"] = dbt("build", work, REAL_RUNS, "full_build", args.timeout)
        steps = [row["full_build"]]
        if (work / "warehouse.duckdb").exists():
            row["exports"] = python_step("exports", work, "exports", args.timeout)
            row["charts"] = python_step("charts", work, "charts", args.timeout)
            steps += [s for s in (row["exports"], row["charts"]) if s.get("available")]
        row["full_refresh_seconds"] = round(sum(s["seconds"] for s in steps), 3)
        row["full_refresh_complete"] = row["full_build"]["returncode"] == 0 and all(
            row.get(k, {}).get("available") and row[k]["returncode"] == 0
            for k in ("exports", "charts")
        )
        if not args.no_baseline:
            row["numpy_baseline"] = numpy_baseline(REAL_RUNS, work, "numpy_baseline", args.timeout)
        finish_work(work, args.keep_warehouse)
        log(f"real runs: full refresh {row['full_refresh_seconds']:.1f} s")
        totals.append(row["full_refresh_seconds"])
        if ok(row.get("numpy_baseline")):
            numpy_all.append(row["numpy_baseline"])
        if best is None or row["full_refresh_seconds"] < best["full_refresh_seconds"]:
            best = row
    assert best is not None
    best["full_refresh_seconds_all"] = totals
    if numpy_all:  # the fastest baseline, independently of which refresh was fastest
        best["numpy_baseline"] = min(numpy_all, key=lambda step: step["seconds"])
        best["numpy_baseline_seconds_all"] = [step["seconds"] for step in numpy_all]
    return best


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scales",
        default=os.environ.get("BENCH_SCALES", DEFAULT_SCALES),
        help=f"comma-separated scales (default $BENCH_SCALES or {DEFAULT_SCALES})",
    )
    parser.add_argument("--quick", action="store_true", help="only 1x (same as --scales 1x)")
    parser.add_argument("--seed", type=int, default=0, help="synthetic runs' seed")
    parser.add_argument(
        "--bench-dir",
        type=Path,
        default=synthetic_runs.bench_dir(),
        help="folder for generated runs and warehouses (default $BENCH_DIR "
        f"or {synthetic_runs.DEFAULT_BENCH_DIR})",
    )
    parser.add_argument("--workers", type=int, default=2, help="processes writing runs")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results JSON")
    parser.add_argument("--no-baseline", action="store_true", help="skip the numpy baseline")
    parser.add_argument("--no-real", action="store_true", help="skip the 55 real runs")
    parser.add_argument("--skip-remove", action="store_true", help="skip the remove-one build")
    parser.add_argument(
        "--skip-threshold",
        default="",
        help="scales (comma-separated) without the threshold-change builds, e.g. 100x",
    )
    parser.add_argument(
        "--skip-no-change", action="store_true", help="skip the build with nothing changed"
    )
    parser.add_argument(
        "--keep-warehouse",
        action="store_true",
        help="keep each scale's warehouse file in <bench-dir>/work/<scale>",
    )
    parser.add_argument("--timeout", type=float, help="seconds allowed per command")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="full refreshes of the 55 real runs (the fastest is kept; default 3)",
    )
    args = parser.parse_args(argv)

    scales = ["1x"] if args.quick else [s.strip() for s in args.scales.split(",") if s.strip()]
    for scale in scales:
        synthetic_runs.scale_runs(scale)  # validate early
    args.bench_dir.mkdir(parents=True, exist_ok=True)

    result: dict[str, Any] = {"machine": machine_info(), "scales": [], "real_runs": None}
    started = time.perf_counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for scale in scales:
        result["scales"].append(bench_scale(scale, args))
        # Written after each scale too, so that a long benchmark cut short keeps what it has.
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    if not args.no_real:
        result["real_runs"] = bench_real(args)
    result["targets"] = check_targets(result["scales"], result["real_runs"])
    result["derived"] = {row["scale"]: derived(row) for row in result["scales"]}
    if result["real_runs"]:
        result["derived"]["real"] = derived(result["real_runs"])
    result["machine"]["benchmark_seconds"] = round(time.perf_counter() - started, 1)

    report(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
