-- Everything in the input that was not loaded or not analysed as it is, one row per problem.

with ndt_documents as (
    select * from {{ ref('stg_training_runs__documents') }}
),

tidy_files as (
    select * from {{ ref('stg_tidy_runs__files') }}
),

tidy_documents as (
    select * from {{ ref('stg_tidy_runs__documents') }}
),

tidy_metrics as (
    select * from {{ ref('stg_tidy_runs__metrics') }}
),

tidy_losses as (
    select * from {{ ref('stg_tidy_runs__losses') }}
),

tidy_run_attributes as (
    select * from {{ ref('stg_tidy_runs__run_attributes') }}
),

loaded_documents as (
    select * from {{ ref('int_run_documents_loadable') }}
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

-- Files ---------------------------------------------------------------------------------

file_problems as (
    select
        file_name,
        run_id,
        file_problem as problem,
        file_problem_detail as detail,
        'file not loaded' as consequence
    from ndt_documents
    where file_problem is not null
    union all
    select
        file_name,
        null as run_id,
        file_problem as problem,
        file_problem_detail as detail,
        'file not loaded' as consequence
    from tidy_files
    where file_problem is not null
),

run_claims as (
    -- Every readable file's claim on a run id (a tidy file claims each run id it holds).
    select
        file_path,
        file_name,
        run_id
    from ndt_documents
    where file_problem is null
    union all
    select
        file_path,
        file_name,
        run_id
    from tidy_documents
),

duplicate_run_ids as (
    select
        run_claims.file_name,
        run_claims.run_id,
        'duplicate_run_id' as problem,
        'the run id is also claimed by '
        || string_agg(other_claims.file_name, ', ' order by other_claims.file_name) as detail,
        case
            when run_claims.file_name like 'metrics.%' then 'run not loaded'
            else 'file not loaded'
        end as consequence
    from run_claims
    inner join run_claims as other_claims
        on
            run_claims.run_id = other_claims.run_id
            and run_claims.file_path != other_claims.file_path
    group by run_claims.file_name, run_claims.run_id
),

invalid_fields as (
    select
        -- Tidy runs take their attributes from runs.csv.
        case when source_format = 'tidy' then 'runs.csv' else file_name end as file_name,
        run_id,
        'invalid_field' as problem,
        unnest(invalid_fields) as detail,
        'field not loaded' as consequence
    from loaded_documents
),

-- Measurements and values ---------------------------------------------------------------

run_measurements as (
    select
        runs.file_name,
        measurements.*
    from measurements
    inner join runs on measurements.run_id = runs.run_id
),

step_problems as (
    select
        file_name,
        run_id,
        'invalid_step' as problem,
        step_problem as detail,
        'measurement not analysed' as consequence,
        measurement_index
    from run_measurements
    where step_problem is not null
),

loss_problems as (
    select
        file_name,
        run_id,
        case when loss_problem like 'missing%' then 'missing_loss' else 'invalid_loss' end as problem,
        loss_problem as detail,
        'measurement not analysed' as consequence,
        measurement_index
    from run_measurements
    where loss_problem is not null
),

layer_metrics_problems as (
    select
        file_name,
        run_id,
        'missing_layer_metrics' as problem,
        '"layer_metrics" is missing, not an object of layer objects, or names a layer twice'
            as detail,
        'measurement not analysed' as consequence,
        measurement_index
    from run_measurements
    where not has_layer_metrics
),

step_order_problems as (
    select
        file_name,
        run_id,
        case when is_step_duplicated then 'duplicate_step' else 'out_of_order_step' end as problem,
        'step ' || step || ' at measurement ' || measurement_index
        || case
            when is_step_duplicated then ' appears more than once'
            else ' is not after the previous steps'
        end as detail,
        'run not analysed' as consequence,
        measurement_index
    from run_measurements
    where is_step_duplicated or is_step_out_of_order
),

value_problems as (
    select
        runs.file_name,
        metric_values.run_id,
        metric_values.value_problem as problem,
        case metric_values.value_problem
            when 'layer_not_object' then 'the layer''s entry is not an object of metrics'
            when 'duplicate_value'
                then
                    'the same run, step, layer and metric in '
                    || metric_values.raw_text
            else 'value is ' || coalesce(metric_values.raw_text, 'null')
        end as detail,
        'measurement not analysed' as consequence,
        metric_values.measurement_index,
        metric_values.layer,
        metric_values.metric
    from metric_values
    inner join runs on metric_values.run_id = runs.run_id
    where metric_values.value_problem is not null
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
                || string_agg(missing_pairs.metric, ', ' order by missing_pairs.metric)
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

-- Runs ----------------------------------------------------------------------------------

run_problems as (
    select
        file_name,
        run_id,
        case when n_measurements = 0 then 'no_measurements' else 'too_few_measurements' end
            as problem,
        case
            when n_measurements = 0 then 'the run has no measurements'
            else
                n_complete_measurements || ' complete measurements of ' || n_measurements
                || '; at least {{ var("min_measurements") }} are needed'
        end as detail,
        'run not analysed' as consequence
    from runs
    where not has_step_order_problem and not is_analyzed
),

-- Tidy rows that belong to no loaded measurement or run ---------------------------------

tidy_row_problems as (
    select
        file_name,
        run_id,
        'invalid_row' as problem,
        'row ' || file_row || ': ' || row_problem as detail,
        'row not loaded' as consequence
    from tidy_metrics
    where row_problem is not null
),

loaded_tidy_steps as (
    select
        measurements.run_id,
        measurements.step
    from measurements
    semi join loaded_documents
        on measurements.run_id = loaded_documents.run_id and loaded_documents.source_format = 'tidy'
),

unmatched_losses as (
    -- One row per run id: its loss rows that match no measurement of a loaded tidy run.
    select
        tidy_losses.file_name,
        tidy_losses.run_id,
        'unmatched_loss' as problem,
        count(*) || ' loss row(s) match no measurement of a loaded run; steps '
        || array_to_string(
            list(coalesce(tidy_losses.step_text, 'null') order by tidy_losses.step)[1:10], ', '
        )
        || case when count(*) > 10 then ', ...' else '' end as detail,
        'row not loaded' as consequence
    from tidy_losses
    anti join loaded_tidy_steps
        on tidy_losses.run_id = loaded_tidy_steps.run_id and tidy_losses.step = loaded_tidy_steps.step
    group by tidy_losses.file_name, tidy_losses.run_id
),

run_attribute_counts as (
    select
        file_name,
        run_id,
        count(*) as n_rows
    from tidy_run_attributes
    group by file_name, run_id
),

run_attribute_problems as (
    select
        run_attribute_counts.file_name,
        run_attribute_counts.run_id,
        case
            when run_attribute_counts.n_rows > 1 then 'duplicate_run_attributes'
            else 'unmatched_run_attributes'
        end as problem,
        case
            when run_attribute_counts.n_rows > 1
                then 'the run id is listed ' || run_attribute_counts.n_rows || ' times'
            else 'no loaded tidy run has this run id'
        end as detail,
        'row not loaded' as consequence
    from run_attribute_counts
    left join loaded_documents
        on
            run_attribute_counts.run_id = loaded_documents.run_id
            and loaded_documents.source_format = 'tidy'
    where run_attribute_counts.n_rows > 1 or loaded_documents.run_id is null
),

all_problems as (
    select * from file_problems
    union all by name
    select * from duplicate_run_ids
    union all by name
    select * from invalid_fields
    union all by name
    select * from step_problems
    union all by name
    select * from loss_problems
    union all by name
    select * from layer_metrics_problems
    union all by name
    select * from step_order_problems
    union all by name
    select * from value_problems
    union all by name
    select * from missing_problems
    union all by name
    select * from run_problems
    union all by name
    select * from tidy_row_problems
    union all by name
    select * from unmatched_losses
    union all by name
    select * from run_attribute_problems
),

final as (
    select
        file_name,
        run_id,
        problem,
        detail,
        consequence,
        measurement_index::bigint as measurement_index,
        layer::varchar as layer,
        metric::varchar as metric
    from all_problems
)

select * from final
