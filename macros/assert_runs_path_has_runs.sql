{% macro runs_path() -%}
    {#- The runs folder (see dbt_project.yml): every model and macro asks here. The sources
        read the same lookup from `runs_folder` in _staging__sources.yml. -#}
    {{ return(var('runs_path', env_var('RUNS_PATH', 'demo_runs'))) }}
{%- endmacro %}

{% macro assert_runs_path_has_runs() %}
    {#- Fail early, naming the folder, instead of building empty tables. -#}
    {%- if execute -%}
        {%- set count_sql -%}
            select count(*)
            from glob({{ string_literal(runs_path() ~ '/*') }})
            where
                ends_with(file, '.json')
                or ends_with(file, '.json.gz')
                or parse_filename(file) in ('metrics.parquet', 'metrics.csv')
        {%- endset -%}
        {%- if run_query(count_sql).columns[0].values()[0] == 0 -%}
            {{ exceptions.raise_compiler_error(
                "No training runs in runs_path '" ~ runs_path() ~ "': expected *.json or "
                ~ "*.json.gz run files, or metrics.parquet / metrics.csv (tidy format). "
                ~ "`make run` generates demo runs; `make run RUNS=/path/to/runs` uses yours."
            ) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
