{% macro read_run_measurements(paths) -%}
    {#-
      The `measurements` of the given run files, one row per file, streamed by DuckDB's JSON
      reader (which also decompresses .json.gz). Only files that already parsed cleanly in
      stg_training_runs__documents are passed: one malformed file would fail the whole read.
      Leaf values stay JSON so that a null, a string or a NaN can be named in load_issues.
    -#}
    {#- Each measurement stays JSON text here and is typed by from_json row by row, which
        turns a malformed measurement (duplicate layer names, a bare number) into NULLs that
        load_issues names, where read_json itself would stop the whole build. -#}
    {%- set measurement_type = 'json[]' -%}
    {%- if paths | length == 0 -%}
        (select null::varchar as filename, null::{{ measurement_type }} as measurements limit 0)
    {%- else -%}
        read_json(
            {{ string_list_literal(paths) }},
            filename = true,
            format = 'auto',
            maximum_object_size = 134217728,
            columns = {measurements: '{{ measurement_type | replace("\n", " ") }}'}
        )
    {%- endif -%}
{%- endmacro %}
