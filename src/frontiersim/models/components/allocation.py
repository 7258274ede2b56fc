"""The allocation component: each lab's split of capacity between inference and training."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from frontiersim.models.allocation import allocate
from frontiersim.models.catalogue import OutputSpec, YearlyRule, flow
from frontiersim.models.components.base import Component, MonthState, Setup


class ResidualAllocation(Component):
    """Inference serves demand up to capacity (less a training floor); training gets the rest.

    See :func:`~frontiersim.models.allocation.allocate`. Revenue is served
    demand; payments on capacity are split into inference cost (what serving
    the revenue costs at the fleet's price, capped at the payments) and
    training cost (the rest).
    """

    kind: ClassVar[str] = "allocation.residual"
    role: ClassVar[str] = "allocation"
    keys: ClassVar[tuple[str, ...]] = ("operations.min_training_share",)
    outputs: ClassVar[tuple[OutputSpec, ...]] = (
        OutputSpec(
            "inference_gw",
            "GW",
            "inference compute",
            "capacity used for inference",
            "level",
            yearly=YearlyRule("year_inference_gw", "mean", "GW", "average capacity used for inference over the year"),
        ),
        OutputSpec(
            "training_gw",
            "GW",
            "training compute",
            "capacity used for training",
            "level",
            yearly=YearlyRule("year_training_gw", "mean", "GW", "average capacity used for training over the year"),
        ),
        flow("revenue_usd", "revenue", "revenue served in the month"),
        flow("unserved_usd", "unserved demand", "demand not served for lack of capacity in the month"),
        flow("inference_cost_usd", "inference cost", "compute cost attributed to inference in the month"),
        flow("training_cost_usd", "training cost", "compute cost attributed to training in the month"),
        flow("compute_payment_usd", "compute payments", "contract payments in the month (inference + training)"),
    )

    def __init__(self, setup: Setup) -> None:
        self.min_training_share = setup.lab_parameter("operations.min_training_share")

    @classmethod
    def build(cls, setup: Setup) -> ResidualAllocation:
        """The labs' training floors."""
        return cls(setup)

    def step(self, state: MonthState) -> None:
        """Split capacity, and attribute the month's payments to inference and training."""
        alive = state["alive"]
        split = allocate(
            np.where(alive, state["demand_usd_per_year"], 0.0),
            state["capacity_gw"],
            state["payment_usd_per_year"],
            state["gross_margin"],
            self.min_training_share,
        )
        revenue = split.served_usd_per_year / 12.0
        compute_payment = state["payment_usd_per_year"] / 12.0
        inference_cost = np.minimum(split.inference_cost_usd_per_year / 12.0, compute_payment)
        state["inference_gw"] = split.inference_gw
        state["training_gw"] = split.training_gw
        state["served_usd_per_year"] = split.served_usd_per_year
        state["revenue_usd"] = revenue
        state["unserved_usd"] = split.unserved_usd_per_year / 12.0
        state["inference_cost_usd"] = inference_cost
        state["training_cost_usd"] = compute_payment - inference_cost
        state["compute_payment_usd"] = compute_payment
