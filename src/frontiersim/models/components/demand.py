"""Demand components: exogenous growth, a given path, or capability and diffusion.

Each writes the month's market demand (``market_demand_usd_per_year``, one
value per draw, shared by the labs) and each lab's gross margin
(``gross_margin``). The market component then splits demand between labs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from frontiersim.draws.sampling import Draws, ShockStream
from frontiersim.models.capability import CapabilityDemand, SegmentedDemand, milestone_arrival_months
from frontiersim.models.catalogue import OutputSpec, YearlyRule
from frontiersim.models.components.base import Component, MonthState, Setup
from frontiersim.models.demand import GrowthDemand, PathDemand, PrecomputedDemand
from frontiersim.models.diffusion import Segment
from frontiersim.scenario.distributions import Fixed
from frontiersim.scenario.schema import Scenario

FloatArray = NDArray[np.float64]

MARKET_DEMAND = OutputSpec(
    "market_demand_usd_per_year",
    "USD/year",
    "market demand",
    "annualised revenue demand of the whole market the labs share",
    "rate",
    per="market",
    yearly=YearlyRule("year_market_demand_usd", "sum_of_rate", "USD", "revenue demand of the market over the year"),
)

GROSS_MARGIN = OutputSpec(
    "gross_margin",
    "1",
    "gross margin",
    "inference gross margin in the month (capability demand: revenue-weighted margin of the segments)",
    "ratio",
)

#: The shock stream of growth and path demand.
DEMAND_SHOCKS = "demand.log_shocks"


def segment_shock_stream(segment: str) -> str:
    """Name of the shock stream of a capability segment, e.g. ``"capability.segments.enterprise.log_shocks"``."""
    return f"capability.segments.{segment}.log_shocks"


def market_outputs(outputs: tuple[OutputSpec, ...], scenario: Scenario) -> tuple[OutputSpec, ...]:
    """``outputs`` without the market-level ones when the scenario has one lab.

    With one lab the market is the lab: its demand is the lab's
    (``demand_usd_per_year``) and its share is 1, so recording them again
    would only cost memory and time.
    """
    if len(scenario.labs) > 1:
        return outputs
    return tuple(output for output in outputs if output.per != "market" and output.name != "market_share")


class _ExogenousDemand(Component):
    """Demand computed up front from the scenario, independent of what the labs do."""

    role: ClassVar[str] = "demand"
    outputs: ClassVar[tuple[OutputSpec, ...]] = (MARKET_DEMAND, GROSS_MARGIN)

    @classmethod
    def outputs_for(cls, scenario: Scenario) -> tuple[OutputSpec, ...]:
        """The market's demand only with several labs (see :func:`market_outputs`)."""
        return market_outputs(cls.outputs, scenario)

    def __init__(self, driver: Callable[[], PrecomputedDemand], gross_margin: FloatArray) -> None:
        self._make_driver = driver
        self.gross_margin = gross_margin

    @functools.cached_property
    def driver(self) -> PrecomputedDemand:
        """The precomputed demand of every draw (computed on first use: the compiled engine computes its own)."""
        return self._make_driver()

    @classmethod
    def streams(cls, scenario: Scenario) -> tuple[ShockStream, ...]:
        """Monthly normal shocks to log demand (zeros when volatility is fixed at 0)."""
        return (
            ShockStream(
                DEMAND_SHOCKS,
                "normal",
                "standard normal shocks to log demand, one per month",
                needed=scenario.demand.volatility_per_sqrt_year != Fixed(0.0),
            ),
        )

    def step(self, state: MonthState) -> None:
        """Write the month's market demand and the labs' gross margins."""
        state["market_demand_usd_per_year"] = self.driver.demand_in(state.month)
        state["gross_margin"] = self.gross_margin


def growth_inputs(setup: Setup) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, float]:
    """The arguments of :class:`~frontiersim.models.demand.GrowthDemand` for a chunk, in its order."""
    return (
        setup.parameter("demand.initial_usd_per_year"),
        setup.parameter("demand.growth_per_year"),
        setup.parameter("demand.growth_persistence_per_year"),
        setup.parameter("demand.delay_months"),
        setup.parameter("demand.volatility_per_sqrt_year"),
        setup.shocks(DEMAND_SHOCKS),
        float(setup.scenario.demand.ceiling_usd_per_year),
    )


