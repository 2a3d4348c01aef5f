{{ config(**unchanged_table_config()) }}
-- One row per metric and jump type: a human name for the k-means cluster from its
-- centre: when its jumps happen (mean phase: early < 1/3 <= mid < 2/3 <= late), how big
-- they are and, when notably so, how fast (standardized mean magnitude and speed: small/slow
-- below -0.5, large/fast above 0.5). Two types of a metric with the same words get "(1)", "(2)", ...
-- in the order of their k-means label, so names are unique per metric.

with jumps as (
    select * from {{ ref('jumps') }}
),

metric_stats as (
    -- ordered aggregates: the same runs give the same bits
    select
        metric,
        {{ ordered_avg('magnitude', 'run_id, layer, measurement_index') }} as magnitude_mean,
        {{ ordered_stddev_pop('magnitude', 'run_id, layer, measurement_index') }} as magnitude_std,
        {{ ordered_avg('speed', 'run_id, layer, measurement_index') }} as speed_mean,
        {{ ordered_stddev_pop('speed', 'run_id, layer, measurement_index') }} as speed_std
    from jumps
    group by metric
),

standardized as (
    select
        jumps.metric,
        jumps.jump_type,
        jumps.phase,
        (jumps.magnitude - metric_stats.magnitude_mean)
        / nullif(metric_stats.magnitude_std, 0) as magnitude_z,
        (jumps.speed - metric_stats.speed_mean) / nullif(metric_stats.speed_std, 0) as speed_z,
        jumps.run_id,
        jumps.layer,
        jumps.measurement_index
    from jumps
    inner join metric_stats on jumps.metric = metric_stats.metric
),

centres as (
    select
        metric,
        jump_type,
        count(*) as n_jumps,
        {{ ordered_avg('phase', 'run_id, layer, measurement_index') }} as mean_phase,
        {{ ordered_avg('magnitude_z', 'run_id, layer, measurement_index') }} as mean_magnitude_z,
        {{ ordered_avg('speed_z', 'run_id, layer, measurement_index') }} as mean_speed_z
    from standardized
    group by metric, jump_type
),

worded as (
    select
        metric,
        jump_type,
        n_jumps,
        mean_phase,
        mean_magnitude_z,
        mean_speed_z,
        case
            when mean_phase < {{ double_literal('1.0') }} / 3 then 'early'
            when mean_phase < {{ double_literal('2.0') }} / 3 then 'mid'
            else 'late'
        end
        || ', '
        || case
            when mean_magnitude_z > 0.5 then 'large'
            when mean_magnitude_z < -0.5 then 'small'
            else 'medium'
        end
        || coalesce(
            ', '
            || case
                when mean_speed_z > 0.5 then 'fast'
                when mean_speed_z < -0.5 then 'slow'
            end,
            ''
        ) as base_name
    from centres
),

final as (
    select
        metric,
        jump_type,
        case
            when count(*) over (partition by metric, base_name) > 1
                then
                    base_name || ' ('
                    || {{ as_text('row_number() over (partition by metric, base_name order by jump_type)') }}
                    || ')'
            else base_name
        end as jump_type_name,
        n_jumps,
        mean_phase,
        mean_magnitude_z,
        mean_speed_z
    from worded
    order by metric, jump_type
)

{% if inputs_unchanged() %}
    -- Nothing it reads changed since the last build: the table stays as it is
    -- (macros/unchanged_tables.sql).
    select * from {{ this }} where false
{%- else %}
    select * from final
{%- endif %}
