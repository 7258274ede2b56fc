r"""The allocation component: each lab's split of capacity between inference and training.

The split is a decision, taken by a named rule (``[operations] allocation_rule``,
per lab):

``target_share`` (the default)
    The lab plans a training share :math:`s^*` of its capacity (the
    interviews' toy model splits compute half and half). Demand above the
    inference allotment :math:`(1 - s^*) K` squeezes training, down to the
    floor :math:`s_{min}`; demand below it leaves the spare compute to
    training. "Demand above forecast squeezes research and the lab is more
    profitable; demand below leaves more than half to research and the lab
    loses money" (Dwarkesh Podcast, "Dario Amodei: We are near the end of
    the exponential", 2026-02-13).
``inference_first``
    Inference serves demand up to a cap :math:`c` of capacity; training gets
    the rest (the plan is :math:`1 - c`).
``residual``
    Inference serves demand up to all but the floor :math:`s_{min}`;
    training gets what is left (the plan is the floor itself).

Every rule gives training all the compute inference does not use, so no
capacity idles: a forecast error turns into research, or into squeezed
research. The rules differ in the cap on inference and in the plan the
squeeze and the spare are measured against.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from frontiersim.models.allocation import allocate
from frontiersim.models.catalogue import OutputSpec, YearlyRule, flow
from frontiersim.models.components.base import Component, MonthState, Setup
from frontiersim.scenario.schema import Scenario

#: Keys each rule reads.
RULE_KEYS: dict[str, tuple[str, ...]] = {
    "target_share": ("operations.target_training_share", "operations.min_training_share"),
    "inference_first": ("operations.max_inference_share",),
    "residual": ("operations.min_training_share",),
}


def _level(name: str, label: str, description: str) -> OutputSpec:
    return OutputSpec(
        name,
        "GW",
        label,
        description,
        "level",
        yearly=YearlyRule(f"year_{name}", "mean", "GW", f"{description}, averaged over the year"),
    )


class Allocation(Component):
    r"""Inference serves demand up to a cap; training gets the rest.

    See the module notes for the rules, and
    :func:`~frontiersim.models.allocation.allocate` for the split. Revenue is
    served demand; payments on capacity are split into inference cost (what
    serving the revenue costs at the fleet's price, capped at the payments)
    and training cost (the rest).

    Notes
    -----
    With capacity :math:`K`, inference cap :math:`c` and planned training
    share :math:`s^*`: inference :math:`I = \min(D (1 - m) / p, c K)`,
    training :math:`T = K - I`, squeezed training
    :math:`\max(s^* K - T, 0)` and spare training :math:`\max(T - s^* K, 0)`.
    """

    kind: ClassVar[str] = "allocation"
    role: ClassVar[str] = "allocation"
    keys: ClassVar[tuple[str, ...]] = tuple(dict.fromkeys(key for keys in RULE_KEYS.values() for key in keys))
    outputs: ClassVar[tuple[OutputSpec, ...]] = (
        _level("inference_gw", "inference compute", "capacity used for inference"),
        _level("training_gw", "training compute", "capacity used for training"),
        OutputSpec(
            "training_share",
            "1",
            "training share",
            "share of capacity used for training (0 without capacity)",
            "ratio",
            yearly=YearlyRule("year_training_share", "mean", "1", "share of capacity used for training, averaged"),
        ),
        _level("squeezed_training_gw", "squeezed training", "training compute below the plan, taken by demand"),
        _level("spare_training_gw", "spare training", "training compute above the plan, left spare by demand"),
        flow("revenue_usd", "revenue", "revenue served in the month"),
        flow("unserved_usd", "unserved demand", "demand not served for lack of capacity in the month"),
        flow("inference_cost_usd", "inference cost", "compute cost attributed to inference in the month"),
        flow("training_cost_usd", "training cost", "compute cost attributed to training in the month"),
        flow("compute_payment_usd", "compute payments", "contract payments in the month (inference + training)"),
        OutputSpec(
            "inference_cap_share",
            "1",
            "inference cap",
            "largest share of capacity the lab's allocation rule lets inference use (1 - the training floor, or "
            "max_inference_share)",
            "ratio",
            shape="final",
        ),
    )

    def __init__(self, setup: Setup) -> None:
        scenario = setup.scenario
        used = set(self.keys_for(scenario))

        def parameter(path: str) -> np.ndarray:
            if path in used:
                return setup.lab_parameter(path)
            return np.zeros(setup.layout.columns)

        floor = parameter("operations.min_training_share")
        target = parameter("operations.target_training_share")
        cap = parameter("operations.max_inference_share")
        rules = [lab.operations.allocation_rule for lab in setup.labs]
        inference_first = setup.layout.stack(
            [np.full(setup.layout.draws, rule == "inference_first") for rule in rules]
        ).astype(bool)
        target_rule = setup.layout.stack(
            [np.full(setup.layout.draws, rule == "target_share") for rule in rules]
        ).astype(bool)
        #: Share of capacity kept from inference, whatever the demand.
        self.kept_for_training = np.where(inference_first, 1.0 - cap, floor)
        #: Planned training share, against which squeeze and spare are measured.
        self.planned_training_share = np.where(target_rule, np.maximum(target, floor), self.kept_for_training)

    @classmethod
    def keys_for(cls, scenario: Scenario) -> tuple[str, ...]:
        """The keys of the rules the scenario's labs use."""
        return tuple(dict.fromkeys(key for lab in scenario.labs for key in RULE_KEYS[lab.operations.allocation_rule]))

    @classmethod
    def build(cls, setup: Setup) -> Allocation:
        """Each lab's rule as an inference cap and a plan."""
        return cls(setup)

    def finish(self, state: MonthState) -> dict[str, NDArray[Any]]:
        """Each lab's inference cap, for checks of the split."""
        return {"inference_cap_share": 1.0 - self.kept_for_training}

    def step(self, state: MonthState) -> None:
        """Split capacity, and attribute the month's payments to inference and training."""
        alive = state["alive"]
        capacity = state["capacity_gw"]
        split = allocate(
            np.where(alive, state["demand_usd_per_year"], 0.0),
            capacity,
            state["payment_usd_per_year"],
            state["gross_margin"],
            self.kept_for_training,
        )
        revenue = split.served_usd_per_year / 12.0
        compute_payment = state["payment_usd_per_year"] / 12.0
        inference_cost = np.minimum(split.inference_cost_usd_per_year / 12.0, compute_payment)
        planned = self.planned_training_share * capacity
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(capacity > 0, split.training_gw / capacity, 0.0)
        state["inference_gw"] = split.inference_gw
        state["training_gw"] = split.training_gw
        state["training_share"] = share
        state["squeezed_training_gw"] = np.maximum(planned - split.training_gw, 0.0)
        state["spare_training_gw"] = np.maximum(split.training_gw - planned, 0.0)
        state["served_usd_per_year"] = split.served_usd_per_year
        state["revenue_usd"] = revenue
        state["unserved_usd"] = split.unserved_usd_per_year / 12.0
        state["inference_cost_usd"] = inference_cost
        state["training_cost_usd"] = compute_payment - inference_cost
        state["compute_payment_usd"] = compute_payment
