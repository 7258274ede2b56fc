"""The compiled engine beside the numpy engine, a minimal numpy Monte Carlo and the per-draw loop, in one run.

Usage::

    python benchmarks/bench_kernels.py            # 10^5 and 10^6 draws (several minutes; longer under load)
    python benchmarks/bench_kernels.py --quick    # 10^5 draws only

Every case runs in a fresh Python subprocess (this script with ``--case``), so
that its peak memory is its own ``ru_maxrss`` and its numba cache is what the
case says. All cases simulate the bundled ``default`` scenario over 10 years
(120 months), summary only (``fs.simulate(scenario, draws=N, seed=20260101,
keep_monthly=False)``), unless named otherwise:

``compile``
    The first run of the compiled engine on 64 draws with an empty numba cache
    (``NUMBA_CACHE_DIR`` a fresh folder), less a second run in the same
    process: the compile time. ``cache`` loads the kernels from that cache in
    a new process (what every run pays after the first).
``numpy``, ``numba``, ``numba_2_workers``
    ``FRONTIERSIM_ENGINE=numpy`` or ``numba``; ``workers=2`` runs two
    processes of one numba thread each. One warm-up of 1,000 draws first
    (kernels loaded from the cache), then the timed run. ``results MiB`` is
    the size of the run's arrays. The run is then made again in the same
    process (``again``): its memory is mapped by then, which on a virtual
    machine that hands freed memory back to its host saves seconds per GB.
``numba_3_outputs``
    ``numba`` keeping three per-draw outputs (``simulate(outputs=...)``,
    :data:`FEW_OUTPUTS`): what the results, not the engine, cost.
``numba_summary``
    ``fs.simulate_summary`` with the compiled engine: every per-draw output
    kept as a distribution over draws (fixed-bin sketches filled as each
    chunk finishes), no per-draw numbers; ``results MiB`` is the sketches'
    size, which does not grow with the draws.
``minimal_mc``
    A minimal numpy bankruptcy Monte Carlo of the same size: per chunk of
    8,192 draws, monthly normal shocks, a log-demand random walk, revenue,
    cash and the first month cash goes below zero.
``reference``
    The per-draw Python loop (``frontiersim.testing.simulate_reference``) on
    a small sample, scaled to draw-months per second.
``four_labs``
    The bundled ``four_labs`` scenario over 10 years, compiled engine, as the
    cost per draw-month of four labs over ``numba``'s one.
``agreement``
    ``run_chunk`` with each engine on the same 2,000 draws of ``default`` and
    ``four_labs`` over 10 years, with monthly arrays and summary only: the
    largest difference relative to each output's largest magnitude, and
    whether ruin months are identical.

Throughput is draw-months per second of wall-clock time, and per CPU-second
(user + system, all threads): on a machine shared with other work the wall
clock measures the other work too, and the CPU time is the steadier figure.
The load average is printed; the figures are best compared within one run. Targets are printed as PASS/FAIL
lines; the exit code is 1 only if the engines disagree.
"""

