"""Running and measuring one benchmark command (a dbt command, the numpy baseline, a
Python step of `make run`) and the work folders they run in; used by run_benchmark.py."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
PYTHON = Path(sys.executable)
DBT = PYTHON.with_name("dbt")
GNU_TIME = Path("/usr/bin/time")
GB = 1e9


def log(message: str) -> None:
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# Measuring one command
# --------------------------------------------------------------------------------------


def measure(
    cmd: Sequence[str], env: dict[str, str], log_file: Path, timeout: float | None = None
) -> dict[str, Any]:
    """Run ``cmd`` from the repo root; wall seconds, peak RSS (bytes), return code.

    stdout and stderr go to ``log_file``.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    rss_file = log_file.with_suffix(".time")
    use_gnu_time = GNU_TIME.exists()
    full = [str(GNU_TIME), "-v", "-o", str(rss_file), *cmd] if use_gnu_time else list(cmd)
    peak_kb: int | None = None
    cpu_seconds: float | None = None
    timed_out = False
    # Other work on the machine skews timings: keep the 1-minute load average beside them.
    load_before = os.getloadavg()[0]
    with open(log_file, "w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(full, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        if use_gnu_time:
            try:
                returncode = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                returncode = proc.wait()
                timed_out = True
        else:
            # wait4 gives the child's rusage (ru_maxrss in KB on Linux); no timeout here.
            _, status, usage = os.wait4(proc.pid, 0)
            returncode = os.waitstatus_to_exitcode(status)
            proc.returncode = returncode
            peak_kb = usage.ru_maxrss
            cpu_seconds = usage.ru_utime + usage.ru_stime
        seconds = time.perf_counter() - start
    if use_gnu_time and rss_file.exists():
        text = rss_file.read_text()
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        peak_kb = int(match.group(1)) if match else None
        cpu = re.findall(r"(?:User|System) time \(seconds\): ([0-9.]+)", text)
        cpu_seconds = sum(float(value) for value in cpu) if cpu else None
        exit_match = re.search(r"Exit status: (\d+)", text)
        if exit_match:  # GNU time exits with the command's status; keep it explicit
            returncode = int(exit_match.group(1))
        if "Command terminated by signal" in text:
            returncode = returncode or -1
    return {
        "seconds": round(seconds, 3),
        "peak_rss_bytes": peak_kb * 1024 if peak_kb is not None else None,
        # user + system CPU seconds: much less sensitive than wall time to other load.
        "cpu_seconds": round(cpu_seconds, 2) if cpu_seconds is not None else None,
        "returncode": returncode,
        "timed_out": timed_out,
        "load_average_before": round(load_before, 2),
        "log": str(log_file),
    }


def tail(path: Path, n_chars: int = 3000) -> str:
    try:
        return path.read_text(errors="replace")[-n_chars:]
    except OSError:
        return ""


# --------------------------------------------------------------------------------------
# dbt
# --------------------------------------------------------------------------------------


def dbt_env(work: Path, runs: Path) -> dict[str, str]:
    return {
        **os.environ,
        "WAREHOUSE_PATH": str(work / "warehouse.duckdb"),
        "RUNS_PATH": str(runs),
        "DO_NOT_TRACK": "1",
        "DUCKDB_TEMP_DIRECTORY": str(work / "duckdb_tmp"),
        "PYTHONUNBUFFERED": "1",
    }


def dbt(
    command: str,
    work: Path,
    runs: Path,
    label: str,
    timeout: float | None = None,
    *,
    plain: bool = False,
    dbt_vars: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run ``dbt <command>`` into ``work`` (warehouse, target, logs); keep its run_results.

    A build is run as `make run` builds (Makefile DBT_BUILD_ARGS: selectors.yml `make_run`,
    no unit tests, no full scans), or with ``plain`` as a bare ``dbt build`` (unit tests too;
    the default selector leaves out the full scans)."""
    target = work / "target"
    cmd = [
        str(DBT),
        command,
        *(["--selector", "make_run"] if command == "build" and not plain else []),
        *(["--vars", json.dumps(dbt_vars)] if dbt_vars else []),
        "--target-path",
        str(target),
        "--log-path",
        str(work / "logs"),
    ]
    results_file = target / "run_results.json"
    if results_file.exists():
        results_file.unlink()
    result = measure(cmd, dbt_env(work, runs), work / f"{label}.log", timeout)
    if results_file.exists():
        kept = work / f"run_results_{label}.json"
        shutil.copyfile(results_file, kept)
        result.update(summarize_run_results(kept))
    if result["returncode"] != 0:
        result["error"] = describe_failure(result)
    return result


def summarize_run_results(path: Path) -> dict[str, Any]:
    """Per-node times of a dbt run_results.json: totals by type, slowest models, failures."""
    data = json.loads(path.read_text())
    nodes = []
    for item in data.get("results", []):
        unique_id = item.get("unique_id", "")
        nodes.append(
            {
                "node": unique_id.split(".")[-1] if unique_id.startswith("model.") else unique_id,
                "type": unique_id.split(".", 1)[0],
                "status": item.get("status"),
                "seconds": round(float(item.get("execution_time") or 0.0), 3),
                "message": item.get("message"),
            }
        )
    by_type: dict[str, float] = {}
    for node in nodes:
        by_type[node["type"]] = round(by_type.get(node["type"], 0.0) + node["seconds"], 3)
    models = sorted((n for n in nodes if n["type"] == "model"), key=lambda n: -n["seconds"])
    tests = sorted((n for n in nodes if n["type"] != "model"), key=lambda n: -n["seconds"])
    failed = [n for n in nodes if n["status"] in ("error", "fail", "runtime error")]
    return {
        "dbt_elapsed_seconds": round(float(data.get("elapsed_time") or 0.0), 3),
        "seconds_by_type": by_type,
        "models": [{"model": n["node"], "seconds": n["seconds"]} for n in models],
        "slowest_tests": [{"test": n["node"], "seconds": n["seconds"]} for n in tests[:5]],
        "failed_nodes": [
            {"node": n["node"], "status": n["status"], "message": n["message"]} for n in failed
        ],
    }


def describe_failure(result: dict[str, Any]) -> str:
    failed = result.get("failed_nodes") or []
    if failed:
        return "; ".join(f"{f['node']} ({f['status']}): {f['message']}" for f in failed)[:4000]
    if result.get("timed_out"):
        return "timed out"
    return tail(Path(result["log"]), 2000)


# --------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------


def warm_cache(folder: Path) -> float:
    """Read every run file once (untimed for the contenders): page cache for everybody."""
    start = time.perf_counter()
    for path in folder.iterdir():
        if path.is_file():
            with open(path, "rb") as fh:
                while fh.read(1 << 24):
                    pass
    return time.perf_counter() - start


def numpy_baseline(folder: Path, work: Path, label: str, timeout: float | None) -> dict[str, Any]:
    cmd = [str(PYTHON), str(REPO_ROOT / "benchmarks" / "numpy_baseline.py"), str(folder)]
    result = measure(cmd, {**os.environ, "PYTHONUNBUFFERED": "1"}, work / f"{label}.log", timeout)
    match = re.search(r"read \+ analysis ([0-9.]+) s", tail(Path(result["log"]), 100_000))
    result["analysis_seconds"] = float(match.group(1)) if match else None
    if result["returncode"] != 0:
        result["error"] = tail(Path(result["log"]), 2000)
    return result


def python_step(module: str, work: Path, out_name: str, timeout: float | None) -> dict[str, Any]:
    """``python -m python_steps.<module> --warehouse W --out D``, or 'not available'."""
    package = REPO_ROOT / "python_steps"
    if not ((package / f"{module}.py").exists() or (package / module / "__init__.py").exists()):
        return {"available": False, "note": "not available"}
    out_dir = work / out_name
    shutil.rmtree(out_dir, ignore_errors=True)
    cmd = [
        str(PYTHON),
        "-m",
        f"python_steps.{module}",
        "--warehouse",
        str(work / "warehouse.duckdb"),
        "--out",
        str(out_dir),
    ]
    result = measure(cmd, {**os.environ, "PYTHONUNBUFFERED": "1"}, work / f"{module}.log", timeout)
    result["available"] = True
    if result["returncode"] != 0:
        result["error"] = tail(Path(result["log"]), 2000)
    return result


def folder_stats(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.glob("*.json") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def fresh_work(base: Path, name: str) -> Path:
    work = base / "work" / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    return work


def finish_work(work: Path, keep_warehouse: bool) -> None:
    shutil.rmtree(work / "duckdb_tmp", ignore_errors=True)
    if not keep_warehouse:
        for path in work.glob("warehouse.duckdb*"):
            path.unlink()


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        info["memory_gb"] = round(pages * page_size / GB, 1)
    except (ValueError, OSError):
        info["memory_gb"] = None
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        match = re.search(r"model name\s*:\s*(.+)", cpu)
        info["cpu"] = match.group(1).strip() if match else None
    except OSError:
        info["cpu"] = None
    versions = subprocess.run(
        [
            str(PYTHON),
            "-c",
            "import duckdb, dbt.version, numpy, pandas; print(duckdb.__version__,"
            " dbt.version.__version__, numpy.__version__, pandas.__version__)",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    for name, version in zip(("duckdb", "dbt_core", "numpy", "pandas"), versions, strict=False):
        info[f"{name}_version"] = version
    info["duckdb_settings"] = {
        "DUCKDB_MEMORY_LIMIT": os.environ.get("DUCKDB_MEMORY_LIMIT", "(profiles.yml default)"),
        "DUCKDB_THREADS": os.environ.get("DUCKDB_THREADS", "(profiles.yml default)"),
    }
    git = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    info["git_head"] = git.stdout.strip() or None
    info["git_dirty_files"] = len(status.stdout.splitlines())
    info["peak_rss_source"] = "/usr/bin/time -v" if GNU_TIME.exists() else "os.wait4 ru_maxrss"
    return info
