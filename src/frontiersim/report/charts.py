"""Charts of a run's tables, as matplotlib Figures (for notebooks and the HTML report).

Each function takes one of the flat tables of
:func:`frontiersim.results.tables.run_tables` (or a stored run's tables)
and returns a :class:`matplotlib.figure.Figure`. Given ``ax``, a function
draws on that axes instead and returns its figure. Labels and units come
from the tables (a fan row's ``label`` and ``units``), never from names.

Tables of a run of several labs have a ``lab`` column: :func:`fan_chart`
and :func:`milestone_chart` draw one lab (``lab=``), :func:`lab_fans_chart`
draws every lab's fan side by side on a shared axis, :func:`ruin_chart` one
curve per lab and :func:`ruin_by_lab_chart` each lab's P(ruin) with its
interval.

Matplotlib is imported only when a chart is drawn, and always through its
object interface (``Figure`` with an Agg canvas): nothing here touches
``pyplot``'s global state or selects a backend for the process.

Examples
--------
>>> import frontiersim as fs
>>> from frontiersim.results import run_tables
>>> tables = run_tables(fs.simulate(fs.bundled("default"), draws=200, seed=1))
>>> figure = fan_chart(tables["fan"], "revenue_usd_per_year")
>>> figure.axes[0].get_ylabel()
'revenue (USD/year, log scale)'
"""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from frontiersim.results.result import SimulationResult
from frontiersim.results.tables import lab_rows, run_tables, table_labs
from frontiersim.units import money

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FloatArray = NDArray[np.float64]

#: Colours (matplotlib's default cycle, named for what they show), as in the frontier plot.
_FAN, _RUIN, _CANDIDATE, _CHOSEN, _NAIVE, _FEASIBLE = "#1f77b4", "#d62728", "#1f77b4", "#ff7f0e", "#6a3d9a", "#2ca02c"

#: Colours of the labs, in order (matplotlib's tab10 cycle).
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

#: Readable forms of units in axis labels.
_UNIT_TEXT: dict[str, str] = {"1": "ratio", "USD": "USD", "USD/year": "USD/year", "GW": "GW", "tiers": "tiers"}


def _new_axes(ax: Axes | None, size: tuple[float, float] = (7.0, 3.6)) -> tuple[Figure, Axes]:
    """``ax`` and its figure, or a fresh Agg figure with one axes."""
    if ax is not None:
        figure = ax.get_figure(root=True)
        if figure is None:  # pragma: no cover - an axes always belongs to a figure
            raise ValueError("the axes belongs to no figure")
        return figure, ax
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 (see the module docstring)
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def money_tick(value: float, _position: object = None) -> str:
    """A money axis tick: ``$0``, ``$250M``, ``$1.5B``, ``-$2T``.

    Examples
    --------
    >>> money_tick(1.5e9), money_tick(-2e12), money_tick(0.0)
    ('$1.5B', '-$2T', '$0')
    """
    if value == 0:
        return "$0"
    return money(value)


def plain_tick(value: float, _position: object = None) -> str:
    """A plain number tick for a log axis: ``1``, ``10``, ``1,000``, ``0.1``.

    Examples
    --------
    >>> plain_tick(1000.0), plain_tick(0.1)
    ('1,000', '0.1')
    """
    return f"{value:,.6g}"


def _decimal_years(dates: pd.Series) -> FloatArray:
    """``"YYYY-MM"`` or ``"YYYY"`` as decimal years (a month at its start)."""
    years = np.array([int(d[:4]) for d in dates], dtype=float)
    months = np.array([int(d[5:7]) - 1 if len(d) >= 7 else 0 for d in dates], dtype=float)
    result: FloatArray = years + months / 12.0
    return result


def _year_axis(ax: Axes) -> None:
    """Whole calendar years on the x axis."""
    from matplotlib.ticker import FormatStrFormatter, MaxNLocator  # noqa: PLC0415

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FormatStrFormatter("%d"))


def lab_colour(index: int) -> str:
    """The colour of the lab at ``index`` (cycling after ten labs)."""
    return LAB_COLOURS[index % len(LAB_COLOURS)]


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


