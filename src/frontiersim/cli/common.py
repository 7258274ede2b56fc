"""What the ``frontiersim`` sub-commands share: exit codes, scenario look-up, output folders and labs."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from frontiersim.models.registry import extension_sections
from frontiersim.scenario.errors import Problem, ScenarioError, did_you_mean, terminal_safe
from frontiersim.scenario.loader import bundled, bundled_names, load_scenario, scenario_hash
from frontiersim.scenario.schema import Scenario

#: Exit codes: success; a run failed (or a check did not pass); bad input.
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

#: Exit code when the command is interrupted (Ctrl-C).
EXIT_INTERRUPTED = 130

#: Exit code when the reader of the output goes away (``frontiersim runs list | head -3``): 128 + SIGPIPE, as a
#: shell reports a command ended by a broken pipe.
EXIT_BROKEN_PIPE = 141

#: Characters not allowed in the default output folder's name (taken from the scenario name).
_UNSAFE_FOLDER_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


def deferred(module: str, function: str) -> Callable[[argparse.Namespace], int]:
    """A command handler that imports ``module`` and calls its ``function`` only when the command runs.

    A command whose work needs the heavy libraries (pandas, scipy, the run
    store's database engine) declares its parser in a light module and its
    handler through this, so that building the parser, ``--help`` and the
    other commands do not import them.

    Examples
    --------
    >>> handler = deferred("frontiersim.cli.runs_command", "_cmd_list")
    >>> handler.__qualname__
    'frontiersim.cli.runs_command._cmd_list'
    """

    def handler(args: argparse.Namespace) -> int:
        return int(getattr(importlib.import_module(module), function)(args))

    handler.__qualname__ = f"{module}.{function}"
    return handler


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
        names = bundled_names()
        hint = f"{did_you_mean(reference, names)} (bundled scenarios: {', '.join(names)})"
        raise ScenarioError([Problem("", f"no such file{hint}")], reference)
    return load_scenario(path, extra_sections=extension_sections())


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


def out_dir_problem(out: Path) -> str | None:
    """Why results cannot be written to ``out``, or None if they can be (as far as can be told up front)."""
    if out.exists():
        if not out.is_dir():
            return f"--out {out} exists and is not a folder"
        return None if os.access(out, os.W_OK | os.X_OK) else f"--out {out}: the folder is not writable"
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                return f"--out {out}: {parent} is not a folder"
            writable = os.access(parent, os.W_OK | os.X_OK)
            return None if writable else f"--out {out}: cannot create it, {parent} is not writable"
    return None


def other_run_problem(out: Path, scenario: Scenario, seed: int, draws: int) -> str | None:
    """Why ``out`` should not be overwritten: it holds the saved results of another run (None if not).

    A folder whose ``run.json`` names the same scenario text (its SHA-256),
    seed and number of draws holds the same numbers, so writing it again
    loses nothing; any other saved run would be lost.
    """
    try:
        saved = json.loads((out / "run.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        saved = {}
    if not isinstance(saved, dict):
        saved = {}
    same = (
        saved.get("scenario_sha256") == scenario_hash(scenario)
        and str(saved.get("seed_entropy")) == str(seed)
        and saved.get("draws") == draws
    )
    if same:
        return None
    described = ", ".join(
        str(part)
        for part in (
            saved.get("scenario_name", "an unreadable run.json"),
            f"{saved['draws']:,} draws" if isinstance(saved.get("draws"), int) else None,
            f"seed {saved['seed_entropy']}" if "seed_entropy" in saved else None,
            saved.get("created_utc"),
        )
        if part is not None
    )
    return (
        f"{out} holds the results of another run ({terminal_safe(described)}); use --force to replace them, "
        "or --out FOLDER to write elsewhere"
    )


def report_problems(error: ScenarioError) -> int:
    """Print a scenario's problems on stderr; EXIT_BAD_INPUT."""
    return bad_input(str(error))


def bad_input(message: str) -> int:
    """Print ``error: message`` on stderr; EXIT_BAD_INPUT."""
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def lab_problem(scenario: Scenario, lab: str | None) -> str | None:
    """Why ``lab`` names no lab of ``scenario`` (None when it does, or when no lab is named).

    Examples
    --------
    >>> from frontiersim.scenario.loader import bundled
    >>> print(lab_problem(bundled("default"), "alpha"))
    --lab alpha: scenario 'default' has no lab of that name; its one lab is 'lab'
    """
    names = scenario.lab_names
    if lab is None or lab in names:
        return None
    known = f"its one lab is {names[0]!r}" if len(names) == 1 else f"its labs are {', '.join(names)}"
    return f"--lab {lab}: scenario {scenario.meta.name!r} has no lab of that name; {known}"


@contextmanager
def progress_bar(
    args: argparse.Namespace, total: int, *, unit: str = "draw", desc: str | None = None
) -> Iterator[Callable[[int], None]]:
    """A progress bar on standard error (none with ``--no-progress`` or when stderr is not a terminal).

    Yields the callback that advances it by a count, as :func:`frontiersim.simulate.simulate`'s
    ``progress`` calls it. tqdm is imported only here, once the input is checked.
    """
    from tqdm import tqdm  # noqa: PLC0415

    with tqdm(total=total, unit=unit, disable=args.no_progress or None, file=sys.stderr, desc=desc) as bar:

        def advance(count: int) -> None:
            bar.update(count)

        yield advance
