"""The tidy-format files in runs_path (runs from other trackers): names, sizes and
modification times only, listed by the operating system (no content is read)."""

from python_steps.run_files import tidy_inventory_frame


def model(dbt, session):
    dbt.config(materialized="table")
    # (Assigned first: dbt finds the config keys a Python model reads by their assignment.)
    folders = dbt.config.get("meta")
    return tidy_inventory_frame(folders["runs_path"])
