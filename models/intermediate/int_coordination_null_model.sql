{{
    config(
        materialized='incremental',
        unique_key='run_id',
        incremental_strategy='delete+insert',
        post_hook="{{ delete_removed_runs('int_runs_validated') }}",
    )
}}
-- One row per analysed run and metric: what coordination chance alone gives. Each layer's
-- critical flags are shifted circularly by an independent seeded offset (B permutations),
-- which keeps every layer's own critical count and clustering but breaks any alignment
-- between layers; coordinated periods and max coordination are recomputed each time.

{%- set permutations = var('null_permutations') | int %}

with layer_series as (
    select * from {{ ref('int_layer_series_flagged') }}
),

changed_series as (
    select * from layer_series
    {{- only_new_run_versions('layer_series') }}
),

run_shapes as (
    select
        run_id,
        {{ derived_run_version('any_value(run_version)') }} as run_version,
        metric,
        -- A small integer key keeps the big shuffle below cheap.
        row_number() over (order by run_id, metric)::integer as run_metric_key,
        count(distinct layer)::integer as n_layers,
        -- Critical flags live on the n - 1 velocity indices; shifts wrap around those.
        (max(n_measurements) - 1)::integer as n_velocity_indices
    from changed_series
    group by run_id, metric
),

run_layers as (
    select distinct
        run_id,
        metric,
        layer
    from changed_series
),

permutations as (
    select range::integer as permutation
    from range({{ permutations }})
),

layer_offsets as (
    -- A seeded hash gives every (run, metric, layer, permutation) its own offset,
    -- reproducible across builds and independent of row order and threads.
    select
        run_shapes.run_metric_key,
        layers.layer,
        permutations.permutation,
        (
            hash(
                run_shapes.run_id, run_shapes.metric, layers.layer,
                permutations.permutation, {{ var('null_seed') }}
            ) % run_shapes.n_velocity_indices
        )::integer as offset_indices
    from run_shapes
    inner join run_layers as layers
        on run_shapes.run_id = layers.run_id and run_shapes.metric = layers.metric
    cross join permutations
),

critical_cells as (
    select
        run_shapes.run_metric_key,
        run_shapes.n_velocity_indices,
        changed_series.layer,
        changed_series.series_index::integer as series_index
    from changed_series
    inner join run_shapes
        on
            changed_series.run_id = run_shapes.run_id
            and changed_series.metric = run_shapes.metric
    where changed_series.is_critical
),

shifted_coordination as (
    select
        critical_cells.run_metric_key,
        layer_offsets.permutation,
        (critical_cells.series_index + layer_offsets.offset_indices)
        % critical_cells.n_velocity_indices as shifted_index,
        count(*) as n_critical_layers
    from critical_cells
    inner join layer_offsets
        on
            critical_cells.run_metric_key = layer_offsets.run_metric_key
            and critical_cells.layer = layer_offsets.layer
    group by all
),

permutation_statistics as (
    select
        run_shapes.run_id,
        run_shapes.metric,
        permutations.permutation,
        coalesce(max(shifted_coordination.n_critical_layers), 0) / any_value(run_shapes.n_layers)
            as max_coordination,
        count(shifted_coordination.n_critical_layers) filter (
            where shifted_coordination.n_critical_layers / run_shapes.n_layers
            >= {{ var('coordinated_threshold') }}
        ) as num_coordinated_periods
    from run_shapes
    cross join permutations
    left join shifted_coordination
        on
            run_shapes.run_metric_key = shifted_coordination.run_metric_key
            and permutations.permutation = shifted_coordination.permutation
    group by run_shapes.run_id, run_shapes.metric, permutations.permutation
),

null_distribution as (
    select
        run_id,
        metric,
        count(*) as n_permutations,
        list(max_coordination order by permutation) as null_max_coordination,
        list(num_coordinated_periods order by permutation) as null_coordinated_periods,
        avg(max_coordination) as max_coordination_null_mean,
        avg(num_coordinated_periods) as coordinated_periods_null_mean
    from permutation_statistics
    group by run_id, metric
),

final as (
    select
        null_distribution.run_id,
        run_shapes.run_version,
        null_distribution.metric,
        null_distribution.n_permutations,
        null_distribution.max_coordination_null_mean,
        null_distribution.coordinated_periods_null_mean,
        null_distribution.null_max_coordination,
        null_distribution.null_coordinated_periods
    from null_distribution
    inner join run_shapes
        on
            null_distribution.run_id = run_shapes.run_id
            and null_distribution.metric = run_shapes.metric
)

select * from final
