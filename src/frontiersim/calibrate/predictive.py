"""A predictive distribution of demand, calibrated on revenue reports up to a date.

The fit of :mod:`frontiersim.calibrate.revenue` (least squares of
``log10(annualised revenue)`` on fractional year) says how well the past pins
down the past growth rate. A forecast needs more: the scenario's demand model
(:class:`frontiersim.models.demand.GrowthDemand`) is a random walk in log
demand whose drift decays by ``growth_persistence_per_year`` a year, so the
calibrated scenario states three sources of uncertainty, each on its own key:

1. **Parameter uncertainty** of the fitted rate: ``[demand] growth_per_year``
   is a lognormal whose p5/p95 are the 90% OLS interval of ``10 ** slope``
   (Student t with ``n - 2`` degrees of freedom) [1]_.
2. **Process noise**: the scatter of the reports around the fitted line,
   ``s`` (log10 units), maps to ``[demand] volatility_per_sqrt_year =
   s * ln(10)``: a year ahead, the random walk has spread as much as a report
   scatters about the trend. The starting level ``initial_usd_per_year`` is
   anchored on the latest report (not on the fitted line, which lags a
   process whose level wanders), carried to the start at the fitted rate, with
   a lognormal spread of ``sqrt(s^2 + (se_slope * gap)^2) * ln(10)`` (one
   report's scatter plus the rate's error over the gap) [2]_.
3. **A prior on growth slowing, or speeding up**: ``[demand]
   growth_persistence_per_year`` (the share of log growth kept from one year
   to the next) is :data:`PERSISTENCE_PRIOR`, triangular from 0.1 (growth
   nearly stops within a year, as OpenAI's did from ~20x a year in 2023 to
   ~2-3x in 2025) through a mode of 1 (the trend continues) to 1.3 (growth
   speeds up: Anthropic's fit to end 2024 gave 7.5x a year, and 2025 brought ~10x). Its median is below 1, but its
   upper tail is kept, since revenue grew faster than the calibrated bands
   foresaw as often as slower: the prior widens both tails, not only the lower.

The growth delay of the schema default is set to 0: the fitted trend is
under way at the start.

References
----------
.. [1] N. R. Draper and H. Smith, *Applied Regression Analysis*, 3rd ed.,
   Wiley, 1998, ch. 1 (confidence interval of the slope).
.. [2] A. C. Harvey, *Forecasting, Structural Time Series Models and the
   Kalman Filter*, Cambridge University Press, 1989, s2.3 (a local level with
   drift: forecasts start from the latest level, and their variance grows
   linearly with the horizon).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from frontiersim.calibrate.data import ATTRIBUTION, REVENUE_REPORTS_FILE, REVENUE_REPORTS_RETRIEVED, fractional_year
from frontiersim.calibrate.fit import LogLinearFit, fit_log_linear
from frontiersim.scenario.distributions import Lognormal, Triangular, to_toml_value

#: Prior on ``[demand] growth_persistence_per_year``: triangular(low, mode, high).
PERSISTENCE_PRIOR = Triangular(0.1, 1.0, 1.3)

#: Central interval of the fitted growth used as the growth lognormal's p5-p95.
GROWTH_INTERVAL = 0.90

#: Reports needed to fit a line with an error estimate.
MIN_REPORTS = 3

_LN10 = math.log(10.0)


def _inline(value: object) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_inline(item)}" for key, item in value.items()) + " }"
    if isinstance(value, str):
        return f'"{value}"'
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def month_start(month: str) -> pd.Timestamp:
    """The first day of a ``YYYY-MM`` month."""
    return pd.Timestamp(f"{month}-01")


@dataclass(frozen=True)
class PredictiveDemand:
    """The predictive distribution of one company's demand from a start month.

    Attributes
    ----------
    company : str
    start : str
        First simulated month, ``YYYY-MM``.
    fit : LogLinearFit
        Least squares of ``log10(USD/year)`` on fractional year over the reports used.
    last_date : str
        ISO date of the latest report, the anchor of the starting level.
    last_usd_per_year : float
        Its annualised revenue.
    initial : Lognormal
        ``[demand] initial_usd_per_year``.
    growth : Lognormal
        ``[demand] growth_per_year`` (parameter uncertainty).
    volatility_per_sqrt_year : float
        ``[demand] volatility_per_sqrt_year`` (process noise).
    persistence : Triangular
        ``[demand] growth_persistence_per_year`` (the prior on slowing).
    """

    company: str
    start: str
    fit: LogLinearFit
    last_date: str
    last_usd_per_year: float
    initial: Lognormal
    growth: Lognormal
    volatility_per_sqrt_year: float
    persistence: Triangular

    def components(self) -> list[str]:
        """One line per source of uncertainty, with the key it sets."""
        fit = self.fit
        return [
            f"parameter uncertainty: growth_per_year = {self.growth.describe()}, the {GROWTH_INTERVAL:.0%} OLS "
            f"interval of the fitted {fit.growth_per_year:.2f}x/yr ({fit.n} reports, slope s.e. "
            f"{fit.slope_se:.3f} log10/yr, t with {fit.n - 2} d.f.)",
            f"process noise: volatility_per_sqrt_year = {self.volatility_per_sqrt_year:.3g}, the reports' "
            f"scatter about the fitted line ({fit.residual_sd:.3f} log10 = {fit.residual_sd * _LN10:.3f} ln) per "
            "square-root year",
            f"starting level: initial_usd_per_year = {self.initial.describe()}, the latest report "
            f"(${self.last_usd_per_year / 1e9:.3g}B on {self.last_date}) carried to {self.start} at the fitted rate, "
            "spread by one report's scatter and the rate's error over the gap",
            f"prior on slowing: growth_persistence_per_year = {self.persistence.describe()} (share of log growth "
            "kept each year; below 1 growth slows, above 1 it speeds up; median "
            f"{float(self.persistence.ppf(0.5)):.2f})",
        ]

    def demand_toml(self, growth_source: str = "") -> str:
        """The ``[demand]`` table, every line commented with its source of uncertainty.

        Parameters
        ----------
        growth_source : str, optional
            Comment on the ``growth_per_year`` line (default: the dataset, company and reports used).
        """
        source = (
            f"Epoch AI revenue reports ({REVENUE_REPORTS_FILE}, retrieved {REVENUE_REPORTS_RETRIEVED}); "
            f"{self.company}, {self.fit.n} reports to {self.last_date}"
        )
        return "\n".join(
            [
                "[demand]",
                'kind = "growth"',
                "# A PREDICTIVE distribution (frontiersim.calibrate.predictive), not the fit's parameter interval:",
                *(f"#   {line}" for line in self.components()),
                f"# {source}. {ATTRIBUTION}.",
                f"initial_usd_per_year = {_inline(to_toml_value(self.initial))}  # starting level",
                f"growth_per_year = {_inline(to_toml_value(self.growth))}  # parameter uncertainty; "
                f"{growth_source or source}",
                f"growth_persistence_per_year = {_inline(to_toml_value(self.persistence))}  # prior on slowing",
                f"volatility_per_sqrt_year = {self.volatility_per_sqrt_year:.4g}  # process noise",
                "delay_months = 0  # the fitted trend is under way at the start",
                "",
            ]
        )


def predictive_demand(
    reports: pd.DataFrame,
    company: str,
    start: str,
    *,
    persistence: Triangular = PERSISTENCE_PRIOR,
) -> PredictiveDemand:
    """Calibrate the predictive distribution of ``company``'s demand from month ``start``.

    Parameters
    ----------
    reports : pandas.DataFrame
        Columns ``company``, ``date`` (datetime) and ``revenue_usd_per_year``; every row of
        the company is used (drop what should not be fitted beforehand).
    company : str
    start : str
        First simulated month, ``YYYY-MM``; it should follow the latest report.
    persistence : Triangular, optional
        The prior on growth slowing.

    Returns
    -------
    PredictiveDemand

    Raises
    ------
    ValueError
        With fewer than :data:`MIN_REPORTS` reports on at least two dates.

    Examples
    --------
    >>> frame = pd.DataFrame({"company": "Lab", "date": pd.to_datetime(["2024-01-01", "2024-07-01", "2025-01-01"]),
    ...                       "revenue_usd_per_year": [1e9, 3e9, 1e10]})
    >>> p = predictive_demand(frame, "Lab", "2025-01")
    >>> round(p.fit.growth_per_year, 1), f"{float(p.initial.ppf(0.5)):.3g}"
    (10.0, '1e+10')
    """
    mine = reports[reports["company"] == company].sort_values("date", kind="stable")
    if len(mine) < MIN_REPORTS or mine["date"].nunique() < 2:
        raise ValueError(
            f"{company}: {len(mine)} report(s) on {mine['date'].nunique()} date(s); need at least {MIN_REPORTS} "
            "on two dates to fit a trend with an error estimate"
        )
    x = fractional_year(mine["date"])
    values = mine["revenue_usd_per_year"].to_numpy(dtype=np.float64)
    fit = fit_log_linear(x, values, bootstrap_samples=0)
    low, high = fit.ols_interval(GROWTH_INTERVAL)
    growth = Lognormal(float(f"{low:.4g}"), float(f"{high:.4g}"))
    last = int(np.argmax(x))
    start_year = float(fractional_year(pd.Series([month_start(start)]))[0])
    gap = max(start_year - float(x[last]), 0.0)
    center = math.log10(values[last]) + fit.slope * gap
    spread_log10 = math.hypot(fit.residual_sd, fit.slope_se * gap)
    z = float(stats.norm.ppf(0.95))
    initial = Lognormal(
        float(f"{10.0 ** (center - z * spread_log10):.4g}"), float(f"{10.0 ** (center + z * spread_log10):.4g}")
    )
    return PredictiveDemand(
        company=company,
        start=start,
        fit=fit,
        last_date=str(mine["date"].iloc[last].date()),
        last_usd_per_year=float(values[last]),
        initial=initial,
        growth=growth,
        volatility_per_sqrt_year=float(f"{fit.residual_sd * _LN10:.4g}"),
        persistence=persistence,
    )


__all__ = [
    "GROWTH_INTERVAL",
    "MIN_REPORTS",
    "PERSISTENCE_PRIOR",
    "PredictiveDemand",
    "month_start",
    "predictive_demand",
]
