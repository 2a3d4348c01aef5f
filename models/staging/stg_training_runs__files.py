"""The run-file inventory: one row per entry of the runs folder (and the validity fixtures)
named *.json or *.json.gz, listed by the operating system (no glob: any name is literal).
A folder without runs stops the build here, naming the folder."""

from python_steps.run_files import inventory_frame, require_runs


def model(dbt, session):
    dbt.config(materialized="table")
    folders = dbt.config.get("meta")
    require_runs(folders["runs_path"])
    return inventory_frame(folders["runs_path"], folders["validity_fixtures_path"])
