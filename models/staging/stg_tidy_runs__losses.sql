-- One row per row of the tidy losses file (losses.parquet and/or losses.csv), typed. The loss
-- of a measurement is matched on run id and step by the loading models.

{%- set losses_sources = {'losses.parquet': 'losses_parquet', 'losses.csv': 'losses_csv'} %}
{#- read_parquet/read_csv fail on a file that does not exist: find the files at compile time. #}
{%- set present_files = [] %}
{%- if execute %}
    {%- set present_sql -%}
        select parse_filename(filename)
        from read_blob({{ glob_literal(runs_path()) }})
        where
            size > 0
            and list_contains({{ string_list_literal(losses_sources.keys() | list) }}, parse_filename(filename))
    {%- endset %}
    {%- set present_files = run_query(present_sql).columns[0].values() | list %}
{%- endif %}

with tidy_files as (
    select * from {{ ref('stg_tidy_runs__files') }}
),

empty_rows as (
    -- The typed shape when no losses file exists.
    select
        null::varchar as file_name,
        null::varchar as run_id,
        null::varchar as step,
        null::varchar as loss
    where false
),

{%- for file_name in present_files %}

{{ losses_sources[file_name] }}_rows as (
    select
        {{ string_literal(file_name) }} as file_name,
        -- Only the known columns; a missing one is NULL (the file is then not loaded).
        columns('(?i)^(run_id|step|loss)$')
    from {{ source('tidy_runs', losses_sources[file_name]) }}
),
{%- endfor %}

file_rows as (
    select * from empty_rows
    {%- for file_name in present_files %}
        union all by name
        select * from {{ losses_sources[file_name] }}_rows
    {%- endfor %}
),

loadable_rows as (
    -- Rows of files with every required column (the others are reported by file).
    select file_rows.*
    from file_rows
    semi join tidy_files
        on file_rows.file_name = tidy_files.file_name and tidy_files.file_problem is null
),

typed as (
    select
        file_name,
        run_id,
        step as step_text,
        case
            when
                isfinite(try_cast(step as double))
                and try_cast(step as double) = floor(try_cast(step as double))
                then try_cast(try_cast(step as double) as bigint)
        end as step,
        loss as loss_text,
        try_cast(loss as double) as loss_number
    from loadable_rows
)

select * from typed
