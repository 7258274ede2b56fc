"""One user's dashboard updates while ten other clients hammer the server: latency, throughput, peak memory.

Usage::

    python benchmarks/bench_dashboard.py             # 30 updates of the user per case
    python benchmarks/bench_dashboard.py --quick     # 10 updates per case
    python benchmarks/bench_dashboard.py --baseline REV   # another one-at-a-time server (any git revision)

Every case starts a real ``frontiersim serve`` subprocess on a free port with
a fresh run store, and posts the bundled ``default`` scenario at 10,000 draws
to ``POST /api/simulate``, as the page does (the request body encoded once):

* **the user**: one client (its own ``X-Client-Id``, numbered requests) that
  sends an update, waits for the answer, then pauses for a think time drawn
  uniformly from 0.5-1.5 x ``--think-seconds``, and again, ``--updates``
  times. A 503 is asked again once after its ``Retry-After``, as the page
  does; the latency is then the whole wait. Its latencies are the figures;
* **hammerers**: ten clients (``--hammerers``), each with its own id,
  sending updates back to back for as long as the user runs; on a 503 they either wait the
  ``Retry-After`` seconds (honouring it) or send again at once.

Cases: the user alone and with ten hammerers, on the one-at-a-time server
of ``--baseline`` (``git archive REV src/frontiersim`` into a temporary
folder, run with ``PYTHONPATH`` pointing there) and on this tree's server
(default settings: as many workers as CPUs, 16 queued at most), plus this
tree's server with a queue of 4, where hammerers get 503s, with hammerers
honouring ``Retry-After`` and ignoring it.

``--pool-choices`` measures instead what the pool's design rests on, in
this process: twelve updates (:func:`frontiersim.dashboard.worker.simulation_job`,
the worker's whole job) one at a time, on two threads and on two processes,
in three interleaved rounds; and the simulation alone at 8,192 draws per
chunk (the library's default) and at the dashboard's 2,048 (median of 7,
interleaved).

Throughput is the 200 answers (user and hammerers) finished while the user
ran, per second, and the draw-months they simulated per second. Peak memory
is ``VmHWM`` from ``/proc`` of the server process and, summed, of the server
and every process under it (the pool's fork server and workers), read just
before it is stopped: the sum bounds the peak the processes held together.
The table is printed and written as JSON to ``benchmarks/output/``.
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

import frontiersim as fs
from frontiersim.dashboard.worker import CHUNK_SIZE_DRAWS, simulation_job
from frontiersim.scenario.loader import bundled_text

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
OUTPUT_DIR = HERE / "output"
SCENARIO = "default"
SEED = 20260101
MONTHS = 60

#: The last revision whose server runs one simulation at a time, under a global lock.
BASELINE_REVISION = "7567ced"

HAMMERERS = 10

#: Seconds the hammerers send before the user starts: the measurement is of the steady state.
LEAD_IN_SECONDS = 10.0
TARGET_P95_SECONDS = 1.5


@dataclass
class Case:
    """One measurement: which server, with which options, and how the hammerers behave."""

    name: str
    tree: str  # "baseline" or "current"
    server_options: tuple[str, ...] = ()
    hammerers: int = HAMMERERS
    honour_retry_after: bool = True


@dataclass
class Outcome:
    """What one case measured."""

    case: Case
    user_seconds: list[float]
    user_busy_answers: int
    user_refused_twice: int
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    answered_200: int = 0
    window_seconds: float = 0.0
    server_peak_mib: float = float("nan")
    tree_peak_mib: float = float("nan")
    processes: int = 0


# --------------------------------------------------------------------------- servers


@contextmanager
def baseline_tree(revision: str) -> Iterator[Path]:
    """``src/frontiersim`` of ``revision``, extracted into a temporary folder; yields the folder holding ``src``."""
    for tool in ("git", "tar"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: the baseline server cannot be extracted")
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if not commit:
        raise SystemExit(f"revision {revision!r} not found in {REPOSITORY}")
    with tempfile.TemporaryDirectory(prefix="bench_dashboard_baseline_") as folder:
        archive = subprocess.Popen(
            ["git", "archive", commit, "src/frontiersim"], cwd=REPOSITORY, stdout=subprocess.PIPE
        )
        extract = subprocess.run(["tar", "-x", "-C", folder], stdin=archive.stdout, check=False)
        if archive.stdout is not None:
            archive.stdout.close()
        if archive.wait() != 0 or extract.returncode != 0:
            raise SystemExit(f"git archive {commit[:12]} | tar -x failed")
        yield Path(folder)


def _descendants(pid: int) -> list[int]:
    """Every process under ``pid`` (from the parent ids in ``/proc``)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2 :].split()
        children[int(fields[1])].append(int(stat.parent.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _peak_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextmanager
def running_server(source: Path, store: Path, options: Sequence[str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``frontiersim serve`` from ``source`` (the folder holding ``src``) on a free port; yields its URL."""
    env = {**os.environ, "PYTHONPATH": str(source / "src")}
    command = [sys.executable, "-m", "frontiersim.cli.main", "serve", "--port", "0", "--store", str(store), *options]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as server:
        assert server.stdout is not None
        first = server.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", first)
        if match is None:
            server.terminate()
            raise SystemExit(f"frontiersim serve did not start: {first}")
        stream = server.stdout
        threading.Thread(target=lambda: collections.deque(stream, maxlen=0), daemon=True).start()
        try:
            yield match.group(1), server
        finally:
            server.terminate()
            server.wait(timeout=60)


# --------------------------------------------------------------------------- clients


def _post(client: httpx.Client, url: str, body: bytes, number: int) -> httpx.Response:
    return client.post(url, content=body, headers={"X-Request-Number": str(number)})


def _retry_after_seconds(response: httpx.Response) -> float:
    return float(response.headers.get("retry-after", "1"))


def _user(url: str, body: bytes, updates: int, think_seconds: float, seed: int) -> tuple[list[float], int, int]:
    """The user's latencies, its 503s, and its updates refused twice.

    A 503 is asked again once after its Retry-After, as the page does, and the
    wait counts in the latency; an update refused twice is given up, as the
    page gives it up (it shows the error), and has no latency.
    """
    pace = random.Random(seed)
    latencies: list[float] = []
    busy = refused = 0
    headers = {"Content-Type": "application/json", "X-Client-Id": "bench-user-0001"}
    with httpx.Client(timeout=300, headers=headers) as client:
        for number in range(1, updates + 1):
            started = time.perf_counter()
            response = _post(client, url, body, 2 * number)
            if response.status_code == 503:
                busy += 1
                time.sleep(_retry_after_seconds(response))
                response = _post(client, url, body, 2 * number + 1)
                busy += response.status_code == 503
            if response.status_code == 200:
                latencies.append(time.perf_counter() - started)
            elif response.status_code == 503:
                refused += 1
            else:
                raise RuntimeError(f"the user's update got {response.status_code}: {response.text[:300]}")
            time.sleep(think_seconds * pace.uniform(0.5, 1.5))
    return latencies, busy, refused


def _hammer(
    url: str,
    body: bytes,
    index: int,
    honour_retry_after: bool,
    stop: threading.Event,
    answers: list[tuple[float, int]],
    lock: threading.Lock,
) -> None:
    """Back-to-back updates until ``stop``; each answer is noted with the time it came."""
    headers = {"Content-Type": "application/json", "X-Client-Id": f"bench-hammer-{index:02d}"}
    with httpx.Client(timeout=300, headers=headers) as client:
        number = 0
        while not stop.is_set():
            number += 1
            response = _post(client, url, body, number)
            with lock:
                answers.append((time.perf_counter(), response.status_code))
            if response.status_code == 503 and honour_retry_after:
                stop.wait(_retry_after_seconds(response))


def run_case(case: Case, url: str, body: bytes, updates: int, think_seconds: float) -> Outcome:
    """The user's updates, with the case's hammerers sending meanwhile."""
    stop = threading.Event()
    lock = threading.Lock()
    answers: list[tuple[float, int]] = []
    hammerers = [
        threading.Thread(target=_hammer, args=(url, body, k, case.honour_retry_after, stop, answers, lock))
        for k in range(case.hammerers)
    ]
    for thread in hammerers:
        thread.start()
    if hammerers:
        time.sleep(LEAD_IN_SECONDS)  # the hammerers fill the server, and have a history, before the user starts
    started = time.perf_counter()
    try:
        latencies, busy, refused = _user(url, body, updates, think_seconds, seed=SEED)
    finally:
        ended = time.perf_counter()
        stop.set()
        for thread in hammerers:
            thread.join()
    in_window = [status for at, status in answers if started <= at <= ended]
    outcome = Outcome(case, latencies, busy, refused)
    outcome.statuses.update(in_window)
    outcome.answered_200 = outcome.statuses[200] + len(latencies)
    outcome.window_seconds = ended - started
    return outcome


# --------------------------------------------------------------------------- the pool's design


def _one_update(draws: int) -> float:
    """One update as a worker runs it (simulation, the page's tables and JSON); its wall time."""
    started = time.perf_counter()
    simulation_job(lambda: None, fs.bundled(SCENARIO), draws, SEED, None)
    return time.perf_counter() - started


def pool_choices(draws: int, jobs: int = 12, rounds: int = 3) -> dict[str, Any]:
    """Updates one at a time, on two threads and on two processes; the simulation at two chunk sizes."""
    _one_update(draws)  # imports, first allocations
    threads = ThreadPoolExecutor(2)
    processes = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"))
    executors: dict[str, Executor | None] = {"one at a time": None, "2 threads": threads, "2 processes": processes}
    for executor in (threads, processes):
        list(executor.map(_one_update, [draws] * 2))  # start and warm the workers
    rates: dict[str, list[float]] = collections.defaultdict(list)
    latencies: dict[str, list[float]] = collections.defaultdict(list)
    for _ in range(rounds):
        for name, executor in executors.items():
            started = time.perf_counter()
            if executor is None:
                seconds = [_one_update(draws) for _ in range(jobs)]
            else:
                seconds = list(executor.map(_one_update, [draws] * jobs))
            rates[name].append(jobs / (time.perf_counter() - started))
            latencies[name].extend(seconds)
    threads.shutdown()
    processes.shutdown()
    chunks: dict[int, list[float]] = {8192: [], CHUNK_SIZE_DRAWS: []}
    scenario = fs.bundled(SCENARIO)
    for _ in range(7):
        for chunk_size, times in chunks.items():
            started = time.perf_counter()
            fs.simulate(scenario, draws=draws, seed=SEED, keep_monthly=True, chunk_size=chunk_size)
            times.append(time.perf_counter() - started)
    return {
        "updates": {
            name: {
                "updates_per_second": [round(rate, 2) for rate in rates[name]],
                "median_update_seconds": round(statistics.median(latencies[name]), 3),
            }
            for name in executors
        },
        "simulate_seconds_by_chunk_size": {str(size): round(statistics.median(t), 3) for size, t in chunks.items()},
    }


# --------------------------------------------------------------------------- report


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _row(outcome: Outcome, draws: int) -> dict[str, Any]:
    seconds = outcome.user_seconds
    rate = outcome.answered_200 / outcome.window_seconds if outcome.window_seconds else float("nan")
    return {
        "case": outcome.case.name,
        "server": outcome.case.tree,
        "server_options": list(outcome.case.server_options),
        "hammerers": outcome.case.hammerers,
        "hammerers_honour_retry_after": outcome.case.honour_retry_after,
        "user_updates_answered": len(seconds),
        "user_p50_seconds": round(statistics.median(seconds), 3),
        "user_p95_seconds": round(_quantile(seconds, 0.95), 3),
        "user_max_seconds": round(max(seconds), 3),
        "user_503": outcome.user_busy_answers,
        "user_updates_given_up": outcome.user_refused_twice,
        "hammerer_answers": dict(sorted(outcome.statuses.items())),
        "updates_per_second": round(rate, 2),
        "draw_months_per_second": round(rate * draws * MONTHS),
        "server_peak_mib": round(outcome.server_peak_mib, 1),
        "server_and_workers_peak_mib": round(outcome.tree_peak_mib, 1),
        "processes": outcome.processes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=30, help="the user's updates per case (default: %(default)s)")
    parser.add_argument("--think-seconds", type=float, default=2.0, help="the user's mean pause (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="10 updates per case")
    parser.add_argument("--baseline", default=BASELINE_REVISION, help="one-at-a-time server (default: %(default)s)")
    parser.add_argument("--hammerers", type=int, default=HAMMERERS, help="clients sending back to back (default: 10)")
    parser.add_argument("--skip-baseline", action="store_true", help="only this tree's server")
    parser.add_argument("--pool-choices", action="store_true", help="threads vs processes, and chunk sizes")
    parser.add_argument("--out", type=Path, default=OUTPUT_DIR / "bench_dashboard.json")
    args = parser.parse_args(argv)
    updates = 10 if args.quick else args.updates
    if args.pool_choices:
        choices = pool_choices(args.draws)
        print(f"{args.draws:,} draws of {SCENARIO!r}: 12 updates per round, 3 rounds; {os.cpu_count()} CPUs")
        for name, figures in choices["updates"].items():
            rates = ", ".join(f"{rate:.2f}" for rate in figures["updates_per_second"])
            print(f"  {name:14s} updates/s {rates}; median update {figures['median_update_seconds']:.3f} s")
        for size, seconds in choices["simulate_seconds_by_chunk_size"].items():
            print(f"  simulate() with chunks of {size:>5s} draws: median {seconds:.3f} s")
        out = args.out.with_name("bench_dashboard_pool_choices.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"draws": args.draws, "load_average": os.getloadavg(), **choices}, indent=2) + "\n")
        print(f"wrote {out}")
        return 0
    body = json.dumps({"scenario": tomllib.loads(bundled_text(SCENARIO)), "draws": args.draws, "seed": SEED}).encode()
    n = args.hammerers
    small_queue = ("--max-queued", "4")
    cases = [
        Case("one-at-a-time server, user alone", "baseline", hammerers=0),
        Case(f"one-at-a-time server, {n} hammerers", "baseline", hammerers=n),
        Case("pool server, user alone", "current", hammerers=0),
        Case(f"pool server, {n} hammerers", "current", hammerers=n),
        Case(f"pool server, queue of 4, {n} hammerers honouring Retry-After", "current", small_queue, n),
        Case(f"pool server, queue of 4, {n} hammerers ignoring Retry-After", "current", small_queue, n, False),
    ]
    if args.skip_baseline:
        cases = [case for case in cases if case.tree == "current"]
    outcomes: list[Outcome] = []
    with baseline_tree(args.baseline) as baseline, tempfile.TemporaryDirectory() as folder:
        sources = {"baseline": baseline, "current": REPOSITORY}
        for number, case in enumerate(cases):
            store = Path(folder) / f"store-{number}.duckdb"
            with running_server(sources[case.tree], store, case.server_options) as (base, server):
                url = f"{base}/api/simulate"
                has_pool = httpx.get(f"{base}/api/status", timeout=60).status_code == 200
                if has_pool != (case.tree == "current"):
                    raise SystemExit(f"{case.name}: the server at {base} is not the {case.tree} tree")
                for _ in range(2):  # imports, the workers' start, first allocations
                    httpx.post(url, content=body, headers={"Content-Type": "application/json"}, timeout=300)
                print(f"{case.name} ...", flush=True)
                outcome = run_case(case, url, body, updates, args.think_seconds)
                tree = [server.pid, *_descendants(server.pid)]
                outcome.server_peak_mib = _peak_mib(server.pid)
                outcome.tree_peak_mib = sum(_peak_mib(pid) for pid in tree)
                outcome.processes = len(tree)
                outcomes.append(outcome)

    rows = [_row(outcome, args.draws) for outcome in outcomes]
    print(
        f"\n{args.draws:,} draws x {MONTHS} months of {SCENARIO!r} per update; the user: {updates} updates, "
        f"pauses of 0.5-1.5 x {args.think_seconds:g} s; {os.cpu_count()} CPUs"
    )
    heading = f"{'case':62s} {'p50 s':>6s} {'p95 s':>6s} {'max s':>6s} {'503':>4s} {'lost':>4s} {'upd/s':>6s}"
    print(f"{heading} {'peak MiB':>14s}  hammerers' answers")
    for row in rows:
        peak = f"{row['server_peak_mib']:.0f}/{row['server_and_workers_peak_mib']:.0f}"
        print(
            f"{row['case']:62s} {row['user_p50_seconds']:6.2f} {row['user_p95_seconds']:6.2f} "
            f"{row['user_max_seconds']:6.2f} {row['user_503']:4d} {row['user_updates_given_up']:4d} "
            f"{row['updates_per_second']:6.2f} {peak:>14s}  "
            f"{row['hammerer_answers']}"
        )
    target = next(row for row in rows if row["case"] == f"pool server, {n} hammerers")
    verdict = "PASS" if target["user_p95_seconds"] < TARGET_P95_SECONDS else "FAIL"
    print(f"{verdict}  p95 of the user's updates with {n} hammerers: {target['user_p95_seconds']:.2f} s (< 1.5 s)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                },
                "load_average": os.getloadavg(),
                "baseline": args.baseline,
                "draws": args.draws,
                "updates": updates,
                "think_seconds": args.think_seconds,
                "rows": rows,
                "user_seconds": {outcome.case.name: outcome.user_seconds for outcome in outcomes},
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
