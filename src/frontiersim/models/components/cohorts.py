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


def flop_per_gw_month(initial_flop_per_gw_month: FloatArray, log_growth_per_year: FloatArray, month: int) -> FloatArray:
    r"""Training compute one GW delivers in ``month``, FLOP: :math:`f_0 h^{t/12}`."""
    if month == 0:
        return initial_flop_per_gw_month
    result: FloatArray = initial_flop_per_gw_month * np.exp(log_growth_per_year * (month / 12.0))
    return result


class Cohorts(Component):
    r"""Per-model revenue, inference cost, training cost and training compute.

    Releases come on the scenario's cadence; what a model is, its size,
    comes from the training compute spent on it, so that a larger training
    share makes a larger model: 70% of a fixed budget instead of 50% gives
    a model :math:`0.7 / 0.5 = 1.4` times as large ("a 1.4x bigger model":
    Dwarkesh Podcast, "Dario Amodei: We are near the end of the
    exponential", 2026-02-13).

    Notes
    -----
    With releases at months :math:`r_1 < r_2 < \dots`, model :math:`k` is the
    frontier model in :math:`[r_k, r_{k+1})` and is trained in
    :math:`[r_{k-1}, r_k)`; its net is
    :math:`\sum_{[r_k, r_{k+1})} (R_t - C^{inf}_t) - \sum_{[r_{k-1}, r_k)} C^{train}_t`,
    and its training compute is
    :math:`\sum_{[r_{k-1}, r_k)} T_t\, f_0\, h^{t/12}` FLOP, with training
    capacity :math:`T_t` GW, :math:`f_0` FLOP per GW-month at the start and
    hardware improving :math:`h`-fold a year.
    """

    kind: ClassVar[str] = "cohorts"
    role: ClassVar[str] = "cohorts"
    keys: ClassVar[tuple[str, ...]] = (
        "models.release_interval_months",
        "models.first_release_month",
        "compute.training_flop_per_gw_month",
        "compute.flop_per_gw_growth_per_year",
    )
    outputs: ClassVar[tuple[OutputSpec, ...]] = (
        *(
            OutputSpec(name, "USD", label, description, "flow", shape="model")
            for name, label, description in _MODEL_OUTPUTS
        ),
        OutputSpec(
            "model_training_flop",
            "FLOP",
            "training compute",
            "training compute spent on the model within the horizon (its size)",
            "flow",
            shape="model",
        ),
    )

    def __init__(self, setup: Setup) -> None:
        releases = np.asarray(setup.scenario.release_months(), dtype=np.int64)
        self.frontier_index = np.searchsorted(releases, np.arange(setup.months), side="right")
        n_models = model_count(setup.scenario)
        self.by_model = {name: np.zeros((n_models, setup.layout.columns)) for name, _, _ in _MODEL_OUTPUTS[:3]}
        self.by_model["model_training_flop"] = np.zeros((n_models, setup.layout.columns))
        self.flop_per_gw_month = setup.lab_parameter("compute.training_flop_per_gw_month")
        self.log_hardware_growth = np.log(setup.lab_parameter("compute.flop_per_gw_growth_per_year"))

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
        self.by_model["model_training_flop"][frontier + 1] += state["training_gw"] * flop_per_gw_month(
            self.flop_per_gw_month, self.log_hardware_growth, state.month
        )

    def finish(self, state: MonthState) -> dict[str, NDArray[Any]]:
        """Each model's P&L, ``(models, n * L)``."""
        by_model: dict[str, NDArray[Any]] = dict(self.by_model)  # training FLOP included
        by_model["model_net_usd"] = (
            self.by_model["model_revenue_usd"]
            - self.by_model["model_inference_cost_usd"]
            - self.by_model["model_training_cost_usd"]
        )
        return by_model
