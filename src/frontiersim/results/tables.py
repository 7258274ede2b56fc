"""Flat tables of a result, shared by the run store, the report and the dashboard.

:func:`run_tables` reduces a :class:`~frontiersim.results.result.SimulationResult`
to a few small summary tables (a few hundred rows per lab at most);
:func:`draw_tables` gives the per-draw results. Every frame is flat and
Parquet-safe: string column names, a default ``RangeIndex``, no
``MultiIndex`` and no object columns other than plain strings.

Labs
----
Every per-lab table starts with a string column ``lab``: one block of rows
per lab, the labs in the order of the scenario. A run of a scenario without
``[labs.*]`` tables has one lab, named ``"lab"``. The ``market`` table holds
what all labs share (market demand) and has no ``lab`` column.

Units
-----
The ``units`` table (columns ``table``, ``column``, ``unit``, ``label``,
``unit_column``) describes every column of every run table and per-draw
table: its unit and a short label. Units and labels of model outputs come
from the result's own variable attributes (``units``, ``long_name``), which
the results layer writes from the output catalogue; the columns these
tables compute themselves (P(ruin), quantile dates, ...) are declared here.
Where the unit changes from row to row (fans, the summary, the P&L),
``unit`` is empty and ``unit_column`` names the column of the table that
holds each row's unit. Units are those of the catalogue (``"USD"``,
``"USD/year"``, ``"GW"``, ``"1"`` for a ratio, ``"tiers"``, ``"month"`` for
a month index counted from the start), plus :data:`PROBABILITY` for a share
of draws, ``"year"`` for a calendar year, ``"years"`` for a duration and
``"draws"`` for a count of draws. A column with an empty unit and no
``unit_column`` is text, or a number without a unit.

Money is in USD; monthly flows are annualised (times 12) in the fan table so
that monthly and yearly fans read in the same unit, USD/year.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray
from scipy import stats

from frontiersim.results.result import PNL_LINES, SUMMARY_METRICS, SimulationResult
from frontiersim.scenario.fields import field_spec
from frontiersim.scenario.schema import DEFAULT_LAB_NAME

FloatArray = NDArray[np.float64]

#: Unit of a share of draws (P(ruin), the share reaching a milestone), in [0, 1].
PROBABILITY = "probability"

#: Quantiles of the fan tables: column name -> quantile.
FAN_QUANTILES: dict[str, float] = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}

#: Columns of the fan and capability tables, in order.
FAN_COLUMNS: tuple[str, ...] = ("lab", "variable", "label", "units", "period", "index", "date", "mean", *FAN_QUANTILES)

#: Columns of the market table (fan rows of what all labs share), in order.
MARKET_COLUMNS: tuple[str, ...] = FAN_COLUMNS[1:]

#: Columns of the units table, in order.
UNITS_COLUMNS: tuple[str, ...] = ("table", "column", "unit", "label", "unit_column")


@dataclass(frozen=True)
class FanVariable:
    """A fan-chart variable and the result variables it is drawn from.

    Attributes
    ----------
    monthly : str
        The monthly variable of a run that kept monthly arrays.
    factor : float
        The monthly values are multiplied by this (12: a monthly flow, annualised).
    yearly : str
        The yearly variable of a summary-only run.
    unit : str or None
        The fan's unit when it is not its source's: an annualised monthly flow
        and a yearly total both read in USD/year. None: the source's unit.
    """

    monthly: str
    factor: float
    yearly: str
    unit: str | None = None


#: Fan-chart variables of each lab, by name. Labels come from the sources' catalogue labels.
FAN_VARIABLES: dict[str, FanVariable] = {
    "revenue_usd_per_year": FanVariable("revenue_usd", 12.0, "year_revenue_usd", "USD/year"),
    "demand_usd_per_year": FanVariable("demand_usd_per_year", 1.0, "year_demand_usd", "USD/year"),
    "capacity_gw": FanVariable("capacity_gw", 1.0, "year_capacity_gw"),
    "cash_usd": FanVariable("cash_usd", 1.0, "year_cash_usd"),
    "unserved_usd_per_year": FanVariable("unserved_usd", 12.0, "year_unserved_usd", "USD/year"),
}

#: Fan-chart variables of the market all labs share (the ``market`` table).
MARKET_VARIABLES: dict[str, FanVariable] = {
    "market_demand_usd_per_year": FanVariable("market_demand_usd_per_year", 1.0, "year_market_demand_usd", "USD/year"),
}

#: Columns of the cohort table: column -> dataset variable (mean over draws).
_COHORT_COLUMNS: dict[str, str] = {
    "training_cost_usd": "model_training_cost_usd",
    "revenue_usd": "model_revenue_usd",
    "inference_cost_usd": "model_inference_cost_usd",
    "net_usd": "model_net_usd",
}

#: Capability variables summarised by year, when capability drives demand.
_CAPABILITY_VARIABLES: tuple[str, ...] = ("year_capability_index", "year_overhang")

#: Quantiles of the month each milestone is reached (``inverted_cdf``: a month some draw reaches it in).
MILESTONE_QUANTILES: tuple[float, float, float] = (0.05, 0.5, 0.95)

#: The summary's P(ruin) row.
_RUIN_METRIC = "P(ruin by year end)"


class ColumnUnit(NamedTuple):
    """Unit and label of one column of a table (one row of the ``units`` table).

    Attributes
    ----------
    unit : str
        The column's unit; empty for text, for a number without a unit, or
        when the unit is given row by row.
    label : str
        A short human label.
    unit_column : str
        When not empty: the column of the table that holds each row's unit.
    """

    unit: str
    label: str
    unit_column: str = ""


#: Units and labels of dataset variables, by name (see :func:`variable_units`).
VariableUnits = Mapping[str, tuple[str, str]]


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def start_period(dataset: xr.Dataset) -> pd.Period:
    """The first simulated month of a result's dataset.

    Parameters
    ----------
    dataset : xarray.Dataset

    Returns
    -------
    pandas.Period
        Monthly period, from the ``start`` attribute or else January of the
        first year.
    """
    start = dataset.attrs.get("start")
    if isinstance(start, str) and start:
        return pd.Period(start, freq="M")
    return pd.Period(f"{int(dataset['year'].values[0])}-01", freq="M")


def month_dates(start: pd.Period, months: Sequence[int] | NDArray[np.int64]) -> list[str]:
    """``"YYYY-MM"`` of month indices counted from ``start``.

    Examples
    --------
    >>> month_dates(pd.Period("2026-01", freq="M"), [0, 11, 12])
    ['2026-01', '2026-12', '2027-01']
    """
    return [str(start + int(m)) for m in months]


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion.

    Parameters
    ----------
    successes, trials : int
    confidence : float

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(0, 1)`` when there are no trials.

    Examples
    --------
    >>> low, high = wilson_interval(0, 1000)
    >>> low, round(high, 4)
    (0.0, 0.0038)
    """
    if trials < 1:
        return 0.0, 1.0
    interval = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence, method="wilson")
    return float(interval.low), float(interval.high)


