"""Field specifications: every scenario key has a unit, a label and (when numeric) a typical range in its bounds."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import math
from typing import Any

import pytest

import frontiersim.scenario.schema as schema_module
from frontiersim.scenario import (
    POLICY_KINDS,
    SECTIONS,
    FieldSpec,
    Scenario,
    field_spec,
    field_specs,
    key_specs,
    section_types,
)
from frontiersim.scenario.fields import spec as declare
from frontiersim.scenario.fields import walk_keys
from frontiersim.scenario.schema import LAB_SECTIONS, MILESTONE_LABELS, MILESTONE_LADDER

#: Every unit in use. A new unit is fine when the quantity needs it: add it here, spelt as these are.
KNOWN_UNITS = {
    "",
    "1",
    "x",
    "x/year",
    "1/year",
    "1/sqrt(year)",
    "USD",
    "USD/year",
    "USD/GW/year",
    "GW",
    "FLOP",
    "FLOP/(GW month)",
    "months",
    "years",
    "tiers",
    "tiers/decade",
    "labs",
    "draws",
}

#: Numeric keys with no range worth exploring: Monte Carlo settings and explicit month lists (horizon-dependent).
NO_TYPICAL_RANGE = {"simulation.draws", "simulation.seed", "compute.decision_months"}


def _section_path(name: str, section_type: type) -> str:
    """The dotted prefix of a :func:`section_types` entry (the policy kinds all live under ``policy``)."""
    return "policy" if section_type in POLICY_KINDS.values() else name


def _declared() -> list[tuple[str, str, str, FieldSpec]]:
    """(section name, dotted path, key, spec) of every key of every :func:`section_types` entry."""
    return [
        (name, f"{_section_path(name, section_type)}.{key}", key, spec)
        for name, section_type in section_types().items()
        for key, spec in field_specs(section_type).items()
    ]


DECLARED = _declared()
IDS = [f"{name}:{key}" for name, _, key, _ in DECLARED]


def test_every_section_is_covered() -> None:
    names = set(section_types())
    assert set(SECTIONS) <= names
    assert {"capability.segments.enterprise", "capability.segments.consumer", "capability.milestones"} <= names
    assert sum(name.startswith("policy") for name in names) == len(POLICY_KINDS)
    assert len(DECLARED) > 60


@pytest.mark.parametrize(("name", "path", "key", "spec"), DECLARED, ids=IDS)
def test_every_key_has_a_unit_and_a_label(name: str, path: str, key: str, spec: FieldSpec) -> None:
    assert spec.label, f"{path} has no label"
    assert spec.label.strip() == spec.label
    assert len(spec.label) <= 40, f"{path}: label {spec.label!r} is not short"
    assert "\n" not in spec.label
    if spec.kind not in ("str", "bool"):
        assert spec.unit, f"{path} is numeric and has no unit (use '1' for a share, ratio or probability)"
    assert spec.unit in KNOWN_UNITS, f"{path}: unit {spec.unit!r} is not one of the known units"


@pytest.mark.parametrize(("name", "path", "key", "spec"), DECLARED, ids=IDS)
def test_typical_ranges_lie_within_bounds(name: str, path: str, key: str, spec: FieldSpec) -> None:
    if spec.kind in ("str", "bool"):
        assert spec.typical is None
        return
    if path in NO_TYPICAL_RANGE:
        assert spec.typical is None
        return
    assert spec.typical is not None, f"{path} is numeric and has no typical range"
    lo, hi = spec.typical
    assert math.isfinite(lo)
    assert math.isfinite(hi)
    assert lo < hi
    assert spec._within(lo, hi)
    # The ends are values a scenario file may give the key.
    for end in (lo, hi):
        value: Any = int(end) if spec.kind in ("int", "ints") else float(end)
        if spec.kind in ("floats", "ints", "dists"):
            value = [value]
        parsed, problems = spec.parse(value, path)
        assert not problems, problems
        assert parsed is not None


def test_labels_are_unique() -> None:
    labels = [spec.label for spec in key_specs().values()]
    duplicates = {label for label in labels if labels.count(label) > 1}
    assert not duplicates


def test_a_key_shared_by_two_policy_kinds_is_declared_alike() -> None:
    hedge = field_spec("policy.target_training_share", policy_kind="growth_hedge")
    quantile = field_spec("policy.target_training_share", policy_kind="quantile")
    assert (hedge.unit, hedge.label, hedge.typical) == (quantile.unit, quantile.label, quantile.typical)
    assert (hedge.low, hedge.high, hedge.low_open, hedge.high_open) == (
        quantile.low,
        quantile.high,
        quantile.low_open,
        quantile.high_open,
    )


def test_milestone_labels_name_every_rung() -> None:
    assert list(MILESTONE_LABELS) == list(MILESTONE_LADDER)


def _spec_calls() -> list[ast.Call]:
    """Every ``spec(...)`` call in schema.py."""
    return [
        node
        for node in ast.walk(ast.parse(inspect.getsource(schema_module)))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "spec"
    ]


def _spec_calls_without(keyword: str) -> list[str]:
    """``spec(...)`` calls in schema.py that do not pass ``keyword``, as ``line: source``."""
    source = inspect.getsource(schema_module)
    return [
        f"{call.lineno}: {ast.get_source_segment(source, call)}"
        for call in _spec_calls()
        if keyword not in {k.arg for k in call.keywords}
    ]


@pytest.mark.parametrize("keyword", ["unit", "label"])
def test_every_declaration_states_its_unit_and_label(keyword: str) -> None:
    # Explicit, even when empty: a new key added without unit= or label= fails here.
    assert _spec_calls_without(keyword) == []


def test_the_declarations_checked_are_all_there_are() -> None:
    # One call per key, except the milestone rungs, which share one call in a comprehension.
    assert len(_spec_calls()) == len(DECLARED) - len(MILESTONE_LADDER) + 1


# ---------------------------------------------------------------------------
# key_specs and field_spec
# ---------------------------------------------------------------------------


def test_key_specs_lists_every_declared_path() -> None:
    table = key_specs()
    assert set(table) == {path for _, path, _, _ in DECLARED}
    assert list(table)[:2] == ["scenario.name", "scenario.description"]
    assert table["capability.segments.enterprise.gross_margin"].label == "enterprise gross margin"
    assert table["capability.milestones.country_of_geniuses_in_a_data_center"].unit == "tiers"
    assert table["policy.hedge_factor"].typical == (0.0, 2.0)


def test_key_specs_returns_a_new_dict() -> None:
    table = key_specs()
    table.clear()
    assert key_specs()


def test_key_specs_covers_every_sampled_key() -> None:
    scenario = Scenario()
    for name, (attribute, section_type) in SECTIONS.items():
        for path, spec, _ in walk_keys(section_type, getattr(scenario, attribute), name):
            assert key_specs()[path] is spec


@pytest.mark.parametrize(("name", "path", "key", "spec"), DECLARED, ids=IDS)
def test_field_spec_round_trips_every_path(name: str, path: str, key: str, spec: FieldSpec) -> None:
    if name.startswith("policy"):
        kind = next(kind for kind, cls in POLICY_KINDS.items() if field_specs(cls).get(key) is spec)
        assert field_spec(path, policy_kind=kind) is spec
        assert field_spec(path) == key_specs()[path]
    else:
        assert field_spec(path) is spec
    assert key_specs()[path] is field_spec(path)


def test_policy_keys_resolve_to_the_first_kind_that_declares_them() -> None:
    for path, spec in key_specs().items():
        if path.startswith("policy."):
            key = path.removeprefix("policy.")
            first = next(cls for cls in POLICY_KINDS.values() if key in field_specs(cls))
            assert spec is field_specs(first)[key]
    growth_hedge = field_specs(POLICY_KINDS["growth_hedge"])["target_training_share"]
    quantile = field_specs(POLICY_KINDS["quantile"])["target_training_share"]
    assert field_spec("policy.target_training_share") is growth_hedge
    assert field_spec("policy.target_training_share", policy_kind="quantile") is quantile


@pytest.mark.parametrize("section", LAB_SECTIONS)
def test_lab_paths_resolve_to_the_shared_key(section: str) -> None:
    paths = [path for path in key_specs() if path.startswith(f"{section}.")]
    assert paths
    for path in paths:
        assert field_spec(f"labs.frontier_one.{path}") is field_spec(path)


def test_a_rung_of_a_scenario_ladder_has_the_milestone_spec() -> None:
    spec = field_spec("capability.milestones.rung 1 (2.5 tiers)")
    rung = field_spec("capability.milestones.code_90pct_written_by_models")
    assert spec.label == "rung 1 (2.5 tiers)"
    assert (spec.kind, spec.unit, spec.low, spec.high, spec.typical) == (
        rung.kind,
        rung.unit,
        rung.low,
        rung.high,
        rung.typical,
    )


@pytest.mark.parametrize(
    ("path", "kind", "message"),
    [
        (
            "demand.growth",
            None,
            "no scenario key 'demand.growth'; the keys of [demand] are: kind, initial_usd_per_year, growth_per_year",
        ),
        (
            "capability.segments.enterprise.margin",
            None,
            "the keys of [capability.segments.enterprise] are: value_share,",
        ),
        (
            "capability.segments.retail.gross_margin",
            None,
            "the keys of [capability.segments] are: enterprise, consumer",
        ),
        ("capability.milestones.", None, "the keys of [capability.milestones] are: code_90pct_written_by_models"),
        ("growth_per_year", None, "a key path is 'section.key', such as 'demand.growth_per_year'"),
        ("labs.a.market_share", None, "with a section among: scenario, simulation, demand"),
        ("", None, "no scenario key ''"),
        ("policy.kind", None, "the keys of [policy] are: assumed_growth_per_year, hedge_factor"),
        ("policy.hedge_factor", "quantile", "policy kind 'quantile' has no key 'hedge_factor' (its keys: quantile,"),
        ("policy.hedge_factor", "hedge", "unknown policy kind 'hedge'; the kinds are growth_hedge, fixed_schedule"),
    ],
)
def test_unknown_paths_raise_a_clear_key_error(path: str, kind: str | None, message: str) -> None:
    with pytest.raises(KeyError) as caught:
        field_spec(path, policy_kind=kind)
    assert message in caught.value.args[0]


@dataclasses.dataclass(frozen=True)
class _ComponentSection:
    """A component's own section, as :attr:`Component.section` declares one."""

    widget_share: float = declare(
        1.0, "float", "A component's key.", low=0.0, unit="1", label="widget share", typical=(0.5, 1.0)
    )


