"""Shock streams sampled in place and on threads: the numbers of whole blocks cut to the range; the thread budget."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np
import pytest

import frontiersim as fs
from frontiersim import environment
from frontiersim.dashboard import limits
from frontiersim.draws import BLOCK_SIZE, ShockStream, block_generator, sampling, seed_sequence
from frontiersim.simulate import sample_draws

NORMAL = ShockStream("test.normal_shocks", "normal", "a normal stream")
UNIFORM = ShockStream("test.uniforms", "uniform", "a uniform stream")
UNNEEDED = ShockStream("test.unneeded", "normal", "a stream that cannot matter", needed=False)

RANGES = [(1000, 5000), (0, 4096), (2048, 8192), (0, 1), (1, 2), (1023, 1025), (5000, 5001), (3, 9000), (4096, 4100)]


def reference_stream(
    root: np.random.SeedSequence, stream: ShockStream, start: int, stop: int, months: int
) -> np.ndarray:
    """The straightforward way: every block the range touches generated whole, concatenated, then sliced."""
    if not stream.needed:
        return np.zeros((stop - start, months))
    first, last = start // BLOCK_SIZE, (stop - 1) // BLOCK_SIZE
    blocks = []
    for block in range(first, last + 1):
        rng = block_generator(root, stream.name, block)
        shape = (BLOCK_SIZE, months)
        blocks.append(rng.standard_normal(shape) if stream.law == "normal" else rng.random(shape))
    offset = first * BLOCK_SIZE
    return np.concatenate(blocks, axis=0)[start - offset : stop - offset]


@pytest.fixture
def always_parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Even the smallest range is sampled on threads, when there are several."""
    monkeypatch.setattr(sampling, "PARALLEL_SHOCKS_MIN_NUMBERS", 0)


@pytest.mark.usefixtures("always_parallel")
@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("months", [1, 12, 120])
@pytest.mark.parametrize(("start", "stop"), RANGES)
def test_shocks_are_the_whole_blocks_cut_to_the_range(
    monkeypatch: pytest.MonkeyPatch, threads: int, months: int, start: int, stop: int
) -> None:
    monkeypatch.setattr(sampling, "SAMPLING_THREADS", threads)
    root = seed_sequence(20260101)
    streams = [UNIFORM, UNNEEDED, NORMAL]
    sampled = sampling.sample_shocks(root, streams, start, stop, months)
    assert len(sampled) == len(streams)
    for stream, values in zip(streams, sampled, strict=True):
        expected = reference_stream(root, stream, start, stop, months)
        assert values.shape == (stop - start, months)
        assert values.dtype == np.float64
        assert values.flags.c_contiguous
        np.testing.assert_array_equal(values, expected, strict=True)


@pytest.mark.usefixtures("always_parallel")
@pytest.mark.parametrize("threads", ["1", "2"])
def test_numba_num_threads_sizes_the_sampling(monkeypatch: pytest.MonkeyPatch, threads: str) -> None:
    monkeypatch.setattr(sampling, "SAMPLING_THREADS", None)
    monkeypatch.setenv("NUMBA_NUM_THREADS", threads)
    submitted: list[int] = []
    submit = sampling._submit

    def spy(work: Callable[[], None], count: int) -> list[Future[None]]:
        submitted.append(count)
        return submit(work, count)

    monkeypatch.setattr(sampling, "_submit", spy)
    root = seed_sequence(3)
    sampled = sampling.sample_shocks(root, [NORMAL, UNIFORM], 1000, 5000, 12)
    assert sampling.sampling_threads() == int(threads)
    # The calling thread takes pairs too: the pool is asked for the others only.
    assert submitted == ([] if threads == "1" else [int(threads) - 1])
    for stream, values in zip([NORMAL, UNIFORM], sampled, strict=True):
        np.testing.assert_array_equal(values, reference_stream(root, stream, 1000, 5000, 12), strict=True)


