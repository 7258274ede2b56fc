"""The procurement component: each lab's contract book and buying policy.

At a lab's decision months its policy commits capacity, which arrives after
the lead time and is paid for over the contract term whether it is used or
not (:mod:`frontiersim.models.compute`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from frontiersim.models.catalogue import OutputSpec, YearlyRule, flow
from frontiersim.models.components.base import Component, MonthState, Setup
from frontiersim.models.compute import ContractBook, price_usd_per_gw_year
from frontiersim.models.policies import Observation, ProcurementPolicy
from frontiersim.models.policy_specs import policy_from_spec
from frontiersim.models.ranges import ModelRangeError
from frontiersim.scenario.schema import Lab, Scenario

FloatArray = NDArray[np.float64]

#: Policies given in place of the scenario's: one for every lab, or one per lab name.
PolicyOverride = ProcurementPolicy | Mapping[str, ProcurementPolicy] | None


class Procurement(Component):
    r"""Contracts and procurement decisions of every lab.

    Notes
    -----
    At a decision month :math:`t` of lab :math:`l`, its policy sees the
    lab's demand, the capacity already scheduled at arrival
    :math:`K_{t+L}`, the price :math:`p_t = p_0 (1-\delta)^{t/12}` and the
    gross margin, and commits :math:`q_t \ge 0` GW; the contract is worth
    :math:`q_t p_t T / 12` USD (Dwarkesh Podcast, 2026-02-13:
    compute is bought one to two years ahead on multi-year contracts).
    Capacity and payments of a ruined lab are zero.
    """

    kind: ClassVar[str] = "procurement"
    role: ClassVar[str] = "procurement"
    keys: ClassVar[tuple[str, ...]] = (
        "compute.initial_capacity_gw",
        "compute.initial_contract_months_remaining",
        "compute.cost_usd_per_gw_year",
        "compute.price_decline_per_year",
        "compute.lead_time_months",
        "compute.contract_term_months",
        "compute.decision_interval_months",
        "compute.first_decision_month",
        "compute.decision_months",
        "policy",
    )
    outputs: ClassVar[tuple[OutputSpec, ...]] = (
        OutputSpec(
            "capacity_gw",
            "GW",
            "capacity",
            "compute capacity under contract",
            "level",
            yearly=YearlyRule("year_capacity_gw", "mean", "GW", "average capacity under contract over the year"),
        ),
        OutputSpec(
            "new_commitment_gw",
            "GW",
            "new commitments (GW)",
            "capacity committed in the month (arrives after the lead time)",
            "flow",
            yearly=YearlyRule(
                "year_new_commitment_gw",
                "sum",
                "GW",
                "capacity committed in the month (arrives after the lead time), summed over the year",
            ),
        ),
        flow("new_commitment_usd", "new commitments", "total contract value committed in the month"),
        OutputSpec(
            "obligations_after_horizon_usd",
            "USD",
            "obligations after the horizon",
            "contract payments owed after the horizon (0 if ruined)",
            "stock",
            shape="final",
        ),
    )

    def __init__(self, setup: Setup) -> None:
        self.layout = layout = setup.layout
        self.labs = setup.labs
        months = setup.months
        lead = max(lab.compute.lead_time_months for lab in self.labs)
        term = max(lab.compute.contract_term_months for lab in self.labs)
        self.book = ContractBook(
            layout.draws, months, lead, term, layout.labs, runoff_months=runoff_months(setup.scenario)
        )
        self.base_price = setup.lab_parameter("compute.cost_usd_per_gw_year")
        self.price_decline = setup.lab_parameter("compute.price_decline_per_year")
        initial_gw = setup.lab_parameter("compute.initial_capacity_gw")
        start = setup.scenario.meta.start
        for index, lab in enumerate(self.labs):
            columns = layout.lab_columns(index)
            self.book.add(
                0,
                lab.compute.initial_contract_months_remaining,
                initial_gw[columns],
                self.base_price[columns],
                index,
            )
            for contract in lab.compute.contracts:
                online = contract.online_month(start)
                first, end = max(online, 0), online + contract.term_months
                if end <= first:
                    continue
                price = (
                    np.full(layout.draws, contract.cost_usd_per_gw_year)
                    if contract.cost_usd_per_gw_year > 0
                    else self.base_price[columns]
                )
                self.book.add(first, end - first, np.full(layout.draws, contract.gw), price, index)
        self.windows = [planning_windows(lab, months) for lab in self.labs]
        self.policies: list[ProcurementPolicy] = []
        for lab in self.labs:
            given = _policy_for(setup, lab.name, setup.policy)
            self.policies.append(given if given is not None else policy_from_spec(setup.scenario, lab))
        self.decisions: list[dict[int, int]] = [
            {month: k for k, month in enumerate(lab.decision_months(months))} for lab in self.labs
        ]
        self.any_decision = frozenset(month for decisions in self.decisions for month in decisions)
        self.zeros = np.zeros(layout.columns)

    def start(self, state: MonthState) -> None:
        """Share the contract book with the run-off, which pays what is owed after the horizon."""
        state["contract_book"] = self.book

    @classmethod
    def build(cls, setup: Setup) -> Procurement:
        """Each lab's initial contracts, policy (the scenario's, or ``setup.policy``) and decision months."""
        return cls(setup)

    def step(self, state: MonthState) -> None:
        """Commit at decision months; write capacity and payments under contract."""
        t = state.month
        alive = state["alive"]
        committed_gw, committed_usd = self.zeros, self.zeros
        if t in self.any_decision:
            committed_gw, committed_usd = self.decide(t, alive, state["demand_usd_per_year"], state["gross_margin"])
        state["new_commitment_gw"] = committed_gw
        state["new_commitment_usd"] = committed_usd
        state["capacity_gw"] = np.where(alive, self.book.capacity_at(t), 0.0)
        state["payment_usd_per_year"] = np.where(alive, self.book.payment_at(t), 0.0)

    def decide(
        self, t: int, alive: NDArray[np.bool_], demand: FloatArray, margin: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Each deciding lab's commitment in month ``t``, entered in the book: GW and contract value, ``(n * L,)``.

        ``alive``, ``demand`` and ``margin`` are every lab's at the decision
        (per-lab arrays); labs that do not decide in ``t`` commit nothing.
        """
        committed_gw, committed_usd = np.zeros(self.layout.columns), np.zeros(self.layout.columns)
        for index, lab in enumerate(self.labs):
            if t not in self.decisions[index]:
                continue
            columns = self.layout.lab_columns(index)
            compute = lab.compute
            price_now = price_usd_per_gw_year(self.base_price[columns], self.price_decline[columns], t)
            observation = Observation(
                month=t,
                decision_index=self.decisions[index][t],
                demand_usd_per_year=demand[columns],
                scheduled_capacity_at_arrival_gw=self.book.lab_capacity_through(
                    t + compute.lead_time_months, self.windows[index][t], index
                ),
                price_usd_per_gw_year=price_now,
                gross_margin=margin[columns],
                lead_time_months=compute.lead_time_months,
                contract_term_months=compute.contract_term_months,
            )
            policy = self.policies[index]
            gw = np.where(alive[columns], np.asarray(policy.commit_gw(observation), dtype=float), 0.0)
            if not np.all(np.isfinite(gw)):
                raise ModelRangeError(f"policy {policy!r} of lab {lab.name!r} returned non-finite GW at month {t}")
            if np.any(gw < 0):
                raise ValueError(f"policy {policy!r} of lab {lab.name!r} returned negative GW at month {t}")
            self.book.commit(t, gw, price_now, index, compute.lead_time_months, compute.contract_term_months)
            committed_gw[columns] = gw
            committed_usd[columns] = gw * price_now * compute.contract_term_months / 12.0
        return committed_gw, committed_usd

    def finish(self, state: MonthState) -> dict[str, NDArray[Any]]:
        """Payments owed after the horizon by labs that survive it."""
        return {"obligations_after_horizon_usd": np.where(state["alive"], self.book.obligations_after_horizon_usd, 0.0)}


