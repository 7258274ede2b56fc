"""Engine v2: the current engine beside the previous one, and the cost of more labs.

Usage::

    python benchmarks/bench_engine.py                  # full run: about 2.5 minutes on 2 free cores, 4 under load
    python benchmarks/bench_engine.py --quick          # about 35 s (60 s under load)
    python benchmarks/bench_engine.py --baseline REV   # another previous engine (default de4c597)

Three things are measured in one run, all on 10-year horizons (120 months),
``fs.simulate(scenario, draws=N, seed=20260101, keep_monthly=...)`` end to end:

1. **One lab, previous engine against current engine**: the bundled ``default``
   scenario, summary-only (``keep_monthly=False``) and with monthly arrays
   (``keep_monthly=True``). The previous engine is the package source of the
   baseline commit, extracted at benchmark time with
   ``git archive REV src/frontiersim | tar -x -C TMPDIR`` and run in a child
   process with ``PYTHONPATH=TMPDIR/src``; every child reports the
   ``frontiersim.__file__`` it imported, and the run stops if a child ran other
   code than intended. Without git, tar or the revision this pair is skipped.
2. **Labs**: the bundled ``four_labs`` scenario against ``default`` at the same
   draws (summary-only; with monthly arrays too in the full run, at fewer
   draws), as the cost per draw-month of four labs over one lab, and per
   lab-draw-month (four labs simulate four times the lab-months).
3. **The scaling curve**: scenarios with the first k ``[labs.*]`` tables of
   ``four_labs`` (shares renormalised to add up to 1), k = 1, 2, 3; k = 1 (one
   declared lab) separates the cost of more labs from the differences between
   the ``four_labs`` and ``default`` scenarios.

Every case runs in a fresh Python subprocess (this script with ``--case``), so
its peak memory is that process's own ``ru_maxrss``, read right after the timed
runs; the RSS after imports and a 64-draw warm-up is reported beside it. On
Linux a child's ``ru_maxrss`` starts from its parent's high-water mark, so this
process never simulates (the correctness check runs in children too) and stays
at the size of its imports; ``VmHWM`` from ``/proc/self/status``, the child's
own address space's high-water mark, is reported as well.
Throughput is draw-months per second, with the median over repeats of both
wall-clock time and CPU time (user + system). In the full run each engine of
the one-lab pair runs in two processes, in the order previous, current,
current, previous, and their repeats are pooled. The Engine v2 targets are judged
on CPU time, the steadier figure when other work shares the machine; the
wall-clock ratios are printed beside them:

* with one lab, the current engine's draw-months per CPU-second are no lower
  than the previous engine's (summary-only and with monthly arrays);
* four labs cost at most 4.5x one lab per draw-month.

A correctness check runs first: the current engine with one lab must give
bit-identical yearly results (every ``year_*`` variable both engines have, of
``result.lab_dataset()`` against the previous ``result.dataset``) to the
previous engine on the same seed, for 2,000 draws, both summary-only and with
monthly arrays.

The tables are printed and written as JSON to ``benchmarks/output/``. Targets
are reported as PASS/FAIL lines and do not change the exit code (benchmarks are
not tests); the exit code is 1 only if the correctness check fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

import frontiersim as fs
from frontiersim.scenario import bundled_text

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
OUTPUT_DIR = HERE / "output"
BASELINE = "de4c597"
ONE_LAB, FOUR_LABS = "default", "four_labs"
HORIZON_YEARS = 10
SEED = 20260101
WARMUP_DRAWS = 64
CHECK_DRAWS = 2_000
#: Engine v2 targets: four labs cost at most this many times one lab per draw-month; one lab at least as fast as before.
MAX_FOUR_LAB_COST = 4.5
MIN_CURRENT_OVER_PREVIOUS = 1.0

Engine = Literal["previous", "current"]


@dataclasses.dataclass(frozen=True)
class Case:
    """One measurement, run in its own process.

    ``first_labs`` = k > 0 keeps the first k ``[labs.*]`` tables of ``scenario`` (shares renormalised); 0 runs the
    bundled scenario as it is. ``previous_text_file``, for the current engine, runs the previous engine's scenario
    text from that file with the previous engine's settings for the keys it leaves out
    (:func:`frontiersim.testing.previous.with_previous_settings`): the same model on both engines.
    """

    name: str
    engine: Engine
    scenario: str
    draws: int
    keep_monthly: bool
    repeats: int
    first_labs: int = 0
    horizon_years: int = HORIZON_YEARS
    previous_text_file: str = ""

    @property
    def draw_months(self) -> int:
        return self.draws * 12 * self.horizon_years

    @property
    def label(self) -> str:
        return f"{self.scenario}, first {self.first_labs} labs" if self.first_labs else self.scenario


def plan(quick: bool, with_baseline: bool, repeats: int | None = None, baseline_tree: Path | None = None) -> list[Case]:
    """The processes to run, in order.

    The engine pair of each mode runs back to back, in the full run twice in the order previous, current, current,
    previous (two processes per case, whose repeats are pooled), so that a drift in the machine's load biases neither.
    """
    draws, monthly_labs_draws = (20_000, 0) if quick else (100_000, 20_000)
    repeats = repeats or 3
    cases: list[Case] = []
    previous_text = str(previous_default_file(baseline_tree)) if baseline_tree is not None else ""
    for monthly in (False, True):
        mode = "monthly" if monthly else "summary"
        if with_baseline and previous_text:
            # the pair runs the same model: the previous engine's scenario text, with its settings, on both
            name = f"current_{ONE_LAB}_{mode}"
            current = Case(name, "current", ONE_LAB, draws, monthly, repeats, previous_text_file=previous_text)
            previous = Case(f"previous_{ONE_LAB}_{mode}", "previous", ONE_LAB, draws, monthly, repeats)
            cases += [previous, current] if quick else [previous, current, current, previous]
        else:
            cases.append(Case(f"current_{ONE_LAB}_{mode}", "current", ONE_LAB, draws, monthly, repeats))
    # the bundled default of today: the lab economics (contract book, renewal, rounds on growth, run-off)
    cases.append(Case(f"current_{ONE_LAB}_as_bundled_summary", "current", ONE_LAB, draws, False, repeats))
    for k in (1, 2, 3):
        cases.append(Case(f"current_{FOUR_LABS}_first_{k}_summary", "current", FOUR_LABS, draws, False, repeats, k))
    cases.append(Case(f"current_{FOUR_LABS}_summary", "current", FOUR_LABS, draws, False, repeats))
    if monthly_labs_draws:
        small = f"{monthly_labs_draws // 1000}k"
        cases.append(Case(f"current_{ONE_LAB}_monthly_{small}", "current", ONE_LAB, monthly_labs_draws, True, repeats))
        cases.append(
            Case(f"current_{FOUR_LABS}_monthly_{small}", "current", FOUR_LABS, monthly_labs_draws, True, repeats)
        )
    return cases


# --------------------------------------------------------------------------- child side (either engine)


def _max_rss_mib() -> float:
    """Peak resident set size of this process so far, MiB (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _vm_hwm_mib() -> float | None:
    """Peak RSS of this process's own address space, MiB (``VmHWM``; unlike ``ru_maxrss`` never the parent's)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    line = next((line for line in status.splitlines() if line.startswith("VmHWM:")), None)
    return None if line is None else int(line.split()[1]) / 1024.0


def _usage() -> tuple[float, float]:
    """User and system CPU seconds of this process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


@dataclasses.dataclass(frozen=True)
class Timings:
    wall_seconds: list[float]
    user_seconds: list[float]
    system_seconds: list[float]

    @property
    def cpu_seconds(self) -> list[float]:
        return [user + system for user, system in zip(self.user_seconds, self.system_seconds, strict=True)]


def _timed(repeats: int, run: Callable[[], object]) -> Timings:
    timings = Timings([], [], [])
    for _ in range(repeats):
        gc.collect()
        wall_start, (user_start, system_start) = time.perf_counter(), _usage()
        result = run()
        wall = time.perf_counter() - wall_start
        user, system = _usage()
        timings.wall_seconds.append(wall)
        timings.user_seconds.append(user - user_start)
        timings.system_seconds.append(system - system_start)
        del result
    return timings


def _first_labs(name: str, k: int) -> fs.Scenario:
    """The bundled scenario ``name`` with only its first ``k`` ``[labs.*]`` tables, shares renormalised (current)."""
    data = tomllib.loads(bundled_text(name))
    labs = dict(list(data["labs"].items())[:k])
    total = sum(float(table["market_share"]) for table in labs.values())
    for table in labs.values():
        table["market_share"] = float(table["market_share"]) / total
    data["labs"] = labs
    data["scenario"]["name"] = f"{name}_first_{k}"
    return fs.parse_scenario(data, f"<{name}, first {k} labs>")


def _scenario(name: str, horizon_years: int, first_labs: int = 0, previous_text_file: str = "") -> fs.Scenario:
    if previous_text_file:
        from frontiersim.testing.previous import with_previous_settings  # noqa: PLC0415 - current engine only

        scenario = with_previous_settings(Path(previous_text_file).read_text(encoding="utf-8"), previous_text_file)
    else:
        scenario = _first_labs(name, first_labs) if first_labs else fs.bundled(name)
    return dataclasses.replace(scenario, meta=dataclasses.replace(scenario.meta, horizon_years=horizon_years))


def _lab_names(scenario: fs.Scenario) -> list[str]:
    """The scenario's labs; the previous engine has no labs, which is one lab."""
    names = getattr(scenario, "lab_names", None)
    return list(names) if names is not None else ["(one lab, previous engine)"]


def run_case(case: Case) -> dict[str, Any]:
    """Measure one case in this process (called in the child, under either engine)."""
    scenario = _scenario(case.scenario, case.horizon_years, case.first_labs, case.previous_text_file)
    fs.simulate(scenario, draws=WARMUP_DRAWS, seed=SEED, keep_monthly=case.keep_monthly)
    baseline = _max_rss_mib()
    timings = _timed(
        case.repeats, lambda: fs.simulate(scenario, draws=case.draws, seed=SEED, keep_monthly=case.keep_monthly)
    )
    peak, own_peak = _max_rss_mib(), _vm_hwm_mib()
    labs = _lab_names(scenario)
    measured = {
        **dataclasses.asdict(case),
        "frontiersim_file": fs.__file__,
        "labs": len(labs),
        "lab_names": labs,
        "months": 12 * case.horizon_years,
        "draw_months": case.draw_months,
        "lab_draw_months": case.draw_months * len(labs),
        "processes": 1,
        "wall_seconds": timings.wall_seconds,
        "cpu_seconds": timings.cpu_seconds,
        "user_seconds": timings.user_seconds,
        "system_seconds": timings.system_seconds,
        "baseline_rss_mib": baseline,
        "peak_rss_mib": peak,
        "vm_hwm_mib": own_peak,
    }
    return with_medians(measured)


def with_medians(measured: dict[str, Any]) -> dict[str, Any]:
    """Add the medians of the repeats and the rates they give."""
    wall, cpu = statistics.median(measured["wall_seconds"]), statistics.median(measured["cpu_seconds"])
    return {
        **measured,
        "median_wall_seconds": wall,
        "median_cpu_seconds": cpu,
        "system_share_of_cpu": sum(measured["system_seconds"]) / max(sum(measured["cpu_seconds"]), 1e-12),
        "draw_months_per_second": measured["draw_months"] / wall,
        "draw_months_per_cpu_second": measured["draw_months"] / cpu,
    }


def yearly_arrays(
    horizon_years: int, draws: int, keep_monthly: bool, previous_text_file: str = ""
) -> dict[str, np.ndarray]:
    """Every ``year_*`` variable of the one lab's dataset, dims ``(draw, year, ...)`` (either engine)."""
    scenario = _scenario(ONE_LAB, horizon_years, previous_text_file=previous_text_file)
    result = fs.simulate(scenario, draws=draws, seed=SEED, keep_monthly=keep_monthly)
    dataset = result.lab_dataset() if hasattr(result, "lab_dataset") else result.dataset
    names = sorted(str(name) for name in dataset.data_vars if str(name).startswith("year_"))
    return {name: np.ascontiguousarray(dataset[name].transpose("draw", "year", ...).values) for name in names}


def dump_yearly(directory: Path, engine: str, horizon_years: int, draws: int) -> dict[str, Any]:
    """Write ``{engine}_yearly_{summary,monthly}.npz`` for the correctness check (called in a child).

    The current engine runs the previous engine's scenario text (in ``directory``) with the previous settings.
    """
    text_file = str(previous_default_file(directory)) if engine == "current" else ""
    for keep_monthly in (False, True):
        arrays = yearly_arrays(horizon_years, draws, keep_monthly, text_file)
        np.savez(directory / f"{engine}_yearly_{'monthly' if keep_monthly else 'summary'}.npz", **arrays)  # type: ignore[arg-type]
    return {"frontiersim_file": fs.__file__}


def previous_default_file(tree: Path) -> Path:
    """The previous engine's bundled one-lab scenario, in its extracted source tree."""
    return tree / "src" / "frontiersim" / "scenarios" / f"{ONE_LAB}.toml"


# --------------------------------------------------------------------------- parent side


@dataclasses.dataclass(frozen=True)
class Baseline:
    """The previous engine's source tree, or why there is none."""

    requested: str
    commit: str | None = None
    subject: str | None = None
    tree: Path | None = None
    unavailable: str | None = None

    @property
    def package(self) -> Path | None:
        return None if self.tree is None else self.tree / "src" / "frontiersim"


def _git(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *arguments], cwd=REPOSITORY, capture_output=True, text=True, check=False)