def test_component_sections_are_looked_up_when_given() -> None:
    extra = {"widgets": _ComponentSection}
    table = key_specs(extra)
    assert list(table)[-1] == "widgets.widget_share"
    assert list(table)[:-1] == list(key_specs())
    assert field_spec("widgets.widget_share", extra_sections=extra) is table["widgets.widget_share"]
    assert "widgets.widget_share" not in key_specs()
    with pytest.raises(KeyError, match=r"the keys of \[widgets\] are: widget_share"):
        field_spec("widgets.watts", extra_sections=extra)
    with pytest.raises(KeyError, match=r"no scenario key 'widgets\.widget_share'"):
        field_spec("widgets.widget_share")
    with pytest.raises(ValueError, match="clash with built-in sections"):
        key_specs({"finance": _ComponentSection})
    with pytest.raises(ValueError, match="clash with built-in sections"):
        field_spec("labs.x", extra_sections={"labs": _ComponentSection})


# ---------------------------------------------------------------------------
# FieldSpec's own checks
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bounds", "typical", "message"),
    [
        ({"low": 0.0}, (-1.0, 1.0), "not within the key's bounds (>= 0)"),
        ({"low": 0.0, "low_open": True}, (0.0, 1.0), "not within the key's bounds (> 0)"),
        ({"low": 0.0, "high": 1.0, "high_open": True}, (0.0, 1.0), "not within the key's bounds (in [0, 1))"),
        ({"high": 5.0}, (0.0, 6.0), "not within the key's bounds (<= 5)"),
        ({}, (2.0, 1.0), "expected low < high"),
        ({}, (1.0, 1.0), "expected low < high"),
        ({}, (0.0, math.inf), "expected a pair of finite numbers"),
        ({}, (0.0, math.nan), "expected a pair of finite numbers"),
        ({}, (0.0, True), "expected a pair of finite numbers"),
        ({}, (0.0, 1.0, 2.0), "expected a pair of finite numbers"),
    ],
)
def test_a_typical_range_outside_the_bounds_is_a_programming_error(
    bounds: dict[str, Any], typical: Any, message: str
) -> None:
    with pytest.raises(ValueError, match="typical range") as caught:
        FieldSpec("float", "A key.", typical=typical, **bounds)
    assert message in str(caught.value)


