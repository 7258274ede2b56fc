"""Charts of a run's tables: fan charts, P(ruin) over time, each lab's P(ruin), capability milestones.

Each function takes one of the flat tables of
:func:`frontiersim.results.tables.run_tables` (or a stored run's tables)
and returns an :class:`altair.Chart` (a Vega-Lite specification with its
data). Labels and units come from the tables (a fan row's ``label`` and
``units``), never from names. The HTML report renders these charts to SVG,
the dashboard draws the very same specifications in the page.

In the page a chart has tooltips (the pointer picks the nearest month; the
tooltip gives the month-by-month median and the bands, formatted with their
units), zooms and pans along time (mouse wheel, drag; double click
resets), and money axes that span decades toggle between a log and a linear
scale (:mod:`frontiersim.charts.scales`).

Tables of a run of several labs have a ``lab`` column: :func:`fan_chart`
draws one panel per lab on a shared axis (or one lab, ``lab=``),
:func:`ruin_chart` one curve per lab and :func:`ruin_by_lab_chart` each
lab's P(ruin) with its interval.

Examples
--------
>>> import frontiersim as fs
>>> from frontiersim.results import run_tables
>>> tables = run_tables(fs.simulate(fs.bundled("default"), draws=200, seed=1))
>>> spec = fan_chart(tables["fan"], "revenue_usd_per_year").to_dict()
>>> spec["usermeta"]["frontiersim"]["chart"], spec["usermeta"]["frontiersim"]["log_toggle"]["log"]
('fan', True)
"""

from __future__ import annotations

import math
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from frontiersim.charts.scales import (
    USERMETA_KEY,
    ValueScale,
    is_money,
    label_expression,
    log_toggle,
    value_scale,
)
from frontiersim.results.result import SimulationResult
from frontiersim.results.tables import lab_rows, run_tables, table_labs
from frontiersim.units import format_number, money, percent

#: What the chart functions return: a layered chart, or one panel per lab.
Chart = alt.LayerChart | alt.FacetChart

#: Colour of a single fan and of a single P(ruin) curve.
FAN_COLOUR, RUIN_COLOUR = "#1f77b4", "#d62728"

#: Colours of the labs, in order (the "tableau10" cycle).
LAB_COLOURS: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)

#: Size of one panel, in pixels.
WIDTH, HEIGHT, PANEL_WIDTH = 440, 230, 230

#: Most lab panels a row of a fan chart holds.
PANELS_PER_ROW = 4

#: Readable forms of units in axis titles.
_UNIT_TEXT: dict[str, str] = {"1": "ratio", "USD": "USD", "USD/year": "USD/year", "GW": "GW", "tiers": "tiers"}

#: What the shading and the line of a fan chart show.
FAN_NOTE = "shaded: 5–95% and 25–75% of draws; line: the month-by-month median"


def lab_colour(index: int) -> str:
    """The colour of the lab at ``index`` (cycling after ten labs)."""
    return LAB_COLOURS[index % len(LAB_COLOURS)]


def value_text(value: object, unit: str) -> str:
    """A value as a tooltip shows it: money ``$1.5B``, a probability in percent, else a number with its unit.

    Examples
    --------
    >>> value_text(1.5e9, "USD/year"), value_text(0.034, "probability"), value_text(12.345, "GW")
    ('$1.5B', '3.4%', '12.3 GW')
    >>> value_text(float("nan"), "USD")
    'n/a'
    >>> value_text(1e-7, "probability"), value_text(2.5e-9, "GW"), value_text(1.5e20, "FLOP")
    ('1.0×10^-5%', '2.5×10^-9 GW', '1.5×10^20 FLOP')
    """
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        return "n/a"
    if is_money(unit):
        return money(number)
    if unit == "probability":
        return percent(number)
    text = format_number(number)
    shown_unit = _UNIT_TEXT.get(unit, unit)
    return f"{text} {shown_unit}" if unit not in ("", "1") else text


