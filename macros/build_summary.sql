{#-
  The end of every build: build_info gets its finish time and status, and one summary says
  what the build did (runs found, loaded, analysed; load issues by problem; mode; charts).
  A build that analyses no run fails with that summary as its error.
-#}

{% macro finish_build(results) %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set build_info = adapter.get_relation(target.database, target.schema, 'build_info') -%}
    {%- set built_now = results | selectattr('node.name', 'equalto', 'build_info')
        | selectattr('status', 'equalto', 'success') | list -%}
    {%- if build_info is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- if built_now | length == 0 -%}
        {#- A partial or failed command that changed tables without rebuilding build_info:
            the row no longer describes every table. -#}
        {%- set changed = results
            | selectattr('node.resource_type', 'in', ['model', 'seed', 'snapshot'])
            | selectattr('status', 'in', ['success', 'error']) | list -%}
        {%- if changed | length > 0 -%}
            {%- do set_build_info_columns(build_info, [['build_status', "'modified'"]]) -%}
            {%- do log(
                'build_info no longer describes every table: this command changed '
                ~ changed | length ~ ' of them without rebuilding build_info. '
                ~ '`make run` (or a full `dbt build`) makes a complete build.', info=True
            ) -%}
        {%- endif -%}
        {{ return('') }}
    {%- endif -%}
    {%- set n_runs_analyzed = summary_counts(build_info)['n_runs_analyzed'] -%}
    {%- set statuses = results | map(attribute='status') | map('string') | list -%}
    {%- do set_build_info_columns(
        build_info,
        [
            ['build_finished_at', utc_timestamp_literal(modules.datetime.datetime.utcnow())],
            ['build_status', string_literal(build_status_word(statuses, n_runs_analyzed))],
        ],
        'build_id = ' ~ string_literal(invocation_id),
    ) -%}
    {%- set summary = build_summary(build_info) -%}
    {%- if n_runs_analyzed == 0 -%}
        {{ exceptions.raise_compiler_error("The build analysed no run.\n" ~ summary) }}
    {%- endif -%}
    {%- do log(summary, info=True) -%}
    {{ return('') }}
{% endmacro %}

{% macro set_build_info_columns(build_info, assignments, where_sql=none) %}
    {#- Set build_info's `assignments` ([column, SQL expression] pairs) in the rows of
        `where_sql` (every row when none). -#}
    {%- do adapter.dispatch('set_build_info_columns')(build_info, assignments, where_sql) -%}
{% endmacro %}

{% macro duckdb__set_build_info_columns(build_info, assignments, where_sql) %}
    {%- set update_sql -%}
        update {{ build_info }}
        set
            {% for column, expression in assignments -%}
            {{ column }} = {{ expression }}{{ ',' if not loop.last }}
            {% endfor -%}
        {% if where_sql is not none %}where {{ where_sql }}{% endif %}
    {%- endset -%}
    {%- do run_query(update_sql) -%}
{% endmacro %}

{% macro spark__set_build_info_columns(build_info, assignments, where_sql) %}
    {#- Spark's parquet tables have no UPDATE, and a table cannot be overwritten from a query
        that reads it: the new rows go to a staging table first, then over build_info. -#}
    {%- set staging = build_info.incorporate(path={'identifier': 'build_info__finishing'}) -%}
    {%- set new_values = {} -%}
    {%- for column, expression in assignments -%}
        {%- do new_values.update({column: expression}) -%}
    {%- endfor -%}
    {%- set select_list = [] -%}
    {%- for column in adapter.get_columns_in_relation(build_info) -%}
        {%- set name = column.name -%}
        {%- if name in new_values and where_sql is none -%}
            {%- do select_list.append(new_values[name] ~ ' as ' ~ name) -%}
        {%- elif name in new_values -%}
            {%- do select_list.append(
                'case when ' ~ where_sql ~ ' then ' ~ new_values[name] ~ ' else ' ~ name
                ~ ' end as ' ~ name
            ) -%}
        {%- else -%}
            {%- do select_list.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do run_query('drop table if exists ' ~ staging) -%}
    {%- do run_query(
        'create table ' ~ staging ~ ' using parquet as select ' ~ select_list | join(', ')
        ~ ' from ' ~ build_info
    ) -%}
    {%- do run_query('insert overwrite table ' ~ build_info ~ ' select * from ' ~ staging) -%}
    {%- do run_query('drop table ' ~ staging) -%}
{% endmacro %}

{% macro build_status_word(statuses, n_runs_analyzed) %}
    {#- `failed` when a model errored, a test failed or no run was analysed, else `success`. -#}
    {%- set failed = statuses | select('in', ['error', 'fail', 'runtime error']) | list -%}
    {{ return('failed' if failed | length > 0 or n_runs_analyzed == 0 else 'success') }}
{% endmacro %}

{% macro log_build_status_word(statuses, n_runs_analyzed) %}
    {#- `dbt run-operation log_build_status_word --args ...`: build_status_word, printed. -#}
    {%- do log('build status: ' ~ build_status_word(statuses, n_runs_analyzed), info=True) -%}
{% endmacro %}

{% macro summary_counts(build_info) %}
    {%- set row = run_query(
        'select n_runs_found, n_runs_loaded, n_runs_analyzed, n_load_issues, analysis_mode, '
        ~ 'runs_path, build_id from ' ~ build_info
    ).rows[0] -%}
    {{ return({
        'n_runs_found': row[0], 'n_runs_loaded': row[1], 'n_runs_analyzed': row[2],
        'n_load_issues': row[3], 'analysis_mode': row[4], 'runs_path': row[5],
        'build_id': row[6]
    }) }}
{% endmacro %}

{% macro build_summary(build_info) %}
    {%- set counts = summary_counts(build_info) -%}
    {%- set load_issues = adapter.get_relation(target.database, target.schema, 'load_issues') -%}
    {%- set lines = [
        'Build summary (build ' ~ counts['build_id'] ~ ', mode ' ~ counts['analysis_mode'] ~ ')',
        '  runs folder: ' ~ counts['runs_path'],
        '  runs: ' ~ counts['n_runs_found'] ~ ' found, ' ~ counts['n_runs_loaded'] ~ ' loaded, '
            ~ counts['n_runs_analyzed'] ~ ' analysed',
    ] -%}
    {%- if counts['n_load_issues'] == 0 or load_issues is none -%}
        {%- do lines.append('  load issues: none') -%}
    {%- else -%}
        {%- set by_problem = run_query(
            'select problem, count(*) from ' ~ load_issues
            ~ ' group by problem order by count(*) desc, problem'
        ).rows -%}
        {%- set parts = [] -%}
        {%- for row in by_problem -%}
            {%- do parts.append(row[0] ~ ' ' ~ row[1]) -%}
        {%- endfor -%}
        {%- do lines.append(
            '  load issues: ' ~ counts['n_load_issues'] ~ ' (' ~ parts | join(', ') ~ ');'
            ~ ' see them with: select * from load_issues'
        ) -%}
        {%- for line in tidy_form_hints(load_issues) -%}
            {%- do lines.append('  ' ~ line) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do lines.append(
        '  charts: ' ~ env_var('CHARTS_DIR', 'charts') ~ '/index.html (written by `make charts`;'
        ~ ' `make run` builds, exports and charts)'
    ) -%}
    {{ return(lines | join('\n')) }}
{% endmacro %}

{% macro tidy_form_hints(load_issues) %}
    {#- A tidy metrics file in another shape (typically wide: one column per metric, as pandas
        writes it) gets a line saying which form is expected. -#}
    {%- set rows = run_query(
        'select file_name, detail from ' ~ load_issues
        ~ " where problem = 'wrong_shape' and file_name in ('metrics.csv', 'metrics.parquet')"
        ~ ' order by file_name'
    ).rows -%}
    {%- set hints = [] -%}
    {%- for row in rows -%}
        {%- do hints.append(
            row[0] ~ ' is not in the tidy long form (' ~ row[1] ~ '): one row per run, step,'
            ~ ' layer and metric is expected.'
            ~ ' A wide table (one column per metric) must be melted first, e.g. pandas'
            ~ ' df.melt(id_vars=["run_id", "step", "layer"], var_name="metric");'
            ~ ' see docs/tidy-format.md.'
        ) -%}
    {%- endfor -%}
    {{ return(hints) }}
{% endmacro %}
