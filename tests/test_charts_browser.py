"""Every chart page opened in a real browser (headless Chromium) with the network off.

The pages come from the test warehouse (`tests.test_charts.chart_test_warehouse`), every
page type included (validity, compare, run pages).

The pages report their own rendering (see `python_steps.charts`: after vegaEmbed resolves,
`#render-status` carries data-status, the number of drawn mark items and the errors and
warnings Vega logged or the page threw). This test drives one Chromium through the
DevTools protocol over a pipe (`--remote-debugging-pipe`: no port, no websocket library),
opens each page from file://, and asserts that

- the page drew a Vega view with marks (and the main views of each page have marks),
- no error was thrown or logged (Vega log, console.error, uncaught exceptions, browser log),
- nothing but file:// (and data:/blob:) was requested: host resolution maps everything to
  NOTFOUND and the proxy points at a closed port, so a fetch could not succeed anyway,
- the interactions work: choosing another metric in the selector redraws the page without
  error, and a real mouse click on an architecture bar filters the linked views.

Skipped (with the reason) only when no Chromium is installed; CI installs Debian's.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from python_steps import charts
from tests.test_charts import chart_test_warehouse

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
PAGE_TIMEOUT_S = 60.0
ALLOWED_SCHEMES = ("file:", "data:", "blob:", "about:")
# The views each summary page must draw something in (named marks).
MAIN_MARKS = {
    "runs.html": ["runs_accuracy", "runs_loss_coupling"],
    "convergence.html": ["patterns", "rho"],
    "jumps.html": ["arch_picker", "phase_histogram", "magnitude_phase"],
    "jump_types.html": ["type_counts", "profiles", "type_scatter"],
    "critical_periods.html": ["critical_counts", "coordination_vs_coupling"],
    "architectures.html": ["arch_bars"],
    "index.html": ["jump_totals"],
    "validity.html": ["recall_step", "roc"],
    "compare.html": ["compare_values", "compare_coordination"],
}
RUN_MARKS = ["heatmap", "jumps", "stabilization_status", "coordination", "loss"]
METRIC_SELECT = '#controls select[name="metric"]'

WAIT_FOR_STATUS = """
new Promise((resolve) => {
  const started = Date.now();
  (function poll() {
    const el = document.getElementById("render-status");
    if (el && el.dataset.status !== "pending") {
      resolve({
        status: el.dataset.status,
        marks: Number(el.dataset.marks),
        byName: JSON.parse(el.dataset.marksByName || "{}"),
        errors: JSON.parse(el.dataset.errors || "[]"),
        warnings: JSON.parse(el.dataset.warnings || "[]"),
      });
    } else if (Date.now() - started > 30000) {
      resolve({status: el ? el.dataset.status : "no status element", marks: 0, byName: {},
               errors: ["timed out waiting for the page to render"], warnings: []});
    } else {
      setTimeout(poll, 50);
    }
  })();
})
"""

MARK_COUNTS = """
(() => {
  const byName = {};
  (function walk(mark) {
    (mark.items || []).forEach((item) => (item.items || []).forEach(walk));
    if (mark.marktype !== "group" && mark.name) {
      byName[mark.name] = (byName[mark.name] || 0) + (mark.items || []).length;
    }
  })(window.vegaView.scenegraph().root);
  return byName;
})()
"""

# The metrics of the rows drawn by marks that draw one item per row.
DRAWN_METRICS = """
(() => {
  const metrics = new Set();
  (function walk(mark) {
    (mark.items || []).forEach((item) => {
      if (mark.marktype !== "group" && item.datum && item.datum.metric !== undefined) {
        metrics.add(item.datum.metric);
      }
      (item.items || []).forEach(walk);
    });
  })(window.vegaView.scenegraph().root);
  return [...metrics].sort();
})()
"""

# Client coordinates of the centre of the first item of a named mark whose datum has
# field == value (walking the scenegraph's group offsets, then the view's origin).
ITEM_CENTRE = """
((markPrefix, field, value) => {
  let found = null;
  (function walk(mark, dx, dy) {
    (mark.items || []).forEach((item) => {
      if (found) return;
      if (mark.marktype === "group") {
        (item.items || []).forEach((child) => walk(child, dx + (item.x || 0), dy + (item.y || 0)));
      } else if ((mark.name || "").startsWith(markPrefix) && item.datum
                 && item.datum[field] === value) {
        const b = item.bounds;
        found = [dx + (b.x1 + b.x2) / 2, dy + (b.y1 + b.y2) / 2];
      }
    });
  })(window.vegaView.scenegraph().root, 0, 0);
  if (!found) return null;
  const origin = window.vegaView.origin();
  const rect = window.vegaView.container().querySelector("canvas").getBoundingClientRect();
  return {x: rect.left + origin[0] + found[0], y: rect.top + origin[1] + found[1]};
})
"""


def find_chromium() -> str | None:
    """The Chromium executable, if one is installed."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _move_above_9(fd: int) -> int:
    """The same open file on a descriptor numbered 10 or more (the old one closed)."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


@dataclass
class PageReport:
    """What one page did in the browser."""

    status: dict[str, Any]
    exceptions: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    log_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def all_errors(self) -> list[str]:
        return [
            *self.status.get("errors", []),
            *self.exceptions,
            *self.console_errors,
            *self.log_errors,
        ]


class Browser:
    """Headless Chromium driven by the DevTools protocol over --remote-debugging-pipe
    (commands on the child's fd 3, replies on its fd 4, NUL-separated JSON)."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_child_r, self._to_child_w = os.pipe()
        self._from_child_r, from_child_w = os.pipe()
        # The child's ends move above fd 9 so that putting them on fds 3 and 4 cannot
        # overwrite one with the other.
        to_child_r, from_child_w = (_move_above_9(to_child_r), _move_above_9(from_child_w))
        args = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--remote-debugging-pipe",
            f"--user-data-dir={profile}",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
            "--window-size=1400,1800",
            "about:blank",
        ]
        # A tiny Python shim puts the pipe ends on fds 3 and 4 and execs the browser.
        shim = (
            "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
            "os.close(int(sys.argv[1])); os.close(int(sys.argv[2])); "
            "os.execv(sys.argv[3], sys.argv[3:])"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", shim, str(to_child_r), str(from_child_w), *args],
            pass_fds=(to_child_r, from_child_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._events: list[dict[str, Any]] = []
        self._next_id = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buffer = b""
        with os.fdopen(self._from_child_r, "rb", buffering=0) as stream:
            while chunk := stream.read(1 << 16):
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for message in messages:
                    self._messages.put(json.loads(message))
        self._messages.put(None)

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = PAGE_TIMEOUT_S,
    ) -> dict[str, Any]:
        """Send a command and wait for its reply (events meanwhile are kept)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_child_w, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._messages.get(timeout=timeout)
            if reply is None:
                raise RuntimeError("the browser closed its DevTools pipe")
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self._events.append(reply)

    def wait_for_event(self, method: str, session: str, timeout: float = PAGE_TIMEOUT_S) -> None:
        """Wait until an event of this session arrives (or has arrived)."""
        while True:
            for event in self._events:
                if event.get("method") == method and event.get("sessionId") == session:
                    return
            reply = self._messages.get(timeout=timeout)
            if reply is None:
                raise RuntimeError("the browser closed its DevTools pipe")
            self._events.append(reply)

    def events(self, session: str) -> list[dict[str, Any]]:
        return [e for e in self._events if e.get("sessionId") == session]

    def evaluate(self, session: str, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            session,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    @contextlib.contextmanager
    def page(self, url: str) -> Iterator[str]:
        """A fresh tab showing `url` once loaded; yields its session id."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        try:
            for domain in ("Page", "Runtime", "Network", "Log"):
                self.call(f"{domain}.enable", session=session)
            self.call("Page.navigate", {"url": url}, session)
            self.wait_for_event("Page.loadEventFired", session)
            yield session
        finally:
            self.call("Target.closeTarget", {"targetId": target})

    def report(self, session: str, status: dict[str, Any]) -> PageReport:
        """What happened in a tab so far."""
        report = PageReport(status=status)
        for event in self.events(session):
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                report.exceptions.append(
                    str(details.get("exception", {}).get("description") or details.get("text"))
                )
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                report.console_errors.append(
                    " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                )
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                report.log_errors.append(params["entry"].get("text", ""))
            elif method == "Network.requestWillBeSent":
                report.requests.append(params["request"]["url"])
        return report

    def click(self, session: str, x: float, y: float) -> None:
        """A real left click at client coordinates."""
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
                session,
            )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close", timeout=10)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_child_w)


@pytest.fixture(scope="module")
def chromium() -> str:
    executable = find_chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: .ci/run installs Debian's chromium")
        pytest.skip("no Chromium installed (apt-get install chromium); CI installs it")
    return executable


@pytest.fixture(scope="module")
def pages(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every page of the test warehouse, written to a temporary folder."""
    out = tmp_path_factory.mktemp("browser_charts")
    charts.generate_charts(chart_test_warehouse(request), out, progress=lambda _: None)
    assert (out / "validity.html").is_file()
    return out


@pytest.fixture(scope="module")
def browser(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    instance = Browser(chromium, tmp_path_factory.mktemp("chromium_profile"))
    try:
        yield instance
    finally:
        instance.close()


def open_page(browser: Browser, path: Path) -> tuple[PageReport, dict[str, int]]:
    """Open a page, wait for it to report, return the report."""
    with browser.page(path.as_uri()) as session:
        status = browser.evaluate(session, WAIT_FOR_STATUS)
        return browser.report(session, status), status.get("byName", {})


def marks_named(by_name: dict[str, int], prefix: str) -> int:
    """Items drawn by the marks whose name starts with a view's name."""
    return sum(n for name, n in by_name.items() if name.startswith(prefix))


def assert_drew_offline(report: PageReport, label: str) -> None:
    assert report.status.get("status") == "ok", f"{label}: {report.status}"
    assert report.status.get("marks", 0) > 0, f"{label}: no marks drawn"
    assert report.all_errors == [], f"{label}: {report.all_errors}"
    outside = [url for url in report.requests if not url.startswith(ALLOWED_SCHEMES)]
    assert outside == [], f"{label} requested {outside}"


def test_every_page_draws_offline(browser: Browser, pages: Path) -> None:
    paths = sorted(pages.rglob("*.html"))
    assert paths
    for path in paths:
        label = str(path.relative_to(pages))
        report, by_name = open_page(browser, path)
        assert_drew_offline(report, label)
        expected = MAIN_MARKS.get(label, RUN_MARKS if label.startswith("runs/") else [])
        for view in expected:
            assert marks_named(by_name, view) > 0, f"{label}: view {view} drew nothing"
        assert report.status.get("warnings") == [], f"{label}: {report.status['warnings']}"


def test_metric_selector_redraws(browser: Browser, pages: Path) -> None:
    run_page = sorted((pages / charts.RUN_PAGE_DIR).glob("*.html"))[0]
    for path in (pages / "jumps.html", run_page):
        name = path.name
        with browser.page(path.as_uri()) as session:
            browser.evaluate(session, WAIT_FOR_STATUS)
            options = browser.evaluate(
                session,
                "[...document.querySelector(METRIC_SELECT).options].map(o => o.value)".replace(
                    "METRIC_SELECT", json.dumps(METRIC_SELECT)
                ),
            )
            assert len(options) >= 2, f"{name}: no metric selector"
            counts = []
            for option in options:
                browser.evaluate(
                    session,
                    f"""(() => {{
                        const select = document.querySelector({json.dumps(METRIC_SELECT)});
                        select.value = {json.dumps(option)};
                        select.dispatchEvent(new Event('change'));
                        return window.vegaView.runAsync().then(() => true);
                    }})()""",
                )
                counts.append(sum(browser.evaluate(session, MARK_COUNTS).values()))
                shown = browser.evaluate(session, DRAWN_METRICS)
                assert shown == [option], f"{name}: chose {option}, drew {shown}"
            report = browser.report(session, browser.evaluate(session, WAIT_FOR_STATUS))
            assert report.all_errors == [], f"{name}: {report.all_errors}"
            by_option = dict(zip(options, counts, strict=True))
            assert all(count > 0 for count in counts), f"{name}: {by_option}"


def test_click_on_an_architecture_filters_linked_views(browser: Browser, pages: Path) -> None:
    with browser.page((pages / "jumps.html").as_uri()) as session:
        browser.evaluate(session, WAIT_FOR_STATUS)
        before = browser.evaluate(session, MARK_COUNTS)
        arch = browser.evaluate(
            session,
            """(() => { let first = null;
              (function walk(mark) {
                (mark.items || []).forEach((item) => {
                  if (!first && mark.marktype !== 'group' && (mark.name || '').startsWith(
                      'arch_picker') && item.datum) { first = item.datum.arch_family; }
                  (item.items || []).forEach(walk);
                });
              })(window.vegaView.scenegraph().root);
              return first; })()""",
        )
        assert arch, "no architecture bar to click"
        centre = browser.evaluate(
            session, f"{ITEM_CENTRE}('arch_picker', 'arch_family', {json.dumps(arch)})"
        )
        assert centre, f"no bar for {arch}"
        browser.click(session, centre["x"], centre["y"])
        browser.evaluate(session, "window.vegaView.runAsync().then(() => true)")
        after = browser.evaluate(session, MARK_COUNTS)
        report = browser.report(session, browser.evaluate(session, WAIT_FOR_STATUS))
    assert report.all_errors == []
    filtered = marks_named(after, "magnitude_phase")
    assert 0 < filtered < marks_named(before, "magnitude_phase"), (arch, before, after)
    assert marks_named(after, "phase_histogram") <= marks_named(before, "phase_histogram")
    assert marks_named(after, "arch_picker") == marks_named(before, "arch_picker")
