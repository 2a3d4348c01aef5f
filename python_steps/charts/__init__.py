"""Interactive chart pages of a built warehouse, as self-contained HTML that draws offline.

    python -m python_steps.charts --warehouse warehouse.duckdb --out charts [--png] [--svg]

Pages (all under `--out`; docs/charts.md describes them for readers):

- `index.html`: headline figures in a few sentences, jumps per metric, a link to every page;
- `runs.html`: every run with its per-metric figures, each linked to its run page;
- `runs/<slug>-<hash>.html`: one page per run (names from `names.page_name`, unique by
  construction): heatmap of layer by step coloured relative to each layer's range by
  default, jumps and stabilization points marked, a per-layer stabilization column
  (`never` and `undetermined` said, not drawn at step 0), the coordination timeline with
  its reference lines and the loss curve, on one step axis;
- `compare.html`: two to four runs picked by the reader, overlaid on one step axis;
- `convergence.html`, `jumps.html`, `jump_types.html`, `critical_periods.html`,
  `architectures.html`, and `validity.html` when the build has detector validity.

Every page names the build it shows (`build_info`, via `python_steps.warehouse`); the CLI
opens the warehouse with `open_warehouse` and prints one line and exits 1 when it is
missing, locked, empty or lacks the chart models.

Data: every chart's rows come from a `chart_*` dbt model in models/reporting (aggregated,
tested and documented there, declared as exposures); `data.py` only reads them. Each
dataset is embedded once, as CSV text in the spec's top-level `datasets`, and never has
more than `data.MAX_ROWS` rows (`datasets.check_rows` refuses more).

Modules: one per page (`*_page.py`), `render.py` (theme, labels, sizes, selectors,
layout), `datasets.py` (embedding data), `bundle.py` (HTML, inlined Vega bundle, page
status script, width scaling), `run_data.py`, `names.py`, `cli.py`.

Self-contained: each page inlines the Vega, Vega-Lite and vega-embed bundle that
vl-convert ships and its data; it loads nothing over the network. The bundle is cached on
disk per vl-convert and Vega-Lite version (`$XDG_CACHE_HOME/layer_dynamics`, else
`~/.cache/layer_dynamics`). Pages are laid out for 1,300 px of content and every view's
width is scaled to the window when the page opens.

Each page reports its own rendering: after vegaEmbed resolves, the hidden element
`#render-status` gets `data-status="ok"` (or `"error"`), the number of drawn mark items
(`data-marks`, and per named mark in `data-marks-by-name`) and the errors and warnings Vega
logged or the page threw (`data-errors`, `data-warnings`); `window.vegaView` is the view.

Run pages: at most `--max-run-pages` (default 100; the best Phase 2 candidates first);
`runs.html` lists every run either way and links those that have a page.
"""

from __future__ import annotations

from python_steps.charts.architectures_page import architectures_page
from python_steps.charts.bundle import build_note, render_html, vega_bundle, write_page
from python_steps.charts.cli import generate_charts, main, page_jobs
from python_steps.charts.compare_page import compare_page
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
from python_steps.charts.run_data import select_run_pages
from python_steps.charts.runs_page import runs_overview_page
from python_steps.charts.validity_page import validity_page

__all__ = [
    "RUN_PAGE_DIR",
    "Datasets",
    "MissingMartsError",
    "Page",
    "TooManyRowsError",
    "architectures_page",
    "build_note",
    "check_rows",
    "compare_page",
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
