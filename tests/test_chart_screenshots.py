"""A screenshot of every page type in headless Chromium at 1,400 px: the charts fill the
width, cover a non-trivial area with drawn pixels, and log no error.

Chromium runs as `tests.test_charts_browser.Browser` starts it (--headless --no-sandbox
--disable-gpu --disable-background-networking --disable-component-update --disable-sync,
a fresh --user-data-dir, a 1,400 px wide window, the network off). Skipped only when no
Chromium is installed; with CI=true it fails instead (.ci/run installs Debian's).
Set SCREENSHOT_DIR to keep the PNGs (docs/images/charts_run_page.png is one of them).
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from python_steps import charts
from tests.test_charts import chart_test_warehouse
from tests.test_charts_browser import WAIT_FOR_STATUS, Browser, find_chromium

WIDTH = 1400
PAGE_TYPES = [
    "index.html",
    "runs.html",
    "compare.html",
    "convergence.html",
    "jumps.html",
    "jump_types.html",
    "critical_periods.html",
    "architectures.html",
    "validity.html",
    "run page",
]
# The charts must span most of the window (full width) and draw on a fair share of it.
MIN_WIDTH_SHARE = 0.75
MIN_DRAWN_SHARE = 0.04
VIS_BOX = """(() => {
  const box = document.getElementById('vis').getBoundingClientRect();
  const canvas = document.querySelector('#vis canvas').getBoundingClientRect();
  return {x: box.left + window.scrollX, y: box.top + window.scrollY,
          width: canvas.width, height: canvas.height,
          pageHeight: document.documentElement.scrollHeight,
          pageWidth: document.documentElement.scrollWidth, window: window.innerWidth};
})()"""


@pytest.fixture(scope="module")
def chromium() -> str:
    executable = find_chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the screenshot test: .ci/run installs Debian's chromium")
        pytest.skip("no Chromium installed (apt-get install chromium); CI installs it")
    return executable


@pytest.fixture(scope="module")
def pages(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("screenshot_charts")
    charts.generate_charts(chart_test_warehouse(request), out, progress=lambda _: None)
    return out


@pytest.fixture(scope="module")
def browser(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    instance = Browser(chromium, tmp_path_factory.mktemp("chromium_profile"))
    try:
        yield instance
    finally:
        instance.close()


def page_path(pages: Path, page_type: str) -> Path:
    if page_type == "run page":
        return sorted((pages / charts.RUN_PAGE_DIR).glob("*.html"))[0]
    return pages / page_type


def screenshot(browser: Browser, path: Path) -> tuple[Image.Image, dict[str, float], list[str]]:
    """The whole page as an image, where its charts are, and the errors it logged."""
    with browser.page(path.as_uri()) as session:
        status = browser.evaluate(session, WAIT_FOR_STATUS)
        box = browser.evaluate(session, VIS_BOX)
        shot = browser.call(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True},
            session,
        )
        report = browser.report(session, status)
    image = Image.open(io.BytesIO(base64.b64decode(shot["data"]))).convert("RGB")
    assert report.status.get("status") == "ok", f"{path.name}: {report.status}"
    return image, box, report.all_errors


def drawn_share(image: Image.Image, box: dict[str, float]) -> float:
    """Share of the chart area's pixels that are not the white background."""
    scale = image.width / WIDTH
    left, top = int(box["x"] * scale), int(box["y"] * scale)
    right = int((box["x"] + box["width"]) * scale)
    bottom = int((box["y"] + box["height"]) * scale)
    pixels = np.asarray(image.crop((left, top, right, bottom)), dtype=np.int16)
    return float((np.abs(pixels - 255).sum(axis=2) > 30).mean())


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_page_fills_the_width_draws_and_logs_no_error(
    browser: Browser, pages: Path, page_type: str
) -> None:
    path = page_path(pages, page_type)
    image, box, errors = screenshot(browser, path)
    assert errors == [], f"{page_type}: {errors}"
    assert image.width >= WIDTH * 0.95, image.size
    assert box["width"] >= MIN_WIDTH_SHARE * WIDTH, f"{page_type}: charts {box['width']} px wide"
    assert box["pageWidth"] <= box["window"], f"{page_type}: the page scrolls sideways ({box})"
    share = drawn_share(image, box)
    assert share >= MIN_DRAWN_SHARE, f"{page_type}: only {share:.1%} of the chart area drawn"
    keep = os.environ.get("SCREENSHOT_DIR")
    if keep:
        name = "run_page" if page_type == "run page" else page_type.removesuffix(".html")
        Path(keep).mkdir(parents=True, exist_ok=True)
        image.save(Path(keep) / f"{name}.png")


def test_a_blank_page_fails_the_drawn_area_check(browser: Browser, tmp_path: Path) -> None:
    """The check can fail: an empty chart area has no drawn pixels."""
    blank = tmp_path / "blank.html"
    blank.write_text(
        '<html><body><div id="vis" style="width:1200px"><canvas width="1200" height="400">'
        '</canvas></div><div id="render-status" data-status="ok" data-marks="0" '
        'data-errors="[]" data-warnings="[]"></div></body></html>',
        encoding="utf-8",
    )
    image, box, errors = screenshot(browser, blank)
    assert errors == []
    assert drawn_share(image, box) < MIN_DRAWN_SHARE
