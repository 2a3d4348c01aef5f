-- One row per run in the tidy metrics file(s), shaped like int_ndt_documents_parsed (no
-- nested measurements: the loading models read int_tidy_metric_rows). Run attributes come
-- from runs.csv when it lists the run exactly once.
-- The reader is per engine: macros/engine/readers_duckdb.sql, readers_spark.sql.

{{ adapter.dispatch('int_tidy_documents')() }}
