"""``frontiersim sensitivity``: which uncertain keys of a scenario drive which outcomes.

Prints each outcome's inputs ranked, each index with its confidence
interval; writes ``sensitivity.csv`` (every index), ``sensitivity.txt``, a
tornado chart (``tornado.svg`` and ``tornado.html``) and ``sensitivity.json``
to ``--out``; and records the analysis in the run store (kind
``sensitivity``) unless ``--no-store``. The parser is declared here with
light imports only; the analysis (SALib, pandas, the engine) is imported
when the command runs.
"""

from __future__ import annotations

import argparse
import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frontiersim.cli.arguments import bounded, non_negative_int, positive_int
from frontiersim.cli.common import (
    bad_input,
    default_out_dir,
    lab_problem,
    out_dir_problem,
    progress_bar,
    report_problems,
    resolve_scenario,
)
from frontiersim.cli.recording import add_recording_arguments, begin_recording
from frontiersim.scenario.errors import ScenarioError
from frontiersim.sensitivity.defaults import DEFAULT_CONFIDENCE, DEFAULT_SAMPLES, METHODS

if TYPE_CHECKING:
    from frontiersim.scenario.schema import Scenario
    from frontiersim.sensitivity.scenario_analysis import SensitivityResult


def planned_draws(scenario: Scenario, method: str, samples: int) -> int:
    """Draws the engine simulates for an analysis: a design's rows, or the rank method's samples.

    Examples
    --------
    >>> from frontiersim.scenario.loader import bundled
    >>> planned_draws(bundled("default"), "sobol", 1024)  # 5 uncertain keys and the monthly shocks
    8192
    """
    from frontiersim.sensitivity.scenario_analysis import has_noise, uncertain_inputs  # noqa: PLC0415

    width = len(uncertain_inputs(scenario)) + (1 if has_noise(scenario) else 0)
    if method == "sobol":
        return samples * (width + 2)
    if method == "morris":
        return samples * (width + 1)
    return samples


def _problem(args: argparse.Namespace, scenario: Scenario, samples: int) -> str | None:
    """Why the analysis cannot run as asked (None if it can)."""
    from frontiersim.sensitivity.outcomes import OutcomeError, resolve_outcome  # noqa: PLC0415
    from frontiersim.sensitivity.scenario_analysis import uncertain_inputs  # noqa: PLC0415
    from frontiersim.simulate import memory_problem  # noqa: PLC0415

    problems = []
    for name in args.outcome or ["p_ruin"]:
        try:
            resolve_outcome(name, scenario)
        except OutcomeError as error:
            problems.append(f"--outcome: {error}")
    if problems:
        return "\n".join(problems)
    lab = lab_problem(scenario, args.lab)
    if lab:
        return lab
    inputs = uncertain_inputs(scenario)
    if not inputs:
        return f"scenario {scenario.meta.name!r} has no uncertain key: give a key a distribution to analyse it"
    rows = planned_draws(scenario, args.method, samples)
    return samples_problem(args.method, samples) or memory_problem(scenario, rows, keep_monthly=False)


def samples_problem(method: str, samples: int) -> str | None:
    """Why ``--samples`` does not suit ``method`` (None if it does).

    Examples
    --------
    >>> samples_problem("sobol", 1000).endswith("try 512 or 1,024")
    True
    >>> samples_problem("morris", 10) is None
    True
    """
    from frontiersim.sensitivity.analysis import is_power_of_two  # noqa: PLC0415

    if method == "sobol" and not is_power_of_two(samples):
        below = 1 << (samples.bit_length() - 1)
        return (
            f"--samples {samples:,}: the Sobol' design needs a power of two base rows (its sequence is balanced "
            f"only then); try {below:,} or {2 * below:,}"
        )
    if method == "morris" and samples < 2:
        return f"--samples {samples:,}: the Morris design needs at least 2 trajectories"
    if method == "rank" and samples < 3:
        return f"--samples {samples:,}: rank correlations need at least 3 draws"
    return None


def _tornado_page(title: str, svg: str, text: str) -> bytes:
    """A self-contained HTML page with the tornado chart and the table of indices."""
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d2330}"
        "pre{background:#f6f8fa;padding:.8rem;overflow-x:auto;font-size:.82rem}</style></head>"
        f"<body><h1>{html.escape(title)}</h1><figure>{svg}</figure><pre>{html.escape(text)}</pre></body></html>\n"
    )
    return page.encode("utf-8")