def _wants_log(rows: pd.DataFrame) -> bool:
    """Whether a fan spans orders of magnitude (then a log axis reads better).

    True when the 5-95% band stays positive and spans more than a factor of
    30, or when the median stays positive and spans more than a factor of 20
    (band values at or below zero then run off the bottom of the axes).
    """
    low, high = float(rows["p5"].min()), float(rows["p95"].max())
    median_low, median_high = float(rows["p50"].min()), float(rows["p50"].max())
    return (low > 0 and high / low > 30.0) or (median_low > 0 and median_high / median_low > 20.0)


def _variable_rows(fan: pd.DataFrame, variable: str) -> pd.DataFrame:
    rows = fan[fan["variable"] == variable]
    if rows.empty:
        known = ", ".join(str(v) for v in pd.unique(fan["variable"]))
        raise ValueError(f"no rows of {variable!r} in the fan table (it holds: {known})")
    return rows


def is_money(unit: str) -> bool:
    """Whether a unit is an amount of money: ``USD`` or ``USD/...`` (``USD/year``, ``USD/GW/year``).

    Examples
    --------
    >>> is_money("USD/year"), is_money("GW")
    (True, False)
    """
    return unit == "USD" or unit.startswith("USD/")


def _value_axis(ax: Axes, label: str, units: str, log: bool) -> None:
    """Label, scale and tick format of a fan's y axis (money ticks for money units)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: PLC0415

    unit_text = _UNIT_TEXT.get(units, units)
    ax.set_ylabel(f"{label} ({unit_text})" if unit_text else label)
    if log:
        ax.set_yscale("log", nonpositive="clip")
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_ylabel(f"{label} ({unit_text + ', ' if unit_text else ''}log scale)")
    if is_money(units):
        ax.yaxis.set_major_formatter(FuncFormatter(money_tick))
    elif ax.get_yscale() == "log":
        ax.yaxis.set_major_formatter(FuncFormatter(plain_tick))


def _draw_fan(ax: Axes, rows: pd.DataFrame, colour: str, *, bands: bool = True) -> None:
    x = _decimal_years(rows["date"])
    if bands:
        ax.fill_between(x, rows["p5"], rows["p95"], color=colour, alpha=0.18, lw=0, label="5-95% of draws")
    ax.fill_between(x, rows["p25"], rows["p75"], color=colour, alpha=0.35, lw=0, label="25-75% of draws")
    ax.plot(x, rows["p50"], color=colour, lw=1.8, label="median")


def fan_chart(
    fan: pd.DataFrame, variable: str, ax: Axes | None = None, *, log: bool | None = None, lab: str | None = None
) -> Figure:
    """Median and 25-75% and 5-95% bands of one variable of one lab over time.

    Parameters
    ----------
    fan : pandas.DataFrame
        A fan table (``run_tables(result)["fan"]``, ``["capability"]`` or ``["market"]``).
    variable : str
        One of its ``variable`` values, e.g. ``"revenue_usd_per_year"``.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.
    log : bool, optional
        Logarithmic y axis. By default, when the fan spans orders of
        magnitude (see :func:`_wants_log`).
    lab : str, optional
        The lab to draw; may be left out when the table has one lab (or no
        ``lab`` column).

    Returns
    -------
    matplotlib.figure.Figure
        Two shaded bands (5-95% and 25-75% of draws) and the median line.
        The axis label is the rows' ``label`` and ``units``; money axes read
        ``$1.5B``, ``$2T``.

    Raises
    ------
    ValueError
        For a variable or lab the table lacks, or no lab named in a table of several.
    """
    rows = _variable_rows(_one_lab(fan, lab, "fan"), variable)
    figure, ax = _new_axes(ax)
    units = str(rows["units"].iloc[0])
    period = str(rows["period"].iloc[0])
    _draw_fan(ax, rows, _FAN)
    label = variable_label(rows, variable)
    _value_axis(ax, label, units, _wants_log(rows) if log is None else log)
    ax.set_xlabel("year" if period == "year" else "date (monthly)")
    _year_axis(ax)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", framealpha=0.85)
    by = "by month" if period == "month" else "by year"
    title = f"{label[:1].upper()}{label[1:]}, {by}"
    ax.set_title(title if lab is None else f"{title}: lab {lab}", fontsize=10)
    return figure


def lab_fans_chart(fan: pd.DataFrame, variable: str, *, log: bool | None = None) -> Figure:
    """One variable's fan for every lab, side by side on a shared y axis (to compare labs).

    Parameters
    ----------
    fan : pandas.DataFrame
        A fan table with a ``lab`` column (``run_tables(result)["fan"]`` or ``["capability"]``).
    variable : str
    log : bool, optional
        Logarithmic y axis; by default when any lab's fan spans orders of magnitude.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per lab (up to four a row), each with the 5-95% and 25-75%
        bands and the median in the lab's colour.
    """
    rows = _variable_rows(fan, variable)
    labs = table_labs(rows) or [""]
    columns = min(len(labs), 4)
    lines = -(-len(labs) // columns)
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=(3.2 * columns + 0.8, 2.9 * lines + 0.6), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(lines, columns, sharey=True, squeeze=False).ravel()
    units = str(rows["units"].iloc[0])
    period = str(rows["period"].iloc[0])
    label = variable_label(rows, variable)
    use_log = _wants_log(rows) if log is None else log
    for k, (ax, lab) in enumerate(zip(axes, labs, strict=False)):
        lab_table = lab_rows(rows, lab) if lab else rows
        _draw_fan(ax, lab_table, lab_colour(k))
        _value_axis(ax, label, units, use_log)
        if k % columns:
            ax.set_ylabel("")
        _year_axis(ax)
        ax.grid(True, alpha=0.3)
        ax.set_title(f"lab {lab}" if lab else label, fontsize=9, color=lab_colour(k))
    for ax in axes[len(labs) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7, loc="upper left", framealpha=0.85)
    by = "by month" if period == "month" else "by year"
    figure.suptitle(f"{label[:1].upper()}{label[1:]} of each lab, {by}", fontsize=10)
    return figure


def ruin_chart(ruin_curve: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Share of draws in which each lab is ruined at or before each month.

    Parameters
    ----------
    ruin_curve : pandas.DataFrame
        ``run_tables(result)["ruin_curve"]`` (columns lab, month, date, p_ruin).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        One step line per lab, P(ruin) in percent; with several labs each
        in its colour, with a legend.
    """
    from matplotlib.ticker import PercentFormatter  # noqa: PLC0415

    figure, ax = _new_axes(ax)
    labs = table_labs(ruin_curve)
    curves = [(lab, lab_rows(ruin_curve, lab)) for lab in labs] if labs else [("", ruin_curve)]
    for k, (lab, curve) in enumerate(curves):
        x = _decimal_years(curve["date"])
        several = len(curves) > 1
        colour = lab_colour(k) if several else _RUIN
        text = f"lab {lab}" if several else "P(ruin) by month end"
        ax.step(x + 1.0 / 12.0, curve["p_ruin"], where="post", color=colour, lw=1.8, label=text)
    if len(curves) > 1:
        ax.legend(fontsize=8, loc="upper left", framealpha=0.85)
    ax.set_ylim(bottom=0.0, top=max(float(ruin_curve["p_ruin"].max()) * 1.15, 0.01))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    ax.set_ylabel("share of draws ruined (%)")
    ax.set_xlabel("date (monthly)")
    _year_axis(ax)
    ax.grid(True, alpha=0.3)
    ax.set_title("P(ruin) over time (cumulative)", fontsize=10)
    return figure