@pytest.mark.parametrize("kind", ["str", "bool"])
def test_names_and_flags_have_no_typical_range(kind: Any) -> None:
    with pytest.raises(ValueError, match=f"a {kind} key has no typical range"):
        FieldSpec(kind, "A key.", typical=(0.0, 1.0))


@pytest.mark.parametrize("kind", ["int", "ints"])
def test_integer_keys_have_integer_typical_ranges(kind: Any) -> None:
    with pytest.raises(ValueError, match="expected integers for an integer key"):
        FieldSpec(kind, "A key.", low=0, typical=(0, 2.5))
    assert FieldSpec(kind, "A key.", low=0, typical=(0, 3.0)).typical == (0, 3.0)


def test_a_typical_range_may_reach_closed_bounds() -> None:
    spec = FieldSpec("dist", "A share.", low=0.0, high=1.0, unit="1", label="share", typical=(0.0, 1.0))
    assert spec.typical == (0.0, 1.0)
    assert FieldSpec("float", "Any number.").typical is None


def test_spec_passes_unit_label_and_typical_to_the_field_spec() -> None:
    field = next(f for f in dataclasses.fields(schema_module.ComputeSpec) if f.name == "initial_capacity_gw")
    spec = field.metadata["spec"]
    assert (spec.unit, spec.label, spec.typical) == ("GW", "starting capacity", (0.0, 10.0))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("compute.lead_time_months", "an integer in [0, 600]"),
        ("policy.hedge_factor", "a number in [0, 1000] (the model's range)"),
        ("compute.initial_capacity_gw", "a number or distribution in [0, 10000] (the model's range)"),
        ("policy.commitments_gw", "an array of numbers, each in [0, 10000] (the model's range)"),
    ],
)
def test_messages_do_not_carry_units(path: str, expected: str) -> None:
    # Validation messages are unchanged by units: tests and users match them as they are.
    assert field_spec(path)._expected() == expected
