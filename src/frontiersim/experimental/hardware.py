r"""Training compute in FLOP: the GW a lab trains on, times the FLOP a GW delivers as hardware improves.

This is the worked example of ``docs/extending.md``: a component with its own
scenario section (``[hardware]``), two uncertain keys sampled up front, and
two outputs, added to a run without touching the engine.

Notes
-----
A GW of training capacity delivers :math:`f_0` FLOP in a month at the start;
the hardware a GW holds improves by a factor :math:`h` a year, so in month
:math:`t`

.. math:: F_t = G_t\, f_0\, h^{t/12}, \qquad C_t = \sum_{s \le t} F_s

where :math:`G_t` is the lab's training compute in GW. The whole fleet is
taken at the month's efficiency (a simplification: capacity signed years
earlier holds older chips).

References
----------
.. [1] Epoch AI, "Machine Learning Hardware" and "Hardware purchase and cloud
   prices, 2010-2025", https://epoch.ai/data, CC-BY 4.0 (tensor FP16 FLOP/s
   per purchase dollar grows about 1.3x a year, fit in the project's data
   notes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from frontiersim.models.catalogue import OutputSpec, YearlyRule
from frontiersim.models.components.base import Component, MonthState, Setup
from frontiersim.scenario.distributions import Distribution
from frontiersim.scenario.fields import spec

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class HardwareSpec:
    """``[hardware]``: the FLOP a GW of compute delivers, and how fast that improves."""

    flop_per_gw_month: Distribution = spec(
        "5e26 to 9e26",
        "dist",
        "Physical FLOP one GW of training capacity delivers in a month at the start, FLOP/(GW month).",
        "~7e26 FLOP per GW-month for H100-class hardware at ~40% utilisation (the capability section's note)",
        low=0.0,
        low_open=True,
        unit="FLOP/(GW month)",
        label="FLOP per GW-month",
        typical=(1.0e26, 2.0e27),
    )
    flop_per_gw_growth_per_year: Distribution = spec(
        "1.2 to 1.4",
        "dist",
        "Yearly multiplier of the FLOP a GW delivers as hardware improves.",
        "Epoch AI, Machine Learning Hardware: FLOP/s per purchase dollar ~1.3x a year (CC-BY 4.0); "
        "FLOP per watt is assumed to improve alike",
        low=0.0,
        low_open=True,
        unit="x/year",
        label="hardware improvement per year",
        typical=(1.0, 2.0),
    )


class TrainingFlop(Component):
    """Each lab's training compute in FLOP, month by month and in total (see the module notes)."""

    kind: ClassVar[str] = "hardware.training_flop"
    role: ClassVar[str] = "hardware"
    section: ClassVar[tuple[str, type] | None] = ("hardware", HardwareSpec)
    keys: ClassVar[tuple[str, ...]] = ("hardware.flop_per_gw_month", "hardware.flop_per_gw_growth_per_year")
    outputs: ClassVar[tuple[OutputSpec, ...]] = (
        OutputSpec(
            "training_flop",
            "FLOP",
            "training FLOP",
            "training compute delivered in the month",
            "flow",
            yearly=YearlyRule("year_training_flop", "sum", "FLOP", "training compute delivered over the year"),
        ),
        OutputSpec(
            "cumulative_training_flop",
            "FLOP",
            "cumulative training FLOP",
            "training compute delivered since the start",
            "stock",
            yearly=YearlyRule(
                "year_cumulative_training_flop", "last", "FLOP", "training compute delivered by the end of the year"
            ),
        ),
    )

    def __init__(self, setup: Setup) -> None:
        # Shared keys: one draw per world, the same for every lab.
        self.flop_per_gw_month = setup.layout.spread(setup.parameter("hardware.flop_per_gw_month"))
        self.growth_per_year = setup.layout.spread(setup.parameter("hardware.flop_per_gw_growth_per_year"))
        self.cumulative = np.zeros(setup.layout.columns)

    @classmethod
    def build(cls, setup: Setup) -> TrainingFlop:
        """The hardware of every draw, spread over the labs."""
        return cls(setup)

    def step(self, state: MonthState) -> None:
        """Turn this month's training GW into FLOP."""
        flop = state["training_gw"] * self.flop_per_gw_month * self.growth_per_year ** (state.month / 12.0)
        self.cumulative = self.cumulative + flop
        state["training_flop"] = flop
        state["cumulative_training_flop"] = self.cumulative

    def finish(self, state: MonthState) -> dict[str, NDArray[Any]]:
        """Nothing is recorded once: both outputs are monthly."""
        return {}
