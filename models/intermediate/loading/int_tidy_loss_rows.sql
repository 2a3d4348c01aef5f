-- One row per row of the tidy losses file (losses.parquet and/or losses.csv), typed. The loss
-- of a measurement is matched on run id and step by the loading models.
-- The reader is per engine: macros/engine/readers_duckdb.sql, readers_spark.sql.

{{ adapter.dispatch('int_tidy_loss_rows')() }}
