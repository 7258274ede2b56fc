"""``frontiersim calibrate`` and ``frontiersim backtest``: the fits to the shipped Epoch AI data."""

from __future__ import annotations

import argparse
import dataclasses
import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frontiersim.atomic import atomic_write_bytes
from frontiersim.calibrate.defaults import BACKTEST_DRAWS, BACKTEST_SEED, COMPANIES
from frontiersim.calibrate.reports_file import REQUIRED_COLUMNS, ReportsFileError, read_reports_csv
from frontiersim.cli.arguments import case_insensitive
from frontiersim.cli.common import EXIT_OK, bad_input
from frontiersim.cli.recording import add_recording_arguments, begin_recording

if TYPE_CHECKING:  # the fits (pandas, scipy) are imported by the command that runs them
    import pandas as pd

#: Names of the PNG charts a simulator backtest keeps with its record (drawn in its HTML report).
BACKTEST_CHARTS = ("backtest_fan.png", "backtest_pit_coverage.png")


def _html_page(title: str, text: str, images: dict[str, bytes]) -> bytes:
    import base64  # noqa: PLC0415

    figures = "".join(
        f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'
        f"<figcaption>{html.escape(name)}</figcaption></figure>"
        for name, png in images.items()
    )
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{figures}<pre>{html.escape(text)}</pre></body></html>"
    )
    return page.encode("utf-8")


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from frontiersim.calibrate.report import (  # noqa: PLC0415
        calibrate_report,
        calibrated_fan,
        capability_twin_path,
        write_calibrated_scenarios,
    )

    out = Path(args.out)
    for path, option in ((out, "--out"), (capability_twin_path(out), "the capability-mode twin of --out")):
        if path.exists() and path.is_dir():
            return bad_input(f"{option}: {path} is a folder; expected a .toml file path")
    report = calibrate_report()
    print(report)
    growth_file, capability_file = write_calibrated_scenarios(out)
    if args.html:
        from frontiersim.charts.calibration import calibration_fan_png  # noqa: PLC0415

        images = {"predictive fan of the calibrated scenario vs the reports": calibration_fan_png(*calibrated_fan())}
        atomic_write_bytes(Path(args.html), _html_page("Calibration against Epoch AI data", report, images))
        print(f"wrote the calibration report with its chart to {args.html}")
    print(f"\nwrote the calibrated scenario (exogenous growth) to {growth_file}")
    print(f"wrote its capability-driven twin to {capability_file}")
    print(f"check them with: frontiersim validate {growth_file} {capability_file}")
    return EXIT_OK


def _cmd_backtest(args: argparse.Namespace) -> int:  # noqa: PLR0911 (one check per option, each its own exit)
    from frontiersim.calibrate.backtest import parse_cutoff  # noqa: PLC0415
    from frontiersim.calibrate.simulator_backtest import simulator_backtest  # noqa: PLC0415
    from frontiersim.charts.calibration import backtest_fan_png, pit_coverage_png  # noqa: PLC0415
    from frontiersim.store.record import backtest_payload  # noqa: PLC0415

    cutoffs = []
    for text in args.cutoff:
        try:
            cutoffs.append(parse_cutoff(text))
        except ValueError as error:
            return bad_input(f"--cutoff: {error}")
    if args.draws < 1:
        return bad_input(f"--draws: expected a positive number of draws, got {args.draws}")
    extra = None
    if args.reports:
        try:
            extra = read_reports_csv(args.reports)
        except ReportsFileError as error:
            return bad_input(f"--reports: {error}")
        if args.trend_line:
            return bad_input("--reports applies to the simulator backtest, not to --trend-line")
    companies = COMPANIES if args.company == "all" else (args.company,)
    if args.trend_line:
        if len(cutoffs) != 1:
            return bad_input("--trend-line takes one --cutoff")
        return _trend_line_backtest(args, cutoffs[0], companies)
    if args.html and Path(args.html).is_dir():
        return bad_input(f"--html: {args.html} is a folder; expected an .html file path")
    dates = ", ".join(str(c.date()) for c in cutoffs)
    recording = begin_recording(
        args, kind="backtest", scenario=None, scenario_name=f"simulator backtest ({args.company}) to {dates}"
    )
    if isinstance(recording, int):
        return recording
    with recording.failing_on_error():
        result = simulator_backtest(tuple(cutoffs), companies, extra_reports=extra, draws=args.draws, seed=args.seed)
        _print_forecasts(result.table(), f"no forecasts to score after {dates} (see below)", width=250)
        summary = result.summary_text()
        print(summary)
        charts = {BACKTEST_CHARTS[0]: backtest_fan_png(result), BACKTEST_CHARTS[1]: pit_coverage_png(result)}
        if args.html:
            atomic_write_bytes(Path(args.html), _html_page("Backtest of the simulator", summary, charts))
            print(f"wrote the backtest report with its charts to {args.html}")
        if not recording.active:
            return EXIT_OK
        payload = backtest_payload(result)
        return recording.finish(dataclasses.replace(payload, artifacts={**payload.artifacts, **charts}))


