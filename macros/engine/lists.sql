{#-
  Lists, the functions DuckDB and Spark SQL spell differently (macros/engine/hooks.sql says what
  this folder is; scalars are in functions.sql, unnesting in unnesting.sql). Each compiles on
  DuckDB to exactly what the models wrote before.
-#}

{#- DuckDB list lambdas, Spark higher-order functions. Indices are 1-based in the models, as
    DuckDB's lists; `index_range_*` run a 0-based index over range(n). -#}

{% macro list_map(values, variable, expression) -%}
    {{ adapter.dispatch('list_map')(values, variable, expression) }}
{%- endmacro %}

{% macro duckdb__list_map(values, variable, expression) -%}
    list_transform({{ values }}, lambda {{ variable }}: {{ expression }})
{%- endmacro %}

{% macro spark__list_map(values, variable, expression) -%}
    transform({{ values }}, {{ variable }} -> {{ expression }})
{%- endmacro %}

{% macro index_range_map(n, variable, expression) -%}
    {#- [expression for variable in 0 .. n-1] (empty when n < 1). -#}
    {{ adapter.dispatch('index_range_map')(n, variable, expression) }}
{%- endmacro %}

{% macro duckdb__index_range_map(n, variable, expression) -%}
    list_transform(range({{ n }}), lambda {{ variable }}: {{ expression }})
{%- endmacro %}

{% macro spark__index_range_map(n, variable, expression) -%}
    {#- Over a typed (BIGINT) empty list when n < 1: the result has the expression's type. -#}
    transform({{ spark__index_range(n) }}, {{ variable }} -> {{ expression }})
{%- endmacro %}

{% macro index_range_filter(n, variable, predicate) -%}
    {#- [variable for variable in 0 .. n-1 if predicate] (empty when n < 1). -#}
    {{ adapter.dispatch('index_range_filter')(n, variable, predicate) }}
{%- endmacro %}

{% macro duckdb__index_range_filter(n, variable, predicate) -%}
    list_filter(range({{ n }}), lambda {{ variable }}: {{ predicate }})
{%- endmacro %}

{% macro spark__index_range_filter(n, variable, predicate) -%}
    case
        when {{ n }} >= 1
            then filter(
                transform(sequence(0, cast({{ n }} - 1 as int)), index -> cast(index as bigint)),
                {{ variable }} -> {{ predicate }}
            )
        else cast(array() as array<bigint>)
    end
{%- endmacro %}

{% macro list_at(values, index) -%}
    {#- The element at 1-based `index`, NULL beyond the list. -#}
    {{ adapter.dispatch('list_at')(values, index) }}
{%- endmacro %}

{% macro duckdb__list_at(values, index) -%}
    {{ values }}[{{ index }}]
{%- endmacro %}

{% macro spark__list_at(values, index) -%}
    try_element_at({{ values }}, cast({{ index }} as int))
{%- endmacro %}

{% macro list_mean(values) -%}
    {{ adapter.dispatch('list_mean')(values) }}
{%- endmacro %}

{% macro duckdb__list_mean(values) -%}
    list_avg({{ values }})
{%- endmacro %}

{% macro spark__list_mean(values) -%}
    try_divide(aggregate({{ values }}, cast(0 as double), (total, x) -> total + x), size({{ values }}))
{%- endmacro %}

{% macro list_quantile(values, fraction) -%}
    {#- Continuous quantile (linear interpolation, numpy's default) of a list of numbers. -#}
    {{ adapter.dispatch('list_quantile')(values, fraction) }}
{%- endmacro %}

{% macro duckdb__list_quantile(values, fraction) -%}
    list_aggregate({{ values }}, 'quantile_cont', {{ fraction }})
{%- endmacro %}

{% macro list_median(values) -%}
    {{ adapter.dispatch('list_median')(values) }}
{%- endmacro %}

{% macro duckdb__list_median(values) -%}
    list_median({{ values }})
{%- endmacro %}

{% macro spark__list_median(values) -%}
    {{ spark__list_quantile(values, 0.5) }}
{%- endmacro %}

{% macro spark__list_quantile(values, fraction) -%}
    {#- As DuckDB: position p = q (n - 1); v[floor p] + (v[ceil p] - v[floor p]) (p - floor p),
        v[p] when p is whole (1-based element_at below, so + 1). -#}
    element_at(transform(array(array_sort({{ values }})), sorted -> element_at(transform(
        array(cast({{ fraction }} as double) * (size(sorted) - 1)),
        position -> case
            when size(sorted) = 0 then cast(null as double)
            when floor(position) = position
                then element_at(sorted, cast(position as int) + 1)
            else
                element_at(sorted, cast(floor(position) as int) + 1)
                + (
                    element_at(sorted, cast(floor(position) as int) + 2)
                    - element_at(sorted, cast(floor(position) as int) + 1)
                ) * (position - floor(position))
        end
    ), 1)), 1)
{%- endmacro %}

{% macro list_slice_var_pop(values, start, length, end=none) -%}
    {#- Population variance of `length` elements from 1-based `start`; `end` (optional) is the
        1-based last index as the caller spells it (DuckDB's slice bound, the same position). -#}
    {{ adapter.dispatch('list_slice_var_pop')(values, start, length, end) }}
{%- endmacro %}

{% macro duckdb__list_slice_var_pop(values, start, length, end=none) -%}
    list_var_pop({{ values }}[{{ start }}:{{ end if end is not none else start ~ ' + ' ~ (length - 1) }}])
{%- endmacro %}

{% macro spark__list_slice_var_pop(values, start, length, end=none) -%}
    {#- Two passes (mean, then squared deviations); DuckDB streams (Welford): equal to ~1e-15. -#}
    element_at(transform(array(slice({{ values }}, cast({{ start }} as int), {{ length }})), part ->
        element_at(transform(
            array(aggregate(part, cast(0 as double), (total, x) -> total + x) / size(part)),
            part_mean -> aggregate(
                part, cast(0 as double), (total, x) -> total + (x - part_mean) * (x - part_mean)
            ) / size(part)
        ), 1)
    ), 1)
{%- endmacro %}

{% macro list_where(values, variable, predicate) -%}
    {#- The elements of a list for which `predicate` holds. -#}
    {{ adapter.dispatch('list_where')(values, variable, predicate) }}
{%- endmacro %}

{% macro duckdb__list_where(values, variable, predicate) -%}
    list_filter({{ values }}, lambda {{ variable }}: {{ predicate }})
{%- endmacro %}

{% macro spark__list_where(values, variable, predicate) -%}
    filter({{ values }}, {{ variable }} -> {{ predicate }})
{%- endmacro %}

{% macro list_length(values) -%}
    {{ adapter.dispatch('list_length')(values) }}
{%- endmacro %}

{% macro duckdb__list_length(values) -%}
    len({{ values }})
{%- endmacro %}

{% macro spark__list_length(values) -%}
    cast(size({{ values }}) as bigint)
{%- endmacro %}

{% macro list_contains(values, value) -%}
    {{ adapter.dispatch('list_contains')(values, value) }}
{%- endmacro %}

{% macro duckdb__list_contains(values, value) -%}
    list_contains({{ values }}, {{ value }})
{%- endmacro %}

{% macro spark__list_contains(values, value) -%}
    array_contains({{ values }}, {{ value }})
{%- endmacro %}

{% macro list_position(values, value) -%}
    {#- The 1-based position of `value` in a list, NULL when it is not there. -#}
    {{ adapter.dispatch('list_position')(values, value) }}
{%- endmacro %}

{% macro duckdb__list_position(values, value) -%}
    list_position({{ values }}, {{ value }})
{%- endmacro %}

{% macro spark__list_position(values, value) -%}
    nullif(array_position({{ values }}, {{ value }}), 0)
{%- endmacro %}

{% macro list_head(values, n) -%}
    {#- The first `n` elements of a list (all of them when it is shorter). -#}
    {{ adapter.dispatch('list_head')(values, n) }}
{%- endmacro %}

{% macro duckdb__list_head(values, n) -%}
    {{ values }}[1:{{ n }}]
{%- endmacro %}

{% macro spark__list_head(values, n) -%}
    slice({{ values }}, 1, {{ n }})
{%- endmacro %}

{% macro list_join(values, separator) -%}
    {#- A list of texts joined by `separator`. -#}
    {{ adapter.dispatch('list_join')(values, separator) }}
{%- endmacro %}

{% macro duckdb__list_join(values, separator) -%}
    array_to_string({{ values }}, {{ separator }})
{%- endmacro %}

{% macro spark__list_join(values, separator) -%}
    array_join({{ values }}, {{ separator }})
{%- endmacro %}

{% macro empty_list() -%}
    {#- A list with no elements (its element type taken from where it is used). -#}
    {{ adapter.dispatch('empty_list')() }}
{%- endmacro %}

{% macro duckdb__empty_list() -%}
    []
{%- endmacro %}

{% macro spark__empty_list() -%}
    array()
{%- endmacro %}
