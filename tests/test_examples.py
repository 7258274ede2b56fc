"""The interviews' worked examples, reproduced by running the model.

Dwarkesh Podcast (2026-02-13) and Cheeky Pint with John Collison (2025-08-06).
"""

from __future__ import annotations

import dataclasses

import pytest

import frontiersim as fs
from frontiersim.examples import EXAMPLES, HEDGED_BET_POLICY, one_trillion_bet_worlds, run_examples
from frontiersim.scenario import Fixed

DOLLAR = 1.0  # "to the dollar"


def year_value(result: fs.SimulationResult, variable: str, year: int) -> float:
    return float(result.lab_dataset()[variable].sel(year=year).isel(draw=0))


def with_path(scenario: fs.Scenario, level_usd: float) -> fs.Scenario:
    return dataclasses.replace(scenario, demand=dataclasses.replace(scenario.demand, path_usd_per_year=(level_usd,)))


@pytest.fixture(scope="module")
def result() -> fs.SimulationResult:
    """The cohort cartoon, simulated once."""
    return fs.simulate(fs.bundled("cohort_cartoon"))


@pytest.fixture(scope="module")
def worlds() -> dict[str, fs.Scenario]:
    """The $1T bet in its three worlds."""
    return one_trillion_bet_worlds()


class TestToy5050:
    """$100B of compute, $50B serves $150B of revenue, $50B trains, $50B profit (Dwarkesh Podcast, 2026-02-13)."""

    def test_on_forecast(self) -> None:
        result = fs.simulate(fs.bundled("toy_50_50"))
        assert year_value(result, "year_compute_payment_usd", 2026) == pytest.approx(100e9, abs=DOLLAR)
        assert year_value(result, "year_inference_cost_usd", 2026) == pytest.approx(50e9, abs=DOLLAR)
        assert year_value(result, "year_training_cost_usd", 2026) == pytest.approx(50e9, abs=DOLLAR)
        assert year_value(result, "year_revenue_usd", 2026) == pytest.approx(150e9, abs=DOLLAR)
        assert year_value(result, "year_profit_usd", 2026) == pytest.approx(50e9, abs=DOLLAR)
        assert year_value(result, "year_unserved_usd", 2026) == pytest.approx(0.0, abs=DOLLAR)

    @pytest.mark.parametrize("demand_usd", [160e9, 200e9, 280e9])
    def test_demand_above_forecast_squeezes_research_and_raises_profit(self, demand_usd: float) -> None:
        result = fs.simulate(with_path(fs.bundled("toy_50_50"), demand_usd))
        training = year_value(result, "year_training_cost_usd", 2026)
        profit = year_value(result, "year_profit_usd", 2026)
        # inference cost is demand/3; training gets the rest of $100B; profit = demand - $100B
        assert training == pytest.approx(100e9 - demand_usd / 3, abs=DOLLAR)
        assert profit == pytest.approx(demand_usd - 100e9, abs=DOLLAR)
        assert training < 50e9 < profit

    @pytest.mark.parametrize("demand_usd", [60e9, 90e9])
    def test_demand_below_forecast_leaves_research_more_than_half_and_loses_money(self, demand_usd: float) -> None:
        result = fs.simulate(with_path(fs.bundled("toy_50_50"), demand_usd))
        training = year_value(result, "year_training_cost_usd", 2026)
        profit = year_value(result, "year_profit_usd", 2026)
        assert training == pytest.approx(100e9 - demand_usd / 3, abs=DOLLAR)
        assert training > 50e9
        assert profit == pytest.approx(demand_usd - 100e9, abs=DOLLAR)
        assert profit < 0

    def test_demand_beyond_capacity_goes_unserved(self) -> None:
        result = fs.simulate(with_path(fs.bundled("toy_50_50"), 400e9))
        # all $100B serves inference, which at a 2/3 margin supports $300B
        assert year_value(result, "year_revenue_usd", 2026) == pytest.approx(300e9, abs=DOLLAR)
        assert year_value(result, "year_unserved_usd", 2026) == pytest.approx(100e9, abs=DOLLAR)
        assert year_value(result, "year_training_cost_usd", 2026) == pytest.approx(0.0, abs=DOLLAR)


class TestCohortCartoon:
    """$0.1B, $1B, $10B models each earn 2x the next year; company -0.1, -0.8, -8 (Cheeky Pint, 2025-08-06)."""

    @pytest.mark.parametrize(("year", "stated_usd"), [(2023, -0.1e9), (2024, -0.8e9), (2025, -8e9)])
    def test_company_loses_money(self, result: fs.SimulationResult, year: int, stated_usd: float) -> None:
        assert year_value(result, "year_profit_usd", year) == pytest.approx(stated_usd, abs=DOLLAR)

    @pytest.mark.parametrize(("model", "cost_usd"), [(1, 0.1e9), (2, 1e9), (3, 10e9)])
    def test_each_model_is_profitable(self, result: fs.SimulationResult, model: int, cost_usd: float) -> None:
        cohort = result.lab_dataset().isel(draw=0, model=model)
        assert float(cohort["model_training_cost_usd"]) == pytest.approx(cost_usd, abs=DOLLAR)
        assert float(cohort["model_revenue_usd"]) == pytest.approx(2 * cost_usd, abs=DOLLAR)
        assert float(cohort["model_net_usd"]) == pytest.approx(cost_usd, abs=DOLLAR)
        assert float(cohort["model_net_usd"]) > 0