def test_small_ranges_stay_on_the_calling_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sampling, "SAMPLING_THREADS", 2)

    def refuse(work: Callable[[], None], count: int) -> list[Future[None]]:
        raise AssertionError("a range below PARALLEL_SHOCKS_MIN_NUMBERS went to the pool")

    monkeypatch.setattr(sampling, "_submit", refuse)
    months = 12
    size = sampling.PARALLEL_SHOCKS_MIN_NUMBERS // (2 * months) - 1
    sampling.sample_shocks(seed_sequence(1), [NORMAL, UNIFORM], 0, size, months)


@pytest.mark.usefixtures("always_parallel")
def test_the_pool_is_made_once_and_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sampling, "SAMPLING_THREADS", 2)
    root = seed_sequence(5)
    sampling.sample_shocks(root, [NORMAL, UNIFORM], 0, 4096, 12)
    pool = sampling._POOL[0][2]
    sampling.sample_shocks(root, [NORMAL, UNIFORM], 0, 4096, 12)
    assert sampling._POOL[0][2] is pool


@pytest.mark.usefixtures("always_parallel")
def test_an_error_on_a_pool_thread_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sampling, "SAMPLING_THREADS", 2)
    fill = sampling._fill_block
    calls: list[int] = []

    def failing(root: np.random.SeedSequence, stream: ShockStream, block: int, *rest: object) -> None:
        calls.append(block)
        if block == 5:
            raise RuntimeError("block 5 failed")
        fill(root, stream, block, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(sampling, "_fill_block", failing)
    with pytest.raises(RuntimeError, match="block 5 failed"):
        sampling.sample_shocks(seed_sequence(5), [NORMAL], 0, 8 * BLOCK_SIZE, 12)
    assert sorted(calls) == list(range(8))


@pytest.mark.parametrize("threads", [1, 2])
def test_sample_draws_shocks_match_the_reference(monkeypatch: pytest.MonkeyPatch, threads: int) -> None:
    monkeypatch.setattr(sampling, "SAMPLING_THREADS", threads)
    scenario = fs.bundled("default")
    scenario = dataclasses.replace(scenario, meta=dataclasses.replace(scenario.meta, horizon_years=10))
    months = scenario.horizon_months
    root = seed_sequence(20260101)
    start, stop = 1000, 5000  # 4,000 draws x 120 months x 2 streams: above the threshold
    draws = sample_draws(scenario, start, stop, 20260101)
    assert len(draws.shocks) >= 2
    for name, values in draws.shocks.items():
        stream = ShockStream(name, "uniform" if "uniform" in name else "normal", "")
        np.testing.assert_array_equal(values, reference_stream(root, stream, start, stop, months), strict=True)


class TestThreadBudget:
    def test_numba_num_threads_is_honoured(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("NUMBA_NUM_THREADS", "3")
        assert environment.compute_threads() == 3
        monkeypatch.setenv("NUMBA_NUM_THREADS", " 1 ")
        assert environment.compute_threads() == 1

    @pytest.mark.parametrize("junk", ["", "0", "-2", "abc", "1.5", "2 threads", "²"])
    def test_junk_values_are_ignored(self, monkeypatch: pytest.MonkeyPatch, junk: str) -> None:
        monkeypatch.setattr(environment, "available_cores", lambda: 5)
        monkeypatch.setenv("NUMBA_NUM_THREADS", junk)
        assert environment.compute_threads() == 5

    def test_unset_means_the_available_cores(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
        assert environment.compute_threads() == environment.available_cores()

    def test_available_cores_is_the_affinity_set(self) -> None:
        cores = environment.available_cores()
        assert cores >= 1
        if hasattr(os, "sched_getaffinity"):
            assert cores == len(os.sched_getaffinity(0))

    def test_the_dashboard_default_workers_are_the_available_cores(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(environment, "available_cores", lambda: 7)
        assert limits.default_workers() == 7
