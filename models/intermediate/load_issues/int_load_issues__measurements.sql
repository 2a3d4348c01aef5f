-- One row per problem of a measurement: its step, its loss, its layer_metrics, or its step order.
-- Columns as load_issues (see load_issues_columns()).

with runs as (
    select * from {{ ref('int_runs_validated') }}
),

measurements as (
    select * from {{ ref('int_measurements_validated') }}
),

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

measurement_problems as (
    select * from step_problems
    {{ union_all_by_name() }}
    select * from loss_problems
    {{ union_all_by_name() }}
    select * from layer_metrics_problems
    {{ union_all_by_name() }}
    select * from step_order_problems
),

final as (
    {{ load_issues_columns('measurement_problems', ['measurement_index']) }}
)

select * from final
