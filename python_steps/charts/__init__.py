"""Interactive chart pages of a built warehouse, as self-contained HTML that draws offline.

    python -m python_steps.charts --warehouse warehouse.duckdb --out charts [--png] [--svg]

Pages (all under `--out`):

- `index.html`: headline figures in a few sentences, a small overview chart, a link to
  every page;
- `runs.html`: every run with its per-metric figures, each linked to its run page;
- `runs/<run_id>.html`: one page per run (see "Run pages" below): heatmap of layer (forward
  order) by step coloured by the metric value, stabilization points marked, with the
  coordination timeline and the loss curve on the same step axis;
- `convergence.html`, `jumps.html`, `jump_types.html`, `critical_periods.html`,
  `architectures.html`;
- `validity.html` when the warehouse has a `detector_validity` mart.

Interaction: every chart has tooltips; every page whose charts have a metric has a metric
selector (a select input bound to the `metric` param); on the summary pages a click on an
architecture family (a bar of the "architecture" chart) filters the linked views,
a double click clears it.

Data: every chart's rows come from `python_steps.chart_data`, aggregated in SQL to at most
5,000 rows per dataset (Altair's default limit; `check_rows` enforces it again here, so a
page never grows silently). Heatmap steps are binned per run so that layers x bins x
metrics <= 5,000 (a 16-layer run with 4 metrics gets 67 cells of 6 measurements per
layer); jump scatter plots show a reproducible sample of up to 5,000 / n_metrics jumps per
metric (the title says so). Each dataset is embedded once, as CSV text in the spec's
top-level `datasets` (rendered by DuckDB; Altair never sees the rows, so it copies none).

Self-contained: each page inlines the Vega, Vega-Lite and vega-embed bundle that
vl-convert ships (`vl_convert.javascript_bundle()`, the Vega-Lite version Altair targets)
and its data; it loads nothing over the network (no <script src>, no <link>, no data
URL, no font). Bundling takes ~1.5 s, so the bundle is cached on disk per vl-convert and
Vega-Lite version (`$XDG_CACHE_HOME/layer_dynamics`, else `~/.cache/layer_dynamics`).

Speed: Altair builds a spec in ~0.1 s, so the run pages share one spec built once (the
layer axis sorts by position, heights are per-layer steps, so nothing in it is
run-specific) and each run page only swaps in its own `datasets`. Specs are compiled
without schema validation (the tests validate every page). On the 55 shared runs the
whole export (62 pages) takes ~2.5 s of CPU.

Each page reports its own rendering: after vegaEmbed resolves, the hidden element
`#render-status` gets `data-status="ok"` (or `"error"`), the number of drawn mark items
(`data-marks`, and per named mark in `data-marks-by-name`) and the errors and warnings Vega
logged or the page threw (`data-errors`, `data-warnings`); `window.vegaView` is the view.
The browser test reads them.

Run pages: one page per run, for at most `--max-run-pages` runs (default 100; a page is
~1.4 MB, 0.9 MB of it the inlined JavaScript, so 55 runs make ~75 MB). Why not one page
with a run selector: all runs' heatmaps together would be 55 x 5,000 rows, far past the
row limit. When a build has more runs than the cap, the runs with the best Phase 2
candidate rank get pages first; `runs.html` lists every run either way and links those
that have a page.
"""

from __future__ import annotations

from python_steps.charts.architectures_page import architectures_page
from python_steps.charts.bundle import render_html, vega_bundle, write_page
from python_steps.charts.cli import generate_charts, main, page_jobs
from python_steps.charts.convergence_page import convergence_page
from python_steps.charts.critical_periods_page import critical_periods_page
from python_steps.charts.datasets import (
    Datasets,
    TooManyRowsError,
    check_rows,
    csv_parse,
    to_csv,
    to_csv_by,
)
from python_steps.charts.index_page import index_page
from python_steps.charts.jump_types_page import jump_types_page
from python_steps.charts.jumps_page import jumps_page
from python_steps.charts.names import RUN_PAGE_DIR, page_name, run_page_path, unique_page_names
from python_steps.charts.render import MissingMartsError, Page
from python_steps.charts.run_page import select_run_pages
from python_steps.charts.runs_page import runs_overview_page
from python_steps.charts.validity_page import validity_page

__all__ = [
    "RUN_PAGE_DIR",
    "Datasets",
    "MissingMartsError",
    "Page",
    "TooManyRowsError",
    "architectures_page",
    "check_rows",
    "convergence_page",
    "critical_periods_page",
    "csv_parse",
    "generate_charts",
    "index_page",
    "jump_types_page",
    "jumps_page",
    "main",
    "page_jobs",
    "page_name",
    "render_html",
    "run_page_path",
    "runs_overview_page",
    "select_run_pages",
    "to_csv",
    "to_csv_by",
    "unique_page_names",
    "validity_page",
    "vega_bundle",
    "write_page",
]
