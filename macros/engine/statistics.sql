{#-
  Statistics that DuckDB and Spark SQL compute differently (docs/spark.md, Known
  differences): the binomial tail of critical_periods.
-#}

{% macro binomial_upper_tail(successes, trials, probability) -%}
    {{ adapter.dispatch('binomial_upper_tail')(successes, trials, probability) }}
{%- endmacro %}

{% macro duckdb__binomial_upper_tail(successes, trials, probability) -%}
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

{% macro spark__binomial_upper_tail(successes, trials, probability) -%}
    {#- As on DuckDB, summed in ascending k; Spark SQL has no lgamma, so log C(n, k) is the sum
        of ln(n - k + i) - ln(i) over i = 1..k (its last bits differ from lgamma's). -#}
    case
        when {{ successes }} <= 0 then 1.0
        when {{ probability }} <= 0 then 0.0
        when {{ probability }} >= 1 then 1.0
        when {{ successes }} > {{ trials }} then 1.0
        else least(1.0, aggregate(
            sequence(cast({{ successes }} as bigint), cast({{ trials }} as bigint)),
            cast(0 as double),
            (tail_sum, k) -> tail_sum + exp(
                aggregate(
                    sequence(cast(1 as bigint), k),
                    cast(0 as double),
                    (log_choose, i) -> log_choose + ln({{ trials }} - k + i) - ln(i)
                )
                + k * ln({{ probability }})
                + ({{ trials }} - k) * ln(1 - {{ probability }})
            )
        ))
    end
{%- endmacro %}
