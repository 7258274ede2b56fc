"""The optimizer samples each chunk of draws once and reuses it across candidates, without changing a number.

:class:`frontiersim.draws.cache.DrawCache` keeps sampled chunks;
``simulate(draws_cache=)`` and ``optimize_policy(draws_cache_bytes=)`` use it.
Every comparison here is exact (bit for bit): the cache hands out the very
numbers :func:`frontiersim.draws.sampling.sample_draws` gives.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import frontiersim as fs
from frontiersim.draws import cache as cache_module
from frontiersim.draws.cache import DrawCache, seed_key
from frontiersim.draws.sampling import Draws, GivenDraws, sample_draws, seed_sequence
from frontiersim.models import draw_plan
from frontiersim.optimize import (
    Objective,
    OptimizationResult,
    evaluate_policy,
    optimize_policy,
    policy_family,
    trace_frontier,
)
from frontiersim.optimize.search import PolicyEvaluation
from frontiersim.scenario.schema import Scenario
from frontiersim.simulate import chunk_count, draw_cache, simulate

BET = "one_trillion_bet_uncertain"
SEED = 20260101


@pytest.fixture(scope="module")
def bet() -> Scenario:
    return fs.bundled(BET)


@pytest.fixture(scope="module")
def default() -> Scenario:
    return fs.bundled("default")


def assert_same_draws(left: Draws, right: Draws) -> None:
    assert (left.start, left.stop) == (right.start, right.stop)
    assert list(left.parameters) == list(right.parameters)
    assert list(left.shocks) == list(right.shocks)
    for name in left.parameters:
        np.testing.assert_array_equal(left.parameters[name], right.parameters[name], strict=True)
    for name in left.shocks:
        np.testing.assert_array_equal(left.shocks[name], right.shocks[name], strict=True)


def same_numbers(left: xr.Dataset, right: xr.Dataset) -> bool:
    """Every variable and coordinate identical, bit for bit (the run's own attributes, its time stamp, aside)."""
    return left.drop_attrs(deep=False).identical(right.drop_attrs(deep=False))


# --------------------------------------------------------------------------- the cache


def test_cache_hands_out_the_sampled_numbers_and_keeps_them_read_only(bet: Scenario) -> None:
    plan = draw_plan(bet)
    cache = DrawCache(bet, plan)
    first = cache.draws(0, 500, SEED)
    again = cache.draws(0, 500, SEED)
    assert again is first
    assert (cache.hits, cache.misses) == (1, 1)
    assert_same_draws(first, sample_draws(bet, 0, 500, SEED, plan))
    assert cache.bytes_kept == sum(v.nbytes for v in (*first.parameters.values(), *first.shocks.values()))
    shocks = next(iter(first.shocks.values()))
    with pytest.raises(ValueError, match="read-only"):
        shocks[0, 0] = 1.0


def test_cache_tells_seeds_and_bounds_apart(bet: Scenario) -> None:
    plan = draw_plan(bet)
    cache = DrawCache(bet, plan)
    root = seed_sequence(SEED)
    other_stream = np.random.SeedSequence(root.entropy, spawn_key=(7,))
    for seed, start, stop in [(root, 0, 300), (other_stream, 0, 300), (root, 0, 200), (root, 100, 300)]:
        assert_same_draws(cache.draws(start, stop, seed), sample_draws(bet, start, stop, seed, plan))
    assert (cache.hits, cache.misses) == (0, 4)
    # An equal seed given as an int or as its SeedSequence is the same key.
    assert cache.draws(0, 300, SEED) is cache.draws(0, 300, root)
    assert seed_key(root) != seed_key(other_stream)


def test_cache_keeps_the_first_chunks_up_to_its_bound_and_samples_the_rest_afresh(bet: Scenario) -> None:
    plan = draw_plan(bet)
    one_chunk = DrawCache(bet, plan).draws(0, 100, SEED)
    chunk_bytes = sum(v.nbytes for v in (*one_chunk.parameters.values(), *one_chunk.shocks.values()))
    cache = DrawCache(bet, plan, max_bytes=2 * chunk_bytes)
    bounds = [(0, 100), (100, 200), (200, 300)]
    for _ in range(3):
        for start, stop in bounds:
            assert_same_draws(cache.draws(start, stop, SEED), sample_draws(bet, start, stop, SEED, plan))
    assert cache.bytes_kept == 2 * chunk_bytes
    # The first two chunks are sampled once; the third, beyond the bound, every time.
    assert (cache.hits, cache.misses) == (4, 5)
    cache.clear()
    assert cache.bytes_kept == 0
    with pytest.raises(ValueError, match="max_bytes must be >= 0"):
        DrawCache(bet, plan, max_bytes=-1)


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.tuples(st.integers(0, 2500), st.integers(1, 1200)), min_size=1, max_size=6))
def test_cached_draws_equal_fresh_draws_for_any_ranges(cuts: list[tuple[int, int]]) -> None:
    scenario = fs.bundled("default")
    plan = draw_plan(scenario)
    cache = DrawCache(scenario, plan, max_bytes=4 * 1024**2)
    for start, size in [*cuts, *cuts]:
        assert_same_draws(cache.draws(start, start + size, 3), sample_draws(scenario, start, start + size, 3, plan))


