"""The dashboard's sliders: the key assumptions, each tied to one scenario key.

Moving a slider sets its key to a fixed number in the scenario the page
holds. When the preset gives that key a distribution (``"3 to 20"``), the
slider replaces the distribution by the one value, so every draw uses it;
the page shows the preset's distribution beside the slider so that this is
visible. A slider starts at the preset's value, or at the median of the
preset's distribution.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from frontiersim.scenario.distributions import Distribution
from frontiersim.scenario.errors import ScenarioError
from frontiersim.scenario.fields import field_specs
from frontiersim.scenario.loader import parse_scenario
from frontiersim.scenario.schema import POLICY_KINDS, SECTIONS, Scenario


@dataclass(frozen=True)
class Slider:
    """One slider of the dashboard.

    Attributes
    ----------
    section, key : str
        The scenario key the slider sets (``[section] key``).
    label : str
        What the slider means, in words.
    low, high, step : float
        Range and step of the slider, in display units.
    scale : float
        Scenario units per display unit (``1e9`` shows USD as $B).
    unit : str
        Display unit.
    integer : bool
        Whether the key takes an integer (the value is rounded).
    demand_kinds : tuple of str or None
        The ``[demand] kind`` values the slider is shown for (None: every kind).
        The ``[capability]`` sliders are shown only when capability drives demand.
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
    demand_kinds: tuple[str, ...] | None = None

    @property
    def path(self) -> str:
        """Dotted key path, e.g. ``"demand.growth_per_year"``."""
        return f"{self.section}.{self.key}"


#: The key assumptions, in the order the page shows them.
SLIDERS: tuple[Slider, ...] = (
    Slider("demand", "growth_per_year", "Demand growth in the first year", 1.0, 30.0, 0.5, unit="x/year"),
    Slider("demand", "growth_persistence_per_year", "Growth persistence (share of log growth kept)", 0.05, 1.5, 0.05),
    Slider("demand", "volatility_per_sqrt_year", "Demand volatility", 0.0, 1.5, 0.05, unit="/√year"),
    Slider("demand", "initial_usd_per_year", "Starting annualised revenue demand", 1.0, 50.0, 0.5, 1e9, "$B/year"),
    Slider("operations", "gross_margin", "Inference gross margin", 0.0, 0.95, 0.01),
    Slider("compute", "cost_usd_per_gw_year", "Compute cost", 2.0, 40.0, 0.5, 1e9, "$B per GW-year"),
    Slider(
        "compute", "lead_time_months", "Lead time from commitment to capacity", 0, 48, 1, unit="months", integer=True
    ),
    Slider("policy", "assumed_growth_per_year", "Policy: growth the buyer assumes", 1.0, 20.0, 0.25, unit="x/year"),
    Slider("policy", "hedge_factor", "Policy: hedge factor on the forecast", 0.0, 2.0, 0.05, unit="x"),
    Slider("finance", "starting_cash_usd", "Starting cash", 0.0, 200.0, 1.0, 1e9, "$B"),
    Slider(
        "capability",
        "efficiency_doubling_months",
        "Capability: months for algorithms to halve the compute needed",
        2.0,
        36.0,
        0.5,
        unit="months",
        demand_kinds=("capability",),
    ),
    Slider(
        "capability",
        "value_multiple_per_tier",
        "Capability: value multiple per capability tier",
        1.5,
        40.0,
        0.5,
        unit="x",
        demand_kinds=("capability",),
    ),
    Slider(
        "capability",
        "frontier_compute_growth_per_year",
        "Capability: rivals' frontier compute growth",
        1.0,
        10.0,
        0.1,
        unit="x/year",
        demand_kinds=("capability",),
    ),
    Slider(
        "capability",
        "rival_labs",
        "Capability: rival labs at the frontier",
        0,
        6,
        1,
        integer=True,
        demand_kinds=("capability",),
    ),
)


def _section_type(section: str, scenario: Scenario) -> type | None:
    if section == "policy":
        return type(scenario.policy)
    entry = SECTIONS.get(section)
    return entry[1] if entry else None


def _current_value(slider: Slider, scenario: Scenario) -> tuple[float | None, str]:
    """The value a slider starts at (in scenario units) and the preset's text for the key."""
    section_type = _section_type(slider.section, scenario)
    if section_type is None or slider.key not in field_specs(section_type):
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
        parse_scenario(trial)
    except ScenarioError as error:
        mine = [p.message for p in error.problems if p.path == slider.path]
        return mine[0].split("; expected ", 1)[-1] if mine else ""
    return ""


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
        or an empty string when the slider applies) and ``hidden`` (True
        when the slider belongs to another demand mode, such as the
        ``[capability]`` sliders of a growth-driven scenario).
    """
    states = []
    demand_kind = scenario.demand.kind
    for slider in SLIDERS:
        section_type = _section_type(slider.section, scenario)
        specs = field_specs(section_type) if section_type is not None else {}
        field_spec = specs.get(slider.key) or field_specs(POLICY_KINDS["growth_hedge"]).get(slider.key)
        value, preset = _current_value(slider, scenario)
        start = value if value is not None else (slider.low + slider.high) / 2 * slider.scale
        disabled = _unusable_reason(slider, mapping, start)
        if value is None and not disabled:
            disabled = f"not a key of this scenario's [{slider.section}]"
        shown = start / slider.scale
        states.append(
            {
                "path": slider.path,
                "label": slider.label,
                "low": min(slider.low, shown),
                "high": max(slider.high, shown),
                "step": slider.step,
                "scale": slider.scale,
                "unit": slider.unit,
                "integer": slider.integer,
                "value": shown,
                "preset": preset,
                "source": field_spec.source if field_spec else "",
                "doc": field_spec.doc if field_spec else "",
                "disabled": disabled,
                "hidden": slider.demand_kinds is not None and demand_kind not in slider.demand_kinds,
            }
        )
    return states
