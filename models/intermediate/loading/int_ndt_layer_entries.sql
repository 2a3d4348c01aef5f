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
-- batches of 32, and each batch's text is parsed and unnested where it is read, so that a
-- few hundred megabytes are in flight at most (macros/engine/readers_duckdb.sql).
-- A file that changed since it was listed keeps one row with its `read_problem` instead.
-- The reader is per engine: macros/engine/readers_duckdb.sql, readers_spark.sql.

{{ adapter.dispatch('int_ndt_layer_entries')() }}