def variable_label(fan: pd.DataFrame, variable: str) -> str:
    """What a fan variable shows, from the table's ``label`` column (the variable's name without one).

    Examples
    --------
    >>> variable_label(pd.DataFrame({"variable": ["cash_usd"], "label": ["cash"]}), "cash_usd")
    'cash'
    """
    if "label" in fan.columns:
        labels = fan.loc[fan["variable"] == variable, "label"]
        if len(labels) and str(labels.iloc[0]):
            return str(labels.iloc[0])
    return variable


def decimal_years(dates: pd.Series) -> list[float]:
    """``"YYYY-MM"`` or ``"YYYY"`` as decimal years (a month at its start).

    Examples
    --------
    >>> decimal_years(pd.Series(["2026-01", "2026-07", "2027"]))
    [2026.0, 2026.5, 2027.0]
    """
    return [int(str(d)[:4]) + ((int(str(d)[5:7]) - 1) / 12.0 if len(str(d)) >= 7 else 0.0) for d in dates]


def _meta(chart: str, **extra: Any) -> dict[str, Any]:
    return {USERMETA_KEY: {"chart": chart, **extra}}


def _one_lab(table: pd.DataFrame, lab: str | None, what: str) -> pd.DataFrame:
    """The rows of ``lab`` (or of the only lab) of a table with a ``lab`` column; the table itself without one."""
    labs = table_labs(table)
    if not labs:
        return table
    if lab is None:
        if len(labs) > 1:
            raise ValueError(f"the {what} table has {len(labs)} labs ({', '.join(labs)}); name one with lab=")
        lab = labs[0]
    if lab not in labs:
        raise ValueError(f"no lab {lab!r} in the {what} table (it holds: {', '.join(labs)})")
    return lab_rows(table, lab)


def _variable_rows(fan: pd.DataFrame, variable: str) -> pd.DataFrame:
    rows = fan[fan["variable"] == variable]
    if rows.empty:
        known = ", ".join(str(v) for v in pd.unique(fan["variable"]))
        raise ValueError(f"no rows of {variable!r} in the fan table (it holds: {known})")
    return rows


def _year_axis(title: str) -> alt.Axis:
    return alt.Axis(title=title, format="d", tickMinStep=1, labelFlush=True)


def with_data(chart: Chart, frame: pd.DataFrame, name: str) -> Chart:
    """``chart`` drawing ``frame``: a dataset of the specification, one JSON object per row (``None`` for NaN).

    Set last, as attributes: Altair would otherwise copy, hash and validate the
    rows at every step of building the chart.
    """
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    chart["data"] = alt.NamedData(name=name)
    chart["datasets"] = {name: records}
    return chart


def _fan_data(rows: pd.DataFrame, unit: str, labs: list[str]) -> pd.DataFrame:
    """The tidy rows a fan chart draws: one per period (and lab), quantiles and their tooltip texts."""
    years = decimal_years(rows["date"])
    data = pd.DataFrame(
        {
            "date": rows["date"].astype(str).to_numpy(),
            "year": years,
            "year_end": [
                y + (1.0 / 12.0 if len(str(d)) >= 7 else 1.0) for y, d in zip(years, rows["date"], strict=True)
            ],
            **{column: rows[column].to_numpy(dtype=float) for column in ("p5", "p25", "p50", "p75", "p95")},
        }
    )
    if labs:
        data.insert(0, "lab", rows["lab"].astype(str).to_numpy())
    data["median"] = [value_text(v, unit) for v in data["p50"]]
    data["25–75%"] = [
        f"{value_text(a, unit)} to {value_text(b, unit)}" for a, b in zip(data["p25"], data["p75"], strict=True)
    ]
    data["5–95%"] = [
        f"{value_text(a, unit)} to {value_text(b, unit)}" for a, b in zip(data["p5"], data["p95"], strict=True)
    ]
    return data


