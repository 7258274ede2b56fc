"""Market components: how the labs share the month's demand.

Every lab's demand is its share of the market's:
:math:`D_{l,t} = s_{l,t} D_t`. With one lab, :math:`s = 1` and the lab's
demand is the market's, exactly.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from frontiersim.models.catalogue import OutputSpec, YearlyRule
from frontiersim.models.components.base import Component, MonthState, Setup
from frontiersim.models.components.demand import market_outputs
from frontiersim.scenario.schema import Scenario

FloatArray = NDArray[np.float64]

LAB_DEMAND = OutputSpec(
    "demand_usd_per_year",
    "USD/year",
    "demand",
    "annualised revenue demand for the lab's models",
    "rate",
    yearly=YearlyRule("year_demand_usd", "sum_of_rate", "USD", "revenue demand over the year"),
)
MARKET_SHARE = OutputSpec(
    "market_share",
    "1",
    "market share",
    "the lab's share of market demand",
    "ratio",
    yearly=YearlyRule("year_market_share", "mean", "1", "the lab's share of market demand, averaged over the year"),
)


class FixedShareMarket(Component):
    r"""``[market] share_rule = "fixed"``: each lab keeps its ``market_share`` of demand.

    Notes
    -----
    :math:`D_{l,t} = s_l D_t` with :math:`\sum_l s_l = 1`.
    """

    kind: ClassVar[str] = "market.fixed"
    role: ClassVar[str] = "market"
    keys: ClassVar[tuple[str, ...]] = ("market.share_rule",)
    outputs: ClassVar[tuple[OutputSpec, ...]] = (LAB_DEMAND, MARKET_SHARE)

    def __init__(self, setup: Setup) -> None:
        self.layout = setup.layout
        self.share = setup.lab_values(lambda lab: lab.market_share)

    @classmethod
    def outputs_for(cls, scenario: Scenario) -> tuple[OutputSpec, ...]:
        """Each lab's demand; its share only with several labs (with one, it is 1)."""
        return market_outputs(cls.outputs, scenario)

    @classmethod
    def build(cls, setup: Setup) -> FixedShareMarket:
        """The labs' fixed shares."""
        return cls(setup)

    def step(self, state: MonthState) -> None:
        """Split the market's demand by the fixed shares."""
        market = state["market_demand_usd_per_year"]
        if self.layout.labs == 1:
            state["demand_usd_per_year"] = market
        else:
            state["demand_usd_per_year"] = self.layout.spread(market) * self.share
        state["market_share"] = self.share


class CapabilityShareMarket(FixedShareMarket):
    r"""``[market] share_rule = "capability"``: a better model wins customers.

    Notes
    -----
    Lab :math:`l` with capability index :math:`I_{l,t}` and fixed share
    :math:`s_l` gets

    .. math:: s_{l,t} = \frac{s_l\, m^{I_{l,t}}}{\sum_k s_k\, m^{I_{k,t}}}

    where :math:`m` is ``capability.value_multiple_per_tier``: a lab one tier
    ahead is worth :math:`m` times as much to a customer, the same logit
    weighting as the value a tier adds in
    :func:`~frontiersim.models.capability.log_competitive_share`. At the start,
    where every index is 0, the shares are the fixed ones.
    """

    kind: ClassVar[str] = "market.capability"
    keys: ClassVar[tuple[str, ...]] = ("market.share_rule", "capability.value_multiple_per_tier")

    def __init__(self, setup: Setup) -> None:
        super().__init__(setup)
        self.log_multiple = setup.layout.spread(np.log(setup.parameter("capability.value_multiple_per_tier")))

    @classmethod
    def build(cls, setup: Setup) -> CapabilityShareMarket:
        """The labs' fixed shares and the value multiple per tier."""
        return cls(setup)

    def step(self, state: MonthState) -> None:
        """Split the market's demand by capability-weighted shares."""
        market = state["market_demand_usd_per_year"]
        if self.layout.labs == 1:
            state["demand_usd_per_year"] = market
            state["market_share"] = self.share
            return
        log_weight = np.log(self.share) + state["capability_index"] * self.log_multiple
        by_draw = self.layout.by_draw(log_weight)
        weight = np.exp(by_draw - by_draw.max(axis=1, keepdims=True))
        share = (weight / weight.sum(axis=1, keepdims=True)).reshape(self.layout.columns)
        state["demand_usd_per_year"] = self.layout.spread(market) * share
        state["market_share"] = share
