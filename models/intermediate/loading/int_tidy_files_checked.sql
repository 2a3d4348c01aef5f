-- The tidy-format files in runs_path (runs from other trackers), one row per file, with their
-- columns checked. A file without its required columns is not loaded (one load_issues row).
-- `tidy_version`, the same in every row, changes when any tidy file changes: every tidy run
-- is then reloaded.
-- The body is per engine: macros/engine/tidy_checks_duckdb.sql, tidy_readers_spark.sql.

{{ adapter.dispatch('int_tidy_files_checked')() }}
