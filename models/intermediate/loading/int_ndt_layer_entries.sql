{{
    config(**per_run_incremental(
        'file_path', "{{ delete_unparsed_run_files() }}",
        record_hook="{{ record_held_run_versions(
            'select file_path as run_id, file_version as run_version from '
            ~ ref('int_ndt_documents_parsed') ~ ' where file_problem is null'
        ) }}",
    ))
}}
-- One row per run file, measurement and layer entry (a measurement without layers keeps one
-- row with a NULL layer). Only files that parsed cleanly in int_ndt_documents_parsed and
-- are new or changed are read: their names are listed in the SQL (escaped literals), in
-- batches of 128, so that about 100 MB of text (and its parse) is in flight per thread. (A
-- batch under 64 files would be merged with the next ones by DuckDB's join into chunks of
-- up to 2,048 files' text: 1.4 GB at the ndt format's 700 KB per run.)
-- A file that changed since it was listed keeps one row with its `read_problem` instead.
-- The reader is per engine: macros/engine/readers_duckdb.sql, readers_spark.sql.

{{ adapter.dispatch('int_ndt_layer_entries')() }}
