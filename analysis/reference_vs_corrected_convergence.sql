-- Reference against corrected stabilization and convergence order, from one build
-- (whatever its analysis_mode).
--
-- The modes differ in 1.1 in two places (METHODS.md):
-- - windows examined: reference k = 0 .. n-w-1 (never the last full window), corrected
--   k = 0 .. n-w. A layer whose only stable window is the last one stabilizes only in
--   corrected mode.
-- - depth: reference parses it from the layer name (999 when it cannot: `fc`,
--   `transformer.layers.0.linear1`), corrected uses the forward position.
-- This query recomputes both from the build's per-step window flags, and Spearman's rho
-- both ways in SQL (Pearson correlation of average ranks, as scipy). Fewer than 3
-- stabilized layers: reference rho = 0, corrected rho NULL; a constant side: NULL. The
-- pattern also needs the p-value, which only the Python step computes: `build_*` columns
-- are the build's own convergence_order, for comparison.
--
-- One row per run and metric, the runs where the two modes differ first.
--
-- Usage:
--   dbt show --select reference_vs_corrected_convergence --limit 50
--   dbt show --select reference_vs_corrected_convergence --vars '{only_differences: false}'
-- `only_differences` (default true) keeps the runs and metrics where the modes differ in
-- stabilized layers or rho.

{%- set window = var('stabilization_window') | int %}
{%- set only_differences = var('only_differences', true) %}

with layer_series as (
    select * from {{ ref('int_layer_series_flagged') }}
    where not is_validity_fixture
),

convergence_order as (
    select * from {{ ref('convergence_order') }}
),

runs as (
    select * from {{ ref('runs') }}
),

layer_windows as (
    select
        run_id,
        metric,
        layer,
        any_value(layer_position) as layer_position,
        -- Windows starting at k <= n - w are full; the reference never looks at k = n - w.
        min(series_index) filter (
            where is_stable_window and series_index <= n_measurements - {{ window }} - 1
        ) as reference_stabilization_index,
        min(series_index) filter (
            where is_stable_window and series_index <= n_measurements - {{ window }}
        ) as corrected_stabilization_index
    from layer_series
    group by run_id, metric, layer
),

layer_depths as (
    select
        *,
        -- The report's parser: the integer after the last '.', else all the digits, else 999.
        case
            when contains(layer, '.')
                then coalesce(
                    try_cast(nullif(regexp_extract(layer, '\.([0-9]+)$', 1), '') as hugeint), 999
                )
            else coalesce(try_cast(nullif(regexp_replace(layer, '[^0-9]', '', 'g'), '') as hugeint), 999)
        end as reference_depth
    from layer_windows
),

layer_modes as (
    select
        run_id,
        metric,
        'reference' as analysis_mode,
        reference_depth::double as layer_depth,
        reference_stabilization_index as stabilization_index
    from layer_depths
    union all
    select
        run_id,
        metric,
        'corrected' as analysis_mode,
        layer_position::double as layer_depth,
        corrected_stabilization_index as stabilization_index
    from layer_depths
),

stabilized_ranks as (
    -- Average ranks (ties share the mean of their positions), as scipy.stats.rankdata.
    select
        run_id,
        metric,
        analysis_mode,
        layer_depth,
        stabilization_index,
        rank() over (partition by run_id, metric, analysis_mode order by layer_depth)
        + (count(*) over (partition by run_id, metric, analysis_mode, layer_depth) - 1) / 2
            as depth_rank,
        rank() over (partition by run_id, metric, analysis_mode order by stabilization_index)
        + (count(*) over (partition by run_id, metric, analysis_mode, stabilization_index) - 1) / 2
            as stabilization_rank
    from layer_modes
    where stabilization_index is not null
),

mode_rho as (
    select
        run_id,
        metric,
        analysis_mode,
        case
            when count(distinct layer_depth) > 1 and count(distinct stabilization_index) > 1
                then corr(depth_rank, stabilization_rank)
        end as spearman_rho
    from stabilized_ranks
    group by run_id, metric, analysis_mode
),

run_layers as (
    select
        run_id,
        metric,
        count(*) as n_layers,
        count(reference_stabilization_index) as n_stabilized_reference,
        count(corrected_stabilization_index) as n_stabilized_corrected,
        count(*) filter (
            where corrected_stabilization_index is not null and reference_stabilization_index is null
        ) as n_stabilized_only_in_last_window,
        count(*) filter (where reference_depth = 999) as n_layers_without_reference_depth,
        count(distinct reference_depth) as n_distinct_reference_depths
    from layer_depths
    group by run_id, metric
),

compared as (
    select
        run_layers.run_id,
        run_layers.metric,
        runs.arch_family,
        run_layers.n_layers,
        run_layers.n_stabilized_reference,
        run_layers.n_stabilized_corrected,
        run_layers.n_stabilized_only_in_last_window,
        run_layers.n_layers_without_reference_depth,
        run_layers.n_distinct_reference_depths,
        case
            when run_layers.n_stabilized_reference < 3 then 0.0
            else reference_rho.spearman_rho
        end as reference_rho,
        case
            when run_layers.n_stabilized_corrected >= 3 then corrected_rho.spearman_rho
        end as corrected_rho,
        convergence_order.n_stabilized_layers as build_n_stabilized,
        convergence_order.spearman_rho as build_rho,
        convergence_order.pattern as build_pattern
    from run_layers
    inner join runs on run_layers.run_id = runs.run_id
    left join mode_rho as reference_rho
        on
            run_layers.run_id = reference_rho.run_id
            and run_layers.metric = reference_rho.metric
            and reference_rho.analysis_mode = 'reference'
    left join mode_rho as corrected_rho
        on
            run_layers.run_id = corrected_rho.run_id
            and run_layers.metric = corrected_rho.metric
            and corrected_rho.analysis_mode = 'corrected'
    left join convergence_order
        on
            run_layers.run_id = convergence_order.run_id
            and run_layers.metric = convergence_order.metric
),

final as (
    select
        *,
        n_stabilized_reference != n_stabilized_corrected
        -- rho differs beyond round-off, or only one of the two is NULL
        or coalesce(
            abs(reference_rho - corrected_rho) > 1e-9, (reference_rho is null) != (corrected_rho is null)
        ) as modes_differ
    from compared
)

select * from final
where modes_differ or not {{ 'true' if only_differences else 'false' }}
order by modes_differ desc, metric asc, run_id asc
