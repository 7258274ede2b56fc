"""What the shared chart definitions cost: the dashboard's chart specifications per update, the report's SVGs.

Usage::

    python benchmarks/bench_charts.py            # default scenario, 10,000 draws, median of 7
    python benchmarks/bench_charts.py --quick    # 2,000 draws, median of 3

Measured in this process, after one warm-up each:

* ``chart_payload``: the Vega-Lite specifications (data included) that
  ``POST /api/simulate`` adds to its answer (the P(ruin) curve and five
  fans), and their size as JSON;
* ``svg``: rendering those charts to SVG with vl-convert, as the HTML report does;
* ``report``: the whole HTML report of the run (templates, tables, charts).

The figures are printed and written as JSON to ``benchmarks/output/``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import frontiersim as fs
from frontiersim.charts import render
from frontiersim.dashboard.payload import chart_payload
from frontiersim.report.html import record_from_result, render_report

SCENARIO, SEED = "default", 20260101
OUTPUT = Path(__file__).parent / "output"


def _median_seconds(function: Callable[[], Any], repeats: int) -> float:
    function()  # warm-up: imports, caches
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 draws, median of 3")
    args = parser.parse_args(argv)
    draws, repeats = (2_000, 3) if args.quick else (10_000, 7)
    result = fs.simulate(fs.bundled(SCENARIO), draws=draws, seed=SEED, keep_monthly=True)
    record = record_from_result(result)
    tables = record.tables
    charts = chart_payload(tables, None, several_labs=False)
    figures = {
        "draws": draws,
        "repeats": repeats,
        "charts": len(charts),
        "chart_payload_seconds": round(_median_seconds(lambda: chart_payload(tables, None, False), repeats), 3),
        "chart_payload_json_bytes": len(json.dumps(charts)),
        "svg_seconds": round(_median_seconds(lambda: [render.svg(c["spec"]) for c in charts], repeats), 3),
        "report_seconds": round(_median_seconds(lambda: render_report(record), repeats), 3),
    }
    for key, value in figures.items():
        print(f"{key:>26s}: {value:,}")
    OUTPUT.mkdir(exist_ok=True)
    out = OUTPUT / "bench_charts.json"
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
