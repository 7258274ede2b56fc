"""Throughput and peak memory: vectorized simulator beside a per-draw Python loop of the same model.

Usage::

    python benchmarks/bench_simulate.py            # full run, about three to four minutes
    python benchmarks/bench_simulate.py --quick    # under ~30 s

Every case runs in a fresh Python subprocess (this script with ``--case``), so
its peak memory is that process's own high-water mark: ``ru_maxrss`` from
``resource.getrusage(RUSAGE_SELF)``, read in the child right after the timed
runs. The RSS after imports and a small warm-up run is reported too, so the
memory a case adds is visible. For a case with worker processes the largest
worker's ``ru_maxrss`` (``RUSAGE_CHILDREN``) is reported separately.

Throughput is draw-months per second: draws x simulated months / time, with
the median over repeats of both wall-clock time and CPU time (user + system,
of the process and its workers); CPU time is the steadier figure when other
work shares the machine. Times are end to end, from scenario and seed to
results:

* vectorized: :func:`frontiersim.simulate` (sampling, simulation in chunks,
  yearly reduction and the labelled xarray Dataset);
* reference: :func:`frontiersim.sample_draws` then
  :func:`frontiersim.testing.simulate_reference` (numpy arrays laid out as
  ``run_chunk``'s).

After its peak memory is read, the reference child also times ``run_chunk``
on the very same draws (kernel against kernel) and checks that the two agree.

The tables are printed and written as JSON to ``benchmarks/output/``. The exit
code is 1 if the reference loop and ``run_chunk`` disagree.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

import frontiersim as fs
from frontiersim.models.engine import run_chunk
from frontiersim.testing.reference import simulate_reference

HERE = Path(__file__).resolve().parent
OUTPUT_DIR = HERE / "output"
SCENARIO = "default"
SEED = 20260101
WARMUP_DRAWS = 64
#: Agreement of the reference loop with run_chunk: rtol, and an absolute floor of ATOL_SHARE x the variable's largest
#: magnitude (a little stricter than tests/test_reference_loop.py, whose floor uses all variables of the unit).
RTOL, ATOL_SHARE = 1e-9, 1e-12

Implementation = Literal["vectorized", "reference"]


@dataclasses.dataclass(frozen=True)
class Case:
    """One measurement, run in its own process."""

    name: str
    implementation: Implementation
    horizon_years: int
    draws: int
    keep_monthly: bool = True
    repeats: int = 1
    workers: int = 1
    scenario: str = SCENARIO

    @property
    def draw_months(self) -> int:
        return self.draws * 12 * self.horizon_years


def plan(quick: bool) -> list[Case]:
    """Each horizon gets a vectorized and a reference case; then the summary-only runs."""
    vectorized, reference, summary = (10_000, 500, 100_000) if quick else (100_000, 2_000, 1_000_000)
    repeats = 3 if quick else 5
    cases: list[Case] = []
    for years in (5, 10):
        cases.append(Case(f"vectorized_{years}y", "vectorized", years, vectorized, repeats=repeats))
        cases.append(Case(f"reference_{years}y", "reference", years, reference, repeats=repeats))
    # capability-driven demand: the driver steps with the months (it needs last month's training compute)
    capability = "capability_driven"
    cases.append(Case("vectorized_capability_5y", "vectorized", 5, vectorized, repeats=repeats, scenario=capability))
    cases.append(Case("reference_capability_5y", "reference", 5, reference, repeats=repeats, scenario=capability))
    cases.append(Case("vectorized_10y_summary_only", "vectorized", 10, summary, keep_monthly=False))
    if not quick:
        cases.append(Case("vectorized_10y_summary_only_2_workers", "vectorized", 10, summary, False, workers=2))
    return cases


# --------------------------------------------------------------------------- child side


def _max_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size so far, MiB (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(who).ru_maxrss / 1024.0


def _usage() -> tuple[float, float, int]:
    """User CPU s, system CPU s and minor page faults of this process and its finished children."""
    user, system, faults = 0.0, 0.0, 0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        user, system, faults = user + usage.ru_utime, system + usage.ru_stime, faults + usage.ru_minflt
    return user, system, faults


@dataclasses.dataclass(frozen=True)
class Timings:
    wall_seconds: list[float]
    user_seconds: list[float]
    system_seconds: list[float]
    minor_page_faults: list[int]

    @property
    def cpu_seconds(self) -> list[float]:
        return [user + system for user, system in zip(self.user_seconds, self.system_seconds, strict=True)]


def _timed(repeats: int, run: Callable[[], object]) -> Timings:
    timings = Timings([], [], [], [])
    for _ in range(repeats):
        gc.collect()
        wall_start, (user_start, system_start, faults_start) = time.perf_counter(), _usage()
        result = run()
        wall = time.perf_counter() - wall_start
        user, system, faults = _usage()
        timings.wall_seconds.append(wall)
        timings.user_seconds.append(user - user_start)
        timings.system_seconds.append(system - system_start)
        timings.minor_page_faults.append(faults - faults_start)
        del result
    return timings


def _scenario(horizon_years: int, name: str = SCENARIO) -> fs.Scenario:
    scenario = fs.bundled(name)
    return dataclasses.replace(scenario, meta=dataclasses.replace(scenario.meta, horizon_years=horizon_years))


def _agreement(scenario: fs.Scenario, draws: fs.Draws) -> dict[str, Any]:
    """Compare the reference loop with run_chunk on the same draws (monthly, per-model and capability outputs)."""
    reference = simulate_reference(scenario, draws)
    vectorized = run_chunk(scenario, draws)
    worst, matches = 0.0, True
    for name, want in {**vectorized.by_month, **vectorized.by_model}.items():
        got = reference.by_month[name] if name in reference.by_month else reference.final[name]
        finite = np.isfinite(want)
        scale = float(np.max(np.abs(want[finite]), initial=0.0))
        matches = matches and bool(np.all(np.isclose(got, want, rtol=RTOL, atol=ATOL_SHARE * scale)))
        difference = np.abs(got[finite] - want[finite])
        worst = max(worst, float(np.max(difference, initial=0.0)) / scale if scale > 0 else 0.0)
    if "milestone_month" in vectorized.final:
        matches = matches and bool(
            np.array_equal(reference.final["milestone_month"], vectorized.final["milestone_month"])
        )
    return {
        "matches_run_chunk": matches,
        "ruin_months_equal": bool(np.array_equal(reference.ruin_month, vectorized.ruin_month)),
        "max_difference_over_scale": worst,
    }


def run_case(case: Case) -> dict[str, Any]:
    """Measure one case in this process (called in the child)."""
    scenario = _scenario(case.horizon_years, case.scenario)
    extra: dict[str, Any] = {}
    if case.implementation == "vectorized":
        fs.simulate(scenario, draws=WARMUP_DRAWS, seed=SEED, keep_monthly=case.keep_monthly)
        baseline = _max_rss_mib()
        timings = _timed(
            case.repeats,
            lambda: fs.simulate(
                scenario, draws=case.draws, seed=SEED, keep_monthly=case.keep_monthly, workers=case.workers
            ),
        )
        peak = _max_rss_mib()
        if case.workers > 1:
            extra["largest_worker_peak_rss_mib"] = _max_rss_mib(resource.RUSAGE_CHILDREN)
    else:
        simulate_reference(scenario, fs.sample_draws(scenario, 0, WARMUP_DRAWS, SEED))
        run_chunk(scenario, fs.sample_draws(scenario, 0, WARMUP_DRAWS, SEED))
        baseline = _max_rss_mib()
        timings = _timed(
            case.repeats, lambda: simulate_reference(scenario, fs.sample_draws(scenario, 0, case.draws, SEED))
        )
        peak = _max_rss_mib()
        # Only after the peak is read: the vectorized kernel on the same draws, and agreement.
        draws = fs.sample_draws(scenario, 0, case.draws, SEED)
        kernel = _timed(case.repeats, lambda: run_chunk(scenario, draws))
        extra["run_chunk_same_draws"] = {
            "wall_seconds": kernel.wall_seconds,
            "cpu_seconds": kernel.cpu_seconds,
            "draw_months_per_second": case.draw_months / statistics.median(kernel.wall_seconds),
            "draw_months_per_cpu_second": case.draw_months / statistics.median(kernel.cpu_seconds),
        }
        extra["agreement"] = _agreement(scenario, draws)

    wall, cpu = statistics.median(timings.wall_seconds), statistics.median(timings.cpu_seconds)
    return {
        **dataclasses.asdict(case),
        "months": 12 * case.horizon_years,
        "draw_months": case.draw_months,
        "wall_seconds": timings.wall_seconds,
        "cpu_seconds": timings.cpu_seconds,
        "user_seconds": timings.user_seconds,
        "system_seconds": timings.system_seconds,
        "minor_page_faults": timings.minor_page_faults,
        "median_wall_seconds": wall,
        "median_cpu_seconds": cpu,
        "system_share_of_cpu": sum(timings.system_seconds) / max(sum(timings.cpu_seconds), 1e-12),
        "draw_months_per_second": case.draw_months / wall,
        "draw_months_per_cpu_second": case.draw_months / cpu,
        "baseline_rss_mib": baseline,
        "peak_rss_mib": peak,
        "added_rss_kib_per_draw": (peak - baseline) * 1024.0 / case.draws,
        **extra,
    }


# --------------------------------------------------------------------------- parent side


#: glibc malloc settings of ``--reuse-memory``: keep freed memory in the process instead of returning it to the
#: kernel, so that big arrays reuse pages already faulted in (see benchmarks/README.md).
REUSE_MEMORY_ENV = {"MALLOC_MMAP_THRESHOLD_": str(2**40), "MALLOC_TRIM_THRESHOLD_": str(2**40)}


def measure(case: Case, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``case`` in a fresh interpreter and return its measurements."""
    command = [sys.executable, str(Path(__file__).resolve()), "--case", json.dumps(dataclasses.asdict(case))]
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=3600, env={**os.environ, **(env or {})}
    )
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise RuntimeError(f"case {case.name} failed with exit code {completed.returncode}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def machine() -> dict[str, Any]:
    pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "memory_gib": round(pages * page_size / 2**30, 1),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "frontiersim": fs.__version__,
    }


