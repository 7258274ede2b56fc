"""Charts of the calibration and the simulator backtest, as PNG bytes.

As in :mod:`frontiersim.report.charts`, matplotlib is imported only when a
chart is drawn, and always through its object interface (``Figure`` with an
Agg canvas), never through ``pyplot``'s global state.

- :func:`backtest_fan_png`: per cutoff and company, the simulated 50% and 90%
  bands of annualised revenue against the reports (fitted ones grey, later
  ones black);
- :func:`pit_coverage_png`: the PIT histogram beside the coverage of the 50%
  and 90% intervals with their exact 95% intervals;
- :func:`calibration_fan_png`: the calibrated scenario's predictive fan after
  the reports it was calibrated on.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from frontiersim.calibrate.backtest import LEVELS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from frontiersim.calibrate.simulator_backtest import SimulatorBacktest

_BAND, _FITTED, _LATER = "#1f77b4", "#7f7f7f", "#000000"


def _figure(columns: int, rows: int = 1, width: float = 4.2, height: float = 3.2) -> tuple[Figure, list[Axes]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 (see the module docstring)
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=(width * columns, height * rows), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, columns, squeeze=False)
    return figure, list(axes.ravel())


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _fan(ax: Axes, fan: pd.DataFrame, reports: pd.DataFrame, cutoff: pd.Timestamp | None, title: str) -> None:
    dates = pd.to_datetime(fan["date"])
    ax.fill_between(dates, fan["q05"], fan["q95"], color=_BAND, alpha=0.2, label="90% band")
    ax.fill_between(dates, fan["q25"], fan["q75"], color=_BAND, alpha=0.4, label="50% band")
    ax.plot(dates, fan["q50"], color=_BAND, lw=1.2, label="median")
    if cutoff is not None:
        before = reports[reports["date"] <= cutoff]
        after = reports[reports["date"] > cutoff]
        ax.scatter(before["date"], before["revenue_usd_per_year"], color=_FITTED, s=14, label="reports fitted")
        ax.scatter(after["date"], after["revenue_usd_per_year"], color=_LATER, s=14, marker="D", label="later reports")
        ax.axvline(
            cutoff,  # type: ignore[arg-type]  # matplotlib converts dates
            color=_FITTED,
            lw=0.8,
            ls="--",
        )
    else:
        ax.scatter(reports["date"], reports["revenue_usd_per_year"], color=_LATER, s=14, label="reports fitted")
    ax.set_yscale("log")
    ax.set_ylabel("annualised revenue (USD/year, log)")
    ax.set_title(title, fontsize=9)
    ax.tick_params(axis="x", labelsize=7, rotation=30)
    ax.legend(fontsize=6, loc="upper left")


def backtest_fan_png(result: SimulatorBacktest) -> bytes:
    """The simulated bands of each scored cutoff and company against the reports, one panel each."""
    scored = [c for c in result.companies if c.fitted and len(c.fan)]
    figure, axes = _figure(max(len(scored), 1))
    for ax, company in zip(axes, scored, strict=False):
        reports = result.reports[result.reports["company"] == company.name]
        _fan(ax, company.fan, reports, pd.Timestamp(company.cutoff), f"{company.name}, cutoff {company.cutoff}")
    if not scored:
        axes[0].text(0.5, 0.5, "no forecasts to draw", ha="center", va="center")
    return _png(figure)


def pit_coverage_png(result: SimulatorBacktest) -> bytes:
    """PIT histogram (left) and observed vs nominal coverage with exact 95% intervals (right)."""
    from frontiersim.calibrate.simulator_backtest import PIT_BINS  # noqa: PLC0415 (import cycle)

    figure, (hist, cover) = _figure(2)
    counts = result.pit_counts()
    edges = np.linspace(0.0, 1.0, PIT_BINS + 1)
    hist.bar(edges[:-1], counts, width=1.0 / PIT_BINS, align="edge", color=_BAND, edgecolor="white")
    total = int(counts.sum())
    if total:
        hist.axhline(total / PIT_BINS, color=_FITTED, ls="--", lw=1, label="uniform (calibrated)")
        hist.legend(fontsize=7)
    hist.set_xlabel("PIT of the report in its simulated sample")
    hist.set_ylabel("reports")
    hist.set_title(f"PIT histogram ({total} reports)", fontsize=9)
    for i, level in enumerate(LEVELS):
        cov = result.coverage(level)
        low, high = cov.clopper_pearson()
        if cov.n:
            cover.errorbar([i], [cov.rate], yerr=[[cov.rate - low], [high - cov.rate]], fmt="o", color=_BAND, capsize=4)
        cover.scatter([i], [level], marker="_", s=400, color=_LATER)
    cover.set_xticks(range(len(LEVELS)), [f"{level:.0%} intervals" for level in LEVELS])
    cover.set_ylim(0.0, 1.05)
    cover.set_xlim(-0.6, len(LEVELS) - 0.4)
    cover.set_ylabel("coverage (dot: observed, bar: exact 95% CI; dash: nominal)")
    cover.set_title("Coverage, pooled", fontsize=9)
    return _png(figure)


def calibration_fan_png(fan: pd.DataFrame, reports: pd.DataFrame, title: str) -> bytes:
    """A calibrated scenario's predictive fan (``date``, ``q05`` ... ``q95``) after the reports it was fitted on."""
    figure, axes = _figure(1, width=7.0, height=3.6)
    _fan(axes[0], fan, reports, None, title)
    return _png(figure)


__all__ = ["backtest_fan_png", "calibration_fan_png", "pit_coverage_png"]
