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

{% macro quantile_cont_aggregate(value, fraction) -%}
    {#- Aggregate: the `fraction` quantile of the group's `value`s, interpolated between the
        two nearest (DuckDB `quantile_cont`, Spark's exact `percentile`; the interpolation
        may differ in the last bit: DuckDB lo + d * (hi - lo), Spark (1 - d) * lo + d * hi). -#}
    {{ adapter.dispatch('quantile_cont_aggregate')(value, fraction) }}
{%- endmacro %}

{% macro duckdb__quantile_cont_aggregate(value, fraction) -%}
    quantile_cont({{ value }}, {{ fraction }})
{%- endmacro %}

{% macro spark__quantile_cont_aggregate(value, fraction) -%}
    percentile({{ value }}, {{ fraction }})
{%- endmacro %}

{% macro ordered_stddev_pop(value, order_by) -%}
    {#- Aggregate: the population standard deviation of the group's non-NULL `value`s taken in
        `order_by` order (a float's last bits depend on the order). Spark runs DuckDB's own
        streaming (Welford) update over the sorted values, so both give the same bits. -#}
    {{ adapter.dispatch('ordered_stddev_pop')(value, order_by) }}
{%- endmacro %}

{% macro duckdb__ordered_stddev_pop(value, order_by) -%}
    stddev_pop({{ value }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_stddev_pop(value, order_by) -%}
    aggregate(
        {{ spark__list_where(
            spark__ordered_list(value, 'struct(' ~ order_by ~ ')'),
            'ordered_value', 'ordered_value is not null'
        ) }},
        named_struct('n', cast(0 as double), 'mean', cast(0 as double), 'm2', cast(0 as double)),
        (state, x) -> named_struct(
            'n', state.n + 1,
            'mean', state.mean + (x - state.mean) / (state.n + 1),
            'm2', state.m2
            + (x - (state.mean + (x - state.mean) / (state.n + 1))) * (x - state.mean)
        ),
        state -> case when state.n > 0 then sqrt(state.m2 / state.n) end
    )
{%- endmacro %}
