"""The registry: which components a scenario is assembled from, and in what order.

Each :class:`Slot` is one place in the month, filled by the component a
scenario selects for it (or by none). The engine steps the components in
the order of :data:`SLOTS`:

1. demand (exogenous growth, a path, or capability and diffusion);
2. market (the labs' shares of demand);
3. procurement (decisions, contracts, capacity and payments);
4. allocation (inference and training);
5. finance (costs, fundraising, cash and ruin);
6. cohorts (each model's P&L);
7. run-off (after the horizon: paying every contract to its end).

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
from operator import attrgetter

from frontiersim.draws.sampling import DrawPlan, ShockStream, scenario_parameters
from frontiersim.models.catalogue import Catalogue
from frontiersim.models.components.allocation import Allocation
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
from frontiersim.models.components.runoff import RunOff
from frontiersim.scenario.distributions import Distribution
from frontiersim.scenario.schema import Scenario

ComponentType = type[Component]


@dataclass(frozen=True)
class Slot:
    """One place in the month, and the components that may fill it.

    Attributes
    ----------
    role : str
        What the slot does, e.g. ``"demand"``.
    kinds : mapping of str to Component class
        The components the slot may hold, by the value of ``setting``.
    setting : callable
        ``setting(scenario)`` gives the key of ``kinds`` to use (e.g. the
        scenario's ``demand.kind``), or None to leave the slot empty. It must
        be picklable (a module-level function or ``operator.attrgetter``),
        since runs with several workers send the slots to other processes.
    """

    role: str
    kinds: Mapping[str, ComponentType]
    setting: Callable[[Scenario], str | None]

    def choose(self, scenario: Scenario) -> ComponentType | None:
        """The component ``scenario`` puts in this slot, if any."""
        key = self.setting(scenario)
        return None if key is None else self.kinds[key]

    @classmethod
    def always(cls, role: str, component: ComponentType) -> Slot:
        """A slot that always holds ``component``."""
        return cls(role, {component.kind: component}, _Constant(component.kind))


@dataclass(frozen=True)
class _Constant:
    """A setting that is always ``value`` (a picklable ``lambda scenario: value``, for worker processes)."""

    value: str

    def __call__(self, _scenario: Scenario) -> str:
        return self.value


#: The month, in order.
SLOTS: tuple[Slot, ...] = (
    Slot(
        "demand",
        {"growth": GrowthDemandComponent, "path": PathDemandComponent, "capability": CapabilityDemandComponent},
        attrgetter("demand.kind"),
    ),
    Slot("market", {"fixed": FixedShareMarket, "capability": CapabilityShareMarket}, attrgetter("market.share_rule")),
    Slot.always("procurement", Procurement),
    Slot.always("allocation", Allocation),
    Slot.always("finance", Finance),
    Slot.always("cohorts", Cohorts),
    Slot.always("runoff", RunOff),
)


def assemble(scenario: Scenario, slots: Sequence[Slot] = SLOTS) -> tuple[ComponentType, ...]:
    """The component classes of ``scenario``, in stepping order."""
    chosen = (slot.choose(scenario) for slot in slots)
    return tuple(component for component in chosen if component is not None)


def extension_sections(slots: Sequence[Slot] = SLOTS) -> dict[str, type]:
    """Sections declared by components outside the built-in schema, by TOML name.

    Pass them to :func:`frontiersim.scenario.parse_scenario` (``extra_sections``)
    so that scenario files may set their keys. Every component a slot can
    choose is asked, whatever a scenario selects.
    """
    sections: dict[str, type] = {}
    for slot in slots:
        for component in slot.kinds.values():
            if component.section is not None:
                name, section_type = component.section
                if sections.get(name, section_type) is not section_type:
                    raise ValueError(f"two components declare different sections [{name}]")
                sections[name] = section_type
    return sections


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
