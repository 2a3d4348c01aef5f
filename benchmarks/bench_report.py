"""The benchmark's report: the tables, the derived ratios, the issue's targets (pass or
miss) and the machine; used by run_benchmark.py."""

from __future__ import annotations

from typing import Any

from bench_commands import GB

TOP_MODELS = 10

# The targets (issue 9): at 100x, a full build at least as fast as the numpy loop
# (aim 2x), a threshold-change rebuild >= 5x faster than it, no-op and add-one builds within
# 1.5x of their 1x times, peak RSS <= 4 GB; the 55 real runs refreshed in <= 8 s.
TARGET_REAL_REFRESH_S = 8.0
TARGET_SPEEDUP = 1.0
TARGET_THRESHOLD_SPEEDUP = 5.0
TARGET_PEAK_RSS_GB = 4.0
TARGET_FLAT_RATIO = 1.5
TARGET_SCALE = "100x"
BASE_SCALE = "1x"

# --------------------------------------------------------------------------------------
# Table, targets, machine
# --------------------------------------------------------------------------------------


def ok(step: dict[str, Any] | None) -> bool:
    return bool(step) and step.get("returncode") == 0


def derived(row: dict[str, Any]) -> dict[str, Any]:
    full, add = row.get("full_build"), row.get("add_one")
    base = row.get("numpy_baseline")
    threshold, no_change = row.get("threshold_change"), row.get("no_change")
    out: dict[str, Any] = {
        "no_change_s": no_change["seconds"] if ok(no_change) else None,
        "no_change_plain_s": row["no_change_plain"]["seconds"]
        if ok(row.get("no_change_plain"))
        else None,
        "threshold_s": threshold["seconds"] if ok(threshold) else None,
        "full_build_s": full["seconds"] if full else None,
        "full_build_ok": ok(full),
        "peak_rss_gb": (full["peak_rss_bytes"] / GB)
        if full and full.get("peak_rss_bytes")
        else None,
        "add_one_s": add["seconds"] if add else None,
        "add_one_ok": ok(add),
        "add_one_plain_s": row["add_one_plain"]["seconds"]
        if ok(row.get("add_one_plain"))
        else None,
        "threshold_plain_s": row["threshold_change_plain"]["seconds"]
        if ok(row.get("threshold_change_plain"))
        else None,
        "numpy_s": base["seconds"] if ok(base) else None,
    }
    out["add_one_pct"] = (
        100.0 * out["add_one_s"] / out["full_build_s"]
        if out["add_one_ok"] and out["full_build_ok"] and out["full_build_s"]
        else None
    )
    out["speedup"] = (
        out["numpy_s"] / out["full_build_s"]
        if out["numpy_s"] is not None and out["full_build_ok"] and out["full_build_s"]
        else None
    )
    out["threshold_speedup"] = (
        out["numpy_s"] / out["threshold_s"]
        if out["numpy_s"] is not None and out["threshold_s"]
        else None
    )
    out["threshold_plain_speedup"] = (
        out["numpy_s"] / out["threshold_plain_s"]
        if out["numpy_s"] is not None and out["threshold_plain_s"]
        else None
    )
    return out


def fmt(value: Any, spec: str, missing: str = "-") -> str:
    return missing if value is None else format(value, spec)


def table_line(label: str, row: dict[str, Any]) -> tuple[str, ...]:
    d = derived(row)
    base = row.get("numpy_baseline") or {}
    full = row.get("full_build") or {}

    def failed(key: str) -> str:
        return " F" if row.get(key) and not ok(row[key]) else ""

    return (
        label,
        str(row["runs"]),
        f"{row['json_bytes'] / GB:.2f}",
        fmt(d["full_build_s"], ".1f") + failed("full_build"),
        fmt(full.get("cpu_seconds"), ".1f"),
        fmt(d["peak_rss_gb"], ".2f"),
        fmt((row.get("no_change") or {}).get("seconds"), ".1f") + failed("no_change"),
        fmt((row.get("no_change_plain") or {}).get("seconds"), ".1f") + failed("no_change_plain"),
        fmt(d["add_one_s"], ".1f") + failed("add_one"),
        fmt((row.get("add_one_plain") or {}).get("seconds"), ".1f") + failed("add_one_plain"),
        fmt((row.get("threshold_change") or {}).get("seconds"), ".1f") + failed("threshold_change"),
        fmt((row.get("threshold_change_plain") or {}).get("seconds"), ".1f")
        + failed("threshold_change_plain"),
        fmt(d["numpy_s"], ".1f"),
        fmt(base.get("peak_rss_bytes") and base["peak_rss_bytes"] / GB, ".2f"),
        fmt(d["speedup"], ".2f"),
        fmt(d["threshold_speedup"], ".2f"),
    )


