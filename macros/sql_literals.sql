{#- File names and paths reach SQL only through these macros, never pasted raw. -#}

{% macro string_literal(value) -%}
    {#- `value` as a SQL text literal. DuckDB doubles a quote; Spark SQL reads `''` as two
        adjacent literals (joined) and `\` as an escape, so it escapes both with `\`. -#}
    {{- adapter.dispatch('string_literal')(value) -}}
{%- endmacro %}

{% macro duckdb__string_literal(value) -%}
'{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__string_literal(value) -%}
'{{ value | string | replace('\\', '\\\\') | replace("'", "\\'") }}'
{%- endmacro %}

{% macro string_list_literal(values) -%}
[{% for value in values %}{{ string_literal(value) }}{% if not loop.last %}, {% endif %}{% endfor %}]
{%- endmacro %}

{% macro glob_escaped(path) -%}
    {#- `path` as a DuckDB file pattern that matches only itself: DuckDB's readers expand
        glob characters even in a quoted path, so each becomes a one-character class
        (`[*]`, `[?]`, `[[]`; `[` first, as the others add one). As
        python_steps.run_files.glob_literal_path. -#}
    {{- return(path | string | replace('[', '[[]') | replace('*', '[*]') | replace('?', '[?]')) -}}
{%- endmacro %}

{% macro file_list_literal(paths) -%}
    {#- A list of paths for read_blob / read_text, each read literally. -#}
[{% for path in paths %}{{ string_literal(glob_escaped(path)) }}{% if not loop.last %}, {% endif %}{% endfor %}]
{%- endmacro %}

{% macro without_byte_order_mark(text) -%}
    {#- A UTF-8 byte-order mark at the start of a file's text is not part of its JSON. -#}
    if(starts_with({{ text }}, chr(65279)), ({{ text }})[2:], {{ text }})
{%- endmacro %}
