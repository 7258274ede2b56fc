"""Latency, throughput and peak memory of the outer layers beside the library call they wrap.

Usage::

    python benchmarks/bench_outer.py            # 10,000 draws of the default scenario, 9 repeats
    python benchmarks/bench_outer.py --quick    # 3 repeats

In one run, on the same scenario, draws and seed, it times:

* reference: :func:`frontiersim.simulate` with monthly arrays kept (the library call);
* tables: the same, plus :func:`frontiersim.results.tables.run_tables` (what the page is sent);
* dashboard: ``POST /api/simulate`` to a real ``frontiersim serve`` subprocess on a free
  port, round trip as a client sees it (validation, simulation, tables, JSON);
* store: recording the result (``begin`` and ``finish`` with the summary and per-draw tables)
  into a fresh DuckDB run store, and reading it back (``get``);
* report: :func:`frontiersim.report.html.render_report` of the stored record.

Throughput is draw-months per second (draws x simulated months / median wall time).
Peak memory is each process's high-water mark: ``ru_maxrss`` of this process for the
in-process cases, ``VmHWM`` (from ``/proc``) for the dashboard: of the server process and,
summed, of it and the processes under it (the simulation pool's fork server and workers,
which run the simulations), read before the server stops.
The table is printed and written as JSON to ``benchmarks/output/``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import frontiersim as fs
from frontiersim.report.html import render_report
from frontiersim.results.tables import draw_tables, run_tables
from frontiersim.scenario.loader import bundled_text
from frontiersim.store import RunStore

HERE = Path(__file__).resolve().parent
OUTPUT_DIR = HERE / "output"
SCENARIO = "default"
SEED = 20260101


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(action: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    times, value = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        value = action()
        times.append(time.perf_counter() - started)
    return times, value


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_peak_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:  # the process ended meanwhile
        pass
    return 0.0


def _descendants(pid: int) -> list[int]:
    """Every process under ``pid`` (from the parent ids in ``/proc``)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        parent = int(text[text.rfind(")") + 2 :].split()[1])
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _post_json(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return dict(json.loads(response.read()))


def _dashboard_case(draws: int, repeats: int, store: Path) -> tuple[list[float], float, float, float]:
    """Round-trip times of POST /api/simulate, the server's own simulation time, and peak RSS.

    The peaks are the server process's and the sum over it and its workers.
    """
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "frontiersim.cli.main", "serve", "--port", str(port), "--store", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/presets", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the dashboard server did not start") from None
                time.sleep(0.1)
        payload = {"scenario": tomllib.loads(bundled_text(SCENARIO)), "draws": draws, "seed": SEED}
        _post_json(f"{base}/api/simulate", payload)  # warm-up
        times, answer = _timed(lambda: _post_json(f"{base}/api/simulate", payload), repeats)
        simulated = float(answer.get("timing", {}).get("simulate_seconds", float("nan")))
        with_workers = sum(_server_peak_mib(pid) for pid in [server.pid, *_descendants(server.pid)])
        return times, simulated, _server_peak_mib(server.pid), with_workers
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 9")
    args = parser.parse_args(argv)
    repeats = 3 if args.quick else 9
    scenario = fs.bundled(SCENARIO)
    months = scenario.horizon_months
    draw_months = args.draws * months
    fs.simulate(scenario, draws=500, seed=SEED)  # warm-up: imports, first allocations

    rows: list[dict[str, Any]] = []

    def add(case: str, times: list[float], peak_mib: float, note: str) -> None:
        median = statistics.median(times)
        rows.append(
            {
                "case": case,
                "median_seconds": round(median, 4),
                "min_seconds": round(min(times), 4),
                "draw_months_per_second": round(draw_months / median),
                "peak_rss_mib": round(peak_mib, 1),
                "note": note,
            }
        )

    simulate_times, result = _timed(
        lambda: fs.simulate(scenario, draws=args.draws, seed=SEED, keep_monthly=True), repeats
    )
    add("reference: simulate()", simulate_times, _peak_rss_mib(), "library call, monthly arrays kept")
    table_times, _ = _timed(
        lambda: run_tables(fs.simulate(scenario, draws=args.draws, seed=SEED, keep_monthly=True)), repeats
    )
    add("simulate() + run_tables()", table_times, _peak_rss_mib(), "what a saved run computes")

    with tempfile.TemporaryDirectory() as folder:
        store = RunStore(Path(folder) / "runs.duckdb")
        dashboard_times, server_simulate_s, server_peak, with_workers = _dashboard_case(
            args.draws, repeats, Path(folder) / "serve.duckdb"
        )
        add(
            "dashboard: POST /api/simulate",
            dashboard_times,
            with_workers,
            f"real server, round trip; its simulation took {server_simulate_s:.3f} s in a worker; peak is the "
            f"server's {server_peak:.0f} MiB and its workers'",
        )

        text = bundled_text(SCENARIO)

        def record() -> str:
            run_id = store.begin(
                kind="run",
                scenario_text=text,
                scenario_name=scenario.meta.name,
                scenario_sha256=str(result.dataset.attrs["scenario_sha256"]),
                seed=SEED,
                draws=args.draws,
                message="benchmark",
            )
            store.finish(run_id, tables=run_tables(result), draw_tables=draw_tables(result))
            return run_id

        record_times, run_id = _timed(record, repeats)
        add("store: record a run", record_times, _peak_rss_mib(), "tables + per-draw Parquet, one transaction")
        get_times, stored = _timed(lambda: store.get(run_id), repeats)
        add("store: read it back", get_times, _peak_rss_mib(), "summary tables and artifacts")
        report_times, html = _timed(lambda: render_report(stored), repeats)
        add("report: render_report()", report_times, _peak_rss_mib(), f"{len(html) / 1e6:.1f} MB of HTML")
        store_mib = (Path(folder) / "runs.duckdb").stat().st_size / 2**20

    header = f"{'case':32s} {'median s':>9s} {'min s':>8s} {'draw-months/s':>14s} {'peak MiB':>9s}  note"
    print(f"{args.draws:,} draws x {months} months of {SCENARIO!r}, median of {repeats}; ", end="")
    print(f"store file {store_mib:.0f} MiB")
    print(header)
    for row in rows:
        print(
            f"{row['case']:32s} {row['median_seconds']:9.3f} {row['min_seconds']:8.3f} "
            f"{row['draw_months_per_second']:14,d} {row['peak_rss_mib']:9.0f}  {row['note']}"
        )
    OUTPUT_DIR.mkdir(exist_ok=True)
    out = OUTPUT_DIR / "bench_outer.json"
    out.write_text(
        json.dumps(
            {
                "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                },
                "draws": args.draws,
                "months": months,
                "repeats": repeats,
                "store_file_mib": round(store_mib, 1),
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
