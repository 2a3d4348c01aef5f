{#-
  How many step bins each run gets in chart_run_comparison: floor(chart_max_rows / analysed
  runs), at least 1, so that a metric's chart embeds at most chart_max_rows rows whichever
  runs a reader picks. The only thing in that table that depends on the number of runs:
  it is part of every run's version there (macros/run_versions.sql), so adding a run
  recomputes the others only when this number moves (not at all beyond chart_max_rows runs).
-#}

{% macro chart_comparison_bins(runs) -%}
    {#- An aggregate over `runs` (chart_runs: one row per analysed run). -#}
    greatest(1, floor({{ var('chart_max_rows') }} / greatest(count(*), 1)))
{%- endmacro %}

{% macro chart_comparison_bins_query() -%}
    {#- The same as one scalar query (a run version's cross-run value). -#}
    select {{ chart_comparison_bins('runs') }} from {{ ref('chart_runs') }} as runs
{%- endmacro %}
