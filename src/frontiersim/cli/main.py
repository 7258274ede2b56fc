"""The ``frontiersim`` command: the parser of every sub-command, and the entry point.

The sub-commands live by group: :mod:`~frontiersim.cli.run_command` (``run``,
``validate``, ``examples``, ``defaults``, ``scenarios``),
:mod:`~frontiersim.cli.calibrate_command` (``calibrate``, ``backtest``),
:mod:`~frontiersim.cli.optimize_command` (``optimize``, ``frontier``; parsers in
:mod:`~frontiersim.cli.optimize_parsers`),
:mod:`~frontiersim.cli.sweep_command` (``sweep``),
:mod:`~frontiersim.cli.sensitivity_command` (``sensitivity``),
:mod:`~frontiersim.cli.runs_command` (``runs``; parsers in :mod:`~frontiersim.cli.runs_parsers`),
:mod:`~frontiersim.cli.report_command` (``report``) and
:mod:`~frontiersim.cli.serve_command` (``serve``).

Exit codes: 0 success; 1 a run failed, an example did not match the
interview's figures, no policy meets the ruin limit (``optimize``; nothing is written) or the fresh
validation sample does not confirm it (``optimize``; results are written);
2 bad input (a scenario with problems, bad arguments, an unknown ``--lab``,
or a run store that cannot be opened); 130 interrupted; 141 the reader of
the output went away (``frontiersim runs list | head``), quietly, as after
SIGPIPE. Bad input never prints a traceback and never touches the output
folder or the run store.

``run``, ``optimize``, ``frontier``, ``sensitivity``, ``backtest`` and ``sweep`` record every run in the
run store (``--store PATH``, default ``$FRONTIERSIM_STORE`` or the user's data
folder) unless given ``--no-store``; ``-m`` sets the record's one-line
message. The record is begun (``running``) once the input is checked, before
any work, and completed after the output files are written; an error, an
interrupt or a broken pipe marks it failed. ``frontiersim runs`` reads the
store back.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

from frontiersim._version import __version__
from frontiersim.cli import (
    calibrate_command,
    optimize_parsers,
    report_command,
    rerun_command,
    run_command,
    runs_parsers,
    sensitivity_command,
    serve_command,
    sweep_command,
)
from frontiersim.cli.arguments import USD_PATTERN
from frontiersim.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_BROKEN_PIPE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    bad_input,
    default_out_dir,
    resolve_scenario,
)
from frontiersim.environment import SettingError
from frontiersim.models.ranges import ModelRangeError
from frontiersim.scenario.errors import did_you_mean

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_BROKEN_PIPE",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "build_parser",
    "default_out_dir",
    "main",
    "resolve_scenario",
]


#: argparse's message for a value outside an argument's choices (quoted choices up to Python 3.11, bare from 3.12).
_INVALID_CHOICE = re.compile(r"invalid choice: '(?P<given>[^']*)' \(choose from (?P<choices>.*)\)$")


def with_suggestion(message: str) -> str:
    """The "invalid choice" message of argparse, with the closest choice suggested (other messages unchanged).

    Examples
    --------
    >>> with_suggestion("argument command: invalid choice: 'rnu' (choose from 'run', 'runs', 'serve')")
    "argument command: invalid choice: 'rnu'; did you mean 'run'? (choose from 'run', 'runs', 'serve')"
    """
    found = _INVALID_CHOICE.search(message)
    if found is None:
        return message
    choices = [choice.strip().strip("'") for choice in found["choices"].split(",")]
    hint = did_you_mean(found["given"], choices)
    return message[: found.start("given") + len(found["given"]) + 1] + hint + message[found.end("given") + 1 :]


class _Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors exit with code 2 and a one-line hint (and a "did you mean")."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {with_suggestion(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``frontiersim`` command."""
    parser = _Parser(prog="frontiersim", description="Monte Carlo economics of a frontier AI lab.")
    parser.add_argument("--version", action="version", version=f"frontiersim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run_command.add_parsers(commands)
    calibrate_command.add_parsers(commands)
    optimize_parsers.add_parsers(commands)
    sweep_command.add_parser(commands)
    sensitivity_command.add_parser(commands)
    runs_parsers.add_parser(commands)
    rerun_command.add_parser(commands)
    report_command.add_parser(commands)
    serve_command.add_parser(commands)
    return parser


#: Options whose value is often negative in a form argparse takes for an option (``-25B``, ``-2.5e10``).
_SIGNED_OPTIONS = frozenset({"--min-cvar", "--low", "--high", "--discount-rate"})


def _attach_signed_values(argv: Sequence[str]) -> list[str]:
    """Join ``--min-cvar -25B`` into ``--min-cvar=-25B`` so that argparse does not read ``-25B`` as an option.

    Only a following token that starts with ``-`` and parses as a dollar amount is joined.

    Examples
    --------
    >>> _attach_signed_values(["optimize", "--min-cvar", "-25B", "--low", "-1e-3", "--no-save"])
    ['optimize', '--min-cvar=-25B', '--low=-1e-3', '--no-save']
    """
    joined: list[str] = []
    tokens = list(argv)
    k = 0
    while k < len(tokens):
        token = tokens[k]
        following = tokens[k + 1] if k + 1 < len(tokens) else ""
        if token in _SIGNED_OPTIONS and following.startswith("-") and USD_PATTERN.match(following.upper()):
            joined.append(f"{token}={following}")
            k += 2
            continue
        joined.append(token)
        k += 1
    return joined


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``frontiersim`` command; returns the exit code."""
    tokens = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(_attach_signed_values(tokens))
    args.argv = ["frontiersim", *tokens]
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except ModelRangeError as error:  # a scenario whose values together overflow: bad input, said once
        return bad_input(str(error))
    except SettingError as error:  # FRONTIERSIM_ENGINE and the like set to a value they do not take
        return bad_input(str(error))


def _discard_stdout() -> None:
    """Point the process's stdout at /dev/null, so the interpreter's final flush to a closed pipe is silent.

    A reader that stops early (``| head``) closes the pipe; without this, the
    flush at exit prints "Exception ignored ... BrokenPipeError". See the
    note on SIGPIPE in the documentation of the :mod:`signal` module.
    """
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (e.g. captured in tests)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, descriptor)
    finally:
        os.close(devnull)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
