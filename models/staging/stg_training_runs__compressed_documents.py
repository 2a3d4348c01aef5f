"""The text of the run files DuckDB does not read itself: `.json.gz` (read_blob does not
decompress) and the paths it cannot open by name. Read by name from the inventory.
(On Spark too: binaryFile does not decompress either.)"""

from python_steps.engines import selected_rows
from python_steps.run_files import read_run_files


def model(dbt, session):
    dbt.config(materialized="table")
    files = selected_rows(
        dbt.ref("stg_training_runs__files"),
        "is_read_by_python and listing_problem is null",
        ["file_path", "is_compressed", "file_size_bytes"],
    )
    return read_run_files(files)
