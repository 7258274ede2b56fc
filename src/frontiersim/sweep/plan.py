"""A sweep's plan: its points and the scenario of each, checked before anything runs.

Every point's scenario is the base scenario with the point's keys set
(:func:`~frontiersim.scenario.overrides.with_overrides`), validated by the
normal loader; every problem of every point is gathered into one
:class:`~frontiersim.scenario.errors.ScenarioError` (a problem that several
points share is said once), so a bad sweep is refused whole, before any
simulation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from frontiersim.scenario.errors import Problem, ScenarioError, bad_value
from frontiersim.scenario.overrides import key_problem, settable_number, with_overrides
from frontiersim.scenario.schema import Scenario
from frontiersim.sweep.design import SweepPoint, grid, latin_hypercube, parse_range

#: Keys that the sweep itself sets for every point (common random numbers), and the option that sets them.
_SWEEP_SETTINGS = {"simulation.draws": "--draws", "simulation.seed": "--seed"}

#: How the points are chosen.
DesignKind = Literal["grid", "lhs"]


@dataclass(frozen=True)
class SweepPlan:
    """What a sweep runs.

    Attributes
    ----------
    base : Scenario
        The scenario the keys are set on.
    design : {"grid", "lhs"}
    keys : tuple of str
        The keys set at every point, in the order given.
    points : tuple of SweepPoint
    scenarios : tuple of Scenario
        The scenario of each point, in order.
    draws : int
        Draws of each point.
    seed : int
        Root seed of every point (common random numbers) and of a Latin hypercube.
    """

    base: Scenario
    design: DesignKind
    keys: tuple[str, ...]
    points: tuple[SweepPoint, ...]
    scenarios: tuple[Scenario, ...]
    draws: int
    seed: int

    @property
    def draw_months(self) -> int:
        """Draw-months of the whole sweep (draws x labs x months, summed over points)."""
        return sum(self.draws * len(s.lab_names) * s.horizon_months for s in self.scenarios)

    def describe(self) -> dict[str, Any]:
        """The plan as JSON values (stored with the sweep's record as ``sweep.json``)."""
        return {
            "design": self.design,
            "keys": list(self.keys),
            "points": [dict(point.values) for point in self.points],
            "draws": self.draws,
            "seed": self.seed,
            "common_random_numbers": True,
        }


def _given_problems(
    scenario: Scenario, values_by_key: Mapping[str, Sequence[Any]], extra: Mapping[str, type] | None
) -> list[Problem]:
    """Unknown keys, keys without values, and keys the sweep sets itself."""
    problems: list[Problem] = []
    for key, values in values_by_key.items():
        shown = values[0] if len(values) == 1 else list(values)
        problem = key_problem(key, shown, scenario, extra)
        if problem is not None:
            problems.append(problem)
        elif not values:
            problems.append(Problem(key, "no values; expected one or more values separated by commas"))
        elif key in _SWEEP_SETTINGS:
            expected = f"no value: every point runs with the sweep's {_SWEEP_SETTINGS[key]}"
            problems.append(bad_value(key, shown, expected))
    return problems


def plan_sweep(
    scenario: Scenario,
    values_by_key: Mapping[str, Sequence[Any]],
    *,
    draws: int,
    seed: int,
    lhs_points: int | None = None,
    extra_sections: Mapping[str, type] | None = None,
) -> SweepPlan:
    """Check a sweep and make its plan.

    Parameters
    ----------
    scenario : Scenario
        The base scenario (read from a file or bundled).
    values_by_key : mapping of str to sequence
        Key path -> the values given (``--set key=v1,v2``), read by
        :func:`~frontiersim.scenario.overrides.parse_value`. For a grid,
        every combination is a point. With ``lhs_points``, a key given one
        ``"LOW:HIGH"`` range is sampled over it, and a key given one value is
        set to it at every point.
    draws : int
        Draws per point, >= 1.
    seed : int
        Seed of every point's simulation, and of the Latin hypercube.
    lhs_points : int, optional
        Points of a Latin hypercube (default: a grid).
    extra_sections : mapping of str to type, optional
        Sections of model components, as for the loader.

    Returns
    -------
    SweepPlan

    Raises
    ------
    ScenarioError
        Every problem: unknown keys, values that are not what a key takes,
        ranges where they do not belong, and every point's scenario problems.

    Examples
    --------
    >>> from frontiersim.scenario.loader import bundled
    >>> plan = plan_sweep(bundled("default"), {"policy.hedge_factor": [0.4, 0.6]}, draws=100, seed=1)
    >>> [s.policy.hedge_factor for s in plan.scenarios]
    [0.4, 0.6]
    """
    source = f"sweep of {scenario.meta.name}"
    if not values_by_key:
        raise ScenarioError([Problem("--set", "missing; expected at least one --set KEY=VALUE[,VALUE...]")], source)
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    keys = tuple(values_by_key)
    problems = _given_problems(scenario, values_by_key, extra_sections)
    if problems:
        raise ScenarioError(problems, source)
    if lhs_points is None:
        design: DesignKind = "grid"
        problems += _grid_problems(values_by_key)
        points = grid(values_by_key)
    else:
        design = "lhs"
        ranges, fixed, found = _lhs_ranges(values_by_key, extra_sections)
        problems += found
        if not ranges and not found:
            problems.append(Problem("--lhs", "expected at least one --set KEY=LOW:HIGH range to sample"))
        whole = [key for key in ranges if settable_number(key, extra_sections)[1]]
        sampled = latin_hypercube(ranges, lhs_points, seed, whole) if ranges and not problems else []
        points = [
            SweepPoint(point.index, tuple((key, fixed[key] if key in fixed else point.overrides[key]) for key in keys))
            for point in sampled
        ]
    if problems:
        raise ScenarioError(problems, source)
    scenarios: list[Scenario] = []
    for point in points:
        try:
            scenarios.append(with_overrides(scenario, point.overrides, extra_sections=extra_sections))
        except ScenarioError as error:
            problems += [problem for problem in error.problems if problem not in problems]
    if problems:
        raise ScenarioError(problems, source)
    return SweepPlan(scenario, design, keys, tuple(points), tuple(scenarios), draws, seed)


def _grid_problems(values_by_key: Mapping[str, Sequence[Any]]) -> list[Problem]:
    """A range ``LOW:HIGH`` given to a grid (ranges are for a Latin hypercube)."""
    return [
        bad_value(key, value, "a value; a range LOW:HIGH is sampled only with --lhs N")
        for key, values in values_by_key.items()
        for value in values
        if isinstance(value, str) and parse_range(value) is not None
    ]


def _lhs_ranges(
    values_by_key: Mapping[str, Sequence[Any]], extra_sections: Mapping[str, type] | None
) -> tuple[dict[str, tuple[float, float]], dict[str, Any], list[Problem]]:
    """The ranges to sample and the keys held fixed, for a Latin hypercube; problems with them."""
    ranges: dict[str, tuple[float, float]] = {}
    fixed: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, values in values_by_key.items():
        parsed = parse_range(values[0]) if len(values) == 1 and isinstance(values[0], str) else None
        if parsed is None:
            if len(values) == 1:
                fixed[key] = values[0]
            else:
                problems.append(
                    bad_value(key, list(values), "one range LOW:HIGH to sample, or one value to hold, with --lhs N")
                )
            continue
        low, high = parsed
        if not settable_number(key, extra_sections)[0]:
            problems.append(bad_value(key, values[0], "a value: this key takes no number, so it has no range"))
        elif not (math.isfinite(low) and math.isfinite(high) and low <= high):
            problems.append(bad_value(key, values[0], "a range LOW:HIGH of finite numbers with LOW <= HIGH"))
        else:
            ranges[key] = (low, high)
    return ranges, fixed, problems


__all__ = ["DesignKind", "SweepPlan", "plan_sweep"]