def _write_files(out: Path, result: SensitivityResult, text: str, svg: str) -> list[Path]:
    """Write the analysis's files into ``out`` (each atomically); return their paths."""
    from frontiersim.atomic import atomic_write_bytes  # noqa: PLC0415
    from frontiersim.sensitivity.summary import settings_json  # noqa: PLC0415

    files = {
        "sensitivity.csv": result.table.to_csv(index=False).encode("utf-8"),
        "sensitivity.txt": (text + "\n").encode("utf-8"),
        "tornado.svg": svg.encode("utf-8"),
        "tornado.html": _tornado_page(f"Sensitivity of {result.scenario_name}", svg, text),
        "sensitivity.json": settings_json(result),
    }
    written = []
    for name, data in files.items():
        atomic_write_bytes(out / name, data)
        written.append(out / name)
    return written


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    try:
        scenario = resolve_scenario(args.scenario)
    except ScenarioError as error:
        return report_problems(error)
    samples = args.samples if args.samples is not None else DEFAULT_SAMPLES[args.method]
    problem = _problem(args, scenario, samples)
    out = None if args.no_save else Path(args.out) if args.out else _suffixed(default_out_dir(scenario.meta.name))
    if problem is None and out is not None:
        problem = out_dir_problem(out)
    if problem:
        return bad_input(problem)
    seed = scenario.simulation.seed if args.seed is None else args.seed
    draws = planned_draws(scenario, args.method, samples)
    recording = begin_recording(args, kind="sensitivity", scenario=scenario, seed=seed, draws=draws)
    if isinstance(recording, int):
        return recording
    from frontiersim.charts.tornado import tornado_chart, tornado_svg  # noqa: PLC0415
    from frontiersim.sensitivity.scenario_analysis import analyse_scenario  # noqa: PLC0415
    from frontiersim.sensitivity.summary import sensitivity_payload, summary_text  # noqa: PLC0415

    with recording.failing_on_error():
        with progress_bar(args, draws, desc=scenario.meta.name) as advance:
            result = analyse_scenario(
                scenario,
                args.method,
                args.outcome or ["p_ruin"],
                samples=samples,
                seed=seed,
                lab=args.lab,
                confidence=args.confidence,
                resamples=args.resamples,
                workers=args.workers,
                progress=advance,
            )
        text = summary_text(result)
        svg = tornado_svg(tornado_chart(result.table))
        written = _write_files(out, result, text, svg) if out is not None else []
        print(text)
        if written:
            print(f"\nwrote {', '.join(path.name for path in written)} to {out}/")
        return recording.finish(sensitivity_payload(result, artifacts={"tornado.svg": svg.encode("utf-8")}, text=text))


def _suffixed(folder: Path) -> Path:
    """``frontiersim-results/<name>`` -> ``frontiersim-results/<name>-sensitivity``."""
    return folder.with_name(f"{folder.name}-sensitivity")


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``sensitivity`` on the frontiersim parser."""
    parser = commands.add_parser(
        "sensitivity",
        help="which uncertain keys drive P(ruin), profit, revenue...: Sobol, Morris or rank-correlation indices",
    )
    parser.add_argument("scenario", nargs="?", help="scenario file, or a bundled name (default: the bundled default)")
    parser.add_argument(
        "--method",
        choices=METHODS,
        default="sobol",
        help="sobol: first-order and total variance shares; morris: elementary effects (screening, cheap); "
        "rank: Spearman and partial rank correlations on the scenario's own draws, correlations kept "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--outcome",
        action="append",
        metavar="NAME",
        help="outcome to analyse, repeatable (default: p_ruin): p_ruin, p_ruin_by_YEAR, discounted_profit, "
        "revenue_usd_YEAR, cash_usd_final, revenue_usd_total, ... (YEAR: a simulation year or 'final'; "
        "docs/sensitivity.md lists them)",
    )
    parser.add_argument(
        "--samples",
        type=positive_int,
        help="base rows of the Sobol design (a power of two; default "
        f"{DEFAULT_SAMPLES['sobol']:,}), Morris trajectories (default {DEFAULT_SAMPLES['morris']:,}) or draws of "
        f"the rank method (default {DEFAULT_SAMPLES['rank']:,})",
    )
    parser.add_argument(
        "--seed", type=non_negative_int, help="seed of the design and the shocks (default: the scenario's)"
    )
    parser.add_argument("--lab", metavar="NAME", help="the lab whose outcomes are analysed (default: the first)")
    parser.add_argument(
        "--confidence",
        type=bounded(0.0, 1.0, low_open=True, high_open=True),
        default=DEFAULT_CONFIDENCE,
        help="level of the confidence intervals (default: %(default)s)",
    )
    parser.add_argument(
        "--resamples",
        type=positive_int,
        default=1000,
        help="bootstrap resamples of the intervals (default: %(default)s)",
    )
    parser.add_argument("--workers", type=positive_int, default=1, help="processes to simulate on")
    parser.add_argument("--out", help="output folder (default: frontiersim-results/<scenario name>-sensitivity)")
    parser.add_argument("--no-save", action="store_true", help="print only; write no output files")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_recording_arguments(parser)
    parser.set_defaults(handler=_cmd_sensitivity)
