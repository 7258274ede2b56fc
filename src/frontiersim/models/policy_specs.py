"""Building procurement policies from a scenario's ``[policy]`` tables."""

from __future__ import annotations

import numpy as np

from frontiersim.models.diffusion import segment_from_spec
from frontiersim.models.policies import (
    FixedSchedulePolicy,
    GrowthHedgePolicy,
    ProcurementPolicy,
    QuantilePolicy,
)
from frontiersim.scenario.distributions import Distribution
from frontiersim.scenario.schema import (
    CAPABILITY_BELIEF_NEEDED,
    FixedSchedulePolicySpec,
    GrowthHedgePolicySpec,
    Lab,
    QuantilePolicySpec,
    Scenario,
)


def policy_from_spec(scenario: Scenario, lab: Lab | None = None) -> ProcurementPolicy:
    """Build the procurement policy of a lab (by default the scenario's first lab).

    Raises
    ------
    ValueError
        For a quantile policy without a growth belief when capability drives
        demand: the belief is otherwise derived from ``demand.growth_per_year``,
        which capability demand does not use (a scenario file with this
        problem fails validation first).
    """
    spec = (lab if lab is not None else scenario.labs[0]).policy
    if isinstance(spec, GrowthHedgePolicySpec):
        return GrowthHedgePolicy(spec.assumed_growth_per_year, spec.hedge_factor, spec.target_training_share)
    if isinstance(spec, FixedSchedulePolicySpec):
        return FixedSchedulePolicy(spec.commitments_gw)
    if isinstance(spec, QuantilePolicySpec):
        volatility = (
            spec.belief_volatility_per_sqrt_year
            if spec.belief_volatility_per_sqrt_year >= 0
            else median_demand_volatility(scenario)
        )
        if spec.belief_growth_p5 > 0:
            return QuantilePolicy.from_growth_interval(
                spec.quantile, spec.belief_growth_p5, spec.belief_growth_p95, volatility, spec.target_training_share
            )
        if not uses_growth_distribution(scenario):
            raise ValueError(f"the quantile policy needs {CAPABILITY_BELIEF_NEEDED}")
        return _quantile_from_distribution(
            spec.quantile, scenario.demand.growth_per_year, volatility, spec.target_training_share
        )
    raise TypeError(f"unknown policy specification {spec!r}")  # pragma: no cover


def uses_growth_distribution(scenario: Scenario) -> bool:
    """Whether demand follows ``demand.growth_per_year`` (so a buyer's belief can be derived from it).

    False when capability drives demand: its growth comes from the labs'
    training compute, and a quantile or hedge policy must state its own
    belief.
    """
    return scenario.demand.kind != "capability"


def _quantile_from_distribution(
    quantile: float, growth: Distribution, volatility: float, target_training_share: float
) -> QuantilePolicy:
    """A quantile policy whose belief matches the scenario's growth distribution in log space."""
    p5, p95 = float(growth.ppf(0.05)), float(growth.ppf(0.95))
    if p5 <= 0:
        raise ValueError("demand.growth_per_year must be positive to derive the quantile policy's belief")
    if p95 <= p5:
        return QuantilePolicy(quantile, float(np.log(p5)), 0.0, volatility, target_training_share)
    return QuantilePolicy.from_growth_interval(quantile, p5, p95, volatility, target_training_share)


def median_demand_volatility(scenario: Scenario) -> float:
    r"""The scenario's median volatility of log demand, per square-root year.

    Growth and path demand: the median of ``demand.volatility_per_sqrt_year``.
    Capability demand: :math:`\sqrt{\sum_i (w_i \sigma_i)^2}` over the
    segments, with value shares :math:`w_i` and median volatilities
    :math:`\sigma_i` (independent segment shocks, to first order).
    """
    if uses_growth_distribution(scenario):
        return float(scenario.demand.volatility_per_sqrt_year.ppf(0.5))
    segments = [segment_from_spec(name, spec) for name, spec in scenario.capability.segments.items()]
    return float(np.sqrt(sum((float(s.value_share) * float(s.volatility_per_sqrt_year)) ** 2 for s in segments)))
