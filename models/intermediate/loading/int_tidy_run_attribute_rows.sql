-- One row per row of the optional tidy runs.csv (run_id, arch_name, dataset, num_steps and
-- optionally measurement_interval, final_accuracy, elapsed_time), as text.
-- The body is per engine: macros/engine/tidy_checks_duckdb.sql, tidy_readers_spark.sql.

{{ adapter.dispatch('int_tidy_run_attribute_rows')() }}
