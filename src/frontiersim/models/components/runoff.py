r"""The run-off component: whether each lab can pay what it still owes after the horizon.

Within the horizon a lab keeps signing contracts; at the horizon it still
owes the payments of every contract that runs past it ("a $1T-a-year
commitment for five years is $5T": Dwarkesh Podcast, "Dario Amodei: We are
near the end of the exponential", 2026-02-13). P(ruin) within the horizon
hides that debt. The run-off measure follows each lab that survives the
horizon on, month by month, until its last contract ends:

* it makes no new commitments, and raises no new money;
* demand for the lab's models goes on growing at its rate over the
  horizon's last year, the log rate shrinking each year by
  ``demand.growth_persistence_per_year`` (no shocks), up to the demand
  ceiling; the lab serves what its remaining capacity can, all of it for
  inference (it trains no new models);
* it pays its contracts and its operating costs (fixed, plus the share of
  revenue), and is ruined in the first month its cash falls below minus one
  dollar, as within the horizon.

Each lab runs off until its own last contract ends, through any gap
between contracts, so that a draw's run-off does not depend on the other
draws of its chunk. The loop is over months, vectorized over draws and
labs; no randomness is drawn, so the run-off adds nothing to the draws and the horizon's numbers
are unchanged. Written by hand because it is a continuation of this
model's own accounting, which no library holds.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from frontiersim.models.catalogue import OutputSpec
from frontiersim.models.components.base import Component, MonthState, Setup
from frontiersim.models.compute import ContractBook
from frontiersim.models.finance import RUIN_TOLERANCE_USD

FloatArray = NDArray[np.float64]


class RunOff(Component):
    r"""Each surviving lab paying its contracts to their end, on its cash and revenue alone.

    Notes
    -----
    For months :math:`t = T, T+1, \dots` until the last contract ends, with
    capacity :math:`K_t` and payments :math:`P_t` from the contract book,
    margin :math:`m_{T-1}`, and demand
    :math:`\ln D_t = \ln D_{t-1} + \mu \rho^{(t - T + 1)/12} / 12`, where
    :math:`\mu = \ln(D_{T-1} / D_{T-13})` is the last year's log growth and
    :math:`\rho` the growth persistence, capped at the demand ceiling:
    :math:`R_t = \min(D_t, P_t / (1 - m))`, and
    :math:`C_t = C_{t-1} + (R_t - P_t - F - \phi R_t) / 12` with fixed costs
    :math:`F` and revenue share :math:`\phi`. Ruin is the first month with
    :math:`C_t < -1`.
    """

    kind: ClassVar[str] = "runoff"
    role: ClassVar[str] = "runoff"
    keys: ClassVar[tuple[str, ...]] = (
        "operations.other_opex_usd_per_year",
        "operations.opex_share_of_revenue",
        "demand.growth_persistence_per_year",
    )
    outputs: ClassVar[tuple[OutputSpec, ...]] = (
        OutputSpec(
            "ruin_month_including_runoff",
            "month",
            "month of ruin, run-off included",
            "month index of ruin within the horizon or in the run-off after it, -1 if none",
            "month",
            shape="final",
            dtype="int",
        ),
        OutputSpec(
            "cash_after_runoff_usd",
            "USD",
            "cash after the run-off",
            "cash when the last contract ends (at ruin, if the lab is ruined first)",
            "stock",
            shape="final",
        ),
        OutputSpec(
            "runoff_revenue_usd",
            "USD",
            "run-off revenue",
            "revenue served after the horizon in the run-off",
            "flow",
            shape="final",
        ),
    )

    def __init__(self, setup: Setup) -> None:
        self.months = setup.months
        self.opex_fixed_monthly = setup.lab_parameter("operations.other_opex_usd_per_year") / 12.0
        self.opex_share = setup.lab_parameter("operations.opex_share_of_revenue")
        self.persistence = setup.layout.spread(setup.parameter("demand.growth_persistence_per_year"))
        self.ceiling_usd_per_year = setup.scenario.demand.ceiling_usd_per_year
        #: Month whose demand the last year's growth is measured from.
        self.base_month = max(self.months - 13, 0)
        self.base_demand = np.zeros(setup.layout.columns)

    @classmethod
    def build(cls, setup: Setup) -> RunOff:
        """Each lab's operating costs."""
        return cls(setup)

    def step(self, state: MonthState) -> None:
        """Keep the demand of the month the last year's growth is measured from."""
        if state.month == self.base_month:
            self.base_demand = state["demand_usd_per_year"]

    def finish(self, state: MonthState) -> dict[str, NDArray[Any]]:
        """Run every surviving lab off to the end of its last contract."""
        book: ContractBook = state["contract_book"]
        alive = np.array(state["alive"], dtype=bool, copy=True)
        cash = np.array(state["cash_usd"], dtype=float, copy=True)
        ruin = np.where(alive, -1, state["ruin_month"]).astype(np.int64)
        last = np.where(alive, state["demand_usd_per_year"], 0.0)
        years = max(self.months - 1 - self.base_month, 1) / 12.0
        with np.errstate(divide="ignore", invalid="ignore"):
            log_growth = np.where((last > 0) & (self.base_demand > 0), np.log(last / self.base_demand) / years, 0.0)
        log_demand = np.log(np.maximum(last, 1e-300))
        monthly_step = log_growth / 12.0
        monthly_decay = self.persistence ** (1.0 / 12.0)
        decay = np.ones_like(cash)
        cost_share = 1.0 - state["gross_margin"]
        revenue_total = np.zeros_like(cash)
        # each lab runs off until its own last contract ends (gaps between contracts included)
        end = book.last_contract_end(self.months)
        for t in range(self.months, int(end.max(initial=self.months))):
            running = alive & (t < end)
            if not running.any():
                break
            capacity = np.where(running, book.capacity_at(t), 0.0)
            payment = np.where(running, book.payment_at(t), 0.0)
            decay = decay * monthly_decay  # rho^((t - T + 1) / 12)
            log_demand = log_demand + monthly_step * decay
            demand = np.where(
                last > 0, np.minimum(np.exp(np.minimum(log_demand, 700.0)), self.ceiling_usd_per_year), 0.0
            )
            # all capacity serves inference: what the payments buy serves payment / (1 - m) of revenue
            with np.errstate(divide="ignore", invalid="ignore"):
                served = np.where(capacity > 0, np.minimum(demand, payment / cost_share), 0.0)
            revenue = served / 12.0
            outflow = np.where(running, payment / 12.0 + self.opex_fixed_monthly + self.opex_share * revenue, 0.0)
            cash = np.where(running, cash + revenue - outflow, cash)
            revenue_total += revenue
            ruined = running & (cash < -RUIN_TOLERANCE_USD)
            ruin = np.where(ruined, t, ruin)
            alive &= ~ruined
        return {
            "ruin_month_including_runoff": ruin,
            "cash_after_runoff_usd": cash,
            "runoff_revenue_usd": revenue_total,
        }
