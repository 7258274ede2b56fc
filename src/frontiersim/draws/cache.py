"""Sampled chunks of draws kept for reuse: common random numbers sampled once.

A policy search simulates many candidate policies on the same draws (one
seed, the same chunks). The draws do not depend on the policy, so a
:class:`DrawCache` keeps each chunk's :class:`~frontiersim.draws.sampling.Draws`
after it is first sampled and hands the same arrays to every later run of
the same chunk. Every number is unchanged: a cached chunk is exactly what
:func:`~frontiersim.draws.sampling.sample_draws` returns for its seed and
bounds.

Memory stays bounded: the cache holds at most ``max_bytes`` of arrays. Once
full it keeps what it holds and samples every further chunk afresh, without
evicting. Runs sweep their chunks in the same order each time, so evicting
the oldest chunk (LRU) would evict every chunk just before it is asked for
again; keeping the first chunks instead saves their sampling on every later
run.

The cached arrays are made read-only, so that a model writing into its
inputs in place fails loudly instead of changing the draws of the next run.

Written here rather than taken from a caching library
(:func:`functools.lru_cache`, ``cachetools``): the bound is in bytes of
arrays, not entries, and the keep-the-first policy above is not one those
libraries offer.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

import numpy as np

from frontiersim.draws.sampling import DrawPlan, Draws, SeedLike, sample_draws, seed_sequence
from frontiersim.scenario.schema import Scenario

#: Default bound on the arrays one cache keeps, bytes (256 MiB: 100,000 draws of the bundled scenarios'
#: horizons fit, at 36 months about 73 MB and at 60 months about 111 MB).
DEFAULT_CACHE_BYTES = 256 * 1024**2


def seed_key(seed: np.random.SeedSequence) -> Hashable:
    """What makes a seed's draws: its entropy and spawn key (see :func:`~frontiersim.draws.sampling.block_generator`).

    Examples
    --------
    >>> seed_key(np.random.SeedSequence(7)) == seed_key(np.random.SeedSequence(7))
    True
    >>> seed_key(np.random.SeedSequence(7)) == seed_key(np.random.SeedSequence(7, spawn_key=(1,)))
    False
    """
    entropy = seed.entropy
    entropy_key = tuple(int(value) for value in entropy) if isinstance(entropy, list | tuple) else entropy
    return (entropy_key, tuple(int(part) for part in seed.spawn_key))


def _read_only(values: np.ndarray) -> np.ndarray:
    values.flags.writeable = False
    return values


class DrawCache:
    """Sampled chunks of one scenario's draws, kept up to a bound in bytes and handed out again.

    Parameters
    ----------
    scenario : Scenario
        The scenario whose draws are kept; a run of another scenario may not use the cache.
    plan : DrawPlan
        Its streams (:func:`frontiersim.models.draw_plan`).
    max_bytes : int
        Bound on the arrays kept; chunks beyond it are sampled afresh each time.
    """

    def __init__(self, scenario: Scenario, plan: DrawPlan, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.scenario = scenario
        self.plan = plan
        self.max_bytes = max_bytes
        self.bytes_kept = 0
        self.hits = 0
        self.misses = 0
        self._chunks: dict[tuple[Hashable, int, int], Draws] = {}
        # Chunks of one run are sampled on several threads at once: the counts and the bound are kept under a lock.
        self._lock = threading.Lock()

    def draws(self, start: int, stop: int, seed: SeedLike) -> Draws:
        """Draws ``start:stop`` of ``seed``: the kept chunk, else sampled (and kept while the bound allows).

        Returns exactly what :func:`~frontiersim.draws.sampling.sample_draws` returns for the same
        arguments, with read-only arrays when kept.
        """
        root = seed_sequence(seed)
        key = (seed_key(root), start, stop)
        with self._lock:
            kept = self._chunks.get(key)
            if kept is not None:
                self.hits += 1
                return kept
            self.misses += 1
        sampled = sample_draws(self.scenario, start, stop, root, self.plan)
        size = sum(values.nbytes for values in (*sampled.parameters.values(), *sampled.shocks.values()))
        with self._lock:
            if key in self._chunks:  # sampled on another thread meanwhile: the same numbers, kept once
                return self._chunks[key]
            if self.bytes_kept + size > self.max_bytes:
                return sampled
            kept = Draws(
                sampled.start,
                sampled.stop,
                {name: _read_only(values) for name, values in sampled.parameters.items()},
                {name: _read_only(values) for name, values in sampled.shocks.items()},
            )
            self._chunks[key] = kept
            self.bytes_kept += size
        return kept

    def clear(self) -> None:
        """Forget every kept chunk (the counts of hits and misses stay)."""
        with self._lock:
            self._chunks.clear()
            self.bytes_kept = 0
