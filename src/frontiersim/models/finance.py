"""Cash, fundraising and ruin, one month at a time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Largest trailing revenue growth a round responds to, x/year (revenue from nothing is "infinite" growth).
MAX_GROWTH_PER_YEAR = 1000.0

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
        Chance an attempted round closes, at the reference growth.
    reference_growth_per_year : float or ndarray
        Yearly revenue growth at which a round has its full size and chance.
    growth_elasticity : float or ndarray
        How strongly size and chance depend on revenue growth (0: not at all).
    """

    enabled: bool | BoolArray
    runway_threshold_months: float | FloatArray
    revenue_multiple: FloatArray
    max_usd: FloatArray
    min_interval_months: int | NDArray[np.int64]
    success_probability: FloatArray
    reference_growth_per_year: float | FloatArray = 10.0
    growth_elasticity: float | FloatArray = 0.0

    def round_terms(
        self, served_usd_per_year: FloatArray, growth_per_year: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        r"""Size and chance of closing of a round, per draw.

        Parameters
        ----------
        served_usd_per_year : ndarray
            Annualised served revenue.
        growth_per_year : ndarray
            Trailing yearly growth of served revenue.

        Returns
        -------
        size_usd, probability : ndarray

        Notes
        -----
        With revenue :math:`R`, growth :math:`g`, reference growth
        :math:`g^*` and elasticity :math:`e > 0`, a round is
        :math:`\min(M, k R (g / g^*)^e)` and closes with probability
        :math:`p` if revenue grew (:math:`g > 1`), else never: investors pay
        for revenue and its growth, and a lab whose revenue does not grow,
        or that has none, cannot raise. At :math:`e = 0` neither size nor
        chance depends on growth.
        """
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            growth = np.clip(
                np.nan_to_num(growth_per_year, nan=0.0, posinf=MAX_GROWTH_PER_YEAR), 0.0, MAX_GROWTH_PER_YEAR
            )
            relative = np.power(growth / self.reference_growth_per_year, self.growth_elasticity)
        size = np.minimum(self.max_usd, self.revenue_multiple * served_usd_per_year * relative)
        grows = (growth > 1.0) | (np.asarray(self.growth_elasticity) == 0)
        return size, np.where(grows, self.success_probability, 0.0)


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
    revenue_growth_per_year: FloatArray | None = None,
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
    revenue_growth_per_year : ndarray, optional
        Trailing yearly growth of served revenue, for rounds that depend on
        it (:meth:`FundraisingRule.round_terms`); None means the reference
        growth.

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
        if revenue_growth_per_year is None or not np.any(rule.growth_elasticity):
            size, probability = (
                np.minimum(rule.max_usd, rule.revenue_multiple * served_usd_per_year),
                (rule.success_probability),
            )
        else:
            size, probability = rule.round_terms(served_usd_per_year, revenue_growth_per_year)
        closes = attempt & (raise_uniform < probability)
        raised = np.where(closes, size, 0.0)
        state.months_since_raise = np.where(closes & (raised > 0), 0, state.months_since_raise + 1)
    state.cash_usd = cash_before + raised
    newly_ruined = state.alive & (state.cash_usd < -RUIN_TOLERANCE_USD)
    state.ruin_month = np.where(newly_ruined, month, state.ruin_month)
    state.alive = state.alive & ~newly_ruined
    return raised