# The parent process imports neither numpy nor frontiersim: its children inherit its peak RSS.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SEED = 20260101
MONTHS = 120
#: What the ``numba_3_outputs`` case keeps per draw (``simulate(outputs=...)``): the headline figures only.
FEW_OUTPUTS = ["ruin_month", "year_revenue_usd", "year_cash_usd"]
OUTPUT = Path(__file__).parent / "output"


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _clock() -> tuple[float, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime


def _ten_years(name: str) -> Any:
    import frontiersim as fs

    scenario = fs.bundled(name)
    return dataclasses.replace(scenario, meta=dataclasses.replace(scenario.meta, horizon_years=10))


def minimal_bankruptcy_mc(draws: int, months: int = MONTHS, chunk: int = 8192) -> float:
    """Share of draws ruined: the smallest numpy Monte Carlo of a lab's cash (the speed yardstick)."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    ruined = 0
    for start in range(0, draws, chunk):
        n = min(chunk, draws - start)
        log_demand = np.cumsum(rng.standard_normal((n, months)) * (0.5 / np.sqrt(12.0)), axis=1)
        revenue = 1e9 * np.exp(log_demand + np.log(3.0) / 12.0 * np.arange(months))
        cash = 5e9 + np.cumsum(revenue - 2e9, axis=1)
        ruined += int((cash < 0).any(axis=1).sum())
    return ruined / draws


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    """One case, in this (fresh) process."""
    kind, draws = case["kind"], case["draws"]
    import frontiersim as fs

    measured: dict[str, Any] = {}
    if kind == "compile":
        from frontiersim.models.engine import run_chunk
        from frontiersim.simulate import sample_draws

        scenario = _ten_years("default")
        sample = sample_draws(scenario, 0, 64, SEED)
        timings = []
        for _ in range(2):
            started = time.perf_counter()
            run_chunk(scenario, sample, keep_monthly=False, engine="numba")
            timings.append(time.perf_counter() - started)
        measured = {"first_s": timings[0], "second_s": timings[1], "compile_s": timings[0] - timings[1]}
    elif kind == "minimal_mc":
        minimal_bankruptcy_mc(1000)
        wall, cpu = _clock()
        measured["ruined_share"] = minimal_bankruptcy_mc(draws)
    elif kind == "reference":
        from frontiersim.simulate import sample_draws
        from frontiersim.testing import simulate_reference

        scenario = _ten_years("default")
        sample = sample_draws(scenario, 0, draws, SEED)
        wall, cpu = _clock()
        simulate_reference(scenario, sample)
    elif kind == "agreement":
        measured = agreement()
    elif kind == "summary":
        scenario = _ten_years(case.get("scenario", "default"))

        def run(n: int) -> float:
            return float(fs.simulate_summary(scenario, draws=n, seed=SEED, workers=case.get("workers", 1)).nbytes)

        run(1000)
        wall, cpu = _clock()
        measured["result_mib"] = run(draws) / 1024**2
        end_wall, end_cpu = _clock()
        again_wall, again_cpu = _clock()
        run(draws)
        done_wall, done_cpu = _clock()
        measured["again_wall_s"], measured["again_cpu_s"] = done_wall - again_wall, done_cpu - again_cpu
    elif kind == "simulate":
        scenario = _ten_years(case.get("scenario", "default"))
        outputs = case.get("outputs")
        fs.simulate(scenario, draws=1000, seed=SEED, keep_monthly=False, outputs=outputs)
        wall, cpu = _clock()
        result = fs.simulate(
            scenario, draws=draws, seed=SEED, keep_monthly=False, workers=case.get("workers", 1), outputs=outputs
        )
        end_wall, end_cpu = _clock()
        measured["result_mib"] = sum(v.nbytes for v in result.dataset.data_vars.values()) / 1024**2
        del result
        # The same run again in this process: its memory is now mapped (freed arrays are kept for reuse).
        again_wall, again_cpu = _clock()
        fs.simulate(
            scenario, draws=draws, seed=SEED, keep_monthly=False, workers=case.get("workers", 1), outputs=outputs
        )
        done_wall, done_cpu = _clock()
        measured["again_wall_s"], measured["again_cpu_s"] = done_wall - again_wall, done_cpu - again_cpu
    if kind not in ("compile", "agreement"):
        if kind not in ("simulate", "summary"):
            end_wall, end_cpu = _clock()
        measured["wall_s"] = end_wall - wall
        measured["cpu_s"] = end_cpu - cpu
        measured["draw_months_per_s"] = draws * MONTHS / measured["wall_s"]
    measured["peak_rss_mib"] = _rss_mib()
    return measured


def agreement() -> dict[str, Any]:
    """Largest difference of the two engines, relative to each output's largest magnitude."""
    import numpy as np

    from frontiersim.models.engine import run_chunk
    from frontiersim.simulate import sample_draws

    worst, ruin_equal = 0.0, True
    for name in ("default", "four_labs"):
        scenario = _ten_years(name)
        for keep_monthly in (True, False):
            outputs = [
                run_chunk(scenario, sample_draws(scenario, 0, 2000, SEED), keep_monthly=keep_monthly, engine=engine)
                for engine in ("numpy", "numba")
            ]
            for group in ("by_month", "by_year", "final"):
                expected, actual = getattr(outputs[0], group), getattr(outputs[1], group)
                for key, given in expected.items():
                    values, other = np.asarray(given), np.asarray(actual[key])
                    if values.dtype.kind in "iub":
                        ruin_equal &= bool(np.array_equal(values, other))
                        continue
                    finite = np.isfinite(values)
                    if not np.array_equal(finite, np.isfinite(other)):
                        worst = float("inf")
                        continue
                    scale = float(np.max(np.abs(values[finite]), initial=0.0)) or 1.0
                    worst = max(worst, float(np.max(np.abs(values[finite] - other[finite]), initial=0.0)) / scale)
    return {"largest_scaled_difference": worst, "integers_identical": ruin_equal}


def measure(case: dict[str, Any], cache_dir: str) -> dict[str, Any]:
    """Run one case in a child process and read its JSON line."""
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = cache_dir
    env.update(case.get("env", {}))
    source = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = source + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, __file__, "--case", json.dumps(case)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"case {case} failed:\n{done.stderr[-3000:]}")
    return {**case, **json.loads(done.stdout.strip().splitlines()[-1])}


