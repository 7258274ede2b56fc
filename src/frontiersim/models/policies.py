"""Procurement policies: how much compute to commit at a decision.

A policy sees an :class:`Observation` (what the lab knows at the decision,
per draw) and returns the GW to commit now. The capacity arrives after the
lead time. Policies are vectorized over draws and deterministic: all
randomness is in the scenario's draws, so every policy sees the same worlds
(common random numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from frontiersim.scenario.distributions import Z95
from frontiersim.scenario.schema import GrowthHedgePolicySpec, QuantilePolicySpec

FloatArray = NDArray[np.float64]

# Defaults are the scenario schema's, declared once there (with their sources).
_GROWTH_HEDGE_DEFAULTS = GrowthHedgePolicySpec()
_QUANTILE_DEFAULTS = QuantilePolicySpec()


@dataclass(frozen=True)
class Observation:
    """What the buyer knows at a decision, per draw.

    Attributes
    ----------
    month : int
        Month index of the decision.
    decision_index : int
        0 for the first decision, 1 for the next, ...
    demand_usd_per_year : ndarray
        Annualised demand observed this month, USD/year.
    scheduled_capacity_at_arrival_gw : ndarray
        Capacity already under contract in the month new capacity would arrive.
    price_usd_per_gw_year : ndarray
        Price of capacity signed now.
    gross_margin : ndarray
        Inference gross margin.
    lead_time_months, contract_term_months : int
    """

    month: int
    decision_index: int
    demand_usd_per_year: FloatArray
    scheduled_capacity_at_arrival_gw: FloatArray
    price_usd_per_gw_year: FloatArray
    gross_margin: FloatArray
    lead_time_months: int
    contract_term_months: int


@runtime_checkable
class ProcurementPolicy(Protocol):
    """Anything that turns an :class:`Observation` into GW to commit."""

    def commit_gw(self, observation: Observation) -> FloatArray:
        """GW to commit now, per draw (non-negative)."""
        ...


def required_capacity_gw(
    demand_usd_per_year: FloatArray,
    gross_margin: FloatArray,
    target_training_share: float,
    price_usd_per_gw_year: FloatArray,
) -> FloatArray:
    r"""Capacity that serves ``demand`` with a target share left for training.

    Notes
    -----
    Inference needs :math:`D (1 - m) / p` GW; keeping a share :math:`s` for
    training scales that by :math:`1 / (1 - s)`. In the 50/50 toy of the
    Dwarkesh Podcast, "Dario Amodei: We are near the end of the exponential"
    (2026-02-13): :math:`D = 150`, :math:`m = 2/3`, :math:`s = 1/2` give
    \$100B of capacity.
    """
    return demand_usd_per_year * (1.0 - gross_margin) / ((1.0 - target_training_share) * price_usd_per_gw_year)


@dataclass(frozen=True)
class GrowthHedgePolicy:
    r"""Assume growth ``g`` continues; buy the forecast requirement times a hedge.

    Notes
    -----
    Forecast at arrival :math:`\hat D = D_t g^{L/12}`; commit
    :math:`\max(0, h \cdot \text{req}(\hat D) - K_{t+L})`, where
    :math:`K_{t+L}` is capacity already scheduled at arrival. "Assume 10x
    continues" with :math:`h = 1` is the naive bet of the Dwarkesh Podcast
    (2026-02-13).
    """

    assumed_growth_per_year: float
    hedge_factor: float = _GROWTH_HEDGE_DEFAULTS.hedge_factor
    target_training_share: float = _GROWTH_HEDGE_DEFAULTS.target_training_share

    def commit_gw(self, observation: Observation) -> FloatArray:
        """GW to commit now, per draw (see :class:`ProcurementPolicy`)."""
        forecast = observation.demand_usd_per_year * self.assumed_growth_per_year ** (
            observation.lead_time_months / 12.0
        )
        need = self.hedge_factor * required_capacity_gw(
            forecast, observation.gross_margin, self.target_training_share, observation.price_usd_per_gw_year
        )
        return np.maximum(need - observation.scheduled_capacity_at_arrival_gw, 0.0)


@dataclass(frozen=True)
class FixedSchedulePolicy:
    """Commit ``commitments_gw[k]`` GW at the k-th decision (0 once the list runs out)."""

    commitments_gw: tuple[float, ...]

    def commit_gw(self, observation: Observation) -> FloatArray:
        """GW to commit now, the same in every draw."""
        k = observation.decision_index
        amount = self.commitments_gw[k] if k < len(self.commitments_gw) else 0.0
        return np.full(observation.demand_usd_per_year.shape, amount, dtype=float)


@dataclass(frozen=True)
class QuantilePolicy:
    r"""Buy for the ``quantile`` of the buyer's forecast of demand at arrival.

    Parameters
    ----------
    quantile : float
        In (0, 1): 0.5 buys for the median forecast, 0.2 hedges down.
    log_growth_mean, log_growth_sd : float
        Buyer's belief about :math:`\ln g`, yearly growth.
    volatility_per_sqrt_year : float
        Buyer's belief about demand volatility.
    target_training_share : float

    Notes
    -----
    Over :math:`h = L/12` years, :math:`\ln \hat D \sim N(\ln D_t + h \mu,
    h^2 \sigma_g^2 + h \sigma^2)`; the policy buys
    :math:`\text{req}(\exp(\ln D_t + h\mu + z_q \sqrt{h^2\sigma_g^2 + h\sigma^2}))`
    less what is already scheduled.
    """

    quantile: float
    log_growth_mean: float
    log_growth_sd: float
    volatility_per_sqrt_year: float = 0.0
    target_training_share: float = _QUANTILE_DEFAULTS.target_training_share

    @classmethod
    def from_growth_interval(
        cls,
        quantile: float,
        growth_p5: float,
        growth_p95: float,
        volatility_per_sqrt_year: float = 0.0,
        target_training_share: float = _QUANTILE_DEFAULTS.target_training_share,
    ) -> QuantilePolicy:
        """Belief given as the 90% interval of yearly growth (lognormal)."""
        mean = 0.5 * (math.log(growth_p5) + math.log(growth_p95))
        sd = (math.log(growth_p95) - math.log(growth_p5)) / (2 * Z95)
        return cls(quantile, mean, sd, volatility_per_sqrt_year, target_training_share)

    def forecast_usd_per_year(self, demand_usd_per_year: FloatArray, lead_time_months: int) -> FloatArray:
        """The ``quantile`` of demand at arrival, USD/year."""
        h = lead_time_months / 12.0
        spread = math.sqrt(h * h * self.log_growth_sd**2 + h * self.volatility_per_sqrt_year**2)
        z = float(ndtri(self.quantile))
        return demand_usd_per_year * math.exp(h * self.log_growth_mean + z * spread)

    def commit_gw(self, observation: Observation) -> FloatArray:
        """GW to commit now, per draw (see :class:`ProcurementPolicy`)."""
        forecast = self.forecast_usd_per_year(observation.demand_usd_per_year, observation.lead_time_months)
        need = required_capacity_gw(
            forecast, observation.gross_margin, self.target_training_share, observation.price_usd_per_gw_year
        )
        return np.maximum(need - observation.scheduled_capacity_at_arrival_gw, 0.0)
