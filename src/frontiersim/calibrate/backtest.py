"""Out-of-sample backtest of the revenue trend: fit up to a cutoff, forecast the later reports.

The revenue process of :mod:`frontiersim.calibrate.revenue` (least squares of
``log10(annualised revenue)`` on fractional year, one company at a time, after
:data:`~frontiersim.calibrate.revenue.DROPPED_ROWS`) is fitted on the reports
dated on or before the cutoff. Each later report is forecast with the OLS
*prediction* interval [1]_, which adds the scatter of a new observation to the
uncertainty of the fitted line::

    log10(y0) in  a + b x0  +/-  t(n - 2) * s * sqrt(1 + 1/n + (x0 - mean(x))^2 / Sxx)

The share of later reports inside the 50% and 90% intervals is compared with
the nominal level by an exact binomial test, with a Clopper-Pearson interval of
the coverage [2]_. The test treats the forecasts as independent; they share one
fitted line and the residuals of revenue series are serially correlated, so the
real evidence is weaker than the test's p-value suggests, never stronger.

References
----------
.. [1] N. R. Draper and H. Smith, *Applied Regression Analysis*, 3rd ed.,
   Wiley, 1998, s1.4 (prediction interval of a new observation).
.. [2] C. J. Clopper and E. S. Pearson, "The use of confidence or fiducial
   limits illustrated in the case of the binomial", *Biometrika* 26 (1934) 404-413.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from frontiersim.calibrate.data import ATTRIBUTION, fractional_year, revenue_reports
from frontiersim.calibrate.defaults import COMPANIES
from frontiersim.calibrate.fit import LogLinearFit, fit_log_linear
from frontiersim.calibrate.revenue import apply_drops
from frontiersim.units import number_text

#: Nominal levels of the predictive intervals.
LEVELS = (0.5, 0.9)

#: Reports needed on or before the cutoff to fit a line with an error estimate.
MIN_FIT_REPORTS = 3

#: Significance of the binomial test below which coverage is called off nominal.
TEST_ALPHA = 0.05

#: Columns of the table of scored forecasts.
TABLE_COLUMNS = [
    "company",
    "date",
    "observed_usd",
    "median_usd",
    "low50_usd",
    "high50_usd",
    "covered50",
    "low90_usd",
    "high90_usd",
    "covered90",
]


def parse_cutoff(text: str) -> pd.Timestamp:
    """An ISO date (``YYYY-MM-DD``) as a timestamp.

    Raises
    ------
    ValueError
        If ``text`` is not a valid ISO date.

    Examples
    --------
    >>> str(parse_cutoff("2024-12-31").date())
    '2024-12-31'
    """
    try:
        return pd.Timestamp(datetime.strptime(text.strip(), "%Y-%m-%d"))
    except (ValueError, TypeError, AttributeError):
        raise ValueError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def prediction_interval(
    x: ArrayLike, y: ArrayLike, x_new: ArrayLike, level: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """OLS point forecast and central ``level`` prediction interval of new observations of ``y``.

    Parameters
    ----------
    x, y : array_like
        Fitted observations (at least three, not all at one ``x``).
    x_new : array_like
        Where to forecast.
    level : float
        Nominal coverage, in (0, 1).

    Returns
    -------
    tuple of numpy.ndarray
        ``(center, low, high)``, in the units of ``y``.

    Examples
    --------
    >>> c, lo, hi = prediction_interval([0.0, 1.0, 2.0, 3.0], [0.0, 1.1, 1.9, 3.0], [4.0], 0.9)
    >>> bool(lo[0] < c[0] < hi[0])
    True
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    x0 = np.asarray(x_new, dtype=np.float64)
    n = xs.size
    if n < MIN_FIT_REPORTS:
        raise ValueError(f"need at least {MIN_FIT_REPORTS} observations, got {n}")
    mean_x = float(xs.mean())
    sxx = float(((xs - mean_x) ** 2).sum())
    if sxx == 0.0:
        raise ValueError("all observations are at the same x")
    slope = float(((xs - mean_x) * (ys - ys.mean())).sum()) / sxx
    intercept = float(ys.mean()) - slope * mean_x
    residuals = ys - (intercept + slope * xs)
    s = math.sqrt(float(residuals @ residuals) / (n - 2))
    center = intercept + slope * x0
    half = float(stats.t.ppf(0.5 + level / 2.0, n - 2)) * s * np.sqrt(1.0 + 1.0 / n + (x0 - mean_x) ** 2 / sxx)
    return (
        np.asarray(center, dtype=np.float64),
        np.asarray(center - half, dtype=np.float64),
        np.asarray(center + half, dtype=np.float64),
    )