@contextmanager
def baseline_tree(revision: str) -> Iterator[Baseline]:
    """Extract ``src/frontiersim`` of ``revision`` into a temporary folder for the duration of the run."""
    missing = [tool for tool in ("git", "tar") if shutil.which(tool) is None]
    if missing:
        yield Baseline(revision, unavailable=f"{' and '.join(missing)} not found")
        return
    resolved = _git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if resolved.returncode != 0:
        yield Baseline(revision, unavailable=f"revision {revision!r} not found in {REPOSITORY}")
        return
    commit = resolved.stdout.strip()
    subject = _git("log", "-1", "--format=%cs %s", commit).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="bench_engine_baseline_") as folder:
        archive = subprocess.Popen(
            ["git", "archive", commit, "src/frontiersim"], cwd=REPOSITORY, stdout=subprocess.PIPE
        )
        extract = subprocess.run(["tar", "-x", "-C", folder], stdin=archive.stdout, capture_output=True, check=False)
        if archive.stdout is not None:
            archive.stdout.close()
        if archive.wait() != 0 or extract.returncode != 0:
            yield Baseline(revision, commit, subject, unavailable=f"git archive {commit[:12]} | tar -x failed")
            return
        yield Baseline(revision, commit, subject, tree=Path(folder))


def _child_env(engine: Engine, baseline: Baseline) -> dict[str, str]:
    env = dict(os.environ)
    if engine == "previous":
        assert baseline.tree is not None
        env["PYTHONPATH"] = str(baseline.tree / "src")
    return env


