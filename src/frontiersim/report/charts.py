"""The charts of a run's tables, for notebooks: the definitions of :mod:`frontiersim.charts`.

The charts are defined once, in :mod:`frontiersim.charts` (Vega-Lite through
Altair), and drawn from there by the HTML report and the dashboard alike;
this module gives them the names the report has always exported. An Altair
chart shows itself in a notebook; :func:`frontiersim.charts.render.svg` and
:func:`~frontiersim.charts.render.png` render it offline.

:func:`lab_fans_chart` is :func:`fan_chart`, which draws one panel per lab
when the table has several.

Examples
--------
>>> import frontiersim as fs
>>> from frontiersim.results import run_tables
>>> tables = run_tables(fs.simulate(fs.bundled("default"), draws=200, seed=1))
>>> spec = fan_chart(tables["fan"], "revenue_usd_per_year").to_dict()
>>> spec["layer"][0]["encoding"]["y"]["axis"]["title"]
'revenue (USD/year)'
"""

from __future__ import annotations

from frontiersim.charts.frontier import frontier_chart
from frontiersim.charts.run import (
    LAB_COLOURS,
    charts_from_result,
    charts_from_tables,
    fan_chart,
    lab_colour,
    milestone_chart,
    ruin_by_lab_chart,
    ruin_chart,
    variable_label,
)
from frontiersim.charts.scales import is_money

#: One panel per lab: :func:`fan_chart` on a table of several labs.
lab_fans_chart = fan_chart

__all__ = [
    "LAB_COLOURS",
    "charts_from_result",
    "charts_from_tables",
    "fan_chart",
    "frontier_chart",
    "is_money",
    "lab_colour",
    "lab_fans_chart",
    "milestone_chart",
    "ruin_by_lab_chart",
    "ruin_chart",
    "variable_label",
]