# --------------------------------------------------------------------------- simulate(draws_cache=)


@pytest.mark.parametrize("chunk_size", [128, 1000, 8192])
def test_simulate_with_a_cache_gives_the_same_dataset(bet: Scenario, chunk_size: int) -> None:
    cache = draw_cache(bet)
    plain = simulate(bet, draws=1500, seed=SEED, chunk_size=chunk_size, keep_monthly=False).dataset
    for _ in range(2):  # the first run fills the cache, the second reads it
        cached = simulate(bet, draws=1500, seed=SEED, chunk_size=chunk_size, keep_monthly=False, draws_cache=cache)
        assert same_numbers(cached.dataset, plain)
    assert cache.hits == chunk_count(1500, chunk_size)


def test_simulate_with_a_cache_on_two_workers_gives_the_same_dataset(bet: Scenario) -> None:
    cache = draw_cache(bet)
    simulate(bet, draws=1200, seed=SEED, chunk_size=400, keep_monthly=False, draws_cache=cache)
    plain = simulate(bet, draws=1200, seed=SEED, chunk_size=400, keep_monthly=False).dataset
    spread = simulate(bet, draws=1200, seed=SEED, chunk_size=400, keep_monthly=False, workers=2, draws_cache=cache)
    assert same_numbers(spread.dataset, plain)


def test_simulate_refuses_a_cache_of_another_scenario_or_with_a_given_design(bet: Scenario, default: Scenario) -> None:
    with pytest.raises(ValueError, match="another scenario"):
        simulate(default, draws=100, seed=1, draws_cache=draw_cache(bet))
    design = GivenDraws({}, np.arange(10, dtype=np.int64))
    with pytest.raises(ValueError, match="cannot be combined"):
        simulate(bet, seed=1, given=design, draws_cache=draw_cache(bet))


