"""scenario_to_toml: mappings back to TOML text, read back unchanged and validated alike."""

from __future__ import annotations

import copy
import math
import tomllib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontiersim.scenario.errors import ScenarioError
from frontiersim.scenario.loader import bundled_names, bundled_text, parse_scenario, parse_scenario_text
from frontiersim.scenario.schema import SECTIONS
from frontiersim.scenario.writer import TomlWriteError, scenario_to_toml, toml_string, toml_value


def _outcome(validate: Any, argument: Any) -> Any:
    """The validated scenario, or the problems (path and message) if it is invalid."""
    try:
        return validate(argument)
    except ScenarioError as error:
        return [(p.path, p.message) for p in error.problems]


def assert_round_trip(mapping: dict[str, Any]) -> str:
    text = scenario_to_toml(mapping)
    read_back = tomllib.loads(text)
    assert read_back == mapping
    assert repr(read_back) == repr(mapping)  # the same keys in the same order, the same types
    assert _outcome(parse_scenario_text, text) == _outcome(parse_scenario, mapping)
    return text


@pytest.mark.parametrize("name", bundled_names())
def test_bundled_scenarios_round_trip(name: str) -> None:
    mapping = tomllib.loads(bundled_text(name))
    text = assert_round_trip(mapping)
    assert parse_scenario_text(text) == parse_scenario(mapping)
    assert text.startswith("# frontiersim scenario")


def test_strings_are_escaped() -> None:
    tricky = 'quote " backslash \\ newline \n tab \t cr \r nul \x00 del \x7f bell \x07 é 雪 🚀 """ \'\'\''
    mapping = {"scenario": {"name": tricky, "description": "C:\\temp\\new"}}
    text = assert_round_trip(mapping)
    assert tomllib.loads(text)["scenario"]["name"] == tricky
    assert "\x00" not in text  # control characters are escaped, never raw
    assert "\x7f" not in text


def test_keys_that_need_quotes() -> None:
    mapping = {"scenario": {"name": "x"}, "demand": {"a.b": 1, "": 2, "sp ace": 3, 'q"uote': 4, "ключ": 5, "0\n": 6}}
    text = assert_round_trip(mapping)
    assert '"a.b" = 1' in text


def test_nested_tables_inline_distributions_and_top_level_values() -> None:
    mapping = {
        "top": [1, 2.5, "three", True],
        "scenario": {"name": "n", "extra": {"deeper": {"x": 1}, "empty": {}}},
        "demand": {
            "growth_per_year": {"dist": "lognormal", "p5": 3, "p95": 20},
            "delay_months": {"dist": "choice", "values": [0, 12], "weights": [0.8, 0.2]},
            "nested_arrays": [[1, 2], [], [{"a": 1}]],
            "empty_table_inline": {"dist": "x"},
        },
    }
    text = assert_round_trip(mapping)
    assert "[scenario.extra.deeper]" in text
    assert 'growth_per_year = { dist = "lognormal", p5 = 3, p95 = 20 }' in text
    assert text.index("top = ") < text.index("[scenario]")


def test_capability_scenario_with_nested_tables() -> None:
    mapping = {
        "scenario": {"name": "nested"},
        "demand": {"kind": "capability"},
        "capability": {
            "rival_labs": 3,
            "milestones": {"code_90pct": 0.5, "agi": 3.0},
            "segments": {
                "enterprise": {"value_share": 0.6, "gross_margin": {"dist": "uniform", "low": 0.6, "high": 0.8}},
                "consumer": {"value_share": 0.4},
            },
        },
    }
    text = assert_round_trip(mapping)
    assert parse_scenario_text(text) == parse_scenario(mapping)
    assert "[capability.milestones]" in text
    assert "[capability.segments.enterprise]" in text
    assert "[capability.segments]" not in text  # implied by its sub-tables


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0e10, "1e+10"),
        (0.1, "0.1"),
        (-0.0, "-0.0"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (2**63 - 1, str(2**63 - 1)),
        (False, "false"),
    ],
)
def test_scalars(value: Any, expected: str) -> None:
    assert toml_value(value) == expected
    assert tomllib.loads(f"v = {expected}")["v"] == value


