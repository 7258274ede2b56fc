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
    dataset = result.dataset
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
    # nothing, brief s5) and with cash enough that no lab is ruined.
    calm = dataclasses.replace(
        scenario,
        demand=dataclasses.replace(scenario.demand, volatility_per_sqrt_year=Fixed(0.0)),
        operations=dataclasses.replace(scenario.operations, min_training_share=Fixed(0.3)),
        finance=dataclasses.replace(scenario.finance, starting_cash_usd=Fixed(1e15)),
    )
    small = fs.simulate(calm, draws=200, seed=3, policy=fs.FixedSchedulePolicy((0.0,)))
    large = fs.simulate(calm, draws=200, seed=3, policy=fs.FixedSchedulePolicy((0.0, 5.0, 5.0, 5.0)))
    assert (small.dataset["ruin_month"] < 0).all()
    assert (large.dataset["ruin_month"] < 0).all()
    demand_small = small.dataset["demand_usd_per_year"].values
    demand_large = large.dataset["demand_usd_per_year"].values
    assert (demand_large >= demand_small * (1 - 1e-12)).all()
    below_ceiling = demand_small[:, -1] < calm.demand.ceiling_usd_per_year * (1 - 1e-9)
    assert below_ceiling.mean() > 0.5
    assert (demand_large[below_ceiling, -1] > demand_small[below_ceiling, -1]).all()
    index_small = small.dataset["year_capability_index"].values[:, -1]
    assert (large.dataset["year_capability_index"].values[:, -1] > index_small).all()


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