def test_simulate_with_a_cache_on_the_numpy_engine(bet: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """The numpy components never write into their draws (the cached arrays are read-only)."""
    monkeypatch.setenv("FRONTIERSIM_ENGINE", "numpy")
    cache = draw_cache(bet)
    plain = simulate(bet, draws=700, seed=SEED, chunk_size=300).dataset
    for _ in range(2):
        cached = simulate(bet, draws=700, seed=SEED, chunk_size=300, draws_cache=cache).dataset
        assert same_numbers(cached, plain)


# --------------------------------------------------------------------------- optimize_policy


def evaluation_tables(evaluation: PolicyEvaluation) -> Iterator[object]:
    yield evaluation.label, evaluation.parameter, evaluation.ruin, evaluation.ruin_exact
    yield evaluation.objective, evaluation.cvar, evaluation.revenue, evaluation.unserved
    yield evaluation.objective_values.tobytes(), evaluation.ruined.tobytes()
    yield evaluation.commitment_schedule()


def assert_same_optimization(left: OptimizationResult, right: OptimizationResult) -> None:
    pd.testing.assert_frame_equal(left.frontier(), right.frontier(), check_exact=True)
    pd.testing.assert_frame_equal(left.comparison(), right.comparison(), check_exact=True)
    assert left.messages == right.messages
    assert left.confirmed == right.confirmed
    pairs = [
        (left.chosen, right.chosen),
        (left.chosen_in_search, right.chosen_in_search),
        *zip(left.search, right.search, strict=True),
        *((left.naive_search[name], right.naive_search[name]) for name in left.naive_search),
        *((left.naive_validation[name], right.naive_validation[name]) for name in left.naive_validation),
    ]
    assert list(left.naive_search) == list(right.naive_search)
    for one, other in pairs:
        for mine, theirs in zip(evaluation_tables(one), evaluation_tables(other), strict=True):
            if isinstance(mine, pd.DataFrame):
                pd.testing.assert_frame_equal(mine, theirs, check_exact=True)
            else:
                assert mine == theirs


def optimize(scenario: Scenario, **options: int) -> OptimizationResult:
    family = policy_family(scenario, "hedge")
    return optimize_policy(scenario, family, Objective(), max_ruin=0.2, draws=600, candidates=5, seed=SEED, **options)


@pytest.mark.parametrize("name", ["default", BET])
def test_optimize_gives_the_same_result_with_and_without_reused_draws(name: str) -> None:
    scenario = fs.bundled(name)
    reused = optimize(scenario)
    assert_same_optimization(reused, optimize(scenario, draws_cache_bytes=0))
    # Chunk sizes change neither (every candidate's chunks are cut from the same blocks).
    assert_same_optimization(reused, optimize(scenario, chunk_size=128))
    assert_same_optimization(reused, optimize(scenario, chunk_size=250, draws_cache_bytes=0))
    # Each searched candidate is what an evaluation of its own, sampling its own draws, gives.
    for searched in (reused.search[0], reused.chosen_in_search):
        alone = evaluate_policy(
            scenario,
            searched.policy,
            Objective(),
            draws=600,
            seed=SEED,
            label=searched.label,
            parameter=searched.parameter,
            keep_result=False,
        )
        for mine, theirs in zip(evaluation_tables(searched), evaluation_tables(alone), strict=True):
            if isinstance(mine, pd.DataFrame):
                pd.testing.assert_frame_equal(mine, theirs, check_exact=True)
            else:
                assert mine == theirs


def test_optimize_samples_each_chunk_once_per_sample(bet: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    sampled: list[tuple[int, int]] = []

    def counting(scenario: Scenario, start: int, stop: int, seed: object, plan: object) -> Draws:
        sampled.append((start, stop))
        return sample_draws(scenario, start, stop, seed, plan)  # type: ignore[arg-type]

    monkeypatch.setattr(cache_module, "sample_draws", counting)
    result = optimize(bet, chunk_size=256)
    # 600 search draws are 3 chunks of 256, the 2,400 validation draws 10: each sampled once.
    assert len(sampled) == chunk_count(600, 256) + chunk_count(2400, 256)
    sampled.clear()
    optimize(bet, chunk_size=256, draws_cache_bytes=0)
    evaluations_on_search = len(result.search) + len(result.naive_search)
    evaluations_on_validation = 1 + len(result.naive_validation)
    assert len(sampled) == 3 * evaluations_on_search + 10 * evaluations_on_validation


@pytest.mark.parametrize("name", ["default", BET])
def test_trace_frontier_gives_the_same_table_with_and_without_reused_draws(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = fs.bundled(name)
    family = policy_family(scenario, "hedge")
    sampled: list[tuple[int, int]] = []

    def counting(scenario: Scenario, start: int, stop: int, seed: object, plan: object) -> Draws:
        sampled.append((start, stop))
        return sample_draws(scenario, start, stop, seed, plan)  # type: ignore[arg-type]

    monkeypatch.setattr(cache_module, "sample_draws", counting)
    reused = trace_frontier(scenario, family, draws=600, seed=SEED, candidates=4, max_ruin=0.2)
    assert len(sampled) == 1  # one chunk, sampled once for the 4 + 3 policies
    fresh = trace_frontier(scenario, family, draws=600, seed=SEED, candidates=4, max_ruin=0.2, draws_cache_bytes=0)
    assert len(sampled) == 1 + 7
    pd.testing.assert_frame_equal(reused.table(), fresh.table(), check_exact=True)
    for mine, theirs in zip(
        (*reused.search, *reused.naive.values()), (*fresh.search, *fresh.naive.values()), strict=True
    ):
        assert mine.objective_values.tobytes() == theirs.objective_values.tobytes()
        assert mine.ruined.tobytes() == theirs.ruined.tobytes()
