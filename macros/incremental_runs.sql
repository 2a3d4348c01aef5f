{#-
  Per-run incremental refresh.

  Every per-run model stores a `run_version` per run: a hash of the version of the input it
  was computed from, of the model's own SQL and, for the analysis models, of the analysis
  settings. A build recomputes only the runs whose version changed (a new or edited file,
  edited SQL, other settings), replaces their rows (delete+insert on run_id) and drops the
  rows of runs that are gone. `dbt build --full-refresh` gives the same tables.
  How each engine does it (the model config, the removal of gone runs) is in
  macros/engine/incremental.sql.

  Parse once, analyse many times: the loading models (models/intermediate/loading) version
  their rows without the analysis settings (`with_settings=false`), so changing
  `analysis_mode` or a threshold recomputes the analyses from the parsed values and reads no
  run file.
-#}

{% macro analysis_settings() -%}
    {#- Every var that can change an analysed figure (analysis_var_names(), the list that
        build_info records); part of each run's version. -#}
    {%- for name in analysis_var_names() %}{{ name }}={{ var(name) }};{% endfor -%}
{%- endmacro %}

{% macro derived_run_version(upstream_version, with_settings=true) -%}
    {%- set model_key = model.raw_code ~ (analysis_settings() if with_settings else '') -%}
    md5({{ upstream_version }} || '{{ local_md5(model_key) }}')
{%- endmacro %}

{% macro upstream_run_versions(
    relation, upstream_version_column='run_version', with_settings=true, where=none
) -%}
    {#- (run_id, run_version) of every run of `relation` (where `where` holds), at the
        version this model gives it: what the model holds after a build
        (record_held_run_versions, macros/engine/held_run_versions.sql). -#}
    select
        run_id,
        any_value({{ derived_run_version(upstream_version_column, with_settings) }}) as run_version
    from {{ relation }}
    {%- if where %}
        where {{ where }}
    {%- endif %}
    group by run_id
{%- endmacro %}

{% macro only_new_run_versions(alias, upstream_version_column='run_version', with_settings=true) -%}
    {#- Incremental builds skip the runs whose current version this model already holds. -#}
    {%- if is_incremental() %}
        where not exists (
            select 1 from {{ held_run_versions() }} as loaded
            where
                loaded.run_id = {{ alias }}.run_id
                and loaded.run_version
                = {{ derived_run_version(alias ~ '.' ~ upstream_version_column, with_settings) }}
        )
    {%- endif %}
{%- endmacro %}

{% macro run_file_paths_to_read() -%}
    {#- Uncompressed run files to read this build: all of them, or in an incremental build
        the new and changed ones. Compiled into the SQL as escaped literals. -#}
    {#- (Compiling without a build, as a linter does, finds no inventory view yet.) -#}
    {%- if not execute or load_relation(ref('stg_training_runs__files')) is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set paths_sql -%}
        select files.file_path
        from {{ ref('stg_training_runs__files') }} as files
        {%- if is_incremental() %}
            anti join {{ this }} as loaded
                on files.file_path = loaded.file_path
                and files.file_version = loaded.file_version
        {%- endif %}
        where not files.is_read_by_python and files.listing_problem is null
        order by files.file_path
    {%- endset -%}
    {{ return(run_query(paths_sql).columns[0].values() | list) }}
{%- endmacro %}


{% macro parsed_run_file_paths() -%}
    {#- Run files without a file-level problem that are new or changed since the last build,
        and that DuckDB reads (not the .json.gz files and other files Python reads). -#}
    {#- (Compiling without a build, as a linter does, finds no documents table yet.) -#}
    {%- if load_relation(ref('int_ndt_documents_parsed')) is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set paths_sql -%}
        select documents.file_path
        from {{ ref('int_ndt_documents_parsed') }} as documents
        inner join {{ ref('stg_training_runs__files') }} as files
            on documents.file_path = files.file_path
        where
            documents.file_problem is null
            and not files.is_read_by_python
            {%- if is_incremental() %}
                and not exists (
                    select 1 from {{ held_run_versions('file_path', 'file_version') }} as loaded
                    where
                        loaded.run_id = documents.file_path
                        and loaded.run_version = documents.file_version
                )
            {%- endif %}
        order by documents.file_path
    {%- endset -%}
    {{ return(run_query(paths_sql).columns[0].values() | list) }}
{%- endmacro %}

