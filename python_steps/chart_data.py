"""The data behind every chart: SQL over the public marts, aggregated to what a chart draws.

Every function takes a read-only DuckDB connection to a built warehouse and returns a small
pandas DataFrame. All aggregation happens here, in SQL, so that each chart embeds at most
`MAX_ROWS` rows (Altair's default limit; `python_steps.charts` checks it again and refuses
to embed more). Python only draws.

Rows are aggregated to the finest level an interaction needs: the charts filter by metric
(a select input) and by architecture family (a click), so most tables keep `metric` and
`arch_family` as columns and let Vega-Lite sum over the rest after filtering.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

MAX_ROWS = 5000
# The marts the chart pages read (detector_validity is optional).
REQUIRED_MARTS = (
    "runs",
    "metric_values",
    "losses",
    "load_issues",
    "layer_stabilization",
    "convergence_order",
    "jumps",
    "critical_periods",
    "step_coordination",
    "architecture_comparison",
    "phase2_candidates",
)
PHASE_BIN_WIDTH = 0.05
RHO_BIN_WIDTH = 0.1
DEPTH_BINS = 5

# Optional critical_periods columns (chance baselines); used only when the mart has them.
CRITICAL_BASELINE_COLUMNS = (
    "loss_drop_base_rate",
    "loss_coupling_lift",
    "loss_coupling_p_value",
    "coordination_null_mean",
    "coordination_excess",
    "coordination_p_value",
    "max_coordination_null_mean",
    "max_coordination_excess",
    "max_coordination_p_value",
    "coordinated_periods_null_mean",
    "coordinated_periods_excess",
    "coordinated_periods_p_value",
)
# Significance level for "beyond chance" counts on the index page.
SIGNIFICANCE = 0.05
DETECTOR_VALIDITY_COLUMNS = (
    "detector",
    "fixture",
    "fixture_kind",
    "n_planted",
    "n_detected",
    "recall",
    "false_positives",
    "false_positives_per_1000",
    "verdict",
)


def connect(warehouse: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a built warehouse file."""
    return duckdb.connect(str(warehouse), read_only=True)


def frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> pd.DataFrame:
    """The result of a query as a DataFrame."""
    return con.execute(sql, params or []).df()


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether a table or view of that name exists in schema main."""
    row = con.execute(
        "select count(*) from information_schema.tables"
        " where table_schema = 'main' and table_name = ?",
        [table],
    ).fetchone()
    return bool(row and row[0])


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The column names of a table or view in schema main (empty if it does not exist)."""
    rows = con.execute(
        "select column_name from information_schema.columns"
        " where table_schema = 'main' and table_name = ?",
        [table],
    ).fetchall()
    return {name for (name,) in rows}


def missing_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The required marts this warehouse lacks."""
    return [mart for mart in REQUIRED_MARTS if not table_exists(con, mart)]


def metrics(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The metrics present in the build, sorted."""
    rows = con.execute("select distinct metric from critical_periods order by metric").fetchall()
    return [metric for (metric,) in rows]


# The metric a page shows first, in order of preference: participation_ratio moves by
# whole units in every run; stable_rank only carries floating-point noise.
METRIC_PREFERENCE = (
    "participation_ratio",
    "effective_rank_90",
    "nuclear_norm_ratio",
    "stable_rank",
)


def default_metric(metric_names: list[str], with_data: set[str] | None = None) -> str:
    """The metric a page shows first: the most preferred one (METRIC_PREFERENCE, then the
    others sorted) among those `with_data` (those the page's main chart can draw), or
    among all when none has data."""
    ordered = [m for m in METRIC_PREFERENCE if m in metric_names] + sorted(
        m for m in metric_names if m not in METRIC_PREFERENCE
    )
    drawable = [m for m in ordered if with_data is None or m in with_data]
    return (drawable or ordered)[0]


