"""Reading runs recorded before labs in the current table layout.

Runs recorded before labs existed hold tables without a ``lab`` column and
without a ``units`` table. Their Parquet payloads are left as they were
stored; :func:`upgrade_tables` reads them in the current layout, so that
every reader (``runs show``, ``runs compare``, the report, the dashboard's
presets) handles one layout only:

* every per-lab run table gains a leading ``lab`` column with the one lab
  such a run had, ``"lab"``;
* ``summary`` and ``company_pnl`` gain each row's unit (a ``units`` column),
  the fan tables each row's ``label``;
* a ``units`` table is added, describing the columns of that layout.

The units and labels of that layout are declared below, once: it is frozen,
so the declaration cannot drift from what those runs hold.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from frontiersim.results.tables import PROBABILITY, units_table
from frontiersim.scenario.schema import DEFAULT_LAB_NAME
from frontiersim.store.units import BACKTEST_UNITS, declared_units, optimization_units, with_units

#: Per-lab run tables of the layout before labs.
_PER_LAB_TABLES = ("headline", "summary", "company_pnl", "cohort_pnl", "fan", "ruin_curve", "milestones", "capability")

#: Unit of each metric of a ``summary`` table before labs, by its label.
LEGACY_SUMMARY_UNITS: dict[str, str] = {
    "P(ruin by year end)": PROBABILITY,
    "revenue": "USD",
    "profit": "USD",
    "cash at year end": "USD",
    "unserved demand": "USD",
    "compute payments": "USD",
    "capacity (GW, average)": "GW",
}

#: Unit of each line of a ``company_pnl`` table before labs (every line was in USD).
LEGACY_PNL_UNITS: dict[str, str] = dict.fromkeys(
    (
        "revenue",
        "inference cost",
        "training cost",
        "other operating costs",
        "profit",
        "financing",
        "cash at year end",
        "unserved demand",
    ),
    "USD",
)

#: Label of each variable of the fan tables before labs.
LEGACY_FAN_LABELS: dict[str, str] = {
    "revenue_usd_per_year": "revenue",
    "demand_usd_per_year": "demand",
    "capacity_gw": "capacity under contract",
    "cash_usd": "cash",
    "unserved_usd_per_year": "unserved demand",
    "year_capability_index": "capability index at year end",
    "year_overhang": "capability overhang at year end",
}

#: Unit and label of the result variables the tables before labs showed.
LEGACY_OUTPUTS: dict[str, tuple[str, str]] = {
    "year_revenue_usd": ("USD", "revenue"),
    "year_cash_usd": ("USD", "cash"),
    "model_training_cost_usd": ("USD", "training cost"),
    "model_revenue_usd": ("USD", "revenue"),
    "model_inference_cost_usd": ("USD", "inference cost"),
    "model_net_usd": ("USD", "net"),
}


def _insert_after(frame: pd.DataFrame, after: tuple[str, ...], column: str, values: list[str]) -> pd.DataFrame:
    """``frame`` with ``column`` after the last of the columns ``after`` it has (first without any)."""
    table = frame.copy()
    columns = list(table.columns)
    position = max((columns.index(name) + 1 for name in after if name in columns), default=0)
    table.insert(position, column, values)
    return table


def _upgrade_run_table(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    table = frame
    if name == "summary" and "units" not in table.columns and "metric" in table.columns:
        units = [LEGACY_SUMMARY_UNITS.get(str(metric), "") for metric in table["metric"]]
        table = _insert_after(table, ("metric", "statistic"), "units", units)
    if name == "company_pnl" and "units" not in table.columns and "line" in table.columns:
        units = [LEGACY_PNL_UNITS.get(str(line), "") for line in table["line"]]
        table = _insert_after(table, ("line",), "units", units)
    if name in ("fan", "capability") and "label" not in table.columns and "variable" in table.columns:
        labels = [LEGACY_FAN_LABELS.get(str(variable), str(variable)) for variable in table["variable"]]
        table = _insert_after(table, ("variable",), "label", labels)
    if "lab" not in table.columns:
        table = table.copy()
        table.insert(0, "lab", [DEFAULT_LAB_NAME] * len(table))
    return table


def upgrade_tables(kind: str, tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """A stored run's tables in the current layout (tables already in it are returned as they are).

    Parameters
    ----------
    kind : str
        The record's kind (``run``, ``optimize``, ``frontier``, ``backtest``).
    tables : mapping of str to pandas.DataFrame
        The summary tables as stored.

    Returns
    -------
    dict of str to pandas.DataFrame
        With a ``units`` table; for a run or optimization recorded before
        labs, every per-lab table with a ``lab`` column (see the module notes).

    Examples
    --------
    >>> old = {"headline": pd.DataFrame({"p_ruin": [0.1], "cash_final_year_median_usd": [5e9]})}
    >>> new = upgrade_tables("run", old)
    >>> new["headline"].columns.tolist()
    ['lab', 'p_ruin', 'cash_final_year_median_usd']
    >>> new["units"].set_index("column").loc["cash_final_year_median_usd", "unit"]
    'USD'
    """
    if "units" in tables or not tables:
        return dict(tables)
    upgraded = {
        name: _upgrade_run_table(name, frame) if kind in ("run", "optimize") and name in _PER_LAB_TABLES else frame
        for name, frame in tables.items()
    }
    run_part = {name: frame for name, frame in upgraded.items() if name in _PER_LAB_TABLES}
    units = units_table(run_part, LEGACY_OUTPUTS) if run_part else None
    extra = declared_units(upgraded, {**optimization_units(), **BACKTEST_UNITS})
    upgraded["units"] = with_units(units, extra)
    return upgraded
