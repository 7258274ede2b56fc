"""Setting scenario keys by dotted path (frontiersim.scenario.overrides)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontiersim.scenario.distributions import Lognormal, Uniform
from frontiersim.scenario.errors import ScenarioError
from frontiersim.scenario.loader import bundled, parse_scenario_text
from frontiersim.scenario.overrides import (
    known_paths,
    parse_assignment,
    parse_value,
    settable_number,
    split_values,
    with_overrides,
)
from frontiersim.simulate import simulate


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=6))
def test_split_then_parse_gives_back_a_list_of_numbers(numbers: list[float]) -> None:
    text = ",".join(repr(x) for x in numbers)
    assert [parse_value(part) for part in split_values(text)] == numbers


def test_values_are_read_as_in_a_scenario_file() -> None:
    assert parse_value("18") == 18
    assert isinstance(parse_value("18"), int)
    assert parse_value("1.5e10") == 1.5e10
    assert parse_value("false") is False
    assert parse_value("[0, 12]") == [0, 12]
    assert parse_value("3 to 20") == "3 to 20"  # not TOML: a bare string
    assert parse_value("'single'") == "single"
    assert parse_value('{ dist = "lognormal", p5 = 3, p95 = 20 }') == {"dist": "lognormal", "p5": 3, "p95": 20}


def test_commas_inside_arrays_tables_and_strings_do_not_split() -> None:
    key, values = parse_assignment('demand.delay_months=[0, 12],{ dist = "choice", values = [0, 6] },"a,b",7')
    assert key == "demand.delay_months"
    assert values == [[0, 12], {"dist": "choice", "values": [0, 6]}, "a,b", 7]


@pytest.mark.parametrize("text", ["policy.hedge_factor", "=1,2", "policy.hedge_factor=1,,2", "policy.hedge_factor="])
def test_malformed_assignments_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="expected"):
        parse_assignment(text)


def test_a_set_key_changes_only_that_key() -> None:
    base = bundled("default")
    changed = with_overrides(base, {"policy.hedge_factor": 0.4, "compute.lead_time_months": 12})
    assert changed.policy.hedge_factor == 0.4
    assert changed.compute.lead_time_months == 12
    assert dataclasses.replace(changed.policy, hedge_factor=base.policy.hedge_factor) == base.policy
    assert changed.demand == base.demand
    assert changed.meta.name == base.meta.name
    # the stored text is the scenario with the keys set: reading it again gives the same scenario
    again = parse_scenario_text(changed.source_text)
    assert dataclasses.replace(again, source_text="") == dataclasses.replace(changed, source_text="")
    assert "policy.hedge_factor = 0.4" in changed.source_text


def test_distributions_are_set_by_shorthand_or_table() -> None:
    base = bundled("default")
    shorthand = with_overrides(base, {"demand.growth_per_year": "2 to 5"})
    assert isinstance(shorthand.demand.growth_per_year, Lognormal)
    np.testing.assert_allclose(shorthand.demand.growth_per_year.ppf(np.array([0.05, 0.95])), [2.0, 5.0])
    table = with_overrides(base, {"demand.growth_per_year": {"dist": "uniform", "low": 2, "high": 4}})
    assert table.demand.growth_per_year == Uniform(2.0, 4.0)


def test_setting_a_key_to_its_own_value_simulates_identically() -> None:
    base = bundled("default")
    same = with_overrides(base, {"policy.hedge_factor": base.policy.hedge_factor})
    a = simulate(base, draws=64, seed=3).dataset
    b = simulate(same, draws=64, seed=3).dataset
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values, err_msg=name)


def test_every_problem_is_reported_once_with_its_path_value_and_expectation() -> None:
    with pytest.raises(ScenarioError) as caught:
        with_overrides(bundled("default"), {"policy.hedge_factor": -1, "operations.allocation_rule": "most_profitable"})
    problems = [str(problem) for problem in caught.value.problems]
    assert len(problems) == 2
    assert problems[0].startswith("operations.allocation_rule: got 'most_profitable' (string); expected")
    assert problems[1].startswith("policy.hedge_factor: got -1 (integer); expected")


def test_unknown_keys_get_the_closest_known_key() -> None:
    with pytest.raises(ScenarioError) as caught:
        with_overrides(bundled("default"), {"demand.growth_per_yer": 5, "policy.hedge": 0.5, "zzz.qqq": 1})
    problems = [str(problem) for problem in caught.value.problems]
    assert "did you mean 'demand.growth_per_year'?" in problems[0]
    assert "did you mean 'policy.hedge_factor'?" in problems[1]
    assert problems[2] == "zzz.qqq: got 1 (integer); expected a scenario key (frontiersim defaults lists them)"


def test_lab_keys_of_a_scenario_with_labs() -> None:
    base = bundled("four_labs")
    first, second = base.lab_names[:2]
    changed = with_overrides(base, {f"labs.{first}.policy.hedge_factor": 0.3})
    assert changed.labs[0].policy.hedge_factor == 0.3
    assert changed.labs[1].policy == base.labs[1].policy
    assert f"labs.{second}.market_share" in known_paths(base)
    with pytest.raises(ScenarioError, match=r"labs\.nobody\.policy\.hedge_factor: got 0\.3 \(float\); expected labs"):
        with_overrides(base, {"labs.nobody.policy.hedge_factor": 0.3})
    with pytest.raises(ScenarioError, match="this one has one lab"):
        with_overrides(bundled("default"), {"labs.a.market_share": 0.5})


def test_a_scenario_built_in_code_has_no_text_to_set_keys_in() -> None:
    built = dataclasses.replace(bundled("default"), source_text="")
    with pytest.raises(ValueError, match="no text"):
        with_overrides(built, {"policy.hedge_factor": 0.4})


def test_which_keys_take_numbers() -> None:
    assert settable_number("demand.growth_per_year") == (True, False)
    assert settable_number("compute.lead_time_months") == (True, True)
    assert settable_number("policy.kind") == (False, False)
    assert settable_number("labs.alpha.market_share") == (True, False)
