"""The JSON the page draws, made from a run's tables: one lab's headline, fans, ruin curve and P&L.

It runs in the simulation worker processes (``frontiersim.dashboard.worker``),
so that only this small mapping, not the simulation's arrays, comes back to
the server.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from frontiersim.charts import render
from frontiersim.dashboard.chart_specs import fan_spec, ruin_spec
from frontiersim.models.catalogue import milestone_label


def _finite(value: Any) -> float | None:
    """A float for JSON: None for NaN and infinities (JSON has neither)."""
    number = float(value)
    return number if math.isfinite(number) else None


def _numbers(values: Any) -> list[float | None]:
    return [_finite(v) for v in np.asarray(values, dtype=float)]


def _json_scalar(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return _finite(value)
    return value


def lab_rows(table: pd.DataFrame, lab: str | None) -> pd.DataFrame:
    """The rows of one lab of a run table, without the ``lab`` column.

    A table without a ``lab`` column (what all labs share, or a table of one
    lab) is returned whole, as is every table when ``lab`` is None.
    """
    if lab is None or "lab" not in table.columns:
        return table
    rows = table[table["lab"].astype(str) == lab]
    return rows.drop(columns="lab").reset_index(drop=True)


def table_labs(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """The labs of a run's tables, in order (from the ``lab`` column of the headline; empty without one)."""
    headline = tables["headline"]
    return list(dict.fromkeys(str(lab) for lab in headline["lab"])) if "lab" in headline.columns else []


def _fan_payload(fan: pd.DataFrame) -> dict[str, Any]:
    """Fan rows as the page draws them: ``period``, ``dates`` and per variable its quantiles over time."""
    variables = []
    dates: list[str] = []
    period = ""
    for name in dict.fromkeys(str(v) for v in fan["variable"]):
        rows = fan[fan["variable"] == name]
        dates = [str(d) for d in rows["date"]]
        period = str(rows["period"].iloc[0])
        label = str(rows["label"].iloc[0]) if "label" in rows.columns else name
        entry: dict[str, Any] = {"name": name, "label": label, "units": str(rows["units"].iloc[0])}
        for column in ("mean", "p5", "p25", "p50", "p75", "p95"):
            entry[column] = _numbers(rows[column])
        variables.append(entry)
    return {"period": period, "dates": dates, "variables": variables}


#: A fan table without rows.
_EMPTY_FAN = pd.DataFrame({"variable": pd.Series(dtype=str)})

#: Headline figures given for every lab.
_LAB_HEADLINE = (
    "p_ruin",
    "p_ruin_low",
    "p_ruin_high",
    "revenue_final_year_median_usd",
    "cash_final_year_median_usd",
    "p_ruin_including_runoff",
    "obligations_after_horizon_median_usd",
)


def chart_payload(tables: Mapping[str, pd.DataFrame], lab: str | None, several_labs: bool) -> list[dict[str, Any]]:
    """The charts the page draws, as Vega-Lite specifications with their data.

    They are made by the functions that draw the HTML report's charts
    (:mod:`frontiersim.charts.run`): the P(ruin) curve and the fans of the
    lab drawn, then, with several labs, the market's fans. Their structure is
    built once (:mod:`frontiersim.dashboard.chart_specs`).

    Returns
    -------
    list of dict
        Per chart its ``name`` (``"ruin"`` or ``"fan:<variable>"``) and
        ``spec`` (the Vega-Lite JSON).
    """
    charts = [{"name": "ruin", "spec": ruin_spec(lab_rows(tables["ruin_curve"], lab))}]
    fan = lab_rows(tables["fan"], lab)
    charts += [
        {"name": f"fan:{name}", "spec": fan_spec(fan, name)} for name in dict.fromkeys(str(v) for v in fan["variable"])
    ]
    market = tables.get("market")
    if several_labs and market is not None and len(market):
        charts += [
            {"name": f"fan:{name}", "spec": fan_spec(market, name)}
            for name in dict.fromkeys(str(v) for v in market["variable"])
        ]
    return charts


