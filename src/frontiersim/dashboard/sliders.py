"""The dashboard's sliders: the key assumptions, each tied to one scenario key.

Moving a slider sets its key to a fixed number in the scenario the page
holds. When the preset gives that key a distribution (``"3 to 20"``), the
slider replaces the distribution by the one value, so every draw uses it;
the page shows the preset's distribution beside the slider so that this is
visible. A slider starts at the preset's value, or at the median of the
preset's distribution.

Each slider's label, unit, range and documentation come from its key's
declaration (:func:`frontiersim.scenario.fields.field_spec`): the range is
the key's typical range. Whether a slider applies to a scenario comes from
the model: a slider whose section the scenario's components do not read at
all is hidden (the ``[capability]`` sliders of a growth-driven scenario), and
one whose key they do not read, or that the scenario refuses, is disabled
with the reason.

The sliders set the shared sections. In a scenario with ``[labs.*]`` tables
a lab that sets a key itself keeps its own value; each slider names those
labs (``overridden_by``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from frontiersim.models.registry import extension_sections, used_keys
from frontiersim.optimize.families import typical_range
from frontiersim.scenario.distributions import Distribution
from frontiersim.scenario.errors import ScenarioError
from frontiersim.scenario.fields import FieldSpec, field_spec, field_specs
from frontiersim.scenario.loader import parse_scenario
from frontiersim.scenario.schema import SECTIONS, Scenario

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


def _key_spec(slider: Slider, scenario: Scenario) -> FieldSpec | None:
    """The declaration of the slider's key in this scenario (None when its ``[policy]`` kind has no such key)."""
    if slider.section == "policy":
        return field_specs(type(scenario.policy)).get(slider.key)
    return field_spec(slider.path)


def _current_value(slider: Slider, scenario: Scenario) -> tuple[float | None, str]:
    """The value a slider starts at (in scenario units) and the preset's text for the key."""
    if _key_spec(slider, scenario) is None:
        return None, ""
    holder = scenario.policy if slider.section == "policy" else getattr(scenario, SECTIONS[slider.section][0])
    value = getattr(holder, slider.key)
    if isinstance(value, Distribution):
        median = float(value.ppf(0.5))
        text = value.describe()
        return median, text if text == f"{median:.6g}" else f"{text}, median {median:.4g}"
    return float(value), f"{float(value):g}"


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
        ``scale``, ``unit``, ``integer``, ``value`` (display units),
        ``preset`` (the preset's value or distribution, as text), ``source``
        (where the default comes from), ``doc``, ``disabled`` (a reason,
        such as a key the model does not read or that every lab sets
        itself, or an empty string when the slider applies), ``hidden`` (True when
        the scenario's model reads nothing of the slider's section, such as
        the ``[capability]`` sliders of a growth-driven scenario) and
        ``overridden_by`` (the labs that set the key themselves, whom the
        slider does not move).
    """
    keys = used_keys(scenario)
    states = []
    for item in SLIDERS:
        key_spec = _key_spec(item, scenario)
        described = key_spec or field_spec(item.path)
        value, preset = _current_value(item, scenario)
        start = value if value is not None else (item.low + item.high) / 2 * item.scale
        disabled = _unusable_reason(item, mapping, start)
        if key_spec is None and not disabled:
            disabled = f"not a key of this scenario's [{item.section}]"
        if not disabled and not _reads(keys, item.path):
            disabled = "this scenario's model does not read it"
        overridden = _overridden_by(item, scenario)
        if not disabled and len(overridden) == len(scenario.labs) and scenario.lab_overrides:
            disabled = "every lab sets its own value under [labs.NAME]"
        shown = start / item.scale
        states.append(
            {
                "path": item.path,
                "label": item.label,
                "low": min(item.low, shown),
                "high": max(item.high, shown),
                "step": item.step,
                "scale": item.scale,
                "unit": item.unit,
                "integer": item.integer,
                "value": shown,
                "preset": preset,
                "source": described.source,
                "doc": described.doc,
                "disabled": disabled,
                "hidden": not _reads_section(keys, item.section),
                "overridden_by": overridden,
            }
        )
    return states


__all__ = ["SLIDERS", "SLIDER_KEYS", "Slider", "slider", "slider_states"]
