r"""The cohorts component: each model's P&L ("each model is a company").

A model's training cost is the training compute spent while its
predecessor was the frontier model; it earns the revenue served, and bears
the inference cost, while it is the frontier model (Cheeky Pint with John
Collison, 2025-08-06: "each model makes money but the company loses money").
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from frontiersim.models.catalogue import OutputSpec
from frontiersim.models.components.base import Component, MonthState, Setup
from frontiersim.scenario.schema import Scenario

FloatArray = NDArray[np.float64]

_MODEL_OUTPUTS = (
    ("model_training_cost_usd", "training cost", "training compute spent on the model within the horizon"),
    ("model_revenue_usd", "revenue", "revenue served while the model was the frontier model"),
    ("model_inference_cost_usd", "inference cost", "inference compute cost while the model was the frontier model"),
    ("model_net_usd", "net", "revenue - inference cost - training cost"),
)


def model_count(scenario: Scenario) -> int:
    """Models tracked: the incumbent, each release within the horizon, and the one in training at the end."""
    return len(scenario.release_months()) + 2


class Cohorts(Component):
    r"""Per-model revenue, inference cost and training cost.

    Notes
    -----
    With releases at months :math:`r_1 < r_2 < \dots`, model :math:`k` is the
    frontier model in :math:`[r_k, r_{k+1})` and is trained in
    :math:`[r_{k-1}, r_k)`; its net is
    :math:`\sum_{[r_k, r_{k+1})} (R_t - C^{inf}_t) - \sum_{[r_{k-1}, r_k)} C^{train}_t`.
    """

    kind: ClassVar[str] = "cohorts"
    role: ClassVar[str] = "cohorts"
    keys: ClassVar[tuple[str, ...]] = ("models.release_interval_months", "models.first_release_month")
    outputs: ClassVar[tuple[OutputSpec, ...]] = tuple(
        OutputSpec(name, "USD", label, description, "flow", shape="model")
        for name, label, description in _MODEL_OUTPUTS
    )

    def __init__(self, setup: Setup) -> None:
        releases = np.asarray(setup.scenario.release_months(), dtype=np.int64)
        self.frontier_index = np.searchsorted(releases, np.arange(setup.months), side="right")
        n_models = model_count(setup.scenario)
        self.by_model = {name: np.zeros((n_models, setup.layout.columns)) for name, _, _ in _MODEL_OUTPUTS[:3]}

    @classmethod
    def build(cls, setup: Setup) -> Cohorts:
        """Empty books for every model of every lab."""
        return cls(setup)

    def step(self, state: MonthState) -> None:
        """Credit the month to the frontier model and the one in training."""
        frontier = self.frontier_index[state.month]
        self.by_model["model_revenue_usd"][frontier] += state["revenue_usd"]
        self.by_model["model_inference_cost_usd"][frontier] += state["inference_cost_usd"]
        self.by_model["model_training_cost_usd"][frontier + 1] += state["training_cost_usd"]

    def finish(self, state: MonthState) -> dict[str, NDArray[Any]]:
        """Each model's P&L, ``(models, n * L)``."""
        by_model: dict[str, NDArray[Any]] = dict(self.by_model)
        by_model["model_net_usd"] = (
            self.by_model["model_revenue_usd"]
            - self.by_model["model_inference_cost_usd"]
            - self.by_model["model_training_cost_usd"]
        )
        return by_model
