"""Charts of the calibration and the simulator backtest.

- :func:`backtest_fan_chart`: per cutoff and company, the simulated 50% and
  90% bands of annualised revenue against the reports (fitted ones grey,
  later ones black);
- :func:`pit_coverage_chart`: the PIT histogram beside the coverage of the
  50% and 90% intervals with their exact (Clopper-Pearson) 95% intervals;
- :func:`calibration_fan_chart`: the calibrated scenario's predictive fan
  after the reports it was calibrated on.

Each has a ``*_png`` twin that renders it offline (``frontiersim backtest``
and ``frontiersim calibrate --html`` keep and show these PNGs).

Examples
--------
>>> import pandas as pd
>>> fan = pd.DataFrame({"date": pd.to_datetime(["2026-01-01", "2026-02-01"]), "q05": [1e9, 1.1e9],
...     "q25": [2e9, 2.2e9], "q50": [3e9, 3.3e9], "q75": [4e9, 4.4e9], "q95": [5e9, 5.5e9]})
>>> reports = pd.DataFrame({"date": pd.to_datetime(["2025-12-01"]), "revenue_usd_per_year": [2.5e9]})
>>> calibration_fan_chart(fan, reports, "fan").to_dict()["usermeta"]["frontiersim"]["chart"]
'calibration_fan'
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from frontiersim.calibrate.backtest import LEVELS
from frontiersim.calibrate.simulator_backtest import PIT_BINS, SimulatorBacktest
from frontiersim.charts import render
from frontiersim.charts.run import Chart, value_text
from frontiersim.charts.scales import USERMETA_KEY, label_expression, value_scale

_BAND, _FITTED, _LATER = "#1f77b4", "#7f7f7f", "#000000"


def _fan_layers(
    fan: pd.DataFrame, reports: pd.DataFrame, cutoff: pd.Timestamp | None, title: str, **properties: object
) -> Chart:
    """The 90% and 50% bands and the median of a revenue fan, with the reports as points."""
    bands = pd.DataFrame(
        {
            "date": pd.to_datetime(fan["date"]).dt.strftime("%Y-%m-%d"),
            **{column: fan[column].to_numpy(dtype=float) for column in ("q05", "q25", "q50", "q75", "q95")},
        }
    )
    bands["median"] = [value_text(v, "USD/year") for v in bands["q50"]]
    bands["90% band"] = [
        f"{value_text(a, 'USD/year')} to {value_text(b, 'USD/year')}"
        for a, b in zip(bands["q05"], bands["q95"], strict=True)
    ]
    dates = pd.to_datetime(reports["date"])
    points = pd.DataFrame(
        {
            "date": dates.dt.strftime("%Y-%m-%d"),
            "revenue": reports["revenue_usd_per_year"].to_numpy(dtype=float),
            "report": ["later reports" if cutoff is not None and d > cutoff else "reports fitted" for d in dates],
        }
    )
    points["annualised revenue"] = [value_text(v, "USD/year") for v in points["revenue"]]
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%Y-%m", labelAngle=-30))
    shown = np.concatenate([bands[["q05", "q95"]].to_numpy(dtype=float).ravel(), points["revenue"].to_numpy()])
    decades = [tick for tick in value_scale(shown[shown > 0]).ticks if tick > 0]
    axis = alt.Axis(title="annualised revenue (USD/year, log)", labelExpr=label_expression("USD"), values=decades)
    y_scale = alt.Scale(type="log")
    base = alt.Chart(bands)
    layers: list[alt.Chart] = [
        base.mark_area(color=_BAND, opacity=0.2).encode(x=x, y=alt.Y("q05:Q", scale=y_scale, axis=axis), y2="q95:Q"),
        base.mark_area(color=_BAND, opacity=0.4).encode(x=x, y=alt.Y("q25:Q", scale=y_scale, axis=axis), y2="q75:Q"),
        base.mark_line(color=_BAND, strokeWidth=1.2).encode(
            x=x,
            y=alt.Y("q50:Q", scale=y_scale, axis=axis),
            tooltip=[alt.Tooltip("date:N"), alt.Tooltip("median:N"), alt.Tooltip("90% band:N")],
        ),
        alt.Chart(points)
        .mark_point(filled=True, size=30)
        .encode(
            x=x,
            y=alt.Y("revenue:Q", scale=y_scale, axis=axis),
            color=alt.Color(
                "report:N",
                title=None,
                scale=alt.Scale(domain=["reports fitted", "later reports"], range=[_FITTED, _LATER]),
                legend=alt.Legend(orient="top-left"),
            ),
            shape=alt.Shape(
                "report:N", scale=alt.Scale(domain=["reports fitted", "later reports"], range=["circle", "diamond"])
            ),
            tooltip=[alt.Tooltip("date:N"), alt.Tooltip("report:N"), alt.Tooltip("annualised revenue:N")],
        ),
    ]
    if cutoff is not None:
        line = pd.DataFrame({"date": [cutoff.strftime("%Y-%m-%d")]})
        layers.append(alt.Chart(line).mark_rule(color=_FITTED, strokeDash=[4, 3]).encode(x="date:T"))
    return alt.layer(*layers, title=title, **{"width": 300, "height": 220, **properties})


def backtest_fan_chart(result: SimulatorBacktest) -> alt.HConcatChart | Chart:
    """The simulated bands of each scored cutoff and company against the reports, one panel each.

    Parameters
    ----------
    result : SimulatorBacktest

    Returns
    -------
    altair.HConcatChart or altair.LayerChart
        One panel per fitted company and cutoff (a note when there is none).
    """
    scored = [c for c in result.companies if c.fitted and len(c.fan)]
    meta = {USERMETA_KEY: {"chart": "backtest_fan"}}
    if not scored:
        empty = pd.DataFrame({"text": ["no forecasts to draw"]})
        return alt.layer(alt.Chart(empty).mark_text(size=14).encode(text="text:N"), width=300, height=80, usermeta=meta)
    panels = [
        _fan_layers(
            company.fan,
            result.reports[result.reports["company"] == company.name],
            pd.Timestamp(company.cutoff),
            f"{company.name}, cutoff {company.cutoff}",
        )
        for company in scored
    ]
    return alt.hconcat(*panels, usermeta=meta)


def pit_coverage_chart(result: SimulatorBacktest) -> alt.HConcatChart:
    """PIT histogram (left) and observed against nominal coverage with exact 95% intervals (right).

    Parameters
    ----------
    result : SimulatorBacktest

    Returns
    -------
    altair.HConcatChart
    """
    counts = np.asarray(result.pit_counts(), dtype=float)
    total = int(counts.sum())
    edges = np.linspace(0.0, 1.0, PIT_BINS + 1)
    histogram = pd.DataFrame({"from": edges[:-1], "to": edges[1:], "reports": counts})
    bars = (
        alt.Chart(histogram)
        .mark_rect(color=_BAND, stroke="white")
        .encode(
            x=alt.X("from:Q", title="PIT of the report in its simulated sample"),
            x2="to:Q",
            y=alt.Y("reports:Q", title="reports"),
            tooltip=[alt.Tooltip("from:Q", format=".1f"), alt.Tooltip("to:Q", format=".1f"), alt.Tooltip("reports:Q")],
        )
    )
    layers: list[alt.Chart] = [bars]
    if total:
        uniform = pd.DataFrame({"uniform": [total / PIT_BINS]})
        layers.append(alt.Chart(uniform).mark_rule(color=_FITTED, strokeDash=[4, 3]).encode(y="uniform:Q"))
    left = alt.layer(*layers, width=280, height=220, title=f"PIT histogram ({total} reports)")
    rows = []
    for level in LEVELS:
        coverage = result.coverage(level)
        low, high = coverage.clopper_pearson()
        rows.append(
            {
                "interval": f"{level:.0%} intervals",
                "nominal": level,
                "observed": coverage.rate if coverage.n else None,
                "low": low if coverage.n else None,
                "high": high if coverage.n else None,
                "text": f"{value_text(coverage.rate, 'probability')} (exact 95%: "
                f"{value_text(low, 'probability')} to {value_text(high, 'probability')})"
                if coverage.n
                else "no reports",
            }
        )
    table = pd.DataFrame(rows)
    y_axis = alt.Axis(title="coverage (dot: observed, bar: exact 95% CI; tick: nominal)", format=".0%")
    x = alt.X("interval:N", title=None, axis=alt.Axis(labelAngle=0))
    base = alt.Chart(table)
    right = alt.layer(
        base.mark_rule(color=_BAND).encode(
            x=x, y=alt.Y("low:Q", scale=alt.Scale(domain=[0.0, 1.05]), axis=y_axis), y2="high:Q"
        ),
        base.mark_point(filled=True, color=_BAND, size=60).encode(
            x=x, y="observed:Q", tooltip=[alt.Tooltip("interval:N"), alt.Tooltip("text:N", title="observed")]
        ),
        base.mark_tick(color=_LATER, thickness=2, size=30).encode(x=x, y="nominal:Q"),
        width=220,
        height=220,
        title="Coverage, pooled",
    )
    return alt.hconcat(left, right, usermeta={USERMETA_KEY: {"chart": "pit_coverage"}})


def calibration_fan_chart(fan: pd.DataFrame, reports: pd.DataFrame, title: str) -> Chart:
    """A calibrated scenario's predictive fan (``date``, ``q05`` ... ``q95``) after the reports it was fitted on.

    Parameters
    ----------
    fan : pandas.DataFrame
    reports : pandas.DataFrame
        Columns ``date`` and ``revenue_usd_per_year``.
    title : str

    Returns
    -------
    altair.LayerChart
    """
    chart = _fan_layers(fan, reports, None, title)
    return alt.layer(
        *chart.layer, width=560, height=280, title=title, usermeta={USERMETA_KEY: {"chart": "calibration_fan"}}
    )


def backtest_fan_png(result: SimulatorBacktest) -> bytes:
    """:func:`backtest_fan_chart` as PNG bytes."""
    return render.png(backtest_fan_chart(result))


def pit_coverage_png(result: SimulatorBacktest) -> bytes:
    """:func:`pit_coverage_chart` as PNG bytes."""
    return render.png(pit_coverage_chart(result))


def calibration_fan_png(fan: pd.DataFrame, reports: pd.DataFrame, title: str) -> bytes:
    """:func:`calibration_fan_chart` as PNG bytes."""
    return render.png(calibration_fan_chart(fan, reports, title))


__all__ = [
    "backtest_fan_chart",
    "backtest_fan_png",
    "calibration_fan_chart",
    "calibration_fan_png",
    "pit_coverage_chart",
    "pit_coverage_png",
]