class TestSingleModel:
    """$1B to train, $4B revenue, $1B inference: 75% margin, $2B net, $10B into the next (Dwarkesh, 2026-02-13)."""

    def test_figures(self) -> None:
        result = fs.simulate(fs.bundled("single_model"))
        model = result.lab_dataset().isel(draw=0, model=1)
        revenue = float(model["model_revenue_usd"])
        inference = float(model["model_inference_cost_usd"])
        assert float(model["model_training_cost_usd"]) == pytest.approx(1e9, abs=DOLLAR)
        assert revenue == pytest.approx(4e9, abs=DOLLAR)
        assert inference == pytest.approx(1e9, abs=DOLLAR)
        assert (revenue - inference) / revenue == pytest.approx(0.75, abs=1e-12)
        assert float(model["model_net_usd"]) == pytest.approx(2e9, abs=DOLLAR)
        next_model = result.lab_dataset().isel(draw=0, model=-1)
        assert float(next_model["model_training_cost_usd"]) == pytest.approx(10e9, abs=DOLLAR)
        assert year_value(result, "year_profit_usd", 2026) == pytest.approx(4e9 - 11e9, abs=DOLLAR)


class TestOneTrillionBet:
    """Buying for 10x growth ends in ruin at 5x or one year late; a hedge survives (Dwarkesh Podcast, 2026-02-13)."""

    def test_naive_bet_is_a_trillion_a_year_for_five_years(self, worlds: dict[str, fs.Scenario]) -> None:
        result = fs.simulate(worlds["10x a year"])
        fast = result.lab_dataset().isel(draw=0)
        assert float(fast["demand_usd_per_year"][12]) == pytest.approx(100e9, abs=DOLLAR)
        assert float(fast["demand_usd_per_year"][24]) == pytest.approx(1e12, abs=DOLLAR)
        assert float(fast["new_commitment_usd"].sum()) == pytest.approx(5e12, abs=DOLLAR)
        assert float(fast["compute_payment_usd"][24]) * 12 == pytest.approx(1e12, abs=DOLLAR)
        assert int(fast["ruin_month"]) == -1

    @pytest.mark.parametrize("world", ["5x a year", "one year late"])
    def test_naive_bet_ends_in_ruin(self, worlds: dict[str, fs.Scenario], world: str) -> None:
        result = fs.simulate(worlds[world])
        ruin_month = int(result.lab_dataset()["ruin_month"][0])
        # ruin comes once the $1T-a-year contract starts, in 2028
        assert 24 <= ruin_month < 36

    @pytest.mark.parametrize("world", ["10x a year", "5x a year", "one year late"])
    def test_hedged_policy_survives(self, worlds: dict[str, fs.Scenario], world: str) -> None:
        result = fs.simulate(worlds[world], policy=HEDGED_BET_POLICY)
        assert int(result.lab_dataset()["ruin_month"][0]) == -1

    def test_hedge_costs_unserved_demand_in_the_fast_world(self, worlds: dict[str, fs.Scenario]) -> None:
        naive = fs.simulate(worlds["10x a year"])
        hedged = fs.simulate(worlds["10x a year"], policy=HEDGED_BET_POLICY)
        assert float(hedged.lab_dataset()["year_unserved_usd"].sel(year=2028).sum()) > float(
            naive.lab_dataset()["year_unserved_usd"].sel(year=2028).sum()
        )
        assert float(hedged.lab_dataset()["year_revenue_usd"].sel(year=2028).sum()) < float(
            naive.lab_dataset()["year_revenue_usd"].sel(year=2028).sum()
        )

    def test_slower_growth_alone_moves_the_outcome(self, worlds: dict[str, fs.Scenario]) -> None:
        # The same buyer survives if growth is 10x, is ruined at 5x: only the growth draw differs.
        base = worlds["10x a year"]
        for growth, ruined in ((10.0, False), (5.0, True)):
            scenario = dataclasses.replace(base, demand=dataclasses.replace(base.demand, growth_per_year=Fixed(growth)))
            assert (int(fs.simulate(scenario).lab_dataset()["ruin_month"][0]) >= 0) is ruined


def test_every_example_matches_the_interviews() -> None:
    figures = run_examples()
    assert set(figures) == set(EXAMPLES)
    mismatches = [f"{name}: {f.label}" for name, group in figures.items() for f in group if not f.ok]
    assert mismatches == []
