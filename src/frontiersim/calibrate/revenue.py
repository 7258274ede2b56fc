"""The growth of annualised revenue, fitted to Epoch's revenue reports.

Least squares of ``log10(annualised revenue, USD/year)`` on fractional year,
one company at a time, after dropping the rows listed in :data:`DROPPED_ROWS`
(reports that are not company-wide annualised run-rates) [1]_. The history of
the lab given in the interviews [2]_: ~$0 at the start of 2023, ~$100M at the
end of 2023, ~$1B at the end of 2024, ~$9-10B at the end of 2025, i.e. ~10x a
year; :func:`cross_check` compares the fit with it.

References
----------
.. [1] Epoch AI, "AI Companies" data hub, revenue reports (annualised),
   https://epoch.ai/data, CC-BY 4.0.
.. [2] Dwarkesh Podcast, "Dario Amodei: We are near the end of the
   exponential" (2026-02-13).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from frontiersim.calibrate.data import REVENUE_REPORTS_FILE, REVENUE_REPORTS_RETRIEVED, fractional_year, revenue_reports
from frontiersim.calibrate.fit import DEFAULT_BOOTSTRAP_SAMPLES, DEFAULT_BOOTSTRAP_SEED, LogLinearFit, fit_log_linear


@dataclass(frozen=True)
class DroppedRow:
    """A revenue report left out of the fit, and why.

    Attributes
    ----------
    company : str
    date : str
        ISO date of the report.
    revenue_usd_per_year : float
        The reported figure (identifies the row together with company and date).
    reason : str
    """

    company: str
    date: str
    revenue_usd_per_year: float
    reason: str


#: Rows of ``ai_companies_revenue_reports.csv`` that are not company-wide annualised run-rates.
#: Every other row is kept, including Anthropic's $87M on 2024-01-01 (a plausible run-rate
#: beside $100M three months earlier) and OpenAI's $28M on 2022-12-31 (the only 2022 figure).
DROPPED_ROWS: tuple[DroppedRow, ...] = (
    DroppedRow(
        "Anthropic",
        "2025-10-15",
        1.0e9,
        "not a company run-rate: $1B six days before a $7B report, after $5B in July; "
        "it matches the ~$1B run-rate reported for one product (Claude Code) that month",
    ),
    DroppedRow(
        "OpenAI",
        "2023-12-31",
        7.0e8,
        "duplicate date beside $2B: the lower figure is revenue booked in calendar 2023, not a run-rate",
    ),
    DroppedRow(
        "OpenAI",
        "2024-12-31",
        3.7e9,
        "duplicate date beside $5.5B: $3.7B is OpenAI's calendar-2024 revenue, not a year-end run-rate",
    ),
    DroppedRow(
        "OpenAI",
        "2025-08-26",
        3.0e9,
        "not a company run-rate: $3B three weeks after $13B and between $12-13B reports; a partial-period figure",
    ),
)

#: The interviews' history of the lab's annualised revenue (Dwarkesh Podcast, 2026-02-13): (fractional year,
#: USD/year). "~$0 at the start of 2023" has no finite log and is checked as "below $10M", not fitted.
INTERVIEW_HISTORY: tuple[tuple[float, float, str], ...] = (
    (2024.0, 1.0e8, "~$100M at end 2023"),
    (2025.0, 1.0e9, "~$1B at end 2024"),
    (2026.0, 9.5e9, "~$9-10B at end 2025"),
)
INTERVIEW_GROWTH_PER_YEAR = 10.0


def _is_dropped(frame: pd.DataFrame, row: DroppedRow) -> pd.Series:
    return (
        (frame["company"] == row.company)
        & (frame["date"] == pd.Timestamp(row.date))
        & np.isclose(frame["revenue_usd_per_year"], row.revenue_usd_per_year, rtol=1e-9)
    )


def apply_drops(reports: pd.DataFrame, dropped: tuple[DroppedRow, ...] = DROPPED_ROWS) -> pd.DataFrame:
    """The reports without the rows in ``dropped``.

    Parameters
    ----------
    reports : pandas.DataFrame
        As returned by :func:`frontiersim.calibrate.data.revenue_reports`.
    dropped : tuple of DroppedRow, optional

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ValueError
        If a dropped row does not match exactly one report (the data changed).
    """
    mask = pd.Series(False, index=reports.index)
    for row in dropped:
        hit = _is_dropped(reports, row)
        if int(hit.sum()) != 1:
            raise ValueError(f"dropped row {row} matches {int(hit.sum())} reports, expected 1")
        mask |= hit
    return reports[~mask]


@dataclass(frozen=True)
class RevenueTrend:
    """The fitted revenue trend of one company.

    Attributes
    ----------
    company : str
    fit : LogLinearFit
        Least squares of ``log10(USD/year)`` on fractional year.
    reports : pandas.DataFrame
        The reports fitted.
    dropped : tuple of DroppedRow
        The company's reports left out.
    """

    company: str
    fit: LogLinearFit
    reports: pd.DataFrame
    dropped: tuple[DroppedRow, ...]

    @property
    def start(self) -> str:
        """First report date fitted (ISO)."""
        return str(self.reports["date"].min().date())

    @property
    def end(self) -> str:
        """Last report date fitted (ISO)."""
        return str(self.reports["date"].max().date())

    def source(self) -> str:
        """One line naming the dataset, rows used, fit and date range."""
        low, high = self.fit.ols_interval()
        dropped = ", ".join(f"{d.date} ${d.revenue_usd_per_year / 1e9:g}B" for d in self.dropped) or "none"
        return (
            f"Epoch AI revenue reports ({REVENUE_REPORTS_FILE}, retrieved {REVENUE_REPORTS_RETRIEVED}); "
            f"{self.company}, {self.fit.n} reports {self.start} to {self.end} (dropped: {dropped}); "
            f"OLS of log10 annualised revenue on year: {self.fit.growth_per_year:.1f}x/yr "
            f"(95% CI {low:.1f}-{high:.1f})"
        )


def revenue_trend(
    company: str = "Anthropic",
    *,
    bootstrap_samples: int = DEFAULT_BOOTSTRAP_SAMPLES,
    seed: int = DEFAULT_BOOTSTRAP_SEED,
) -> RevenueTrend:
    """Fit the growth of one company's annualised revenue.

    Parameters
    ----------
    company : str, optional
        As spelled in the CSV's ``Company`` column.
    bootstrap_samples : int, optional
        Resamples of the reports for the bootstrap interval.
    seed : int, optional
        Bootstrap seed.

    Returns
    -------
    RevenueTrend

    Raises
    ------
    ValueError
        If the company has fewer than three reports left.
    """
    kept = apply_drops(revenue_reports())
    reports = kept[kept["company"] == company].sort_values("date", kind="stable").reset_index(drop=True)
    fit = fit_log_linear(
        fractional_year(reports["date"]),
        reports["revenue_usd_per_year"],
        bootstrap_samples=bootstrap_samples,
        seed=seed,
    )
    dropped = tuple(row for row in DROPPED_ROWS if row.company == company)
    return RevenueTrend(company=company, fit=fit, reports=reports, dropped=dropped)


@dataclass(frozen=True)
class CrossCheck:
    """The fit beside one point of the interviews' history.

    Attributes
    ----------
    year : float
        Fractional year.
    interview_usd_per_year : float
    fitted_usd_per_year : float
    label : str
    """

    year: float
    interview_usd_per_year: float
    fitted_usd_per_year: float
    label: str

    @property
    def ratio(self) -> float:
        """Fitted over the interviews' figure."""
        return self.fitted_usd_per_year / self.interview_usd_per_year


def cross_check(trend: RevenueTrend) -> list[CrossCheck]:
    """The fitted line at the interviews' history points (end 2023, 2024, 2025).

    Parameters
    ----------
    trend : RevenueTrend

    Returns
    -------
    list of CrossCheck
    """
    return [CrossCheck(year, value, trend.fit.predict(year), label) for year, value, label in INTERVIEW_HISTORY]


__all__ = [
    "DROPPED_ROWS",
    "INTERVIEW_GROWTH_PER_YEAR",
    "INTERVIEW_HISTORY",
    "CrossCheck",
    "DroppedRow",
    "RevenueTrend",
    "apply_drops",
    "cross_check",
    "revenue_trend",
]
