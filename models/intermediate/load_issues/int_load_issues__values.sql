-- One row per value that is not a finite number (or is given twice).
-- Columns as load_issues (see load_issues_columns()).

with runs as (
    select * from {{ ref('int_runs_validated') }}
),

metric_values as (
    select * from {{ ref('int_metric_values_unnested') }}
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

final as (
    {{ load_issues_columns('value_problems', ['measurement_index', 'layer', 'metric']) }}
)

select * from final
