{#-
  Unnesting lists into rows, and the structs that carry several values per element, as
  DuckDB and Spark SQL spell them (macros/engine/hooks.sql says what this folder is).
-#}

{% macro index_range(n) -%}
    {#- The list 0 .. n-1 (BIGINT; empty when n < 1). -#}
    {{ adapter.dispatch('index_range')(n) }}
{%- endmacro %}

{% macro duckdb__index_range(n) -%}
    range({{ n }})
{%- endmacro %}

{% macro spark__index_range(n) -%}
    case
        when {{ n }} >= 1 then sequence(cast(0 as bigint), cast({{ n }} - 1 as bigint))
        else cast(array() as array<bigint>)
    end
{%- endmacro %}

{% macro unnest_list(values) -%}
    {#- Select-list item: one row per element of a list (the only generator of its select). -#}
    {{ adapter.dispatch('unnest_list')(values) }}
{%- endmacro %}

{% macro duckdb__unnest_list(values) -%}
    unnest({{ values }})
{%- endmacro %}

{% macro spark__unnest_list(values) -%}
    explode({{ values }})
{%- endmacro %}

{% macro unnest_side_by_side(lists) -%}
    {#- Select-list items: several lists unnested side by side, one row per index, the shorter
        lists padded with NULL. `lists`: [expression, alias] pairs. -#}
    {{ adapter.dispatch('unnest_side_by_side')(lists) }}
{%- endmacro %}

{% macro duckdb__unnest_side_by_side(lists) -%}
    {%- for values, alias in lists %}
        unnest({{ values }}) as {{ alias }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro spark__unnest_side_by_side(lists) -%}
    {#- arrays_zip pads the shorter arrays with NULL, as DuckDB's unnest. -#}
    inline(arrays_zip(
        {%- for values, alias in lists %}
        {{ values }}{{ ',' if not loop.last }}
        {%- endfor %}
    )) as ({% for values, alias in lists %}{{ alias }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{% macro unnest_structs(structs) -%}
    {#- Select-list item: one row per element of a list of structs, the struct's fields as
        columns. -#}
    {{ adapter.dispatch('unnest_structs')(structs) }}
{%- endmacro %}

{% macro duckdb__unnest_structs(structs) -%}
    unnest({{ structs }}, recursive := true)
{%- endmacro %}

{% macro spark__unnest_structs(structs) -%}
    inline({{ structs }})
{%- endmacro %}

{% macro struct_of(fields) -%}
    {#- A struct of named fields. `fields`: [name, expression] pairs. -#}
    {{ adapter.dispatch('struct_of')(fields) }}
{%- endmacro %}

{% macro duckdb__struct_of(fields) -%}
    struct_pack(
        {%- for name, value in fields %}
        {{ name }} := {{ value }}{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{% macro spark__struct_of(fields) -%}
    named_struct(
        {%- for name, value in fields %}
        '{{ name }}', {{ value }}{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{% macro unpivot_columns(select_sql, columns, name_column, value_column) -%}
    {#- The rows of `select_sql` (a query), one per row and column of `columns`: the
        column's name in `name_column`, its value in `value_column` (rows whose value is NULL
        left out), the other columns as they are. -#}
    {{ adapter.dispatch('unpivot_columns')(select_sql, columns, name_column, value_column) }}
{%- endmacro %}

{% macro duckdb__unpivot_columns(select_sql, columns, name_column, value_column) -%}
    unpivot (
        {{ select_sql }}
    )
    on {{ columns | join(', ') }}
    into name {{ name_column }} value {{ value_column }}
{%- endmacro %}

{% macro spark__unpivot_columns(select_sql, columns, name_column, value_column) -%}
    select *
    from (
        {{ select_sql }}
    )
    unpivot ({{ value_column }} for {{ name_column }} in ({{ columns | join(', ') }}))
{%- endmacro %}
