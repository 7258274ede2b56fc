"""Type stub: the names this package exports, imported lazily at run time (see ``__init__.py``)."""

from .design import SweepPoint, grid, latin_hypercube, parse_range
from .executors import (
    EXECUTOR_NAMES,
    DaskExecutor,
    Executor,
    ProcessExecutor,
    SerialExecutor,
    default_workers,
    make_executor,
)
from .plan import SweepPlan, plan_sweep
from .runner import POINT_METRICS, SweepResult, comparable, run_point, run_sweep

__all__ = [
    "EXECUTOR_NAMES",
    "POINT_METRICS",
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SerialExecutor",
    "SweepPlan",
    "SweepPoint",
    "SweepResult",
    "comparable",
    "default_workers",
    "grid",
    "latin_hypercube",
    "make_executor",
    "parse_range",
    "plan_sweep",
    "run_point",
    "run_sweep",
]
