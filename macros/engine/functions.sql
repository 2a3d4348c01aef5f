{#-
  Small functions and types that DuckDB and Spark SQL spell differently (macros/engine/hooks.sql
  says what this folder is). Each compiles on DuckDB to exactly what the models wrote before.
-#}

{% macro is_finite(number) -%}
    {{ adapter.dispatch('is_finite')(number) }}
{%- endmacro %}

{% macro duckdb__is_finite(number) -%}
    isfinite({{ number }})
{%- endmacro %}

{% macro spark__is_finite(number) -%}
    {#- NULL for NULL, as DuckDB's isfinite. -#}
    (not isnan({{ number }}) and abs({{ number }}) != double('infinity'))
{%- endmacro %}

{% macro json_text(value) -%}
    {#- A JSON value (DuckDB JSON, Spark VARIANT) as its JSON text. DuckDB keeps a number as
        written; Spark writes it back from its parsed value (`1e3` is `1000.0`, `2.50` is
        `2.5`): the same number, read back as the same double. -#}
    {{ adapter.dispatch('json_text')(value) }}
{%- endmacro %}

{% macro duckdb__json_text(value) -%}
    {{ value }}::varchar
{%- endmacro %}

{% macro spark__json_text(value) -%}
    to_json({{ value }})
{%- endmacro %}

{% macro json_kind(value) -%}
    {#- The kind of a JSON value in DuckDB's json_type() words: NULL, BOOLEAN, BIGINT, UBIGINT,
        DOUBLE, VARCHAR, ARRAY, OBJECT. On Spark, a VARIANT's integers are BIGINT, its
        decimals and doubles DOUBLE, its strings VARCHAR. -#}
    {{ adapter.dispatch('json_kind')(value) }}
{%- endmacro %}

{% macro duckdb__json_kind(value) -%}
    json_type({{ value }})
{%- endmacro %}

{% macro spark__json_kind(value) -%}
    case regexp_extract(schema_of_variant({{ value }}), '^[A-Z]+', 0)
        when 'VOID' then 'NULL'
        when 'BOOLEAN' then 'BOOLEAN'
        when 'TINYINT' then 'BIGINT'
        when 'SMALLINT' then 'BIGINT'
        when 'INT' then 'BIGINT'
        when 'BIGINT' then 'BIGINT'
        when 'DECIMAL' then 'DOUBLE'
        when 'FLOAT' then 'DOUBLE'
        when 'DOUBLE' then 'DOUBLE'
        when 'STRING' then 'VARCHAR'
        when 'ARRAY' then 'ARRAY'
        when 'OBJECT' then 'OBJECT'
        else regexp_extract(schema_of_variant({{ value }}), '^[A-Z]+', 0)
    end
{%- endmacro %}

{% macro json_type_name() -%}
    {#- The type of a column of JSON values. -#}
    {{ adapter.dispatch('json_type_name')() }}
{%- endmacro %}

{% macro duckdb__json_type_name() -%}
    json
{%- endmacro %}

{% macro spark__json_type_name() -%}
    variant
{%- endmacro %}

{% macro row_value(first, second) -%}
    {#- An anonymous pair, for count(distinct ...) of two columns (a pair with NULLs counts). -#}
    {{ adapter.dispatch('row_value')(first, second) }}
{%- endmacro %}

{% macro duckdb__row_value(first, second) -%}
    ({{ first }}, {{ second }})
{%- endmacro %}

{% macro spark__row_value(first, second) -%}
    struct({{ first }}, {{ second }})
{%- endmacro %}

{% macro ordered_list(value, order_by) -%}
    {#- Aggregate: the group's `value`s as a list in `order_by` order (unique per group). -#}
    {{ adapter.dispatch('ordered_list')(value, order_by) }}
{%- endmacro %}

{% macro duckdb__ordered_list(value, order_by) -%}
    list({{ value }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_list(value, order_by) -%}
    transform(
        array_sort(collect_list(struct({{ order_by }} as sort_key, {{ value }} as list_value))),
        entry -> entry.list_value
    )
{%- endmacro %}

{% macro successive_differences(values, n_values) -%}
    {#- x[i+1] - x[i] for i = 0 .. n-2 of a list of `n_values` numbers (empty for n < 2). -#}
    {{ adapter.dispatch('successive_differences')(values, n_values) }}
{%- endmacro %}

{% macro duckdb__successive_differences(values, n_values) -%}
    list_transform(range({{ n_values }} - 1), lambda i: {{ values }}[i + 2] - {{ values }}[i + 1])
{%- endmacro %}

{% macro spark__successive_differences(values, n_values) -%}
    case
        when {{ n_values }} >= 2
            then transform(
                sequence(0, cast({{ n_values }} - 2 as int)),
                i -> element_at({{ values }}, i + 2) - element_at({{ values }}, i + 1)
            )
        else cast(array() as array<double>)
    end
{%- endmacro %}

{% macro is_integer_text(text) -%}
    {#- Text that is an integer (optional sign, digits), spaces around allowed. -#}
    {{ adapter.dispatch('is_integer_text')(text) }}
{%- endmacro %}

{% macro duckdb__is_integer_text(text) -%}
    regexp_full_match(trim({{ text }}), '[+-]?[0-9]+')
{%- endmacro %}

{% macro spark__is_integer_text(text) -%}
    regexp_like(trim({{ text }}), '^[+-]?[0-9]+$')
{%- endmacro %}

{% macro integer_text_as_bigint(text) -%}
    {#- Integer text as a BIGINT exactly, NULL when beyond 64 bits. -#}
    {{ adapter.dispatch('integer_text_as_bigint')(text) }}
{%- endmacro %}

{% macro duckdb__integer_text_as_bigint(text) -%}
    try_cast(try_cast(trim({{ text }}) as hugeint) as bigint)
{%- endmacro %}

{% macro spark__integer_text_as_bigint(text) -%}
    try_cast(trim({{ text }}) as bigint)
{%- endmacro %}

{% macro ordered_string_agg(text, separator, order_by) -%}
    {#- Aggregate: the group's texts joined by `separator` in `order_by` order. -#}
    {{ adapter.dispatch('ordered_string_agg')(text, separator, order_by) }}
{%- endmacro %}

{% macro duckdb__ordered_string_agg(text, separator, order_by) -%}
    string_agg({{ text }}, {{ separator }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_string_agg(text, separator, order_by) -%}
    array_join(
        transform(
            array_sort(collect_list(struct({{ order_by }} as sort_key, {{ text }} as list_value))),
            entry -> entry.list_value
        ),
        {{ separator }}
    )
{%- endmacro %}

{% macro unnest_map(map_column, key_alias, value_alias) -%}
    {#- Select-list items: one row per entry of a map (file order, repeated keys kept), as
        `key_alias`, `value_alias`. -#}
    {{ adapter.dispatch('unnest_map')(map_column, key_alias, value_alias) }}
{%- endmacro %}

{% macro duckdb__unnest_map(map_column, key_alias, value_alias) -%}
    unnest(map_keys({{ map_column }})) as {{ key_alias }},
        unnest(map_values({{ map_column }})) as {{ value_alias }}
{%- endmacro %}

{% macro spark__unnest_map(map_column, key_alias, value_alias) -%}
    explode({{ map_column }}) as ({{ key_alias }}, {{ value_alias }})
{%- endmacro %}

{#- Lists (DuckDB list lambdas, Spark higher-order functions). Indices are 1-based in the
    models, as DuckDB's lists; `index_range_*` run a 0-based index over range(n). -#}

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

{#- Unnesting lists into rows, and the structs that carry several values per element. -#}

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

{% macro star_except(columns, relation=none) -%}
    {#- Select-list item: every column but `columns` (of `relation` alone when given:
        `relation.* ...`; the columns may then be named `relation.column`). -#}
    {{ adapter.dispatch('star_except')(columns, relation) }}
{%- endmacro %}

{% macro duckdb__star_except(columns, relation=none) -%}
    {% if relation %}{{ relation }}.{% endif %}* exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__star_except(columns, relation=none) -%}
    {% if relation %}{{ relation }}.{% endif %}* except ({{ columns | join(', ') }})
{%- endmacro %}

{% macro union_all_by_name() -%}
    {#- Between selects whose columns are the same, in the same order (Spark has no
        `union all by name`: there it is a positional `union all`). -#}
    {{ adapter.dispatch('union_all_by_name')() }}
{%- endmacro %}

{% macro duckdb__union_all_by_name() -%}
    union all by name
{%- endmacro %}

{% macro spark__union_all_by_name() -%}
    union all
{%- endmacro %}

{% macro text_after_first(text, separator) -%}
    {#- The text after the first `separator` (all of it when there is none). -#}
    {{ adapter.dispatch('text_after_first')(text, separator) }}
{%- endmacro %}

{% macro duckdb__text_after_first(text, separator) -%}
    {{ text }}[strpos({{ text }}, {{ separator }}) + 1:]
{%- endmacro %}

{% macro spark__text_after_first(text, separator) -%}
    substr({{ text }}, instr({{ text }}, {{ separator }}) + 1)
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

{% macro ordered_avg(value, order_by) -%}
    {#- Aggregate: the mean of the group's non-NULL `value`s summed in `order_by` order (a float
        sum's last bits depend on the order of its terms). -#}
    {{ adapter.dispatch('ordered_avg')(value, order_by) }}
{%- endmacro %}

{% macro duckdb__ordered_avg(value, order_by) -%}
    avg({{ value }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_avg(value, order_by) -%}
    {{ spark__list_mean(spark__list_where(
        spark__ordered_list(value, 'struct(' ~ order_by ~ ')'), 'ordered_value', 'ordered_value is not null'
    )) }}
{%- endmacro %}

{% macro double_literal(number) -%}
    {#- A number literal typed DOUBLE where it matters: DuckDB's avg of a DECIMAL literal is a
        DOUBLE, Spark's a DECIMAL of a few digits. -#}
    {{ adapter.dispatch('double_literal')(number) }}
{%- endmacro %}

{% macro duckdb__double_literal(number) -%}
    {{ number }}
{%- endmacro %}

{% macro spark__double_literal(number) -%}
    cast({{ number }} as double)
{%- endmacro %}

{% macro null_text() -%}
    {#- A NULL of the text type (Spark's `varchar` needs a length: `string`). -#}
    {{ adapter.dispatch('null_text')() }}
{%- endmacro %}

{% macro duckdb__null_text() -%}
    null::varchar
{%- endmacro %}

{% macro spark__null_text() -%}
    cast(null as string)
{%- endmacro %}

{% macro as_double(expression) -%}
    {#- `expression` cast to DOUBLE (DuckDB's `::double`; Spark 4's `::` is not relied on). -#}
    {{ adapter.dispatch('as_double')(expression) }}
{%- endmacro %}

{% macro duckdb__as_double(expression) -%}
    {{ expression }}::double
{%- endmacro %}

{% macro spark__as_double(expression) -%}
    cast({{ expression }} as double)
{%- endmacro %}
