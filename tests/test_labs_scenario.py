"""Scenario files with several labs: ``[labs.NAME]`` tables, how they resolve, and every problem reported."""

from __future__ import annotations

from typing import Any

import pytest

import frontiersim as fs
from frontiersim.scenario import Fixed, Lognormal, ScenarioError
from frontiersim.scenario.schema import DEFAULT_LAB_NAME, MAX_LABS, GrowthHedgePolicySpec, QuantilePolicySpec


def parse(**tables: Any) -> fs.Scenario:
    return fs.parse_scenario({"scenario": {"name": "labs"}, **tables})


def problems(**tables: Any) -> dict[str, str]:
    with pytest.raises(ScenarioError) as error:
        parse(**tables)
    return {problem.path: problem.message for problem in error.value.problems}


def test_a_scenario_without_labs_is_one_implicit_lab_with_the_shared_sections() -> None:
    scenario = fs.bundled("default")
    (lab,) = scenario.labs
    assert (lab.name, lab.index, lab.market_share, lab.declared) == (DEFAULT_LAB_NAME, 0, 1.0, False)
    assert (lab.compute, lab.operations, lab.finance, lab.policy) == (
        scenario.compute,
        scenario.operations,
        scenario.finance,
        scenario.policy,
    )
    assert lab.stream("finance.raise_uniforms") == "finance.raise_uniforms"  # streams keep their shared names


def test_labs_override_the_shared_sections_key_by_key() -> None:
    scenario = parse(
        compute={"initial_capacity_gw": 3.0, "lead_time_months": 12},
        policy={"kind": "growth_hedge", "hedge_factor": 0.5},
        labs={
            "alpha": {"market_share": 0.5, "compute": {"initial_capacity_gw": "1 to 2"}},
            "beta": {"policy": {"hedge_factor": 0.9}},
            "gamma": {"policy": {"kind": "quantile", "quantile": 0.2}},
        },
    )
    alpha, beta, gamma = scenario.labs
    assert scenario.lab_names == ("alpha", "beta", "gamma")
    assert [lab.market_share for lab in scenario.labs] == pytest.approx([0.5, 0.25, 0.25])
    assert alpha.compute.initial_capacity_gw == Lognormal(1.0, 2.0)
    assert alpha.compute.lead_time_months == 12  # the shared key
    assert beta.compute.initial_capacity_gw == Fixed(3.0)
    assert beta.policy == GrowthHedgePolicySpec(hedge_factor=0.9)  # keys on top of the shared policy
    assert gamma.policy == QuantilePolicySpec(quantile=0.2)  # a policy of its own
    assert alpha.overridden_paths == {"compute.initial_capacity_gw"}
    assert alpha.parameter_stream("compute.initial_capacity_gw") == "labs.alpha.compute.initial_capacity_gw"
    assert alpha.parameter_stream("compute.cost_usd_per_gw_year") == "compute.cost_usd_per_gw_year"


def test_shares_given_add_up_to_exactly_one() -> None:
    scenario = parse(labs={"a": {"market_share": 0.5}, "b": {"market_share": 0.5 + 9e-10}})
    assert sum(lab.market_share for lab in scenario.labs) == pytest.approx(1.0, abs=1e-15)