def lab_results(result: SimulationResult) -> list[tuple[str, SimulationResult]]:
    """Each lab's name and result (without the ``lab`` dimension), in order.

    A dataset without a ``lab`` dimension is one lab: the one its ``lab``
    coordinate names, else ``"lab"``.
    """
    if "lab" in result.dataset.dims:
        return [(name, result.lab(name)) for name in result.labs]
    names = result.labs
    return [(names[0] if names else DEFAULT_LAB_NAME, result)]


def _with_lab(frames: Sequence[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """Per-lab frames stacked in order, each with a leading ``lab`` column."""
    parts = []
    for name, frame in frames:
        part = frame.copy()
        part.insert(0, "lab", [name] * len(part))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def variable_units(dataset: xr.Dataset) -> dict[str, tuple[str, str]]:
    """Unit and label of every variable of a result's dataset.

    Parameters
    ----------
    dataset : xarray.Dataset

    Returns
    -------
    dict of str to (str, str)
        ``name -> (unit, label)``: the variable's ``units`` and ``long_name``
        attributes, which the results layer writes from the output catalogue.
        A sampled input ``input.<path>`` without them takes the scenario
        key's declared unit and label; its label is otherwise its path. A
        variable with neither has an empty unit and its name as label.

    Examples
    --------
    >>> import frontiersim as fs
    >>> units = variable_units(fs.simulate(fs.bundled("default"), draws=20, seed=1).dataset)
    >>> units["year_cash_usd"], units["capacity_gw"]
    (('USD', 'cash'), ('GW', 'capacity'))
    """
    described: dict[str, tuple[str, str]] = {}
    for key, variable in dataset.data_vars.items():
        name = str(key)
        unit, label = variable.attrs.get("units"), variable.attrs.get("long_name")
        if name.startswith("input.") and (unit is None or label is None):
            declared_unit, declared_label = _input_declaration(name.removeprefix("input."))
            unit = declared_unit if unit is None else unit
            label = declared_label if label is None else label
        described[name] = ("" if unit is None else str(unit), name if label is None else str(label))
    return described


def _input_declaration(path: str) -> tuple[str, str]:
    """Unit and label of the scenario key a sampled input draws (``("", path)`` when undeclared)."""
    try:
        declared = field_spec(path)
    except KeyError:
        return "", path
    return declared.unit, declared.label or path


def _year_columns(years: NDArray[np.int64]) -> list[str]:
    return [str(int(y)) for y in years]


def _attrs_unit(dataset: xr.Dataset, name: str) -> str:
    return str(dataset[name].attrs.get("units", ""))


def _attrs_label(dataset: xr.Dataset, name: str) -> str:
    return str(dataset[name].attrs.get("long_name", name))


# ---------------------------------------------------------------------------
# Fans
# ---------------------------------------------------------------------------


def _fan_rows(
    name: str,
    label: str,
    units: str,
    period: str,
    index: NDArray[np.int64],
    dates: list[str],
    by_period: FloatArray,
) -> pd.DataFrame:
    """Fan rows of one variable from a ``(periods, draws)`` array."""
    nan_aware = bool(np.isnan(by_period).any())
    quantile = np.nanquantile if nan_aware else np.quantile
    mean = np.nanmean(by_period, axis=1) if nan_aware else by_period.mean(axis=1)
    levels = quantile(by_period, list(FAN_QUANTILES.values()), axis=1)
    return fan_frame(name, label, units, period, index, dates, mean, levels)


def fan_frame(
    name: str,
    label: str,
    units: str,
    period: str,
    index: NDArray[np.int64],
    dates: list[str],
    mean: FloatArray,
    levels: FloatArray,
) -> pd.DataFrame:
    """Fan rows of one variable from its mean and its :data:`FAN_QUANTILES` (``(quantiles, periods)``) by period."""
    columns: dict[str, object] = {
        "variable": [name] * len(index),
        "label": [label] * len(index),
        "units": [units] * len(index),
        "period": [period] * len(index),
        "index": np.asarray(index, dtype=np.int64),
        "date": dates,
        "mean": mean,
    }
    for k, column in enumerate(FAN_QUANTILES):
        columns[column] = levels[k]
    return pd.DataFrame(columns)


def _by_period(data: xr.DataArray, other_dimension: str) -> FloatArray:
    """A ``(draw, period)`` variable as a contiguous ``(period, draws)`` float array."""
    values = np.asarray(data.transpose(other_dimension, "draw").values, dtype=float)
    return np.ascontiguousarray(values)


def _fans(dataset: xr.Dataset, variables: Mapping[str, FanVariable], monthly: bool) -> pd.DataFrame:
    """Fan rows of ``variables`` of one lab's dataset (or of the market), monthly or yearly."""
    frames = []
    if monthly:
        months = np.asarray(dataset["month"].values, dtype=np.int64)
        dates = month_dates(start_period(dataset), months)
        for name, fan in variables.items():
            values = _by_period(dataset[fan.monthly], "month")
            if fan.factor != 1.0:
                values = values * fan.factor
            unit = fan.unit if fan.unit is not None else _attrs_unit(dataset, fan.monthly)
            label = _attrs_label(dataset, fan.monthly)
            frames.append(_fan_rows(name, label, unit, "month", months, dates, values))
    else:
        years = np.asarray(dataset["year"].values, dtype=np.int64)
        dates = [str(int(y)) for y in years]
        for name, fan in variables.items():
            unit = fan.unit if fan.unit is not None else _attrs_unit(dataset, fan.yearly)
            label = _attrs_label(dataset, fan.yearly)
            values = _by_period(dataset[fan.yearly], "year")
            frames.append(_fan_rows(name, label, unit, "year", years, dates, values))
    return pd.concat(frames, ignore_index=True)


def fan_table(result: SimulationResult) -> pd.DataFrame:
    """Mean and quantiles over draws of each lab's fan-chart variables (see :data:`FAN_VARIABLES`).

    Monthly when the run kept monthly arrays, else yearly.

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FAN_COLUMNS`: per lab, per variable, one row per
        period; ``label`` and ``units`` of each row come from the catalogue
        (an annualised flow reads in USD/year).
    """
    return _with_lab([(name, _fans(lab.dataset, FAN_VARIABLES, lab.has_monthly)) for name, lab in lab_results(result)])


def market_table(result: SimulationResult) -> pd.DataFrame | None:
    """Fan rows of what all labs share (see :data:`MARKET_VARIABLES`), or None without them.

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    pandas.DataFrame or None
        Columns :data:`MARKET_COLUMNS` (the fan columns without ``lab``).
    """
    dataset = result.dataset
    present = {
        name: fan
        for name, fan in MARKET_VARIABLES.items()
        if (fan.monthly if result.has_monthly else fan.yearly) in dataset
    }
    if not present:
        return None
    return _fans(dataset, present, result.has_monthly)


def capability_table(result: SimulationResult) -> pd.DataFrame | None:
    """Fan rows (by year) of each lab's capability index and overhang, or None without them."""
    frames = []
    for lab, lab_result in lab_results(result):
        dataset = lab_result.dataset
        present = [name for name in _CAPABILITY_VARIABLES if name in dataset]
        if not present:
            return None
        years = np.asarray(dataset["year"].values, dtype=np.int64)
        dates = [str(int(y)) for y in years]
        rows = [
            _fan_rows(
                name,
                _attrs_label(dataset, name),
                _attrs_unit(dataset, name),
                "year",
                years,
                dates,
                _by_period(dataset[name], "year"),
            )
            for name in present
        ]
        frames.append((lab, pd.concat(rows, ignore_index=True)))
    return _with_lab(frames)


# ---------------------------------------------------------------------------
# Per-lab tables
# ---------------------------------------------------------------------------


def _ruin_curve(result: SimulationResult) -> pd.DataFrame:
    ds = result.dataset
    months = int(ds.sizes["year"]) * 12
    ruin_month = np.asarray(ds["ruin_month"].values, dtype=np.int64)
    ruined = ruin_month[(ruin_month >= 0) & (ruin_month < months)]
    counts = np.bincount(ruined, minlength=months)[:months]
    return ruin_curve_frame(start_period(ds), np.cumsum(counts) / max(ruin_month.size, 1))


def ruin_curve_frame(start: pd.Period, p_ruin: FloatArray) -> pd.DataFrame:
    """Rows of one lab's ruin curve from P(ruin) by the end of each month."""
    index = np.arange(p_ruin.size, dtype=np.int64)
    return pd.DataFrame({"month": index, "date": month_dates(start, index), "p_ruin": p_ruin})


def ruin_curve(result: SimulationResult) -> pd.DataFrame:
    """Share of draws in which each lab is ruined at or before each month of the horizon.

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    pandas.DataFrame
        Columns ``lab``, ``month`` (index from the start), ``date``
        (``"YYYY-MM"``) and ``p_ruin``; non-decreasing for each lab, its
        last value equal to :meth:`SimulationResult.ruin_probability` of the lab.
    """
    return _with_lab([(name, _ruin_curve(lab)) for name, lab in lab_results(result)])


def _seed_text(attrs: Mapping[str, object]) -> str:
    """The run's root seed as text (it may exceed 64 bits, so it is not stored as an integer)."""
    entropy = attrs.get("seed_entropy")
    return "" if entropy is None else str(entropy)


def _headline(result: SimulationResult) -> pd.DataFrame:
    ds = result.dataset
    ruined = int((np.asarray(ds["ruin_month"].values) >= 0).sum())
    revenue = np.asarray(ds["year_revenue_usd"].values, dtype=float)[:, -1]
    cash = np.asarray(ds["year_cash_usd"].values, dtype=float)[:, -1]
    survived = np.asarray(ds["ruin_month"].values) < 0
    owed = np.asarray(ds["obligations_after_horizon_usd"].values, dtype=float)[survived]
    with_runoff = (
        int((np.asarray(ds["ruin_month_including_runoff"].values) >= 0).sum())
        if "ruin_month_including_runoff" in ds
        else ruined
    )
    return headline_frame(
        ds.attrs,
        result.draws,
        int(ds.sizes["year"]),
        str(start_period(ds)),
        ruined=ruined,
        ruined_with_runoff=with_runoff,
        medians=(
            float(np.median(revenue)),
            float(np.median(cash)),
            float(np.median(owed)) if owed.size else float("nan"),
        ),
    )


def headline_frame(
    attrs: Mapping[str, object],
    draws: int,
    horizon_years: int,
    start: str,
    *,
    ruined: int,
    ruined_with_runoff: int,
    medians: tuple[float, float, float],
) -> pd.DataFrame:
    """The headline row of one lab.

    Parameters
    ----------
    attrs : mapping
        The run's attributes (scenario name, seed).
    draws, horizon_years : int
    start : str
        First month, ``"YYYY-MM"``.
    ruined, ruined_with_runoff : int
        Draws ruined within the horizon, and including the run-off.
    medians : tuple of float
        Median revenue in the final year, cash at the end, and obligations
        after the horizon over the draws that survive it (NaN if none do).
    """
    low, high = wilson_interval(ruined, draws)
    runoff_low, runoff_high = wilson_interval(ruined_with_runoff, draws)
    revenue, cash, owed = medians
    return pd.DataFrame(
        {
            "scenario_name": [str(attrs.get("scenario_name", ""))],
            "draws": np.array([draws], dtype=np.int64),
            "seed": [_seed_text(attrs)],
            "horizon_years": np.array([horizon_years], dtype=np.int64),
            "start": [start],
            "p_ruin": [ruined / max(draws, 1)],
            "p_ruin_low": [low],
            "p_ruin_high": [high],
            "revenue_final_year_median_usd": [revenue],
            "cash_final_year_median_usd": [cash],
            "p_ruin_including_runoff": [ruined_with_runoff / max(draws, 1)],
            "p_ruin_including_runoff_low": [runoff_low],
            "p_ruin_including_runoff_high": [runoff_high],
            "obligations_after_horizon_median_usd": [owed],
        }
    )


def headline_table(result: SimulationResult) -> pd.DataFrame:
    """One row of headline figures per lab (see :func:`run_tables`)."""
    return _with_lab([(name, _headline(lab)) for name, lab in lab_results(result)])


def _summary(result: SimulationResult) -> pd.DataFrame:
    ds = result.dataset
    return summary_frame(result.summary(), {variable: _attrs_unit(ds, variable) for variable in SUMMARY_METRICS})


def summary_frame(summary: pd.DataFrame, units: Mapping[str, str]) -> pd.DataFrame:
    """A summary (:meth:`SimulationResult.summary`) flattened, with each row's unit from ``units`` (by variable)."""
    table = pd.DataFrame(summary.to_numpy(dtype=float), columns=_year_columns(summary.columns.to_numpy()))
    metrics = [str(m) for m in summary.index.get_level_values("metric")]
    unit_of = {label: units.get(variable, "") for variable, label in SUMMARY_METRICS.items()}
    unit_of[_RUIN_METRIC] = PROBABILITY
    table.insert(0, "units", [unit_of.get(metric, "") for metric in metrics])
    table.insert(0, "statistic", [str(s) for s in summary.index.get_level_values("statistic")])
    table.insert(0, "metric", metrics)
    return table


def summary_table(result: SimulationResult) -> pd.DataFrame:
    """:meth:`SimulationResult.summary` of each lab, flattened.

    Columns ``lab``, ``metric``, ``statistic``, ``units`` (each row's unit),
    then one column per year.
    """
    return _with_lab([(name, _summary(lab)) for name, lab in lab_results(result)])


def _company_pnl(result: SimulationResult) -> pd.DataFrame:
    units = {variable: _attrs_unit(result.dataset, variable) for variable in PNL_LINES.values()}
    return company_pnl_frame(result.company_pnl("mean"), units)


def company_pnl_frame(pnl: pd.DataFrame, units: Mapping[str, str]) -> pd.DataFrame:
    """A company P&L (:meth:`SimulationResult.company_pnl`) flattened, each line's unit from ``units`` (by variable)."""
    table = pd.DataFrame(pnl.to_numpy(dtype=float), columns=_year_columns(pnl.columns.to_numpy()))
    lines = [str(line) for line in pnl.index]
    table.insert(0, "units", [units.get(PNL_LINES[line], "") for line in lines])
    table.insert(0, "line", lines)
    return table


def company_pnl_table(result: SimulationResult) -> pd.DataFrame:
    """:meth:`SimulationResult.company_pnl` (mean) of each lab.

    Columns ``lab``, ``line``, ``units`` (each line's unit), then one column per year.
    """
    return _with_lab([(name, _company_pnl(lab)) for name, lab in lab_results(result)])


def _cohort_pnl(result: SimulationResult) -> pd.DataFrame:
    ds = result.dataset
    table = pd.DataFrame(
        {
            "model": [str(name) for name in ds["model_name"].values],
            "release_month": np.asarray(ds["release_month"].values, dtype=np.int64),
        }
    )
    for column, name in _COHORT_COLUMNS.items():
        table[column] = np.asarray(ds[name].mean("draw").values, dtype=float)
    return table


def cohort_pnl_table(result: SimulationResult) -> pd.DataFrame:
    """Per-model P&L of each lab, mean over draws, one row per lab and model cohort."""
    return _with_lab([(name, _cohort_pnl(lab)) for name, lab in lab_results(result)])


def _milestones(result: SimulationResult) -> pd.DataFrame:
    ds = result.dataset
    start = start_period(ds)
    months = np.asarray(ds["milestone_month"].transpose("milestone", "draw").values, dtype=float)
    months[months < 0] = np.inf  # not reached within the horizon: later than any month
    levels = np.quantile(months, MILESTONE_QUANTILES, axis=1, method="inverted_cdf")
    names = [str(m) for m in ds["milestone"].values]
    return milestone_frame(start, names, np.isfinite(months).mean(axis=1), levels)


def milestone_frame(start: pd.Period, names: list[str], share_reached: FloatArray, levels: FloatArray) -> pd.DataFrame:
    """Rows of one lab's milestones from the share reaching each and the :data:`MILESTONE_QUANTILES` of its month.

    ``levels`` is ``(3, milestones)``, inf where fewer draws than the quantile reach it.
    """

    def dates(row: FloatArray) -> list[str]:
        return [str(start + int(m)) if np.isfinite(m) else "" for m in row]

    return pd.DataFrame(
        {
            "milestone": names,
            "share_reached": share_reached,
            "p5_date": dates(levels[0]),
            "p50_date": dates(levels[1]),
            "p95_date": dates(levels[2]),
            "p50_month": np.array([int(m) if np.isfinite(m) else -1 for m in levels[1]], dtype=np.int64),
        }
    )


def milestone_table(result: SimulationResult) -> pd.DataFrame | None:
    """When each lab reaches each capability milestone: share of draws and date quantiles.

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    pandas.DataFrame or None
        None when the run has no ``milestone`` dimension. Columns ``lab``,
        ``milestone``, ``share_reached``, ``p5_date``, ``p50_date``,
        ``p95_date`` (``"YYYY-MM"``, or ``""`` when fewer than that share of
        draws reach it within the horizon) and ``p50_month`` (-1 when fewer
        than half the draws reach it).
    """
    ds = result.dataset
    if "milestone" not in ds.dims or "milestone_month" not in ds:
        return None
    return _with_lab([(name, _milestones(lab)) for name, lab in lab_results(result)])


# ---------------------------------------------------------------------------
# Units of every column
# ---------------------------------------------------------------------------

_LAB = ColumnUnit("", "lab")
_ROW_UNITS = "units"
_FAN_DESCRIPTION: dict[str, ColumnUnit] = {
    "lab": _LAB,
    "variable": ColumnUnit("", "variable"),
    "label": ColumnUnit("", "what it shows"),
    "units": ColumnUnit("", "unit"),
    "period": ColumnUnit("", "period"),
    "index": ColumnUnit("", "month index or year", "period"),
    "date": ColumnUnit("", "date"),
    "mean": ColumnUnit("", "mean over draws", _ROW_UNITS),
    **{
        column: ColumnUnit("", f"{round(100 * q)}th percentile of draws", _ROW_UNITS)
        for column, q in FAN_QUANTILES.items()
    },
}

#: Columns the tables compute themselves: table -> column -> unit and label.
_OWN_COLUMNS: dict[str, dict[str, ColumnUnit]] = {
    "headline": {
        "lab": _LAB,
        "scenario_name": ColumnUnit("", "scenario"),
        "draws": ColumnUnit("draws", "draws"),
        "seed": ColumnUnit("", "root seed"),
        "horizon_years": ColumnUnit("years", "horizon"),
        "start": ColumnUnit("", "first month"),
        "p_ruin": ColumnUnit(PROBABILITY, "P(ruin within the horizon)"),
        "p_ruin_low": ColumnUnit(PROBABILITY, "P(ruin), 95% Wilson low"),
        "p_ruin_high": ColumnUnit(PROBABILITY, "P(ruin), 95% Wilson high"),
        "p_ruin_including_runoff": ColumnUnit(PROBABILITY, "P(ruin including the run-off)"),
        "p_ruin_including_runoff_low": ColumnUnit(PROBABILITY, "P(ruin including the run-off), 95% Wilson low"),
        "p_ruin_including_runoff_high": ColumnUnit(PROBABILITY, "P(ruin including the run-off), 95% Wilson high"),
    },
    "summary": {
        "lab": _LAB,
        "metric": ColumnUnit("", "metric"),
        "statistic": ColumnUnit("", "statistic over draws"),
        "units": ColumnUnit("", "unit"),
    },
    "company_pnl": {"lab": _LAB, "line": ColumnUnit("", "line"), "units": ColumnUnit("", "unit")},
    "cohort_pnl": {
        "lab": _LAB,
        "model": ColumnUnit("", "model"),
        "release_month": ColumnUnit("month", "release month"),
    },
    "fan": _FAN_DESCRIPTION,
    "capability": _FAN_DESCRIPTION,
    "market": {k: v for k, v in _FAN_DESCRIPTION.items() if k != "lab"},
    "ruin_curve": {
        "lab": _LAB,
        "month": ColumnUnit("month", "month"),
        "date": ColumnUnit("", "date"),
        "p_ruin": ColumnUnit(PROBABILITY, "P(ruin) by the end of the month"),
    },
    "milestones": {
        "lab": _LAB,
        "milestone": ColumnUnit("", "milestone"),
        "share_reached": ColumnUnit(PROBABILITY, "share of draws reaching it"),
        "p5_date": ColumnUnit("", "date by which 5% of draws reach it"),
        "p50_date": ColumnUnit("", "date by which half the draws reach it"),
        "p95_date": ColumnUnit("", "date by which 95% of draws reach it"),
        "p50_month": ColumnUnit("month", "month by which half the draws reach it"),
    },
    "yearly": {"draw": ColumnUnit("", "draw"), "lab": _LAB, "year": ColumnUnit("year", "year")},
    "cohorts": {
        "draw": ColumnUnit("", "draw"),
        "lab": _LAB,
        "model": ColumnUnit("", "model index"),
        "model_name": ColumnUnit("", "model"),
        "release_month": ColumnUnit("month", "release month"),
    },
    "draws": {"draw": ColumnUnit("", "draw"), "lab": _LAB},
}

#: Columns that show a result variable: table -> column -> (variable, label template with ``{label}``).
_VARIABLE_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "headline": {
        "revenue_final_year_median_usd": ("year_revenue_usd", "{label} in the final year, median"),
        "cash_final_year_median_usd": ("year_cash_usd", "{label} at the end, median"),
        "obligations_after_horizon_median_usd": (
            "obligations_after_horizon_usd",
            "{label}, median over the draws that survive the horizon",
        ),
    },
    "cohort_pnl": {column: (variable, "{label}") for column, variable in _COHORT_COLUMNS.items()},
}

#: Tables whose other columns are years, each row in the unit of its ``units`` column.
_YEAR_TABLES = frozenset({"summary", "company_pnl"})

#: Columns of the ``draws`` table that show one milestone of ``milestone_month``.
_MILESTONE_PREFIX = "milestone_month."


def describe_column(table: str, column: str, outputs: VariableUnits) -> ColumnUnit | None:
    """Unit and label of one column of a run table or per-draw table.

    Parameters
    ----------
    table : str
        A name of :func:`run_tables` or :func:`draw_tables`.
    column : str
    outputs : mapping of str to (str, str)
        Unit and label of each result variable (:func:`variable_units`).

    Returns
    -------
    ColumnUnit or None
        None for a column these tables do not have.

    Examples
    --------
    >>> describe_column("cohort_pnl", "net_usd", {"model_net_usd": ("USD", "net")})
    ColumnUnit(unit='USD', label='net', unit_column='')
    >>> describe_column("summary", "2027", {})
    ColumnUnit(unit='', label='2027', unit_column='units')
    """
    own = _OWN_COLUMNS.get(table, {})
    if column in own:
        return own[column]
    by_variable = _VARIABLE_COLUMNS.get(table, {})
    if column in by_variable:
        variable, template = by_variable[column]
        unit, label = outputs.get(variable, ("", variable))
        return ColumnUnit(unit, template.format(label=label))
    if table in _YEAR_TABLES:
        return ColumnUnit("", column, _ROW_UNITS) if column.isdigit() else None
    if table in ("yearly", "cohorts", "draws"):
        if column.startswith(_MILESTONE_PREFIX) and "milestone_month" in outputs:
            unit, label = outputs["milestone_month"]
            return ColumnUnit(unit, f"{label}: {column.removeprefix(_MILESTONE_PREFIX)}")
        if column in outputs:
            return ColumnUnit(*outputs[column])
    return None


def units_table(tables: Mapping[str, pd.DataFrame], outputs: VariableUnits) -> pd.DataFrame:
    """The ``units`` table: unit and label of every column of ``tables``.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Run tables and per-draw tables (others are left out).
    outputs : mapping of str to (str, str)
        Unit and label of each result variable (:func:`variable_units`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`UNITS_COLUMNS`, one row per described column, tables
        and columns in order.
    """
    rows = []
    for name, frame in tables.items():
        for column in frame.columns:
            described = describe_column(name, str(column), outputs)
            if described is not None:
                rows.append((name, str(column), *described))
    return pd.DataFrame(rows, columns=list(UNITS_COLUMNS)).astype(str)


def column_units(units: pd.DataFrame | None, table: str) -> dict[str, ColumnUnit]:
    """The columns of one table described in a ``units`` table (empty without one).

    Parameters
    ----------
    units : pandas.DataFrame or None
        A run's ``units`` table (:func:`units_table`).
    table : str

    Returns
    -------
    dict of str to ColumnUnit

    Examples
    --------
    >>> import frontiersim as fs
    >>> tables = run_tables(fs.simulate(fs.bundled("default"), draws=20, seed=1))
    >>> column_units(tables["units"], "headline")["cash_final_year_median_usd"]
    ColumnUnit(unit='USD', label='cash at the end, median', unit_column='')
    """
    if units is None or units.empty:
        return {}
    rows = units[units["table"] == table]
    unit_columns = rows["unit_column"] if "unit_column" in rows else pd.Series([""] * len(rows), index=rows.index)
    return {
        str(column): ColumnUnit(str(unit), str(label), str(unit_column) if isinstance(unit_column, str) else "")
        for column, unit, label, unit_column in zip(
            rows["column"], rows["unit"], rows["label"], unit_columns, strict=True
        )
    }


def year_columns(table: pd.DataFrame) -> list[str]:
    """The year columns of a ``summary`` or ``company_pnl`` table, in order.

    Examples
    --------
    >>> year_columns(pd.DataFrame(columns=["lab", "line", "units", "2026", "2027"]))
    ['2026', '2027']
    """
    return [str(c) for c in table.columns if str(c).isdigit()]


def lab_rows(table: pd.DataFrame, lab: str) -> pd.DataFrame:
    """The rows of one lab, without the ``lab`` column and with a fresh index.

    A table without a ``lab`` column is returned whole.
    """
    if "lab" not in table.columns:
        return table.reset_index(drop=True)
    return table[table["lab"] == lab].drop(columns="lab").reset_index(drop=True)


def table_labs(table: pd.DataFrame) -> list[str]:
    """The labs of a table in the order of their first rows (``[]`` without a ``lab`` column)."""
    if "lab" not in table.columns:
        return []
    return [str(name) for name in pd.unique(table["lab"])]


# ---------------------------------------------------------------------------
# All tables of a run
# ---------------------------------------------------------------------------

#: Builders of the run tables, in order: name -> builder (None when the run has no such table).
_RUN_TABLES: dict[str, Callable[[SimulationResult], pd.DataFrame | None]] = {
    "headline": headline_table,
    "summary": summary_table,
    "company_pnl": company_pnl_table,
    "cohort_pnl": cohort_pnl_table,
    "fan": fan_table,
    "ruin_curve": ruin_curve,
    "market": market_table,
    "milestones": milestone_table,
    "capability": capability_table,
}


def run_tables(result: SimulationResult, names: Collection[str] | None = None) -> dict[str, pd.DataFrame]:
    """The summary tables of a run (small: a few hundred rows per lab at most).

    Parameters
    ----------
    result : SimulationResult
    names : collection of str, optional
        Build only these tables (those the run has), and no ``"units"``
        table: what a caller that shows some tables and stores none needs.
        By default, every table and the units.

    Returns
    -------
    dict of str to pandas.DataFrame
        Per lab (a leading ``lab`` column, one block of rows per lab):
        ``"headline"`` (one row per lab: lab, scenario_name, draws, seed
        (text), horizon_years, start, p_ruin with its Wilson 95% interval
        p_ruin_low/p_ruin_high, revenue_final_year_median_usd,
        cash_final_year_median_usd); ``"summary"``; ``"company_pnl"``;
        ``"cohort_pnl"``; ``"fan"`` (see :func:`fan_table`);
        ``"ruin_curve"`` (see :func:`ruin_curve`); and, when capability
        drives demand, ``"milestones"`` (see :func:`milestone_table`) and
        ``"capability"`` (fan rows by year). Shared by all labs:
        ``"market"`` (see :func:`market_table`). Last, ``"units"``: the unit
        and label of every column of these tables and of the per-draw
        tables (see :func:`units_table` and the module notes).

    Examples
    --------
    >>> import frontiersim as fs
    >>> tables = run_tables(fs.simulate(fs.bundled("default"), draws=50, seed=1))
    >>> sorted(tables)
    ['cohort_pnl', 'company_pnl', 'fan', 'headline', 'ruin_curve', 'summary', 'units']
    >>> tables["headline"]["lab"].tolist()
    ['lab']
    >>> tables["fan"]["variable"].unique().tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['revenue_usd_per_year', 'demand_usd_per_year', 'capacity_gw', 'cash_usd',
     'unserved_usd_per_year']
    >>> units = column_units(tables["units"], "cohort_pnl")
    >>> units["net_usd"].unit, units["release_month"].unit
    ('USD', 'month')
    """
    tables: dict[str, pd.DataFrame] = {}
    for name, build in _RUN_TABLES.items():
        table = build(result) if names is None or name in names else None
        if table is not None:
            tables[name] = table
    if names is not None:
        return tables
    outputs = variable_units(result.dataset)
    empty_draws = {name: frame.iloc[:0] for name, frame in _draw_frames(result, rows=False).items()}
    tables["units"] = units_table({**tables, **empty_draws}, outputs)
    return tables


# ---------------------------------------------------------------------------
# Per-draw tables
# ---------------------------------------------------------------------------


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame with its index as columns and a default RangeIndex."""
    table = frame.reset_index()
    table.columns = [str(c) for c in table.columns]
    return table


def _variables_by_dims(dataset: xr.Dataset, dims: tuple[str, ...]) -> list[str]:
    return [str(v) for v in dataset.data_vars if dataset[v].dims == dims]


def _lab_draw_frames(lab: str, dataset: xr.Dataset, rows: bool) -> dict[str, pd.DataFrame]:
    """The per-draw tables of one lab's dataset (no ``lab`` dimension), with a ``lab`` column.

    With ``rows`` False, only the first draw is tabulated (to learn the columns).
    """
    dataset = dataset.drop_vars("lab", errors="ignore")  # a lab's scalar coordinate: the lab column says it
    if not rows:
        dataset = dataset.isel(draw=slice(0, 1))
    draw_count = int(dataset.sizes["draw"])

    def labelled(frame: pd.DataFrame) -> pd.DataFrame:
        frame.insert(1, "lab", [lab] * len(frame))
        return frame

    yearly_names = _variables_by_dims(dataset, ("draw", "year"))
    yearly = labelled(_flat(dataset[yearly_names].to_dataframe()))
    cohort_names = _variables_by_dims(dataset, ("draw", "model"))
    cohorts = _flat(dataset[cohort_names].to_dataframe())
    leading = ["draw", "model", "model_name", "release_month"]
    cohorts = labelled(cohorts[[*leading, *(c for c in cohorts.columns if c not in leading)]])
    final_names = _variables_by_dims(dataset, ("draw",))
    outcomes = sorted((name for name in final_names if not name.startswith("input.")), key=lambda n: n != "ruin_month")
    inputs = [name for name in final_names if name.startswith("input.")]
    columns: dict[str, object] = {"draw": np.asarray(dataset["draw"].values, dtype=np.int64)}
    columns.update({name: np.asarray(dataset[name].values) for name in outcomes})
    if "milestone_month" in dataset and "milestone" in dataset.dims:
        by_milestone = np.asarray(dataset["milestone_month"].transpose("draw", "milestone").values, dtype=np.int64)
        for k, milestone in enumerate(dataset["milestone"].values):
            columns[f"{_MILESTONE_PREFIX}{milestone}"] = by_milestone[:, k]
    columns.update({name: np.asarray(dataset[name].values) for name in inputs})
    draws = labelled(pd.DataFrame(columns, index=pd.RangeIndex(draw_count)))
    return {"yearly": yearly, "cohorts": cohorts, "draws": draws}


def _draw_frames(result: SimulationResult, *, rows: bool = True) -> dict[str, pd.DataFrame]:
    per_lab = [_lab_draw_frames(name, lab.dataset, rows) for name, lab in lab_results(result)]
    return {
        level: pd.concat([frames[level] for frames in per_lab], ignore_index=True)
        for level in ("yearly", "cohorts", "draws")
    }


def draw_tables(result: SimulationResult) -> dict[str, pd.DataFrame]:
    """The per-draw results as flat tables (to store as Parquet), one block of rows per lab.

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    dict of str to pandas.DataFrame
        ``"yearly"``: draw, lab, year and every yearly variable (market ones
        repeated for each lab); ``"cohorts"``: draw, lab, model, model_name,
        release_month and every per-model variable; ``"draws"``: one row per
        draw and lab with draw, lab, ``ruin_month``,
        ``obligations_after_horizon_usd``, when capability drives demand
        ``milestone_month.<milestone>`` (-1: not reached within the horizon),
        then the sampled inputs ``input.<path>``. Inputs are per draw and
        repeated for each lab; a lab that sets an uncertain key itself has its
        own draws of it under ``input.<path>`` in its rows. Units and labels
        of every column are in the ``units`` table of :func:`run_tables`.

    Examples
    --------
    >>> import frontiersim as fs
    >>> tables = draw_tables(fs.simulate(fs.bundled("default"), draws=20, seed=1))
    >>> tables["draws"].columns[:4].tolist()
    ['draw', 'lab', 'ruin_month', 'obligations_after_horizon_usd']
    """
    return _draw_frames(result)
