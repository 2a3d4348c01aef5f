"""dbt Python models in dbt's own Spark session (the `spark` target, `method: session`).

dbt-spark submits Python models only to Databricks (`job_cluster`, `all_purpose_cluster`):
in session mode a Python model fails with "Databricks cluster_id is required". dbt-spark has
no registry for other submission methods, so this module adds one, `session`, to its adapter
class (`register()`), and makes it the default when the profile's method is `session`:

    python -m python_steps.spark_session build --target spark ...   # dbt, with `session`

`session` runs the compiled model (the model's code plus dbt-spark's own epilogue, which
turns a pandas frame into a Spark table with `saveAsTable`) in this process, with `spark` set
to the SparkSession that dbt-spark's session connection opened: the same catalog, warehouse
folder and settings, no second JVM. The model's `dbt.ref()` is then a Spark DataFrame. A
pandas frame that the model returns becomes a Spark DataFrame with a schema taken from its
dtypes (`to_spark_frame`): Spark cannot infer one from an empty frame, nor from pandas'
nullable dtypes.

Limits: only with `method: session` (a Thrift or HTTP connection has no session in this
process: there a Python model needs dbt-spark's Databricks methods, or must be built
elsewhere); the model's Python runs on the driver, so pandas work (scikit-learn,
`toPandas()`) is bounded by the driver's memory, while work expressed as Spark DataFrame
operations is distributed as usual.
"""

from __future__ import annotations

import sys
from typing import Any

SUBMISSION_METHOD = "session"
# The line of dbt-spark's epilogue (macro py_write_table) that calls the model.
MODEL_CALL = "\ndf = model(dbt, spark)\n"


def spark_type_name(dtype: Any) -> str:
    """The Spark SQL type of a pandas column's dtype."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "timestamp"
    return "string"


def to_spark_frame(frame: Any, spark: Any) -> Any:
    """A pandas frame as a Spark DataFrame, typed from its dtypes (NA becomes NULL); any other
    value is returned as it is."""
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        return frame
    schema = ", ".join(f"`{name}` {spark_type_name(dtype)}" for name, dtype in frame.dtypes.items())
    values = frame.astype(object).where(frame.notna(), None)
    rows = [
        tuple(value.to_pydatetime() if isinstance(value, pd.Timestamp) else value for value in row)
        for row in values.itertuples(index=False, name=None)
    ]
    return spark.createDataFrame(rows, schema=schema)


class SessionPythonJobHelper:
    """Runs a compiled Python model in the active SparkSession (dbt-spark's PythonJobHelper
    interface: built with the parsed model and credentials, then `submit(compiled_code)`)."""

    def __init__(self, parsed_model: dict[str, Any], credentials: Any) -> None:
        method = str(getattr(credentials, "method", ""))
        if method != SUBMISSION_METHOD:
            raise RuntimeError(
                f"submission_method 'session' needs a profile with method: session (this one "
                f"is {method!r}): the model runs in dbt's own Spark session"
            )
        self.identifier = parsed_model["alias"]
        self.schema = parsed_model["schema"]

    def submit(self, compiled_code: str) -> None:
        from pyspark.sql import SparkSession

        # The session dbt-spark's connection opened (getOrCreate returns it, settings included).
        spark = SparkSession.getActiveSession() or SparkSession.builder.getOrCreate()
        namespace = {
            "spark": spark,
            "__name__": f"dbt_python_model_{self.identifier}",
            "_to_spark_frame": to_spark_frame,
        }
        if MODEL_CALL not in compiled_code:
            raise RuntimeError(f"dbt-spark's epilogue changed: no {MODEL_CALL!r} to wrap")
        compiled_code = compiled_code.replace(
            MODEL_CALL, "\ndf = _to_spark_frame(model(dbt, spark), spark)\n", 1
        )
        code = compile(compiled_code, f"<dbt python model {self.schema}.{self.identifier}>", "exec")
        exec(code, namespace)


def register() -> None:
    """Add `session` to dbt-spark's submission methods (the default under `method: session`)."""
    from dbt.adapters.base import PythonJobHelper
    from dbt.adapters.spark.impl import SparkAdapter

    if getattr(SparkAdapter, "_layer_dynamics_session", False):
        return
    helper = type("SessionPythonJobHelper", (SessionPythonJobHelper, PythonJobHelper), {})
    databricks_helpers = SparkAdapter.python_submission_helpers.fget
    databricks_default = SparkAdapter.default_python_submission_method.fget

    def python_submission_helpers(self: Any) -> dict[str, Any]:
        return {**databricks_helpers(self), SUBMISSION_METHOD: helper}

    def default_python_submission_method(self: Any) -> str:
        if str(self.config.credentials.method) == SUBMISSION_METHOD:
            return SUBMISSION_METHOD
        return databricks_default(self)

    SparkAdapter.python_submission_helpers = property(python_submission_helpers)
    SparkAdapter.default_python_submission_method = property(default_python_submission_method)
    SparkAdapter._layer_dynamics_session = True


def main(argv: list[str] | None = None) -> int:
    """dbt's command line with the `session` submission method registered."""
    register()
    from dbt.cli.main import cli

    try:
        cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="dbt")
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
