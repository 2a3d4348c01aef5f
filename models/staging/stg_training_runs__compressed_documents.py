"""Decompressed text of the `.json.gz` run files (DuckDB's read_blob does not decompress)."""

from python_steps.loading import decompress_run_files


def model(dbt, session):
    dbt.config(materialized="table")
    compressed_files = (
        dbt.source("training_runs", "run_files")
        .filter("ends_with(filename, '.json.gz')")
        .project("filename, content")
        .fetchall()
    )
    return decompress_run_files(compressed_files)