def planning_windows(lab: Lab, horizon_months: int) -> dict[int, int]:
    """Months after arrival each of the lab's decisions must cover, by decision month.

    With ``compute.planning_window_months = -1``, a decision covers the
    capacity until the next decision's capacity arrives: the gap to the next
    decision, less one month (the decision interval after the last one).
    """
    months = lab.decision_months(horizon_months)
    window = lab.compute.planning_window_months
    if not months:
        return {}
    if window >= 0:
        return dict.fromkeys(months, window)
    gaps = [later - month for month, later in itertools.pairwise(months)]
    gaps.append(lab.compute.decision_interval_months)
    return {month: max(gap - 1, 0) for month, gap in zip(months, gaps, strict=True)}


def runoff_months(scenario: Scenario) -> int:
    """Months after the horizon until the last contract any lab could hold ends.

    A commitment in the last month arrives after the lead time and runs a
    term; a contract signed before the start ends when its term does.
    """
    horizon = scenario.horizon_months
    end = horizon
    for lab in scenario.labs:
        compute = lab.compute
        end = max(end, horizon - 1 + compute.lead_time_months + compute.contract_term_months)
        end = max(end, compute.initial_contract_months_remaining)
        for contract in compute.contracts:
            end = max(end, contract.online_month(scenario.meta.start) + contract.term_months)
    return end - horizon


def _policy_for(setup: Setup, lab: str, policy: PolicyOverride) -> ProcurementPolicy | None:
    """The policy given for ``lab`` in place of the scenario's, if any."""
    if policy is None:
        return None
    if isinstance(policy, Mapping):
        unknown = set(policy) - set(setup.layout.names)
        if unknown:
            raise ValueError(f"policies given for unknown labs {sorted(unknown)}; labs: {list(setup.layout.names)}")
        return policy.get(lab)
    return policy
