"""Self-contained HTML: the inlined Vega bundle, the page template, writing pages."""

from __future__ import annotations

import html
import importlib.metadata
import json
import os
from pathlib import Path
from typing import Any

import altair as alt
import vl_convert

from python_steps.charts.render import (
    EMBED_OPTIONS,
    PAGE_WIDTH,
    Page,
    title_case,
)

STATUS_SCRIPT = """
(function () {
  var status = document.getElementById("render-status");
  var errors = [], warnings = [];
  function text(args) {
    return Array.prototype.map.call(args, function (a) {
      return a && a.message ? a.message : String(a);
    }).join(" ");
  }
  function report(state, marks, byName) {
    if (state) { status.dataset.status = state; document.body.dataset.renderStatus = state; }
    if (marks !== undefined) { status.dataset.marks = String(marks); }
    if (byName) { status.dataset.marksByName = JSON.stringify(byName); }
    status.dataset.errors = JSON.stringify(errors);
    status.dataset.warnings = JSON.stringify(warnings);
  }
  window.addEventListener("error", function (e) { errors.push(String(e.message)); report(); });
  window.addEventListener("unhandledrejection", function (e) {
    errors.push(String(e.reason && e.reason.message || e.reason)); report();
  });
  var level = 2;
  var logger = {
    level: function (l) { if (l === undefined) { return level; } level = l; return logger; },
    error: function () { errors.push(text(arguments)); console.error.apply(console, arguments);
                         report(); return logger; },
    warn: function () { warnings.push(text(arguments)); console.warn.apply(console, arguments);
                        report(); return logger; },
    info: function () { return logger; },
    debug: function () { return logger; }
  };
  function countMarks(mark, byName) {
    var n = 0;
    (mark.items || []).forEach(function (item) {
      if (mark.marktype !== "group") { n += 1; }
      (item.items || []).forEach(function (child) { n += countMarks(child, byName); });
    });
    if (mark.marktype !== "group" && mark.name) {
      byName[mark.name] = (byName[mark.name] || 0) + (mark.items || []).length;
    }
    return n;
  }
  // Laid out for __PAGE_WIDTH__ px of content: every view's width follows the window.
  function scaleWidths(node, factor) {
    if (Array.isArray(node)) { node.forEach(function (n) { scaleWidths(n, factor); }); return; }
    if (!node || typeof node !== "object") { return; }
    Object.keys(node).forEach(function (key) {
      if (key === "datasets" || key === "config") { return; }
      if (key === "width" && typeof node[key] === "number") {
        node[key] = Math.max(120, Math.round(node[key] * factor));
      } else { scaleWidths(node[key], factor); }
    });
  }
  var spec = __SPEC__;
  // vega-embed keeps 38 px on the right for its actions menu
  var room = Math.max(0, document.getElementById("vis").clientWidth - 40);
  var options = __OPTIONS__;
  options.logger = logger;
  // Draw at widths scaled to the window; if the drawing then overflows the window or
  // leaves much of it empty (axis labels and legends do not scale), draw again at a
  // corrected scale (at most twice more).
  function scaled(factor) {
    var copy = JSON.parse(JSON.stringify(Object.assign({}, spec, {datasets: {}})));
    scaleWidths(copy, factor);
    copy.datasets = spec.datasets;
    return copy;
  }
  function drawnWidth() {
    var canvas = document.querySelector("#vis canvas");
    return canvas ? canvas.getBoundingClientRect().width : 0;
  }
  // The drawn width is (labels, legends) + factor * (views): after two drawings the
  // secant through them gives the factor that fits the window.
  function draw(factor, attempt, previous) {
    return vegaEmbed("#vis", room > 0 ? scaled(factor) : spec, options).then(function (result) {
      return result.view.runAsync().then(function (view) {
        var width = drawnWidth();
        var off = width > room || width < 0.85 * room;
        if (room > 0 && width > 0 && off && attempt < 3) {
          var next = factor * 0.98 * room / width;
          if (previous && previous.width !== width && previous.factor !== factor) {
            var slope = (width - previous.width) / (factor - previous.factor);
            if (slope > 0) { next = factor + (0.98 * room - width) / slope; }
          }
          view.finalize();
          next = Math.max(0.2, Math.min(2.5, next));
          return draw(next, attempt + 1, {factor: factor, width: width});
        }
        return view;
      });
    });
  }
  draw(room > 0 ? room / __PAGE_WIDTH__ : 1, 0).then(function (view) {
    window.vegaView = view;
    var byName = {};
    var marks = countMarks(view.scenegraph().root, byName);
    report(errors.length ? "error" : "ok", marks, byName);
  }).catch(function (err) {
    errors.push(String(err && err.message || err));
    report("error", 0);
  });
})();
"""

