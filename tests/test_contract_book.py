"""Contracts signed before the start, renewal within the planning window, rounds that depend on growth,
and the run-off after the horizon, each against figures worked out by hand."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import frontiersim as fs
from frontiersim.models.finance import FundraisingRule
from frontiersim.scenario import ScenarioError, parse_scenario


def _scenario(**sections: dict[str, Any]) -> fs.Scenario:
    data: dict[str, Any] = {
        "scenario": {"name": "book", "start": "2026-01", "horizon_years": 1},
        "demand": {"kind": "path", "path_usd_per_year": [1.0e10], "volatility_per_sqrt_year": 0.0},
        "compute": {"initial_capacity_gw": 0.0, "cost_usd_per_gw_year": 1.0e10, "lead_time_months": 6},
        "operations": {"gross_margin": 0.5, "other_opex_usd_per_year": 0.0, "opex_share_of_revenue": 0.0},
        "finance": {"starting_cash_usd": 1.0e11, "fundraising_enabled": False},
        "policy": {"kind": "fixed_schedule", "commitments_gw": []},
    }
    for section, keys in sections.items():
        if section == "policy":
            data["policy"] = dict(keys)
        else:
            data.setdefault(section, {}).update(keys)
    return parse_scenario(data)


CONTRACTS = [
    {"name": "running", "online": "2025-07", "gw": 1.0, "term_months": 12},  # ends after 2026-06
    {"name": "later", "online": "2026-04", "gw": 0.5, "term_months": 24, "cost_usd_per_gw_year": 2.0e10},
]


def test_the_book_sets_capacity_and_payments_month_by_month() -> None:
    scenario = _scenario(compute={"contracts": CONTRACTS})
    dataset = fs.simulate(scenario, draws=1, keep_monthly=True).lab_dataset()
    capacity = dataset["capacity_gw"].isel(draw=0).values
    payment = dataset["compute_payment_usd"].isel(draw=0).values
    expected_gw = np.array([1.0, 1.0, 1.0, 1.5, 1.5, 1.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    np.testing.assert_allclose(capacity, expected_gw)
    # 1 GW at the lab's $10B per GW-year, 0.5 GW at its own $20B
    expected_usd = (np.where(np.arange(12) < 6, 1.0e10, 0.0) + np.where(np.arange(12) >= 3, 1.0e10, 0.0)) / 12
    np.testing.assert_allclose(payment, expected_usd)
    # after the horizon: 15 months of the later contract at $10B a year
    owed = float(dataset["obligations_after_horizon_usd"].isel(draw=0))
    assert owed == pytest.approx(15 / 12 * 0.5 * 2.0e10)


def test_bad_contracts_get_one_message_per_problem() -> None:
    bad = [
        {"name": "a", "online": "2026-13", "gw": -1, "term_months": 0, "colour": "red"},
        {"online": "2026-01", "gw": 1.0, "term_months": 12},
        "not a table",
    ]
    with pytest.raises(ScenarioError) as error:
        _scenario(compute={"contracts": bad})
    paths = [problem.path for problem in error.value.problems]
    assert paths == [
        "compute.contracts[0].colour",
        "compute.contracts[0].online",
        "compute.contracts[0].gw",
        "compute.contracts[0].term_months",
        "compute.contracts[1].name",
        "compute.contracts[2]",
    ]
    text = str(error.value)
    assert "a month written YYYY-MM" in text
    assert "an integer in [1, 600]" in text


def test_a_policy_renews_what_lapses_within_its_planning_window() -> None:
    # 2 GW run out after month 11. The decision at month 0 (lead 6) must cover months 6-17, the one at
    # month 12 months 18-29; looking only at the arrival month (6), the first sees 2 GW and buys nothing.
    common = {
        "scenario": {"horizon_years": 3},
        "demand": {"path_usd_per_year": [2.0e10, 2.0e10, 2.0e10]},
        "compute": {
            "contracts": [{"name": "old", "online": "2025-01", "gw": 2.0, "term_months": 24}],
            "decision_interval_months": 12,
        },
        "operations": {"allocation_rule": "residual", "min_training_share": 0.0},
        "policy": {"kind": "growth_hedge", "assumed_growth_per_year": 1.0, "hedge_factor": 1.0},
    }

    def capacity(window: int) -> np.ndarray:
        sections = {k: dict(v) for k, v in common.items()}
        sections["compute"]["planning_window_months"] = window
        data = _scenario(**sections)
        return fs.simulate(data, draws=1, keep_monthly=True).lab_dataset()["capacity_gw"].isel(draw=0).values

    renewed, arrival_only = capacity(-1), capacity(0)
    # demand needs 2e10 * 0.5 / 1e10 / (1 - 0.5) = 2 GW with the policy's 50% plan: never less. The
    # replacement can only arrive at a decision's arrival (month 6), so it overlaps the old contract a while.
    np.testing.assert_allclose(renewed[:6], 2.0)
    np.testing.assert_allclose(renewed[6:12], 4.0)
    np.testing.assert_allclose(renewed[12:], 2.0)
    # looking only at the arrival month, the lapse goes unseen: no capacity from month 12 until month 18
    np.testing.assert_allclose(arrival_only[12:18], 0.0)
    np.testing.assert_allclose(arrival_only[18:], 2.0)


def test_rounds_depend_on_revenue_growth() -> None:
    rule = FundraisingRule(
        enabled=True,
        runway_threshold_months=12.0,
        revenue_multiple=np.array([2.0, 2.0, 2.0, 2.0]),
        max_usd=np.full(4, 1.0e12),
        min_interval_months=6,
        success_probability=np.full(4, 0.8),
        reference_growth_per_year=10.0,
        growth_elasticity=0.5,
    )
    served = np.array([1.5e10, 1.5e10, 1.5e10, 0.0])
    size, chance = rule.round_terms(served, np.array([10.0, 2.5, 1.0, 10.0]))
    np.testing.assert_allclose(size, [3.0e10, 3.0e10 * math.sqrt(0.25), 3.0e10 * math.sqrt(0.1), 0.0])
    np.testing.assert_allclose(chance, [0.8, 0.8, 0.0, 0.8])  # no growth, no round; no revenue, a round of $0


def test_the_run_off_pays_each_contract_to_its_end() -> None:
    # One contract runs 12 months past a 1-year horizon; demand stays flat (no growth over the last year).
    scenario = _scenario(
        compute={"contracts": [{"name": "c", "online": "2026-01", "gw": 1.0, "term_months": 24}]},
        operations={"other_opex_usd_per_year": 1.2e9},
        finance={"starting_cash_usd": 0.0},
    )
    dataset = fs.simulate(scenario, draws=1, keep_monthly=True).lab_dataset()
    cash_at_horizon = float(dataset["cash_usd"].isel(draw=0, month=-1))
    # each month: revenue 1e10/12 (1 GW serves 2e10 a year at margin 0.5, demand 1e10), payment 1e10/12, opex 1e8
    assert int(dataset["ruin_month"].isel(draw=0)) == 0  # ruined at once: cash below zero from the first month
    assert cash_at_horizon == pytest.approx(-1.0e8)  # and nothing moves after ruin
    solvent = _scenario(
        compute={"contracts": [{"name": "c", "online": "2026-01", "gw": 1.0, "term_months": 24}]},
        operations={"other_opex_usd_per_year": 1.2e9},
        finance={"starting_cash_usd": 2.0e9},
    )
    dataset = fs.simulate(solvent, draws=1, keep_monthly=True).lab_dataset()
    assert int(dataset["ruin_month"].isel(draw=0)) == -1
    # 2e9 - 21 * 1e8 < 0 after month 20: ruined in the run-off, with 9 months of revenue served after the horizon
    assert int(dataset["ruin_month_including_runoff"].isel(draw=0)) == 20
    assert float(dataset["cash_after_runoff_usd"].isel(draw=0)) == pytest.approx(-1.0e8)
    assert float(dataset["runoff_revenue_usd"].isel(draw=0)) == pytest.approx(9 * 1.0e10 / 12)


def test_a_lab_states_its_own_book() -> None:
    data: dict[str, Any] = {
        "scenario": {"name": "two books", "start": "2026-01", "horizon_years": 1},
        "demand": {"kind": "path", "path_usd_per_year": [1.0e10], "volatility_per_sqrt_year": 0.0},
        "compute": {"initial_capacity_gw": 0.0, "cost_usd_per_gw_year": 1.0e10, "contracts": CONTRACTS},
        "policy": {"kind": "fixed_schedule", "commitments_gw": []},
        "labs": {
            "big": {"market_share": 0.5},
            "small": {
                "market_share": 0.5,
                "compute": {"contracts": [{"name": "own", "online": "2026-02", "gw": 0.25, "term_months": 6}]},
            },
        },
    }
    result = fs.simulate(parse_scenario(data), draws=1, keep_monthly=True)
    big = result.lab_dataset("big")["capacity_gw"].isel(draw=0).values
    small = result.lab_dataset("small")["capacity_gw"].isel(draw=0).values
    np.testing.assert_allclose(big[:6], [1.0, 1.0, 1.0, 1.5, 1.5, 1.5])  # the shared book
    np.testing.assert_allclose(small, [0.0] + [0.25] * 6 + [0.0] * 5)  # its own book replaces it
