"""The page's fan charts and P(ruin) curve: built by Altair once, then filled with each update's numbers.

The dashboard draws the fan charts of :func:`frontiersim.charts.run.fan_chart`,
the report's. Building one with Altair and turning it into its Vega-Lite
specification takes about 0.05 s on the development machine (Altair
validates every selection as it lifts it to the top of a layered chart), so
the five fans of an update took more time than the tables they draw.

Of a fan chart of one lab, only four parts depend on the numbers drawn:

* its rows (the ``fan`` dataset);
* the value axis' scales, log and linear, recorded in its ``usermeta``
  (:func:`frontiersim.charts.scales.log_toggle` of
  :func:`~frontiersim.charts.scales.value_scale` of the quantiles), and
  whether it starts on the log one;
* the ``y`` encodings' ``scale`` and axis ``values``, which are that
  starting form;
* the name Altair gives the layer that holds the zoom (a hash of its mark
  and encodings, that ``y`` among them), and the selection's ``views``
  that name it.

The rest follows from the variable, its label, units and period. So
:func:`fan_spec` builds a chart with Altair once per (variable, label,
units, period) and, for every update, sets the toggle from the update's
quantiles, the ``y`` encodings from the toggle
(:func:`~frontiersim.charts.scales.with_log_scale`, what the page's own
toggle does), the layer's name (hashed by Altair from the kept layer with
the new axis) and the rows: about 4 ms a chart instead of 50.
``tests/test_dashboard_chart_specs.py`` checks that the result equals
``fan_chart``'s specification, names included, on every bundled scenario,
for several seeds and slider positions (as does ``tests/test_charts.py``
for the report's charts). Tables of several labs (one panel per lab) and
axes without log ticks are left to ``fan_chart`` itself.

The P(ruin) curve (:func:`ruin_spec`) is done the same way: its rows, its
value axis' domain and its zoom layer's name depend on the numbers.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

from frontiersim.charts import render
from frontiersim.charts import run as run_charts
from frontiersim.charts.scales import USERMETA_KEY, ValueScale, log_toggle, value_scale, with_log_scale

#: Name of the dataset of a fan chart (as :func:`frontiersim.charts.run.fan_chart` names it).
FAN_DATASET = "fan"

#: Quantile columns whose values set the value axis.
_QUANTILES = ("p5", "p25", "p50", "p75", "p95")

#: How Altair names a layer that holds a selection: a hash of its mark and encodings, and its position.
_VIEW_NAME = re.compile(r"view_[0-9a-f]{16}_\d+")

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


@dataclass(frozen=True)
class _Skeleton:
    """A fan chart built by Altair, kept to be filled with other numbers.

    Attributes
    ----------
    spec : dict
        Its specification without its rows.
    named : tuple of (int, altair.Chart)
        The layers Altair named for their selections (``view_<hash>_<index>``)
        whose name hashes a value axis: their index and the layer, from which
        the name for another axis is hashed.
    """

    spec: dict[str, Any]
    named: tuple[tuple[int, alt.Chart], ...]


#: Charts built, without their rows: fans by ("fan", variable, label, units, period), the P(ruin) curve by ("ruin",).
_SKELETONS: dict[tuple[str, ...], _Skeleton] = {}


def _skeleton(key: tuple[str, ...], build: Callable[[], run_charts.Chart]) -> _Skeleton:
    """The chart ``build`` makes, without its rows: built the first time ``key`` is asked for, then kept.

    At most :data:`CACHED_FAN_CHARTS` are kept (all are dropped when that many are).
    """
    skeleton = _SKELETONS.get(key)
    if skeleton is None:
        skeleton = _without_rows(build())
        if len(_SKELETONS) >= CACHED_FAN_CHARTS:
            _SKELETONS.clear()
        _SKELETONS[key] = skeleton
    return skeleton


def _without_rows(chart: run_charts.Chart) -> _Skeleton:
    """A chart's specification without its rows, and its layers named by a hash of their value axis."""
    spec = render.spec(chart)
    spec.pop("datasets", None)
    named = tuple(
        (index, layer)
        for index, layer in enumerate(getattr(chart, "layer", ()))
        if isinstance(layer, alt.Chart) and _hashes_the_value_axis(layer)
    )
    return _Skeleton(spec, named)


def _hashes_the_value_axis(layer: alt.Chart) -> bool:
    """Whether Altair named the layer by a hash of its encodings, a ``y`` with a scale among them."""
    name = layer._kwds.get("name")
    encoding = layer._kwds.get("encoding", alt.Undefined)
    y = encoding._kwds.get("y", alt.Undefined) if isinstance(encoding, alt.SchemaBase) else alt.Undefined
    return (
        isinstance(name, str)
        and _VIEW_NAME.fullmatch(name) is not None
        and "_cached_hash" not in layer._kwds
        and isinstance(y, alt.SchemaBase)
        and y._kwds.get("scale", alt.Undefined) is not alt.Undefined
        and isinstance(y._kwds.get("axis"), alt.SchemaBase)
    )


