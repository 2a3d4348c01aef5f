{#- File names and paths reach SQL only through these macros, never pasted raw. -#}

{% macro string_literal(value) -%}
'{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{% macro glob_literal(folder) -%}
{{ string_literal(folder ~ '/*') }}
{%- endmacro %}

{% macro string_list_literal(values) -%}
[{% for value in values %}{{ string_literal(value) }}{% if not loop.last %}, {% endif %}{% endfor %}]
{%- endmacro %}