PAGE_STYLE = """
body { font-family: system-ui, -apple-system, Segoe UI, Roboto, sans-serif; font-size: 17px;
       margin: 1.2em 2em 3em; color: #222; }
nav { font-size: 0.95em; margin-bottom: 0.5em; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.3em; }
h2 { font-size: 1.25em; margin-top: 1.5em; }
p, li { line-height: 1.5; max-width: 75em; }
p.build { font-size: 0.85em; color: #555; margin: 0 0 0.8em; }
p.runs { font-size: 0.95em; }
#controls { margin: 0.4em 0 0.8em; font-size: 1em; }
#vis { width: 100%; }
.vega-bind { display: inline-block; margin: 0.4em 1.5em 0.4em 0; }
.vega-bind-name { font-weight: 600; }
.vega-bind select { font-size: 1em; padding: 0.15em 0.3em; }
"""


def script_json(value: Any) -> str:
    """JSON that is safe inside an HTML <script> element."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def build_note(info: dict[str, Any]) -> str:
    """The line every page carries naming the build it shows (from build_info)."""
    finished = info.get("build_finished_at") or info.get("build_started_at")
    when = f"{finished:%Y-%m-%d %H:%M} UTC" if finished else "an unfinished build"
    return (
        f"Build {info['build_id']} of {info['runs_path']} ({info['analysis_mode']} mode, "
        f"{info['n_runs_analyzed']} runs analysed), {when}."
    )


def render_html(page: Page, bundle: str, note: str = "") -> str:
    """The complete, self-contained HTML of a page; `note` names the build it shows."""
    depth = page.path.count("/")
    up = "../" * depth
    nav = "" if page.path == "index.html" else f'<nav><a href="{up}index.html">← index</a></nav>'
    script = (
        STATUS_SCRIPT.replace("__OPTIONS__", script_json(EMBED_OPTIONS))
        .replace("__PAGE_WIDTH__", str(PAGE_WIDTH))
        .replace("__SPEC__", script_json(page.spec))
    )
    build = f'<p class="build" id="build-info">{html.escape(note)}</p>\n' if note else ""
    return "".join(
        [
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            f"<title>{html.escape(page.title)}</title>\n<style>{PAGE_STYLE}</style>\n",
            "</head>\n<body>\n",
            nav,
            f"<h1>{html.escape(title_case(page.title))}</h1>\n",
            build,
            page.intro_html,
            '\n<div id="controls"></div>\n<div id="vis"></div>\n',
            page.extra_html,
            '\n<div id="render-status" hidden data-status="pending" data-marks="0"'
            ' data-errors="[]" data-warnings="[]"></div>\n',
            "<script>",
            bundle,
            "</script>\n<script>",
            script,
            "</script>\n</body>\n</html>\n",
        ]
    )


def cache_dir() -> Path:
    """Where the JavaScript bundle is cached."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "layer_dynamics"


def vega_bundle() -> str:
    """Vega, Vega-Lite (the version Altair targets) and vega-embed as one script, from
    vl-convert; cached on disk per vl-convert and Vega-Lite version."""
    vl_version = "v" + ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    try:
        version = importlib.metadata.version("vl-convert-python")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    path = cache_dir() / f"vega-bundle-vlc{version}-vl{vl_version}.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = vl_convert.javascript_bundle(vl_version=vl_version)
    if "</script" in bundle.lower():
        raise ValueError("the JavaScript bundle contains </script and cannot be inlined")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(bundle, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass
    return bundle


def write_page(
    page: Page, out_dir: Path, bundle: str, png: bool, svg: bool, note: str = ""
) -> Path:
    """Write a page's HTML (and optionally a PNG/SVG of its chart); return the HTML path."""
    target = out_dir / page.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(page, bundle, note), encoding="utf-8")
    if png:
        target.with_suffix(".png").write_bytes(vl_convert.vegalite_to_png(page.spec, scale=2))
    if svg:
        target.with_suffix(".svg").write_text(vl_convert.vegalite_to_svg(page.spec))
    return target
