{{
    config(**per_run_incremental(
        'run_id',
        "{{ record_run_versions('int_runs_validated', with_settings=false, version_columns=['run_version', 'is_analyzed']) }}",
        on_schema_change=none,
    ))
}}
-- One row per run and step bin: the training loss (the mean per bin when a run has more
-- than chart_max_rows measurements).
-- Incremental by run: only runs whose version changed are recomputed (macros/run_versions.sql).

with run_versions as (
    {{ current_run_versions(
        'int_runs_validated', with_settings=false, version_columns=['run_version', 'is_analyzed']
    ) }}
),

changed_runs as (
    {{ changed_runs('run_versions') }}
),

losses as (
    select losses.* from {{ ref('losses') }} as losses
    semi join changed_runs on losses.run_id = changed_runs.run_id
),

bin_widths as (
    select
        run_id,
        {{ as_integer(
            'greatest(1, ceil((max(measurement_index) + 1) / ' ~ var('chart_max_rows') ~ '))'
        ) }}
            as bin_width
    from losses
    group by run_id
),

binned as (
    select
        losses.run_id,
        {{ integer_divide('losses.measurement_index', 'bin_widths.bin_width') }} as bin,
        min(losses.step) as step,
        {{ ordered_avg('losses.loss', 'losses.measurement_index') }} as loss,
        count(*) as n_measurements
    from losses
    inner join bin_widths on losses.run_id = bin_widths.run_id
    where losses.is_analyzed and losses.loss is not null
    group by all
),

final as (
    select {{ star_except(['bin']) }}
    from binned
    order by run_id, step
)

select * from final
