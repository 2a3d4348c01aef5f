"""The data of every run page, read once for all runs and split per run."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from python_steps.charts import data as cd
from python_steps.charts.datasets import check_rows_count, csv_header, csv_parse, to_csv_by

# Reference lines of the coordination timeline: the chart_critical_periods columns drawn,
# with their legend labels.
RUN_LEVELS = {
    "mean_coordination": "mean coordination",
    "max_coordination_null_mean": "chance level of the peak",
    "coordinated_threshold": "coordinated threshold",
}
STABILIZATION_LABELS = {
    "stabilized": "stabilized",
    "never": "never stabilizes",
    "undetermined": "undetermined (run shorter than the window)",
}


@dataclass(frozen=True)
class RunData:
    """The chart data of every run: whole frames (one per run-page dataset, all runs) and
    the same rows as CSV text grouped by run_id."""

    runs: pd.DataFrame
    frames: dict[str, pd.DataFrame]
    csv: dict[str, dict[str, str]]
    row_counts: dict[str, dict[str, int]]
    bin_widths: dict[str, int]

    def rows_csv(self, dataset: str, run_id: str) -> str:
        """One run's rows of a dataset as CSV (at most MAX_ROWS; a header when none)."""
        check_rows_count(self.row_counts[dataset].get(run_id, 0), f"{dataset} of run {run_id}")
        empty = csv_header(self.frames[dataset], "run_id") + "\n"
        return self.csv[dataset].get(run_id, empty)

    @property
    def binned(self) -> bool:
        """Whether any run's heatmap cells span more than one measurement."""
        return max(self.bin_widths.values(), default=1) > 1


def load_run_data(con: duckdb.DuckDBPyConnection) -> RunData:
    """Every run page's data from the chart_run_* models, trimmed to what is drawn."""
    cells = cd.read(con, "chart_run_heatmap")
    bin_widths = {str(k): int(v) for k, v in cells.groupby("run_id")["bin_width"].max().items()}
    cell_columns = ["run_id", "metric", "layer", "layer_position", "step_start", "step_end"]
    cell_columns.append("mean_value")
    if max(bin_widths.values(), default=1) > 1:
        cell_columns += ["min_value", "max_value", "n_values"]
    critical = cd.read(con, "chart_critical_periods")
    coordination = cd.read(con, "chart_run_coordination")
    if coordination.empty or int(coordination["n_measurements"].max()) == 1:
        coordination = coordination.drop(columns=["mean_coordination", "n_measurements"])
    stabilization = cd.read(con, "chart_run_stabilization")
    stabilization["status"] = stabilization["stabilization_status"].map(STABILIZATION_LABELS)
    names = cd.read(con, "chart_jump_type_names")[["metric", "jump_type", "jump_type_name"]]
    jumps = cd.read(con, "chart_run_jumps").merge(names, on=["metric", "jump_type"], how="left")
    frames = {
        "heatmap": cells[cell_columns],
        "stabilization": stabilization.drop(columns="stabilization_status"),
        "jumps": jumps.drop(columns="jump_type"),
        "coordination": coordination,
        "levels": critical[["run_id", "metric", *RUN_LEVELS]],
        "loss": cd.read(con, "chart_run_loss"),
    }
    return RunData(
        runs=cd.read(con, "chart_runs"),
        frames=frames,
        csv={
            name: to_csv_by(frame, csv_parse(frame.drop(columns="run_id")), "run_id")
            for name, frame in frames.items()
        },
        row_counts={
            name: {str(k): int(v) for k, v in frame.groupby("run_id").size().items()}
            for name, frame in frames.items()
        },
        bin_widths=bin_widths,
    )


def select_run_pages(runs: pd.DataFrame, max_pages: int) -> list[str]:
    """The runs that get a page: all of them up to `max_pages`, else those with the best
    Phase 2 candidate rank first (then by run_id)."""
    ordered = runs.sort_values(["best_candidate_rank", "run_id"], na_position="last")
    chosen = set(ordered["run_id"].head(max_pages))
    return [run_id for run_id in runs["run_id"] if run_id in chosen]
