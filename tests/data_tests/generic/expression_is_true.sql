{% test expression_is_true(model, expression) %}
    {#- Rows for which a row-level invariant does not hold. -#}
    select *
    from {{ model }}
    where not coalesce({{ expression }}, false)
{% endtest %}
