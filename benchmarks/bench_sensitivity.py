"""Sensitivity analyses of the default scenario: one ``analyse_scenario`` call per method, timed, with peak memory.

Usage::

    python benchmarks/bench_sensitivity.py            # Sobol 4,096 base rows, Morris 500, rank 50,000 draws
    python benchmarks/bench_sensitivity.py --quick    # Sobol 256, Morris 50, rank 5,000: seconds each

Each case runs in a fresh Python subprocess (this script with ``--case``): it
imports, warms up on a tiny analysis, reads its RSS, then times one call of
:func:`frontiersim.sensitivity.scenario_analysis.analyse_scenario` (design,
simulation of every row, indices with 1,000 bootstrap resamples, 200 for the
rank method) on the outcomes ``p_ruin`` and ``discounted_profit``, and reads
``ru_maxrss`` right after.

Reported per case: wall-clock and CPU time, the draws simulated and the
draw-months simulated per wall-clock second (the horizon's months times the
draws), peak RSS and the RSS after the warm-up. The table is printed and
written as JSON to ``benchmarks/output/``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import frontiersim as fs
from frontiersim.sensitivity.scenario_analysis import analyse_scenario

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_simulate import machine

HERE = Path(__file__).resolve().parent
OUTPUT_DIR = HERE / "output"
SEED = 20260101
OUTCOMES = ("p_ruin", "discounted_profit")
FULL = {"sobol": 4096, "morris": 500, "rank": 50_000}
QUICK = {"sobol": 256, "morris": 50, "rank": 5_000}


def _rss_mib() -> float:
    """Resident memory now, MiB (from /proc/self/statm)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def run_case(method: str, samples: int) -> dict[str, Any]:
    """One timed analysis in this process."""
    scenario = fs.bundled("default")
    analyse_scenario(scenario, method, OUTCOMES, samples=8 if method != "rank" else 100, seed=1, resamples=20)
    rss_before = _rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    result = analyse_scenario(scenario, method, OUTCOMES, samples=samples, seed=SEED)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    draw_months = result.simulated_draws * scenario.horizon_months
    return {
        "method": method,
        "samples": samples,
        "simulated_draws": result.simulated_draws,
        "wall_s": wall,
        "cpu_s": cpu,
        "draw_months_per_s": draw_months / wall,
        "rss_after_warmup_mib": rss_before,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "top_drivers_of_p_ruin": result.top_drivers("p_ruin", 3, parameters_only=True),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small samples: a few seconds per method")
    parser.add_argument("--case", nargs=2, metavar=("METHOD", "SAMPLES"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help="JSON output file")
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(args.case[0], int(args.case[1]))))
        return 0
    sizes = QUICK if args.quick else FULL
    rows = []
    for method, samples in sizes.items():
        done = subprocess.run(
            [sys.executable, __file__, "--case", method, str(samples)], capture_output=True, text=True, check=True
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    header = (
        f"{'method':<8} {'samples':>8} {'draws':>8} {'wall s':>8} {'CPU s':>8} {'draw-months/s':>14} {'peak MiB':>9}"
    )
    print(header)
    for row in rows:
        print(
            f"{row['method']:<8} {row['samples']:>8,} {row['simulated_draws']:>8,} {row['wall_s']:>8.2f} "
            f"{row['cpu_s']:>8.2f} {row['draw_months_per_s']:>14,.0f} {row['peak_rss_mib']:>9,.0f}"
        )
        print(f"         top drivers of P(ruin): {', '.join(row['top_drivers_of_p_ruin'])}")
    out = args.out or OUTPUT_DIR / f"bench_sensitivity{'_quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"created_utc": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), "cases": rows}
    out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
