"""Type stub: the names this package exports, imported lazily at run time (see ``__init__.py``)."""

from .charts import (
    charts_from_result,
    charts_from_tables,
    fan_chart,
    frontier_chart,
    lab_fans_chart,
    milestone_chart,
    ruin_by_lab_chart,
    ruin_chart,
)
from .html import RecordLike, render_report, report_from_result

__all__ = [
    "RecordLike",
    "charts_from_result",
    "charts_from_tables",
    "fan_chart",
    "frontier_chart",
    "lab_fans_chart",
    "milestone_chart",
    "render_report",
    "report_from_result",
    "ruin_by_lab_chart",
    "ruin_chart",
]