def plan(quick: bool) -> list[dict[str, Any]]:
    sizes = [100_000] if quick else [100_000, 1_000_000]
    numba = {"FRONTIERSIM_ENGINE": "numba"}
    cases: list[dict[str, Any]] = [
        {"name": "compile", "kind": "compile", "draws": 64, "env": numba},
        {"name": "cache", "kind": "compile", "draws": 64, "env": numba},
        {"name": "agreement", "kind": "agreement", "draws": 2000},
        {"name": "reference", "kind": "reference", "draws": 200 if quick else 500},
    ]
    for draws in sizes:
        cases += [
            {"name": "minimal_mc", "kind": "minimal_mc", "draws": draws},
            {"name": "numba", "kind": "simulate", "draws": draws, "env": numba},
            {
                "name": "numba_2_workers",
                "kind": "simulate",
                "draws": draws,
                "workers": 2,
                "env": {**numba, "NUMBA_NUM_THREADS": "1"},
            },
            {"name": "numpy", "kind": "simulate", "draws": draws, "env": {"FRONTIERSIM_ENGINE": "numpy"}},
            {"name": "numba_3_outputs", "kind": "simulate", "draws": draws, "outputs": FEW_OUTPUTS, "env": numba},
            {"name": "numba_summary", "kind": "summary", "draws": draws, "env": numba},
            {"name": "four_labs", "kind": "simulate", "draws": draws, "scenario": "four_labs", "env": numba},
        ]
    return cases


def _find(results: list[dict[str, Any]], name: str, draws: int | None = None) -> dict[str, Any] | None:
    for result in results:
        if result["name"] == name and (draws is None or result["draws"] == draws):
            return result
    return None


def _verdict(holds: bool) -> str:
    return "PASS" if holds else "FAIL"


