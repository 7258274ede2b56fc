"""Sampling the random draws: the shock streams written in place on a shared pool, beside the previous way.

Usage::

    python benchmarks/bench_sampling.py            # 10^6 draws, 5 repeats (about a minute)
    python benchmarks/bench_sampling.py --quick    # 10^5 draws

Each case samples every random input of the bundled ``default`` scenario over
10 years (120 months), ``frontiersim.simulate.sample_draws(scenario, start,
stop, seed)``, for the draws in chunks of 8,192 as ``fs.simulate`` does, and
throws each chunk away. Every case runs in a fresh Python subprocess (this
script with ``--case``), so that its peak memory is its own ``ru_maxrss``:

``previous``
    The monthly shock streams sampled as before: each stream by
    ``sample_range`` (whole blocks, concatenated, then cut) on a thread pool
    made for the call, one stream per thread (``os.cpu_count()`` threads at
    most), from 200,000 numbers a stream.
``current``
    :func:`frontiersim.draws.sampling.sample_shocks`: every block written
    straight into one array per stream, the (stream, block) pairs spread over
    the module's pool of :func:`frontiersim.environment.compute_threads`
    threads.
``current_1_thread``
    The same on the calling thread only (``NUMBA_NUM_THREADS=1``, as in a
    dashboard worker).

The uncertain parameters are sampled the same way in every case. As in a run
of the compiled engine, glibc keeps freed memory for reuse
(:func:`frontiersim.models.fused.keep_freed_memory`), so that a chunk's arrays
take the memory of the chunk before instead of faulting fresh pages in. Throughput
is draw-months per second of wall-clock time (median over the repeats), with
the fastest repeat and the CPU time (user + system, all threads) beside it:
on a machine shared with other work the wall clock measures the other work
too, and the threads only help when a core is free. Before timing, the
script checks that the previous and current ways give identical arrays on an
aligned and an unaligned range; the exit code is 1 if they do not.
"""

# The parent process imports neither numpy nor frontiersim: its children inherit its peak RSS.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

SEED = 20260101
MONTHS = 120
CHUNK = 8192
CASES = ("previous", "current", "current_1_thread")


def _ten_years() -> Any:
    import dataclasses

    import frontiersim as fs

    scenario = fs.bundled("default")
    return dataclasses.replace(scenario, meta=dataclasses.replace(scenario.meta, horizon_years=10))


def previous_sample_shocks(root: Any, streams: Sequence[Any], start: int, stop: int, months: int) -> list[Any]:
    """The shock streams as they were sampled before: whole blocks concatenated, one stream per thread."""
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    from frontiersim.draws.sampling import sample_range

    size = stop - start

    def shock_stream(stream: Any) -> Any:
        if not stream.needed:
            return np.zeros((size, months))
        if stream.law == "normal":
            return sample_range(root, stream.name, start, stop, lambda rng, n: rng.standard_normal((n, months)))
        return sample_range(root, stream.name, start, stop, lambda rng, n: rng.random((n, months)))

    needed = sum(stream.needed for stream in streams)
    if needed > 1 and size * months >= 200_000:
        with ThreadPoolExecutor(max_workers=min(needed, os.cpu_count() or 1)) as pool:
            return list(pool.map(shock_stream, streams))
    return [shock_stream(stream) for stream in streams]


def _use(case: str) -> None:
    """Make ``frontiersim.simulate.sample_draws`` sample the shock streams the way ``case`` says."""
    from frontiersim.draws import sampling

    if case == "previous":
        sampling.sample_shocks = previous_sample_shocks


def _sample_all(draws: int) -> None:
    from frontiersim.simulate import sample_draws

    scenario = _ten_years()
    for start in range(0, draws, CHUNK):
        sample_draws(scenario, start, min(start + CHUNK, draws), SEED)


def _clock() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), usage.ru_utime + usage.ru_stime


def run_case(case: str, draws: int, repeats: int) -> dict[str, Any]:
    """One case, in this (fresh) process."""
    from frontiersim.models.fused import keep_freed_memory

    keep_freed_memory()  # as in a run of the compiled engine, which sets it before the second chunk is sampled
    _use(case)
    _sample_all(CHUNK)  # imports, the draw plan, the pool
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = _clock()
        _sample_all(draws)
        end_wall, end_cpu = _clock()
        walls.append(end_wall - wall)
        cpus.append(end_cpu - cpu)
    wall_s, cpu_s = statistics.median(walls), statistics.median(cpus)
    return {
        "wall_s": wall_s,
        "fastest_wall_s": min(walls),
        "cpu_s": cpu_s,
        "walls_s": walls,
        "draw_months_per_s": draws * MONTHS / wall_s,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }


def agreement() -> bool:
    """Whether the previous and current ways give identical draws on an aligned and an unaligned range."""
    import numpy as np

    from frontiersim.draws import sampling
    from frontiersim.simulate import sample_draws

    scenario = _ten_years()
    current: Callable[..., Any] = sampling.sample_shocks
    same = True
    for start, stop in ((0, 2 * CHUNK), (1000, 5000 + CHUNK)):
        sampling.sample_shocks = previous_sample_shocks
        before = sample_draws(scenario, start, stop, SEED)
        sampling.sample_shocks = current
        after = sample_draws(scenario, start, stop, SEED)
        same = same and before.shocks.keys() == after.shocks.keys()
        same = same and all(np.array_equal(before.shocks[name], after.shocks[name]) for name in before.shocks)
        same = same and all(np.array_equal(before[name], after[name]) for name in before.parameters)
    return same


def _child(case: str, draws: int, repeats: int) -> dict[str, Any]:
    environment = dict(os.environ)
    if case == "current_1_thread":
        environment["NUMBA_NUM_THREADS"] = "1"
    command = [sys.executable, __file__, "--case", case, "--draws", str(draws), "--repeats", str(repeats)]
    output = subprocess.run(command, env=environment, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(output.splitlines()[-1])
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run every case in its own process and print them side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^5 draws instead of 10^6")
    parser.add_argument("--draws", type=int, default=None, help="draws per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--case", choices=[*CASES, "agreement"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    draws = args.draws or (100_000 if args.quick else 1_000_000)
    if args.case == "agreement":
        print(json.dumps({"identical": agreement()}))
        return 0
    if args.case:
        print(json.dumps(run_case(args.case, draws, args.repeats)))
        return 0
    identical = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--case", "agreement"], check=True, capture_output=True, text=True
        ).stdout.splitlines()[-1]
    )["identical"]
    print(
        f"sample_draws, default scenario, {MONTHS} months, {draws:,} draws in chunks of {CHUNK:,}, "
        f"median of {args.repeats} repeats"
    )
    print(
        f"CPUs available {len(os.sched_getaffinity(0))}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"previous and current draws identical: {identical}")
    print(f"{'case':<18} {'wall s':>8} {'fastest':>8} {'CPU s':>8} {'draw-months/s':>15} {'peak RSS MiB':>13}")
    results = {case: _child(case, draws, args.repeats) for case in CASES}
    for case, result in results.items():
        print(
            f"{case:<18} {result['wall_s']:>8.2f} {result['fastest_wall_s']:>8.2f} {result['cpu_s']:>8.2f} "
            f"{result['draw_months_per_s']:>15,.0f} {result['peak_rss_mib']:>13.0f}"
        )
    for case in CASES[1:]:
        speedup = results["previous"]["wall_s"] / results[case]["wall_s"]
        print(f"{case} over previous, median wall clock: {speedup:.2f}x")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