def _expected_file(engine: Engine, baseline: Baseline) -> Path:
    package = baseline.package if engine == "previous" else Path(fs.__file__).resolve().parent
    assert package is not None
    return package / "__init__.py"


def _child(arguments: Sequence[str], env: dict[str, str], what: str) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), *arguments]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600, env=env)
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise RuntimeError(f"{what} failed with exit code {completed.returncode}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _ran(result: dict[str, Any], engine: Engine, baseline: Baseline, what: str) -> None:
    """Stop if the child imported other frontiersim code than the engine it stands for."""
    expected = _expected_file(engine, baseline)
    if Path(result["frontiersim_file"]).resolve() != expected.resolve():
        raise RuntimeError(f"{what}: the child imported {result['frontiersim_file']}, expected {expected}")


def measure(case: Case, baseline: Baseline) -> dict[str, Any]:
    """Run ``case`` in a fresh interpreter under its engine and return its measurements."""
    env = _child_env(case.engine, baseline)
    result = _child(["--case", json.dumps(dataclasses.asdict(case))], env, f"case {case.name}")
    _ran(result, case.engine, baseline, f"case {case.name}")
    return result


def _load(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as stored:
        return {name: stored[name] for name in stored.files}


def correctness(baseline: Baseline, draws: int) -> dict[str, Any]:
    """Yearly results of one lab: current engine against previous engine, same seed, each in a child process.

    The simulations run in children so that this process's peak memory stays that of its imports: a child's
    ``ru_maxrss`` starts from its parent's high-water mark.
    """
    assert baseline.tree is not None
    engines: tuple[Engine, ...] = ("previous", "current")
    for engine in engines:
        spec = {"directory": str(baseline.tree), "engine": engine, "horizon_years": HORIZON_YEARS, "draws": draws}
        child = _child(["--dump", json.dumps(spec)], _child_env(engine, baseline), f"correctness check ({engine})")
        _ran(child, engine, baseline, f"correctness check ({engine})")
    modes: dict[str, Any] = {}
    for mode in ("summary", "monthly"):
        previous = _load(baseline.tree / f"previous_yearly_{mode}.npz")
        current = _load(baseline.tree / f"current_yearly_{mode}.npz")
        common = sorted(set(current) & set(previous))
        differ: dict[str, str] = {}
        for name in common:
            got, want = current[name], previous[name]
            if got.dtype != want.dtype or got.shape != want.shape:
                differ[name] = f"{got.dtype}{got.shape} against {want.dtype}{want.shape}"
            elif got.tobytes() != want.tobytes():
                same = got == want
                if got.dtype.kind in "fc":
                    same |= np.isnan(got) & np.isnan(want)
                unequal = int(np.count_nonzero(~same))
                differ[name] = f"{unequal} of {got.size} values differ"
        modes[mode] = {
            "compared": common,
            "only_current": sorted(set(current) - set(previous)),
            "only_previous": sorted(set(previous) - set(current)),
            "differ": differ,
            "identical": bool(common) and not differ,
        }
    return {"draws": draws, "seed": SEED, "horizon_years": HORIZON_YEARS, "modes": modes}


def pooled(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """One result per case: the repeats of its processes pooled, the largest peak memory of them."""
    by_name: dict[str, dict[str, Any]] = {}
    for r in results:
        seen = by_name.get(r["name"])
        if seen is None:
            by_name[r["name"]] = dict(r)
            continue
        for key in ("wall_seconds", "cpu_seconds", "user_seconds", "system_seconds"):
            seen[key] = seen[key] + r[key]
        for key in ("baseline_rss_mib", "peak_rss_mib", "vm_hwm_mib"):
            values = [value for value in (seen[key], r[key]) if value is not None]
            seen[key] = max(values) if values else None
        seen["processes"] += 1
    return [with_medians(r) for r in by_name.values()]


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


def current_source() -> dict[str, Any]:
    """The commit the current engine's tree is at, and whether ``src/`` has uncommitted changes."""
    head = _git("rev-parse", "HEAD") if shutil.which("git") else None
    if head is None or head.returncode != 0:
        return {"frontiersim_file": fs.__file__, "commit": None}
    dirty = _git("status", "--porcelain", "--", "src").stdout.strip()
    return {"frontiersim_file": fs.__file__, "commit": head.stdout.strip(), "src_uncommitted_changes": bool(dirty)}


def _find(results: Sequence[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    return next((r for r in results if all(r[key] == value for key, value in match.items())), None)


def engine_pairs(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Current over previous, one lab, for each mode both engines ran."""
    pairs: list[dict[str, Any]] = []
    for keep_monthly in (False, True):
        previous = _find(results, engine="previous", scenario=ONE_LAB, keep_monthly=keep_monthly)
        if previous is None:
            continue
        mode = "monthly" if keep_monthly else "summary"
        current = _find(results, name=f"current_{ONE_LAB}_{mode}", draws=previous["draws"])
        if current is None:
            continue
        pairs.append(
            {
                "mode": "monthly arrays" if keep_monthly else "summary-only",
                "keep_monthly": keep_monthly,
                "draws": current["draws"],
                "previous_case": previous["name"],
                "current_case": current["name"],
                "previous_draw_months_per_second": previous["draw_months_per_second"],
                "current_draw_months_per_second": current["draw_months_per_second"],
                "previous_draw_months_per_cpu_second": previous["draw_months_per_cpu_second"],
                "current_draw_months_per_cpu_second": current["draw_months_per_cpu_second"],
                "current_over_previous_wall": current["draw_months_per_second"] / previous["draw_months_per_second"],
                "current_over_previous_cpu": current["draw_months_per_cpu_second"]
                / previous["draw_months_per_cpu_second"],
                "previous_peak_rss_mib": previous["peak_rss_mib"],
                "current_peak_rss_mib": current["peak_rss_mib"],
            }
        )
    return pairs


def lab_points(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each current case against the current one-lab ``default`` case (as bundled) of the same draws and mode."""
    points: list[dict[str, Any]] = []
    for r in results:
        if r["engine"] != "current" or r["scenario"] != FOUR_LABS:
            continue
        one = _find(
            results,
            engine="current",
            scenario=ONE_LAB,
            keep_monthly=r["keep_monthly"],
            draws=r["draws"],
            previous_text_file="",  # today's bundled default, not the previous engine's text
        )
        if one is None:
            continue
        cost_cpu = one["draw_months_per_cpu_second"] / r["draw_months_per_cpu_second"]
        first = _find(results, engine="current", scenario=FOUR_LABS, first_labs=1, keep_monthly=r["keep_monthly"])
        same_scenario = (
            None
            if first is None or first["draws"] != r["draws"]
            else first["draw_months_per_cpu_second"] / r["draw_months_per_cpu_second"]
        )
        cost_wall = one["draw_months_per_second"] / r["draw_months_per_second"]
        points.append(
            {
                "case": r["name"],
                "one_lab_case": one["name"],
                "scenario": r["scenario"] if not r["first_labs"] else f"{r['scenario']}, first {r['first_labs']}",
                "labs": r["labs"],
                "mode": "monthly arrays" if r["keep_monthly"] else "summary-only",
                "keep_monthly": r["keep_monthly"],
                "draws": r["draws"],
                "draw_months_per_second": r["draw_months_per_second"],
                "draw_months_per_cpu_second": r["draw_months_per_cpu_second"],
                "lab_draw_months_per_cpu_second": r["draw_months_per_cpu_second"] * r["labs"],
                "cost_per_draw_month_vs_one_lab_cpu": cost_cpu,
                "cost_per_draw_month_vs_one_lab_wall": cost_wall,
                "cost_per_lab_draw_month_vs_one_lab_cpu": cost_cpu / r["labs"],
                "cost_per_draw_month_vs_first_lab_cpu": same_scenario,
                "peak_rss_mib": r["peak_rss_mib"],
                "one_lab_peak_rss_mib": one["peak_rss_mib"],
            }
        )
    return points


def targets(
    pairs: Sequence[dict[str, Any]], points: Sequence[dict[str, Any]], baseline: Baseline
) -> list[dict[str, Any]]:
    """PASS/FAIL of each Engine v2 target (judged on CPU time; wall-clock shown beside)."""
    verdicts: list[dict[str, Any]] = []
    for pair in pairs:
        value = pair["current_over_previous_cpu"]
        verdicts.append(
            {
                "target": f"one lab, {pair['mode']}: current draw-months/s >= previous",
                "holds": value >= MIN_CURRENT_OVER_PREVIOUS,
                "line": f"one lab, {pair['mode']}: current/previous draw-months per CPU-second = {value:.2f} "
                f"(>= {MIN_CURRENT_OVER_PREVIOUS:g} required; wall-clock {pair['current_over_previous_wall']:.2f})",
            }
        )
    if baseline.tree is None:
        verdicts.append(
            {
                "target": "one lab: current draw-months/s >= previous",
                "holds": None,
                "line": f"one lab, previous engine: not measured ({baseline.unavailable})",
            }
        )
    for point in points:
        if point["labs"] != 4:
            continue
        value = point["cost_per_draw_month_vs_one_lab_cpu"]
        verdicts.append(
            {
                "target": f"four labs, {point['mode']}: cost per draw-month <= {MAX_FOUR_LAB_COST:g}x one lab",
                "holds": value <= MAX_FOUR_LAB_COST,
                "line": f"four labs vs one lab, {point['mode']}, {point['draws']:,} draws: {value:.2f}x the CPU time "
                f"per draw-month (<= {MAX_FOUR_LAB_COST:g}x required; wall-clock "
                f"{point['cost_per_draw_month_vs_one_lab_wall']:.2f}x; per lab-draw-month "
                f"{point['cost_per_lab_draw_month_vs_one_lab_cpu']:.2f}x)",
            }
        )
    return verdicts


def _rate(value: float) -> str:
    return f"{value / 1e6:.2f} M" if value >= 1e6 else f"{value / 1e3:.0f} k"


def _verdict(holds: bool | None) -> str:
    return "SKIP" if holds is None else ("PASS" if holds else "FAIL")


def render(
    results: Sequence[dict[str, Any]],
    pairs: Sequence[dict[str, Any]],
    points: Sequence[dict[str, Any]],
    verdicts: Sequence[dict[str, Any]],
    check: dict[str, Any] | None,
    baseline: Baseline,
) -> str:
    lines = [
        f"All cases: {HORIZON_YEARS} years ({12 * HORIZON_YEARS} months), seed {SEED}, each in a fresh process; "
        "times are medians of the repeats;",
        "peak RSS is that process's ru_maxrss (VmHWM: its own address space's high-water mark, /proc/self/status);",
        "after imports = ru_maxrss after imports and a 64-draw warm-up; sys = share of CPU time spent in the kernel",
        f"{'case':<40}{'labs':>5}{'draws':>9}{'monthly':>8}{'wall s':>8}{'CPU s':>8}{'sys':>5}"
        f"{'draw-months/s':>14}{'per CPU-s':>11}{'peak RSS MiB':>13}{'VmHWM':>7}{'after imports':>14}",
    ]
    for r in results:
        lines.append(
            f"{r['name']:<40}{r['labs']:>5}{r['draws']:>9,}{'yes' if r['keep_monthly'] else 'no':>8}"
            f"{r['median_wall_seconds']:>8.2f}{r['median_cpu_seconds']:>8.2f}{r['system_share_of_cpu']:>5.0%}"
            f"{_rate(r['draw_months_per_second']):>14}{_rate(r['draw_months_per_cpu_second']):>11}"
            f"{r['peak_rss_mib']:>13,.0f}{r['vm_hwm_mib'] or float('nan'):>7,.0f}{r['baseline_rss_mib']:>14,.0f}"
        )
    lines.append("")
    if baseline.tree is None:
        lines.append(f"Previous engine: skipped ({baseline.unavailable}).")
    else:
        lines += [
            f"One lab ({ONE_LAB!r}): previous engine {baseline.commit} ({baseline.subject}) against the current one",
            f"{'mode':<16}{'draws':>9}{'previous':>11}{'current':>11}{'ratio':>8}{'CPU ratio':>10}"
            f"{'previous MiB':>13}{'current MiB':>12}",
        ]
        for p in pairs:
            lines.append(
                f"{p['mode']:<16}{p['draws']:>9,}{_rate(p['previous_draw_months_per_second']):>11}"
                f"{_rate(p['current_draw_months_per_second']):>11}{p['current_over_previous_wall']:>7.2f}x"
                f"{p['current_over_previous_cpu']:>9.2f}x{p['previous_peak_rss_mib']:>13,.0f}"
                f"{p['current_peak_rss_mib']:>12,.0f}"
            )
        lines.append("(rates: draw-months per wall-clock second; ratio = current/previous, wall-clock and CPU time)")
    lines += [
        "",
        f"Labs: cost per draw-month against one lab ({ONE_LAB!r}, same draws and mode), current engine",
        f"{'scenario':<26}{'labs':>5}{'mode':>16}{'draws':>9}{'per CPU-s':>11}{'cost (CPU)':>11}{'cost (wall)':>12}"
        f"{'per lab-month':>14}{'vs first 1':>11}{'peak MiB':>10}",
    ]
    for p in points:
        lines.append(
            f"{p['scenario']:<26}{p['labs']:>5}{p['mode']:>16}{p['draws']:>9,}"
            f"{_rate(p['draw_months_per_cpu_second']):>11}{p['cost_per_draw_month_vs_one_lab_cpu']:>10.2f}x"
            f"{p['cost_per_draw_month_vs_one_lab_wall']:>11.2f}x{p['cost_per_lab_draw_month_vs_one_lab_cpu']:>13.2f}x"
            + (
                f"{p['cost_per_draw_month_vs_first_lab_cpu']:>10.2f}x"
                if p["cost_per_draw_month_vs_first_lab_cpu"] is not None
                else f"{'-':>11}"
            )
            + f"{p['peak_rss_mib']:>10,.0f}"
        )
    lines.append(
        f"(cost = CPU time per draw-month over that of {ONE_LAB!r}, and wall-clock; per lab-month = cost / labs; "
        f"vs first 1 = CPU cost over {FOUR_LABS!r} cut to its first lab, same scenario otherwise)"
    )
    lines += ["", "Correctness and targets (targets judged on CPU time):"]
    if check is None:
        lines.append(f"SKIP  one lab, bit-identical yearly results: no previous engine ({baseline.unavailable})")
    else:
        for mode, outcome in check["modes"].items():
            detail = (
                f"{len(outcome['compared'])} year_* variables bit-identical"
                if outcome["identical"]
                else "; ".join(f"{name}: {why}" for name, why in outcome["differ"].items()) or "nothing compared"
            )
            lines.append(
                f"{_verdict(outcome['identical'])}  one lab, {mode}, {check['draws']:,} draws, current vs previous: "
                f"{detail}"
                + (f" (current only: {', '.join(outcome['only_current'])})" if outcome["only_current"] else "")
            )
    for verdict in verdicts:
        lines.append(f"{_verdict(verdict['holds'])}  {verdict['line']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Current engine beside the previous one; four labs beside one.")
    parser.add_argument("--quick", action="store_true", help="20,000 draws, fewer cases; under ~60 s")
    parser.add_argument("--baseline", default=BASELINE, metavar="REV", help=f"previous engine (default {BASELINE})")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per case (default 3)")
    parser.add_argument("--out", type=Path, default=None, help="JSON file (default: benchmarks/output/...)")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.case is not None:
        print(json.dumps(run_case(Case(**json.loads(args.case)))))
        return 0
    if args.dump is not None:
        spec = json.loads(args.dump)
        print(json.dumps(dump_yearly(Path(spec["directory"]), spec["engine"], spec["horizon_years"], spec["draws"])))
        return 0

    started = time.perf_counter()
    load_before = os.getloadavg()
    cpus = len(os.sched_getaffinity(0))
    if load_before[0] > 1.0:
        print(f"note: load average {load_before[0]:.1f} on {cpus} CPUs before starting; figures will be noisy")
    with baseline_tree(args.baseline) as baseline:
        if baseline.tree is None:
            print(f"previous engine {args.baseline}: skipped ({baseline.unavailable})")
            check = None
        else:
            print(f"previous engine: {baseline.commit} ({baseline.subject}), extracted to {baseline.tree}")
            print(f"correctness check: one lab, {CHECK_DRAWS:,} draws, previous engine against current ...", flush=True)
            check = correctness(baseline, CHECK_DRAWS)
        results: list[dict[str, Any]] = []
        for case in plan(args.quick, baseline.tree is not None, args.repeats, baseline.tree):
            print(f"running {case.name}: {case.draws:,} draws x {12 * case.horizon_years} months ...", flush=True)
            results.append(measure(case, baseline))
    results = pooled(results)
    pairs, points = engine_pairs(results), lab_points(results)
    verdicts = targets(pairs, points, baseline)
    print()
    print(render(results, pairs, points, verdicts, check, baseline))

    load_after = os.getloadavg()
    report = {
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", "benchmarks/bench_engine.py", *sys.argv[1:]]),
        "mode": "quick" if args.quick else "full",
        "horizon_years": HORIZON_YEARS,
        "seed": SEED,
        "machine": machine(),
        "load_average_1_5_15_min": {"before": load_before, "after": load_after},
        "current_engine": current_source(),
        "previous_engine": {
            "requested": baseline.requested,
            "commit": baseline.commit,
            "subject": baseline.subject,
            "source": f"git archive {baseline.commit or baseline.requested} src/frontiersim | tar -x -C TMPDIR; "
            "child processes with PYTHONPATH=TMPDIR/src",
            "skipped": baseline.unavailable,
        },
        "timing": "medians over repeats (pooled over a case's processes) of wall-clock time and of user+system CPU "
        "time; targets judged on CPU time",
        "memory": "ru_maxrss of a fresh child process per case (RUSAGE_SELF), MiB; vm_hwm_mib: VmHWM of the child",
        "correctness": check,
        "previous_vs_current": pairs,
        "labs": points,
        "targets": [{key: v[key] for key in ("target", "holds", "line")} for v in verdicts],
        "cases": results,
        "total_seconds": time.perf_counter() - started,
    }
    out: Path = args.out or OUTPUT_DIR / f"bench_engine{'_quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nload average before/after: {load_before[0]:.1f} / {load_after[0]:.1f} on {cpus} CPUs")
    print(f"wrote {out} (total {report['total_seconds']:.0f} s)")
    if check is None:
        return 0
    return 0 if all(outcome["identical"] for outcome in check["modes"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
