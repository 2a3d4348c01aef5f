{#- What build_info records about a build: its settings and the versions that made it. -#}

{% macro analysis_var_names() -%}
    {#- Every var of dbt_project.yml that steers the analysis (runs_path has its own column).
        tests/test_build_info.py checks that this list names every var of dbt_project.yml. -#}
    {{ return([
        'analysis_mode', 'min_measurements', 'stabilization_window', 'stabilization_fraction',
        'jump_z_threshold', 'jump_types_max_k', 'jump_types_seed', 'critical_percentile',
        'coordinated_threshold', 'strong_coordination_threshold',
        'strong_loss_correlation_threshold', 'pattern_rho_threshold',
        'simultaneous_rho_threshold', 'pattern_p_value_threshold', 'noise_relative_magnitude',
        'robust_jump_z_threshold', 'null_permutations', 'null_seed', 'validity_fixtures_path',
        'validity_metric', 'validity_tolerance', 'validity_min_recall',
        'validity_max_false_positives_per_1000', 'null_timing_window', 'loss_coupling_strata',
        'false_discovery_rate', 'bootstrap_resamples', 'bootstrap_seed',
        'validity_warmup_measurements', 'agreement_tolerance', 'agreement_shift_fractions'
    ]) }}
{%- endmacro %}

{% macro analysis_settings_json() -%}
    {#- The analysis vars as one JSON object, keys in the order above. -#}
    {%- set settings = {} -%}
    {%- for name in analysis_var_names() -%}
        {%- do settings.update({name: var(name)}) -%}
    {%- endfor -%}
    {{ return(tojson(settings, sort_keys=false)) }}
{%- endmacro %}

{#- utc_timestamp_literal, null_timestamp and duckdb_version (each engine's
    spelling) are in macros/engine/build_info.sql. -#}
