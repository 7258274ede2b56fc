"""Cash, fundraising and ruin, one month at a time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Ruin is cash below minus this many dollars: flows that cancel exactly must
#: not be ruled ruinous by the last digit of floating-point rounding.
RUIN_TOLERANCE_USD = 1.0


@dataclass(frozen=True)
class FundraisingRule:
    """When and how much the lab can raise, per draw.

    Attributes
    ----------
    enabled : bool or ndarray of bool
        Whether the lab can raise (per draw and lab, or for all).
    runway_threshold_months : float or ndarray
        Attempt a round when cash covers fewer months of the current burn, or
        when cash would go negative.
    revenue_multiple : ndarray
        Round size as a multiple of annualised served revenue.
    max_usd : ndarray
        Largest round, USD.
    min_interval_months : int or ndarray of int
        Months after a round closes before another can be attempted.
    success_probability : ndarray
        Chance an attempted round closes.
    """

    enabled: bool | BoolArray
    runway_threshold_months: float | FloatArray
    revenue_multiple: FloatArray
    max_usd: FloatArray
    min_interval_months: int | NDArray[np.int64]
    success_probability: FloatArray


@dataclass
class CashState:
    """Mutable per-draw financial state carried from month to month."""

    cash_usd: FloatArray
    alive: BoolArray
    ruin_month: NDArray[np.int64]
    months_since_raise: NDArray[np.int64]

    @classmethod
    def start(cls, starting_cash_usd: FloatArray, min_interval_months: int | NDArray[np.int64]) -> CashState:
        """State before month 0 (a round is possible at once)."""
        n = starting_cash_usd.shape[0]
        return cls(
            cash_usd=starting_cash_usd.astype(float, copy=True),
            alive=np.ones(n, dtype=bool),
            ruin_month=np.full(n, -1, dtype=np.int64),
            months_since_raise=np.broadcast_to(np.asarray(min_interval_months, dtype=np.int64), (n,)).copy(),
        )


def cash_step(
    state: CashState,
    month: int,
    revenue_usd: FloatArray,
    served_usd_per_year: FloatArray,
    outflow_usd: FloatArray,
    rule: FundraisingRule,
    raise_uniform: FloatArray,
) -> FloatArray:
    """Advance cash by one month; raise if the rule allows; mark ruin.

    Parameters
    ----------
    state : CashState
        Updated in place.
    month : int
    revenue_usd, outflow_usd : ndarray
        This month's inflow from customers and outflow (compute, other costs),
        USD. Both already zero for ruined draws.
    served_usd_per_year : ndarray
        Annualised served revenue, the base for the size of a round.
    rule : FundraisingRule
    raise_uniform : ndarray
        One uniform per draw; a round closes when it is below the success
        probability.

    Returns
    -------
    ndarray
        Money raised this month, USD.

    Notes
    -----
    :math:`C_t = C_{t-1} + R_t - O_t + F_t`. Ruin is absorbing: it happens in
    the first month with :math:`C_t < 0` after any financing (below minus
    :data:`RUIN_TOLERANCE_USD`, one dollar), and the ruined lab has no flows
    afterwards.
    """
    net = revenue_usd - outflow_usd
    cash_before = state.cash_usd + net
    raised = np.zeros_like(cash_before)
    everywhere = isinstance(rule.enabled, bool | np.bool_)
    if np.any(rule.enabled):
        burn = np.maximum(-net, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            low_runway = (burn > 0) & (cash_before < rule.runway_threshold_months * burn)
        attempt = (
            state.alive & (state.months_since_raise >= rule.min_interval_months) & (low_runway | (cash_before < 0))
        )
        if not everywhere:
            attempt &= rule.enabled
        closes = attempt & (raise_uniform < rule.success_probability)
        raised = np.where(closes, np.minimum(rule.max_usd, rule.revenue_multiple * served_usd_per_year), 0.0)
        state.months_since_raise = np.where(closes & (raised > 0), 0, state.months_since_raise + 1)
    state.cash_usd = cash_before + raised
    newly_ruined = state.alive & (state.cash_usd < -RUIN_TOLERANCE_USD)
    state.ruin_month = np.where(newly_ruined, month, state.ruin_month)
    state.alive = state.alive & ~newly_ruined
    return raised
