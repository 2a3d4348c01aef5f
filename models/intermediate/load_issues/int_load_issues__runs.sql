-- One row per loaded run that is not analysed for want of measurements.
-- Columns as load_issues (see load_issues_columns()).

with runs as (
    select * from {{ ref('int_runs_validated') }}
),

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

final as (
    {{ load_issues_columns('run_problems') }}
)

select * from final
