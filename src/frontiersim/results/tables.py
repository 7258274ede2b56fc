"""Flat tables of a result, shared by the run store, the report and the dashboard.

:func:`run_tables` reduces a :class:`~frontiersim.results.result.SimulationResult`
to a few small summary tables (a few hundred rows at most); :func:`draw_tables`
gives the per-draw results. Every frame is flat and Parquet-safe: string
column names, a default ``RangeIndex``, no ``MultiIndex`` and no object
columns other than plain strings.

Money is in USD; monthly flows are annualised (times 12) in the fan table so
that monthly and yearly fans read in the same unit, USD/year.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from numpy.typing import NDArray
from scipy import stats

from frontiersim.results.result import SimulationResult

FloatArray = NDArray[np.float64]

#: Quantiles of the fan tables: column name -> quantile.
FAN_QUANTILES: dict[str, float] = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}

#: Columns of the fan and capability tables, in order.
FAN_COLUMNS: tuple[str, ...] = ("variable", "units", "period", "index", "date", "mean", *FAN_QUANTILES)

#: Fan-chart variables: name -> (units, label, monthly source and factor, yearly source).
FAN_VARIABLES: dict[str, tuple[str, str, tuple[str, float], str]] = {
    "revenue_usd_per_year": ("USD/year", "revenue", ("revenue_usd", 12.0), "year_revenue_usd"),
    "demand_usd_per_year": ("USD/year", "demand", ("demand_usd_per_year", 1.0), "year_demand_usd"),
    "capacity_gw": ("GW", "capacity under contract", ("capacity_gw", 1.0), "year_capacity_gw"),
    "cash_usd": ("USD", "cash", ("cash_usd", 1.0), "year_cash_usd"),
    "unserved_usd_per_year": ("USD/year", "unserved demand", ("unserved_usd", 12.0), "year_unserved_usd"),
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


def _year_columns(years: NDArray[np.int64]) -> list[str]:
    return [str(int(y)) for y in years]


def _fan_rows(
    name: str, units: str, period: str, index: NDArray[np.int64], dates: list[str], by_period: FloatArray
) -> pd.DataFrame:
    """Fan rows of one variable from a ``(periods, draws)`` array."""
    nan_aware = bool(np.isnan(by_period).any())
    quantile = np.nanquantile if nan_aware else np.quantile
    mean = np.nanmean(by_period, axis=1) if nan_aware else by_period.mean(axis=1)
    levels = quantile(by_period, list(FAN_QUANTILES.values()), axis=1)
    columns: dict[str, object] = {
        "variable": [name] * len(index),
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


def fan_table(result: SimulationResult) -> pd.DataFrame:
    """Mean and quantiles over draws of the fan-chart variables (see :data:`FAN_VARIABLES`).

    Monthly when the run kept monthly arrays, else yearly.

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FAN_COLUMNS`.
    """
    ds = result.dataset
    frames = []
    if result.has_monthly:
        months = np.asarray(ds["month"].values, dtype=np.int64)
        dates = month_dates(start_period(ds), months)
        for name, (units, _, (source, factor), _) in FAN_VARIABLES.items():
            values = _by_period(ds[source], "month")
            if factor != 1.0:
                values = values * factor
            frames.append(_fan_rows(name, units, "month", months, dates, values))
    else:
        years = np.asarray(ds["year"].values, dtype=np.int64)
        dates = [str(int(y)) for y in years]
        for name, (units, _, _, source) in FAN_VARIABLES.items():
            frames.append(_fan_rows(name, units, "year", years, dates, _by_period(ds[source], "year")))
    return pd.concat(frames, ignore_index=True)


def ruin_curve(result: SimulationResult) -> pd.DataFrame:
    """Share of draws ruined at or before each month of the horizon.

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    pandas.DataFrame
        Columns ``month`` (index from the start), ``date`` (``"YYYY-MM"``)
        and ``p_ruin``; non-decreasing, its last value equal to
        :meth:`SimulationResult.ruin_probability`.
    """
    ds = result.dataset
    months = int(ds.sizes["year"]) * 12
    ruin_month = np.asarray(ds["ruin_month"].values, dtype=np.int64)
    ruined = ruin_month[(ruin_month >= 0) & (ruin_month < months)]
    counts = np.bincount(ruined, minlength=months)[:months]
    p_ruin = np.cumsum(counts) / max(ruin_month.size, 1)
    index = np.arange(months, dtype=np.int64)
    return pd.DataFrame({"month": index, "date": month_dates(start_period(ds), index), "p_ruin": p_ruin})


def _seed_text(attrs: dict[str, object]) -> str:
    """The run's root seed as text (it may exceed 64 bits, so it is not stored as an integer)."""
    entropy = attrs.get("seed_entropy")
    return "" if entropy is None else str(entropy)


def headline_table(result: SimulationResult) -> pd.DataFrame:
    """One row of headline figures (see :func:`run_tables`)."""
    ds = result.dataset
    ruined = int((np.asarray(ds["ruin_month"].values) >= 0).sum())
    low, high = wilson_interval(ruined, result.draws)
    revenue = np.asarray(ds["year_revenue_usd"].values, dtype=float)[:, -1]
    cash = np.asarray(ds["year_cash_usd"].values, dtype=float)[:, -1]
    return pd.DataFrame(
        {
            "scenario_name": [str(ds.attrs.get("scenario_name", ""))],
            "draws": np.array([result.draws], dtype=np.int64),
            "seed": [_seed_text(ds.attrs)],
            "horizon_years": np.array([int(ds.sizes["year"])], dtype=np.int64),
            "start": [str(start_period(ds))],
            "p_ruin": [result.ruin_probability()],
            "p_ruin_low": [low],
            "p_ruin_high": [high],
            "revenue_final_year_median_usd": [float(np.median(revenue))],
            "cash_final_year_median_usd": [float(np.median(cash))],
        }
    )


def summary_table(result: SimulationResult) -> pd.DataFrame:
    """:meth:`SimulationResult.summary` flattened: ``metric``, ``statistic``, then one column per year."""
    summary = result.summary()
    table = pd.DataFrame(summary.to_numpy(dtype=float), columns=_year_columns(summary.columns.to_numpy()))
    table.insert(0, "statistic", [str(s) for s in summary.index.get_level_values("statistic")])
    table.insert(0, "metric", [str(m) for m in summary.index.get_level_values("metric")])
    return table


def company_pnl_table(result: SimulationResult) -> pd.DataFrame:
    """:meth:`SimulationResult.company_pnl` (mean): ``line``, then one column per year (USD)."""
    pnl = result.company_pnl("mean")
    table = pd.DataFrame(pnl.to_numpy(dtype=float), columns=_year_columns(pnl.columns.to_numpy()))
    table.insert(0, "line", [str(line) for line in pnl.index])
    return table


def cohort_pnl_table(result: SimulationResult) -> pd.DataFrame:
    """Per-model P&L, mean over draws (USD), one row per model cohort."""
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


def milestone_table(result: SimulationResult) -> pd.DataFrame | None:
    """When each capability milestone is reached: share of draws and date quantiles.

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    pandas.DataFrame or None
        None when the run has no ``milestone`` dimension. Columns
        ``milestone``, ``share_reached``, ``p5_date``, ``p50_date``,
        ``p95_date`` (``"YYYY-MM"``, or ``""`` when fewer than that share of
        draws reach it within the horizon) and ``p50_month`` (-1 when not
        reached by the median draw).
    """
    ds = result.dataset
    if "milestone" not in ds.dims or "milestone_month" not in ds:
        return None
    start = start_period(ds)
    months = np.asarray(ds["milestone_month"].transpose("milestone", "draw").values, dtype=float)
    months[months < 0] = np.inf  # not reached within the horizon: later than any month
    levels = np.quantile(months, [0.05, 0.5, 0.95], axis=1, method="inverted_cdf")

    def dates(row: FloatArray) -> list[str]:
        return [str(start + int(m)) if np.isfinite(m) else "" for m in row]

    return pd.DataFrame(
        {
            "milestone": [str(m) for m in ds["milestone"].values],
            "share_reached": np.isfinite(months).mean(axis=1),
            "p5_date": dates(levels[0]),
            "p50_date": dates(levels[1]),
            "p95_date": dates(levels[2]),
            "p50_month": np.array([int(m) if np.isfinite(m) else -1 for m in levels[1]], dtype=np.int64),
        }
    )


def capability_table(result: SimulationResult) -> pd.DataFrame | None:
    """Fan rows (by year) of the capability index and the overhang, or None without them."""
    ds = result.dataset
    present = [name for name in _CAPABILITY_VARIABLES if name in ds]
    if not present:
        return None
    years = np.asarray(ds["year"].values, dtype=np.int64)
    dates = [str(int(y)) for y in years]
    frames = [
        _fan_rows(name, str(ds[name].attrs.get("units", "")), "year", years, dates, _by_period(ds[name], "year"))
        for name in present
    ]
    return pd.concat(frames, ignore_index=True)


def run_tables(result: SimulationResult) -> dict[str, pd.DataFrame]:
    """The summary tables of a run (small: a few hundred rows at most).

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    dict of str to pandas.DataFrame
        ``"headline"`` (one row: scenario_name, draws, seed (text),
        horizon_years, start, p_ruin with its Wilson 95% interval
        p_ruin_low/p_ruin_high, revenue_final_year_median_usd,
        cash_final_year_median_usd); ``"summary"``; ``"company_pnl"``;
        ``"cohort_pnl"``; ``"fan"`` (see :func:`fan_table`);
        ``"ruin_curve"`` (see :func:`ruin_curve`); and, when capability
        drives demand, ``"milestones"`` (see :func:`milestone_table`) and
        ``"capability"`` (fan rows by year).

    Examples
    --------
    >>> import frontiersim as fs
    >>> tables = run_tables(fs.simulate(fs.bundled("default"), draws=50, seed=1))
    >>> sorted(tables)
    ['cohort_pnl', 'company_pnl', 'fan', 'headline', 'ruin_curve', 'summary']
    >>> tables["fan"]["variable"].unique().tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['revenue_usd_per_year', 'demand_usd_per_year', 'capacity_gw', 'cash_usd',
     'unserved_usd_per_year']
    """
    tables = {
        "headline": headline_table(result),
        "summary": summary_table(result),
        "company_pnl": company_pnl_table(result),
        "cohort_pnl": cohort_pnl_table(result),
        "fan": fan_table(result),
        "ruin_curve": ruin_curve(result),
    }
    milestones = milestone_table(result)
    if milestones is not None:
        tables["milestones"] = milestones
    capability = capability_table(result)
    if capability is not None:
        tables["capability"] = capability
    return tables


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame with its index as columns and a default RangeIndex."""
    table = frame.reset_index()
    table.columns = [str(c) for c in table.columns]
    return table


def draw_tables(result: SimulationResult) -> dict[str, pd.DataFrame]:
    """The per-draw results as flat tables (to store as Parquet).

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    dict of str to pandas.DataFrame
        ``"yearly"``: draw, year and every ``(draw, year)`` variable;
        ``"cohorts"``: draw, model, model_name, release_month and every
        ``(draw, model)`` variable; ``"draws"``: draw and every ``(draw,)``
        variable, including the sampled inputs ``input.*`` and, when
        capability drives demand, ``milestone_month.<milestone>`` (-1: not
        reached within the horizon).
    """
    ds = result.dataset
    yearly = _flat(result.to_dataframe("yearly"))
    cohorts = _flat(result.to_dataframe("cohorts"))
    leading = ["draw", "model", "model_name", "release_month"]
    cohorts = cohorts[[*leading, *(c for c in cohorts.columns if c not in leading)]]
    draws = _flat(result.to_dataframe("draws"))
    if "milestone_month" in ds and "milestone" in ds.dims:
        by_milestone = ds["milestone_month"].transpose("draw", "milestone").values
        extra = {
            f"milestone_month.{name}": np.asarray(by_milestone[:, k], dtype=np.int64)
            for k, name in enumerate(ds["milestone"].values)
        }
        draws = pd.concat([draws, pd.DataFrame(extra)], axis=1)
    return {"yearly": yearly, "cohorts": cohorts, "draws": draws}
