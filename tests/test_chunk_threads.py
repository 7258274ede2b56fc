"""Runs of many chunks give each thread whole chunks: the numbers are those of one thread, chunk by chunk.

A run in one process with at least ``MIN_CHUNKS_PER_THREAD`` chunks per
thread runs one chunk on each thread at a time (``simulate._simulate_on_threads``);
a shorter run shares each chunk's draws among the threads. Either way every
draw is stepped alone and chunks reach the results in the order of the draws.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

import numpy as np
import pytest
import xarray as xr

import frontiersim as fs
from frontiersim import environment
from frontiersim.draws.cache import DrawCache
from frontiersim.models import engine
from frontiersim.models.fused import uncovered
from frontiersim.models.registry import draw_plan
from frontiersim.scenario.loader import bundled_names

SIMULATE = importlib.import_module("frontiersim.simulate")
DRAWS, CHUNK = 2600, 300  # 9 chunks, the last one short


@pytest.fixture(scope="module")
def scenario() -> fs.Scenario:
    return fs.bundled("default")


def run_with(
    monkeypatch: pytest.MonkeyPatch, threads: int, chunk_threads: bool, summary: bool = False, **options: Any
) -> Any:
    """A run with ``threads`` threads, each running whole chunks (``chunk_threads``) or sharing each chunk's draws."""
    monkeypatch.setenv("NUMBA_NUM_THREADS", str(threads))
    monkeypatch.setattr(SIMULATE, "MIN_CHUNKS_PER_THREAD", 1 if chunk_threads else 10**9)
    scenario = fs.bundled(options.pop("name", "default"))
    if summary:
        return fs.simulate_summary(scenario, draws=DRAWS, seed=11, chunk_size=CHUNK, **options)
    return fs.simulate(scenario, draws=DRAWS, seed=11, chunk_size=CHUNK, **options)


def assert_same_dataset(left: xr.Dataset, right: xr.Dataset) -> None:
    left, right = left.copy(), right.copy()
    for dataset in (left, right):
        dataset.attrs.pop("created_utc", None)
    xr.testing.assert_identical(left, right)


@pytest.mark.parametrize("keep_monthly", [True, False])
@pytest.mark.parametrize("name", ["default", "four_labs"])
def test_whole_chunks_per_thread_give_the_numbers_of_one_thread(
    monkeypatch: pytest.MonkeyPatch, keep_monthly: bool, name: str
) -> None:
    # Catches chunks added out of order, a chunk's monthly arrays written into another chunk's columns, and a
    # chunk's kernels sharing its draws among threads that other chunks hold.
    one = run_with(monkeypatch, 1, chunk_threads=False, keep_monthly=keep_monthly, name=name)
    for threads in (2, 3):
        shared = run_with(monkeypatch, threads, chunk_threads=True, keep_monthly=keep_monthly, name=name)
        assert_same_dataset(shared.dataset, one.dataset)


def test_summary_runs_with_whole_chunks_per_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # The sketches add chunks in the order of the draws: their sums would differ in the last bits otherwise.
    one = run_with(monkeypatch, 1, chunk_threads=False, summary=True).to_dataset()
    for chunk_threads in (True, False):
        other = run_with(monkeypatch, 2, chunk_threads=chunk_threads, summary=True).to_dataset()
        assert_same_dataset(other, one)


def test_a_run_of_few_chunks_or_on_the_numpy_engine_shares_each_chunks_draws(
    monkeypatch: pytest.MonkeyPatch, scenario: fs.Scenario
) -> None:
    monkeypatch.setenv("NUMBA_NUM_THREADS", "2")
    monkeypatch.delenv("FRONTIERSIM_ENGINE", raising=False)
    per_thread = SIMULATE.MIN_CHUNKS_PER_THREAD
    assert SIMULATE._chunk_threads(scenario, per_thread * 2 * CHUNK, CHUNK) == 2
    assert SIMULATE._chunk_threads(scenario, (per_thread * 2 - 1) * CHUNK, CHUNK) == 1
    # capability demand is not compiled: "auto" runs it on the numpy engine
    assert SIMULATE._chunk_threads(fs.bundled("capability_driven"), 10**6, CHUNK) == 1
    monkeypatch.setenv("FRONTIERSIM_ENGINE", "numpy")
    assert SIMULATE._chunk_threads(scenario, 10**6, CHUNK) == 1
    monkeypatch.setenv("FRONTIERSIM_ENGINE", "numba")
    monkeypatch.setenv("NUMBA_NUM_THREADS", "1")
    assert SIMULATE._chunk_threads(scenario, 10**6, CHUNK) == 1


