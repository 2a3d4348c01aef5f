{#-
  Every var is checked at the start of a build (on-run-start), before any model runs: its
  type and range, or one clear error naming the var. Numeric vars are pasted into SQL, so a
  value that is not a finite number (a string holding SQL, say) must never get that far.

  A rule is (kind, low, high, low_open, high_open):
    kind  `number` (an integer or a decimal), `integer`, `text`, `boolean`, `choice`
          (then `low` is the list of allowed words) or `number_list` (a non-empty list of
          numbers, each in the range);
    low / high  the range (none: unbounded); low_open / high_open  whether the end itself is
          excluded.
-#}

{% macro var_rules() -%}
    {{ return({
        'runs_path': ('text', none, none, false, false),
        'validity_fixtures_path': ('text', none, none, false, false),
        'analysis_mode': ('choice', ['corrected', 'reference'], none, false, false),
        'min_measurements': ('integer', 3, none, false, false),
        'stabilization_window': ('integer', 2, none, false, false),
        'stabilization_fraction': ('number', 0, none, true, false),
        'jump_z_threshold': ('number', 0, none, true, false),
        'jump_types_max_k': ('integer', 1, none, false, false),
        'jump_types_seed': ('integer', 0, 4294967295, false, false),
        'critical_percentile': ('number', 0, 1, true, true),
        'coordinated_threshold': ('number', 0, 1, true, false),
        'strong_coordination_threshold': ('number', 0, 1, false, false),
        'strong_loss_correlation_threshold': ('number', 0, 1, false, false),
        'pattern_rho_threshold': ('number', 0, 1, false, false),
        'simultaneous_rho_threshold': ('number', 0, 1, false, false),
        'pattern_p_value_threshold': ('number', 0, 1, true, false),
        'noise_relative_magnitude': ('number', 0, none, false, false),
        'robust_jump_z_threshold': ('number', 0, none, true, false),
        'null_permutations': ('integer', 1, none, false, false),
        'null_seed': ('integer', 0, 4294967295, false, false),
        'validity_metric': ('text', none, none, false, false),
        'validity_tolerance': ('integer', 0, none, false, false),
        'validity_min_recall': ('number', 0, 1, false, false),
        'validity_max_false_positives_per_1000': ('number', 0, none, false, false),
        'include_noise': ('boolean', none, none, false, false),
        'only_differences': ('boolean', none, none, false, false),
        'top_n': ('integer', 1, none, false, false),
        'metric': ('text', none, none, false, false),
        'project_version': ('text', none, none, false, false),
        'null_timing_window': ('integer', 1, none, false, false),
        'loss_coupling_strata': ('integer', 1, none, false, false),
        'false_discovery_rate': ('number', 0, 1, true, true),
        'bootstrap_resamples': ('integer', 1, none, false, false),
        'bootstrap_seed': ('integer', 0, 4294967295, false, false),
        'chart_max_rows': ('integer', 1, none, false, false),
        'chart_rho_bin_width': ('number', 0, 2, true, false),
        'chart_phase_bin_width': ('number', 0, 1, true, false),
        'chart_depth_bins': ('integer', 1, none, false, false),
        'chart_significance': ('number', 0, 1, true, true),
        'validity_warmup_measurements': ('integer', 0, none, false, false),
        'agreement_tolerance': ('integer', 0, none, false, false),
        'agreement_shift_fractions': ('number_list', 0, 1, true, true),
    }) }}
{%- endmacro %}

{% macro var_rule_words(rule) -%}
    {#- The rule in words, for the error message. -#}
    {%- set kind, low, high, low_open, high_open = rule -%}
    {%- if kind == 'choice' -%}
        one of {{ low | join(', ') }}
    {%- elif kind == 'number_list' -%}
        a non-empty list of numbers, each in {{ '(' if low_open else '[' }}{{ low }}, {{ high }}{{ ')' if high_open else ']' }}
    {%- elif kind in ('text', 'boolean') -%}
        {{ 'a text' if kind == 'text' else 'true or false' }}
    {%- else -%}
        {{ 'a whole number' if kind == 'integer' else 'a number' }}
        {%- if low is not none and high is not none %} in {{ '(' if low_open else '[' }}{{ low }}, {{ high }}{{ ')' if high_open else ']' }}
        {%- elif low is not none %} {{ '>' if low_open else '>=' }} {{ low }}
        {%- elif high is not none %} {{ '<' if high_open else '<=' }} {{ high }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro var_problem(value, rule) -%}
    {#- Empty when `value` obeys `rule`, else why not. -#}
    {%- set kind, low, high, low_open, high_open = rule -%}
    {%- if kind == 'choice' -%}
        {%- if value is not string or value not in low %}it is not one of the allowed words{% endif -%}
    {%- elif kind == 'number_list' -%}
        {%- if value is string or value is mapping or value is not iterable or value | length == 0 -%}
            it is not a non-empty list
        {%- else -%}
            {%- for item in value -%}
                {%- set item_problem = var_problem(item, ('number', low, high, low_open, high_open)) | trim -%}
                {%- if item_problem %}item {{ loop.index }}: {{ item_problem }} {% endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- elif kind == 'text' -%}
        {%- if value is not string %}it is not a text{% elif value | length == 0 %}it is empty{% endif -%}
    {%- elif kind == 'boolean' -%}
        {%- if value is not boolean %}it is not true or false{% endif -%}
    {%- elif value is boolean or value is not number -%}
        it is not a number
    {%- elif kind == 'integer' and value is not integer -%}
        it is not a whole number
    {%- elif value * 0 != 0 -%}
        it is not finite
    {%- elif low is not none and (value < low or (low_open and value == low)) -%}
        it is out of range
    {%- elif high is not none and (value > high or (high_open and value == high)) -%}
        it is out of range
    {%- endif -%}
{%- endmacro %}

{% macro given_var_names() -%}
    {#- The vars given on the command line (--vars), whatever their names. -#}
    {%- set given = invocation_args_dict.get('vars') or {} -%}
    {%- if given is string -%}
        {%- set given = fromyaml(given) or {} -%}
    {%- endif -%}
    {{ return(given.keys() | list if given is mapping else []) }}
{%- endmacro %}

{% macro validate_vars() %}
    {%- set rules = var_rules() -%}
    {%- for name in given_var_names() | sort if name not in rules -%}
        {{ exceptions.raise_compiler_error(
            "Unknown var '" ~ name ~ "' given with --vars. Known vars (documented in "
            ~ "dbt_project.yml): " ~ (rules.keys() | sort | join(', ')) ~ "."
        ) }}
    {%- endfor -%}
    {%- for name, rule in rules.items() -%}
        {%- if name == 'runs_path' -%}
            {%- set value = runs_path() -%}
        {%- else -%}
            {%- set value = var(name, none) -%}
        {%- endif -%}
        {%- if value is not none -%}
            {%- set problem = var_problem(value, rule) | trim -%}
            {%- if problem -%}
                {{ exceptions.raise_compiler_error(
                    "Invalid var '" ~ name ~ "': " ~ (value | string)[:80] ~ " (" ~ problem
                    ~ "); it must be " ~ (var_rule_words(rule) | trim) ~ ". "
                    ~ "Set it in dbt_project.yml or with --vars '{" ~ name ~ ": ...}'."
                ) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
{% endmacro %}
