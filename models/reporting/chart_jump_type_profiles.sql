{{ config(**unchanged_table_config()) }}
-- One row per metric, jump type and clustering feature: the feature's mean over the type's
-- jumps, raw and standardized the way k-means saw it (over all jumps of the metric: mean 0,
-- population standard deviation 1), with the type's human name.

with jumps as (
    select * from {{ ref('jumps') }}
),

jump_type_names as (
    select * from {{ ref('chart_jump_type_names') }}
),

long_features as (
    {{ unpivot_columns(
        'select
            metric,
            jump_type,
            phase,
            magnitude,
            speed,
            run_id,
            layer,
            measurement_index
        from jumps',
        ['phase', 'magnitude', 'speed'],
        'feature',
        'feature_value',
    ) }}
),

feature_stats as (
    -- ordered aggregates: the same runs give the same bits
    select
        metric,
        feature,
        {{ ordered_avg('feature_value', 'run_id, layer, measurement_index') }} as feature_mean,
        {{ ordered_stddev_pop('feature_value', 'run_id, layer, measurement_index') }} as feature_std
    from long_features
    group by metric, feature
),

standardized as (
    select
        long_features.metric,
        long_features.jump_type,
        long_features.feature,
        long_features.feature_value,
        (long_features.feature_value - feature_stats.feature_mean)
        / nullif(feature_stats.feature_std, 0) as standardized_value,
        long_features.run_id,
        long_features.layer,
        long_features.measurement_index
    from long_features
    inner join feature_stats
        on
            long_features.metric = feature_stats.metric
            and long_features.feature = feature_stats.feature
),

final as (
    select
        standardized.metric,
        standardized.jump_type,
        any_value(jump_type_names.jump_type_name) as jump_type_name,
        standardized.feature,
        count(*) as n_jumps,
        {{ ordered_avg(
            'standardized.feature_value',
            'standardized.run_id, standardized.layer, standardized.measurement_index',
        ) }}
            as mean_value,
        {{ ordered_avg(
            'standardized.standardized_value',
            'standardized.run_id, standardized.layer, standardized.measurement_index',
        ) }}
            as mean_standardized_value
    from standardized
    inner join jump_type_names
        on
            standardized.metric = jump_type_names.metric
            and standardized.jump_type = jump_type_names.jump_type
    group by standardized.metric, standardized.jump_type, standardized.feature
    order by standardized.metric, standardized.jump_type, standardized.feature
)

{% if inputs_unchanged() %}
    -- Nothing it reads changed since the last build: the table stays as it is
    -- (macros/unchanged_tables.sql).
    select * from {{ this }} where false
{%- else %}
    select * from final
{%- endif %}