def run_list(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per analysed run with what a run page header shows, and its best Phase 2
    rank (the smallest rank_in_family over metrics; NULL when never a candidate)."""
    return frame(
        con,
        """
        select
            r.run_id, r.arch_name, r.arch_family, r.dataset, r.num_steps, r.n_measurements,
            r.n_layers, r.n_metrics, r.final_accuracy, r.measurement_interval,
            min(p.rank_in_family) as best_candidate_rank
        from runs as r
        left join phase2_candidates as p on p.run_id = r.run_id
        where r.is_analyzed
        group by all
        order by r.arch_family, r.run_id
        """,
    )


# ---------------------------------------------------------------------------------------
# per-run pages
# ---------------------------------------------------------------------------------------


def heatmap_cells(con: duckdb.DuckDBPyConnection, max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """Per run: the metric value of each layer over training, binned along the steps.

    Each run gets `n_bins = floor(max_rows / (n_layers * n_metrics))` bins of `width`
    consecutive measurements (`width = ceil(n_measurements / n_bins)`, 1 when everything
    fits), so one run never has more than `max_rows` cells over all its metrics. A cell
    spans [step_start, step_end): from its first step to the first step of the next bin
    (the last bin ends one measurement interval after its last step).
    """
    return frame(
        con,
        """
        with shape as (
            select
                run_id,
                count(distinct layer) as n_layers,
                count(distinct metric) as n_metrics,
                max(measurement_index) + 1 as n_indices
            from metric_values
            where is_analyzed
            group by run_id
        ),
        widths as (
            select
                s.run_id,
                greatest(1, ceil(s.n_indices / greatest(1, floor(
                    ? / (s.n_layers * s.n_metrics)))))::integer as bin_width,
                coalesce(r.measurement_interval, 1) as interval
            from shape as s
            join runs as r using (run_id)
        ),
        cells as (
            select
                v.run_id,
                v.metric,
                v.layer,
                v.layer_position,
                v.measurement_index // w.bin_width as bin,
                w.bin_width,
                min(v.step) as step_start,
                max(v.step) + any_value(w.interval) as last_step_end,
                count(v.value) as n_values,
                avg(v.value) as mean_value,
                min(v.value) as min_value,
                max(v.value) as max_value
            from metric_values as v
            join widths as w using (run_id)
            where v.is_analyzed
            group by all
        )
        select
            run_id, metric, layer, layer_position, bin, bin_width, step_start,
            coalesce(
                lead(step_start) over (
                    partition by run_id, metric, layer order by bin
                ),
                last_step_end
            ) as step_end,
            n_values, mean_value, min_value, max_value
        from cells
        order by run_id, metric, layer_position, bin
        """,
        [max_rows],
    )


def stabilization_points(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per run, metric and layer: where its metric stabilized (stabilized layers only)."""
    return frame(
        con,
        """
        select
            run_id, metric, layer, layer_position, stabilization_index, stabilization_step
        from layer_stabilization
        where is_stabilized
        order by run_id, metric, layer_position
        """,
    )


def coordination_timeline(con: duckdb.DuckDBPyConnection, max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """Per run and metric: the coordination at each measurement, binned like the heatmap
    when a run has more than `max_rows` measurements over all metrics. A bin keeps the
    largest coordination (peaks matter) and the mean."""
    return frame(
        con,
        """
        with widths as (
            select
                run_id,
                greatest(1, ceil((max(measurement_index) + 1)
                    / greatest(1, floor(? / count(distinct metric)))))::integer as bin_width
            from step_coordination
            group by run_id
        )
        select
            c.run_id,
            c.metric,
            min(c.step) as step,
            max(c.coordination) as coordination,
            avg(c.coordination) as mean_coordination,
            max(c.n_critical_layers) as n_critical_layers,
            any_value(c.n_layers) as n_layers,
            bool_or(c.is_coordinated) as is_coordinated,
            count(*) as n_measurements
        from step_coordination as c
        join widths as w using (run_id)
        group by c.run_id, c.metric, c.measurement_index // w.bin_width
        order by c.run_id, c.metric, step
        """,
        [max_rows],
    )


def loss_curve(con: duckdb.DuckDBPyConnection, max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """Per run: the training loss at each measurement (mean per bin when a run has more
    than `max_rows` measurements)."""
    return frame(
        con,
        """
        with widths as (
            select
                run_id,
                greatest(1, ceil((max(measurement_index) + 1) / ?))::integer as bin_width
            from losses
            group by run_id
        )
        select
            l.run_id,
            min(l.step) as step,
            avg(l.loss) as loss,
            count(*) as n_measurements
        from losses as l
        join widths as w using (run_id)
        where l.is_analyzed and l.loss is not null
        group by l.run_id, l.measurement_index // w.bin_width
        order by l.run_id, step
        """,
        [max_rows],
    )


def run_summaries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per run and metric: the figures the run overview page lists."""
    return frame(
        con,
        """
        with jump_counts as (
            select
                run_id, metric,
                count(*) filter (where not is_numerical_noise) as n_real_jumps,
                count(*) filter (where is_numerical_noise) as n_noise_jumps
            from jumps
            group by all
        )
        select
            r.run_id, r.arch_family, r.arch_name, r.dataset, r.final_accuracy,
            c.metric, c.max_coordination, c.mean_coordination, c.loss_correlation,
            c.is_strong, o.pattern, o.spearman_rho,
            coalesce(j.n_real_jumps, 0) as n_real_jumps,
            coalesce(j.n_noise_jumps, 0) as n_noise_jumps
        from runs as r
        join critical_periods as c on c.run_id = r.run_id
        left join convergence_order as o on o.run_id = c.run_id and o.metric = c.metric
        left join jump_counts as j on j.run_id = c.run_id and j.metric = c.metric
        where r.is_analyzed
        order by r.arch_family, r.run_id, c.metric
        """,
    )


# ---------------------------------------------------------------------------------------
# convergence
# ---------------------------------------------------------------------------------------


def convergence_pattern_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Runs per metric, architecture family and convergence pattern."""
    return frame(
        con,
        """
        select o.metric, r.arch_family, o.pattern, count(*) as n_runs
        from convergence_order as o
        join runs as r using (run_id)
        group by all
        order by all
        """,
    )


def rho_histogram(con: duckdb.DuckDBPyConnection, bin_width: float = RHO_BIN_WIDTH) -> pd.DataFrame:
    """Runs per metric, family and bin of Spearman's rho (runs with an undefined rho are
    not in it; the pattern counts show them)."""
    return frame(
        con,
        """
        with binned as (
            select
                o.metric,
                r.arch_family,
                round(least(floor(o.spearman_rho / ?), round(1 / ?) - 1) * ?, 6) as rho_start
            from convergence_order as o
            join runs as r using (run_id)
            where o.spearman_rho is not null and not isnan(o.spearman_rho)
        )
        select metric, arch_family, rho_start, rho_start + ? as rho_end, count(*) as n_runs
        from binned
        group by all
        order by all
        """,
        [bin_width, bin_width, bin_width, bin_width],
    )


def stabilization_by_depth(
    con: duckdb.DuckDBPyConnection, n_bins: int = DEPTH_BINS
) -> pd.DataFrame:
    """Per metric, family and relative depth bin (0 = input side): the mean and median
    stabilization step of the layers that stabilized, and how many did."""
    return frame(
        con,
        """
        with layers as (
            select
                s.metric,
                r.arch_family,
                s.is_stabilized,
                s.stabilization_step,
                least(floor(s.layer_position / greatest(r.n_layers - 1, 1) * ?), ? - 1)
                    as depth_bin
            from layer_stabilization as s
            join runs as r using (run_id)
        )
        select
            metric,
            arch_family,
            depth_bin::integer as depth_bin,
            depth_bin / ? as depth_start,
            (depth_bin + 0.5) / ? as depth_mid,
            (depth_bin + 1) / ? as depth_end,
            count(*) as n_layers,
            count(*) filter (where is_stabilized) as n_stabilized,
            sum(stabilization_step) filter (where is_stabilized) as sum_stabilization_step,
            avg(stabilization_step) filter (where is_stabilized) as mean_stabilization_step,
            median(stabilization_step) filter (where is_stabilized)
                as median_stabilization_step
        from layers
        group by all
        order by all
        """,
        [n_bins, n_bins, n_bins, n_bins, n_bins],
    )


# ---------------------------------------------------------------------------------------
# jumps
# ---------------------------------------------------------------------------------------


def jump_phase_histogram(
    con: duckdb.DuckDBPyConnection, bin_width: float = PHASE_BIN_WIDTH
) -> pd.DataFrame:
    """Jumps per metric, family, noise flag and phase bin."""
    return frame(
        con,
        """
        with binned as (
            select
                metric,
                arch_family,
                is_numerical_noise,
                round(least(floor(phase / ?), round(1 / ?) - 1) * ?, 6) as phase_start
            from jumps
        )
        select
            metric, arch_family, is_numerical_noise, phase_start,
            phase_start + ? as phase_end, count(*) as n_jumps
        from binned
        group by all
        order by all
        """,
        [bin_width, bin_width, bin_width, bin_width],
    )


def jump_counts_by_arch(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Jumps per metric and family: real ones and those flagged as numerical noise."""
    return frame(
        con,
        """
        select
            metric,
            arch_family,
            count(*) as n_jumps,
            count(*) filter (where not is_numerical_noise) as n_real_jumps,
            count(*) filter (where is_numerical_noise) as n_noise_jumps,
            count(distinct run_id) as n_runs_with_jumps
        from jumps
        group by all
        order by all
        """,
    )


def jump_sample(con: duckdb.DuckDBPyConnection, max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """A reproducible sample of jumps for scatter plots: at most `max_rows // n_metrics`
    per metric (all of them when a metric has fewer), chosen by a hash of the jump's key.
    `n_jumps_total` is the metric's number of jumps (with magnitude > 0, which a log axis
    can show)."""
    return frame(
        con,
        """
        with ranked as (
            select
                run_id, arch_family, metric, layer, layer_position, measurement_index, step,
                phase, phase_category, magnitude, speed, direction, jump_type,
                is_numerical_noise,
                row_number() over (
                    partition by metric
                    order by hash(run_id, layer, measurement_index), run_id, layer,
                        measurement_index
                ) as sample_rank,
                count(*) over (partition by metric) as n_jumps_total
            from jumps
            where magnitude > 0
        )
        select * exclude (sample_rank)
        from ranked
        where sample_rank <= ? // (select count(distinct metric) from jumps)
        order by metric, run_id, layer_position, measurement_index
        """,
        [max_rows],
    )


def magnitude_by_phase_category(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Five-number summary of jump magnitude per metric, family and phase category."""
    return frame(
        con,
        """
        select
            metric,
            arch_family,
            phase_category,
            count(*) as n_jumps,
            min(magnitude) as min_magnitude,
            quantile_cont(magnitude, 0.25) as q1_magnitude,
            median(magnitude) as median_magnitude,
            quantile_cont(magnitude, 0.75) as q3_magnitude,
            max(magnitude) as max_magnitude
        from jumps
        group by all
        order by all
        """,
    )


def jump_type_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Jumps per metric, family and jump type."""
    return frame(
        con,
        """
        select
            metric, arch_family, jump_type,
            count(*) as n_jumps,
            count(*) filter (where is_numerical_noise) as n_noise_jumps
        from jumps
        group by all
        order by all
        """,
    )


def jump_type_profiles(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per metric and jump type: each clustering feature's mean, raw and standardized
    the way k-means saw it (over all jumps of the metric: mean 0, population std 1)."""
    return frame(
        con,
        """
        with long as (
            unpivot (
                select metric, jump_type, phase, magnitude, speed from jumps
            )
            on phase, magnitude, speed
            into name feature value feature_value
        ),
        scaled as (
            select
                metric,
                jump_type,
                feature,
                feature_value,
                (feature_value - avg(feature_value) over (partition by metric, feature))
                    / nullif(stddev_pop(feature_value) over (partition by metric, feature), 0)
                    as standardized_value
            from long
        )
        select
            metric,
            jump_type,
            feature,
            count(*) as n_jumps,
            avg(feature_value) as mean_value,
            avg(standardized_value) as mean_standardized_value
        from scaled
        group by all
        order by all
        """,
    )


# ---------------------------------------------------------------------------------------
# critical periods, architectures, validity
# ---------------------------------------------------------------------------------------


def critical_baseline_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The chance-baseline columns critical_periods has in this build."""
    present = table_columns(con, "critical_periods")
    return [column for column in CRITICAL_BASELINE_COLUMNS if column in present]


def critical_period_runs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """critical_periods per run and metric (one row each: already small), with the
    dataset and whatever chance-baseline columns the mart has."""
    extra = "".join(f", c.{column}" for column in critical_baseline_columns(con))
    return frame(
        con,
        f"""
        select
            c.run_id, c.arch_family, r.dataset, c.metric, c.n_layers, c.n_measurements,
            c.total_critical_steps, c.total_transitions, c.num_coordinated_periods,
            c.max_coordination, c.mean_coordination, c.loss_correlation, c.is_strong
            {extra}
        from critical_periods as c
        join runs as r using (run_id)
        order by c.metric, c.arch_family, c.run_id
        """,
    )


def architecture_measures(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """architecture_comparison in long form: one row per family, metric and measure."""
    return frame(
        con,
        """
        unpivot (
            select
                arch_family, metric, n_runs,
                n_real_jumps::double as n_real_jumps,
                n_noise_jumps::double as n_noise_jumps,
                mean_jump_magnitude, mean_jump_speed, mean_critical_steps, mean_transitions,
                mean_coordination, mean_max_coordination, mean_loss_correlation,
                n_strong_runs::double / n_runs as share_strong_runs
            from architecture_comparison
        )
        on n_real_jumps, n_noise_jumps, mean_jump_magnitude, mean_jump_speed,
            mean_critical_steps, mean_transitions, mean_coordination, mean_max_coordination,
            mean_loss_correlation, share_strong_runs
        into name measure value value
        order by metric, measure, arch_family
        """,
    )


def detector_validity(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """The detector_validity mart, or None when this build has none."""
    present = table_columns(con, "detector_validity")
    if not present:
        return None
    columns = ", ".join(c for c in DETECTOR_VALIDITY_COLUMNS if c in present)
    return frame(con, f"select {columns} from detector_validity order by detector, fixture")


# ---------------------------------------------------------------------------------------
# headline figures
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricHeadline:
    """One metric's headline figures over all runs."""

    metric: str
    n_jumps: int
    n_real_jumps: int
    n_runs_with_real_jumps: int
    n_strong_runs: int
    mean_coordination: float
    mean_max_coordination: float
    mean_loss_correlation: float
    mean_loss_drop_base_rate: float | None
    mean_coordination_null: float | None
    mean_max_coordination_null: float | None
    n_coordination_beyond_chance: int | None
    n_coupling_beyond_chance: int | None
    pattern_counts: dict[str, int]


@dataclass(frozen=True)
class Headline:
    """The figures index.html states in sentences."""

    n_runs: int
    n_families: int
    families: dict[str, int]
    n_datasets: int
    n_load_issues: int
    metrics: list[MetricHeadline]


def headline(con: duckdb.DuckDBPyConnection) -> Headline:
    """Headline figures of the build, per metric."""
    n_runs, n_families, n_datasets = con.execute(
        "select count(*), count(distinct arch_family), count(distinct dataset)"
        " from runs where is_analyzed"
    ).fetchone() or (0, 0, 0)
    families = dict(
        con.execute(
            "select arch_family, count(*) from runs where is_analyzed group by 1 order by 1"
        ).fetchall()
    )
    n_issues = (con.execute("select count(*) from load_issues").fetchone() or (0,))[0]
    present = table_columns(con, "critical_periods")

    def optional(column: str, sql: str) -> str:
        return sql if column in present else "null"

    base_rate = optional("loss_drop_base_rate", "avg(loss_drop_base_rate)")
    null_mean = optional("coordination_null_mean", "avg(coordination_null_mean)")
    max_null_mean = optional("max_coordination_null_mean", "avg(max_coordination_null_mean)")
    coordination_beyond = optional(
        "max_coordination_p_value",
        f"count(*) filter (where max_coordination_p_value < {SIGNIFICANCE})",
    )
    coupling_beyond = optional(
        "loss_coupling_p_value",
        f"count(*) filter (where loss_coupling_p_value < {SIGNIFICANCE})",
    )
    rows = con.execute(
        f"""
        with j as (
            select
                metric,
                count(*) as n_jumps,
                count(*) filter (where not is_numerical_noise) as n_real_jumps,
                count(distinct run_id) filter (where not is_numerical_noise)
                    as n_runs_with_real_jumps
            from jumps group by metric
        ),
        c as (
            select
                metric,
                count(*) filter (where is_strong) as n_strong_runs,
                avg(mean_coordination) as mean_coordination,
                avg(max_coordination) as mean_max_coordination,
                avg(loss_correlation) as mean_loss_correlation,
                {base_rate} as mean_loss_drop_base_rate,
                {null_mean} as mean_coordination_null,
                {max_null_mean} as mean_max_coordination_null,
                {coordination_beyond} as n_coordination_beyond_chance,
                {coupling_beyond} as n_coupling_beyond_chance
            from critical_periods group by metric
        )
        select
            c.metric, coalesce(j.n_jumps, 0), coalesce(j.n_real_jumps, 0),
            coalesce(j.n_runs_with_real_jumps, 0), c.n_strong_runs, c.mean_coordination,
            c.mean_max_coordination, c.mean_loss_correlation, c.mean_loss_drop_base_rate,
            c.mean_coordination_null, c.mean_max_coordination_null,
            c.n_coordination_beyond_chance, c.n_coupling_beyond_chance
        from c left join j using (metric)
        order by c.metric
        """
    ).fetchall()
    patterns: dict[str, dict[str, int]] = {}
    for metric, pattern, count in con.execute(
        "select metric, pattern, count(*) from convergence_order group by all order by all"
    ).fetchall():
        patterns.setdefault(metric, {})[pattern] = count
    return Headline(
        n_runs=n_runs,
        n_families=n_families,
        families=families,
        n_datasets=n_datasets,
        n_load_issues=n_issues,
        metrics=[
            MetricHeadline(
                metric=row[0],
                n_jumps=row[1],
                n_real_jumps=row[2],
                n_runs_with_real_jumps=row[3],
                n_strong_runs=row[4],
                mean_coordination=row[5],
                mean_max_coordination=row[6],
                mean_loss_correlation=row[7],
                mean_loss_drop_base_rate=row[8],
                mean_coordination_null=row[9],
                mean_max_coordination_null=row[10],
                n_coordination_beyond_chance=row[11],
                n_coupling_beyond_chance=row[12],
                pattern_counts=patterns.get(row[0], {}),
            )
            for row in rows
        ],
    )
