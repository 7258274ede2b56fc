"""Capability-driven demand runs through the core simulator and the optimizer unchanged."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import frontiersim as fs
from frontiersim.models.capability import DEFAULT_MILESTONES
from frontiersim.optimize import optimize_policy, policy_family
from frontiersim.scenario import Fixed
from frontiersim.testing import assert_accounting_identities


@pytest.fixture(scope="module")
def scenario() -> fs.Scenario:
    return fs.bundled("capability_driven")


def test_the_default_scenario_states_its_mode(scenario: fs.Scenario) -> None:
    assert fs.bundled("default").demand.kind == "growth"
    assert "Demand mode" in fs.scenario.bundled_text("default")
    assert scenario.demand.kind == "capability"
    assert "Demand mode: capability" in fs.scenario.bundled_text("capability_driven")


def test_runs_with_capability_outputs_and_identities(scenario: fs.Scenario) -> None:
    result = fs.simulate(scenario, draws=300, seed=2)
    dataset = result.lab_dataset()
    assert_accounting_identities(result)
    assert list(dataset["milestone"].values) == list(DEFAULT_MILESTONES)
    assert dataset["year_capability_index"].dims == ("draw", "year")
    assert np.isfinite(dataset["year_overhang"]).all()
    # milestones are ordered: a higher rung never arrives before a lower one
    months = dataset["milestone_month"].values
    reached = months >= 0
    for lower, higher in zip(range(months.shape[1] - 1), range(1, months.shape[1]), strict=True):
        both = reached[:, lower] & reached[:, higher]
        assert (months[both, lower] <= months[both, higher]).all()
        assert (reached[:, lower] | ~reached[:, higher]).all()


def test_buying_more_compute_raises_demand(scenario: fs.Scenario) -> None:
    """The loop is closed: more training compute, better models, more demand."""
    # Without noise, with a training floor (else demand squeezes training to
    # nothing: Dwarkesh Podcast, 2026-02-13) and with cash enough that no lab is ruined.
    calm = dataclasses.replace(
        scenario,
        demand=dataclasses.replace(scenario.demand, volatility_per_sqrt_year=Fixed(0.0)),
        operations=dataclasses.replace(scenario.operations, min_training_share=Fixed(0.3)),
        finance=dataclasses.replace(scenario.finance, starting_cash_usd=Fixed(1e15)),
    )
    small = fs.simulate(calm, draws=200, seed=3, policy=fs.FixedSchedulePolicy((0.0,)))
    large = fs.simulate(calm, draws=200, seed=3, policy=fs.FixedSchedulePolicy((0.0, 5.0, 5.0, 5.0)))
    assert (small.lab_dataset()["ruin_month"] < 0).all()
    assert (large.lab_dataset()["ruin_month"] < 0).all()
    demand_small = small.lab_dataset()["demand_usd_per_year"].values
    demand_large = large.lab_dataset()["demand_usd_per_year"].values
    assert (demand_large >= demand_small * (1 - 1e-12)).all()
    below_ceiling = demand_small[:, -1] < calm.demand.ceiling_usd_per_year * (1 - 1e-9)
    assert below_ceiling.mean() > 0.5
    assert (demand_large[below_ceiling, -1] > demand_small[below_ceiling, -1]).all()
    index_small = small.lab_dataset()["year_capability_index"].values[:, -1]
    assert (large.lab_dataset()["year_capability_index"].values[:, -1] > index_small).all()


def test_the_optimizer_runs_unchanged(scenario: fs.Scenario) -> None:
    result = optimize_policy(
        scenario, policy_family(scenario, "hedge", 0.0, 1.0), max_ruin=0.1, draws=400, candidates=5, refine=False
    )
    assert result.chosen.ruin.high <= 0.1 or not result.confirmed


def test_capability_keys_are_rejected_in_other_modes() -> None:
    with pytest.raises(fs.ScenarioError, match=r"\[capability\] table is used only"):
        fs.parse_scenario({"scenario": {"name": "x"}, "capability": {"slope_per_decade": 1.0}})
    with pytest.raises(fs.ScenarioError, match="unused when kind = 'capability'"):
        fs.parse_scenario({"scenario": {"name": "x"}, "demand": {"kind": "capability", "growth_per_year": 5}})


# ---------------------------------------------------------------------------
# The buyer's growth belief: capability demand has no demand.growth_per_year to lend one
# ---------------------------------------------------------------------------

BELIEF = {"belief_growth_p5": 4.0, "belief_growth_p95": 20.0, "belief_volatility_per_sqrt_year": 0.3}


def test_a_quantile_policy_without_a_belief_is_refused(scenario: fs.Scenario) -> None:
    text = fs.scenario.bundled_text("capability_driven")
    policy_at = text.index("[policy]")
    bad = text[:policy_at] + '[policy]\nkind = "quantile"\nquantile = 0.4\n'
    with pytest.raises(fs.ScenarioError) as caught:
        fs.parse_scenario_text(bad, "bad.toml")
    (problem,) = caught.value.problems
    assert problem.path == "policy.belief_growth_p5"
    assert "missing" in problem.message
    assert "demand.kind = 'capability'" in problem.message
    assert "demand.growth_per_year" in problem.message
    # the same policy built in Python, past the file's validation, is refused by the engine
    unchecked = dataclasses.replace(scenario, policy=fs.scenario.QuantilePolicySpec(quantile=0.4))
    with pytest.raises(ValueError, match="quantile policy needs the buyer's belief"):
        fs.simulate(unchecked, draws=10, seed=0)


def test_a_quantile_policy_with_a_belief_uses_it(scenario: fs.Scenario) -> None:
    text = fs.scenario.bundled_text("capability_driven")
    policy_at = text.index("[policy]")
    lines = "".join(f"{key} = {value}\n" for key, value in BELIEF.items())
    good = fs.parse_scenario_text(text[:policy_at] + f'[policy]\nkind = "quantile"\nquantile = 0.4\n{lines}')
    built = fs.models.policy_from_spec(good)
    expected = fs.QuantilePolicy.from_growth_interval(0.4, 4.0, 20.0, 0.3, good.policy.target_training_share)
    assert built == expected


def test_the_search_families_take_the_belief_from_the_policy(scenario: fs.Scenario) -> None:
    # the bundled capability scenario buys with a growth hedge: hedge takes its growth, quantile has none
    assert "growth 3x assumed" in policy_family(scenario, "hedge").parameter
    with pytest.raises(ValueError, match=r"quantile family needs a \[policy\] kind = 'quantile' table"):
        policy_family(scenario, "quantile")
    with_belief = dataclasses.replace(scenario, policy=fs.scenario.QuantilePolicySpec(quantile=0.5, **BELIEF))
    family = policy_family(with_belief, "quantile")
    assert family.build(0.2) == fs.QuantilePolicy.from_growth_interval(0.2, 4.0, 20.0, 0.3, 0.5)
    # the hedge family assumes the belief's median growth, sqrt(4 x 20)
    assert f"growth {np.sqrt(80.0):g}x assumed" in policy_family(with_belief, "hedge").parameter
    fixed_policy = dataclasses.replace(scenario, policy=fs.scenario.FixedSchedulePolicySpec((1.0,)))
    for name in ("hedge", "fixed"):
        with pytest.raises(ValueError, match=f"the {name} family needs an assumed growth"):
            policy_family(fixed_policy, name)
    # the fixed family's default bound: 3x the requirement at first arrival, growing at the hedge's 3x a year
    # from the median initial demand, at the segments' value-weighted margin
    segments = scenario.capability.segments
    margin = sum(spec.value_share * float(spec.gross_margin.mean()) for _, spec in segments.items())
    level = float(scenario.demand.initial_usd_per_year.ppf(0.5)) * 3.0 ** (scenario.compute.lead_time_months / 12)
    share = scenario.policy.target_training_share
    need_gw = level * (1 - margin) / (1 - share) / float(scenario.compute.cost_usd_per_gw_year.ppf(0.5))
    assert policy_family(scenario, "fixed").high == pytest.approx(3 * need_gw, rel=1e-12)
    # given bounds, the fixed family needs no belief
    assert policy_family(fixed_policy, "fixed", 0.0, 5.0).high == 5.0


def test_the_quantile_family_keeps_a_growth_scenarios_own_belief() -> None:
    default = fs.bundled("default")
    derived = policy_family(default, "quantile").build(0.3)
    believer = dataclasses.replace(default, policy=fs.scenario.QuantilePolicySpec(quantile=0.5, **BELIEF))
    assert policy_family(believer, "quantile").build(0.3) == fs.QuantilePolicy.from_growth_interval(
        0.3, 4.0, 20.0, 0.3, 0.5
    )
    assert policy_family(believer, "quantile").build(0.3) != derived