class GrowthDemandComponent(_ExogenousDemand):
    """``demand.kind = "growth"``: :class:`~frontiersim.models.demand.GrowthDemand`."""

    kind: ClassVar[str] = "demand.growth"
    #: The driver's arguments (:func:`growth_inputs`), for the compiled engine.
    inputs: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, float]
    keys: ClassVar[tuple[str, ...]] = (
        "demand.initial_usd_per_year",
        "demand.growth_per_year",
        "demand.growth_persistence_per_year",
        "demand.delay_months",
        "demand.volatility_per_sqrt_year",
        "demand.ceiling_usd_per_year",
        "operations.gross_margin",
    )

    @classmethod
    def build(cls, setup: Setup) -> GrowthDemandComponent:
        """Every draw's demand path, precomputed on first use."""
        inputs = growth_inputs(setup)
        component = cls(lambda: GrowthDemand(*inputs), setup.lab_parameter("operations.gross_margin"))
        component.inputs = inputs
        return component


class PathDemandComponent(_ExogenousDemand):
    """``demand.kind = "path"``: :class:`~frontiersim.models.demand.PathDemand`."""

    kind: ClassVar[str] = "demand.path"
    keys: ClassVar[tuple[str, ...]] = (
        "demand.path_usd_per_year",
        "demand.delay_months",
        "demand.volatility_per_sqrt_year",
        "demand.ceiling_usd_per_year",
        "operations.gross_margin",
    )

    @classmethod
    def build(cls, setup: Setup) -> PathDemandComponent:
        """Precompute every draw's demand path."""
        demand = setup.scenario.demand
        years = len(demand.path_usd_per_year)
        levels = np.stack([setup.parameter(f"demand.path_usd_per_year[{k}]") for k in range(years)], axis=1)
        driver = PathDemand(
            levels,
            setup.parameter("demand.delay_months"),
            setup.parameter("demand.volatility_per_sqrt_year"),
            setup.shocks(DEMAND_SHOCKS),
            demand.ceiling_usd_per_year,
        )
        return cls(lambda: driver, setup.lab_parameter("operations.gross_margin"))


_SEGMENT_KEYS = ("innovation_per_year", "imitation_per_year", "volatility_per_sqrt_year", "gross_margin")

_CAPABILITY_KEYS = (
    "capability.initial_training_flop",
    "capability.flop_per_gw_month",
    "capability.efficiency_doubling_months",
    "capability.slope_per_decade",
    "capability.initial_overhang",
    "capability.value_multiple_per_tier",
    "capability.frontier_compute_growth_per_year",
)

CAPABILITY_INDEX = OutputSpec(
    "capability_index",
    "tiers",
    "capability index",
    "capability index of the lab's models (0 at the start; 1 per tier)",
    "index",
    yearly=YearlyRule(
        "year_capability_index", "last", "tiers", "capability index at year end (0 at the start; 1 per tier)"
    ),
)
OVERHANG = OutputSpec(
    "overhang",
    "1",
    "overhang",
    "value the lab's capability could address over the value deployed",
    "ratio",
    yearly=YearlyRule("year_overhang", "last", "1", "addressable over deployed value at year end"),
)
MILESTONE_MONTH = OutputSpec(
    "milestone_month",
    "month",
    "milestone month",
    "first month the milestone is reached, -1 if not in the horizon",
    "month",
    shape="milestone",
    dtype="int",
)


def segments_from_draws(
    scenario: Scenario, draws: Draws, spread: Callable[[FloatArray], FloatArray] | None = None
) -> list[Segment]:
    """The scenario's customer segments with per-draw parameters.

    ``spread`` maps a per-draw array to the layout the caller steps (every
    lab of every draw, :meth:`~frontiersim.models.components.base.LabLayout.spread`).
    """
    widen = spread if spread is not None else (lambda values: values)
    return [
        Segment(
            name,
            innovation_per_year=widen(draws[f"capability.segments.{name}.innovation_per_year"]),
            imitation_per_year=widen(draws[f"capability.segments.{name}.imitation_per_year"]),
            volatility_per_sqrt_year=widen(draws[f"capability.segments.{name}.volatility_per_sqrt_year"]),
            gross_margin=widen(draws[f"capability.segments.{name}.gross_margin"]),
            value_share=spec.value_share,
        )
        for name, spec in scenario.capability.segments.items()
    ]


