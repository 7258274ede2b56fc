"""The page's fan charts: built by Altair once per variable, then filled with each update's numbers.

The dashboard draws the fan charts of :func:`frontiersim.charts.run.fan_chart`,
the report's. Building one with Altair and turning it into its Vega-Lite
specification takes about 0.05 s on the development machine (Altair
validates every selection as it lifts it to the top of a layered chart), so
the five fans of an update took more time than the tables they draw.

Of a fan chart of one lab, only three parts depend on the numbers drawn:

* its rows (the ``fan`` dataset);
* the value axis' scales, log and linear, recorded in its ``usermeta``
  (:func:`frontiersim.charts.scales.log_toggle` of
  :func:`~frontiersim.charts.scales.value_scale` of the quantiles), and
  whether it starts on the log one;
* the ``y`` encodings' ``scale`` and axis ``values``, which are that
  starting form.

The rest follows from the variable, its label, units and period. So
:func:`fan_spec` builds a chart with Altair once per (variable, label,
units, period) and, for every update, sets the toggle from the update's
quantiles, the ``y`` encodings from the toggle
(:func:`~frontiersim.charts.scales.with_log_scale`, what the page's own
toggle does) and the rows. ``tests/test_dashboard_fan_specs.py`` checks that
the result equals ``fan_chart``'s specification on every bundled scenario,
for several seeds and slider positions. Tables of several labs (one panel
per lab) and axes without log ticks are left to ``fan_chart`` itself.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from frontiersim.charts import render
from frontiersim.charts import run as run_charts
from frontiersim.charts.scales import USERMETA_KEY, log_toggle, value_scale, with_log_scale

#: Name of the dataset of a fan chart (as :func:`frontiersim.charts.run.fan_chart` names it).
FAN_DATASET = "fan"

#: Quantile columns whose values set the value axis.
_QUANTILES = ("p5", "p25", "p50", "p75", "p95")

#: Fan charts kept built (one per variable, label, units and period: a handful per scenario).
CACHED_FAN_CHARTS = 64


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON-ready mappings: Python numbers and strings, None for NaN.

    The records :func:`frontiersim.charts.run.with_data` attaches to a chart
    (``frame.astype(object).where(frame.notna(), None).to_dict("records")``),
    made column by column.
    """
    names = [str(name) for name in frame.columns]
    columns = [
        [None if isinstance(value, float) and math.isnan(value) else value for value in frame[name].tolist()]
        for name in frame.columns
    ]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


#: Fan charts built, without their rows, by (variable, label, units, period).
_SKELETONS: dict[tuple[str, str, str, str], dict[str, Any]] = {}


def _skeleton(fan: pd.DataFrame, variable: str, key: tuple[str, str, str, str]) -> dict[str, Any]:
    """``fan_chart``'s specification for ``key`` without its rows: built from ``fan`` the first time, then kept.

    At most :data:`CACHED_FAN_CHARTS` are kept (all are dropped when that many are).
    """
    spec = _SKELETONS.get(key)
    if spec is None:
        spec = render.spec(run_charts.fan_chart(fan, variable))
        spec.pop("datasets", None)
        if len(_SKELETONS) >= CACHED_FAN_CHARTS:
            _SKELETONS.clear()
        _SKELETONS[key] = spec
    return spec


def fan_spec(fan: pd.DataFrame, variable: str) -> dict[str, Any]:
    """The Vega-Lite specification of ``fan_chart(fan, variable)``, its structure built once per variable.

    Parameters
    ----------
    fan : pandas.DataFrame
        A fan table of one lab, or of what all labs share (no ``lab`` column
        with several labs).
    variable : str
        One of its ``variable`` values.

    Returns
    -------
    dict
        Equal to ``render.spec(fan_chart(fan, variable))``.

    Raises
    ------
    ValueError
        For a variable the table lacks (as ``fan_chart``).
    """
    rows = fan[fan["variable"] == variable]
    several_labs = "lab" in rows.columns and rows["lab"].nunique() > 1
    if rows.empty or several_labs:
        return render.spec(run_charts.fan_chart(fan, variable))
    if "lab" in rows.columns:  # one lab: fan_chart draws its rows without the column
        rows = rows.drop(columns="lab").reset_index(drop=True)
    units = str(rows["units"].iloc[0])
    scale = value_scale(rows[list(_QUANTILES)].to_numpy(dtype=float).ravel())
    if scale.log and not scale.ticks:  # fan_chart leaves the axis' values out then; with_log_scale would not
        return render.spec(run_charts.fan_chart(fan, variable))
    key = (variable, run_charts.variable_label(rows, variable), units, str(rows["period"].iloc[0]))
    skeleton = _skeleton(fan, variable, key)
    meta = skeleton["usermeta"][USERMETA_KEY]
    toggle = {**log_toggle(scale), "log": scale.log}
    usermeta = {**skeleton["usermeta"], USERMETA_KEY: {**meta, "log_toggle": toggle}}
    spec = with_log_scale({**skeleton, "usermeta": usermeta}, scale.log)
    spec["datasets"] = {FAN_DATASET: json_records(run_charts._fan_data(rows, units, []))}
    return spec
