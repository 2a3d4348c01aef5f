{% macro bh_ranks(p_value, order_keys) -%}
    {#-
      Benjamini-Hochberg, step 1: the p-value's rank (1 = smallest) and the number of tests
      m in the family (the rows of the relation that have a p-value). One family per
      column: every row of the relation (for the marts, every run x metric).
      Emits `<p_value>_bh_rank` and `<p_value>_bh_tests`.
    -#}
    row_number() over (
        order by {{ p_value }} asc nulls last, {{ order_keys }}
    ) as {{ p_value }}_bh_rank,
    count({{ p_value }}) over () as {{ p_value }}_bh_tests
{%- endmacro %}

{% macro bh_q_value(p_value) -%}
    {#-
      Benjamini-Hochberg, step 2: q_(i) = min over j >= i of m p_(j) / j, capped at 1
      (a cumulative minimum from the largest p-value down). NULL where p is NULL.
      Needs the columns bh_ranks emitted.
    -#}
    case
        when {{ p_value }} is not null
            then least(1.0, min({{ p_value }} * {{ p_value }}_bh_tests / {{ p_value }}_bh_rank) over (
                order by {{ p_value }}_bh_rank desc
                rows between unbounded preceding and current row
            ))
    end
{%- endmacro %}

{% macro bh_rank_columns(p_values, order_keys) -%}
    {#- bh_ranks for each p-value column, comma-separated. -#}
    {%- for p_value in p_values %}
    {{ bh_ranks(p_value, order_keys) }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro bh_helper_columns(p_values) -%}
    {#- The helper columns bh_ranks emitted, comma-separated (for `exclude`). -#}
    {%- for p_value in p_values -%}
    {{ p_value }}_bh_rank, {{ p_value }}_bh_tests{{ ', ' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro bh_q_value_columns(p_values) -%}
    {#- One q-value column per p-value column: `x_p_value` gives `x_q_value`. -#}
    {%- for p_value in p_values %}
    {{ bh_q_value(p_value) }} as {{ p_value | replace('_p_value', '_q_value') }}
    {{- ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
