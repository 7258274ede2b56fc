"""Policy optimization at scale: one whole ``optimize_policy`` call, timed, with its peak memory.

Usage::

    python benchmarks/bench_optimize.py                    # one_trillion_bet_uncertain, 21 candidates x 100,000 draws
    python benchmarks/bench_optimize.py --with-default     # the bundled default scenario as well
    python benchmarks/bench_optimize.py --quick            # 10,000 draws: a few seconds

Each case runs in a fresh Python subprocess (this script with ``--case``): it
imports, warms up on a tiny optimization, reads its RSS, then times one call of
:func:`frontiersim.optimize.optimize_policy` (grid of ``--candidates`` policies,
bounded-Brent refinement, re-evaluation of the choice and of the three naive
policies on ``4 x draws`` fresh draws), and reads ``ru_maxrss`` right after.

Reported per case:

* wall-clock and CPU time (user + system) of the whole call, and the wall time
  of the search (grid + refinement, up to the last candidate's ``progress``
  callback) beside the naive policies and the validation that follow it;
* evaluations: searched candidates (one ``progress`` call each) + 1 validation
  of the choice + 3 naive policies on the search sample + 3 on the fresh one;
* draw-months simulated (every evaluation's draws x the horizon's months) per
  wall-clock second and per CPU-second;
* peak RSS (``ru_maxrss``), and the RSS after imports and the warm-up.

The table is printed and written as JSON to ``benchmarks/output/``.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import frontiersim as fs
from frontiersim.optimize import Objective, naive_policies, optimize_policy, policy_family

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_simulate import machine

HERE = Path(__file__).resolve().parent
OUTPUT_DIR = HERE / "output"
SEED = 20260101
MAX_RUIN = 0.05


@dataclasses.dataclass(frozen=True)
class Case:
    """One optimization, run in its own process."""

    scenario: str
    family: str
    draws: int
    candidates: int
    validation_draws: int
    objective: str = "discounted_profit"


def plan(quick: bool, with_default: bool, candidates: int, draws: int | None) -> list[Case]:
    n = draws or (10_000 if quick else 100_000)
    names = ["one_trillion_bet_uncertain", *(["default"] if with_default else [])]
    return [Case(name, "hedge", n, candidates, 4 * n) for name in names]


# --------------------------------------------------------------------------- child side


def _max_rss_mib() -> float:
    """Peak resident set size so far, MiB (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu_seconds() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def run_case(case: Case) -> dict[str, Any]:
    """Measure one case in this process (called in the child)."""
    scenario = fs.bundled(case.scenario)
    family = policy_family(scenario, case.family)
    objective = Objective(case.objective)  # type: ignore[arg-type]
    optimize_policy(scenario, family, objective, max_ruin=MAX_RUIN, draws=256, candidates=3, refine=False, seed=SEED)
    gc.collect()
    baseline = _max_rss_mib()

    search_ends: list[float] = []
    messages: list[str] = []

    def progress(message: str) -> None:
        search_ends.append(time.perf_counter())
        messages.append(message)

    user_start, system_start = _cpu_seconds()
    started = time.perf_counter()
    result = optimize_policy(
        scenario,
        family,
        objective,
        max_ruin=MAX_RUIN,
        draws=case.draws,
        validation_draws=case.validation_draws,
        candidates=case.candidates,
        seed=SEED,
        progress=progress,
    )
    wall = time.perf_counter() - started
    user, system = _cpu_seconds()
    peak = _max_rss_mib()

    months = scenario.horizon_months
    searched = len(result.search)
    naive = len(naive_policies(scenario))
    draws_simulated = searched * case.draws + naive * case.draws + (1 + naive) * case.validation_draws
    draw_months = draws_simulated * months
    cpu = (user - user_start) + (system - system_start)
    # The first ``searched`` progress calls are the candidates' (grid and refinement); the naive policies and the
    # validation follow.
    search_wall = search_ends[searched - 1] - started if len(search_ends) >= searched else float("nan")
    chosen = result.chosen
    return {
        **dataclasses.asdict(case),
        "months": months,
        "evaluations": {
            "searched_candidates": searched,
            "grid": case.candidates,
            "refinement": searched - case.candidates,
            "validation_of_choice": 1,
            "naive_search_sample": naive,
            "naive_validation_sample": naive,
            "total": searched + 1 + 2 * naive,
        },
        "draws_simulated": draws_simulated,
        "draw_months": draw_months,
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "user_seconds": user - user_start,
        "system_seconds": system - system_start,
        "search_wall_seconds": search_wall,
        "validation_wall_seconds": wall - search_wall,
        "draw_months_per_second": draw_months / wall,
        "draw_months_per_cpu_second": draw_months / cpu,
        "baseline_rss_mib": baseline,
        "peak_rss_mib": peak,
        "added_rss_kib_per_draw_evaluated": (peak - baseline) * 1024.0 / draws_simulated,
        "chosen": {
            "label": chosen.label,
            "parameter": chosen.parameter,
            "p_ruin": chosen.ruin.estimate,
            "p_ruin_wilson": [chosen.ruin.low, chosen.ruin.high],
            "objective_mean_usd": chosen.objective.mean,
            "objective_se_usd": chosen.objective.standard_error,
            "confirmed": result.confirmed,
        },
        "messages": result.messages,
    }


# --------------------------------------------------------------------------- parent side


def measure(case: Case) -> dict[str, Any]:
    """Run ``case`` in a fresh interpreter and return its measurements."""
    command = [sys.executable, str(Path(__file__).resolve()), "--case", json.dumps(dataclasses.asdict(case))]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600)
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise RuntimeError(f"case {case.scenario} failed with exit code {completed.returncode}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _rate(value: float) -> str:
    return f"{value / 1e6:.2f} M" if value >= 1e6 else f"{value / 1e3:.0f} k"


def render(results: Sequence[dict[str, Any]]) -> str:
    lines = [
        "One optimize_policy call per case, each in a fresh process (hedge family, max P(ruin) 5%, discounted profit).",
        "evaluations = searched candidates (grid + refinement) + 1 validation + 3 naive x 2 samples; "
        "peak RSS = ru_maxrss",
        f"{'scenario':<28}{'draws':>9}{'valid.':>9}{'months':>7}{'evals':>10}{'wall s':>8}{'search s':>9}"
        f"{'CPU s':>7}{'draw-months/s':>14}{'per CPU-s':>11}{'peak RSS MiB':>13}{'after warm-up':>14}",
    ]
    for r in results:
        e = r["evaluations"]
        evals = f"{e['searched_candidates']}+{e['total'] - e['searched_candidates']}"
        lines.append(
            f"{r['scenario']:<28}{r['draws']:>9,}{r['validation_draws']:>9,}{r['months']:>7}{evals:>10}"
            f"{r['wall_seconds']:>8.1f}{r['search_wall_seconds']:>9.1f}{r['cpu_seconds']:>7.1f}"
            f"{_rate(r['draw_months_per_second']):>14}{_rate(r['draw_months_per_cpu_second']):>11}"
            f"{r['peak_rss_mib']:>13,.0f}{r['baseline_rss_mib']:>14,.0f}"
        )
    lines.append("")
    for r in results:
        c = r["chosen"]
        lines.append(
            f"{r['scenario']}: chose {c['label']} (P(ruin) {c['p_ruin']:.2%} on {r['validation_draws']:,} fresh "
            f"draws, objective ${c['objective_mean_usd'] / 1e9:,.1f}B); {'; '.join(r['messages'])}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time one whole policy optimization, with its peak memory.")
    parser.add_argument("--quick", action="store_true", help="10,000 draws per candidate instead of 100,000")
    parser.add_argument("--with-default", action="store_true", help="also optimize the bundled default scenario")
    parser.add_argument("--candidates", type=int, default=21, help="grid size (default: 21)")
    parser.add_argument("--draws", type=int, default=None, help="draws per candidate (overrides --quick)")
    parser.add_argument("--out", type=Path, default=None, help="JSON file (default: benchmarks/output/...)")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.case is not None:
        print(json.dumps(run_case(Case(**json.loads(args.case)))))
        return 0

    started = time.perf_counter()
    load_before = os.getloadavg()
    results = []
    for case in plan(args.quick, args.with_default, args.candidates, args.draws):
        print(
            f"optimizing {case.scenario}: {case.candidates} candidates x {case.draws:,} draws, "
            f"validation on {case.validation_draws:,} ...",
            flush=True,
        )
        results.append(measure(case))
    print()
    print(render(results))
    report = {
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", "benchmarks/bench_optimize.py", *sys.argv[1:]]),
        "seed": SEED,
        "max_ruin": MAX_RUIN,
        "machine": machine(),
        "load_average_1_5_15_min": {"before": load_before, "after": os.getloadavg()},
        "memory": "ru_maxrss of a fresh child process per case (RUSAGE_SELF), MiB",
        "cases": results,
        "total_seconds": time.perf_counter() - started,
    }
    out: Path = args.out or OUTPUT_DIR / f"bench_optimize{'_quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {out} (total {report['total_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
