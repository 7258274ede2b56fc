"""Value axes of the charts: log or linear scale, and how their numbers read.

Money in a run spans decades (revenue grows from millions to hundreds of
billions of dollars a year; cash falls below zero when a lab is ruined), so
a value axis offers a log scale beside the linear one. Values that stay
positive get a logarithmic scale; values that reach zero or cross it get a
symmetric log scale (``symlog``: linear near zero, logarithmic beyond its
``constant``; Webber 2013, "A bi-symmetric log transformation for wide-range
data", Meas. Sci. Technol. 24 027001), so that a month-by-month median of
``$0`` is not flattened against a line at zero.

:func:`value_scale` picks the scale from the values; every chart with such
an axis records both forms in its ``usermeta`` (see :func:`log_toggle`), so
the dashboard's toggle switches between them without asking the server.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Ratio of the largest to the smallest nonzero magnitude above which an axis spans "decades" (log by default).
DECADES_RATIO = 30.0

#: Smallest magnitude shown on a log axis, as a share of the largest (lower values sit on the axis' floor).
LOG_FLOOR_SHARE = 1e-5

#: Most ticks of a log axis (decades are skipped beyond it).
MAX_LOG_TICKS = 7

#: Key of the chart's own metadata in a specification's ``usermeta``.
USERMETA_KEY = "frontiersim"


def is_money(unit: str) -> bool:
    """Whether a unit is an amount of money: ``USD`` or ``USD/...`` (``USD/year``, ``USD/GW/year``).

    Examples
    --------
    >>> is_money("USD/year"), is_money("GW")
    (True, False)
    """
    return unit == "USD" or unit.startswith("USD/")


def label_expression(unit: str) -> str:
    """A Vega expression formatting an axis label ``datum.value`` in ``unit``.

    Money reads ``$0``, ``$250M``, ``$1.5B``, ``-$2T`` (as :func:`frontiersim.units.money`);
    a probability in percent; gigawatts with ``GW``; anything else as a number
    with three significant digits, never in e-notation.

    Examples
    --------
    >>> label_expression("probability")
    "format(datum.value, '.0%')"
    """
    if is_money(unit):
        return (
            "datum.value == 0 ? '$0' : "
            "replace(replace(replace(format(datum.value, '$,.3~s'), 'G', 'B'), 'k', 'K'), '−', '-')"
        )
    if unit == "probability":
        return "format(datum.value, '.0%')"
    suffix = " + ' GW'" if unit == "GW" else ""
    number = "(abs(datum.value) >= 1 || datum.value == 0 ? format(datum.value, ',.3~r') : format(datum.value, '.2~r'))"
    return number + suffix


@dataclass(frozen=True)
class ValueScale:
    """The scales a value axis offers and the one it starts with.

    Attributes
    ----------
    log_type : str
        ``"log"`` for values that stay positive, ``"symlog"`` for values
        that reach zero or cross it.
    log : bool
        Whether the axis starts on ``log_type`` (the values span decades).
    floor : float
        Smallest magnitude the log axis shows: the smallest nonzero
        magnitude, at least :data:`LOG_FLOOR_SHARE` of the largest.
    ticks : tuple of float
        Ticks of the log axis: powers of ten (and zero for ``symlog``).
    """

    log_type: str
    log: bool
    floor: float
    ticks: tuple[float, ...]

    def scale(self, log: bool) -> dict[str, Any]:
        """The Vega-Lite ``scale`` of the axis in its log (``log=True``) or linear form."""
        if not log:
            return {"type": "linear", "zero": False, "nice": True}
        if self.log_type == "symlog":
            return {"type": "symlog", "constant": self.floor, "nice": False}
        return {"type": "log", "domainMin": self.floor, "clamp": True, "nice": False}

    def axis_values(self, log: bool) -> list[float] | None:
        """Explicit ticks of the log form (None: the linear form's own ticks)."""
        return list(self.ticks) if log else None


def _decade_ticks(floor: float, high: float, negative: float, with_zero: bool) -> tuple[float, ...]:
    """Powers of ten from ``floor`` to ``high`` (mirrored below zero down to ``-negative``), thinned to a few."""
    if high <= 0 and negative <= 0:
        return (0.0,) if with_zero else ()
    # 10.0**e is a power of ten only down to the smallest normal float's decade; below it, no tick
    first = max(math.floor(math.log10(floor)), sys.float_info.min_10_exp)
    if with_zero:
        first += 1  # a symlog axis is linear below ``floor``: a tick there would sit on the tick at zero
    last_positive = math.ceil(math.log10(high)) if high > 0 else first
    last_negative = math.ceil(math.log10(negative)) if negative > 0 else first
    exponents = list(range(first, max(last_positive, last_negative) + 1))
    count = (high > 0) * len(exponents) + (negative > 0) * len(exponents)
    step = max(1, math.ceil(count / MAX_LOG_TICKS))
    kept = exponents[::-1][::step][::-1]
    ticks: list[float] = []
    if negative > 0:
        ticks += [-(10.0**e) for e in reversed(kept) if 10.0**e <= negative * 10]
    if with_zero:
        ticks.append(0.0)
    if high > 0:
        ticks += [10.0**e for e in kept if 10.0**e <= high * 10]
    return tuple(ticks)


def value_scale(values: Iterable[float]) -> ValueScale:
    """The log form an axis of ``values`` offers, and whether it starts on it.

    Parameters
    ----------
    values : iterable of float
        Every value the axis shows (NaN and infinities are ignored).

    Returns
    -------
    ValueScale
        ``log`` is True when the nonzero magnitudes span more than a factor
        of :data:`DECADES_RATIO` (after flooring them at
        :data:`LOG_FLOOR_SHARE` of the largest).

    Examples
    --------
    >>> value_scale([1e6, 2e9, 5e11]).log_type, value_scale([1e6, 2e9, 5e11]).log
    ('log', True)
    >>> value_scale([-3e9, 0.0, 1e6, 2e10]).log_type
    'symlog'
    >>> value_scale([10.0, 20.0]).log
    False
    """
    array = np.asarray(list(values), dtype=float)
    array = array[np.isfinite(array)]
    magnitudes = np.abs(array[array != 0])
    if magnitudes.size == 0:
        return ValueScale("symlog" if array.size else "log", False, 1.0, (0.0,))
    high = float(magnitudes.max())
    floor = max(float(magnitudes.min()), high * LOG_FLOOR_SHARE)
    crosses = bool((array <= 0).any())
    positive_high = float(array.max()) if (array > 0).any() else 0.0
    negative_high = float(-array.min()) if (array < 0).any() else 0.0
    ticks = _decade_ticks(floor, positive_high, negative_high, crosses)
    return ValueScale("symlog" if crosses else "log", high / floor > DECADES_RATIO, floor, ticks)


def log_toggle(scale: ValueScale) -> dict[str, Any]:
    """The ``usermeta`` entry of a chart whose ``y`` axis has a log and a linear form.

    The page switches forms by setting, on every ``y`` encoding that has a
    ``scale``, the ``scale`` and the axis' ``values`` of the form chosen.

    Returns
    -------
    dict
        ``log`` (the form the chart starts with) and ``forms``: ``log`` and
        ``linear``, each with its ``scale`` and ``axis_values`` (None for
        the axis' own ticks).
    """
    return {
        "log": scale.log,
        "forms": {
            name: {"scale": scale.scale(log), "axis_values": scale.axis_values(log)}
            for name, log in (("log", True), ("linear", False))
        },
    }


def with_log_scale(spec: dict[str, Any], log: bool) -> dict[str, Any]:
    """The specification with its value axis in the log (or linear) form its ``usermeta`` records.

    This is what the dashboard's toggle does in the page (``static/charts.js``).

    Parameters
    ----------
    spec : dict
        A Vega-Lite specification (as from ``chart.to_dict()``) of a chart
        with a log toggle.
    log : bool

    Returns
    -------
    dict
        A new specification; ``spec`` is left as it is.

    Raises
    ------
    ValueError
        When the chart has no log toggle.
    """
    toggle = spec.get("usermeta", {}).get(USERMETA_KEY, {}).get("log_toggle")
    if toggle is None:
        raise ValueError("this chart has no log-scale toggle")
    form = toggle["forms"]["log" if log else "linear"]

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        copied = {key: walk(value) for key, value in node.items() if key != "usermeta"}
        if "usermeta" in node:
            copied["usermeta"] = node["usermeta"]
        y = copied.get("encoding", {}).get("y")
        if isinstance(y, dict) and "scale" in y:
            y["scale"] = dict(form["scale"])
            axis = dict(y.get("axis") or {})
            if form["axis_values"] is None:
                axis.pop("values", None)
            else:
                axis["values"] = list(form["axis_values"])
            y["axis"] = axis
        return copied

    result: dict[str, Any] = walk(spec)
    result["usermeta"] = {**spec["usermeta"], USERMETA_KEY: {**spec["usermeta"][USERMETA_KEY]}}
    result["usermeta"][USERMETA_KEY]["log_toggle"] = {**toggle, "log": log}
    return result
