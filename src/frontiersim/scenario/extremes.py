"""Which of a scenario's values lie far outside their key's typical range.

When a simulation leaves the finite range of floating point (a value that
passes validation, but combined with others overflows), the error names the
keys most likely to blame: those whose values lie farthest outside the
typical range their :class:`~frontiersim.scenario.fields.FieldSpec` declares.
Distance is counted in decades for positive values and ranges, and in widths
of the typical range otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from frontiersim.scenario.distributions import Distribution, Fixed, tail_quantiles
from frontiersim.scenario.fields import FieldSpec, walk_keys
from frontiersim.scenario.schema import LAB_SECTIONS, SECTIONS, Scenario
from frontiersim.units import number_text

#: Compared with a typical range, a distribution stands for its values between these two tail quantiles.
CENTRAL_TAIL = 0.001


@dataclass(frozen=True)
class AtypicalValue:
    """A scenario value outside its key's typical range.

    Attributes
    ----------
    path : str
        Dotted key path (``labs.NAME.<path>`` for a lab's own value).
    value : str
        The value as written (a number, or a distribution's description).
    typical : tuple of (float, float)
        The key's typical range.
    distance : float
        How far outside: decades for positive numbers, else widths of the
        typical range.
    """

    path: str
    value: str
    typical: tuple[float, float]
    distance: float

    def __str__(self) -> str:
        low, high = self.typical
        return f"{self.path} = {self.value} (typical {number_text(low)} to {number_text(high)})"


def _span(value: Any) -> tuple[float, float] | None:
    """Smallest and largest value a key's value stands for; None for non-numbers and empty arrays."""
    if isinstance(value, Fixed):
        return value.value, value.value
    if isinstance(value, Distribution):
        return tail_quantiles(value, CENTRAL_TAIL)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value), float(value)
    if isinstance(value, tuple) and value and all(isinstance(v, int | float | Distribution) for v in value):
        spans = [(float(v), float(v)) if isinstance(v, int | float) else tail_quantiles(v, CENTRAL_TAIL) for v in value]
        return min(low for low, _ in spans), max(high for _, high in spans)
    return None


def _describe(value: Any) -> str:
    if isinstance(value, Fixed):
        return number_text(value.value)
    if isinstance(value, Distribution):
        return value.describe()
    if isinstance(value, tuple):
        return "[" + ", ".join(_describe(v) for v in value) + "]"
    return number_text(value)


def _beyond(value: float, limit: float, width: float, *, below: bool) -> float:
    """How far ``value`` lies beyond ``limit`` (0 when it does not)."""
    if (value >= limit) if below else (value <= limit):
        return 0.0
    if not math.isfinite(value):
        return math.inf
    if value > 0 and limit > 0:
        return abs(math.log10(value / limit))
    return abs(value - limit) / width


def distance_outside(spec: FieldSpec, value: Any) -> float:
    """How far a key's value lies outside its typical range (0 inside it, or without one).

    Parameters
    ----------
    spec : FieldSpec
    value : Any
        The typed value (a :class:`Distribution`, a number or a tuple).

    Returns
    -------
    float
        Decades for positive values, else widths of the typical range.

    Examples
    --------
    >>> from frontiersim.scenario.fields import FieldSpec
    >>> cost = FieldSpec("dist", "a cost", typical=(2e9, 4e10))
    >>> distance_outside(cost, Fixed(4e12))
    2.0
    >>> distance_outside(cost, Fixed(1e10))
    0.0
    """
    span = _span(value)
    if spec.typical is None or span is None:
        return 0.0
    low, high = (float(v) for v in spec.typical)
    width = high - low
    return max(_beyond(span[0], low, width, below=True), _beyond(span[1], high, width, below=False))


def _values(scenario: Scenario) -> Iterator[tuple[str, FieldSpec, Any]]:
    """Every key of the scenario with its value: shared sections, the policy, each lab's own keys."""
    for name, (attribute, section_type) in SECTIONS.items():
        yield from walk_keys(section_type, getattr(scenario, attribute), name)
    for name, section in scenario.extensions:
        yield from walk_keys(type(section), section, name)
    yield from walk_keys(type(scenario.policy), scenario.policy, "policy")
    for lab in scenario.labs:
        if not lab.declared:
            continue
        for section in LAB_SECTIONS:
            for path, spec, value in walk_keys(type(getattr(lab, section)), getattr(lab, section), section):
                if path in lab.overridden_paths or (section == "policy" and lab.policy is not scenario.policy):
                    yield f"labs.{lab.name}.{path}", spec, value


def atypical_values(scenario: Scenario, most: int = 5, at_least: float = 1.0) -> list[AtypicalValue]:
    """The scenario's values farthest outside their keys' typical ranges, farthest first.

    Parameters
    ----------
    scenario : Scenario
    most : int
        Longest list returned.
    at_least : float
        Least distance listed (see :func:`distance_outside`): by default a
        decade, or a width of the typical range, so that the wide tails of
        ordinary distributions and sentinels such as -1 are not listed.

    Returns
    -------
    list of AtypicalValue

    Examples
    --------
    >>> from frontiersim.scenario import bundled
    >>> atypical_values(bundled("default"))
    []
    """
    found = {
        path: AtypicalValue(path, _describe(value), spec.typical, distance)
        for path, spec, value in _values(scenario)
        if spec.typical is not None and (distance := distance_outside(spec, value)) >= at_least
    }
    return sorted(found.values(), key=lambda item: -item.distance)[:most]
