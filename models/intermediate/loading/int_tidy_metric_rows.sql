{{
    config(
        materialized='table',
        pre_hook="{{ set_preserve_insertion_order(true) }}",
        post_hook="{{ set_preserve_insertion_order(false) }}",
    )
}}
-- One row per row of the tidy metrics file (metrics.parquet and/or metrics.csv; `file_row` =
-- data row number, from 1), keyed into the ndt shape: `measurement_index` = rank of the step
-- within the run, `layer_position` = order of the layer's first appearance in the file.
-- Values stay text, so that bad values can be named. The hooks keep the file's row order
-- for the CSV staging view's `row_number() over ()` (the profile turns insertion order off).
-- The reader is per engine: macros/engine/readers_duckdb.sql, readers_spark.sql.

{{ adapter.dispatch('int_tidy_metric_rows')() }}
