"""The dashboard's sliders: the key assumptions, each tied to one scenario key.

A slider of a key the preset fixes has one handle: moving it sets the key to
that number in the scenario the page holds. A slider of a key the preset
gives a distribution (``"3 to 20"``) has two handles, the distribution's 5th
and 95th percentiles: moving them stretches the distribution to the new
interval, keeping its family (:mod:`frontiersim.dashboard.intervals`), so
the uncertainty stays in the run. The page shows the preset's value or
distribution under the slider, with its units
(:func:`frontiersim.units.quantity`), and the source of the preset's value:
the comment beside the key in the preset's file when it has one (the bundled
scenarios cite their figures there), else the source of the key's default
(:mod:`frontiersim.scenario.sources`).

Each slider's label, unit, range and documentation come from its key's
declaration (:func:`frontiersim.scenario.fields.field_spec`): the range is
the key's typical range. Whether a slider applies to a scenario comes from
the model: a slider whose section the scenario's components do not read at
all is hidden (the ``[capability]`` sliders of a growth-driven scenario), and
one whose key they do not read, or that the scenario refuses, is disabled
with the reason.

The two handles move freely over the slider's range: an interval whose
stretch would leave the key's bounds is moved by the server to the nearest
one that keeps within them, and the answer's warnings say so. Each two-handle
slider reports the bounds the stretch keeps to and the widest interval they
allow (``interval_bounds``, ``widest``), which the page shows on the handles.

The sliders set the shared sections. In a scenario with ``[labs.*]`` tables
a lab that sets a key itself keeps its own value; each slider names those
labs (``overridden_by``).
"""

from __future__ import annotations

import copy
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from frontiersim.dashboard.intervals import (
    bounds_with_units,
    describe_distribution,
    key_spec,
    movable_interval,
    preset_value,
    widest_allowed_interval,
)
from frontiersim.models.registry import extension_sections, used_keys
from frontiersim.optimize.families import typical_range
from frontiersim.scenario.distributions import Distribution
from frontiersim.scenario.errors import ScenarioError
from frontiersim.scenario.fields import field_spec
from frontiersim.scenario.loader import parse_scenario
from frontiersim.scenario.schema import Scenario
from frontiersim.units import quantity, quantity_range

#: The key assumptions, in the order the page shows them.
SLIDER_KEYS: tuple[str, ...] = (
    "demand.growth_per_year",
    "demand.growth_persistence_per_year",
    "demand.volatility_per_sqrt_year",
    "demand.initial_usd_per_year",
    "operations.gross_margin",
    "compute.cost_usd_per_gw_year",
    "compute.lead_time_months",
    "policy.assumed_growth_per_year",
    "policy.hedge_factor",
    "finance.starting_cash_usd",
    "capability.efficiency_doubling_months",
    "capability.value_multiple_per_tier",
    "capability.frontier_compute_growth_per_year",
    "capability.rival_labs",
)

#: A slider's range is cut into at least this many steps.
_STEPS = 100

#: Money at or above this is shown in billions.
_BILLION = 1e9


@dataclass(frozen=True)
class Slider:
    """One slider of the dashboard.

    Attributes
    ----------
    section, key : str
        The scenario key the slider sets (``[section] key``).
    label : str
        What the slider means, in words (the key's declared label).
    low, high, step : float
        Range and step of the slider, in display units.
    scale : float
        Scenario units per display unit (``1e9`` shows USD as $B).
    unit : str
        Display unit.
    integer : bool
        Whether the key takes an integer (the value is rounded).
    """

    section: str
    key: str
    label: str
    low: float
    high: float
    step: float
    scale: float = 1.0
    unit: str = ""
    integer: bool = False

    @property
    def path(self) -> str:
        """Dotted key path, e.g. ``"demand.growth_per_year"``."""
        return f"{self.section}.{self.key}"


def _display(unit: str, high: float) -> tuple[float, str]:
    """Scale and unit a value is shown in: USD amounts of billions as $B; a ratio without a unit.

    Examples
    --------
    >>> _display("USD/year", 5e10), _display("months", 48), _display("1", 0.9), _display("1/sqrt(year)", 1.5)
    ((1000000000.0, '$B/year'), (1.0, 'months'), (1.0, ''), (1.0, '/√year'))
    """
    if unit.startswith("USD") and high >= _BILLION:
        return _BILLION, "$B" + unit.removeprefix("USD")
    if unit == "1":
        return 1.0, ""
    return 1.0, unit.replace("1/sqrt(year)", "/√year")


