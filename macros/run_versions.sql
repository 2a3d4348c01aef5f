{#-
  Per-run incremental tables that keep no version column (the chart data of
  models/reporting): which version of each run a table holds is kept in one small
  bookkeeping table, bookkeeping.model_run_versions (model_name, run_id, run_version), a
  few rows per run. A build recomputes the runs whose version changed, replaces their rows
  (delete+insert on run_id), drops the rows of runs that are gone and records the versions
  it now holds; with nothing changed it reads only that small table and writes nothing.

  A model uses it in three places, with the same arguments:
    config(materialized='incremental', unique_key='run_id', incremental_strategy='delete+insert',
           post_hook="{{ record_run_versions(<upstream>, [<cross-run models>]) }}")
    run_versions as ({{ current_run_versions(<upstream>, [<cross-run models>]) }}),
    changed_runs as ({{ changed_runs('run_versions') }}),
  then reads its inputs for `changed_runs` only.

  A run's version: its upstream version (run_version of the upstream model: the file, and
  for analysis models their settings), the code of this model and of every model upstream
  of it, every analysis setting, the chart settings, the fingerprint of each cross-run
  model it reads (what is not per run: the jump typing) and each cross-run value it reads
  (`cross_run_values`: one scalar query each, such as the bins a run gets, which moves with
  the number of runs only when the division does).
-#}

{% macro run_versions_relation() -%}
    bookkeeping.model_run_versions
{%- endmacro %}