def render(results: list[dict[str, Any]]) -> list[str]:
    """The tables and the targets, as lines."""
    lines = [f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"]
    compiled, cached = _find(results, "compile"), _find(results, "cache")
    if compiled and cached:
        lines.append(
            f"compile: first run {compiled['first_s']:.1f} s with an empty cache, {compiled['compile_s']:.1f} s of it "
            f"compiling; {cached['first_s']:.2f} s when loaded from the cache"
        )
    agreed = _find(results, "agreement")
    if agreed:
        lines.append(
            f"agreement (default and four_labs, 2,000 draws, 10 years): largest difference "
            f"{agreed['largest_scaled_difference']:.1e} of each output's largest magnitude, "
            f"integer outputs {'identical' if agreed['integers_identical'] else 'DIFFERENT'}"
        )
    reference = _find(results, "reference")
    lines.append("")
    lines.append(
        f"{'case':<18}{'draws':>11}{'wall s':>9}{'cpu s':>9}{'M draw-months/s':>17}{'per cpu-s':>11}"
        f"{'peak RSS MiB':>14}{'results MiB':>13}{'again: wall s':>15}{'cpu s':>8}"
    )
    for result in results:
        if "wall_s" not in result:
            continue
        per_cpu = result["draws"] * MONTHS / result["cpu_s"] / 1e6
        lines.append(
            f"{result['name']:<18}{result['draws']:>11,}{result['wall_s']:>9.2f}{result['cpu_s']:>9.2f}"
            f"{result['draw_months_per_s'] / 1e6:>17.2f}{per_cpu:>11.2f}{result['peak_rss_mib']:>14,.0f}"
            + (f"{result['result_mib']:>13,.0f}" if "result_mib" in result else "")
            + (f"{result['again_wall_s']:>15.2f}{result['again_cpu_s']:>8.2f}" if "again_wall_s" in result else "")
        )
    lines.append("")
    for draws in sorted({r["draws"] for r in results if r["name"] == "numba"}):
        numba, numpy = _find(results, "numba", draws), _find(results, "numpy", draws)
        minimal, labs = _find(results, "minimal_mc", draws), _find(results, "four_labs", draws)
        two = _find(results, "numba_2_workers", draws)
        assert numba is not None
        best = min([numba] + ([two] if two else []), key=lambda r: r["wall_s"])
        rate = best["draw_months_per_s"]
        lines.append(f"{draws:,} draws x {MONTHS} months, best compiled run: {best['name']} ({best['wall_s']:.2f} s)")
        cpu_rate = draws * MONTHS / numba["cpu_s"]

        def cpu_rate_of(result: dict[str, Any]) -> float:
            return float(result["draws"] * MONTHS / result["cpu_s"])

        if numpy:
            lines.append(
                f"  compiled / numpy engine: {rate / numpy['draw_months_per_s']:.1f}x wall, "
                f"{cpu_rate / cpu_rate_of(numpy):.1f}x per CPU-second"
            )
        if reference:
            wall_ratio = rate / reference["draw_months_per_s"]
            cpu_ratio = cpu_rate / cpu_rate_of(reference)
            lines.append(f"  {_verdict(wall_ratio >= 100)} >= 100x the per-draw loop: {wall_ratio:.0f}x wall")
            lines.append(f"  {_verdict(cpu_ratio >= 100)} >= 100x the per-draw loop: {cpu_ratio:.0f}x per CPU-second")
        if minimal:
            lines.append(
                f"  {_verdict(rate >= minimal['draw_months_per_s'])} no slower than the minimal numpy Monte Carlo, "
                f"wall ({minimal['draw_months_per_s'] / 1e6:.1f} M draw-months/s)"
            )
            lines.append(
                f"  {_verdict(cpu_rate >= cpu_rate_of(minimal))} no slower than the minimal numpy Monte Carlo, per "
                f"CPU-second ({cpu_rate / 1e6:.1f} against {cpu_rate_of(minimal) / 1e6:.1f} M draw-months)"
            )
        if labs:
            ratio = labs["wall_s"] / numba["wall_s"]
            cpu_ratio = labs["cpu_s"] / numba["cpu_s"]
            lines.append(
                f"  {_verdict(cpu_ratio <= 4)} four labs cost {ratio:.2f}x one lab per draw-month wall, "
                f"{cpu_ratio:.2f}x in CPU time"
            )
        again = min([numba] + ([two] if two else []), key=lambda r: r["again_wall_s"])
        lines.append(
            f"  run again in the same process (memory mapped): {again['name']} {again['again_wall_s']:.2f} s, "
            f"{draws * MONTHS / again['again_wall_s'] / 1e6:.1f} M draw-months/s, "
            f"{draws * MONTHS / again['again_cpu_s'] / 1e6:.1f} per CPU-second"
        )
        if draws == 1_000_000:
            lines.append(f"  {_verdict(best['wall_s'] <= 5)} <= 5 s ({best['wall_s']:.2f} s)")
            lines.append(
                f"  {_verdict(again['again_wall_s'] <= 5)} <= 5 s when run again ({again['again_wall_s']:.2f} s)"
            )
            lines.append(
                f"  {_verdict(numba['peak_rss_mib'] <= 1024)} peak RSS <= 1 GB, every per-draw output kept "
                f"({numba['peak_rss_mib']:,.0f} MiB)"
            )
            summary = _find(results, "numba_summary", draws)
            if summary:
                lines.append(
                    f"  {_verdict(summary['peak_rss_mib'] <= 1024)} peak RSS <= 1 GB, every output kept as a "
                    f"distribution (simulate_summary: {summary['peak_rss_mib']:,.0f} MiB, "
                    f"{summary['wall_s']:.2f} s, {summary['cpu_s']:.2f} CPU-s)"
                )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^5 draws only")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.case:
        print(json.dumps(run_case(json.loads(arguments.case))))
        return 0
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache_dir:
        for case in plan(arguments.quick):
            result = measure(case, cache_dir)
            results.append(result)
            print(json.dumps(result), file=sys.stderr)
    lines = render(results)
    print("\n".join(lines))
    OUTPUT.mkdir(exist_ok=True)
    name = "bench_kernels_quick.json" if arguments.quick else "bench_kernels.json"
    (OUTPUT / name).write_text(json.dumps({"results": results, "summary": lines}, indent=2))
    agreed = _find(results, "agreement")
    ok = agreed is not None and agreed["largest_scaled_difference"] <= 1e-12 and agreed["integers_identical"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