def test_nan_is_written_and_rejected_on_validation() -> None:
    mapping = {"scenario": {"name": "x"}, "demand": {"volatility_per_sqrt_year": math.nan}}
    text = scenario_to_toml(mapping)
    assert math.isnan(tomllib.loads(text)["demand"]["volatility_per_sqrt_year"])
    with pytest.raises(ScenarioError, match="volatility_per_sqrt_year"):
        parse_scenario_text(text)


@pytest.mark.parametrize(
    ("mapping", "path"),
    [
        ({"scenario": {"name": None}}, "scenario.name"),
        (
            {"demand": {"delay_months": {"dist": "choice", "values": [0], "weights": None}}},
            "demand.delay_months.weights",
        ),
        ({"scenario": {"name": "bad \ud800 surrogate"}}, "scenario.name"),
        ({"scenario": {"name": object()}}, "scenario.name"),
        ({"demand": {"path_usd_per_year": [1.0, None]}}, "demand.path_usd_per_year[1]"),
    ],
)
def test_values_without_a_toml_form_are_refused(mapping: dict[str, Any], path: str) -> None:
    with pytest.raises(TomlWriteError) as caught:
        scenario_to_toml(mapping)
    assert caught.value.path == path


def test_header_comment_lines() -> None:
    text = scenario_to_toml({"scenario": {"name": "x"}}, comment="first\nsecond\x1b[31m")
    assert "# first\n# second[31m\n" in text
    assert tomllib.loads(text) == {"scenario": {"name": "x"}}


def test_toml_string_rejects_lone_surrogates() -> None:
    with pytest.raises(TomlWriteError, match="surrogate"):
        toml_string("\udfff")


# -- hypothesis: random edits of the bundled scenarios ----------------------------------------------

_numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
)
_scalars = st.one_of(_numbers, st.booleans(), st.text(max_size=20))
_distributions = st.one_of(
    st.builds(lambda lo, hi: f"{lo} to {hi}", _numbers, _numbers),
    st.fixed_dictionaries(
        {"dist": st.sampled_from(["lognormal", "normal", "uniform", "triangular", "beta", "choice", "nope"])},
        optional={
            "p5": _numbers,
            "p95": _numbers,
            "mean": _numbers,
            "sd": _numbers,
            "low": _numbers,
            "mode": _numbers,
            "high": _numbers,
            "alpha": _numbers,
            "beta": _numbers,
            "values": st.lists(_numbers, max_size=4),
            "weights": st.lists(_numbers, max_size=4),
        },
    ),
)
_values = st.recursive(
    st.one_of(_scalars, _distributions),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
_known_keys = sorted(
    {
        (section, key)
        for section, (_, section_type) in SECTIONS.items()
        for key in section_type.__dataclass_fields__
        if key != "source_text"
    }
    | {("policy", key) for key in ("kind", "assumed_growth_per_year", "hedge_factor", "quantile", "commitments_gw")}
)
_edits = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(_known_keys), st.tuples(st.sampled_from([*SECTIONS, "policy"]), st.text(max_size=10))
        ),
        st.one_of(_values, st.none()),
    ),
    min_size=1,
    max_size=4,
)


def _apply(mapping: dict[str, Any], edits: list[tuple[tuple[str, str], Any]]) -> dict[str, Any]:
    """Set (or, for None, remove) each edited key."""
    edited = copy.deepcopy(mapping)
    for (section, key), value in edits:
        table = edited.setdefault(section, {})
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    return edited


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(bundled_names()), edits=_edits)
def test_edited_scenarios_round_trip_and_validate_alike(name: str, edits: list[tuple[tuple[str, str], Any]]) -> None:
    assert_round_trip(_apply(tomllib.loads(bundled_text(name)), edits))


@settings(max_examples=100, deadline=None)
@given(text=st.text())
def test_any_text_round_trips(text: str) -> None:
    assert tomllib.loads(scenario_to_toml({"scenario": {"name": text, text: text}}))["scenario"] == {
        "name": text,
        text: text,
    }
