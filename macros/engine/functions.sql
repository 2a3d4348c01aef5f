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

{% macro ordered_list_by(value, keys) -%}
    {#- Aggregate: the group's `value`s as a list, sorted by `keys` ([expression, 'asc' or
        'desc'] pairs, the first first; together unique per group, never NULL). -#}
    {{ adapter.dispatch('ordered_list_by')(value, keys) }}
{%- endmacro %}

{% macro duckdb__ordered_list_by(value, keys) -%}
    list(
        {{ value }}
        order by {% for expression, direction in keys %}{{ expression }} {{ direction }}{{ ', ' if not loop.last }}{% endfor %}
    )
{%- endmacro %}

{% macro spark__ordered_list_by(value, keys) -%}
    {#- array_sort with a comparator over (keys..., value) structs: each key compared in its
        direction, the first that differs decides. -#}
    transform(
        array_sort(
            collect_list(struct(
                {%- for expression, direction in keys %}
                {{ expression }} as sort_key_{{ loop.index }},
                {%- endfor %}
                {{ value }} as list_value
            )),
            (left_entry, right_entry) -> case
                {%- for expression, direction in keys %}
                {%- set before, after = ('-1', '1') if direction == 'asc' else ('1', '-1') %}
                when left_entry.sort_key_{{ loop.index }} < right_entry.sort_key_{{ loop.index }} then {{ before }}
                when left_entry.sort_key_{{ loop.index }} > right_entry.sort_key_{{ loop.index }} then {{ after }}
                {%- endfor %}
                else 0
            end
        ),
        entry -> entry.list_value
    )
{%- endmacro %}

{% macro as_bigint(expression) -%}
    {#- `expression` cast to BIGINT (DuckDB's `::bigint`). -#}
    {{ adapter.dispatch('as_bigint')(expression) }}
{%- endmacro %}

{% macro duckdb__as_bigint(expression) -%}
    {{ expression }}::bigint
{%- endmacro %}

{% macro spark__as_bigint(expression) -%}
    cast({{ expression }} as bigint)
{%- endmacro %}

{% macro hash_jitter(text) -%}
    {#- A reproducible jitter in [-0.5, 0.5) from a hash of `text` (charts spread overlapping
        points with it). Each engine hashes with its own function: the values differ between
        DuckDB and Spark (both in the same range). -#}
    {{ adapter.dispatch('hash_jitter')(text) }}
{%- endmacro %}

{% macro duckdb__hash_jitter(text) -%}
    (hash({{ text }}) % 1000) / 1000.0 - 0.5
{%- endmacro %}

{% macro spark__hash_jitter(text) -%}
    cast(pmod(xxhash64({{ text }}), 1000) as double) / 1000.0 - 0.5
{%- endmacro %}

{% macro as_text(expression) -%}
    {#- `expression` as text where it is joined to text with `||` (DuckDB converts a number
        itself; Spark's ANSI mode wants the cast). -#}
    {{ adapter.dispatch('as_text')(expression) }}
{%- endmacro %}

{% macro duckdb__as_text(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro spark__as_text(expression) -%}
    cast({{ expression }} as string)
{%- endmacro %}

{% macro ordered_avg_where(value, order_by, condition) -%}
    {#- Aggregate: ordered_avg of the group's rows where `condition` holds (DuckDB's
        `filter (where ...)`; Spark averages `value` where the condition holds, NULL
        elsewhere, and the NULLs are left out as ordered_avg does). -#}
    {{ adapter.dispatch('ordered_avg_where')(value, order_by, condition) }}
{%- endmacro %}

{% macro duckdb__ordered_avg_where(value, order_by, condition) -%}
    avg({{ value }} order by {{ order_by }})
        filter (where {{ condition }})
{%- endmacro %}

{% macro spark__ordered_avg_where(value, order_by, condition) -%}
    {{ spark__ordered_avg('case when ' ~ condition ~ ' then ' ~ value ~ ' end', order_by) }}
{%- endmacro %}

{% macro as_integer(expression) -%}
    {#- `expression` cast to INTEGER (DuckDB's `::integer`). -#}
    {{ adapter.dispatch('as_integer')(expression) }}
{%- endmacro %}

{% macro duckdb__as_integer(expression) -%}
    {{ expression }}::integer
{%- endmacro %}

{% macro spark__as_integer(expression) -%}
    cast({{ expression }} as int)
{%- endmacro %}

{% macro integer_divide(dividend, divisor) -%}
    {#- Whole-number division, rounded down (DuckDB `//`, Spark `div`; both operands are
        never negative where it is used). -#}
    {{ adapter.dispatch('integer_divide')(dividend, divisor) }}
{%- endmacro %}

{% macro duckdb__integer_divide(dividend, divisor) -%}
    {{ dividend }} // {{ divisor }}
{%- endmacro %}

{% macro spark__integer_divide(dividend, divisor) -%}
    {{ dividend }} div {{ divisor }}
{%- endmacro %}

{% macro count_distinct_over(expression, partition_by) -%}
    {#- Window: how many distinct non-NULL `expression`s the row's partition has (Spark has no
        DISTINCT in a window function: the size of the set). -#}
    {{ adapter.dispatch('count_distinct_over')(expression, partition_by) }}
{%- endmacro %}

{% macro duckdb__count_distinct_over(expression, partition_by) -%}
    count(distinct {{ expression }}) over (partition by {{ partition_by }})
{%- endmacro %}

{% macro spark__count_distinct_over(expression, partition_by) -%}
    cast(size(collect_set({{ expression }}) over (partition by {{ partition_by }})) as bigint)
{%- endmacro %}
