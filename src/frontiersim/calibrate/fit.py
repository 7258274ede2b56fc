"""Log-linear trend fits: least squares of ``log10(value)`` on fractional year.

A quantity growing by a constant factor ``g`` a year is a straight line in
``log10(value)`` against time with slope ``log10(g)``. The growth factor and its
interval follow from the slope: from ordinary least squares (OLS) standard
errors with Student-t quantiles [1]_, and from a nonparametric bootstrap that
resamples the observations with replacement (percentile interval) [2]_.

References
----------
.. [1] N. R. Draper and H. Smith, *Applied Regression Analysis*, 3rd ed.,
   Wiley, 1998, ch. 1 (confidence interval of the slope).
.. [2] B. Efron and R. J. Tibshirani, *An Introduction to the Bootstrap*,
   Chapman & Hall, 1993, ch. 9 (bootstrapping regression, pairs) and ch. 13
   (percentile intervals).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

FloatArray = NDArray[np.float64]

#: Bootstrap resamples used unless told otherwise.
DEFAULT_BOOTSTRAP_SAMPLES = 4000

#: Seed of the bootstrap unless told otherwise, so reports are reproducible.
DEFAULT_BOOTSTRAP_SEED = 20260101


@dataclass(frozen=True)
class LogLinearFit:
    """A least-squares line ``log10(value) = intercept + slope * year``.

    Attributes
    ----------
    slope : float
        Fitted slope, log10 units per year.
    intercept : float
        Fitted ``log10(value)`` at year 0.
    slope_se : float
        OLS standard error of the slope.
    residual_sd : float
        Standard deviation of the residuals (``n - 2`` degrees of freedom), log10 units.
    n : int
        Number of observations.
    x_min, x_max : float
        Range of the fractional years fitted.
    bootstrap_slopes : numpy.ndarray
        Slopes refitted on resamples of the observations (pairs bootstrap).
    """

    slope: float
    intercept: float
    slope_se: float
    residual_sd: float
    n: int
    x_min: float
    x_max: float
    bootstrap_slopes: FloatArray

    @property
    def growth_per_year(self) -> float:
        """Fitted yearly multiplier, ``10 ** slope``."""
        return float(10.0**self.slope)

    def ols_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Central ``level`` interval of the yearly multiplier from the OLS standard error (Student t)."""
        half = float(stats.t.ppf(0.5 + level / 2.0, self.n - 2)) * self.slope_se
        return (float(10.0 ** (self.slope - half)), float(10.0 ** (self.slope + half)))

    def bootstrap_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Central ``level`` percentile interval of the yearly multiplier from the bootstrap."""
        tail = 100.0 * (1.0 - level) / 2.0
        low, high = np.percentile(self.bootstrap_slopes, [tail, 100.0 - tail])
        return (float(10.0**low), float(10.0**high))

    def predict(self, year: float) -> float:
        """Fitted value (not its log) at fractional ``year``."""
        return float(10.0 ** (self.intercept + self.slope * year))


def _slopes(x: FloatArray, y: FloatArray) -> FloatArray:
    """OLS slopes of each row of ``y`` on the matching row of ``x`` (2-D arrays)."""
    xc = x - x.mean(axis=-1, keepdims=True)
    yc = y - y.mean(axis=-1, keepdims=True)
    sxx = (xc * xc).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray((xc * yc).sum(axis=-1) / sxx, dtype=np.float64)


def fit_log_linear(
    years: ArrayLike,
    values: ArrayLike,
    *,
    bootstrap_samples: int = DEFAULT_BOOTSTRAP_SAMPLES,
    seed: int = DEFAULT_BOOTSTRAP_SEED,
) -> LogLinearFit:
    """Fit ``log10(values)`` on ``years`` by least squares, with a pairs bootstrap of the slope.

    Parameters
    ----------
    years : array_like
        Fractional years of the observations.
    values : array_like
        Positive observed values (e.g. FLOP, USD/year).
    bootstrap_samples : int, optional
        Number of bootstrap resamples of the observations.
    seed : int, optional
        Seed of the bootstrap's :class:`numpy.random.Generator`.

    Returns
    -------
    LogLinearFit

    Raises
    ------
    ValueError
        With fewer than three observations, non-positive values, or all years equal.

    Examples
    --------
    >>> fit = fit_log_linear([2020.0, 2021.0, 2022.0], [1.0, 10.0, 100.0], bootstrap_samples=10)
    >>> round(fit.growth_per_year, 6)
    10.0
    """
    x = np.asarray(years, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if x.shape != v.shape or x.ndim != 1:
        raise ValueError("years and values must be 1-D arrays of the same length")
    if x.size < 3:
        raise ValueError(f"need at least 3 observations to fit a line with an error estimate, got {x.size}")
    if not np.all(v > 0) or not np.all(np.isfinite(v)) or not np.all(np.isfinite(x)):
        raise ValueError("values must be finite and positive, years finite")
    if np.ptp(x) == 0:
        raise ValueError("all observations are at the same year")
    y = np.log10(v)
    result = stats.linregress(x, y)
    residuals = y - (result.intercept + result.slope * x)
    residual_sd = math.sqrt(float(residuals @ residuals) / (x.size - 2))
    rng = np.random.default_rng(seed)
    index = rng.integers(0, x.size, size=(bootstrap_samples, x.size))
    boot = _slopes(x[index], y[index])
    boot = boot[np.isfinite(boot)]  # a resample with a single distinct year has no slope
    return LogLinearFit(
        slope=float(result.slope),
        intercept=float(result.intercept),
        slope_se=float(result.stderr),
        residual_sd=residual_sd,
        n=int(x.size),
        x_min=float(x.min()),
        x_max=float(x.max()),
        bootstrap_slopes=boot,
    )


def synthetic_log_linear(
    growth_per_year: float,
    value_at_start: float,
    years: ArrayLike,
    noise_sd_log10: float,
    rng: np.random.Generator,
) -> FloatArray:
    """Values on a known log-linear trend with lognormal noise, for recovery tests.

    Parameters
    ----------
    growth_per_year : float
        True yearly multiplier.
    value_at_start : float
        True value at the first of ``years``.
    years : array_like
        Fractional years to generate values at.
    noise_sd_log10 : float
        Standard deviation of the Gaussian noise added to ``log10(value)``.
    rng : numpy.random.Generator
        Source of the noise.

    Returns
    -------
    numpy.ndarray
        One value per year.
    """
    x = np.asarray(years, dtype=np.float64)
    log_values = math.log10(value_at_start) + math.log10(growth_per_year) * (x - x[0])
    return np.asarray(10.0 ** (log_values + rng.normal(0.0, noise_sd_log10, x.size)), dtype=np.float64)


__all__ = [
    "DEFAULT_BOOTSTRAP_SAMPLES",
    "DEFAULT_BOOTSTRAP_SEED",
    "LogLinearFit",
    "fit_log_linear",
    "synthetic_log_linear",
]