def test_runs_compiled_agrees_with_the_engine_a_chunk_runs_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # The classes a scenario selects tell, before any is built, what run_chunk finds from the built components.
    monkeypatch.delenv("FRONTIERSIM_ENGINE", raising=False)
    for name in bundled_names():
        scenario = fs.bundled(name)
        setup = engine.Setup(scenario, SIMULATE.sample_draws(scenario, 0, 4, 1), None)
        built = [component.build(setup) for component in engine.assemble(scenario)]
        assert engine.runs_compiled(scenario) == (uncovered(built, engine.catalogue(scenario)) is None), name


def test_each_chunk_thread_runs_its_chunk_on_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # Catches a chunk thread whose kernels, sampling or sketches would start threads of their own.
    seen: list[tuple[str, int]] = []
    original = SIMULATE.simulate_range

    def recording(*arguments: Any, **options: Any) -> Any:
        seen.append((threading.current_thread().name, environment.compute_threads()))
        return original(*arguments, **options)

    monkeypatch.setattr(SIMULATE, "simulate_range", recording)
    run_with(monkeypatch, 2, chunk_threads=True, keep_monthly=False)
    assert len(seen) == -(-DRAWS // CHUNK)
    assert all(name.startswith("frontiersim-chunk") and threads == 1 for name, threads in seen)
    assert environment.compute_threads() == 2  # this thread keeps its budget


def test_an_error_in_a_chunk_stops_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # The error of the failing chunk is raised, the chunks before it were reported in order, and the chunks not
    # yet started are not run.
    started: list[int] = []
    reported: list[int] = []
    original = SIMULATE.simulate_range

    def failing(scenario: fs.Scenario, start: int, stop: int, *arguments: Any, **options: Any) -> Any:
        started.append(start)
        if start == 3 * CHUNK:
            raise fs.ModelRangeError("chunk 3 left the range")
        return original(scenario, start, stop, *arguments, **options)

    monkeypatch.setattr(SIMULATE, "simulate_range", failing)
    with pytest.raises(fs.ModelRangeError, match="chunk 3 left the range"):
        run_with(monkeypatch, 2, chunk_threads=True, keep_monthly=False, progress=reported.append)
    assert reported == [CHUNK] * 3
    assert len(started) <= 3 + 1 + 2  # the failing chunk, the one beside it and those queued behind them


def test_use_one_thread_holds_in_its_thread_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUMBA_NUM_THREADS", "4")
    inside: list[int] = []
    worker = threading.Thread(
        target=lambda: (environment.use_one_thread(), inside.append(environment.compute_threads()))
    )
    worker.start()
    worker.join()
    assert inside == [1]
    assert environment.compute_threads() == 4


def test_draw_cache_counts_and_bound_hold_under_threads(scenario: fs.Scenario) -> None:
    # Chunks of a policy search are sampled on several threads at once: every ask is a hit or a miss, the
    # bytes kept never pass the bound, and every thread gets the numbers of sample_draws.
    cache = DrawCache(scenario, draw_plan(scenario), max_bytes=4 * 1024**2)
    bounds = [(start, start + 200) for start in range(0, 2000, 200)]
    answers: dict[tuple[int, int], list[Any]] = {bound: [] for bound in bounds}

    def ask() -> None:
        for bound in bounds:
            answers[bound].append(cache.draws(*bound, 5))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.hits + cache.misses == 4 * len(bounds)
    assert cache.bytes_kept <= cache.max_bytes
    for (start, stop), given in answers.items():
        fresh = SIMULATE.sample_draws(scenario, start, stop, 5)
        for draws in given:
            for name, values in fresh.shocks.items():
                np.testing.assert_array_equal(draws.shocks[name], values)
