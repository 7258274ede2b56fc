"""Start-up cost of the package and the command line, beside a reference revision, in one run.

Each case runs in a fresh interpreter (``python -c ...``) with ``PYTHONPATH``
pointing at one source tree: the working tree, and a reference revision
extracted with ``git archive REV src/frontiersim | tar -x -C TMPDIR`` (by
default ``95da1cd``, the last revision that imported every library eagerly).
Cases alternate between the two trees, repeat after one unmeasured warm-up
each (so both read their files from the page cache), and report the median
wall-clock time and the peak resident memory of the child (``os.wait4``).

Cases:

- ``import``: ``import frontiersim`` (target <= 0.3 s);
- ``version``: ``frontiersim --version``, the parser built and nothing run;
- ``refuse_draws``: ``frontiersim run default --draws 99999999999999999999
  --no-store --no-save``, refused for want of memory (target < 1 s end to
  end, the process's start-up included).

Run from the repository root: ``python benchmarks/bench_import.py`` (about
30 s). The figures are printed and written to
``benchmarks/output/bench_import.json``; the exit code is 1 if a target is
missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = "95da1cd"
OUTPUT = REPO / "benchmarks" / "output" / "bench_import.json"

CASES: dict[str, str] = {
    "import": "import frontiersim",
    "version": (
        "import sys\nfrom frontiersim.cli.main import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit as done:\n    sys.exit(done.code)"
    ),
    "refuse_draws": (
        "import sys\nfrom frontiersim.cli.main import main\n"
        "sys.exit(main(['run', 'default', '--draws', '99999999999999999999', '--no-store', '--no-save']))"
    ),
}
EXPECTED_EXIT = {"import": 0, "version": 0, "refuse_draws": 2}
TARGET_SECONDS = {"import": 0.3, "refuse_draws": 1.0}


def _run_once(source: Path, code: str) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB and exit status of one child interpreter running ``code``."""
    environment = {**os.environ, "PYTHONPATH": str(source)}
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", code], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024.0, child.returncode


def _extract(revision: str, into: Path) -> str:
    """Extract ``src/frontiersim`` of ``revision`` into ``into``; return the full commit id."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "archive", commit, "src/frontiersim"], cwd=REPO, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return commit


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reference", default=DEFAULT_REFERENCE, help="revision to compare with (default: %(default)s)"
    )
    parser.add_argument("--repeats", type=int, default=7, help="measured runs per case and tree (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="JSON file to write (default: %(default)s)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        commit = _extract(args.reference, Path(folder))
        trees = {"current": REPO / "src", "reference": Path(folder) / "src"}
        measured: dict[str, dict[str, list[tuple[float, float, int]]]] = {
            case: {tree: [] for tree in trees} for case in CASES
        }
        for case, code in CASES.items():
            for source in trees.values():
                _run_once(source, code)  # warm-up: the page cache and the bytecode caches
            for _ in range(args.repeats):
                for tree, source in trees.items():  # alternate, so that load drifts hit both alike
                    measured[case][tree].append(_run_once(source, code))

    rows = []
    failures = []
    print(f"frontiersim start-up, median of {args.repeats} fresh interpreters; reference {commit[:12]}")
    print(f"{'case':14s} {'current s':>10s} {'MiB':>6s} {'reference s':>12s} {'MiB':>6s} {'speed-up':>9s}  target")
    for case, by_tree in measured.items():
        figures = {}
        for tree, runs in by_tree.items():
            codes = {code for _, _, code in runs}
            if codes != {EXPECTED_EXIT[case]}:
                failures.append(f"{case} ({tree}) exited with {sorted(codes)}, expected {EXPECTED_EXIT[case]}")
            figures[tree] = {
                "median_seconds": statistics.median(seconds for seconds, _, _ in runs),
                "peak_rss_mib": max(rss for _, rss, _ in runs),
                "seconds": [seconds for seconds, _, _ in runs],
            }
        current, reference = figures["current"]["median_seconds"], figures["reference"]["median_seconds"]
        target = TARGET_SECONDS.get(case)
        verdict = "-" if target is None else f"{'PASS' if current <= target else 'FAIL'} (<= {target:g} s)"
        if target is not None and current > target:
            failures.append(f"{case}: {current:.3f} s > {target:g} s")
        print(
            f"{case:14s} {current:10.3f} {figures['current']['peak_rss_mib']:6.0f} {reference:12.3f} "
            f"{figures['reference']['peak_rss_mib']:6.0f} {reference / current:8.1f}x  {verdict}"
        )
        rows.append({"case": case, "code": CASES[case], "target_seconds": target, **figures})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    args.out.write_text(
        json.dumps({"reference_commit": commit, "repeats": args.repeats, "load_average": load, "cases": rows}, indent=2)
        + "\n"
    )
    print(
        f"load average {load[0]:.2f}; wrote {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}"
    )
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