def _view_name(layer: alt.Chart, index: int, set_y: Callable[[Any], None]) -> str:
    """The name Altair gives the layer at ``index`` once ``set_y`` has set its ``y`` encoding for other numbers.

    The name is Altair's hash of the layer's mark and encodings, with its
    position; ``set_y`` sets the ``y`` channel of a copy of the layer as the
    chart's function would for the new numbers.
    """
    probe = layer.copy(deep=True)
    set_y(probe["encoding"]["y"])
    return f"{probe._get_view_hash_name()}_{index}"


def _fan_axis(scale: ValueScale) -> Callable[[Any], None]:
    """Set a ``y`` channel as :func:`frontiersim.charts.run.fan_chart` does: the starting form's scale and ticks."""

    def set_y(y: Any) -> None:
        y["scale"] = alt.Scale(**scale.scale(scale.log))
        y["axis"]["values"] = scale.axis_values(scale.log) or alt.Undefined

    return set_y


def _renamed(spec: dict[str, Any], names: Mapping[str, str]) -> None:
    """Rename layers (``name``) and the views of the top-level selections (``params``) in place."""
    for layer in spec.get("layer", ()):
        if layer.get("name") in names:
            layer["name"] = names[layer["name"]]
    for param in spec.get("params", ()):
        if "views" in param:
            param["views"] = [names.get(view, view) for view in param["views"]]


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
    key = ("fan", variable, run_charts.variable_label(rows, variable), units, str(rows["period"].iloc[0]))
    skeleton = _skeleton(key, lambda: run_charts.fan_chart(fan, variable))
    built = skeleton.spec
    toggle = {**log_toggle(scale), "log": scale.log}
    usermeta = {**built["usermeta"], USERMETA_KEY: {**built["usermeta"][USERMETA_KEY], "log_toggle": toggle}}
    spec = with_log_scale({**built, "usermeta": usermeta}, scale.log)
    set_y = _fan_axis(scale)
    _renamed(spec, {str(layer["name"]): _view_name(layer, index, set_y) for index, layer in skeleton.named})
    spec["datasets"] = {FAN_DATASET: json_records(run_charts._fan_data(rows, units, []))}
    return spec


#: Key of the P(ruin) curve's kept chart.
_RUIN_KEY = ("ruin",)

#: Name of the dataset of the P(ruin) curve (as :func:`frontiersim.charts.run.ruin_chart` names it).
RUIN_DATASET = "ruin"


#: The value axis' domain of a curve's rows: ruin_chart's own, which a kept chart is checked against.
_ruin_domain = run_charts.ruin_domain


def _ruin_layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The layers of a P(ruin) curve's specification whose ``y`` has a domain."""
    return [
        layer for layer in spec.get("layer", ()) if "domain" in layer.get("encoding", {}).get("y", {}).get("scale", {})
    ]


def ruin_spec(ruin_curve: pd.DataFrame) -> dict[str, Any]:
    """The Vega-Lite specification of ``ruin_chart(ruin_curve)``, its structure built once.

    Of the P(ruin) curve of one lab, the rows, the value axis' domain (up
    to 1.15 times the highest share ruined, at least 1%) and the name of
    the layer that holds the zoom depend on the numbers; the rest is built
    by Altair once and kept, as for :func:`fan_spec`. The chart is kept only
    when its domain is the one worked out here for its rows; otherwise
    (``ruin_chart`` changed) every curve is built by ``ruin_chart`` itself.

    Parameters
    ----------
    ruin_curve : pandas.DataFrame
        ``run_tables(result)["ruin_curve"]``, of one lab or several.

    Returns
    -------
    dict
        Equal to ``render.spec(ruin_chart(ruin_curve))``.
    """
    if "lab" in ruin_curve.columns or ruin_curve.empty:  # several labs' curves, or nothing to draw
        return render.spec(run_charts.ruin_chart(ruin_curve))
    data = run_charts.ruin_rows(ruin_curve)
    domain = _ruin_domain(data)
    skeleton = _SKELETONS.get(_RUIN_KEY)
    if skeleton is None:
        chart = run_charts.ruin_chart(ruin_curve)
        built = _without_rows(chart)
        layers = _ruin_layers(built.spec)
        if layers and all(layer["encoding"]["y"]["scale"]["domain"] == domain for layer in layers):
            _SKELETONS[_RUIN_KEY] = built  # the domain is where the rows set it: keep the rest
        return render.spec(chart)
    spec = copy.deepcopy(skeleton.spec)
    for layer in _ruin_layers(spec):
        layer["encoding"]["y"]["scale"]["domain"] = list(domain)

    def set_y(y: Any) -> None:
        y["scale"] = alt.Scale(domain=list(domain))

    _renamed(spec, {str(layer["name"]): _view_name(layer, index, set_y) for index, layer in skeleton.named})
    spec["datasets"] = {RUIN_DATASET: json_records(data)}
    return spec
