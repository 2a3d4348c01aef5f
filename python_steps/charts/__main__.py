"""`python -m python_steps.charts --warehouse warehouse.duckdb --out charts`."""

import sys

from python_steps.charts.cli import main

sys.exit(main())
