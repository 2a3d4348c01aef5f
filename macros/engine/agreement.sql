{#-
  The agreement models' engine-specific pieces (macros/agreement.sql,
  models/intermediate/int_loss_agreement_runs.sql): the as-of join that finds the other
  side's nearest event, and list literals.
-#}

{% macro nearest_at_or_below_join(probes, targets, keys, probe_index, target_index) -%}
    {#- A query: every row of `probes` (all its columns) with `nearest_index`, the largest
        `target_index` of the `targets` rows with the same `keys` (columns of both) at or
        below the probe's `probe_index` (a column of `probes`), NULL when there is none. -#}
    {{ adapter.dispatch('nearest_at_or_below_join')(
        probes, targets, keys, probe_index, target_index
    ) }}
{%- endmacro %}

{% macro duckdb__nearest_at_or_below_join(probes, targets, keys, probe_index, target_index) -%}
    select
        {{ probes }}.*,
        nearest.{{ target_index }} as nearest_index
    from {{ probes }}
    asof left join {{ targets }} as nearest
        on
            {%- for key in keys %}
            {{ probes }}.{{ key }} = nearest.{{ key }}
            and
            {%- endfor %}
            {{ probes }}.{{ probe_index }} >= nearest.{{ target_index }}
{%- endmacro %}

{% macro spark__nearest_at_or_below_join(probes, targets, keys, probe_index, target_index) -%}
    {#- Spark has no as-of join. The distinct probe positions and the targets, in one list
        sorted by index per `keys` (a target before a probe at the same index: at or below
        includes equal), carry the running maximum of the targets' indices: at a probe's
        row, the nearest target at or below it. The probes then take it by an equi-join. -#}
    {%- set key_list = keys | join(', ') %}
    select
        {{ probes }}.*,
        nearest.nearest_index
    from {{ probes }}
    left join (
        select
            {{ key_list }},
            sort_index,
            max(case when is_target then sort_index end) over (
                partition by {{ key_list }}
                order by sort_index, is_target desc
                rows between unbounded preceding and current row
            ) as nearest_index,
            is_target
        from (
            select distinct
                {{ key_list }},
                {{ probe_index }} as sort_index,
                false as is_target
            from {{ probes }}
            union all
            select
                {{ key_list }},
                {{ target_index }} as sort_index,
                true as is_target
            from {{ targets }}
        )
    ) as nearest
        on
            {%- for key in keys %}
            {{ probes }}.{{ key }} = nearest.{{ key }}
            and
            {%- endfor %}
            {{ probes }}.{{ probe_index }} = nearest.sort_index
            and not nearest.is_target
{%- endmacro %}

{% macro double_list_literal(values) -%}
    {#- A list of DOUBLEs from a list of numbers (a var). -#}
    {{ adapter.dispatch('double_list_literal')(values) }}
{%- endmacro %}

{% macro duckdb__double_list_literal(values) -%}
    {{ values }}::double[]
{%- endmacro %}

{% macro spark__double_list_literal(values) -%}
    array({% for value in values %}cast({{ value }} as double){{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro null_bigint_list() -%}
    {#- A NULL of the type list of BIGINT. -#}
    {{ adapter.dispatch('null_bigint_list')() }}
{%- endmacro %}

{% macro duckdb__null_bigint_list() -%}
    null::bigint[]
{%- endmacro %}

{% macro spark__null_bigint_list() -%}
    cast(null as array<bigint>)
{%- endmacro %}
