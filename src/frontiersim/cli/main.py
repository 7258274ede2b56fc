"""The ``frontiersim`` command.

Exit codes: 0 success; 1 a run failed or an example did not match the brief;
2 bad input (a scenario with problems, or bad arguments). Bad input never
prints a traceback and never touches the output folder.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from frontiersim._version import __version__
from frontiersim.cli.format import format_figures, format_result
from frontiersim.examples import EXAMPLES, run_examples
from frontiersim.scenario.distributions import Distribution
from frontiersim.scenario.errors import Problem, ScenarioError
from frontiersim.scenario.fields import field_specs
from frontiersim.scenario.loader import bundled, bundled_names, load_scenario
from frontiersim.scenario.schema import Scenario, section_types
from frontiersim.simulate import DEFAULT_CHUNK_SIZE, simulate

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

#: Characters not allowed in the default output folder's name (taken from the scenario name).
_UNSAFE_FOLDER_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


class _Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors exit with code 2 and a one-line hint."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def resolve_scenario(reference: str | None) -> Scenario:
    """A scenario file path, or the name of a bundled scenario (default: ``"default"``).

    Raises
    ------
    ScenarioError
        If the file is missing or invalid.
    """
    if reference is None:
        return bundled("default")
    path = Path(reference)
    if not path.exists() and not reference.endswith(".toml") and reference in bundled_names():
        return bundled(reference)
    if not path.exists():
        hint = f" (bundled scenarios: {', '.join(bundled_names())})"
        raise ScenarioError([Problem("", f"no such file{hint}")], reference)
    return load_scenario(path)


def default_out_dir(scenario_name: str) -> Path:
    """The default output folder, ``frontiersim-results/<scenario name>``.

    The name is reduced to letters, digits, ``.``, ``_`` and ``-`` so that a
    scenario name such as ``"../x"`` or ``"a/b"`` cannot place results outside
    ``frontiersim-results``.

    Parameters
    ----------
    scenario_name : str
        The scenario's ``[scenario] name``.

    Returns
    -------
    Path

    Examples
    --------
    >>> default_out_dir("default").as_posix()
    'frontiersim-results/default'
    >>> default_out_dir("../../etc").as_posix()
    'frontiersim-results/etc'
    """
    folder = _UNSAFE_FOLDER_CHARACTERS.sub("_", scenario_name).strip("._") or "scenario"
    return Path("frontiersim-results") / folder


def _out_dir_problem(out: Path) -> str | None:
    """Why results cannot be written to ``out``, or None if they can be (as far as can be told up front)."""
    if out.exists():
        return None if out.is_dir() else f"--out {out} exists and is not a folder"
    for parent in out.parents:
        if parent.exists():
            return None if parent.is_dir() else f"--out {out}: {parent} is not a folder"
    return None


def _report_problems(error: ScenarioError) -> int:
    print(f"error: {error}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _cmd_run(args: argparse.Namespace) -> int:
    try:
        scenario = resolve_scenario(args.scenario)
    except ScenarioError as error:
        return _report_problems(error)
    draws = args.draws if args.draws is not None else scenario.simulation.draws
    out = Path(args.out) if args.out else default_out_dir(scenario.meta.name)
    problem = None if args.no_save else _out_dir_problem(out)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    keep_monthly = False if args.summary_only else None
    with tqdm(
        total=draws, unit="draw", disable=args.no_progress or None, file=sys.stderr, desc=scenario.meta.name
    ) as bar:

        def advance(finished: int) -> None:
            bar.update(finished)

        result = simulate(
            scenario,
            draws=draws,
            seed=args.seed,
            chunk_size=args.chunk_size,
            keep_monthly=keep_monthly,
            workers=args.workers,
            progress=advance,
        )
    print(format_result(result))
    if not args.no_save:
        written = result.save(out, format=args.format)
        print(f"\nwrote {len(written)} files to {out}/: {', '.join(p.name for p in written)}")
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for reference in args.scenarios:
        try:
            scenario = resolve_scenario(reference)
        except ScenarioError as error:
            status = _report_problems(error)
            continue
        meta = scenario.meta
        print(f"ok: {reference} (scenario {meta.name!r}, {meta.horizon_years} years from {meta.start})")
    return status


def _cmd_examples(args: argparse.Namespace) -> int:
    names = [args.name] if args.name else None
    if args.name and args.name not in EXAMPLES:
        print(f"error: unknown example {args.name!r}; known: {', '.join(EXAMPLES)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    results = run_examples(names)
    blocks = [format_figures(name, figures) for name, figures in results.items()]
    print("\n\n".join(blocks))
    mismatches = sum(not f.ok for figures in results.values() for f in figures)
    total = sum(len(figures) for figures in results.values())
    print(f"\n{total - mismatches} of {total} figures match the brief")
    return EXIT_OK if mismatches == 0 else EXIT_FAILED


def _cmd_defaults(args: argparse.Namespace) -> int:
    for section, section_type in section_types().items():
        print(f"[{section}]")
        defaults = section_type()
        for key, field_spec in field_specs(section_type).items():
            value = getattr(defaults, key)
            shown = value.describe() if isinstance(value, Distribution) else repr(value)
            print(f"  {key} = {shown}")
            print(f"      {field_spec.doc} ({field_spec.bounds_text()})")
            print(f"      source: {field_spec.source}")
        print()
    return EXIT_OK


def _cmd_scenarios(args: argparse.Namespace) -> int:
    for name in bundled_names():
        scenario = bundled(name)
        print(f"{name:18s} {scenario.meta.description}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``frontiersim`` command."""
    parser = _Parser(prog="frontiersim", description="Monte Carlo economics of a frontier AI lab.")
    parser.add_argument("--version", action="version", version=f"frontiersim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="simulate a scenario, print a summary and save the results")
    run.add_argument("scenario", nargs="?", help="scenario file, or a bundled name (default: the bundled default)")
    run.add_argument("--draws", type=_positive_int, help="number of draws (default: the scenario's)")
    run.add_argument("--seed", type=_seed, help="root seed (default: the scenario's)")
    run.add_argument("--out", help="output folder (default: frontiersim-results/<scenario name>)")
    run.add_argument("--format", choices=("netcdf", "parquet"), default="netcdf", help="results file format")
    run.add_argument("--summary-only", action="store_true", help="keep yearly results only (bounded memory)")
    run.add_argument("--chunk-size", type=_positive_int, default=DEFAULT_CHUNK_SIZE, help="draws per chunk")
    run.add_argument("--workers", type=_positive_int, default=1, help="processes to use")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    run.add_argument("--no-save", action="store_true", help="print the summary only; write nothing")
    run.set_defaults(handler=_cmd_run)

    validate = commands.add_parser("validate", help="check scenario files and report every problem")
    validate.add_argument("scenarios", nargs="+", help="scenario files (or bundled names)")
    validate.set_defaults(handler=_cmd_validate)

    examples = commands.add_parser("examples", help="run the interviews' worked examples against the brief")
    examples.add_argument("name", nargs="?", help=f"one of: {', '.join(EXAMPLES)}")
    examples.set_defaults(handler=_cmd_examples)

    defaults = commands.add_parser("defaults", help="list every scenario key with its default, unit and source")
    defaults.set_defaults(handler=_cmd_defaults)

    scenarios = commands.add_parser("scenarios", help="list the bundled scenarios")
    scenarios.set_defaults(handler=_cmd_scenarios)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``frontiersim`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