def _nice_step(width: float, integer: bool) -> float:
    """A 1-2-5 step cutting ``width`` into at least :data:`_STEPS` steps (1 for an integer key).

    Examples
    --------
    >>> _nice_step(29.0, False), _nice_step(0.9, False), _nice_step(48.0, True)
    (0.5, 0.01, 1.0)
    """
    if integer or width <= 0:
        return 1.0
    raw = width / _STEPS
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 5.0, 10.0):
        if multiple * magnitude >= raw * (1 - 1e-12):
            return round(multiple * magnitude, 12)
    return 10.0 * magnitude  # pragma: no cover - the loop always returns


def slider(path: str) -> Slider:
    """The slider of the scenario key at ``path``, from the key's declaration.

    Examples
    --------
    >>> hedge = slider("policy.hedge_factor")
    >>> hedge.label, hedge.low, hedge.high, hedge.step, hedge.unit
    ('Hedge factor', 0.0, 2.0, 0.02, 'x')
    >>> cash = slider("finance.starting_cash_usd")
    >>> cash.scale, cash.unit, cash.high
    (1000000000.0, '$B', 200.0)
    """
    section, key = path.split(".", 1)
    spec = field_spec(path)
    low, high = typical_range(spec)
    scale, unit = _display(spec.unit, high)
    integer = spec.kind in ("int", "ints")
    label = spec.label or key.replace("_", " ")
    return Slider(
        section,
        key,
        label[:1].upper() + label[1:],
        low / scale,
        high / scale,
        _nice_step((high - low) / scale, integer),
        scale,
        unit,
        integer,
    )


#: Every slider, in the order the page shows them.
SLIDERS: tuple[Slider, ...] = tuple(slider(path) for path in SLIDER_KEYS)


def _current_value(slider: Slider, scenario: Scenario) -> tuple[float | None, str]:
    """The value a slider starts at (in scenario units) and the preset's text for the key, with its unit.

    Examples
    --------
    >>> from frontiersim.scenario.loader import bundled
    >>> _current_value(slider("compute.cost_usd_per_gw_year"), bundled("default"))[1]
    'lognormal, 5-95% $10B to $15B/GW/year, median $12.2B/GW/year'
    >>> _current_value(slider("finance.starting_cash_usd"), bundled("default"))[1]
    '$30B'
    """
    value = preset_value(slider.path, scenario)
    if value is None:
        return None, ""
    unit = field_spec(slider.path).unit
    if isinstance(value, Distribution):
        median = float(value.ppf(0.5))
        text = describe_distribution(value, unit)
        if text == quantity(median, unit):  # a fixed number
            return median, text
        spread = movable_interval(value)
        if spread is not None and not text.startswith("lognormal"):
            text += f", 5-95% {quantity_range(*spread, unit)}"
        return median, f"{text}, median {quantity(median, unit)}"
    return float(value), quantity(float(value), unit)


#: A key's line in a TOML file: ``key = value  # comment``.
_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=\s*(.*?)\s*$")

#: A table header: ``[section]`` (an array of tables, ``[[...]]``, is not one).
_TABLE_LINE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?$")


def _split_comment(rest: str) -> str:
    """The comment after a one-line TOML value (``""`` without one): the first ``#`` after which the value parses."""
    for index, char in enumerate(rest):
        if char != "#":
            continue
        try:
            tomllib.loads(f"x = {rest[:index]}")
        except tomllib.TOMLDecodeError:
            continue  # a '#' inside a string
        return rest[index + 1 :].strip()
    return ""


def preset_comments(text: str) -> dict[str, str]:
    r"""The comment beside each ``section.key`` in a scenario file's text: where the preset says its figure is from.

    Only one-line values are read; a key without a comment on its line is left out.

    Examples
    --------
    >>> preset_comments('[demand]\ngrowth_per_year = "3 to 20"  # an interview, 10x a year\ndelay_months = 0')
    {'demand.growth_per_year': 'an interview, 10x a year'}
    """
    comments: dict[str, str] = {}
    section = ""
    for line in text.splitlines():
        if line.lstrip().startswith("[["):
            section = ""
            continue
        header = _TABLE_LINE.match(line)
        if header:
            section = header.group(1)
            continue
        match = _KEY_LINE.match(line)
        if section and match and "#" in match.group(2):
            comment = _split_comment(match.group(2))
            if comment:
                comments[f"{section}.{match.group(1)}"] = comment
    return comments


def _unusable_reason(slider: Slider, mapping: Mapping[str, Any], value: float) -> str:
    """Why setting the slider's key would make the scenario invalid (empty if it would not)."""
    trial = copy.deepcopy(dict(mapping))
    table = trial.get(slider.section)
    if table is None:
        table = trial[slider.section] = {}
    if not isinstance(table, dict):
        return f"[{slider.section}] is not a table"
    table[slider.key] = round(value) if slider.integer else value
    try:
        parse_scenario(trial, extra_sections=extension_sections())
    except ScenarioError as error:
        mine = [p.message for p in error.problems if p.path == slider.path]
        return mine[0].split("; expected ", 1)[-1] if mine else ""
    return ""


