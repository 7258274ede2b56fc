"""The run tables of a run kept as distributions (:class:`~frontiersim.results.summary.SummaryResult`).

:func:`summary_run_tables` gives the tables :func:`~frontiersim.results.tables.run_tables`
gives for a full run, with the same names, columns and units, so that the
run store, the report and ``frontiersim runs`` read both alike. The frames
are built by the same functions (``headline_frame``, ``fan_frame``, ...);
only the statistics come from sketches: shares of draws and month
quantiles exactly, means as sums in the order of the draws, quantiles of
floats within 0.39% (:mod:`frontiersim.results.sketch`). Fans are yearly:
no monthly arrays are kept. There are no per-draw tables.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from frontiersim.results.build import model_labels
from frontiersim.results.sketch import IntegerSketch
from frontiersim.results.summary import SummaryResult
from frontiersim.results.tables import (
    _CAPABILITY_VARIABLES,
    _COHORT_COLUMNS,
    FAN_QUANTILES,
    FAN_VARIABLES,
    MARKET_VARIABLES,
    MILESTONE_QUANTILES,
    FanVariable,
    _with_lab,
    company_pnl_frame,
    fan_frame,
    headline_frame,
    milestone_frame,
    ruin_curve_frame,
    summary_frame,
    units_table,
)

FloatArray = NDArray[np.float64]


def _start(summary: SummaryResult) -> pd.Period:
    return pd.Period(summary.scenario.meta.start, freq="M")


def _fans(summary: SummaryResult, variables: dict[str, FanVariable], lab: str | None) -> pd.DataFrame:
    years = np.asarray(summary.years, dtype=np.int64)
    dates = [str(year) for year in years]
    frames = []
    for name, fan in variables.items():
        spec = summary.specs[fan.yearly]
        unit = fan.unit if fan.unit is not None else spec.unit
        levels = summary.quantiles(fan.yearly, list(FAN_QUANTILES.values()), lab)
        mean = summary.means(fan.yearly, lab)
        frames.append(fan_frame(name, spec.label, unit, "year", years, dates, mean, levels))
    return pd.concat(frames, ignore_index=True)


def _milestone_months(sketch: IntegerSketch, column: int, draws: int) -> FloatArray:
    """:data:`MILESTONE_QUANTILES` of the month a milestone is reached, never (-1) counted as later than any month.

    The ``inverted_cdf`` quantile: the ``ceil(n q)``-th smallest value.
    """
    never = int(sketch.counts[column, 0])  # the first position holds -1
    reached = draws - never
    levels = np.full(len(MILESTONE_QUANTILES), np.inf)
    for k, q in enumerate(MILESTONE_QUANTILES):
        rank = max(math.ceil(draws * q) - 1, 0)
        if rank < reached:  # the reached draws come first, in order; "never" after them
            levels[k] = float(sketch.order_statistics(column, np.array([rank + never]))[0])
    return levels


def _milestones(summary: SummaryResult, lab: str | None) -> pd.DataFrame:
    sketch = summary.sketches["milestone_month"]
    assert isinstance(sketch, IntegerSketch)
    names = [str(m) for m in summary.scenario.capability.milestone_thresholds]
    columns = summary.lab_columns("milestone_month", lab)
    first = columns.start or 0
    shares = sketch.share_at_least(0)[columns]
    levels = np.column_stack([_milestone_months(sketch, first + k, summary.draws) for k in range(len(names))])
    return milestone_frame(_start(summary), names, shares, levels)


def _lab_tables(summary: SummaryResult, lab: str | None) -> dict[str, pd.DataFrame]:
    units = {name: unit for name, (unit, _) in summary.units().items()}
    final_year = -1
    medians = (
        float(summary.quantiles("year_revenue_usd", [0.5], lab)[0, final_year]),
        float(summary.quantiles("year_cash_usd", [0.5], lab)[0, final_year]),
        summary.obligations_after_horizon(lab),
    )
    index = summary.lab_index(lab)
    tables = {
        "headline": headline_frame(
            summary.attrs,
            summary.draws,
            summary.scenario.meta.horizon_years,
            str(_start(summary)),
            ruined=int(summary.ruined_draws()[index]),
            ruined_with_runoff=int(summary.ruined_draws(including_runoff=True)[index]),
            medians=medians,
        ),
        "summary": summary_frame(summary.summary(lab=lab), units),
        "company_pnl": company_pnl_frame(summary.company_pnl("mean", lab), units),
        "cohort_pnl": _cohort_pnl(summary, lab),
        "fan": _fans(summary, FAN_VARIABLES, lab),
        "ruin_curve": ruin_curve_frame(_start(summary), summary.ruin_curve(lab)),
    }
    if summary.scenario.capability.milestone_thresholds and "milestone_month" in summary.sketches:
        tables["milestones"] = _milestones(summary, lab)
    present = {name: FanVariable(name, 1.0, name) for name in _CAPABILITY_VARIABLES if name in summary.sketches}
    if present:
        tables["capability"] = _fans(summary, present, lab)
    return tables


def _cohort_pnl(summary: SummaryResult, lab: str | None) -> pd.DataFrame:
    names, release_months = model_labels(summary.scenario)
    table = pd.DataFrame({"model": names, "release_month": np.asarray(release_months, dtype=np.int64)})
    for column, name in _COHORT_COLUMNS.items():
        table[column] = summary.means(name, lab)
    return table


def summary_run_tables(summary: SummaryResult) -> dict[str, pd.DataFrame]:
    """The run tables of a summary run, as :func:`~frontiersim.results.tables.run_tables` gives a full run's.

    Parameters
    ----------
    summary : SummaryResult

    Returns
    -------
    dict of str to pandas.DataFrame
        ``headline``, ``summary``, ``company_pnl``, ``cohort_pnl``, ``fan``
        (yearly), ``ruin_curve``, ``milestones`` and ``capability`` when
        capability drives demand, ``market`` when the market is sketched,
        and ``units``.

    Examples
    --------
    >>> import frontiersim as fs
    >>> tables = summary_run_tables(fs.simulate_summary(fs.bundled("default"), draws=200, seed=1))
    >>> sorted(tables)
    ['cohort_pnl', 'company_pnl', 'fan', 'headline', 'ruin_curve', 'summary', 'units']
    """
    labs = summary.labs
    per_lab = [(lab, _lab_tables(summary, lab)) for lab in labs]
    tables = {name: _with_lab([(lab, own[name]) for lab, own in per_lab]) for name in per_lab[0][1]}
    market = {name: fan for name, fan in MARKET_VARIABLES.items() if fan.yearly in summary.sketches}
    if market:
        tables["market"] = _fans(summary, market, None)
    tables["units"] = units_table(tables, summary.units())
    return tables