{% macro create_run_versions_table() -%}
    {#- on-run-start (dbt_project.yml): the bookkeeping table exists before any model runs
        (per engine: macros/engine/hooks.sql). -#}
    {{ adapter.dispatch('create_run_versions_table')() }}
{%- endmacro %}

{% macro ancestor_checksums(node_ids, seen) -%}
    {#- The code checksums of these nodes and of every node upstream of them, once each. -#}
    {%- for node_id in node_ids if node_id not in seen and node_id in graph.nodes -%}
        {%- set node = graph.nodes[node_id] -%}
        {%- do seen.update({node_id: node.checksum.checksum}) -%}
        {%- do ancestor_checksums(node.depends_on.nodes, seen) -%}
    {%- endfor -%}
{%- endmacro %}

{% macro model_version_key(with_settings) -%}
    {#- This model's code, the code of everything upstream of it, the chart settings and
        (unless the model depends on none) every analysis setting: a change to any of them
        changes every run's version. -#}
    {%- set seen = {} -%}
    {%- if execute -%}{%- do ancestor_checksums(model.depends_on.nodes, seen) -%}{%- endif -%}
    {%- set upstream_code = seen | dictsort | map('last') | join(',') -%}
    {{- return(local_md5(model.raw_code ~ upstream_code
        ~ (analysis_settings() if with_settings else '')
        ~ 'chart_max_rows=' ~ var('chart_max_rows'))) -}}
{%- endmacro %}

{% macro current_run_versions(
    upstream_model, cross_run_models=[], with_settings=true, version_columns=['run_version'],
    cross_run_values=[]
) -%}
    {#- run_id, run_version of every run of the upstream model, from its `version_columns`.
        `with_settings=false` for a model that depends on no analysis setting but through
        those columns (the chart data of the values, through `is_analyzed`).
        `cross_run_models`: models whose whole content is part of every run's version (a
        cross-run count, the jump typing), fingerprinted once per build (row count and an
        order-free hash). `cross_run_values`: scalar queries whose value is part of every
        run's version (finer than a whole model's fingerprint). -#}
    select
        run_id,
        md5(
            {%- for column in version_columns %}
                {{ version_text('any_value(' ~ column ~ ')') }} || '|' ||
            {%- endfor %}
            '{{ model_version_key(with_settings) }}'
            {%- for cross_run_model in cross_run_models %}
                || '|' || (
                    {{ table_fingerprint(ref(cross_run_model)) }}
                )
            {%- endfor %}
            {%- for value_sql in cross_run_values %}
                || '|' || coalesce({{ version_text('(' ~ value_sql ~ ')') }}, '')
            {%- endfor %}
        ) as run_version
    from {{ ref(upstream_model) }}
    group by run_id
{%- endmacro %}

{% macro changed_runs(run_versions_cte) -%}
    {#- Every run in a full build; in an incremental build, those whose version this model
        does not hold. -#}
    select run_id from {{ run_versions_cte }}
    {%- if is_incremental() %}
        where not exists (
            select 1 from {{ run_versions_relation() }} as recorded
            where
                recorded.model_name = '{{ this.identifier }}'
                and recorded.run_id = {{ run_versions_cte }}.run_id
                and recorded.run_version = {{ run_versions_cte }}.run_version
        )
    {%- endif %}
{%- endmacro %}

{% macro record_run_versions(
    upstream_model, cross_run_models=[], with_settings=true, version_columns=['run_version'],
    cross_run_values=[]
) -%}
    {#- post_hook: drop the rows of runs that are gone, then record the versions held. -#}
    {%- set versions_sql = current_run_versions(
        upstream_model, cross_run_models, with_settings, version_columns, cross_run_values
    ) -%}
    {{ adapter.dispatch('record_run_versions')(versions_sql) }}
{%- endmacro %}

{% macro duckdb__record_run_versions(versions_sql) -%}
    {%- set recorded_sql -%}
        select count(*) from {{ run_versions_relation() }}
        where model_name = '{{ this.identifier }}'
    {%- endset -%}
    {%- set has_record = execute and run_query(recorded_sql).columns[0].values()[0] > 0 -%}
    delete from {{ this }}
    where run_id in (
        {%- if has_record %}
            {#- The runs it held at the last build (a few rows), less the current ones. #}
            select run_id from {{ run_versions_relation() }}
            where model_name = '{{ this.identifier }}'
        {%- else %}
            {#- No record yet (a table built before this bookkeeping): look at every row. #}
            select distinct run_id from {{ this }}
        {%- endif %}
        except
        select run_id from ({{ versions_sql }})
    );
    delete from {{ run_versions_relation() }} where model_name = '{{ this.identifier }}';
    insert into {{ run_versions_relation() }} (model_name, run_id, run_version)
    select '{{ this.identifier }}', run_id, run_version from ({{ versions_sql }})
{%- endmacro %}

{% macro spark__record_run_versions(versions_sql) -%}
    {#- Spark's parquet tables have no DELETE: the gone runs' partitions of this table are
        dropped (spark__remove_gone_keys), and this model's partition of the bookkeeping
        table (partitioned by model_name, macros/engine/hooks.sql) is overwritten. -#}
    {%- do spark__remove_gone_keys('run_id', 'select run_id from (' ~ versions_sql ~ ')') -%}
    insert overwrite table {{ run_versions_relation() }}
    partition (model_name = {{ string_literal(this.identifier) }})
    select run_id, run_version from ({{ versions_sql }})
{%- endmacro %}

{% macro version_text(expression) -%}
    {#- A value as text in a run version (DuckDB `::varchar`). -#}
    {{ adapter.dispatch('version_text')(expression) }}
{%- endmacro %}

{% macro duckdb__version_text(expression) -%}
    {{ expression }}::varchar
{%- endmacro %}

{% macro spark__version_text(expression) -%}
    cast({{ expression }} as string)
{%- endmacro %}

{% macro table_fingerprint(relation) -%}
    {#- A query of one text: the row count and an order-free hash of every row (each
        engine's own hash, so the text differs between DuckDB and Spark). -#}
    {{ adapter.dispatch('table_fingerprint')(relation) }}
{%- endmacro %}

{% macro duckdb__table_fingerprint(relation) -%}
    select count(*) || ':' || coalesce(bit_xor(hash(whole_table)), 0)
                    from {{ relation }} as whole_table
{%- endmacro %}

{% macro spark__table_fingerprint(relation) -%}
    select
        cast(count(*) as string) || ':' || cast(coalesce(bit_xor(xxhash64(*)), 0) as string)
    from {{ relation }} as whole_table
{%- endmacro %}
