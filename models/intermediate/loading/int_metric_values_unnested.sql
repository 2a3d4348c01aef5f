{{
    config(**per_run_incremental(
        'run_id', "{{ delete_removed_runs('int_run_documents_loadable') }}",
        record_hook="{{ record_held_run_versions(upstream_run_versions(
            ref('int_run_documents_loadable'), 'file_version', with_settings=false
        )) }}",
    ))
}}
-- One row per run, measurement, layer and metric key found in the file, with its value
-- checked. A layer whose entry is not an object of metrics gets one row with a NULL metric.
-- Tidy runs: one row per (run, step, layer, metric) of the metrics file; a key given in more
-- than one row keeps no value ('duplicate_value').

with documents as (
    select * from {{ ref('int_run_documents_loadable') }}
),

tidy_metrics as (
    select * from {{ ref('int_tidy_metric_rows') }}
),

run_layer_entries as (
    select * from {{ ref('int_ndt_layer_entries') }}
),

changed_documents as (
    select * from documents
    {{- only_new_run_versions('documents', 'file_version', with_settings=false) }}
),

layer_entries as (
    select
        changed_documents.run_id,
        {{ derived_run_version('changed_documents.file_version', with_settings=false) }} as run_version,
        run_layer_entries.measurement_index,
        run_layer_entries.layer,
        run_layer_entries.metrics,
        run_layer_entries.position_in_measurement
    from run_layer_entries
    inner join changed_documents on run_layer_entries.file_path = changed_documents.file_path
    where changed_documents.source_format = 'ndt_json' and run_layer_entries.layer is not null
),

layer_order as (
    -- Forward order: the order in which layers first appear in the file.
    select
        run_id,
        layer,
        row_number() over (
            partition by run_id
            order by min(measurement_index), min(position_in_measurement)
        ) - 1 as layer_position
    from layer_entries
    group by run_id, layer
),

metric_entries as (
    select
        run_id,
        run_version,
        measurement_index,
        layer,
        {{ unnest_map('metrics', 'metric', 'raw_value') }}
    from layer_entries
    where metrics is not null
),

layers_not_objects as (
    select
        run_id,
        run_version,
        measurement_index,
        layer,
        null::string as metric,
        null::{{ json_type_name() }} as raw_value
    from layer_entries
    where metrics is null
),

ndt_checked as (
    select
        entries.run_id,
        entries.run_version,
        entries.measurement_index,
        entries.layer,
        layer_order.layer_position,
        entries.metric,
        case
            when {{ is_finite('try_cast(' ~ json_text('entries.raw_value') ~ ' as double)') }}
                then try_cast({{ json_text('entries.raw_value') }} as double)
        end as value,  -- noqa: RF04
        case
            when entries.metric is null then 'layer_not_object'
            when entries.raw_value is null or {{ json_kind('entries.raw_value') }} = 'NULL'
                then 'null_value'
            when {{ json_kind('entries.raw_value') }} not in ('DOUBLE', 'BIGINT', 'UBIGINT')
                then 'non_numeric_value'
            when not {{ is_finite('try_cast(' ~ json_text('entries.raw_value') ~ ' as double)') }}
                then 'non_finite_value'
        end as value_problem,
        left({{ json_text('entries.raw_value') }}, 60) as raw_text
    from (
        select * from metric_entries
        union all
        select * from layers_not_objects
    ) as entries
    inner join layer_order
        on entries.run_id = layer_order.run_id and entries.layer = layer_order.layer
),

tidy_entries as (
    select
        tidy_metrics.run_id,
        {{ derived_run_version('changed_documents.file_version', with_settings=false) }} as run_version,
        tidy_metrics.measurement_index,
        tidy_metrics.layer,
        tidy_metrics.layer_position,
        tidy_metrics.metric,
        count(*) as n_rows,
        min(tidy_metrics.value_text) as value_text,
        {{ ordered_string_agg(
            "coalesce(tidy_metrics.value_text, 'null')", "', '", 'tidy_metrics.file_row'
        ) }} as value_texts
    from tidy_metrics
    inner join changed_documents
        on
            tidy_metrics.run_id = changed_documents.run_id
            and tidy_metrics.file_name = changed_documents.file_name
    where changed_documents.source_format = 'tidy' and tidy_metrics.row_problem is null
    group by
        tidy_metrics.run_id,
        changed_documents.file_version,
        tidy_metrics.measurement_index,
        tidy_metrics.layer,
        tidy_metrics.layer_position,
        tidy_metrics.metric
),

tidy_checked as (
    select
        run_id,
        run_version,
        measurement_index,
        layer,
        layer_position,
        metric,
        case
            when n_rows = 1 and {{ is_finite('try_cast(value_text as double)') }}
                then try_cast(value_text as double)
        end as value,  -- noqa: RF04
        case
            when n_rows > 1 then 'duplicate_value'
            when value_text is null then 'null_value'
            when try_cast(value_text as double) is null then 'non_numeric_value'
            when not {{ is_finite('try_cast(value_text as double)') }} then 'non_finite_value'
        end as value_problem,
        left(
            case when n_rows > 1 then n_rows || ' rows: ' || value_texts else value_text end, 60
        ) as raw_text
    from tidy_entries
),

checked as (
    select * from ndt_checked
    union all
    select * from tidy_checked
)

select * from checked