def fan_chart(fan: pd.DataFrame, variable: str, *, lab: str | None = None, log: bool | None = None) -> Chart:
    """Month-by-month median and 25-75% and 5-95% bands of one variable over time.

    Parameters
    ----------
    fan : pandas.DataFrame
        A fan table (``run_tables(result)["fan"]``, ``["capability"]`` or ``["market"]``).
    variable : str
        One of its ``variable`` values, e.g. ``"revenue_usd_per_year"``.
    lab : str, optional
        The lab to draw. Without it, a table of several labs gets one panel
        per lab on a shared value axis, each in the lab's colour.
    log : bool, optional
        Start on the log (or symmetric log) scale. By default, when the
        values span decades (:func:`frontiersim.charts.scales.value_scale`).

    Returns
    -------
    altair.LayerChart or altair.FacetChart
        Two shaded bands and the median line; the axis title is the rows'
        ``label`` and ``units``; money axes read ``$1.5B``. Its
        ``usermeta`` records the chart (``"fan"``), the variable, and the
        log and linear forms of the value axis (``log_toggle``).

    Raises
    ------
    ValueError
        For a variable or lab the table lacks.
    """
    rows = _variable_rows(fan, variable)
    labs = table_labs(rows)
    if lab is not None or len(labs) == 1:
        rows = _one_lab(rows, lab, "fan")
        labs = []
    unit = str(rows["units"].iloc[0])
    period = str(rows["period"].iloc[0])
    label = variable_label(rows, variable)
    data = _fan_data(rows, unit, labs)
    scale = value_scale(rows[["p5", "p25", "p50", "p75", "p95"]].to_numpy(dtype=float).ravel())
    start_log = scale.log if log is None else log
    by = "by month" if period == "month" else "by year"
    title = f"{label[:1].upper()}{label[1:]}, {by}" + (f": lab {lab}" if lab is not None else "")
    unit_text = _UNIT_TEXT.get(unit, unit)
    axis_title = f"{label} ({unit_text})" if unit_text else label
    meta = _meta("fan", variable=variable, unit=unit, log_toggle=log_toggle(scale))
    meta[USERMETA_KEY]["log_toggle"]["log"] = start_log
    if labs:
        panel = _fan_layers(axis_title, unit, scale, start_log, labs, width=PANEL_WIDTH, height=HEIGHT - 40)
        faceted = panel.facet(
            facet=alt.Facet("lab:N", sort=labs, title=None, header=alt.Header(labelFontWeight="bold")),
            columns=min(len(labs), PANELS_PER_ROW),
            data=alt.NamedData(name="fan"),
            title=alt.Title(f"{title}, each lab", subtitle=FAN_NOTE),
            usermeta=meta,
        )
        return with_data(faceted, data, "fan")
    chart = _fan_layers(
        axis_title,
        unit,
        scale,
        start_log,
        labs,
        width=WIDTH,
        height=HEIGHT,
        title=alt.Title(title, subtitle=FAN_NOTE),
        usermeta=meta,
    )
    return with_data(chart, data, "fan")


def _value_y(field: str, title: str, unit: str, scale: ValueScale, log: bool) -> alt.Y:
    values = scale.axis_values(log)
    axis = alt.Axis(title=title, labelExpr=label_expression(unit), values=values or alt.Undefined)
    return alt.Y(field=field, type="quantitative", scale=alt.Scale(**scale.scale(log)), axis=axis)


def _fan_layers(axis_title: str, unit: str, scale: ValueScale, log: bool, labs: list[str], **properties: Any) -> Chart:
    """Bands, median and the hover layers of a fan (of each lab when ``labs``), with the chart's ``properties``."""
    base = alt.Chart()
    x = alt.X(field="year", type="quantitative", axis=_year_axis("date"), scale=alt.Scale(zero=False, nice=False))
    colour = (
        alt.Color("lab:N", scale=alt.Scale(domain=labs, range=[lab_colour(k) for k in range(len(labs))]), legend=None)
        if labs
        else alt.ColorValue(FAN_COLOUR)
    )
    zoom = alt.selection_interval(name="zoom", bind="scales", encodings=["x"])
    tooltip = [
        *([alt.Tooltip(field="lab", type="nominal", title="lab")] if labs else []),
        alt.Tooltip(field="date", type="nominal", title="date"),
        alt.Tooltip(field="median", type="nominal", title="median"),
        alt.Tooltip(field="25–75%", type="nominal", title="25–75% of draws"),
        alt.Tooltip(field="5–95%", type="nominal", title="5–95% of draws"),
    ]
    outer = base.mark_area(opacity=0.18).encode(
        x=x, y=_value_y("p5", axis_title, unit, scale, log), y2=alt.Y2("p95"), color=colour
    )
    inner = base.mark_area(opacity=0.35).encode(
        x=x, y=_value_y("p25", axis_title, unit, scale, log), y2=alt.Y2("p75"), color=colour
    )
    median = base.mark_line(strokeWidth=1.8).encode(x=x, y=_value_y("p50", axis_title, unit, scale, log), color=colour)
    rule, strips = _hover_layers(base, x, tooltip)
    points = (
        base.mark_point(size=40, filled=True)
        .encode(x=x, y=_value_y("p50", axis_title, unit, scale, log), color=colour)
        .transform_filter(_HOVER)
    )
    return alt.layer(outer.add_params(zoom), inner, median, rule, points, strips, **properties)


