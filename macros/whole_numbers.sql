{#-
  Whole numbers (steps, step counts) read exactly from their JSON or CSV text: never through
  a DOUBLE, which holds integers exactly only up to 2^53 (so distinct steps above it would
  become duplicates). Integer text is read as HUGEINT and kept when it fits a BIGINT; a number
  written with a fraction or an exponent (`100.0`, `1e3`) is accepted when it is whole and
  exact as a double (|x| <= 2^53). Anything else is NULL, and whole_number_problem() says why.
  (is_integer_text, integer_text_as_bigint, is_finite: macros/engine/functions.sql.)
-#}

{% macro whole_number(text) -%}
    case
        when {{ is_integer_text(text) }}
            then {{ integer_text_as_bigint(text) }}
        when
            {{ is_finite('try_cast(' ~ text ~ ' as double)') }}
            and try_cast({{ text }} as double) = floor(try_cast({{ text }} as double))
            and abs(try_cast({{ text }} as double)) <= 9007199254740992
            then try_cast({{ text }} as double)::bigint
    end
{%- endmacro %}

{% macro whole_number_problem(text, what) -%}
    {#- Why `text` is not a whole number, or NULL when it is one (or is NULL). -#}
    case
        when {{ text }} is null then null
        when {{ is_integer_text(text) }}
            then
                case
                    when {{ integer_text_as_bigint(text) }} is null
                        then '{{ what }} is out of range (beyond a 64-bit integer): '
                        || left({{ text }}, 60)
                end
        when try_cast({{ text }} as double) is null
            then '{{ what }} is not a number: ' || left({{ text }}, 40)
        when not {{ is_finite('try_cast(' ~ text ~ ' as double)') }}
            then '{{ what }} is not finite: ' || left({{ text }}, 40)
        when try_cast({{ text }} as double) != floor(try_cast({{ text }} as double))
            then '{{ what }} is not a whole number: ' || left({{ text }}, 40)
        when abs(try_cast({{ text }} as double)) > 9007199254740992
            then
                '{{ what }} is not exact (written with a fraction or exponent beyond 2^53; '
                || 'write it as an integer): ' || left({{ text }}, 40)
    end
{%- endmacro %}