def frontier_chart(frontier: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """P(ruin) against the objective for every searched policy.

    Parameters
    ----------
    frontier : pandas.DataFrame
        A frontier table: :meth:`Frontier.table()
        <frontiersim.optimize.plot.Frontier.table>` (columns ``policy``,
        ``kind``, ``P(ruin)``, ``P(ruin) low``, ``P(ruin) high``, ``objective
        mean``, ``objective se``, ``feasible``, ``chosen``) or
        :meth:`OptimizationResult.frontier()
        <frontiersim.optimize.search.OptimizationResult.frontier>`.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        The candidates joined in order with Wilson and ±2 SE error bars
        (filled when feasible), the naive policies marked and labelled, and
        the chosen candidate starred. The objective is in $B.
    """
    from matplotlib.ticker import PercentFormatter  # noqa: PLC0415

    required = ("P(ruin)", "P(ruin) low", "P(ruin) high", "objective mean", "objective se")
    missing = [c for c in required if c not in frontier.columns]
    if missing:
        raise ValueError(f"the frontier table lacks the column(s) {', '.join(missing)}")
    figure, ax = _new_axes(ax, (7.0, 4.6))
    kind = frontier["kind"] if "kind" in frontier.columns else pd.Series(["candidate"] * len(frontier))
    candidates = frontier[(kind == "candidate").to_numpy()]
    naive = frontier[(kind == "naive").to_numpy()]

    def points(rows: pd.DataFrame) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        x = rows["P(ruin)"].to_numpy(dtype=float)
        xerr = np.maximum(np.vstack([x - rows["P(ruin) low"].to_numpy(float), rows["P(ruin) high"] - x]), 0.0)
        y = rows["objective mean"].to_numpy(dtype=float) / 1e9
        yerr = 2.0 * rows["objective se"].to_numpy(dtype=float) / 1e9
        return x, y, xerr, yerr

    if len(candidates):
        x, y, xerr, yerr = points(candidates)
        ax.plot(x, y, "-", color=_CANDIDATE, lw=1.2, alpha=0.8, zorder=2)
        judged = "feasible" in candidates
        feasible = candidates["feasible"].to_numpy(dtype=bool) if judged else np.zeros(len(x), bool)
        other = "candidate, infeasible" if judged else "candidate"
        for mask, face, text in ((feasible, _CANDIDATE, "candidate, feasible"), (~feasible, "white", other)):
            if mask.any():
                ax.errorbar(
                    x[mask],
                    y[mask],
                    xerr=xerr[:, mask],
                    yerr=yerr[mask],
                    fmt="o",
                    ms=4.5,
                    mfc=face,
                    mec=_CANDIDATE,
                    ecolor=_CANDIDATE,
                    elinewidth=0.8,
                    capsize=2,
                    zorder=3,
                    label=text,
                )
        if "chosen" in candidates:
            chosen = candidates[candidates["chosen"].to_numpy(dtype=bool)]
            if len(chosen):
                cx, cy, _, _ = points(chosen.iloc[:1])
                ax.plot(cx, cy, "*", ms=15, color=_CHOSEN, mec="black", mew=0.6, zorder=5, label="chosen")
    if len(naive):
        x, y, xerr, yerr = points(naive)
        ax.errorbar(
            x,
            y,
            xerr=xerr,
            yerr=yerr,
            fmt="s",
            ms=6,
            color=_NAIVE,
            mec="black",
            mew=0.5,
            elinewidth=0.9,
            capsize=2,
            zorder=4,
            label="naive policies",
        )
        for name, px, py in zip(naive["policy"], x, y, strict=True):
            ax.annotate(str(name), (px, py), xytext=(6, 6), textcoords="offset points", fontsize=8, color=_NAIVE)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    ax.set_xlabel("P(ruin within the horizon), with 95% Wilson interval")
    ax.set_ylabel("objective, $B (± 2 SE)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best", framealpha=0.85)
    ax.set_title("Efficient frontier: objective against P(ruin)", fontsize=10)
    return figure


def ruin_by_lab_chart(headline: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Each lab's P(ruin within the horizon) with its 95% Wilson interval.

    Parameters
    ----------
    headline : pandas.DataFrame
        ``run_tables(result)["headline"]`` (columns lab, p_ruin, p_ruin_low, p_ruin_high).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        One horizontal bar per lab, in the lab's colour, with its interval.
    """
    from matplotlib.ticker import PercentFormatter  # noqa: PLC0415

    labs = [str(lab) for lab in headline["lab"]] if "lab" in headline.columns else [""]
    figure, ax = _new_axes(ax, (7.0, 0.9 + 0.42 * max(len(labs), 1)))
    p_ruin = headline["p_ruin"].to_numpy(dtype=float)
    low = headline["p_ruin_low"].to_numpy(dtype=float)
    high = headline["p_ruin_high"].to_numpy(dtype=float)
    rows = np.arange(len(labs))[::-1]
    colours = [lab_colour(k) for k in range(len(labs))]
    error = np.maximum(np.vstack([p_ruin - low, high - p_ruin]), 0.0)
    ax.barh(rows, p_ruin, color=colours, alpha=0.8, xerr=error, ecolor="black", capsize=3)
    ax.set_yticks(rows, [f"lab {lab}" if lab else "lab" for lab in labs], fontsize=8)
    ax.set_xlim(left=0.0, right=max(float(np.nanmax(high)) * 1.15, 0.01))
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    ax.set_xlabel("P(ruin within the horizon), with 95% Wilson interval")
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_title("P(ruin) of each lab", fontsize=10)
    return figure


def milestone_chart(milestones: pd.DataFrame, ax: Axes | None = None, *, lab: str | None = None) -> Figure:
    """When each capability milestone is reached: median date and 5-95% range of draws.

    Parameters
    ----------
    milestones : pandas.DataFrame
        ``run_tables(result)["milestones"]``.
    ax : matplotlib.axes.Axes, optional
    lab : str, optional
        The lab to draw; may be left out when the table has one lab.

    Returns
    -------
    matplotlib.figure.Figure
        One horizontal range per milestone reached by at least 5% of draws
        (open to the right when fewer than 95% reach it) and a dot at the
        median date; each label gives the share of draws reaching it within
        the horizon.
    """
    milestones = _one_lab(milestones, lab, "milestones")
    figure, ax = _new_axes(ax, (7.0, 0.9 + 0.45 * max(len(milestones), 1)))
    names = [
        f"{str(m).replace('_', ' ')} ({float(share):.0%})"
        for m, share in zip(milestones["milestone"], milestones["share_reached"], strict=True)
    ]
    rows = np.arange(len(names))[::-1]
    end_of_horizon = None
    for column in ("p95_date", "p50_date", "p5_date"):
        reached = [d for d in milestones[column] if d]
        if reached:
            end_of_horizon = max(float(_decimal_years(pd.Series(reached)).max()), end_of_horizon or -math.inf)
    right = (end_of_horizon or 0.0) + 1.0 / 12.0
    for row, (_, milestone) in zip(rows, milestones.iterrows(), strict=True):
        if milestone["p5_date"]:
            low = float(_decimal_years(pd.Series([milestone["p5_date"]]))[0])
            high = float(_decimal_years(pd.Series([milestone["p95_date"]]))[0]) if milestone["p95_date"] else right
            ax.plot([low, high], [row, row], color=_FAN, lw=5, alpha=0.35, solid_capstyle="butt")
        if milestone["p50_date"]:
            median = float(_decimal_years(pd.Series([milestone["p50_date"]]))[0])
            ax.plot([median], [row], "o", color=_FAN, ms=7)
    ax.set_yticks(rows, names, fontsize=8)
    ax.set_ylim(-0.7, len(names) - 0.3)
    _year_axis(ax)
    ax.set_xlabel("date reached (dot: median draw; bar: 5-95% of draws)")
    ax.grid(True, axis="x", alpha=0.3)
    title = "Capability milestones (share of draws reaching each)"
    ax.set_title(title if lab is None else f"{title}: lab {lab}", fontsize=10)
    return figure


def charts_from_result(result: SimulationResult) -> dict[str, Figure]:
    """Every chart of a result, keyed by the table variable they show.

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        The fan charts (``"revenue_usd_per_year"``, ``"demand_usd_per_year"``,
        ``"capacity_gw"``, ``"cash_usd"``, ``"unserved_usd_per_year"``),
        ``"ruin_curve"`` and, when capability drives demand,
        ``"milestones"``, ``"year_capability_index"`` and ``"year_overhang"``.
        With several labs each fan chart shows every lab side by side
        (:func:`lab_fans_chart`), and there are also ``"ruin_by_lab"``,
        ``"market_demand_usd_per_year"`` (the market's demand) and one
        ``"milestones.<lab>"`` per lab instead of ``"milestones"``.
    """
    return charts_from_tables(run_tables(result))


def charts_from_tables(tables: dict[str, pd.DataFrame]) -> dict[str, Figure]:
    """The charts of :func:`charts_from_result` from already computed (or stored) tables.

    Charts whose table is missing are left out.
    """
    charts: dict[str, Figure] = {}
    labs = table_labs(tables["headline"]) if "headline" in tables else []
    several = len(labs) > 1
    for name in ("fan", "capability"):
        if name in tables:
            for variable in pd.unique(tables[name]["variable"]):
                draw = lab_fans_chart if several else fan_chart
                charts[str(variable)] = draw(tables[name], str(variable))
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


def figure_png(figure: Figure) -> bytes:
    """The PNG bytes of a figure.

    Parameters
    ----------
    figure : matplotlib.figure.Figure

    Returns
    -------
    bytes
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