def side_by_side(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pair each vectorized case with the reference case of the same name after the prefix."""
    rows: list[dict[str, Any]] = []
    for ref in (r for r in results if r["name"].startswith("reference_")):
        suffix = ref["name"].removeprefix("reference_")
        vec = next((r for r in results if r["name"] == f"vectorized_{suffix}"), None)
        if vec is None:
            continue
        kernel = ref["run_chunk_same_draws"]
        rows.append(
            {
                "label": f"{ref['horizon_years']} years"
                + ("" if ref["scenario"] == SCENARIO else f", {ref['scenario']}"),
                "scenario": ref["scenario"],
                "horizon_years": ref["horizon_years"],
                "vectorized_case": vec["name"],
                "reference_case": ref["name"],
                "vectorized_draws": vec["draws"],
                "reference_draws": ref["draws"],
                "vectorized_draw_months_per_second": vec["draw_months_per_second"],
                "reference_draw_months_per_second": ref["draw_months_per_second"],
                "vectorized_peak_rss_mib": vec["peak_rss_mib"],
                "reference_peak_rss_mib": ref["peak_rss_mib"],
                "speedup_wall": vec["draw_months_per_second"] / ref["draw_months_per_second"],
                "speedup_cpu": vec["draw_months_per_cpu_second"] / ref["draw_months_per_cpu_second"],
                "kernel_speedup_same_draws_cpu": kernel["draw_months_per_cpu_second"]
                / ref["draw_months_per_cpu_second"],
            }
        )
    return rows


def _rate(value: float) -> str:
    return f"{value / 1e6:.2f} M" if value >= 1e6 else f"{value / 1e3:.0f} k"


def render(results: Sequence[dict[str, Any]], pairs: Sequence[dict[str, Any]]) -> str:
    lines = [
        "All cases: each in a fresh process; times are medians of the repeats; peak RSS is that process's ru_maxrss;",
        "sys = share of CPU time spent in the kernel (mostly faulting in fresh memory); "
        "KiB/draw = (peak RSS - RSS after imports and warm-up) / draws",
        f"{'case':<38}{'draws':>10}{'months':>7}{'monthly':>8}{'repeats':>8}{'wall s':>8}{'CPU s':>8}{'sys':>5}"
        f"{'draw-months/s':>14}{'per CPU-s':>11}{'peak RSS MiB':>13}{'after imports':>14}{'KiB/draw':>9}",
    ]
    for r in results:
        lines.append(
            f"{r['name']:<38}{r['draws']:>10,}{r['months']:>7}{'yes' if r['keep_monthly'] else 'no':>8}"
            f"{r['repeats']:>8}{r['median_wall_seconds']:>8.2f}{r['median_cpu_seconds']:>8.2f}"
            f"{r['system_share_of_cpu']:>5.0%}"
            f"{_rate(r['draw_months_per_second']):>14}{_rate(r['draw_months_per_cpu_second']):>11}"
            f"{r['peak_rss_mib']:>13,.0f}{r['baseline_rss_mib']:>14,.0f}{r['added_rss_kib_per_draw']:>9.1f}"
        )
        if "largest_worker_peak_rss_mib" in r:
            lines.append(f"{'':<38}(largest worker's peak RSS: {r['largest_worker_peak_rss_mib']:,.0f} MiB)")
    lines += [
        "",
        f"Side by side, scenario {SCENARIO!r} unless named (draw-months per wall-clock second; speed-ups also per "
        "CPU-second)",
        f"{'':<28}{'vectorized simulate()':^30}|{'reference per-draw loop':^30}|{'speed-up':^21}|{'kernel only':>12}",
        f"{'horizon':<28}{'draws':>9}{'rate':>10}{'peak MiB':>10} |{'draws':>8}{'rate':>10}{'peak MiB':>10}  |"
        f"{'wall':>9}{'CPU':>9}   |{'same draws':>12}",
    ]
    for p in pairs:
        lines.append(
            f"{p['label']:<28}{p['vectorized_draws']:>9,}"
            f"{_rate(p['vectorized_draw_months_per_second']):>10}{p['vectorized_peak_rss_mib']:>10,.0f} |"
            f"{p['reference_draws']:>8,}{_rate(p['reference_draw_months_per_second']):>10}"
            f"{p['reference_peak_rss_mib']:>10,.0f}  |{p['speedup_wall']:>8.1f}x{p['speedup_cpu']:>8.1f}x   |"
            f"{p['kernel_speedup_same_draws_cpu']:>11.1f}x"
        )
    lines.append(
        "kernel only: run_chunk against the loop on the loop's own draws, per CPU-second (no sampling or Dataset)."
    )
    checks = [r["agreement"] for r in results if r["implementation"] == "reference"]
    same = all(c["matches_run_chunk"] and c["ruin_months_equal"] for c in checks)
    worst = max((c["max_difference_over_scale"] for c in checks), default=0.0)
    lines.append(
        f"Reference loop vs run_chunk on the same draws: {'same model' if same else 'MISMATCH'} "
        f"(rtol {RTOL:g}; largest difference {worst:.1e} of a variable's largest magnitude; ruin months exact)."
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Vectorized simulator beside a per-draw Python loop.")
    parser.add_argument("--quick", action="store_true", help="small sizes; finishes in under ~30 s")
    parser.add_argument(
        "--reuse-memory",
        action="store_true",
        help="run the cases with glibc malloc keeping freed memory (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_)",
    )
    parser.add_argument("--out", type=Path, default=None, help="JSON file (default: benchmarks/output/...)")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.case is not None:
        print(json.dumps(run_case(Case(**json.loads(args.case)))))
        return 0

    started = time.perf_counter()
    load_before = os.getloadavg()
    results: list[dict[str, Any]] = []
    for case in plan(args.quick):
        print(f"running {case.name}: {case.draws:,} draws x {12 * case.horizon_years} months ...", flush=True)
        results.append(measure(case, REUSE_MEMORY_ENV if args.reuse_memory else None))
    pairs = side_by_side(results)
    print()
    print(render(results, pairs))

    report = {
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", "benchmarks/bench_simulate.py", *sys.argv[1:]]),
        "mode": "quick" if args.quick else "full",
        "scenario": SCENARIO,
        "seed": SEED,
        "machine": machine(),
        "load_average_1_5_15_min": {"before": load_before, "after": os.getloadavg()},
        "timing": "medians over repeats of wall-clock time and of user+system CPU time (process and workers)",
        "malloc_env": REUSE_MEMORY_ENV if args.reuse_memory else {},
        "memory": "ru_maxrss of a fresh child process per case (RUSAGE_SELF; workers: RUSAGE_CHILDREN), MiB",
        "side_by_side": pairs,
        "cases": results,
        "total_seconds": time.perf_counter() - started,
    }
    suffix = ("_quick" if args.quick else "") + ("_reuse_memory" if args.reuse_memory else "")
    out: Path = args.out or OUTPUT_DIR / f"bench_simulate{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {out} (total {report['total_seconds']:.0f} s)")
    checks = [r["agreement"] for r in results if r["implementation"] == "reference"]
    return 0 if all(c["matches_run_chunk"] and c["ruin_months_equal"] for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
