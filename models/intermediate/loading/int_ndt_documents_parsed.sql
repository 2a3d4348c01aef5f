{{
    config(**per_run_incremental(
        'file_path', "{{ delete_removed_run_files() }}"
    ))
}}
-- One row per run file: is it a readable run, and its top-level fields. Incremental: only new
-- or changed files are read. The measurements themselves are streamed by
-- int_ndt_layer_entries (a whole run held as one nested value costs megabytes).
-- The reader is per engine: macros/engine/readers_duckdb.sql, readers_spark.sql.

{{ adapter.dispatch('int_ndt_documents_parsed')() }}