@dataclass(frozen=True)
class Coverage:
    """How often the realised values fell inside the nominal-``level`` intervals.

    Attributes
    ----------
    level : float
        Nominal coverage.
    covered : int
    n : int
        Forecasts scored.
    below, above : int
        Misses under the interval's low end and over its high end.
    """

    level: float
    covered: int
    n: int
    below: int = 0
    above: int = 0

    @property
    def rate(self) -> float:
        """Observed coverage (NaN with no forecasts)."""
        return self.covered / self.n if self.n else math.nan

    @property
    def p_value(self) -> float:
        """Two-sided exact binomial test of ``coverage == level`` (NaN with no forecasts)."""
        if self.n == 0:
            return math.nan
        return float(stats.binomtest(self.covered, self.n, self.level).pvalue)

    def clopper_pearson(self, confidence: float = 0.95) -> tuple[float, float]:
        """Exact (Clopper-Pearson) ``confidence`` interval of the true coverage."""
        if self.n == 0:
            return (math.nan, math.nan)
        ci = stats.binomtest(self.covered, self.n, self.level).proportion_ci(confidence, method="exact")
        return (float(ci.low), float(ci.high))

    @property
    def verdict(self) -> str:
        """``consistent with nominal``, ``below nominal: ...``, ``above nominal: ...`` or ``no forecasts``."""
        if self.n == 0:
            return "no forecasts to score"
        if self.p_value >= TEST_ALPHA:
            return "consistent with nominal"
        if self.rate < self.level:
            return "below nominal: the intervals are too narrow"
        return "above nominal: the intervals are too wide"

    def describe(self) -> str:
        """One line: coverage, counts, Clopper-Pearson interval, test and verdict."""
        nominal = f"{self.level:.0%}"
        if self.n == 0:
            return f"{nominal} intervals: no later reports to score"
        low, high = self.clopper_pearson()
        line = (
            f"{nominal} intervals covered {self.covered} of {self.n} ({self.rate:.0%}; exact 95% CI "
            f"{low:.0%}-{high:.0%}; binomial test p={number_text(self.p_value, 2)}; misses {self.below} below, "
            f"{self.above} above): {self.verdict}"
        )
        if self.verdict == "consistent with nominal" and self.n < 10:
            line += f" (only {self.n} observations: a weak test that cannot rule out much)"
        if self.covered == 0:
            line += f"; but the {nominal} intervals NEVER covered the observed revenue"
        if self.n and max(self.below, self.above) == self.n - self.covered and self.n - self.covered >= 3:
            side = "below" if self.below else "above"
            line += f"; every miss is {side} the interval, a sign the trend is biased, not just noisy"
        return line


@dataclass(frozen=True)
class CompanyBacktest:
    """The backtest of one company.

    Attributes
    ----------
    company : str
    n_fit : int
        Reports on or before the cutoff.
    fit : LogLinearFit or None
        The fit on those reports; None when there were too few.
    forecasts : pandas.DataFrame
        One row per later report (columns as :meth:`BacktestResult.table`); empty if not fitted.
    """

    company: str
    n_fit: int
    fit: LogLinearFit | None
    forecasts: pd.DataFrame

    @property
    def fitted(self) -> bool:
        """Whether there were enough reports before the cutoff to fit."""
        return self.fit is not None

    def coverage(self, level: float) -> Coverage:
        """Coverage of the ``level`` intervals over the later reports."""
        pct = round(level * 100)
        if not len(self.forecasts):
            return Coverage(level, 0, 0)
        table = self.forecasts
        below = int((table["observed_usd"] < table[f"low{pct}_usd"]).sum())
        above = int((table["observed_usd"] > table[f"high{pct}_usd"]).sum())
        return Coverage(level, int(table[f"covered{pct}"].sum()), len(table), below, above)


def _backtest_company(reports: pd.DataFrame, company: str, cutoff: pd.Timestamp) -> CompanyBacktest:
    mine = reports[reports["company"] == company].sort_values("date", kind="stable")
    before = mine[mine["date"] <= cutoff]
    after = mine[mine["date"] > cutoff]
    empty = pd.DataFrame({column: [] for column in TABLE_COLUMNS})
    if len(before) < MIN_FIT_REPORTS or before["date"].nunique() < 2:
        return CompanyBacktest(company, len(before), None, empty)
    x = fractional_year(before["date"])
    y = np.log10(before["revenue_usd_per_year"].to_numpy(dtype=np.float64))
    fit = fit_log_linear(x, before["revenue_usd_per_year"], bootstrap_samples=0)
    x_new = fractional_year(after["date"])
    observed = after["revenue_usd_per_year"].to_numpy(dtype=np.float64)
    columns: dict[str, object] = {
        "company": company,
        "date": after["date"].dt.date.astype(str).to_numpy(),
        "observed_usd": observed,
    }
    for level in LEVELS:
        center, low, high = prediction_interval(x, y, x_new, level)
        pct = round(level * 100)
        columns["median_usd"] = 10.0**center
        columns[f"low{pct}_usd"] = 10.0**low
        columns[f"high{pct}_usd"] = 10.0**high
        log_obs = np.log10(observed)
        columns[f"covered{pct}"] = (log_obs >= low) & (log_obs <= high)
    table = pd.DataFrame(columns, index=range(len(after)))[TABLE_COLUMNS]
    return CompanyBacktest(company, len(before), fit, table)


