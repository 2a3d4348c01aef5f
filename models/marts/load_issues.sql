-- Everything in the input that was not loaded or not analysed as it is, one row per problem.

with documents as (
    select * from {{ ref('stg_training_runs__documents') }}
),

runs as (
    select * from {{ ref('int_runs_validated') }}
),

measurements as (
    select * from {{ ref('int_measurements_validated') }}
),

metric_values as (
    select * from {{ ref('int_metric_values_unnested') }}
),

file_problems as (
    select
        file_name,
        run_id,
        file_problem as problem,
        file_problem_detail as detail,
        'file not loaded' as consequence,
        null::bigint as measurement_index,
        null::varchar as layer,
        null::varchar as metric
    from documents
    where file_problem is not null
),

duplicate_run_ids as (
    select
        documents.file_name,
        documents.run_id,
        'duplicate_run_id' as problem,
        'the run id is also claimed by '
        || string_agg(others.file_name, ', ' order by others.file_name) as detail,
        'file not loaded' as consequence,
        null::bigint as measurement_index,
        null::varchar as layer,
        null::varchar as metric
    from documents
    inner join documents as others
        on documents.run_id = others.run_id and documents.file_path != others.file_path
    where documents.file_problem is null and others.file_problem is null
    group by documents.file_name, documents.run_id
),

measurement_problems as (
    select
        runs.file_name,
        measurements.run_id,
        problem_checks.problem,
        problem_checks.detail,
        'measurement not analysed' as consequence,
        measurements.measurement_index,
        null::varchar as layer,
        null::varchar as metric
    from measurements
    inner join runs on measurements.run_id = runs.run_id
    cross join lateral (
        select 'invalid_step' as problem, measurements.step_problem as detail
        where measurements.step_problem is not null
        union all
        select
            case when measurements.loss_problem like 'missing%' then 'missing_loss'
                else 'invalid_loss' end,
            measurements.loss_problem
        where measurements.loss_problem is not null
        union all
        select 'missing_layer_metrics', '"layer_metrics" is missing or not an object of layers'
        where not measurements.has_layer_metrics
    ) as problem_checks
),

step_order_problems as (
    select
        runs.file_name,
        measurements.run_id,
        case when measurements.is_step_duplicated then 'duplicate_step'
            else 'out_of_order_step' end as problem,
        'step ' || measurements.step || ' at measurement ' || measurements.measurement_index
        || case when measurements.is_step_duplicated then ' appears more than once'
            else ' is not after the previous steps' end as detail,
        'run not analysed' as consequence,
        measurements.measurement_index,
        null::varchar as layer,
        null::varchar as metric
    from measurements
    inner join runs on measurements.run_id = runs.run_id
    where measurements.is_step_duplicated or measurements.is_step_out_of_order
),

value_problems as (
    select
        runs.file_name,
        metric_values.run_id,
        metric_values.value_problem as problem,
        case metric_values.value_problem
            when 'layer_not_object' then 'the layer''s entry is not an object of metrics: '
            else 'value is ' end
        || coalesce(metric_values.raw_text, 'null') as detail,
        'measurement not analysed' as consequence,
        metric_values.measurement_index,
        metric_values.layer,
        metric_values.metric
    from metric_values
    inner join runs on metric_values.run_id = runs.run_id
    where metric_values.value_problem is not null
),

incomplete_measurements as (
    select run_id, measurement_index
    from measurements
    where has_layer_metrics and n_valid_values < n_expected_values
),

expected_pairs as (
    select distinct run_id, layer, metric
    from metric_values
    where metric is not null and run_id in (select run_id from incomplete_measurements)
),

present_entries as (
    select metric_values.run_id, metric_values.measurement_index, metric_values.layer, metric_values.metric
    from metric_values
    semi join incomplete_measurements
        on metric_values.run_id = incomplete_measurements.run_id
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
        on incomplete_measurements.run_id = present_entries.run_id
        and incomplete_measurements.measurement_index = present_entries.measurement_index
        and expected_pairs.layer = present_entries.layer
        and (expected_pairs.metric = present_entries.metric or present_entries.metric is null)
),

missing_problems as (
    select
        runs.file_name,
        missing_pairs.run_id,
        case when count(*) = max(layer_sizes.n_metrics) then 'missing_layer'
            else 'missing_value' end as problem,
        case when count(*) = max(layer_sizes.n_metrics)
            then 'layer ' || missing_pairs.layer || ' is missing from the measurement'
            else 'no value for ' || string_agg(missing_pairs.metric, ', ' order by missing_pairs.metric)
            || ' of layer ' || missing_pairs.layer
        end as detail,
        'measurement not analysed' as consequence,
        missing_pairs.measurement_index,
        missing_pairs.layer,
        case when count(*) = 1 then min(missing_pairs.metric) end as metric
    from missing_pairs
    inner join runs on missing_pairs.run_id = runs.run_id
    inner join (
        select run_id, layer, count(*) as n_metrics from expected_pairs group by run_id, layer
    ) as layer_sizes
        on missing_pairs.run_id = layer_sizes.run_id and missing_pairs.layer = layer_sizes.layer
    group by runs.file_name, missing_pairs.run_id, missing_pairs.measurement_index, missing_pairs.layer
),

run_problems as (
    select
        file_name,
        run_id,
        'too_few_measurements' as problem,
        n_complete_measurements || ' complete measurements of ' || n_measurements
        || '; at least {{ var("min_measurements") }} are needed' as detail,
        'run not analysed' as consequence,
        null::bigint as measurement_index,
        null::varchar as layer,
        null::varchar as metric
    from runs
    where not has_step_order_problem and not is_analyzed
),

all_problems as (
    select * from file_problems
    union all by name select * from duplicate_run_ids
    union all by name select * from measurement_problems
    union all by name select * from step_order_problems
    union all by name select * from value_problems
    union all by name select * from missing_problems
    union all by name select * from run_problems
),

final as (
    select
        file_name,
        run_id,
        problem,
        detail,
        consequence,
        measurement_index,
        layer,
        metric
    from all_problems
)

select * from final
