"""Latency, throughput and peak memory of the outer layers beside the library call they wrap.

Usage::

    python benchmarks/bench_outer.py                   # 10,000 draws of the default scenario, 9 repeats
    python benchmarks/bench_outer.py --quick           # 3 repeats
    python benchmarks/bench_outer.py --dashboard-only  # the reference and the dashboard's cases only

In one run, on the same scenario, draws and seed, it times:

* reference: :func:`frontiersim.simulate` with monthly arrays kept (the library call);
* tables: the same, plus :func:`frontiersim.results.tables.run_tables` (what the page is sent);
* dashboard: ``POST /api/simulate`` to a real ``frontiersim serve`` subprocess on a free
  port, round trip as a client sees it (validation, simulation, tables, JSON), each
  request with the preset's first two-handle slider moved a little further, as a user
  dragging it would (every answer is a new simulation); after one request of the
  server's own to start, then the requests timed. PASS when its median is at most
  :data:`ROUND_TRIP_TARGET_SECONDS` at 10,000 draws;
* the job in its worker: the same requests' ``timing.job_seconds`` (simulation, page
  tables, figures, charts and drivers, timed in the worker), with its parts in the note;
* store: recording the result (``begin`` and ``finish`` with the summary and per-draw tables)
  into a fresh DuckDB run store, and reading it back (``get``);
* report: :func:`frontiersim.report.html.render_report` of the stored record.

Throughput is draw-months per second (draws x simulated months / median wall time).
Peak memory is each process's high-water mark: ``ru_maxrss`` of this process for the
in-process cases, ``VmHWM`` (from ``/proc``) for the dashboard: of the server process and,
summed, of it and the processes under it (the simulation pool's fork server and workers,
which run the simulations), read before the server stops.
The table, the verdict and the load average are printed and written as JSON to
``benchmarks/output/``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
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

#: Target of the dashboard's round trip at 10,000 draws (median), seconds.
ROUND_TRIP_TARGET_SECONDS = 0.25


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load_average() -> str:
    """The 1, 5 and 15 minute load averages (``/proc/loadavg``), or ``n/a``."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


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


def _get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return dict(json.loads(response.read()))


def _slider_positions(preset: dict[str, Any], count: int) -> tuple[str, list[list[float]]]:
    """``count`` different 5-95% intervals of the preset's first two-handle slider, as the page sends them.

    The interval is shifted by 1%, 2%, ... of its width each time (the server
    keeps it within the key's bounds), as a user dragging the slider would.
    """
    for slider in preset["sliders"]:
        if slider["uncertain"] and not slider["disabled"] and not slider["hidden"]:
            p5, p95, scale = float(slider["p5"]), float(slider["p95"]), float(slider["scale"])
            width = p95 - p5
            return str(slider["path"]), [
                [(p5 + k * width / 100) * scale, (p95 + k * width / 100) * scale] for k in range(1, count + 1)
            ]
    raise RuntimeError(f"preset {SCENARIO!r} has no two-handle slider to move")


def _dashboard_case(draws: int, repeats: int, store: Path) -> dict[str, Any]:
    """Round-trip times of POST /api/simulate, each with the slider moved, the worker's timing, and peak RSS.

    Returns the round trips (``times``), per answer the worker's ``timing``
    (``timings``), the slider moved (``slider``), and the peaks of the server
    process and of it and its workers summed (``server_mib``, ``with_workers_mib``).
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
        preset = _get_json(f"{base}/api/presets/bundled:{SCENARIO}")
        path, positions = _slider_positions(preset, repeats + 1)
        payloads = [
            {"scenario": preset["scenario"], "draws": draws, "seed": SEED, "intervals": {path: interval}}
            for interval in positions
        ]
        _post_json(f"{base}/api/simulate", payloads[0])  # warm-up: the server's own first request
        times, timings = [], []
        for payload in payloads[1:]:
            started = time.perf_counter()
            answer = _post_json(f"{base}/api/simulate", payload)
            times.append(time.perf_counter() - started)
            timings.append(answer["timing"])
        with_workers = sum(_server_peak_mib(pid) for pid in [server.pid, *_descendants(server.pid)])
        return {
            "times": times,
            "timings": timings,
            "slider": path,
            "server_mib": _server_peak_mib(server.pid),
            "with_workers_mib": with_workers,
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 9")
    parser.add_argument(
        "--dashboard-only", action="store_true", help="the reference and the dashboard only (no store, no report)"
    )
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
    if not args.dashboard_only:
        table_times, _ = _timed(
            lambda: run_tables(fs.simulate(scenario, draws=args.draws, seed=SEED, keep_monthly=True)), repeats
        )
        add("simulate() + run_tables()", table_times, _peak_rss_mib(), "what a saved run computes")

    with tempfile.TemporaryDirectory() as folder:
        store = RunStore(Path(folder) / "runs.duckdb")
        dashboard = _dashboard_case(args.draws, repeats, Path(folder) / "serve.duckdb")
        worker_seconds = {
            key: statistics.median(float(t.get(key, math.nan)) for t in dashboard["timings"])
            for key in ("job_seconds", "simulate_seconds", "tables_seconds", "payload_seconds", "drivers_seconds")
        }
        outside = [
            total - float(timing.get("job_seconds", math.nan))
            for total, timing in zip(dashboard["times"], dashboard["timings"], strict=True)
        ]
        add(
            "dashboard: POST /api/simulate",
            dashboard["times"],
            dashboard["with_workers_mib"],
            f"real server, round trip, slider {dashboard['slider']} moved each time; beyond the job "
            f"{statistics.median(outside):.3f} s (median: HTTP, validation, queue, pickling, JSON); peak is the "
            f"server's {dashboard['server_mib']:.0f} MiB and its workers'",
        )
        if all("job_seconds" in timing for timing in dashboard["timings"]):  # a server of this tree
            add(
                "dashboard: the job in its worker",
                [float(timing["job_seconds"]) for timing in dashboard["timings"]],
                dashboard["with_workers_mib"],
                "simulation {simulate_seconds:.3f} s, tables {tables_seconds:.3f} s, figures and charts "
                "{payload_seconds:.3f} s, drivers {drivers_seconds:.3f} s (medians)".format(**worker_seconds),
            )

        text = bundled_text(SCENARIO)
        store_mib = 0.0

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

        if not args.dashboard_only:
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
                "round_trip_target_seconds": ROUND_TRIP_TARGET_SECONDS,
                "load_average": _load_average(),
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    round_trip = next(row for row in rows if row["case"] == "dashboard: POST /api/simulate")
    verdict = "PASS" if round_trip["median_seconds"] <= ROUND_TRIP_TARGET_SECONDS else "FAIL"
    print(
        f"{verdict}  dashboard round trip at {args.draws:,} draws: median {round_trip['median_seconds']:.3f} s, "
        f"min {round_trip['min_seconds']:.3f} s (target <= {ROUND_TRIP_TARGET_SECONDS} s median); "
        f"load average {_load_average()}"
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
