"""The text of the run files DuckDB does not read itself: `.json.gz` (read_blob does not
decompress) and the paths it cannot open by name. Read by name from the inventory."""

from python_steps.run_files import read_run_files


def model(dbt, session):
    dbt.config(materialized="table")
    files = (
        dbt.ref("stg_training_runs__files")
        .filter("is_read_by_python and listing_problem is null")
        .project("file_path, is_compressed, file_size_bytes")
        .order("file_path")
        .fetchall()
    )
    return read_run_files(files)
