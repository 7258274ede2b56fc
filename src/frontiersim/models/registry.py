"""The registry: which components a scenario is assembled from, and in what order.

Each :class:`Slot` is one place in the month, filled by the component a
scenario selects for it (or by none). The engine steps the components in
the order of :data:`SLOTS`:

1. demand (exogenous growth, a path, or capability and diffusion);
2. market (the labs' shares of demand);
3. procurement (decisions, contracts, capacity and payments);
4. allocation (inference and training);
5. finance (costs, fundraising, cash and ruin);
6. cohorts (each model's P&L).

Adding a component touches its own module, one line here and its tests.
A gate that pauses training, for example, is a slot between procurement and
allocation that lowers what allocation may give to training; a research
speed-up is a slot after allocation that the next month's demand component
reads through :meth:`~frontiersim.models.components.base.MonthState.last`;
economy-wide state is a market-level output of its own slot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from frontiersim.draws.sampling import DrawPlan, ShockStream, scenario_parameters
from frontiersim.models.catalogue import Catalogue
from frontiersim.models.components.allocation import ResidualAllocation
from frontiersim.models.components.base import Component
from frontiersim.models.components.cohorts import Cohorts
from frontiersim.models.components.demand import (
    CapabilityDemandComponent,
    GrowthDemandComponent,
    PathDemandComponent,
)
from frontiersim.models.components.finance import Finance
from frontiersim.models.components.market import CapabilityShareMarket, FixedShareMarket
from frontiersim.models.components.procurement import Procurement
from frontiersim.scenario.distributions import Distribution
from frontiersim.scenario.schema import Scenario

ComponentType = type[Component]


@dataclass(frozen=True)
class Slot:
    """One place in the month and how a scenario fills it.

    Attributes
    ----------
    role : str
        What the slot does, e.g. ``"demand"``.
    choose : callable
        ``choose(scenario)`` gives the component class, or None to leave the
        slot empty in that scenario.
    """

    role: str
    choose: Callable[[Scenario], ComponentType | None]


def by_setting(
    setting: Callable[[Scenario], str], kinds: Mapping[str, ComponentType]
) -> Callable[[Scenario], ComponentType]:
    """A chooser that picks a component by a scenario setting, e.g. ``demand.kind``."""

    def choose(scenario: Scenario) -> ComponentType:
        return kinds[setting(scenario)]

    return choose


def always(component: ComponentType) -> Callable[[Scenario], ComponentType]:
    """A chooser that always picks ``component``."""
    return lambda _scenario: component


#: The month, in order.
SLOTS: tuple[Slot, ...] = (
    Slot(
        "demand",
        by_setting(
            lambda s: s.demand.kind,
            {"growth": GrowthDemandComponent, "path": PathDemandComponent, "capability": CapabilityDemandComponent},
        ),
    ),
    Slot(
        "market",
        by_setting(lambda s: s.market.share_rule, {"fixed": FixedShareMarket, "capability": CapabilityShareMarket}),
    ),
    Slot("procurement", always(Procurement)),
    Slot("allocation", always(ResidualAllocation)),
    Slot("finance", always(Finance)),
    Slot("cohorts", always(Cohorts)),
)


def assemble(scenario: Scenario, slots: Sequence[Slot] = SLOTS) -> tuple[ComponentType, ...]:
    """The component classes of ``scenario``, in stepping order."""
    chosen = (slot.choose(scenario) for slot in slots)
    return tuple(component for component in chosen if component is not None)


def catalogue(scenario: Scenario, slots: Sequence[Slot] = SLOTS) -> Catalogue:
    """Every output ``scenario`` records, declared by its components."""
    return Catalogue(output for component in assemble(scenario, slots) for output in component.outputs_for(scenario))


def used_keys(scenario: Scenario, slots: Sequence[Slot] = SLOTS) -> tuple[str, ...]:
    """Every scenario key the components of ``scenario`` read, in order, once each."""
    keys: dict[str, None] = {}
    for component in assemble(scenario, slots):
        keys.update(dict.fromkeys(component.keys_for(scenario)))
    return tuple(keys)


def draw_plan(scenario: Scenario, slots: Sequence[Slot] = SLOTS) -> DrawPlan:
    """Every random input of ``scenario``: the uncertain keys its components read, and their streams.

    A declared lab that sets an uncertain key of its own gets its own stream
    for it (``labs.NAME.<path>``); every other lab takes the shared draw.
    """
    keys = used_keys(scenario, slots)
    shared = scenario_parameters(scenario, keys)
    parameters: list[tuple[str, Distribution]] = list(shared.items())
    for lab in scenario.labs:
        for path in keys:
            if path in shared and path in lab.overridden_paths:
                section, key = path.split(".", 1)
                parameters.append((lab.stream(path), getattr(getattr(lab, section), key)))
    shocks: list[ShockStream] = [
        stream for component in assemble(scenario, slots) for stream in component.streams(scenario)
    ]
    return DrawPlan(tuple(parameters), tuple(shocks))
