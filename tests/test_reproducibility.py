"""Same scenario and seed give the same numbers, whatever the chunking or workers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import xarray as xr

import frontiersim as fs
from frontiersim.draws import BLOCK_SIZE, sample_range, seed_sequence
from frontiersim.scenario import Fixed
from frontiersim.simulate import sample_draws


def assert_identical(a: fs.SimulationResult, b: fs.SimulationResult) -> None:
    left, right = a.dataset.copy(), b.dataset.copy()
    for dataset in (left, right):
        dataset.attrs.pop("created_utc", None)
    xr.testing.assert_identical(left, right)


@pytest.fixture(scope="module")
def scenario() -> fs.Scenario:
    return fs.bundled("default")


@pytest.fixture(scope="module")
def reference(scenario: fs.Scenario) -> fs.SimulationResult:
    return fs.simulate(scenario, draws=2500, seed=42, chunk_size=2500)


@pytest.mark.parametrize("chunk_size", [1, 333, BLOCK_SIZE, 2047])
def test_chunk_size_does_not_change_results(
    scenario: fs.Scenario, reference: fs.SimulationResult, chunk_size: int
) -> None:
    draws = 2500 if chunk_size > 1 else 40
    result = fs.simulate(scenario, draws=draws, seed=42, chunk_size=chunk_size)
    if draws == 2500:
        assert_identical(result, reference)
    else:
        assert_identical(result, fs.simulate(scenario, draws=draws, seed=42, chunk_size=draws))


def test_worker_count_does_not_change_results(scenario: fs.Scenario, reference: fs.SimulationResult) -> None:
    result = fs.simulate(scenario, draws=2500, seed=42, chunk_size=700, workers=2)
    assert_identical(result, reference)


def test_a_prefix_of_draws_is_the_same_draws(scenario: fs.Scenario, reference: fs.SimulationResult) -> None:
    prefix = fs.simulate(scenario, draws=1200, seed=42)
    xr.testing.assert_equal(
        prefix.dataset["year_cash_usd"], reference.dataset["year_cash_usd"].isel(draw=slice(0, 1200))
    )


def test_summary_only_keeps_the_same_yearly_numbers(scenario: fs.Scenario, reference: fs.SimulationResult) -> None:
    summary_only = fs.simulate(scenario, draws=2500, seed=42, keep_monthly=False)
    assert not summary_only.has_monthly
    for name in ("year_cash_usd", "year_revenue_usd", "model_net_usd", "ruin_month"):
        xr.testing.assert_identical(summary_only.dataset[name], reference.dataset[name])


def test_seed_forms_agree(scenario: fs.Scenario) -> None:
    by_int = fs.simulate(scenario, draws=50, seed=7)
    by_sequence = fs.simulate(scenario, draws=50, seed=np.random.SeedSequence(7))
    by_generator = fs.simulate(scenario, draws=50, seed=np.random.default_rng(7))
    assert_identical(by_int, by_sequence)
    assert_identical(by_int, by_generator)


def test_zero_is_a_seed_and_seeds_differ(scenario: fs.Scenario) -> None:
    zero = fs.simulate(scenario, draws=50, seed=0)
    one = fs.simulate(scenario, draws=50, seed=1)
    assert zero.dataset.attrs["seed_entropy"] == "0"
    assert not np.array_equal(zero.dataset["year_revenue_usd"], one.dataset["year_revenue_usd"])


def test_fresh_entropy_is_recorded_and_replays(scenario: fs.Scenario) -> None:
    fresh_scenario = dataclasses.replace(scenario)
    first = fs.simulate(fresh_scenario, draws=30, seed=np.random.SeedSequence())
    entropy = int(first.dataset.attrs["seed_entropy"])
    assert_identical(first, fs.simulate(fresh_scenario, draws=30, seed=np.random.SeedSequence(entropy)))


def test_bad_seeds_are_rejected() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        seed_sequence(-1)
    with pytest.raises(TypeError):
        seed_sequence(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        seed_sequence(True)


def test_sample_range_cuts_the_same_blocks() -> None:
    root = np.random.SeedSequence(5)
    whole = sample_range(root, "x", 0, 3000, lambda rng, n: rng.random(n))
    np.testing.assert_array_equal(sample_range(root, "x", 1000, 2100, lambda rng, n: rng.random(n)), whole[1000:2100])
    other = sample_range(root, "y", 0, 3000, lambda rng, n: rng.random(n))
    assert not np.array_equal(whole, other)


def test_adding_a_random_component_shifts_no_other_stream(scenario: fs.Scenario) -> None:
    calm = dataclasses.replace(
        scenario, demand=dataclasses.replace(scenario.demand, volatility_per_sqrt_year=Fixed(0.0))
    )
    noisy = dataclasses.replace(
        scenario, demand=dataclasses.replace(scenario.demand, volatility_per_sqrt_year=fs.scenario.Uniform(0.1, 0.5))
    )
    a, b = sample_draws(calm, 0, 500, 3), sample_draws(noisy, 0, 500, 3)
    for path in ("demand.growth_per_year", "compute.cost_usd_per_gw_year", "operations.gross_margin"):
        np.testing.assert_array_equal(a[path], b[path])
    np.testing.assert_array_equal(a.shocks["finance.raise_uniforms"], b.shocks["finance.raise_uniforms"])
