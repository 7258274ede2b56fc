"""A sweep of 20 scenarios x 100,000 draws on one process, on local processes and on Dask, side by side.

Usage::

    python benchmarks/bench_sweep.py            # full run: a few minutes on 2 cores
    python benchmarks/bench_sweep.py --quick    # 4 points x 10,000 draws: under a minute

The sweep is a grid over the bundled ``default`` scenario (5 years, 60
months): ``policy.hedge_factor`` = 0.3, 0.45, 0.6, 0.75, 0.9 by
``compute.lead_time_months`` = 9, 12, 18, 24 (20 points), each point
``draws`` draws with the same seed, run by :func:`frontiersim.sweep.run_sweep`
with every point stored (summary tables) in a fresh run store, as ``frontiersim
sweep`` does. Executors:

* ``serial``: every point in this process;
* ``processes``: a process pool of ``workers`` spawned interpreters;
* ``dask``: a Dask ``LocalCluster`` of ``workers`` worker processes (one thread
  each), started and closed by the executor.

Every case runs in a fresh Python subprocess (this script with ``--case``).
Its **wall time** runs from entering the executor (starting its workers) to
leaving it (closing them), and is split into start-up, the sweep itself, and
shut-down. **CPU time** is user + system of the case's process and its
waited-for children. **Draw-months/s** is points x draws x months over the
wall time. **Overhead** is the wall time beyond the ideal, serial wall time /
workers (what perfect sharing of the cores would give). **Peak memory** is
``ru_maxrss`` of the case's process and, separately, of its largest worker
(``RUSAGE_CHILDREN``, read after the workers have exited). Every case checks
that its ``points`` table equals the serial one bit for bit.

The table is printed and written as JSON to ``benchmarks/output/``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUTPUT_DIR = HERE / "output"
HEDGE_FACTORS = (0.3, 0.45, 0.6, 0.75, 0.9)
LEAD_TIMES_MONTHS = (9, 12, 18, 24)
SEED = 20260101


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_case(executor_name: str, workers: int, draws: int, points: int) -> dict[str, Any]:
    """One sweep on one executor, in this (fresh) process."""
    from frontiersim.scenario.loader import bundled  # noqa: PLC0415 (timed from a fresh process)
    from frontiersim.store import RunStore  # noqa: PLC0415
    from frontiersim.sweep import make_executor, plan_sweep, run_sweep  # noqa: PLC0415

    hedge = list(HEDGE_FACTORS) if points >= 20 else list(HEDGE_FACTORS[:2])
    lead = list(LEAD_TIMES_MONTHS) if points >= 20 else list(LEAD_TIMES_MONTHS[:2])
    plan = plan_sweep(
        bundled("default"),
        {"policy.hedge_factor": hedge, "compute.lead_time_months": lead},
        draws=draws,
        seed=SEED,
    )
    after_imports_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as folder:
        store = RunStore(Path(folder) / "runs.duckdb")
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        executor = make_executor(executor_name, workers)
        executor.__enter__()
        ready = time.perf_counter()
        try:
            result = run_sweep(plan, executor, store=store)
            swept = time.perf_counter()
        finally:
            executor.__exit__(None, None, None)
        finished = time.perf_counter()
        cpu = _cpu_seconds() - cpu_before
        points_table = result.points.drop(columns=["run_id"])
    return {
        "executor": executor_name,
        "workers": executor.workers,
        "points": len(plan.points),
        "draws": draws,
        "draw_months": plan.draw_months,
        "wall_seconds": finished - started,
        "startup_seconds": ready - started,
        "sweep_seconds": swept - ready,
        "shutdown_seconds": finished - swept,
        "cpu_seconds": cpu,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "after_imports_rss_kib": after_imports_kib,
        "largest_worker_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        "points_table": points_table.to_json(orient="split", double_precision=15),
    }


def _case_in_subprocess(executor: str, workers: int, draws: int, points: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--case", executor, "--workers", str(workers)]
    command += ["--draws", str(draws), "--points", str(points)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"case {executor} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _mib(kib: float) -> str:
    return f"{kib / 1024:,.0f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 points x 10,000 draws")
    parser.add_argument("--workers", type=int, default=2, help="workers of the processes and dask cases")
    parser.add_argument("--draws", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--points", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--case", choices=("serial", "processes", "dask"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help="JSON output file")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.workers, args.draws, args.points)))
        return 0
    draws, points = (10_000, 4) if args.quick else (100_000, 20)
    cases = [("serial", 1), ("processes", args.workers), ("dask", args.workers)]
    load_before = os.getloadavg()
    results = [_case_in_subprocess(name, workers, draws, points) for name, workers in cases]
    serial = results[0]
    identical = all(result["points_table"] == serial["points_table"] for result in results)
    header = (
        f"{'executor':10} {'workers':>7} {'wall':>8} {'start':>7} {'sweep':>8} {'stop':>6} {'CPU':>8} "
        f"{'draw-months/s':>14} {'speed-up':>8} {'overhead':>9} {'peak (parent)':>13} {'peak (worker)':>13}"
    )
    print(
        f"sweep of {points} points x {draws:,} draws of 'default' (60 months), store included; "
        f"{os.cpu_count()} cores, load average before {load_before[0]:.2f}"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        ideal = serial["wall_seconds"] / result["workers"]
        result["draw_months_per_second"] = result["draw_months"] / result["wall_seconds"]
        result["speed_up"] = serial["wall_seconds"] / result["wall_seconds"]
        result["overhead_seconds"] = result["wall_seconds"] - ideal
        worker = _mib(result["largest_worker_rss_kib"]) if result["executor"] != "serial" else "-"
        print(
            f"{result['executor']:10} {result['workers']:>7} {result['wall_seconds']:>7.1f}s "
            f"{result['startup_seconds']:>6.1f}s {result['sweep_seconds']:>7.1f}s {result['shutdown_seconds']:>5.1f}s "
            f"{result['cpu_seconds']:>7.1f}s {result['draw_months_per_second']:>14,.0f} {result['speed_up']:>7.2f}x "
            f"{result['overhead_seconds']:>+8.1f}s {_mib(result['peak_rss_kib']):>13} {worker:>13}"
        )
    print(f"points tables bit-identical across executors: {'yes' if identical else 'NO'}")
    for result in results:
        del result["points_table"]
    out = args.out or OUTPUT_DIR / f"bench_sweep{'_quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "identical": identical,
        "cases": results,
    }
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
