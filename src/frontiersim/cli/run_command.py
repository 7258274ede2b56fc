"""``frontiersim run``, ``validate``, ``examples``, ``defaults`` and ``scenarios``.

``run`` simulates a scenario, prints P(ruin), the summary by year and the
P&L (a section per lab when the scenario has several), saves the results and
records the run in the run store (see :mod:`frontiersim.cli.recording`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from frontiersim.cli.arguments import non_negative_int, positive_int
from frontiersim.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    bad_input,
    default_out_dir,
    other_run_problem,
    out_dir_problem,
    progress_bar,
    report_problems,
    resolve_scenario,
)
from frontiersim.cli.recording import add_recording_arguments, begin_recording
from frontiersim.examples import EXAMPLE_SOURCES, EXAMPLES, run_examples
from frontiersim.scenario.distributions import Distribution, Fixed
from frontiersim.scenario.errors import ScenarioError, did_you_mean
from frontiersim.scenario.fields import FieldSpec, field_specs, key_specs
from frontiersim.scenario.loader import bundled, bundled_names
from frontiersim.scenario.schema import section_types
from frontiersim.scenario.sources import status
from frontiersim.simulate import (
    DEFAULT_CHUNK_SIZE,
    chunk_count,
    extra_workers_note,
    memory_problem,
    simulate,
    simulate_summary,
    summary_memory_problem,
)
from frontiersim.units import counted, format_quantity, unit_suffix


def _cmd_run(args: argparse.Namespace) -> int:
    try:
        scenario = resolve_scenario(args.scenario)
    except ScenarioError as error:
        return report_problems(error)
    draws = args.draws if args.draws is not None else scenario.simulation.draws
    out = Path(args.out) if args.out else default_out_dir(scenario.meta.name)
    seed = scenario.simulation.seed if args.seed is None else args.seed
    problem = None if args.no_save else out_dir_problem(out)
    if problem is None and not (args.no_save or args.force):
        problem = other_run_problem(out, scenario, seed, draws)
    if problem:
        return bad_input(problem)
    keep_monthly = False if args.summary_only or args.no_draws else None
    if args.no_draws:
        problem = summary_memory_problem(scenario, draws, args.chunk_size)
    else:
        problem = memory_problem(scenario, draws, keep_monthly, args.chunk_size)
    if problem:
        return bad_input(problem)
    recording = begin_recording(args, kind="run", scenario=scenario, seed=seed, draws=draws)
    if isinstance(recording, int):
        return recording
    # a chunk is the unit of work: one chunk runs in this process whatever --workers says
    note = extra_workers_note(args.workers, chunk_count(draws, args.chunk_size))
    if note:
        print(f"note: {note}", file=sys.stderr)
    from frontiersim.cli.format import format_result  # noqa: PLC0415 (imported once the input is checked)
    from frontiersim.results.summary import SummaryResult  # noqa: PLC0415

    with recording.failing_on_error():
        with progress_bar(args, draws, desc=scenario.meta.name) as advance:
            settings: dict[str, Any] = {
                "draws": draws,
                "seed": args.seed,
                "chunk_size": args.chunk_size,
                "workers": args.workers,
                "progress": advance,
            }
            # --no-draws: every output kept as its distribution over the draws, sketched as chunks finish
            result = (
                simulate_summary(scenario, **settings)
                if args.no_draws
                else simulate(scenario, keep_monthly=keep_monthly, **settings)
            )
        # The run is saved and stored before anything is printed, so that a reader that goes away
        # (frontiersim run | head -1) cannot lose it.
        summary = format_result(result)
        if isinstance(result, SummaryResult):
            written = [] if args.no_save else result.save(out)
            status = recording.finish_summary(result, announce=False)
            summary += (
                f"\n\n{counted(draws, 'draw')} kept as distributions in {result.nbytes / 1024**2:,.0f} MiB: quantiles "
                "of money and other floats within 0.39% of the exact ones; P(ruin), means and months as a full run "
                "gives them"
            )
        else:
            written = [] if args.no_save else result.save(out, format=args.format)
            status = recording.finish_simulation(
                result, announce=False, per_draw={} if args.store_summary_only else None
            )
        print(summary)
        if written:
            print(f"\nwrote {len(written)} files to {out}/: {', '.join(p.name for p in written)}")
        recording.announce()
        return status


def _cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for reference in args.scenarios:
        try:
            scenario = resolve_scenario(reference)
        except ScenarioError as error:
            status = report_problems(error)
            continue
        meta = scenario.meta
        print(f"ok: {reference} (scenario {meta.name!r}, {counted(meta.horizon_years, 'year')} from {meta.start})")
    return status


def _cmd_examples(args: argparse.Namespace) -> int:
    names = [args.name] if args.name else None
    if args.name and args.name not in EXAMPLES:
        hint = did_you_mean(args.name, EXAMPLES)
        return bad_input(f"unknown example {args.name!r}{hint} (known: {', '.join(EXAMPLES)})")
    from frontiersim.cli.format import format_figures  # noqa: PLC0415

    results = run_examples(names)
    blocks = [
        format_figures(name, figures, EXAMPLE_SOURCES[name].render() if name in EXAMPLE_SOURCES else "")
        for name, figures in results.items()
    ]
    print("\n\n".join(blocks))
    mismatches = sum(not f.ok for figures in results.values() for f in figures)
    total = sum(len(figures) for figures in results.values())
    print(f"\n{total - mismatches} of {total} figures match the interviews")
    return EXIT_OK if mismatches == 0 else EXIT_FAILED


def describe_key(key_spec: FieldSpec) -> str:
    """The label, unit and typical range of a scenario key, as ``frontiersim defaults`` shows them ("" if none).

    Examples
    --------
    >>> from frontiersim.scenario.fields import field_spec
    >>> describe_key(field_spec("policy.hedge_factor"))
    'label: hedge factor; unit: x; typical: 0x to 2x'
    >>> describe_key(field_spec("demand.initial_usd_per_year"))
    'label: starting demand; unit: USD/year; typical: $1B/year to $50B/year'
    """
    parts = []
    if key_spec.label:
        parts.append(f"label: {key_spec.label}")
    if key_spec.unit:
        parts.append(f"unit: {key_spec.unit}")
    if key_spec.typical is not None:
        low, high = key_spec.typical
        parts.append(f"typical: {format_quantity(low, key_spec.unit)} to {format_quantity(high, key_spec.unit)}")
    return "; ".join(parts)


def sources_summary(*, unsourced_only: bool = False) -> str:
    """How many scenario keys have a public source, and the keys that are assumptions, with their reasons.

    Every declared key (:func:`~frontiersim.scenario.fields.key_specs`) is
    counted once: a key whose source cites a public document, an assumption,
    or a setting (a name, the number of draws) with nothing to source.

    Parameters
    ----------
    unsourced_only : bool
        Leave out the list of settings (``frontiersim defaults --unsourced``).

    Returns
    -------
    str
        ``"N of M keys have a public source; S are settings with nothing to
        source; K are assumptions:"``, then one line per assumption.
    """
    specs = key_specs()
    by_status: dict[str, list[str]] = {"public": [], "setting": [], "assumption": []}
    for path, key_spec in specs.items():
        by_status[status(key_spec.reference, key_spec.source)].append(path)
    assumptions = by_status["assumption"]
    lines = [
        f"{len(by_status['public'])} of {len(specs)} keys have a public source; "
        f"{len(by_status['setting'])} are settings with nothing to source; "
        f"{len(assumptions)} are assumptions:"
    ]
    lines += [f"  {path}: {specs[path].source}" for path in assumptions]
    if not unsourced_only and by_status["setting"]:
        lines.append("Settings: " + ", ".join(by_status["setting"]))
    return "\n".join(lines)


def _default_text(value: object, unit: str) -> str:
    """A key's default as ``frontiersim defaults`` lists it: a number in its unit, anything else as written.

    Examples
    --------
    >>> _default_text(1e10, "USD/year"), _default_text(18, "months"), _default_text(20260101, "1")
    ('$10B/year', '18 months', '20260101')
    >>> _default_text(-1, "months"), _default_text(True, ""), _default_text("growth", "")
    ('-1', 'True', "'growth'")
    """
    if isinstance(value, Fixed):
        return format_quantity(value.value, unit)
    if isinstance(value, Distribution):
        return value.describe()
    if isinstance(value, float):
        return format_quantity(value, unit)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0 and unit not in ("", "1"):
        return f"{value:,}{unit_suffix(unit, value)}"  # a count in its unit; -1 and the like are markers
    if isinstance(value, tuple) and value and all(isinstance(v, float | Distribution) for v in value):
        return "[" + ", ".join(_default_text(v, unit) for v in value) + "]"
    return repr(value)


def _cmd_defaults(args: argparse.Namespace) -> int:
    if args.unsourced:
        print(sources_summary(unsourced_only=True))
        return EXIT_OK
    for section, section_type in section_types().items():
        print(f"[{section}]")
        defaults = section_type()
        for key, key_spec in field_specs(section_type).items():
            value = getattr(defaults, key)
            shown = _default_text(value, key_spec.unit)
            print(f"  {key} = {shown}")
            print(f"      {key_spec.doc} ({key_spec.bounds_text()})")
            described = describe_key(key_spec)
            if described:
                print(f"      {described}")
            print(f"      source: {key_spec.source}")
        print()
    print(sources_summary())
    return EXIT_OK


def _cmd_scenarios(args: argparse.Namespace) -> int:
    for name in bundled_names():
        scenario = bundled(name)
        print(f"{name:18s} {scenario.meta.description}")
    return EXIT_OK


def add_parsers(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``run``, ``validate``, ``examples``, ``defaults`` and ``scenarios`` on the frontiersim parser."""
    run = commands.add_parser("run", help="simulate a scenario, print a summary and save the results")
    run.add_argument("scenario", nargs="?", help="scenario file, or a bundled name (default: the bundled default)")
    run.add_argument("--draws", type=positive_int, help="number of draws (default: the scenario's)")
    run.add_argument("--seed", type=non_negative_int, help="root seed (default: the scenario's)")
    run.add_argument("--out", help="output folder (default: frontiersim-results/<scenario name>)")
    run.add_argument("--format", choices=("netcdf", "parquet"), default="netcdf", help="results file format")
    run.add_argument("--summary-only", action="store_true", help="keep yearly results only (bounded memory)")
    run.add_argument(
        "--no-draws",
        action="store_true",
        help="keep no per-draw numbers: each output's distribution over draws is sketched as chunks finish "
        "(memory does not grow with --draws; quantiles within 0.39%%); the run store keeps its tables",
    )
    run.add_argument("--chunk-size", type=positive_int, default=DEFAULT_CHUNK_SIZE, help="draws per chunk")
    run.add_argument("--workers", type=positive_int, default=1, help="processes to use")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    run.add_argument(
        "--no-save",
        action="store_true",
        help="print the summary only; write no output files (the run store is governed by --no-store)",
    )
    run.add_argument(
        "--force", action="store_true", help="replace the saved results of another run in the output folder"
    )
    run.add_argument(
        "--store-summary-only",
        action="store_true",
        help="store the run's tables but not its per-draw tables (under 1 MB a run instead of about 15 MB per "
        "10,000 draws)",
    )
    add_recording_arguments(run)
    run.set_defaults(handler=_cmd_run)

    validate = commands.add_parser("validate", help="check scenario files and report every problem")
    validate.add_argument("scenarios", nargs="+", help="scenario files (or bundled names)")
    validate.set_defaults(handler=_cmd_validate)

    examples = commands.add_parser(
        "examples", help="run the interviews' worked examples against the figures they state"
    )
    examples.add_argument("name", nargs="?", help=f"one of: {', '.join(EXAMPLES)}")
    examples.set_defaults(handler=_cmd_examples)

    defaults = commands.add_parser(
        "defaults",
        help="list every scenario key with its default, label, unit, typical range and source, "
        "then count the keys with no public source",
    )
    defaults.add_argument(
        "--unsourced", action="store_true", help="list only the keys whose default is an assumption, with the reason"
    )
    defaults.set_defaults(handler=_cmd_defaults)

    scenarios = commands.add_parser("scenarios", help="list the bundled scenarios")
    scenarios.set_defaults(handler=_cmd_scenarios)
