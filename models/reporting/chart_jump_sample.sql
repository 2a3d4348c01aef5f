{{ config(**unchanged_table_config()) }}
-- One row per sampled jump (run, metric, layer, measurement): a reproducible sample for
-- scatter plots, at most chart_max_rows // n_metrics jumps per metric (all of them when
-- a metric has fewer), chosen by a hash of the jump's key. Only jumps with magnitude > 0
-- (which a log axis can show); n_jumps_total is how many such jumps the metric has.

with jumps as (
    select * from {{ ref('jumps') }}
),

jump_type_names as (
    select * from {{ ref('chart_jump_type_names') }}
),

n_metrics as (
    select greatest(count(distinct metric), 1) as n_metrics
    from jumps
),

ranked as (
    select
        jumps.run_id,
        jumps.arch_family,
        jumps.metric,
        jumps.layer,
        jumps.layer_position,
        jumps.measurement_index,
        jumps.step,
        jumps.phase,
        jumps.phase_category,
        jumps.magnitude,
        jumps.speed,
        jumps.direction,
        jumps.jump_type,
        jump_type_names.jump_type_name,
        case when jumps.is_numerical_noise then 'numerical noise' else 'real' end as jump_kind,
        row_number() over (
            partition by jumps.metric
            order by
                hash(jumps.run_id, jumps.layer, jumps.measurement_index),
                jumps.run_id,
                jumps.layer,
                jumps.measurement_index
        ) as sample_rank,
        count(*) over (partition by jumps.metric) as n_jumps_total,
        n_metrics.n_metrics
    from jumps
    cross join n_metrics
    inner join jump_type_names
        on
            jumps.metric = jump_type_names.metric
            and jumps.jump_type = jump_type_names.jump_type
    where jumps.magnitude > 0
),

final as (
    select {{ star_except(['sample_rank', 'n_metrics']) }}
    from ranked
    where sample_rank <= {{ integer_divide(var('chart_max_rows'), 'n_metrics') }}
    order by metric, run_id, layer_position, measurement_index
)

{% if inputs_unchanged() %}
    -- Nothing it reads changed since the last build: the table stays as it is
    -- (macros/unchanged_tables.sql).
    select * from {{ this }} where false
{%- else %}
    select * from final
{%- endif %}
