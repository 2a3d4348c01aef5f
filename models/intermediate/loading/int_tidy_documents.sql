-- One row per run in the tidy metrics file(s), shaped like int_ndt_documents_parsed (no
-- nested measurements: the loading models read int_tidy_metric_rows). Run attributes come
-- from runs.csv when it lists the run exactly once.

with tidy_files as (
    select * from {{ ref('int_tidy_files_checked') }}
),

metrics as (
    select * from {{ ref('int_tidy_metric_rows') }}
),

run_attributes as (
    select * from {{ ref('int_tidy_run_attribute_rows') }}
),

run_claims as (
    select distinct
        file_name,
        run_id
    from metrics
    where row_problem is null
),

single_attribute_rows as (
    -- A run listed twice in runs.csv gets no attributes (load_issues names it).
    select
        run_id,
        any_value(arch_name) as arch_name,
        any_value(dataset_name) as dataset_name,
        any_value(num_steps) as num_steps_text,
        any_value(measurement_interval) as measurement_interval_text,
        any_value(final_accuracy) as final_accuracy_text,
        any_value(elapsed_time) as elapsed_time_text
    from run_attributes
    group by run_id
    having count(*) = 1
),

typed_attributes as (
    select
        run_id,
        nullif(arch_name, '') as arch_name,
        nullif(dataset_name, '') as dataset_name,
        num_steps_text,
        measurement_interval_text,
        final_accuracy_text,
        elapsed_time_text,
        try_cast(num_steps_text as double) as num_steps_number,
        try_cast(measurement_interval_text as double) as measurement_interval_number,
        try_cast(final_accuracy_text as double) as final_accuracy_number,
        try_cast(elapsed_time_text as double) as elapsed_time_number
    from single_attribute_rows
),

checked_attributes as (
    select
        run_id,
        arch_name,
        dataset_name,
        -- Step counts are whole numbers read exactly (macros/whole_numbers.sql).
        {{ whole_number('num_steps_text') }} as num_steps,
        case
            when
                measurement_interval_number = floor(measurement_interval_number)
                and abs(measurement_interval_number) < 9e18
                then measurement_interval_number
        end as measurement_interval,
        case when isfinite(final_accuracy_number) then final_accuracy_number end as final_accuracy,
        case when isfinite(elapsed_time_number) then elapsed_time_number end as elapsed_time_seconds,
        num_steps_text,
        measurement_interval_text,
        final_accuracy_text,
        elapsed_time_text
    from typed_attributes
),

flagged_attributes as (
    select
        *,
        -- Attributes given but not usable: NULL above, named here (load_issues 'invalid_field').
        list_filter([
            case
                when
                    nullif(num_steps_text, '') is not null
                    and num_steps is null
                    then
                        'num_steps is ' || left(num_steps_text, 40)
                        || ', expected a whole number'
            end,
            case
                when
                    nullif(measurement_interval_text, '') is not null
                    and measurement_interval is null
                    then
                        'measurement_interval is '
                        || left(measurement_interval_text, 40)
                        || ', expected a whole number'
            end,
            case
                when
                    nullif(final_accuracy_text, '') is not null
                    and final_accuracy is null
                    then
                        'final_accuracy is ' || left(final_accuracy_text, 40)
                        || ', expected a finite number'
            end,
            case
                when
                    nullif(elapsed_time_text, '') is not null
                    and elapsed_time_seconds is null
                    then
                        'elapsed_time is ' || left(elapsed_time_text, 40)
                        || ', expected a finite number'
            end
        ], lambda field_problem: field_problem is not null) as invalid_fields
    from checked_attributes
),

documents as (
    select
        run_claims.run_id,
        tidy_files.file_path,
        run_claims.file_name,
        tidy_files.tidy_version as file_version,
        false as is_validity_fixture,
        'tidy' as source_format,
        null::varchar as file_problem,
        null::varchar as file_problem_detail,
        flagged_attributes.arch_name,
        flagged_attributes.dataset_name,
        flagged_attributes.num_steps,
        flagged_attributes.measurement_interval,
        flagged_attributes.final_accuracy,
        flagged_attributes.elapsed_time_seconds,
        flagged_attributes.invalid_fields
    from run_claims
    inner join tidy_files on run_claims.file_name = tidy_files.file_name
    left join flagged_attributes on run_claims.run_id = flagged_attributes.run_id
)

select * from documents
