"""Property-based tests of the accounting identities, over random valid scenarios.

Every property simulates a scenario drawn by :func:`frontiersim.testing.scenarios`
and checks one identity with :mod:`frontiersim.testing.assertions`. The second
half of the file checks that the assertions do fail on corrupted results, so a
passing property means something.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pytest
import xarray as xr
from hypothesis import example, given, settings

import frontiersim as fs
from frontiersim.scenario import GrowthHedgePolicySpec
from frontiersim.simulate import DEFAULT_CHUNK_SIZE
from frontiersim.testing import (
    assert_accounting_identities,
    assert_all_finite,
    assert_cash_flow_balances,
    assert_cohorts_sum_to_company,
    assert_compute_cost_split,
    assert_results_equal,
    assert_ruin_absorbing,
    assert_served_within_capacity,
    assert_yearly_consistent,
)
from frontiersim.testing.assertions import assert_gross_margin_applied
from frontiersim.testing.strategies import scenarios, seeds

#: Examples per property; each simulates at most 40 draws over at most four years (~10 ms).
PROPERTY = settings(max_examples=100, deadline=None)

#: A valid scenario whose uncapped demand would overflow float64 in year 12 (growth 20x, persistence 1.5).
LONG_EXPLOSIVE_GROWTH = fs.parse_scenario(
    {
        "scenario": {"name": "long-explosive-growth", "horizon_years": 12},
        "simulation": {"draws": 1},
        "demand": {"growth_per_year": 20.0, "growth_persistence_per_year": 1.5, "volatility_per_sqrt_year": 0.0},
        "policy": {"kind": "fixed_schedule", "commitments_gw": []},
    }
)


def run(scenario: fs.Scenario, seed: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> fs.SimulationResult:
    return fs.simulate(scenario, seed=seed, keep_monthly=True, chunk_size=chunk_size)


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------


@PROPERTY
@given(scenarios(), seeds())
def test_cash_flow_balances_every_month(scenario: fs.Scenario, seed: int) -> None:
    assert_cash_flow_balances(run(scenario, seed))


@PROPERTY
@given(scenarios(), seeds())
def test_inference_and_training_costs_split_the_compute_payment(scenario: fs.Scenario, seed: int) -> None:
    assert_compute_cost_split(run(scenario, seed))


#: Capability demand whose segments both have a gross margin of 1: before the revenue-weighted margin was
#: clipped to the segments' range, 0.7 x 1 + 0.3 x 1 rounded to 1 + 2e-16 and inference_gw came out at -6e-18.
MARGINS_OF_ONE = fs.parse_scenario(
    {
        "scenario": {"name": "margins-of-one", "start": "2020-01", "horizon_years": 1},
        "simulation": {"draws": 2, "seed": 0},
        "demand": {"kind": "capability", "initial_usd_per_year": 1e8},
        "compute": {"initial_capacity_gw": 1.0, "initial_contract_months_remaining": 8, "lead_time_months": 0},
        "capability": {
            "initial_training_flop": 1e24,
            "flop_per_gw_month": 0.0,
            "slope_per_decade": 0.0,
            "segments": {
                "enterprise": {"value_share": 0.7, "gross_margin": 1.0},
                "consumer": {"value_share": 0.30000000000000004, "gross_margin": 1.0},
            },
        },
        "finance": {"fundraising_enabled": False},
        "policy": {"kind": "growth_hedge", "assumed_growth_per_year": 1.0, "hedge_factor": 0.0},
    }
)


@PROPERTY
@given(scenarios(), seeds())
@example(MARGINS_OF_ONE, 0)
def test_revenue_is_served_within_capacity(scenario: fs.Scenario, seed: int) -> None:
    assert_served_within_capacity(run(scenario, seed))


@PROPERTY
@given(scenarios(), seeds())
def test_inference_cost_is_revenue_times_one_minus_the_margin(scenario: fs.Scenario, seed: int) -> None:
    assert_gross_margin_applied(run(scenario, seed))


@settings(max_examples=40, deadline=None)
@given(scenarios(demand_kinds=["capability"]), seeds())
def test_capability_scenarios_satisfy_every_identity(scenario: fs.Scenario, seed: int) -> None:
    result = run(scenario, seed)
    assert_accounting_identities(result)
    assert list(result.dataset.get("milestone", [])) == list(scenario.capability.milestone_thresholds)


@PROPERTY
@given(scenarios(), seeds())
def test_model_cohorts_sum_to_the_company(scenario: fs.Scenario, seed: int) -> None:
    result = run(scenario, seed)
    assert_cohorts_sum_to_company(result)
    # The same identity from the yearly arrays alone (what a summary-only run keeps).
    assert_cohorts_sum_to_company(result.dataset.drop_dims("month"))


@PROPERTY
@given(scenarios(), seeds())
def test_yearly_aggregates_match_monthly(scenario: fs.Scenario, seed: int) -> None:
    assert_yearly_consistent(run(scenario, seed))


@PROPERTY
@given(scenarios(), seeds())
def test_ruin_is_the_first_negative_cash_and_is_absorbing(scenario: fs.Scenario, seed: int) -> None:
    assert_ruin_absorbing(run(scenario, seed))


@PROPERTY
@given(scenarios(), seeds())
def test_nothing_is_nan_or_infinite(scenario: fs.Scenario, seed: int) -> None:
    assert_all_finite(run(scenario, seed))


@settings(max_examples=10, deadline=None)
@given(scenarios(max_draws=5, max_horizon_years=15), seeds())
@example(LONG_EXPLOSIVE_GROWTH, 0)
@example(dataclasses.replace(LONG_EXPLOSIVE_GROWTH, policy=GrowthHedgePolicySpec()), 0)
def test_nothing_is_nan_or_infinite_over_long_horizons(scenario: fs.Scenario, seed: int) -> None:
    # Regression: before demand.ceiling_usd_per_year existed, the explicit example (valid: every key within
    # the schema's bounds) made GrowthDemand warn "overflow encountered in exp" and left inf in
    # demand_usd_per_year, unserved_usd and their yearly sums; growth_hedge and quantile policies then
    # raised "returned negative or non-finite GW".
    assert_all_finite(run(scenario, seed))


@settings(max_examples=30, deadline=None)
@given(scenarios(), seeds())
def test_results_do_not_depend_on_chunk_size(scenario: fs.Scenario, seed: int) -> None:
    reference = run(scenario, seed, chunk_size=1_000_000)
    for chunk_size in (1, 7):
        assert_results_equal(run(scenario, seed, chunk_size=chunk_size), reference)


@settings(max_examples=30, deadline=None)
@given(scenarios(), seeds())
def test_summary_only_runs_keep_the_same_numbers(scenario: fs.Scenario, seed: int) -> None:
    full = run(scenario, seed).dataset
    summary = fs.simulate(scenario, seed=seed, keep_monthly=False).dataset
    monthly = [name for name in full.variables if "month" in full[name].dims]
    assert_results_equal(summary, full.drop_vars(monthly))


# ---------------------------------------------------------------------------
# Beyond the small random scenarios
# ---------------------------------------------------------------------------


def test_chunks_across_random_blocks_give_the_same_results() -> None:
    # More draws than one random block (1,024), cut at different places.
    scenario = fs.parse_scenario({"scenario": {"name": "blocks", "horizon_years": 1}, "simulation": {"draws": 1100}})
    reference = run(scenario, 3)
    assert_accounting_identities(reference)
    for chunk_size in (1000, 1024, 333):
        assert_results_equal(run(scenario, 3, chunk_size=chunk_size), reference)


@pytest.mark.parametrize("name", fs.bundled_names())
def test_bundled_scenarios_satisfy_every_identity(name: str) -> None:
    assert_accounting_identities(fs.simulate(fs.bundled(name), draws=20, seed=5, keep_monthly=True))


def test_importing_frontiersim_does_not_import_hypothesis() -> None:
    code = (
        "import sys, frontiersim, frontiersim.testing.assertions\n"
        "assert 'hypothesis' not in sys.modules, 'hypothesis imported'\n"
        "from frontiersim.testing import scenarios\n"
        "assert 'hypothesis' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------
# The assertions catch broken identities
# ---------------------------------------------------------------------------

#: Three of eight draws are ruined (months 8, 5 and 9 with seed 11), the others survive.
RUINOUS = {
    "scenario": {"name": "ruinous", "horizon_years": 2},
    "simulation": {"draws": 8},
    "demand": {"initial_usd_per_year": 1e10, "growth_per_year": "1 to 5", "volatility_per_sqrt_year": 0.3},
    "compute": {"initial_capacity_gw": 2.0, "lead_time_months": 6, "decision_interval_months": 6},
    "finance": {"starting_cash_usd": {"dist": "uniform", "low": 1e9, "high": 2e10}, "raise_success_probability": 0.3},
    "models": {"release_interval_months": 4, "first_release_month": 2},
}


@pytest.fixture(scope="module")
def ruinous() -> xr.Dataset:
    result = fs.simulate(fs.parse_scenario(RUINOUS), seed=11, keep_monthly=True)
    dataset = result.lab_dataset()
    ruin = dataset["ruin_month"].values
    assert (ruin < 0).any()
    assert ((ruin >= 0) & (ruin < dataset.sizes["month"] - 1)).any()
    assert_accounting_identities(result)
    return dataset


def _ruined_draw(dataset: xr.Dataset) -> tuple[int, int]:
    """Index of a draw ruined before the last month, and its ruin month."""
    ruin = dataset["ruin_month"].values
    draw = int(np.flatnonzero((ruin >= 0) & (ruin < dataset.sizes["month"] - 1))[0])
    return draw, int(ruin[draw])


def _corrupt(dataset: xr.Dataset, name: str, index: tuple[int, ...], change: Callable[[float], float]) -> xr.Dataset:
    corrupted = dataset.copy(deep=True)
    values = corrupted[name].values
    values[index] = change(values[index])
    return corrupted


Check = Callable[[xr.Dataset], None]


@pytest.mark.parametrize(
    ("check", "name", "index", "change", "message"),
    [
        (assert_cash_flow_balances, "cash_usd", (0, 3), lambda v: v + 1e6, "cash_usd != previous cash"),
        (assert_cash_flow_balances, "financing_usd", (1, 0), lambda v: v + 1e3, "cash_usd != previous cash"),
        (assert_compute_cost_split, "training_cost_usd", (2, 5), lambda v: v * 1.001 + 1.0, "!= compute_payment"),
        (assert_gross_margin_applied, "inference_cost_usd", (2, 4), lambda v: v * 1.01 + 1e3, "(1 - gross_margin)"),
        (assert_gross_margin_applied, "gross_margin", (1, 2), lambda v: v + 0.2, "gross_margin"),
        (assert_cohorts_sum_to_company, "model_inference_cost_usd", (1, 0), lambda v: v + 1e6, "inference_cost"),
        (assert_served_within_capacity, "inference_gw", (0, 1), lambda v: v + 5.0, "inference_gw > capacity_gw"),
        (assert_served_within_capacity, "revenue_usd", (0, 1), lambda v: v * 2 + 1e9, "revenue_usd >"),
        (assert_served_within_capacity, "unserved_usd", (0, 1), lambda v: v + 1e6, "while the lab is alive"),
        (assert_cohorts_sum_to_company, "model_revenue_usd", (3, 1), lambda v: v + 1e6, "model_revenue_usd"),
        (assert_cohorts_sum_to_company, "model_net_usd", (3, 1), lambda v: v - 1e6, "model_net_usd"),
        (assert_yearly_consistent, "year_profit_usd", (0, 1), lambda v: v + 1e6, "year_profit_usd"),
        (assert_yearly_consistent, "year_cash_usd", (4, 0), lambda v: v + 1.0, "year_cash_usd"),
        (assert_yearly_consistent, "year_capacity_gw", (4, 0), lambda v: v + 0.1, "year_capacity_gw"),
        (assert_all_finite, "revenue_usd", (2, 2), lambda v: np.nan, "revenue_usd: 1 of"),
        (assert_all_finite, "model_net_usd", (2, 0), lambda v: -np.inf, "model_net_usd: 1 of"),
    ],
)
def test_assertions_catch_a_broken_identity(
    ruinous: xr.Dataset,
    check: Check,
    name: str,
    index: tuple[int, ...],
    change: Callable[[float], float],
    message: str,
) -> None:
    with pytest.raises(AssertionError, match=r"draw|not finite") as failure:
        check(_corrupt(ruinous, name, index, change))
    assert message in str(failure.value)


@pytest.mark.parametrize("name", ["revenue_usd", "compute_payment_usd", "financing_usd", "capacity_gw"])
def test_ruin_assertion_catches_flows_after_ruin(ruinous: xr.Dataset, name: str) -> None:
    draw, month = _ruined_draw(ruinous)
    with pytest.raises(AssertionError, match=f"{name} is not zero after ruin"):
        assert_ruin_absorbing(_corrupt(ruinous, name, (draw, month + 1), lambda v: 1.0))


def test_ruin_assertion_catches_a_misrecorded_ruin(ruinous: xr.Dataset) -> None:
    draw, month = _ruined_draw(ruinous)
    with pytest.raises(AssertionError, match="first month with cash_usd < 0"):
        assert_ruin_absorbing(_corrupt(ruinous, "ruin_month", (draw,), lambda v: v + 1))
    with pytest.raises(AssertionError, match="cash_usd changes after ruin"):
        assert_ruin_absorbing(_corrupt(ruinous, "cash_usd", (draw, month + 1), lambda v: v - 1.0))


def test_results_equal_reports_differences_and_ignores_the_run_time(ruinous: xr.Dataset) -> None:
    later = ruinous.copy(deep=True)
    later.attrs["created_utc"] = "2100-01-01T00:00:00+00:00"
    assert_results_equal(ruinous, later)
    with pytest.raises(AssertionError, match=r"cash_usd: 1 of \d+ values differ"):
        assert_results_equal(ruinous, _corrupt(ruinous, "cash_usd", (0, 0), lambda v: np.nextafter(v, np.inf)))
    renamed = ruinous.copy()
    renamed.attrs["scenario_name"] = "other"
    with pytest.raises(AssertionError, match="attribute 'scenario_name'"):
        assert_results_equal(ruinous, renamed)
    with pytest.raises(AssertionError, match="data variables differ"):
        assert_results_equal(ruinous, ruinous.drop_vars("financing_usd"))


def test_monthly_assertions_need_monthly_arrays() -> None:
    summary_only = fs.simulate(fs.bundled("toy_50_50"), seed=0, keep_monthly=False)
    with pytest.raises(ValueError, match="keep_monthly=True"):
        assert_cash_flow_balances(summary_only)
    assert_accounting_identities(summary_only)