def table(rows: list[dict[str, Any]], real: dict[str, Any] | None) -> str:
    header = (
        "scale",
        "runs",
        "JSON GB",
        "dbt full s",
        "CPU s",
        "peak RSS GB",
        "no-op s",
        "no-op plain s",
        "add-one s",
        "add-one plain s",
        "threshold s",
        "threshold plain s",
        "numpy s",
        "numpy RSS GB",
        "full x",
        "threshold x",
    )
    lines = [table_line(row["scale"], row) for row in rows]
    if real:
        lines.append(table_line("real", real))
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    render = ["  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
    render.append("  ".join("-" * w for w in widths))
    render += ["  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join(render)


def cpu_table(rows: list[dict[str, Any]], real: dict[str, Any] | None) -> str:
    """User + system CPU seconds of each step: far less sensitive to other load than wall."""
    steps = (
        "full_build",
        "no_change",
        "no_change_plain",
        "add_one",
        "add_one_plain",
        "threshold_change",
        "threshold_change_plain",
    )
    header = ("scale", "full CPU s", "no-op CPU s", "no-op plain CPU s", "add-one CPU s")
    header = (*header, "add-one plain CPU s", "threshold CPU s", "threshold plain CPU s")
    header = (*header, "numpy CPU s", "load avg")
    lines = []
    for row in [*rows, *([real] if real else [])]:
        cells = [row.get("scale", "real")]
        cells += [fmt((row.get(step) or {}).get("cpu_seconds"), ".1f") for step in steps]
        cells.append(fmt((row.get("numpy_baseline") or {}).get("cpu_seconds"), ".1f"))
        loads = [
            (row.get(step) or {}).get("load_average_before") for step in (*steps, "numpy_baseline")
        ]
        loads = [load for load in loads if load is not None]
        cells.append(f"{min(loads):.1f}-{max(loads):.1f}" if loads else "-")
        lines.append(tuple(cells))
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    render = ["  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
    render.append("  ".join("-" * w for w in widths))
    render += ["  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join(render)


def check_targets(rows: list[dict[str, Any]], real: dict[str, Any] | None) -> list[dict[str, Any]]:
    target_row = next((r for r in rows if r["scale"] == TARGET_SCALE), None)
    base_row = next((r for r in rows if r["scale"] == BASE_SCALE), None)
    d = derived(target_row) if target_row else {}
    b = derived(base_row) if base_row else {}
    checks: list[dict[str, Any]] = []

    def add(name: str, value: float | None, limit: float, higher_is_better: bool, note: str = ""):
        if value is None:
            status = "not measured"
        elif note:
            status = "invalid"
        elif higher_is_better:
            status = "pass" if value >= limit else "miss"
        else:
            status = "pass" if value <= limit else "miss"
        checks.append(
            {"target": name, "value": value, "limit": limit, "status": status, "note": note}
        )

    def ratio(numerator: float | None, denominator: float | None) -> float | None:
        return numerator / denominator if numerator and denominator else None

    note = ""
    if target_row and not (d["full_build_ok"] and d["add_one_ok"]):
        note = f"a {TARGET_SCALE} dbt build reported errors"
    add(
        f"{TARGET_SCALE}: full build at least as fast as numpy (numpy s / build s)",
        d.get("speedup"),
        TARGET_SPEEDUP,
        True,
        note,
    )
    add(
        f"{TARGET_SCALE}: threshold-change rebuild (make run) >= {TARGET_THRESHOLD_SPEEDUP:g}x"
        " faster than numpy",
        d.get("threshold_speedup"),
        TARGET_THRESHOLD_SPEEDUP,
        True,
        note,
    )
    add(
        f"{TARGET_SCALE}: threshold-change rebuild (plain dbt build) >="
        f" {TARGET_THRESHOLD_SPEEDUP:g}x faster than numpy",
        d.get("threshold_plain_speedup"),
        TARGET_THRESHOLD_SPEEDUP,
        True,
        note,
    )
    add(
        f"no-op build (make run), {TARGET_SCALE} / {BASE_SCALE} <= {TARGET_FLAT_RATIO:g}",
        ratio(d.get("no_change_s"), b.get("no_change_s")),
        TARGET_FLAT_RATIO,
        False,
        note,
    )
    add(
        f"no-op build (plain dbt build), {TARGET_SCALE} / {BASE_SCALE} <= {TARGET_FLAT_RATIO:g}",
        ratio(d.get("no_change_plain_s"), b.get("no_change_plain_s")),
        TARGET_FLAT_RATIO,
        False,
        note,
    )
    add(
        f"add one run (make run), {TARGET_SCALE} / {BASE_SCALE} <= {TARGET_FLAT_RATIO:g}",
        ratio(d.get("add_one_s"), b.get("add_one_s")),
        TARGET_FLAT_RATIO,
        False,
        note,
    )
    add(
        f"add one run (plain dbt build), {TARGET_SCALE} / {BASE_SCALE} <= {TARGET_FLAT_RATIO:g}",
        ratio(d.get("add_one_plain_s"), b.get("add_one_plain_s")),
        TARGET_FLAT_RATIO,
        False,
        note,
    )
    add(
        f"{TARGET_SCALE}: peak RSS <= {TARGET_PEAK_RSS_GB:g} GB",
        d.get("peak_rss_gb"),
        TARGET_PEAK_RSS_GB,
        False,
        note,
    )
    real_value = real.get("full_refresh_seconds") if real else None
    real_note = ""
    if real and not real.get("full_refresh_complete"):
        real_note = "incomplete: a step failed or is not available"
    add(
        f"55 real runs: full refresh (build + exports + charts) <= {TARGET_REAL_REFRESH_S:g} s",
        real_value,
        TARGET_REAL_REFRESH_S,
        False,
        real_note,
    )
    return checks


def print_models(label: str, step: dict[str, Any] | None) -> None:
    if not step or not step.get("models"):
        return
    by_type = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(step["seconds_by_type"].items()))
    print(
        f"\n{label}: dbt elapsed {step['dbt_elapsed_seconds']:.1f} s ({by_type}); slowest models:"
    )
    for model in step["models"][:TOP_MODELS]:
        print(f"  {model['seconds']:8.2f} s  {model['model']}")


def report(result: dict[str, Any]) -> None:
    rows, real = result["scales"], result["real_runs"]
    for row in rows:
        print_models(f"{row['scale']} full build", row.get("full_build"))
        print_models(f"{row['scale']} add-one build", row.get("add_one"))
        print_models(f"{row['scale']} no-op build", row.get("no_change"))
        print_models(f"{row['scale']} threshold-change build", row.get("threshold_change"))
        print_models(
            f"{row['scale']} threshold-change plain build", row.get("threshold_change_plain")
        )
    if real:
        print_models("real runs full build", real.get("full_build"))
    failures: list[str] = []
    seen: dict[str, str] = {}
    steps = (
        "full_build",
        "no_change",
        "no_change_plain",
        "add_one",
        "add_one_plain",
        "remove_one",
        "threshold_change",
        "threshold_change_plain",
        "exports",
        "charts",
    )
    for row in [*rows, *([real] if real else [])]:
        for key in (*steps, "numpy_baseline"):
            error = (row.get(key) or {}).get("error")
            if not error:
                continue
            name = f"{row.get('scale', 'real')} {key}"
            if error in seen:
                failures.append(f"  {name}: same error as {seen[error]}")
            else:
                seen[error] = name
                failures.append(f"  {name}: {error[:1500]}")
    if failures:
        print("\nFailures:\n" + "\n".join(failures))
    print("\n" + table(rows, real))
    print("\n" + cpu_table(rows, real))
    print(
        "F: that dbt build reported errors (failed models and their dependants are missing"
        " from the time). CPU s: user + system seconds of the full build.\n"
        "no-op: nothing changed (make run's build; plain: a bare `dbt build`, unit tests"
        " included). add-one: one new run (plain: a second one).\n"
        "threshold: rebuild after jump_z_threshold 2.0 -> 2.5 (plain: back to 2.0).\n"
        "full x = numpy s / dbt full s; threshold x = numpy s / threshold s (wall times; the"
        " numpy loop recomputes everything on any change)."
    )
    if real:
        parts = [f"build {real['full_build']['seconds']:.1f} s"]
        for key in ("exports", "charts"):
            step = real.get(key) or {}
            parts.append(
                f"{key} {step['seconds']:.1f} s"
                if step.get("available")
                else f"{key} {step.get('note', 'not run')}"
            )
        every = ", ".join(f"{t:.1f}" for t in real.get("full_refresh_seconds_all", []))
        print(
            f"\n55 real runs, full refresh {real['full_refresh_seconds']:.1f} s"
            f" (fastest of {every} s): " + ", ".join(parts)
        )
    for row in rows:
        extra = [
            f"{key} {row[key]['seconds']:.1f} s"
            for key in ("no_change", "remove_one", "exports", "charts")
            if row.get(key, {}).get("seconds") is not None
        ]
        if extra:
            print(f"{row['scale']}: " + ", ".join(extra))
    print("\nTargets:")
    for check in result["targets"]:
        value = "-" if check["value"] is None else f"{check['value']:.2f}"
        note = f" ({check['note']})" if check["note"] else ""
        print(f"  {check['status'].upper():13s} {check['target']}: {value}{note}")