#: The period under the pointer (its ``year``), picked by the hover strips of :func:`_hover_layers`.
_HOVER = alt.selection_point(name="hover", fields=["year"], on="pointerover", clear="pointerout", empty=False)


def _hover_layers(base: alt.Chart, x: alt.X, tooltip: list[alt.Tooltip]) -> tuple[alt.Chart, alt.Chart]:
    """A guide line at the period under the pointer, and the invisible strips (one per period) that carry tooltips.

    Each strip spans its period (``year`` to ``year_end``) and the whole height,
    so the pointer anywhere in the plot shows that period's figures. (Vega-Lite's
    ``nearest`` selections lose the tooltip's fields, hence strips.)
    """
    rule = base.mark_rule(color="#888888").encode(x=x).transform_filter(_HOVER)
    strips = base.mark_rect(opacity=0.0).encode(x=x, x2=alt.X2("year_end"), tooltip=tooltip).add_params(_HOVER)
    return rule, strips


def ruin_rows(ruin_curve: pd.DataFrame) -> pd.DataFrame:
    """The rows :func:`ruin_chart` draws (without the ``lab`` column): each month's date, end and share ruined."""
    years = decimal_years(ruin_curve["date"])
    data = pd.DataFrame(
        {
            "date": ruin_curve["date"].astype(str).to_numpy(),
            "year": [y + 1.0 / 12.0 for y in years],
            "year_end": years,  # the month's start: its strip spans the month
            "p_ruin": ruin_curve["p_ruin"].to_numpy(dtype=float),
        }
    )
    data["P(ruin) so far"] = [value_text(p, "probability") for p in data["p_ruin"]]
    return data


def ruin_domain(data: pd.DataFrame) -> list[float]:
    """The value axis of :func:`ruin_chart` for its rows: from 0 to 1.15 times the highest share ruined, at least 1%."""
    top = max(float(np.nanmax(data["p_ruin"])) * 1.15 if len(data) else 0.0, 0.01)
    return [0.0, min(top, 1.0)]


def ruin_chart(ruin_curve: pd.DataFrame) -> Chart:
    """Share of draws in which each lab is ruined at or before each month's end.

    Parameters
    ----------
    ruin_curve : pandas.DataFrame
        ``run_tables(result)["ruin_curve"]`` (columns lab, month, date, p_ruin).

    Returns
    -------
    altair.LayerChart or altair.FacetChart
        One step line per lab, P(ruin) in percent; with several labs each in
        its colour, with a legend.
    """
    labs = table_labs(ruin_curve)
    data = ruin_rows(ruin_curve)
    several = len(labs) > 1
    if labs:
        data.insert(0, "lab", ruin_curve["lab"].astype(str).to_numpy())
    colour = (
        alt.Color("lab:N", scale=alt.Scale(domain=labs, range=[lab_colour(k) for k in range(len(labs))]))
        if several
        else alt.ColorValue(RUIN_COLOUR)
    )
    x = alt.X(
        field="year", type="quantitative", axis=_year_axis("date (monthly)"), scale=alt.Scale(zero=False, nice=False)
    )
    y = alt.Y(
        "p_ruin:Q",
        scale=alt.Scale(domain=ruin_domain(data)),
        axis=alt.Axis(title="share of draws ruined", format=".1~%"),
    )
    zoom = alt.selection_interval(name="zoom", bind="scales", encodings=["x"])
    tooltip = [
        *([alt.Tooltip(field="lab", type="nominal", title="lab")] if several else []),
        alt.Tooltip(field="date", type="nominal", title="month"),
        alt.Tooltip(field="P(ruin) so far", type="nominal", title="P(ruin) so far"),
    ]
    base = alt.Chart()
    line = base.mark_line(interpolate="step-before", strokeWidth=1.8).encode(x=x, y=y, color=colour)
    rule, strips = _hover_layers(base, x, tooltip)
    points = base.mark_point(size=40, filled=True).encode(x=x, y=y, color=colour).transform_filter(_HOVER)
    chart = alt.layer(
        line.add_params(zoom),
        rule,
        points,
        strips,
        width=WIDTH,
        height=HEIGHT,
        title=alt.Title("P(ruin) over time (cumulative)", subtitle="share of draws ruined by each month's end"),
        usermeta=_meta("ruin"),
    )
    return with_data(chart, data, "ruin")


