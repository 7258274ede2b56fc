"""Units and labels of the stored tables that are not run tables: optimizer, frontier and backtest tables.

A run's tables are described by the ``units`` table of
:func:`frontiersim.results.tables.run_tables`, from the output catalogue.
The tables an optimization, a traced frontier or a backtest adds have
columns of their own; their units are declared here, once, and stored in the
same ``units`` table, so that readers (the report, ``runs show``) look every
unit up instead of guessing it from a column's name. Columns not declared
here have no unit (plain numbers).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from frontiersim.results.tables import PROBABILITY, UNITS_COLUMNS, ColumnUnit

#: Unit of the optimizer's objective when the objective does not say (its figures are in USD).
OBJECTIVE_UNIT = "USD"


def _evaluation_columns(objective_unit: str) -> dict[str, ColumnUnit]:
    """Columns of a policy evaluation in the ``frontier`` and ``comparison`` tables."""
    return {
        "policy": ColumnUnit("", "policy"),
        "P(ruin)": ColumnUnit(PROBABILITY, "P(ruin)"),
        "P(ruin) low": ColumnUnit(PROBABILITY, "P(ruin), 95% Wilson low"),
        "P(ruin) high": ColumnUnit(PROBABILITY, "P(ruin), 95% Wilson high"),
        "P(ruin) exact low": ColumnUnit(PROBABILITY, "P(ruin), exact 95% low"),
        "P(ruin) exact high": ColumnUnit(PROBABILITY, "P(ruin), exact 95% high"),
        "objective mean": ColumnUnit(objective_unit, "objective, mean"),
        "objective se": ColumnUnit(objective_unit, "objective, standard error"),
        "objective CVaR": ColumnUnit(objective_unit, "objective, CVaR"),
        "revenue served": ColumnUnit("USD", "revenue over the horizon, mean"),
        "unserved demand": ColumnUnit("USD", "unserved demand over the horizon, mean"),
    }


def optimization_units(objective_unit: str = OBJECTIVE_UNIT, parameter: str = "") -> dict[str, dict[str, ColumnUnit]]:
    """Units of the ``frontier``, ``comparison`` and ``schedule`` tables, by table and column.

    Parameters
    ----------
    objective_unit : str
        Unit of the objective (``Objective.unit``).
    parameter : str
        The policy family's parameter, with its unit, as the label of the
        ``parameter`` column.

    Returns
    -------
    dict of str to dict of str to ColumnUnit
    """
    evaluation = _evaluation_columns(objective_unit)
    return {
        "frontier": {
            **evaluation,
            "kind": ColumnUnit("", "candidate or naive policy"),
            "parameter": ColumnUnit("", parameter or "policy parameter"),
            "feasible": ColumnUnit("", "meets the ruin limit"),
            "chosen": ColumnUnit("", "chosen"),
        },
        "comparison": {
            **evaluation,
            "vs chosen": ColumnUnit(objective_unit, "objective minus the recommendation's, mean (paired)"),
            "vs chosen se": ColumnUnit(objective_unit, "objective minus the recommendation's, standard error"),
        },
        "schedule": {
            "decision year": ColumnUnit("year", "decision year"),
            "GW mean": ColumnUnit("GW", "GW committed, mean"),
            "GW p5": ColumnUnit("GW", "GW committed, 5th percentile"),
            "GW p50": ColumnUnit("GW", "GW committed, median"),
            "GW p95": ColumnUnit("GW", "GW committed, 95th percentile"),
            "USD per year of term (mean)": ColumnUnit("USD/year", "contract value per year of term, mean"),
            "contract value USD (mean)": ColumnUnit("USD", "contract value, mean"),
        },
    }


#: Units of the ``backtest`` and ``coverage`` tables of a backtest, by table and column.
BACKTEST_UNITS: dict[str, dict[str, ColumnUnit]] = {
    "backtest": {
        "company": ColumnUnit("", "company"),
        "date": ColumnUnit("", "date of the report"),
        "observed_usd": ColumnUnit("USD/year", "reported annualised revenue"),
        "median_usd": ColumnUnit("USD/year", "median forecast"),
        "low50_usd": ColumnUnit("USD/year", "50% interval, low"),
        "high50_usd": ColumnUnit("USD/year", "50% interval, high"),
        "covered50": ColumnUnit("", "inside the 50% interval"),
        "low90_usd": ColumnUnit("USD/year", "90% interval, low"),
        "high90_usd": ColumnUnit("USD/year", "90% interval, high"),
        "covered90": ColumnUnit("", "inside the 90% interval"),
    },
    "coverage": {
        "company": ColumnUnit("", "company"),
        "level": ColumnUnit(PROBABILITY, "nominal level"),
        "covered": ColumnUnit("reports", "covered"),
        "n": ColumnUnit("reports", "forecasts"),
        "below": ColumnUnit("reports", "below the interval"),
        "above": ColumnUnit("reports", "above the interval"),
        "rate": ColumnUnit(PROBABILITY, "coverage"),
        "ci_low": ColumnUnit(PROBABILITY, "coverage, exact 95% low"),
        "ci_high": ColumnUnit(PROBABILITY, "coverage, exact 95% high"),
        "p_value": ColumnUnit(PROBABILITY, "p-value against the nominal level"),
        "verdict": ColumnUnit("", "verdict"),
    },
}


def declared_units(
    tables: Mapping[str, pd.DataFrame], declarations: Mapping[str, Mapping[str, ColumnUnit]]
) -> pd.DataFrame:
    """Rows of a ``units`` table for the declared columns of ``tables``.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
    declarations : mapping of str to mapping of str to ColumnUnit
        Table -> column -> unit and label (:func:`optimization_units`,
        :data:`BACKTEST_UNITS`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~frontiersim.results.tables.UNITS_COLUMNS`; one row per
        declared column present in ``tables``.
    """
    rows = [
        (name, str(column), *declarations[name][str(column)])
        for name, frame in tables.items()
        if name in declarations
        for column in frame.columns
        if str(column) in declarations[name]
    ]
    return pd.DataFrame(rows, columns=list(UNITS_COLUMNS)).astype(str)


def with_units(units: pd.DataFrame | None, extra: pd.DataFrame) -> pd.DataFrame:
    """A ``units`` table with the rows of ``extra`` added (a table ``extra`` describes replaces its old rows)."""
    if units is None or units.empty:
        return extra.reset_index(drop=True)
    kept = units[~units["table"].isin(set(extra["table"]))]
    return pd.concat([kept, extra], ignore_index=True)