def drivers_chart(drivers: pd.DataFrame) -> dict[str, Any]:
    """The tornado chart of what drives an outcome in the page's draws, as ``charts`` lists it.

    Parameters
    ----------
    drivers : pandas.DataFrame
        Labelled rank indices
        (:func:`frontiersim.sensitivity.drivers_in_draws`).

    Returns
    -------
    dict
        ``name`` (``"drivers"``) and ``spec``: the Vega-Lite JSON of
        :func:`frontiersim.charts.tornado.tornado_chart`, the chart the report
        draws for a stored sensitivity analysis.
    """
    from frontiersim.charts.tornado import tornado_chart  # noqa: PLC0415 (only when ruin varies)

    titled = drivers.assign(outcome_label=[f"What drives {label} in these draws" for label in drivers["outcome_label"]])
    return {"name": "drivers", "spec": render.spec(tornado_chart(titled))}


def result_payload(tables: Mapping[str, pd.DataFrame], lab: str | None = None) -> dict[str, Any]:
    """The JSON the page draws: one lab's headline, fans, ruin curve and company P&L, and every lab's P(ruin).

    Parameters
    ----------
    tables : mapping of str to DataFrame
        :func:`frontiersim.results.tables.run_tables` of the run (its tables
        of several labs have a ``lab`` column; a table without one is
        taken as the one lab's).
    lab : str, optional
        The lab whose figures are drawn (default: the first).

    Returns
    -------
    dict
        ``lab`` (the lab drawn; None for tables without a ``lab`` column),
        ``labs`` (per lab ``name``, ``p_ruin`` with its Wilson interval
        ``p_ruin_low``/``p_ruin_high`` and the final-year medians of revenue
        and cash), and for the lab drawn: ``headline`` (one row as a
        mapping), ``fan`` (``period``, ``dates`` and per variable ``name``,
        ``label``, ``units`` and the columns ``mean``, ``p5``, ``p25``,
        ``p50``, ``p75``, ``p95``), ``ruin_curve`` (``dates``, ``p_ruin``),
        ``company_pnl`` (``years``, ``lines``, each with its ``units``) and
        ``milestones`` (when capability drives demand: per milestone
        ``milestone`` (its human label), ``key`` (its name), ``share_reached``, ``p5_date``, ``p50_date``,
        ``p95_date``; else an empty list); and ``market`` (fans of what all
        labs share, as ``fan``; empty ``variables`` without it). Non-finite
        numbers become null.

    Raises
    ------
    ValueError
        For a lab the tables do not have.
    """
    labs = table_labs(tables)
    if lab is not None and labs and lab not in labs:
        raise ValueError(f"no lab named {lab!r}; labs: {', '.join(labs)}")
    chosen = lab if lab is not None else (labs[0] if labs else None)
    headline_rows = tables["headline"]
    headline = {str(k): _json_scalar(v) for k, v in lab_rows(headline_rows, chosen).iloc[0].items()}
    ruin = lab_rows(tables["ruin_curve"], chosen)
    fan = lab_rows(tables["fan"], chosen)
    pnl = lab_rows(tables["company_pnl"], chosen)
    years = [str(c) for c in pnl.columns if str(c).isdigit()]
    market = tables.get("market")
    return {
        "lab": chosen,
        "labs": [
            {"name": str(row["lab"]), **{key: _json_scalar(row[key]) for key in _LAB_HEADLINE if key in row.index}}
            for _, row in (headline_rows.iterrows() if labs else ())
        ],
        "headline": headline,
        "fan": _fan_payload(fan),
        "market": _fan_payload(market) if market is not None and len(market) else _fan_payload(_EMPTY_FAN),
        "ruin_curve": {"dates": [str(d) for d in ruin["date"]], "p_ruin": _numbers(ruin["p_ruin"])},
        "company_pnl": {
            "years": years,
            "lines": [
                {
                    "line": str(row["line"]),
                    "units": str(row["units"]) if "units" in pnl.columns else "USD",
                    "values": _numbers(row[years]),
                }
                for _, row in pnl.iterrows()
            ],
        },
        # the lab's rows, taken once: chart_payload's lab_rows returns a table without a lab column as it is
        "charts": chart_payload({**tables, "ruin_curve": ruin, "fan": fan}, chosen, len(labs) > 1),
        "milestones": [
            {
                "milestone": milestone_label(str(row["milestone"])),
                "key": str(row["milestone"]),
                "share_reached": _json_scalar(row["share_reached"]),
                **{column: str(row[column]) for column in ("p5_date", "p50_date", "p95_date")},
            }
            for _, row in lab_rows(tables.get("milestones", pd.DataFrame()), chosen).iterrows()
        ],
    }