def ruin_by_lab_chart(headline: pd.DataFrame) -> Chart:
    """Each lab's P(ruin within the horizon) with its 95% Wilson interval.

    Parameters
    ----------
    headline : pandas.DataFrame
        ``run_tables(result)["headline"]`` (columns lab, p_ruin, p_ruin_low, p_ruin_high).

    Returns
    -------
    altair.LayerChart or altair.FacetChart
        One horizontal bar per lab, in the lab's colour, with its interval.
    """
    labs = [str(lab) for lab in headline["lab"]] if "lab" in headline.columns else ["lab"]
    data = pd.DataFrame(
        {
            "lab": labs,
            "p_ruin": headline["p_ruin"].to_numpy(dtype=float),
            "low": headline["p_ruin_low"].to_numpy(dtype=float),
            "high": headline["p_ruin_high"].to_numpy(dtype=float),
        }
    )
    data["P(ruin)"] = [value_text(p, "probability") for p in data["p_ruin"]]
    data["95% Wilson interval"] = [
        f"{value_text(a, 'probability')} to {value_text(b, 'probability')}"
        for a, b in zip(data["low"], data["high"], strict=True)
    ]
    top = max(float(np.nanmax(data["high"])) * 1.15 if len(data) else 0.0, 0.01)
    y = alt.Y("lab:N", sort=labs, title=None)
    x = alt.X("p_ruin:Q", scale=alt.Scale(domain=[0.0, min(top, 1.0)]), axis=alt.Axis(format=".1~%"))
    tooltip = [alt.Tooltip("lab:N"), alt.Tooltip("P(ruin):N"), alt.Tooltip("95% Wilson interval:N")]
    base = alt.Chart(data)
    colour = alt.Color(
        "lab:N", scale=alt.Scale(domain=labs, range=[lab_colour(k) for k in range(len(labs))]), legend=None
    )
    bars = base.mark_bar(opacity=0.8).encode(
        y=y, x=x.title("P(ruin within the horizon), with 95% Wilson interval"), color=colour, tooltip=tooltip
    )
    whiskers = base.mark_rule(color="black").encode(y=y, x="low:Q", x2="high:Q", tooltip=tooltip)
    return alt.layer(
        bars,
        whiskers,
        width=WIDTH,
        height=max(60, 26 * len(labs)),
        title="P(ruin) of each lab",
        usermeta=_meta("ruin_by_lab"),
    )


