-- One row per measurement and layer with a missing value or a missing layer.
-- Columns as load_issues (see load_issues_columns()).

with runs as (
    select * from {{ ref('int_runs_validated') }}
),

measurements as (
    select * from {{ ref('int_measurements_validated') }}
),

metric_values as (
    select * from {{ ref('int_metric_values_unnested') }}
),

incomplete_measurements as (
    select
        run_id,
        measurement_index
    from measurements
    where has_layer_metrics and n_valid_values < n_expected_values
),

expected_pairs as (
    -- Every (layer, metric) pair seen anywhere in a run with an incomplete measurement.
    select distinct
        metric_values.run_id,
        metric_values.layer,
        metric_values.metric
    from metric_values
    semi join incomplete_measurements on metric_values.run_id = incomplete_measurements.run_id
    where metric_values.metric is not null
),

layer_sizes as (
    select
        run_id,
        layer,
        count(*) as n_metrics
    from expected_pairs
    group by run_id, layer
),

present_entries as (
    select
        metric_values.run_id,
        metric_values.measurement_index,
        metric_values.layer,
        metric_values.metric
    from metric_values
    semi join incomplete_measurements
        on
            metric_values.run_id = incomplete_measurements.run_id
            and metric_values.measurement_index = incomplete_measurements.measurement_index
),

missing_pairs as (
    select
        incomplete_measurements.run_id,
        incomplete_measurements.measurement_index,
        expected_pairs.layer,
        expected_pairs.metric
    from incomplete_measurements
    inner join expected_pairs on incomplete_measurements.run_id = expected_pairs.run_id
    anti join present_entries
        on
            incomplete_measurements.run_id = present_entries.run_id
            and incomplete_measurements.measurement_index = present_entries.measurement_index
            and expected_pairs.layer = present_entries.layer
            and (expected_pairs.metric = present_entries.metric or present_entries.metric is null)
),

missing_problems as (
    select
        runs.file_name,
        missing_pairs.run_id,
        case
            when count(*) = max(layer_sizes.n_metrics) then 'missing_layer'
            else 'missing_value'
        end as problem,
        case
            when count(*) = max(layer_sizes.n_metrics)
                then 'layer ' || missing_pairs.layer || ' is missing from the measurement'
            else
                'no value for '
                || {{ ordered_string_agg('missing_pairs.metric', "', '", 'missing_pairs.metric') }}
                || ' of layer ' || missing_pairs.layer
        end as detail,
        'measurement not analysed' as consequence,
        missing_pairs.measurement_index,
        missing_pairs.layer,
        case when count(*) = 1 then min(missing_pairs.metric) end as metric
    from missing_pairs
    inner join runs on missing_pairs.run_id = runs.run_id
    inner join layer_sizes
        on missing_pairs.run_id = layer_sizes.run_id and missing_pairs.layer = layer_sizes.layer
    group by runs.file_name, missing_pairs.run_id, missing_pairs.measurement_index, missing_pairs.layer
),

final as (
    {{ load_issues_columns('missing_problems', ['measurement_index', 'layer', 'metric']) }}
)

select * from final
