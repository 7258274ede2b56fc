"""Reports of runs: charts for notebooks and a self-contained HTML report.

:mod:`frontiersim.report.charts` draws matplotlib Figures from a run's tables;
:mod:`frontiersim.report.html` renders one HTML file with every chart and
table embedded, which opens offline and references nothing outside itself.
"""

from frontiersim.report.charts import (
    charts_from_result,
    charts_from_tables,
    fan_chart,
    frontier_chart,
    lab_fans_chart,
    milestone_chart,
    ruin_by_lab_chart,
    ruin_chart,
)
from frontiersim.report.html import RecordLike, render_report, report_from_result

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