def _reads(keys: tuple[str, ...], path: str) -> bool:
    """Whether the components read the key at ``path`` (the ``policy`` entry stands for every policy key)."""
    section = path.split(".", 1)[0]
    return path in keys or (section == "policy" and "policy" in keys)


def _reads_section(keys: tuple[str, ...], section: str) -> bool:
    """Whether the components read any key of ``section``."""
    return any(key == section or key.startswith(section + ".") for key in keys)


def _overridden_by(slider: Slider, scenario: Scenario) -> list[str]:
    """The labs that set the slider's key themselves (a lab's own ``[policy]`` kind replaces every policy key)."""
    own_policy = {overrides.name for overrides in scenario.lab_overrides if overrides.policy is not None}
    return [
        lab.name
        for lab in scenario.labs
        if slider.path in lab.overridden_paths or (slider.section == "policy" and lab.name in own_policy)
    ]


def slider_states(mapping: Mapping[str, Any], scenario: Scenario) -> list[dict[str, Any]]:
    """Every slider's definition, starting value and whether it applies to this scenario.

    Parameters
    ----------
    mapping : Mapping
        The scenario as nested mappings (as read from TOML).
    scenario : Scenario
        The same scenario, validated.

    Returns
    -------
    list of dict
        JSON-ready: ``path``, ``label``, ``low``, ``high``, ``step``,
        ``scale``, ``unit``, ``integer``, ``value`` (display units; the
        median of a distribution), ``uncertain`` (True when the preset gives
        the key a distribution whose 5-95% interval the slider moves, with
        two handles), ``p5`` and ``p95`` (that interval, display units; the
        value twice for a fixed key), ``preset`` (the preset's value or
        distribution, as text with units), ``preset_source`` (the comment
        beside the key in the preset's file, where the preset says its
        figure comes from, or ""), ``source`` (where the key's default comes
        from), ``doc``, ``disabled`` (a reason,
        such as a key the model does not read or that every lab sets
        itself, or an empty string when the slider applies), ``hidden`` (True when
        the scenario's model reads nothing of the slider's section, such as
        the ``[capability]`` sliders of a growth-driven scenario) and
        ``overridden_by`` (the labs that set the key themselves, whom the
        slider does not move). A two-handle slider also has
        ``interval_bounds`` (the key's bounds, as text with units, within
        which the server keeps the stretched distribution, moving an interval
        whose stretch would leave them to the nearest that does not) and
        ``widest`` (the widest 5-95% interval those bounds allow, display
        units, or None when the interval may widen without end); a
        one-handle slider has ``interval_bounds`` ``""`` and ``widest`` None.
    """
    keys = used_keys(scenario)
    comments = preset_comments(scenario.source_text)
    states = []
    for item in SLIDERS:
        declared = key_spec(item.path, scenario)
        described = declared or field_spec(item.path)
        value, preset = _current_value(item, scenario)
        start = value if value is not None else (item.low + item.high) / 2 * item.scale
        disabled = _unusable_reason(item, mapping, start)
        if declared is None and not disabled:
            disabled = f"not a key of this scenario's [{item.section}]"
        if not disabled and not _reads(keys, item.path):
            disabled = "this scenario's model does not read it"
        overridden = _overridden_by(item, scenario)
        if not disabled and len(overridden) == len(scenario.labs) and scenario.lab_overrides:
            disabled = "every lab sets its own value under [labs.NAME]"
        shown = start / item.scale
        held = preset_value(item.path, scenario)
        spread = movable_interval(held) if isinstance(held, Distribution) else None
        p5, p95 = (spread[0] / item.scale, spread[1] / item.scale) if spread is not None else (shown, shown)
        widest = (
            widest_allowed_interval(held, described) if spread is not None and isinstance(held, Distribution) else None
        )
        states.append(
            {
                "path": item.path,
                "label": item.label,
                "low": min(item.low, shown, p5),
                "high": max(item.high, shown, p95),
                "step": item.step,
                "scale": item.scale,
                "unit": item.unit,
                "integer": item.integer,
                "value": shown,
                "uncertain": spread is not None,
                "p5": p5,
                "p95": p95,
                "preset": preset,
                "preset_source": comments.get(item.path, ""),
                "source": described.source,
                "doc": described.doc,
                "disabled": disabled,
                "hidden": not _reads_section(keys, item.section),
                "overridden_by": overridden,
                "interval_bounds": bounds_with_units(described) if spread is not None else "",
                "widest": [widest[0] / item.scale, widest[1] / item.scale] if widest is not None else None,
            }
        )
    return states


__all__ = ["SLIDERS", "SLIDER_KEYS", "Slider", "preset_comments", "slider", "slider_states"]