class CapabilityDemandComponent(Component):
    """``demand.kind = "capability"``: capability from each lab's training compute, diffused to demand.

    Training compute counts in GW-months at the start's hardware: a GW of
    month :math:`t` is worth :math:`h^{t/12}` of them, with hardware
    improving :math:`h`-fold a year (``compute.flop_per_gw_growth_per_year``).

    Each lab's capability index follows its own training compute
    (:class:`~frontiersim.models.capability.CapabilityDemand`); the segments'
    shocks are the market's, common to the labs. The market's demand is that
    of the lab with the most deployed value: customers buy the best model
    there is, and the market step shares it out.
    """

    kind: ClassVar[str] = "demand.capability"
    role: ClassVar[str] = "demand"
    outputs: ClassVar[tuple[OutputSpec, ...]] = (
        MARKET_DEMAND,
        GROSS_MARGIN,
        CAPABILITY_INDEX,
        OVERHANG,
        MILESTONE_MONTH,
    )

    def __init__(self, setup: Setup, demand: SegmentedDemand) -> None:
        self.layout = setup.layout
        self.demand = demand
        self.log_hardware_growth = np.log(setup.lab_parameter("compute.flop_per_gw_growth_per_year"))
        self.milestones = setup.scenario.capability.milestone_thresholds

    @classmethod
    def outputs_for(cls, scenario: Scenario) -> tuple[OutputSpec, ...]:
        """The market's demand only with several labs (see :func:`market_outputs`)."""
        return market_outputs(cls.outputs, scenario)

    @classmethod
    def keys_for(cls, scenario: Scenario) -> tuple[str, ...]:
        """The capability keys, each segment's, and the demand keys capability demand uses."""
        segment_keys = tuple(
            f"capability.segments.{name}.{key}"
            for name, _ in scenario.capability.segments.items()
            for key in _SEGMENT_KEYS
        )
        return (
            "demand.initial_usd_per_year",
            "demand.ceiling_usd_per_year",
            *_CAPABILITY_KEYS,
            "compute.flop_per_gw_growth_per_year",
            "capability.rival_labs",
            *segment_keys,
        )

    @classmethod
    def streams(cls, scenario: Scenario) -> tuple[ShockStream, ...]:
        """One stream of normal shocks per segment (zeros for a segment without volatility)."""
        return tuple(
            ShockStream(
                segment_shock_stream(name),
                "normal",
                f"standard normal shocks to the {name} segment's log demand",
                needed=segment.volatility_per_sqrt_year != Fixed(0.0),
            )
            for name, segment in scenario.capability.segments.items()
        )

    @classmethod
    def build(cls, setup: Setup) -> CapabilityDemandComponent:
        """One driver over every lab of every draw (shared parameters, each lab's own compute)."""
        layout, scenario = setup.layout, setup.scenario

        def shared(path: str) -> FloatArray:
            return layout.spread(setup.parameter(path))

        segments = segments_from_draws(scenario, setup.draws, layout.spread)
        initial_demand = shared("demand.initial_usd_per_year")
        driver = CapabilityDemand(
            initial_training_flop=shared("capability.initial_training_flop"),
            flop_per_gw_month=shared("capability.flop_per_gw_month"),
            efficiency_doubling_months=shared("capability.efficiency_doubling_months"),
            slope_per_decade=shared("capability.slope_per_decade"),
            initial_addressable_usd_per_year=initial_demand * shared("capability.initial_overhang"),
            value_multiple_per_tier=shared("capability.value_multiple_per_tier"),
            initial_deployed_usd_per_year=initial_demand,
            draws=layout.columns,
            segments=segments,
            frontier_compute_growth_per_year=shared("capability.frontier_compute_growth_per_year"),
            rival_labs=scenario.capability.rival_labs,
        )
        shocks = [
            setup.shocks(segment_shock_stream(s.name))
            if layout.labs == 1
            else np.repeat(setup.shocks(segment_shock_stream(s.name)), layout.labs, axis=0)
            for s in segments
        ]
        return cls(setup, SegmentedDemand(driver, shocks, scenario.demand.ceiling_usd_per_year))

    def step(self, state: MonthState) -> None:
        """Step each lab's capability and diffusion on last month's training compute."""
        training_last = state.last("training_gw")
        if training_last is None:
            training_last = np.zeros(self.layout.columns)
        elif state.month > 1:
            # Hardware improves the FLOP a GW delivers (last month's GW, at last month's hardware).
            training_last = training_last * np.exp(self.log_hardware_growth * ((state.month - 1) / 12.0))
        demand = self.demand.demand_usd_per_year(state.month, training_last)
        if self.layout.labs == 1:
            state["market_demand_usd_per_year"] = demand
        else:
            state["market_demand_usd_per_year"] = self.layout.by_draw(demand).max(axis=1)
        state["gross_margin"] = self.demand.gross_margin
        driver = self.demand.driver
        state["capability_index"] = driver.capability_index_history[-1]
        state["overhang"] = driver.overhang_history[-1]

    def finish(self, state: MonthState) -> dict[str, NDArray[Any]]:
        """The month each milestone is first reached by each lab, ``(milestones, n * L)``."""
        months = milestone_arrival_months(self.demand.driver.capability_index_path, self.milestones)
        if not months:
            return {"milestone_month": np.empty((0, self.layout.columns), dtype=np.int64)}
        return {"milestone_month": np.stack(list(months.values()))}
