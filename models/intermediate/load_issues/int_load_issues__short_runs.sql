-- One row per analysed run whose series is too short for one stabilization window: its
-- stabilization (and so its convergence order) cannot be determined.
-- Columns as load_issues (see load_issues_columns()).

{%- set window = var('stabilization_window') | int %}
{#- Reference mode never examines the last full window, so it needs one more measurement. #}
{%- set is_reference = var('analysis_mode') == 'reference' %}
{%- set shortest_series = window + (1 if is_reference else 0) %}

with runs as (
    select * from {{ ref('int_runs_validated') }}
),

too_short as (
    select
        file_name,
        run_id,
        'too_short_for_window' as problem,
        n_complete_measurements || ' complete measurements; the stabilization window of '
        || '{{ window }} needs at least {{ shortest_series }}'
        {%- if is_reference %} || ' in reference mode'{% endif %} as detail,
        'stabilization undetermined' as consequence
    from runs
    where
        is_analyzed
        and not is_validity_fixture
        and n_complete_measurements < {{ shortest_series }}
),

final as (
    {{ load_issues_columns('too_short') }}
)

select * from final
