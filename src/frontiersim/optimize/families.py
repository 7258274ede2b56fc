"""One-parameter families of procurement policies, and the naive reference policies."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from frontiersim.models.policy_specs import policy_from_spec
from frontiersim.models.policies import (
    FixedSchedulePolicy,
    GrowthHedgePolicy,
    ProcurementPolicy,
    required_capacity_gw,
)
from frontiersim.scenario.schema import (
    CAPABILITY_BELIEF_NEEDED,
    GrowthHedgePolicySpec,
    QuantilePolicySpec,
    Scenario,
)

FloatArray = NDArray[np.float64]
FAMILY_NAMES: tuple[str, ...] = ("hedge", "growth", "quantile", "fixed")


@dataclass(frozen=True)
class PolicyFamily:
    """Procurement policies indexed by one parameter.

    Attributes
    ----------
    name : str
    parameter : str
        Name of the parameter, with its unit.
    low, high : float
        Search bounds.
    build : callable
        ``build(value) -> ProcurementPolicy``.
    """

    name: str
    parameter: str
    low: float
    high: float
    build: Callable[[float], ProcurementPolicy]

    def grid(self, candidates: int) -> FloatArray:
        """``candidates`` evenly spaced parameter values over the bounds."""
        if candidates < 2:
            raise ValueError("a grid needs at least 2 candidates")
        return np.linspace(self.low, self.high, candidates)

    def label(self, value: float) -> str:
        """A readable name for one member."""
        return f"{self.name}: {self.parameter} = {value:.4g}"


def _training_share(scenario: Scenario) -> float:
    spec = scenario.policy
    if isinstance(spec, GrowthHedgePolicySpec | QuantilePolicySpec):
        return spec.target_training_share
    return 0.5


def _growth_belief(scenario: Scenario) -> QuantilePolicySpec:
    """The scenario's own growth belief as a quantile specification (``quantile`` left to be set).

    A quantile ``[policy]`` lends its belief (growth percentiles and
    volatility); otherwise the belief is derived from the demand process,
    which capability demand cannot lend (``demand.growth_per_year`` is unused
    there), so that case raises.
    """
    spec = scenario.policy
    if isinstance(spec, QuantilePolicySpec) and spec.belief_growth_p5 > 0:
        return spec
    if scenario.demand.kind == "capability":
        raise ValueError(
            f"the quantile family needs a [policy] kind = 'quantile' table that gives {CAPABILITY_BELIEF_NEEDED}"
        )
    if isinstance(spec, QuantilePolicySpec):
        return spec
    return QuantilePolicySpec(target_training_share=_training_share(scenario))


def _assumed_growth(scenario: Scenario, family: str = "hedge") -> float:
    """The yearly growth the hedge family assumes: the scenario's hedge policy's, else its median belief."""
    spec = scenario.policy
    if isinstance(spec, GrowthHedgePolicySpec):
        return spec.assumed_growth_per_year
    if isinstance(spec, QuantilePolicySpec) and spec.belief_growth_p5 > 0:
        return float(np.sqrt(spec.belief_growth_p5 * spec.belief_growth_p95))
    if scenario.demand.kind == "capability":
        raise ValueError(
            f"the {family} family needs an assumed growth when capability drives demand: give [policy] "
            "kind = 'growth_hedge' with assumed_growth_per_year, or kind = 'quantile' with "
            "belief_growth_p5 and belief_growth_p95 (demand.growth_per_year is unused then)"
            + ("; or set the search's upper bound (--high)" if family == "fixed" else "")
        )
    return float(scenario.demand.growth_per_year.ppf(0.5))


def default_fixed_upper_gw(scenario: Scenario) -> float:
    """Upper bound for the ``fixed`` family: three times the median-world requirement at first arrival."""
    demand = scenario.demand
    if demand.kind == "path":
        level = max(demand.path_usd_per_year)
    else:
        lead_years = scenario.compute.lead_time_months / 12
        growth = (
            _assumed_growth(scenario, "fixed")
            if demand.kind == "capability"
            else float(demand.growth_per_year.ppf(0.5))
        )
        level = float(demand.initial_usd_per_year.ppf(0.5)) * growth**lead_years
    margin: float
    if demand.kind == "capability":  # the revenue-weighted margin of the segments, at their value shares
        segments = scenario.capability.segments.items()
        margin = sum(spec.value_share * float(spec.gross_margin.mean()) for _, spec in segments)
    else:
        margin = float(scenario.operations.gross_margin.mean())
    need = required_capacity_gw(
        np.array([level]),
        np.array([margin]),
        _training_share(scenario),
        np.array([float(scenario.compute.cost_usd_per_gw_year.ppf(0.5))]),
    )
    return max(3.0 * float(need[0]), 1e-3)


def policy_family(scenario: Scenario, name: str, low: float | None = None, high: float | None = None) -> PolicyFamily:
    """A named one-parameter family, sized for ``scenario``.

    Parameters
    ----------
    scenario : Scenario
    name : {"hedge", "growth", "quantile", "fixed"}
        * ``hedge``: buy the forecast requirement (growth assumed as in the
          scenario's policy) times a hedge factor in [0, 2];
        * ``growth``: buy the full requirement assuming yearly growth in
          [1, 20];
        * ``quantile``: buy for the q-quantile of forecast demand, q in
          [0.01, 0.99], with the belief of the scenario's quantile policy,
          else its own demand uncertainty (capability demand needs the
          former);
        * ``fixed``: commit the same GW at every decision, from 0 to
          :func:`default_fixed_upper_gw`.
    low, high : float, optional
        Override the search bounds.

    Raises
    ------
    ValueError
        When capability drives demand and the family needs a growth belief
        the scenario's ``[policy]`` does not give (``hedge``, ``quantile`` and
        the default ``fixed`` bound): ``demand.growth_per_year`` is unused then.
    """
    share = _training_share(scenario)
    family: PolicyFamily
    if name == "hedge":
        growth = _assumed_growth(scenario)
        family = PolicyFamily(
            "hedge",
            f"hedge factor (growth {growth:g}x assumed)",
            0.0,
            2.0,
            lambda h: GrowthHedgePolicy(growth, h, share),
        )
    elif name == "growth":
        family = PolicyFamily(
            "growth", "assumed growth per year", 1.0, 20.0, lambda g: GrowthHedgePolicy(g, 1.0, share)
        )
    elif name == "quantile":
        belief = _growth_belief(scenario)

        def build_quantile(q: float) -> ProcurementPolicy:
            spec = dataclasses.replace(belief, quantile=q, target_training_share=share)
            return policy_from_spec(dataclasses.replace(scenario, policy=spec))

        family = PolicyFamily("quantile", "demand quantile", 0.01, 0.99, build_quantile)
    elif name == "fixed":
        decisions = len(scenario.decision_months())
        family = PolicyFamily(
            "fixed",
            "GW per decision",
            0.0,
            default_fixed_upper_gw(scenario) if high is None else high,
            lambda gw: FixedSchedulePolicy((gw,) * decisions),
        )
    else:
        raise ValueError(f"unknown policy family {name!r}; choose one of {', '.join(FAMILY_NAMES)}")
    return PolicyFamily(
        family.name,
        family.parameter,
        family.low if low is None else low,
        family.high if high is None else high,
        family.build,
    )


def naive_policies(scenario: Scenario) -> dict[str, ProcurementPolicy]:
    """The reference points of the interviews: assume 10x continues, assume 3x, buy nothing new."""
    share = _training_share(scenario)
    return {
        "assume 10x continues": GrowthHedgePolicy(10.0, 1.0, share),
        "assume 3x": GrowthHedgePolicy(3.0, 1.0, share),
        "buy nothing new": FixedSchedulePolicy(()),
    }
