"""``frontiersim calibrate`` and ``frontiersim backtest``: the fits to the shipped Epoch AI data."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from frontiersim.calibrate import calibrate_report, capability_twin_path, write_calibrated_scenarios
from frontiersim.calibrate.backtest import backtest_revenue, parse_cutoff
from frontiersim.calibrate.revenue import COMPANIES
from frontiersim.cli.common import EXIT_OK, bad_input
from frontiersim.cli.recording import add_recording_arguments, begin_recording
from frontiersim.store.record import backtest_payload


def _cmd_calibrate(args: argparse.Namespace) -> int:
    out = Path(args.out)
    for path, option in ((out, "--out"), (capability_twin_path(out), "the capability-mode twin of --out")):
        if path.exists() and path.is_dir():
            return bad_input(f"{option}: {path} is a folder; expected a .toml file path")
    print(calibrate_report())
    growth_file, capability_file = write_calibrated_scenarios(out)
    print(f"\nwrote the calibrated scenario (exogenous growth) to {growth_file}")
    print(f"wrote its capability-driven twin to {capability_file}")
    print(f"check them with: frontiersim validate {growth_file} {capability_file}")
    return EXIT_OK


def _cmd_backtest(args: argparse.Namespace) -> int:
    try:
        cutoff = parse_cutoff(args.cutoff)
    except ValueError as error:
        return bad_input(f"--cutoff: {error}")
    companies = COMPANIES if args.company == "all" else (args.company,)
    recording = begin_recording(
        args, kind="backtest", scenario=None, scenario_name=f"revenue backtest ({args.company}) to {cutoff.date()}"
    )
    if isinstance(recording, int):
        return recording
    with recording.failing_on_error():
        result = backtest_revenue(cutoff, companies)
        table = result.table()
        if len(table):
            with pd.option_context(
                "display.width", 200, "display.max_columns", None, "display.float_format", "{:.3g}".format
            ):
                print(table.to_string(index=False))
        else:
            print(f"no forecasts to score after {result.cutoff} (see below)")
        print()
        print(result.summary_text())
        return recording.finish(backtest_payload(result)) if recording.active else EXIT_OK


def add_parsers(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``calibrate`` and ``backtest`` on the frontiersim parser."""
    calibrate = commands.add_parser(
        "calibrate",
        help="fit the compute trend and revenue growth to the shipped Epoch AI data; write a calibrated scenario",
    )
    calibrate.add_argument("--out", default="calibrated.toml", help="scenario file to write (default: calibrated.toml)")
    calibrate.set_defaults(handler=_cmd_calibrate)

    backtest = commands.add_parser(
        "backtest",
        help="fit the revenue trend up to a cutoff date and score its predictive intervals on the later reports",
    )
    backtest.add_argument("--cutoff", required=True, help="last report date fitted, YYYY-MM-DD (e.g. 2024-12-31)")
    backtest.add_argument(
        "--company",
        choices=(*COMPANIES, "all"),
        default="all",
        help="company to backtest (default: all = each separately, plus the pooled coverage)",
    )
    add_recording_arguments(backtest)
    backtest.set_defaults(handler=_cmd_backtest)