def _print_forecasts(table: pd.DataFrame, empty: str, *, width: int) -> None:
    """The scored forecasts, one per line (or ``empty`` when there are none), then a blank line."""
    import pandas as pd  # noqa: PLC0415

    from frontiersim.cli.format import format_columns  # noqa: PLC0415

    if len(table):
        with pd.option_context("display.width", width, "display.max_columns", None):
            print(format_columns(table))
    else:
        print(empty)
    print()


def _trend_line_backtest(args: argparse.Namespace, cutoff: pd.Timestamp, companies: tuple[str, ...]) -> int:
    recording = begin_recording(
        args, kind="backtest", scenario=None, scenario_name=f"trend-line backtest ({args.company}) to {cutoff.date()}"
    )
    if isinstance(recording, int):
        return recording
    from frontiersim.calibrate.backtest import backtest_revenue  # noqa: PLC0415
    from frontiersim.store.record import backtest_payload  # noqa: PLC0415

    with recording.failing_on_error():
        result = backtest_revenue(cutoff, companies)
        _print_forecasts(result.table(), f"no forecasts to score after {result.cutoff} (see below)", width=200)
        print(result.summary_text())
        return recording.finish(backtest_payload(result)) if recording.active else EXIT_OK


def add_parsers(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``calibrate`` and ``backtest`` on the frontiersim parser."""
    calibrate = commands.add_parser(
        "calibrate",
        help="fit the compute trend and revenue growth to the shipped Epoch AI data; write a calibrated scenario",
    )
    calibrate.add_argument("--out", default="calibrated.toml", help="scenario file to write (default: calibrated.toml)")
    calibrate.add_argument(
        "--html", metavar="FILE", help="also write an HTML report: the text and the predictive fan vs the reports"
    )
    calibrate.set_defaults(handler=_cmd_calibrate)

    backtest = commands.add_parser(
        "backtest",
        help="calibrate demand on reports up to a cutoff, run the simulator from it and score the later reports "
        "(coverage of the 50%%/90%% intervals, CRPS, PIT)",
    )
    backtest.add_argument(
        "--cutoff",
        required=True,
        nargs="+",
        help="last report date calibrated on, YYYY-MM-DD; several give a pooled score (e.g. 2024-06-30 2024-12-31)",
    )
    backtest.add_argument(
        "--reports",
        metavar="FILE.csv",
        help="more revenue reports to score, CSV with a header and the columns "
        + ", ".join(repr(c) for c in REQUIRED_COLUMNS)
        + " (date YYYY-MM-DD or MM/DD/YYYY; annualised revenue in USD a year)",
    )
    backtest.add_argument(
        "--draws", type=int, default=BACKTEST_DRAWS, help=f"draws per simulation (default: {BACKTEST_DRAWS:,})"
    )
    backtest.add_argument("--seed", type=int, default=BACKTEST_SEED, help=f"seed (default: {BACKTEST_SEED})")
    backtest.add_argument("--html", metavar="FILE", help="also write an HTML report with the fan and PIT charts")
    backtest.add_argument(
        "--trend-line",
        action="store_true",
        help="the older backtest of the fitted trend line alone (OLS prediction intervals, no simulator)",
    )
    backtest.add_argument(
        "--company",
        type=case_insensitive((*COMPANIES, "all")),
        choices=(*COMPANIES, "all"),
        default="all",
        help="company to backtest (default: all = each separately, plus the pooled coverage)",
    )
    add_recording_arguments(backtest)
    backtest.set_defaults(handler=_cmd_backtest)
