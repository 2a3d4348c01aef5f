{% macro runs_path() -%}
    {#- The runs folder (see dbt_project.yml): every model and macro asks here. The sources
        read the same lookup from `runs_folder` in _staging__sources.yml. -#}
    {{ return(var('runs_path', env_var('RUNS_PATH', 'demo_runs'))) }}
{%- endmacro %}
