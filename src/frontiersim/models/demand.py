"""Revenue demand drivers.

A driver is stepped month by month and returns annualised revenue demand per
draw. The interface takes the training compute the lab used in the previous
month, so a driver that turns compute into capability and demand can replace
the exogenous ones here without touching the simulator.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


class DemandDriver(Protocol):
    """Annualised revenue demand, one month at a time."""

    def demand_usd_per_year(self, month: int, training_gw_last_month: FloatArray) -> FloatArray:
        """Demand in ``month`` (USD/year, shape ``(draws,)``).

        Called once per month, in order. ``training_gw_last_month`` is the
        training compute the lab used in the previous month (zeros at month 0).
        """
        ...


def cumulative_log_growth(
    years: FloatArray, log_growth_per_year: FloatArray, persistence_per_year: FloatArray
) -> FloatArray:
    r"""Integrated log growth after ``years`` of growth whose rate decays geometrically.

    Parameters
    ----------
    years : ndarray
        Elapsed growth time, years, shape ``(months,)`` or broadcastable.
    log_growth_per_year : ndarray
        Initial log growth rate :math:`\ln g`, 1/year, shape ``(draws, 1)``.
    persistence_per_year : ndarray
        :math:`\rho`, the share of the log rate kept per year, shape
        ``(draws, 1)``.

    Returns
    -------
    ndarray
        :math:`\ln g \int_0^{\tau} \rho^s ds = \ln g (\rho^\tau - 1)/\ln\rho`,
        and :math:`\tau \ln g` when :math:`\rho = 1`.

    Notes
    -----
    With :math:`\rho = 1`, demand is exactly :math:`D_0 g^{\tau}`.
    """
    log_rho = np.log(persistence_per_year)
    flat = np.abs(log_rho) < 1e-12
    safe = np.where(flat, 1.0, log_rho)
    decayed = np.expm1(years * safe) / safe
    return log_growth_per_year * np.where(flat, years, decayed)


def log_random_walk(volatility_per_sqrt_year: FloatArray, shocks: FloatArray) -> FloatArray:
    """Log-demand noise: a random walk with monthly sd ``volatility / sqrt(12)``, zero in month 0.

    Parameters
    ----------
    volatility_per_sqrt_year : ndarray, shape (draws,)
    shocks : ndarray, shape (draws, months)
        Standard normal shocks; month 0's are ignored.

    Returns
    -------
    ndarray, shape (draws, months)
    """
    steps = shocks.copy()
    steps[:, 0] = 0.0
    scale: FloatArray = volatility_per_sqrt_year[:, None] / np.sqrt(12.0)
    return np.cumsum(steps, axis=1) * scale


def _capped(level_usd_per_year: FloatArray, log_factor: FloatArray, ceiling_usd_per_year: float) -> FloatArray:
    r"""``min(level * exp(log_factor), ceiling)``, computed without overflow.

    Where ``log_factor`` is exactly 0, or the level is 0, the level is
    returned unchanged, so noiseless paths keep their exact values.
    """
    with np.errstate(divide="ignore"):
        log_room = np.log(ceiling_usd_per_year) - np.log(level_usd_per_year)
    # a level of 0 stays 0 (below), whatever the factor: no room is needed, and none may overflow
    log_room = np.where(level_usd_per_year == 0.0, 0.0, log_room)
    factor = np.exp(np.minimum(log_factor, log_room))
    unchanged = (log_factor == 0.0) | (level_usd_per_year == 0.0)
    with np.errstate(invalid="ignore"):  # 0 x inf where the level is 0 is replaced below
        scaled = level_usd_per_year * factor
    capped = np.where(unchanged, level_usd_per_year, scaled)
    return np.minimum(capped, ceiling_usd_per_year)


class PrecomputedDemand:
    """An exogenous demand path computed up front, served one month at a time.

    Parameters
    ----------
    path_usd_per_year : ndarray, shape (draws, months)
        Annualised demand, USD/year.
    """

    def __init__(self, path_usd_per_year: FloatArray) -> None:
        self.path_usd_per_year: FloatArray = path_usd_per_year
        # month-major copy: each month's read is contiguous
        self._by_month: FloatArray = np.ascontiguousarray(path_usd_per_year.T)

    def demand_usd_per_year(self, month: int, training_gw_last_month: FloatArray) -> FloatArray:
        """Demand in ``month``, USD/year (see :class:`DemandDriver`); independent of compute."""
        return self.demand_in(month)

    def demand_in(self, month: int) -> FloatArray:
        """Demand in ``month``, USD/year, one value per draw (a view of the precomputed path)."""
        row: FloatArray = self._by_month[month]
        return row


class GrowthDemand(PrecomputedDemand):
    r"""Demand growing by an uncertain yearly multiplier after an uncertain delay.

    Notes
    -----
    With :math:`\tau_t = \max(t - d, 0)/12` years of growth,

    .. math:: \ln D_t = \ln D_0 + \ln g \frac{\rho^{\tau_t} - 1}{\ln \rho}
              + \frac{\sigma}{\sqrt{12}} \sum_{s=1}^{t} z_s

    The median path is the deterministic one; shocks are mean zero in logs.
    Demand is capped at ``ceiling_usd_per_year``.
    A delay of 12 months is "the curve is just one year late" (Dwarkesh Podcast,
    "Dario Amodei: We are near the end of the exponential", 2026-02-13).

    Parameters
    ----------
    initial_usd_per_year, growth_per_year, persistence_per_year, delay_months,
    volatility_per_sqrt_year : ndarray, shape (draws,)
        See :class:`frontiersim.scenario.DemandSpec`.
    log_shocks : ndarray, shape (draws, months)
        Standard normal shocks.
    """

    def __init__(
        self,
        initial_usd_per_year: FloatArray,
        growth_per_year: FloatArray,
        persistence_per_year: FloatArray,
        delay_months: FloatArray,
        volatility_per_sqrt_year: FloatArray,
        log_shocks: FloatArray,
        ceiling_usd_per_year: float = np.inf,
    ) -> None:
        months = np.arange(log_shocks.shape[1], dtype=float)
        years = np.maximum(months[None, :] - delay_months[:, None], 0.0) / 12.0
        log_path = cumulative_log_growth(years, np.log(growth_per_year)[:, None], persistence_per_year[:, None])
        log_path = log_path + log_random_walk(volatility_per_sqrt_year, log_shocks)
        super().__init__(_capped(initial_usd_per_year[:, None], log_path, ceiling_usd_per_year))


class PathDemand(PrecomputedDemand):
    r"""Demand following a given yearly path, optionally delayed and noisy.

    Notes
    -----
    :math:`D_t = P[\lfloor \max(t - d, 0) / 12 \rfloor] \exp(\text{noise}_t)`,
    with the same log random walk as :class:`GrowthDemand`. The path is one
    level per year, shared by every draw (a tuple) or each draw's own (an
    array of shape ``(draws, years)``, when the years are uncertain).
    """

    def __init__(
        self,
        path_usd_per_year: tuple[float, ...] | FloatArray,
        delay_months: FloatArray,
        volatility_per_sqrt_year: FloatArray,
        log_shocks: FloatArray,
        ceiling_usd_per_year: float = np.inf,
    ) -> None:
        months = np.arange(log_shocks.shape[1], dtype=float)
        shifted = np.maximum(months[None, :] - delay_months[:, None], 0.0)
        path = np.asarray(path_usd_per_year, dtype=float)
        year_index = np.minimum((shifted // 12).astype(np.int64), path.shape[-1] - 1)
        levels = path[year_index] if path.ndim == 1 else np.take_along_axis(path, year_index, axis=1)
        noise = log_random_walk(volatility_per_sqrt_year, log_shocks)
        super().__init__(_capped(levels, noise, ceiling_usd_per_year))
