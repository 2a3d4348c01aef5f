{#-
  Whole tables rebuilt only when their input changed: the cross-run tables (jumps over all
  runs, the jump typing's charts, the q-values over all runs) cost time in proportion to the
  archive, so a build that changes none of their input leaves them as they are.

  A model uses it in two places:
    config(**unchanged_table_config())
    ...
    {%- if inputs_unchanged() %} select * from {{ this }} where false
    {%- else %} select * from final {%- endif %}
  On DuckDB the table is incremental: when its input fingerprint changed, a pre-hook deletes
  every row and the new rows are appended (in one transaction); when it did not, nothing is
  read or written. On Spark it is a plain table, rebuilt at every build.

  The input fingerprint (input_fingerprint) holds the code of the model and of every model
  upstream of it, every setting, and the data of every model it reads: the run versions a
  per-run table holds, the fingerprint of another such table (both from
  bookkeeping.model_run_versions, macros/run_versions.sql), or, for any other table, its row
  count and an order-free hash of its rows; a view is looked through to what it reads. It is
  recorded as the row (model, '*', fingerprint) of bookkeeping.model_run_versions.
  `--full-refresh` always recomputes.
-#}

{% macro unchanged_table_config() -%}
    {{ return(adapter.dispatch('unchanged_table_config')()) }}
{%- endmacro %}

{% macro duckdb__unchanged_table_config() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'sync_all_columns',
        'pre_hook': '{{ delete_rows_when_inputs_changed() }}',
        'post_hook': '{{ record_input_fingerprint() }}',
    }) }}
{%- endmacro %}

{% macro spark__unchanged_table_config() -%}
    {{ return({'materialized': 'table'}) }}
{%- endmacro %}

{% macro fingerprint_parts(node_ids, recorded, parts, seen) -%}
    {#- One SQL expression per data input of these nodes (views looked through). -#}
    {%- for node_id in node_ids if node_id not in seen -%}
        {%- do seen.update({node_id: true}) -%}
        {%- set node = graph.nodes.get(node_id) or graph.sources.get(node_id) -%}
        {%- if node is none -%}
            {#- (a macro or another resource without data) -#}
        {%- elif node.resource_type == 'source' -%}
            {#- Files outside the warehouse: never taken as unchanged. -#}
            {%- do parts.append('uuid()::varchar') -%}
        {%- elif node.resource_type == 'model'
            and node.config.materialized in ('view', 'ephemeral') -%}
            {%- do fingerprint_parts(node.depends_on.nodes, recorded, parts, seen) -%}
        {%- elif node.resource_type == 'model' and node.alias in recorded -%}
            {%- do parts.append(
                "(select count(*)::varchar || ':' || coalesce(bit_xor(hash(run_id, run_version)), 0)"
                ~ " from " ~ run_versions_relation() ~ " where model_name = '" ~ node.alias ~ "')"
            ) -%}
        {%- else -%}
            {%- do parts.append(
                "(select count(*)::varchar || ':' || coalesce(bit_xor(hash(whole_table)), 0)"
                ~ " from " ~ node.relation_name ~ " as whole_table)"
            ) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}

{% macro input_fingerprint() -%}
    {#- This model's input fingerprint (a query's result, at execute time). -#}
    {%- set recorded_sql -%}
        select distinct model_name from {{ run_versions_relation() }}
    {%- endset -%}
    {%- set recorded = run_query(recorded_sql).columns[0].values() | list -%}
    {%- set parts = [] -%}
    {%- do fingerprint_parts(model.depends_on.nodes, recorded, parts, {}) -%}
    {%- set fingerprint_sql -%}
        select md5(
            '{{ model_version_key(true) }}'
            {%- for part in parts %}
                || '|' || {{ part }}
            {%- endfor %}
        )
    {%- endset -%}
    {{ return(run_query(fingerprint_sql).columns[0].values()[0]) }}
{%- endmacro %}

{% macro inputs_unchanged() -%}
    {#- True when this table exists and was built from the input it would be built from now. -#}
    {{ return(adapter.dispatch('inputs_unchanged')()) }}
{%- endmacro %}

{% macro duckdb__inputs_unchanged() -%}
    {#- (A unit test has no `this`.) -#}
    {%- if not execute or flags.FULL_REFRESH or this is none or load_relation(this) is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set held_sql -%}
        select run_version from {{ run_versions_relation() }}
        where model_name = '{{ this.identifier }}' and run_id = '*'
    {%- endset -%}
    {%- set held = run_query(held_sql).columns[0].values() | list -%}
    {{ return(held == [input_fingerprint()]) }}
{%- endmacro %}

{% macro spark__inputs_unchanged() -%}
    {{ return(false) }}
{%- endmacro %}

{% macro delete_rows_when_inputs_changed() -%}
    {#- pre_hook (DuckDB): the table's rows go when they are to be recomputed. -#}
    {%- if execute and this is not none and load_relation(this) is not none
        and not inputs_unchanged() -%}
        delete from {{ this }}
    {%- else -%}
        select 1 as rows_kept
    {%- endif -%}
{%- endmacro %}

{% macro record_input_fingerprint() -%}
    {#- post_hook: record the input fingerprint this table was built from. -#}
    {{ adapter.dispatch('record_input_fingerprint')() }}
{%- endmacro %}

{% macro duckdb__record_input_fingerprint() -%}
    {%- set fingerprint = input_fingerprint() if execute else '' -%}
    delete from {{ run_versions_relation() }} where model_name = '{{ this.identifier }}';
    insert into {{ run_versions_relation() }} (model_name, run_id, run_version)
    values ('{{ this.identifier }}', '*', '{{ fingerprint }}')
{%- endmacro %}

{% macro spark__record_input_fingerprint() -%}
    select 1 as input_fingerprint_recorded
{%- endmacro %}