def milestone_chart(milestones: pd.DataFrame, *, lab: str | None = None) -> Chart:
    """When each capability milestone is reached: median date and 5-95% range of draws.

    Parameters
    ----------
    milestones : pandas.DataFrame
        ``run_tables(result)["milestones"]``.
    lab : str, optional
        The lab to draw; may be left out when the table has one lab.

    Returns
    -------
    altair.LayerChart or altair.FacetChart
        One horizontal range per milestone reached by at least 5% of draws
        (open to the right when fewer than 95% reach it) and a dot at the
        median date; each label gives the share of draws reaching it within
        the horizon.
    """
    milestones = _one_lab(milestones, lab, "milestones")
    names = [
        f"{str(m).replace('_', ' ')} ({float(share):.0%})"
        for m, share in zip(milestones["milestone"], milestones["share_reached"], strict=True)
    ]
    reached = [str(d) for column in ("p5_date", "p50_date", "p95_date") for d in milestones[column] if d]
    right = (max(decimal_years(pd.Series(reached))) if reached else 0.0) + 1.0 / 12.0

    def year_of(date: object, missing: float | None) -> float | None:
        return decimal_years(pd.Series([str(date)]))[0] if date else missing

    data = pd.DataFrame(
        {
            "milestone": names,
            "low": [year_of(d, None) for d in milestones["p5_date"]],
            "median": [year_of(d, None) for d in milestones["p50_date"]],
            "high": [
                year_of(d, right) if low else None
                for d, low in zip(milestones["p95_date"], milestones["p5_date"], strict=True)
            ],
            "5% of draws by": [str(d) or "not reached" for d in milestones["p5_date"]],
            "median date": [str(d) or "not reached" for d in milestones["p50_date"]],
            "95% of draws by": [str(d) or "not reached" for d in milestones["p95_date"]],
        }
    ).replace({np.nan: None})
    y = alt.Y("milestone:N", sort=names, title=None)
    tooltip = [
        alt.Tooltip(c, type="nominal") for c in ("milestone", "5% of draws by", "median date", "95% of draws by")
    ]
    base = alt.Chart(data)
    ranges = base.mark_rule(strokeWidth=6, opacity=0.35, color=FAN_COLOUR).encode(
        y=y,
        x=alt.X("low:Q", axis=_year_axis("date reached (dot: median; bar: 5-95% of draws)")),
        x2="high:Q",
        tooltip=tooltip,
    )
    dots = base.mark_point(filled=True, size=60, color=FAN_COLOUR, opacity=1).encode(y=y, x="median:Q", tooltip=tooltip)
    title = "Capability milestones (share of draws reaching each)"
    return alt.layer(
        ranges,
        dots,
        width=WIDTH,
        height=max(60, 28 * len(names)),
        title=title if lab is None else f"{title}: lab {lab}",
        usermeta=_meta("milestones"),
    )


def charts_from_result(result: SimulationResult) -> dict[str, alt.TopLevelMixin]:
    """Every chart of a result, keyed by the table variable they show.

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    dict of str to altair chart
        The fan charts (``"revenue_usd_per_year"``, ``"demand_usd_per_year"``,
        ``"capacity_gw"``, ``"cash_usd"``, ``"unserved_usd_per_year"``),
        ``"ruin_curve"`` and, when capability drives demand,
        ``"milestones"``, ``"year_capability_index"`` and ``"year_overhang"``.
        With several labs each fan chart shows every lab side by side, and
        there are also ``"ruin_by_lab"``, ``"market_demand_usd_per_year"``
        (the market's demand) and one ``"milestones.<lab>"`` per lab
        instead of ``"milestones"``.
    """
    return charts_from_tables(run_tables(result))


def charts_from_tables(tables: dict[str, pd.DataFrame]) -> dict[str, alt.TopLevelMixin]:
    """The charts of :func:`charts_from_result` from already computed (or stored) tables.

    Charts whose table is missing are left out.
    """
    charts: dict[str, alt.TopLevelMixin] = {}
    labs = table_labs(tables["headline"]) if "headline" in tables else []
    several = len(labs) > 1
    for name in ("fan", "capability"):
        if name in tables:
            for variable in pd.unique(tables[name]["variable"]):
                charts[str(variable)] = fan_chart(tables[name], str(variable))
    if several and "market" in tables:
        for variable in pd.unique(tables["market"]["variable"]):
            charts[str(variable)] = fan_chart(tables["market"], str(variable))
    if "ruin_curve" in tables:
        charts["ruin_curve"] = ruin_chart(tables["ruin_curve"])
    if several and "headline" in tables:
        charts["ruin_by_lab"] = ruin_by_lab_chart(tables["headline"])
    milestones = tables.get("milestones")
    if milestones is not None and len(milestones):
        if several:
            for lab in table_labs(milestones):
                charts[f"milestones.{lab}"] = milestone_chart(milestones, lab=lab)
        else:
            charts["milestones"] = milestone_chart(milestones)
    return charts