@pytest.mark.parametrize(
    ("tables", "path", "expected"),
    [
        ({"labs": {"Alpha": {}}}, "labs.Alpha", "a lab name"),
        ({"labs": {"a": {"colour": "red"}}}, "labs.a.colour", "a lab key or section"),
        ({"labs": {"a": {"market_share": 1.5}}}, "labs.a.market_share", "a number in (0, 1]"),
        ({"labs": {"a": {"market_share": 0.5}, "b": {"market_share": 0.4}}}, "labs.*.market_share", "add up to 1"),
        ({"labs": {"a": {"market_share": 1.0}, "b": {}}}, "labs.*.market_share", "leaving a part"),
        ({"labs": {"a": {"compute": {"lead_time_months": -1}}}}, "labs.a.compute.lead_time_months", "in [0, 600]"),
        ({"labs": {"a": {"finance": {"starting_cash": 1}}}}, "labs.a.finance.starting_cash", "no such key"),
        ({"labs": {"a": {"policy": {"quantile": 0.2}}}}, "labs.a.policy.quantile", "no such key"),
        ({"labs": {"a": {"policy": {"kind": "magic"}}}}, "labs.a.policy.kind", "one of"),
        (
            {"labs": {"a": {"policy": {"kind": "quantile", "belief_growth_p5": 3.0}}}},
            "labs.a.policy.belief_growth_p95",
            "give both or neither",
        ),
        (
            {"scenario": {"name": "x", "horizon_years": 1}, "labs": {"a": {"compute": {"decision_months": [100]}}}},
            "labs.a.compute.decision_months",
            "months below 12",
        ),
        ({"market": {"share_rule": "capability"}, "labs": {"a": {}, "b": {}}}, "market.share_rule", "'fixed' unless"),
        ({"labs": {}}, "labs", "at least one"),
        ({"labs": {f"l{k}": {} for k in range(MAX_LABS + 1)}}, "labs", f"at most {MAX_LABS} labs"),
    ],
)
def test_each_problem_names_its_key(tables: dict[str, Any], path: str, expected: str) -> None:
    found = problems(**tables)
    assert path in found, found
    assert expected in found[path]


def test_capability_mode_rules_apply_to_each_lab() -> None:
    base = fs.scenario.bundled_text("capability_driven")
    with pytest.raises(ScenarioError) as error:
        fs.parse_scenario_text(
            base + "\n[labs.a.operations]\ngross_margin = 0.5\n[labs.b.policy]\nkind = 'quantile'\nquantile = 0.4\n"
        )
    paths = {problem.path for problem in error.value.problems}
    assert paths == {"labs.a.operations.gross_margin", "labs.b.policy.belief_growth_p5"}


def test_every_problem_is_reported_in_one_pass() -> None:
    found = problems(labs={"a": {"market_share": 2, "compute": {"initial_capacity_gw": -1}}, "B": {}})
    assert set(found) >= {"labs.a.market_share", "labs.a.compute.initial_capacity_gw", "labs.B"}


@pytest.mark.parametrize(
    ("tables", "path", "expected"),
    [
        (  # the lab's keys on top of a shared quantile policy make an inverted belief
            {
                "policy": {"kind": "quantile", "belief_growth_p5": 2.0, "belief_growth_p95": 10.0},
                "labs": {"a": {"policy": {"belief_growth_p5": 20.0}}, "b": {}},
            },
            "labs.a.policy.belief_growth_p5",
            "below belief_growth_p95",
        ),
        (  # one percentile only
            {"policy": {"kind": "quantile"}, "labs": {"a": {"policy": {"belief_growth_p5": 2.0}}, "b": {}}},
            "labs.a.policy.belief_growth_p95",
            "give both or neither",
        ),
        ({"labs": {"a": {"compute": 5}}}, "labs.a.compute", "a table"),
        (  # an interval the shared decision months would override unseen
            {"compute": {"decision_months": [0, 12]}, "labs": {"a": {"compute": {"decision_interval_months": 3}}}},
            "labs.a.compute.decision_interval_months",
            "decision_months = []",
        ),
    ],
)
def test_a_labs_resolved_tables_are_checked(tables: dict[str, Any], path: str, expected: str) -> None:
    found = problems(**tables)
    assert path in found, found
    assert expected in found[path]


def test_a_lab_may_decide_by_its_own_interval_when_it_clears_the_shared_months() -> None:
    scenario = parse(
        compute={"decision_months": [0, 12]},
        labs={"a": {"compute": {"decision_months": [], "decision_interval_months": 3}}, "b": {}},
    )
    a, b = scenario.labs
    assert a.decision_months(scenario.horizon_months)[:3] == (0, 3, 6)
    assert b.decision_months(scenario.horizon_months) == (0, 12)


def test_capability_demand_needs_a_belief_above_zero() -> None:
    base = fs.scenario.bundled_text("capability_driven")
    text = base + "\n[labs.a.policy]\nkind = 'quantile'\nbelief_growth_p5 = 0\nbelief_growth_p95 = 0\n[labs.b]\n"
    with pytest.raises(ScenarioError) as error:
        fs.parse_scenario_text(text)
    assert [problem.path for problem in error.value.problems] == ["labs.a.policy.belief_growth_p5"]