@dataclass(frozen=True)
class BacktestResult:
    """Out-of-sample forecasts of the revenue trend after a cutoff, and their coverage.

    Attributes
    ----------
    cutoff : str
        ISO date; reports on or before it are fitted, later ones forecast.
    companies : tuple of CompanyBacktest
    """

    cutoff: str
    companies: tuple[CompanyBacktest, ...]

    def table(self) -> pd.DataFrame:
        """Every forecast: company, date, observed, median forecast, 50%/90% intervals and whether each covers."""
        frames = [c.forecasts for c in self.companies if len(c.forecasts)]
        if not frames:
            return pd.DataFrame({column: [] for column in TABLE_COLUMNS})
        return pd.concat(frames, ignore_index=True)

    def coverage(self, level: float) -> Coverage:
        """Coverage of the ``level`` intervals pooled over the fitted companies."""
        parts = [c.coverage(level) for c in self.companies if c.fitted]
        return Coverage(
            level,
            sum(p.covered for p in parts),
            sum(p.n for p in parts),
            sum(p.below for p in parts),
            sum(p.above for p in parts),
        )

    def summary_text(self) -> str:
        """Per company and pooled coverage, each with an honest verdict given the number of observations."""
        lines = [
            f"Trend-line backtest (the fitted line's OLS prediction intervals, not the simulator): fitted on reports "
            f"up to {self.cutoff}, forecast the later ones."
        ]
        for c in self.companies:
            if not c.fitted:
                lines.append(
                    f"{c.company}: cannot be fitted -- {c.n_fit} report(s) on or before {self.cutoff}, "
                    f"need at least {MIN_FIT_REPORTS}"
                )
                continue
            assert c.fit is not None
            lines.append(
                f"{c.company}: fitted on {c.n_fit} reports ({c.fit.growth_per_year:.1f}x/yr), "
                f"{len(c.forecasts)} later report(s)"
            )
            lines.extend(f"  {c.coverage(level).describe()}" for level in LEVELS)
            if len(c.forecasts):
                spread = float(np.median(c.forecasts["high90_usd"] / c.forecasts["low90_usd"]))
                if spread > 100.0:
                    lines.append(
                        f"  the 90% intervals span a factor of ~{spread:,.0f} (high/low, median) with "
                        f"{c.n_fit - 2} residual degree(s) of freedom: covering is easy and says little"
                    )
        fitted = [c for c in self.companies if c.fitted]
        if len(fitted) > 1:
            lines.append(f"Pooled ({', '.join(c.company for c in fitted)}):")
            lines.extend(f"  {self.coverage(level).describe()}" for level in LEVELS)
        if fitted:
            lines.append(
                "Caveat: the binomial test treats forecasts as independent; they share one fitted line per "
                "company and revenue residuals are serially correlated, so the evidence is weaker than shown."
            )
        lines.append(ATTRIBUTION)
        return "\n".join(lines)


def backtest_revenue(
    cutoff: str | pd.Timestamp,
    companies: tuple[str, ...] = COMPANIES,
    *,
    reports: pd.DataFrame | None = None,
) -> BacktestResult:
    """Fit each company's revenue trend up to ``cutoff`` and score predictive intervals on the later reports.

    Parameters
    ----------
    cutoff : str or pandas.Timestamp
        ISO date (``YYYY-MM-DD``); reports dated on or before it are fitted.
    companies : tuple of str, optional
        Companies to backtest, each separately.
    reports : pandas.DataFrame, optional
        Columns ``company``, ``date`` (datetime) and ``revenue_usd_per_year``, used as given.
        Default: the shipped Epoch reports without
        :data:`~frontiersim.calibrate.revenue.DROPPED_ROWS`.

    Returns
    -------
    BacktestResult

    Raises
    ------
    ValueError
        If ``cutoff`` is not a valid date.
    """
    when = parse_cutoff(cutoff) if isinstance(cutoff, str) else pd.Timestamp(cutoff)
    data = apply_drops(revenue_reports()) if reports is None else reports
    results = tuple(_backtest_company(data, company, when) for company in companies)
    return BacktestResult(cutoff=str(when.date()), companies=results)


__all__ = [
    "LEVELS",
    "MIN_FIT_REPORTS",
    "BacktestResult",
    "CompanyBacktest",
    "Coverage",
    "backtest_revenue",
    "parse_cutoff",
    "prediction_interval",
]
