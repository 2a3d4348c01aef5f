{% macro binomial_upper_tail(successes, trials, probability) -%}
    {#-
      P(X >= successes) for X ~ Binomial(trials, probability): the one-sided p-value of seeing
      at least `successes` when each trial succeeds with `probability` by chance. Summed in
      log space (lgamma) so 400 trials neither overflow nor underflow.
    -#}
    (
        select
            case
                when {{ successes }} <= 0 then 1.0
                when {{ probability }} <= 0 then 0.0
                when {{ probability }} >= 1 then 1.0
                else least(1.0, sum(exp(
                    lgamma({{ trials }} + 1) - lgamma(tail.k + 1) - lgamma({{ trials }} - tail.k + 1)
                    + tail.k * ln({{ probability }})
                    + ({{ trials }} - tail.k) * ln(1 - {{ probability }})
                ) order by tail.k))
            end
        from range({{ successes }}, {{ trials }} + 1) as tail (k)
    )
{%- endmacro %}
