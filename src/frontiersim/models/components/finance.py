"""The finance component: each lab's operating costs, fundraising, cash and ruin."""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from frontiersim.draws.sampling import ShockStream
from frontiersim.models.catalogue import OutputSpec, YearlyRule, flow
from frontiersim.models.components.base import Component, MonthState, Setup
from frontiersim.models.finance import CashState, FundraisingRule, cash_step
from frontiersim.scenario.schema import Scenario

FloatArray = NDArray[np.float64]

#: Each lab's stream of uniforms deciding whether an attempted round closes.
RAISE_UNIFORMS = "finance.raise_uniforms"


class Finance(Component):
    """Cash moves by revenue - compute payments - other costs + financing; ruin is absorbing.

    See :func:`~frontiersim.models.finance.cash_step`. Other operating costs
    are a fixed amount a year plus a share of revenue.
    """

    kind: ClassVar[str] = "finance"
    role: ClassVar[str] = "finance"
    keys: ClassVar[tuple[str, ...]] = (
        "operations.other_opex_usd_per_year",
        "operations.opex_share_of_revenue",
        "finance.starting_cash_usd",
        "finance.fundraising_enabled",
        "finance.raise_when_runway_below_months",
        "finance.raise_revenue_multiple",
        "finance.raise_max_usd",
        "finance.raise_min_interval_months",
        "finance.raise_success_probability",
        "finance.raise_reference_growth_per_year",
        "finance.raise_growth_elasticity",
    )
    outputs: ClassVar[tuple[OutputSpec, ...]] = (
        flow("other_opex_usd", "other operating costs", "non-compute operating costs in the month"),
        flow("financing_usd", "financing", "money raised in the month"),
        OutputSpec(
            "cash_usd",
            "USD",
            "cash",
            "cash at the end of the month",
            "stock",
            yearly=YearlyRule("year_cash_usd", "last", "USD", "cash at the end of the year"),
        ),
        OutputSpec(
            "ruin_month",
            "month",
            "month of ruin",
            "month index of ruin, -1 if none",
            "month",
            shape="final",
            dtype="int",
        ),
    )

    def __init__(self, setup: Setup) -> None:
        labs = setup.labs
        self.opex_fixed_monthly = setup.lab_parameter("operations.other_opex_usd_per_year") / 12.0
        self.opex_share = setup.lab_parameter("operations.opex_share_of_revenue")
        one = len(labs) == 1
        finance = labs[0].finance
        self.rule = FundraisingRule(
            enabled=finance.fundraising_enabled
            if one
            else setup.lab_values(lambda lab: lab.finance.fundraising_enabled).astype(bool),
            runway_threshold_months=finance.raise_when_runway_below_months
            if one
            else setup.lab_values(lambda lab: lab.finance.raise_when_runway_below_months),
            revenue_multiple=setup.lab_parameter("finance.raise_revenue_multiple"),
            max_usd=setup.lab_parameter("finance.raise_max_usd"),
            min_interval_months=finance.raise_min_interval_months
            if one
            else setup.lab_values(lambda lab: lab.finance.raise_min_interval_months).astype(np.int64),
            success_probability=setup.lab_parameter("finance.raise_success_probability"),
            reference_growth_per_year=finance.raise_reference_growth_per_year
            if one
            else setup.lab_values(lambda lab: lab.finance.raise_reference_growth_per_year),
            growth_elasticity=finance.raise_growth_elasticity
            if one
            else setup.lab_values(lambda lab: lab.finance.raise_growth_elasticity),
        )
        self.cash = CashState.start(setup.lab_parameter("finance.starting_cash_usd"), self.rule.min_interval_months)
        self._setup = setup
        self.growth_matters = bool(np.any(self.rule.growth_elasticity)) and bool(np.any(self.rule.enabled))
        # The lab's demand of the last 12 months (ring buffer), for its trailing growth.
        self.demand_history = np.zeros((12, setup.layout.columns)) if self.growth_matters else None
        self.opening_demand = np.zeros(setup.layout.columns)

    @functools.cached_property
    def raise_uniforms(self) -> FloatArray:
        """Each lab's uniforms for its rounds, month-major ``(months, n * L)`` (made on first use)."""
        return self._setup.lab_shocks_by_month(RAISE_UNIFORMS)

    def raise_uniforms_by_lab(self) -> FloatArray:
        """Each lab's uniforms for its rounds, draw-major ``(L, n, months)`` (a view with one lab)."""
        setup = self._setup
        by_lab = [setup.draws.shocks[lab.stream(RAISE_UNIFORMS)] for lab in setup.labs]
        if len(by_lab) == 1:
            one: FloatArray = by_lab[0][None]
            return one
        return np.stack(by_lab)

    @classmethod
    def streams(cls, scenario: Scenario) -> tuple[ShockStream, ...]:
        """Each lab's uniforms for its rounds (zeros for a lab that cannot raise)."""
        return tuple(
            ShockStream(
                lab.stream(RAISE_UNIFORMS),
                "uniform",
                "uniforms deciding whether an attempted round closes, one per month",
                needed=lab.finance.fundraising_enabled,
            )
            for lab in scenario.labs
        )

    @classmethod
    def build(cls, setup: Setup) -> Finance:
        """Starting cash and fundraising rules of every lab."""
        return cls(setup)

    def start(self, state: MonthState) -> None:
        """Every lab is alive before month 0."""
        state["alive"] = self.cash.alive

    def step(self, state: MonthState) -> None:
        """Pay costs, raise if the rule allows, and mark ruin."""
        alive = state["alive"]
        revenue = state["revenue_usd"]
        served = state["served_usd_per_year"]
        other_opex = np.where(alive, self.opex_fixed_monthly + self.opex_share * revenue, 0.0)
        state["financing_usd"] = cash_step(
            self.cash,
            state.month,
            revenue,
            served,
            state["compute_payment_usd"] + other_opex,
            self.rule,
            self.raise_uniforms[state.month],
            self._trailing_growth(state.month, np.where(alive, state["demand_usd_per_year"], 0.0)),
        )
        state["other_opex_usd"] = other_opex
        state["cash_usd"] = self.cash.cash_usd
        state["alive"] = self.cash.alive

    def _trailing_growth(self, month: int, demand: FloatArray) -> FloatArray | None:
        r"""Growth of the lab's revenue demand over the last 12 months, x/year (None when rounds ignore it).

        Investors see the demand for the lab's models, served or not: a lab
        turning customers away for lack of compute is growing, although its
        served revenue is flat until new capacity arrives.

        Notes
        -----
        :math:`g_t = D_t / D_{t-12}`. Before the start, demand is taken to
        have grown at the reference growth :math:`g^*`, so
        :math:`D_{t-12} = D_0 (g^*)^{(t-12)/12}` for :math:`t < 12`, and
        :math:`g_0 = g^*`.
        """
        if self.demand_history is None:
            return None
        slot = month % 12
        if month == 0:
            self.opening_demand = demand
        if month < 12:
            year_ago = self.opening_demand * np.power(self.rule.reference_growth_per_year, (month - 12) / 12.0)
        else:
            year_ago = self.demand_history[slot]
        with np.errstate(divide="ignore", invalid="ignore"):
            growth = np.where(year_ago > 0, demand / year_ago, np.where(demand > 0, np.inf, 0.0))
        self.demand_history[slot] = demand  # after reading: year_ago may be a view of this row
        return growth

    def finish(self, state: MonthState) -> dict[str, NDArray[Any]]:
        """The month each lab was ruined (-1 if it survived); also left in the state for the run-off."""
        state["ruin_month"] = self.cash.ruin_month
        return {"ruin_month": self.cash.ruin_month}
