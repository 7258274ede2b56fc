"""The ``frontiersim`` command.

Exit codes: 0 success; 1 a run failed, an example did not match the brief, no
policy meets the ruin limit (``optimize``; nothing is written) or the fresh
validation sample does not confirm it (``optimize``; results are written);
2 bad input (a scenario with problems, bad arguments, or a run store that
cannot be opened); 130 interrupted; 141 the reader of the output went away
(``frontiersim runs list | head``), quietly, as after SIGPIPE. Bad input
never prints a traceback and never touches the output folder or the run
store.

``run``, ``optimize``, ``frontier`` and ``backtest`` record every run in the
run store (``--store PATH``, default ``$FRONTIERSIM_STORE`` or the user's data
folder) unless given ``--no-store``; ``-m`` sets the record's one-line
message. The record is begun (``running``) once the input is checked, before
any work, and completed after the output files are written; an error, an
interrupt or a broken pipe marks it failed. ``frontiersim runs`` reads the
store back.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from frontiersim._version import __version__
from frontiersim.calibrate import calibrate_report, capability_twin_path, write_calibrated_scenarios
from frontiersim.calibrate.backtest import backtest_revenue, parse_cutoff
from frontiersim.calibrate.revenue import COMPANIES
from frontiersim.cli import report_command, runs_command, serve_command
from frontiersim.cli.arguments import integer_in, non_negative_int, positive_int
from frontiersim.cli.format import format_figures, format_frontier, format_optimization, format_result
from frontiersim.cli.runs_command import add_recording_arguments
from frontiersim.examples import EXAMPLES, run_examples
from frontiersim.optimize.families import FAMILY_NAMES, PolicyFamily, policy_family
from frontiersim.optimize.objectives import OBJECTIVE_NAMES, Objective
from frontiersim.optimize.plot import Frontier, frontier_png, trace_frontier
from frontiersim.optimize.search import InfeasibleError, OptimizationResult, PolicyEvaluation, optimize_policy
from frontiersim.results.result import atomic_write_bytes
from frontiersim.scenario.distributions import Distribution
from frontiersim.scenario.errors import Problem, ScenarioError
from frontiersim.scenario.fields import field_specs
from frontiersim.scenario.loader import bundled, bundled_names, load_scenario, scenario_hash
from frontiersim.scenario.schema import Scenario, section_types
from frontiersim.simulate import DEFAULT_CHUNK_SIZE, simulate
from frontiersim.store import RunStore, StoreError
from frontiersim.store.record import (
    RecordPayload,
    backtest_payload,
    frontier_payload,
    optimization_payload,
    simulation_payload,
)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2

#: Exit code when the reader of the output goes away (``frontiersim runs list | head -3``): 128 + SIGPIPE, as a
#: shell reports a command ended by a broken pipe.
EXIT_BROKEN_PIPE = 141

#: Characters not allowed in the default output folder's name (taken from the scenario name).
_UNSAFE_FOLDER_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


class _Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors exit with code 2 and a one-line hint."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _bounded(low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> Callable[[str], float]:
    """An argparse type for a number in an interval (open or closed at each end)."""
    left, right = "(" if low_open else "[", ")" if high_open else "]"
    unbounded = f"> {low:g}" if low_open else f">= {low:g}"
    shown = unbounded if math.isinf(high) else f"in {left}{low:g}, {high:g}{right}"

    def parse(text: str) -> float:
        value = _number(text)
        below = value <= low if low_open else value < low
        above = value >= high if high_open else value > high
        if below or above:
            raise argparse.ArgumentTypeError(f"expected a number {shown}, got {text}")
        return value

    return parse


def _grid_size(text: str) -> int:
    return integer_in(text, 2)


#: Suffixes accepted in dollar amounts on the command line.
_USD_SCALES = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}
_USD_PATTERN = re.compile(r"^(?P<sign>[-+]?)\$?(?P<number>[0-9.]+(?:[eE][-+]?[0-9]+)?)(?P<suffix>[KMBT]?)$")


def _usd(text: str) -> float:
    """A dollar amount: ``-25e9``, ``-25B``, ``$1.5T``."""
    match = _USD_PATTERN.match(text.strip().replace(",", "").replace("_", "").upper())
    if match is None:
        raise argparse.ArgumentTypeError(f"expected a dollar amount such as -25e9, -25B or 1.5T, got {text!r}")
    try:
        value = float(match["number"]) * _USD_SCALES[match["suffix"]]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a dollar amount, got {text!r}") from None
    return -value if match["sign"] == "-" else value


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


class _Recording:
    """A run being recorded in the run store (inert with ``--no-store``).

    Parameters
    ----------
    store : RunStore or None
        None when the run is not recorded.
    run_id : str
        The ``running`` record begun for this run.
    """

    def __init__(self, store: RunStore | None, run_id: str = "") -> None:
        self.store = store
        self.run_id = run_id

    @property
    def active(self) -> bool:
        """Whether the run is being recorded."""
        return self.store is not None

    def finish(self, payload: RecordPayload) -> int:
        """Store ``payload`` and complete the record; EXIT_OK, or EXIT_FAILED after saying why it failed."""
        if self.store is None:
            return EXIT_OK
        try:
            payload.store_in(self.store, self.run_id)
        except StoreError as error:
            self.fail(f"the results could not be stored: {error}")
            print(f"error: the run could not be stored: {error}", file=sys.stderr)
            return EXIT_FAILED
        print(f"\nstored as run {self.run_id} in {self.store.path}")
        return EXIT_OK

    def fail(self, reason: str) -> None:
        """Mark the record failed (a store error here is reported, not raised)."""
        if self.store is None:
            return
        try:
            self.store.fail(self.run_id, reason)
        except StoreError as error:
            print(f"warning: could not mark run {self.run_id} failed: {error}", file=sys.stderr)

    @contextmanager
    def failing_on_error(self) -> Iterator[None]:
        """Mark the record failed if the body raises (an interrupt included), then re-raise."""
        try:
            yield
        except KeyboardInterrupt:
            self.fail("interrupted")
            raise
        except BaseException as error:
            self.fail(f"{type(error).__name__}: {error}")
            raise


def _begin_recording(
    args: argparse.Namespace,
    *,
    kind: str,
    scenario: Scenario | None,
    scenario_name: str = "",
    seed: int | None = None,
    draws: int | None = None,
) -> _Recording | int:
    """Begin the run's record (unless ``--no-store``), or return EXIT_BAD_INPUT when the store cannot be used."""
    if args.no_store:
        return _Recording(None)
    store = RunStore(args.store)
    try:
        run_id = store.begin(
            kind=kind,
            scenario_text=(scenario.source_text or "") if scenario is not None else "",
            scenario_name=scenario.meta.name if scenario is not None else scenario_name,
            scenario_sha256=scenario_hash(scenario) if scenario is not None else "",
            seed=seed,
            draws=draws,
            message=args.message,
            command=getattr(args, "argv", ()),
        )
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return _Recording(store, run_id)


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
    seed = scenario.simulation.seed if args.seed is None else args.seed
    recording = _begin_recording(args, kind="run", scenario=scenario, seed=seed, draws=draws)
    if isinstance(recording, int):
        return recording
    with recording.failing_on_error():
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
        return recording.finish(simulation_payload(result)) if recording.active else EXIT_OK


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


def _cmd_calibrate(args: argparse.Namespace) -> int:
    out = Path(args.out)
    for path, option in ((out, "--out"), (capability_twin_path(out), "the capability-mode twin of --out")):
        if path.exists() and path.is_dir():
            print(f"error: {option}: {path} is a folder; expected a .toml file path", file=sys.stderr)
            return EXIT_BAD_INPUT
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
        print(f"error: --cutoff: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    companies = COMPANIES if args.company == "all" else (args.company,)
    recording = _begin_recording(
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


def _cmd_scenarios(args: argparse.Namespace) -> int:
    for name in bundled_names():
        scenario = bundled(name)
        print(f"{name:18s} {scenario.meta.description}")
    return EXIT_OK


# ---------------------------------------------------------------------------
# optimize and frontier
# ---------------------------------------------------------------------------

#: Draws per candidate policy in ``optimize`` and ``frontier`` (common to all candidates).
DEFAULT_SEARCH_DRAWS = 20_000
#: Grid size of the search.
DEFAULT_CANDIDATES = 21
#: Refinement steps the optimizer may add to the grid (bounded Brent, at most 12): for the progress bar only.
_REFINEMENT_STEPS = 12

#: Values each family's parameter may take: (low, low end open, high, high end open).
_FAMILY_DOMAINS: dict[str, tuple[float, bool, float, bool]] = {
    "hedge": (0.0, False, math.inf, True),
    "growth": (0.0, True, math.inf, True),
    "quantile": (0.0, True, 1.0, True),
    "fixed": (0.0, False, math.inf, True),
}


def _family_problem(family: PolicyFamily) -> str | None:
    """Why the search bounds of ``family`` are unusable, or None."""
    if not family.low < family.high:
        return (
            f"--low {family.low:g} must be below --high {family.high:g} (the {family.name} family's {family.parameter})"
        )
    low, low_open, high, high_open = _FAMILY_DOMAINS.get(family.name, (-math.inf, True, math.inf, True))
    too_low = family.low <= low if low_open else family.low < low
    too_high = family.high >= high if high_open else family.high > high
    if too_low or too_high:
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        domain = f"{left}{low:g}, {'inf' if math.isinf(high) else f'{high:g}'}{right}"
        return (
            f"--low/--high: the {family.name} family's {family.parameter} must lie in {domain}, "
            f"got [{family.low:g}, {family.high:g}]"
        )
    return None


def _suffixed(folder: Path, suffix: str) -> Path:
    """``frontiersim-results/<name>`` -> ``frontiersim-results/<name>-<suffix>``."""
    return folder.with_name(f"{folder.name}-{suffix}")


def _prepare_search(
    args: argparse.Namespace, suffix: str
) -> int | tuple[Scenario, PolicyFamily, Objective, Path | None]:
    """Scenario, family, objective and output folder of ``optimize``/``frontier``, or an exit code (bad input)."""
    try:
        scenario = resolve_scenario(args.scenario)
    except ScenarioError as error:
        return _report_problems(error)
    try:
        family = policy_family(scenario, args.family, args.low, args.high)
        objective = Objective(args.objective, args.discount_rate, args.research_value_share, args.valuation_multiple)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    problem = _family_problem(family)
    out = None
    if problem is None and not args.no_save:
        out = Path(args.out) if args.out else _suffixed(default_out_dir(scenario.meta.name), suffix)
        problem = _out_dir_problem(out)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return scenario, family, objective, out


def _evaluation_bar(args: argparse.Namespace, total: int, desc: str) -> tqdm[Any]:
    """A progress bar counting evaluated policies (stderr; off when not a terminal or with --no-progress)."""
    return tqdm(total=total, unit="policy", disable=args.no_progress or None, file=sys.stderr, desc=desc)


def _advance(bar: tqdm[Any]) -> Callable[[str], None]:
    """A ``progress`` callback that advances ``bar`` by one evaluation and shows its message."""

    def advance(message: str) -> None:
        if bar.total is not None and bar.n >= bar.total:
            bar.total = bar.n + 1
        bar.set_postfix_str(message.rsplit(" = ", 1)[-1][:70], refresh=False)
        bar.update(1)

    return advance


def _finish(bar: tqdm[Any]) -> None:
    """Close the bar at 100% whatever the approximate total was."""
    bar.total = bar.n
    bar.refresh()


def _commitment_schedule(evaluation: PolicyEvaluation, scenario: Scenario) -> pd.DataFrame:
    """The evaluation's commitment schedule in decision years, with quantiles of the contract value too."""
    table = evaluation.commitment_schedule()
    usd = evaluation.result.dataset["year_new_commitment_usd"]
    for q in (0.05, 0.5, 0.95):
        table[f"contract value USD p{round(100 * q)}"] = usd.quantile(q, "draw").values
    years = sorted({month // 12 for month in scenario.decision_months() if month < scenario.horizon_months})
    return table.iloc[years] if years else table


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _figures(evaluation: PolicyEvaluation) -> dict[str, Any]:
    """The figures of one evaluated policy, for JSON (USD amounts; None where not finite)."""
    ruin, exact = evaluation.ruin, evaluation.ruin_exact
    return {
        "label": evaluation.label,
        "parameter": evaluation.parameter,
        "draws": ruin.trials,
        "ruined_draws": ruin.successes,
        "p_ruin": ruin.estimate,
        "p_ruin_wilson": [ruin.low, ruin.high],
        "p_ruin_clopper_pearson": [exact.low, exact.high],
        "confidence": ruin.confidence,
        "objective_mean_usd": _finite(evaluation.objective.mean),
        "objective_se_usd": _finite(evaluation.objective.standard_error),
        "objective_cvar_usd": _finite(evaluation.cvar),
        "revenue_served_usd": _finite(evaluation.revenue.mean),
        "unserved_demand_usd": _finite(evaluation.unserved.mean),
    }


def _settings(
    args: argparse.Namespace,
    scenario: Scenario,
    family: PolicyFamily,
    objective: Objective,
    evaluation: PolicyEvaluation,
) -> dict[str, Any]:
    """What a search was run with, enough to repeat it."""
    attrs = evaluation.result.dataset.attrs
    return {
        "scenario": scenario.meta.name,
        "scenario_sha256": attrs.get("scenario_sha256"),
        "family": family.name,
        "parameter": family.parameter,
        "low": family.low,
        "high": family.high,
        "objective": {
            "name": objective.name,
            "description": objective.describe(),
            "discount_rate_per_year": objective.discount_rate_per_year,
            "research_value_share": objective.research_value_share,
            "valuation_revenue_multiple": objective.valuation_revenue_multiple,
        },
        "max_ruin": args.max_ruin,
        "confidence": evaluation.ruin.confidence,
        "cvar_alpha": args.cvar_alpha,
        "min_cvar_usd": args.min_cvar,
        "draws": args.draws,
        "candidates": args.candidates,
        "seed": scenario.simulation.seed if args.seed is None else args.seed,
        "seed_entropy": attrs.get("seed_entropy"),
        "frontiersim_version": __version__,
    }


def _json_bytes(payload: dict[str, Any]) -> bytes:
    return (json.dumps(payload, indent=2, allow_nan=False, default=str) + "\n").encode("utf-8")


def _csv_bytes(frame: pd.DataFrame, index: bool = True) -> bytes:
    return frame.to_csv(index=index).encode("utf-8")


def _write_all(out: Path, payloads: dict[str, bytes]) -> None:
    """Write every file (each via a temporary name renamed into place) and say so."""
    for name, payload in payloads.items():
        atomic_write_bytes(out / name, payload)
    print(f"\nwrote {len(payloads)} files to {out}/: {', '.join(payloads)}")


def _scenario_toml(evaluation: PolicyEvaluation) -> dict[str, bytes]:
    text = evaluation.result.dataset.attrs.get("scenario_toml")
    return {"scenario.toml": text.encode("utf-8")} if isinstance(text, str) and text else {}


def _at_bound_note(result: OptimizationResult) -> list[str]:
    """A note when the recommendation sits on a search bound (the optimum may lie beyond it)."""
    value, family = result.chosen.parameter, result.family
    if value is None:
        return []
    tolerance = 1e-9 * max(1.0, abs(family.high - family.low))
    for bound, name, option in ((family.low, "lower", "--low"), (family.high, "upper", "--high")):
        if abs(value - bound) <= tolerance:
            return [
                f"note: the recommendation is at the search's {name} bound ({family.parameter} = {bound:.4g}); "
                f"the best policy may lie beyond it: widen {option} or try another --family"
            ]
    return []


#: The work of ``optimize`` or ``frontier`` once its input is checked and its record begun.
_SearchWork = Callable[[argparse.Namespace, Scenario, PolicyFamily, Objective, Path | None, _Recording], int]


def _recorded_search(args: argparse.Namespace, kind: str, recorded_draws: int, work: _SearchWork) -> int:
    """Check the input of ``optimize``/``frontier``, begin its record, and do ``work`` (failing the record on error)."""
    prepared = _prepare_search(args, kind)
    if isinstance(prepared, int):
        return prepared
    scenario = prepared[0]
    recording = _begin_recording(
        args,
        kind=kind,
        scenario=scenario,
        seed=scenario.simulation.seed if args.seed is None else args.seed,
        draws=recorded_draws,
    )
    if isinstance(recording, int):
        return recording
    with recording.failing_on_error():
        return work(args, *prepared, recording)


def _cmd_optimize(args: argparse.Namespace) -> int:
    return _recorded_search(args, "optimize", args.validation_draws or 4 * args.draws, _optimize)


def _optimize(
    args: argparse.Namespace,
    scenario: Scenario,
    family: PolicyFamily,
    objective: Objective,
    out: Path | None,
    recording: _Recording,
) -> int:
    """Search, print, write the files and complete the record of ``frontiersim optimize``."""
    validation_draws = args.validation_draws or 4 * args.draws
    started = time.perf_counter()
    outcome: OptimizationResult | InfeasibleError
    with _evaluation_bar(args, args.candidates + _REFINEMENT_STEPS, f"optimize {scenario.meta.name}") as bar:
        try:
            outcome = optimize_policy(
                scenario,
                family,
                objective,
                max_ruin=args.max_ruin,
                draws=args.draws,
                validation_draws=validation_draws,
                seed=args.seed,
                candidates=args.candidates,
                cvar_alpha=args.cvar_alpha,
                min_cvar=args.min_cvar,
                progress=_advance(bar),
            )
        except InfeasibleError as error:
            outcome = error
        _finish(bar)
    if isinstance(outcome, InfeasibleError):
        print(f"infeasible: {outcome}", file=sys.stderr)
        print(
            "nothing written. Try a higher --max-ruin, wider --low/--high, another --family, or more --draws "
            "(a tighter interval) if the best estimate is below the limit.",
            file=sys.stderr,
        )
        recording.fail(f"infeasible: {outcome}")
        return EXIT_FAILED
    result = outcome
    elapsed = time.perf_counter() - started
    schedule = _commitment_schedule(result.chosen, scenario)
    notes = _at_bound_note(result)
    print(
        format_optimization(result, schedule, scenario_name=scenario.meta.name, cvar_alpha=args.cvar_alpha, notes=notes)
    )
    status = EXIT_OK
    if out is not None or recording.active:
        frontier = Frontier.from_result(result, min_cvar=args.min_cvar, cvar_alpha=args.cvar_alpha)
        summary = {
            "command": "optimize",
            "recommended": {
                "label": result.chosen.label,
                "parameter": result.chosen.parameter,
                "confirmed": result.confirmed,
                "validation": _figures(result.chosen),
                "search": _figures(result.chosen_in_search),
            },
            "naive_validation": {name: _figures(e) for name, e in result.naive_validation.items()},
            "naive_search": {name: _figures(e) for name, e in result.naive_search.items()},
            "evaluations": len(result.search),
            "messages": [*result.messages, *notes],
            "settings": {
                **_settings(args, scenario, family, objective, result.chosen_in_search),
                "validation_draws": result.validation_draws,
            },
            "elapsed_seconds": round(elapsed, 3),
        }
        artifacts = {"frontier.png": frontier_png(frontier), "optimize.json": _json_bytes(summary)}
        if out is not None:
            _write_all(
                out,
                {
                    "frontier.png": artifacts["frontier.png"],
                    "frontier.csv": _csv_bytes(frontier.table(), index=False),
                    "comparison.csv": _csv_bytes(result.comparison()),
                    "schedule.csv": _csv_bytes(schedule),
                    "optimize.json": artifacts["optimize.json"],
                    **_scenario_toml(result.chosen_in_search),
                },
            )
        if recording.active:
            status = recording.finish(
                optimization_payload(result, frontier=frontier, schedule=schedule, artifacts=artifacts)
            )
    if not result.confirmed:
        print("\nthe recommendation is NOT confirmed on the fresh draws (exit code 1)", file=sys.stderr)
        return EXIT_FAILED
    return status


def _cmd_frontier(args: argparse.Namespace) -> int:
    return _recorded_search(args, "frontier", args.draws, _frontier)


def _frontier(
    args: argparse.Namespace,
    scenario: Scenario,
    family: PolicyFamily,
    objective: Objective,
    out: Path | None,
    recording: _Recording,
) -> int:
    """Trace, print, write the files and complete the record of ``frontiersim frontier``."""
    started = time.perf_counter()
    naive_count = 3
    with _evaluation_bar(args, args.candidates + naive_count, f"frontier {scenario.meta.name}") as bar:
        frontier = trace_frontier(
            scenario,
            family,
            objective,
            draws=args.draws,
            seed=args.seed,
            candidates=args.candidates,
            max_ruin=args.max_ruin,
            min_cvar=args.min_cvar,
            cvar_alpha=args.cvar_alpha,
            progress=_advance(bar),
        )
        _finish(bar)
    print(format_frontier(frontier))
    best = frontier.chosen_search
    if frontier.max_ruin is not None and best is None:
        lowest = min(frontier.search, key=lambda e: (e.ruin.high, -e.objective.mean))
        print(
            f"\nno {family.name} policy meets P(ruin) <= {frontier.max_ruin:.2%} at the upper end of its interval; "
            f"the lowest is {lowest.label} with P(ruin) {lowest.ruin}"
        )
    elif best is not None:
        print(
            f"\nbest feasible candidate: {best.label} (search sample only; `frontiersim optimize` refines it and "
            "re-checks it on fresh draws)"
        )
    status = EXIT_OK
    if out is not None or recording.active:
        summary = {
            "command": "frontier",
            "best_feasible": None if best is None else _figures(best),
            "candidates": [_figures(e) for e in frontier.search],
            "naive": {name: _figures(e) for name, e in frontier.naive.items()},
            "settings": _settings(args, scenario, family, objective, frontier.search[0]),
            "elapsed_seconds": round(time.perf_counter() - started, 3),
        }
        artifacts = {"frontier.png": frontier_png(frontier), "frontier.json": _json_bytes(summary)}
        if out is not None:
            _write_all(
                out,
                {
                    "frontier.png": artifacts["frontier.png"],
                    "frontier.csv": _csv_bytes(frontier.table(), index=False),
                    "frontier.json": artifacts["frontier.json"],
                    **_scenario_toml(frontier.search[0]),
                },
            )
        if recording.active:
            status = recording.finish(frontier_payload(frontier, artifacts=artifacts))
    return status


def _add_search_arguments(parser: argparse.ArgumentParser, *, max_ruin: float | None, suffix: str) -> None:
    """Arguments shared by ``optimize`` and ``frontier``."""
    defaults = Objective()
    parser.add_argument("scenario", nargs="?", help="scenario file, or a bundled name (default: the bundled default)")
    limit = "ruin limit" if max_ruin is None else f"ruin limit (default {max_ruin:g})"
    parser.add_argument(
        "--max-ruin",
        type=_bounded(0.0, 1.0, high_open=True),
        default=max_ruin,
        help=f"{limit}: feasible when the upper end of the 95%% Wilson interval of P(ruin) is at or below it",
    )
    parser.add_argument(
        "--objective", choices=OBJECTIVE_NAMES, default=defaults.name, help="what to maximise (default: %(default)s)"
    )
    parser.add_argument(
        "--family",
        choices=FAMILY_NAMES,
        default="hedge",
        help="policy family searched: hedge factor, assumed growth, demand quantile or fixed GW (default: %(default)s)",
    )
    parser.add_argument("--low", type=_number, help="lower search bound of the family's parameter")
    parser.add_argument("--high", type=_number, help="upper search bound of the family's parameter")
    parser.add_argument(
        "--draws",
        type=positive_int,
        default=DEFAULT_SEARCH_DRAWS,
        help="draws per candidate, common to all (default: %(default)s)",
    )
    parser.add_argument(
        "--candidates", type=_grid_size, default=DEFAULT_CANDIDATES, help="grid size (default: %(default)s)"
    )
    parser.add_argument("--seed", type=non_negative_int, help="root seed (default: the scenario's)")
    parser.add_argument(
        "--discount-rate",
        type=_bounded(-1.0, math.inf, low_open=True, high_open=True),
        default=defaults.discount_rate_per_year,
        help="yearly discount rate of discounted_profit (default: %(default)s)",
    )
    parser.add_argument(
        "--research-value-share",
        type=_bounded(0.0, 1.0),
        default=defaults.research_value_share,
        help="value of a training dollar as research, in discounted_profit (default: %(default)s)",
    )
    parser.add_argument(
        "--valuation-multiple",
        type=_bounded(0.0, math.inf, high_open=True),
        default=defaults.valuation_revenue_multiple,
        help="revenue multiple of terminal_equity (default: %(default)s)",
    )
    parser.add_argument(
        "--cvar-alpha",
        type=_bounded(0.0, 1.0, low_open=True),
        default=0.05,
        help="tail share of the CVaR figures (default: %(default)s)",
    )
    parser.add_argument(
        "--min-cvar",
        type=_usd,
        help="also require CVaR (mean objective over the worst --cvar-alpha of draws) >= this many USD: -25B, -2.5e10",
    )
    parser.add_argument("--out", help=f"output folder (default: frontiersim-results/<scenario name>-{suffix})")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument(
        "--no-save", action="store_true", help="print only; write no output files (the run store is separate)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``frontiersim`` command."""
    parser = _Parser(prog="frontiersim", description="Monte Carlo economics of a frontier AI lab.")
    parser.add_argument("--version", action="version", version=f"frontiersim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="simulate a scenario, print a summary and save the results")
    run.add_argument("scenario", nargs="?", help="scenario file, or a bundled name (default: the bundled default)")
    run.add_argument("--draws", type=positive_int, help="number of draws (default: the scenario's)")
    run.add_argument("--seed", type=non_negative_int, help="root seed (default: the scenario's)")
    run.add_argument("--out", help="output folder (default: frontiersim-results/<scenario name>)")
    run.add_argument("--format", choices=("netcdf", "parquet"), default="netcdf", help="results file format")
    run.add_argument("--summary-only", action="store_true", help="keep yearly results only (bounded memory)")
    run.add_argument("--chunk-size", type=positive_int, default=DEFAULT_CHUNK_SIZE, help="draws per chunk")
    run.add_argument("--workers", type=positive_int, default=1, help="processes to use")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    run.add_argument(
        "--no-save",
        action="store_true",
        help="print the summary only; write no output files (the run store is governed by --no-store)",
    )
    add_recording_arguments(run)
    run.set_defaults(handler=_cmd_run)

    validate = commands.add_parser("validate", help="check scenario files and report every problem")
    validate.add_argument("scenarios", nargs="+", help="scenario files (or bundled names)")
    validate.set_defaults(handler=_cmd_validate)

    examples = commands.add_parser("examples", help="run the interviews' worked examples against the brief")
    examples.add_argument("name", nargs="?", help=f"one of: {', '.join(EXAMPLES)}")
    examples.set_defaults(handler=_cmd_examples)

    defaults = commands.add_parser("defaults", help="list every scenario key with its default, unit and source")
    defaults.set_defaults(handler=_cmd_defaults)

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

    scenarios = commands.add_parser("scenarios", help="list the bundled scenarios")
    scenarios.set_defaults(handler=_cmd_scenarios)

    optimize = commands.add_parser(
        "optimize",
        help="find the policy that maximises an objective subject to a ruin limit, and check it on fresh draws",
        description="Search a one-parameter policy family on common draws, refine the best feasible candidate, "
        "re-evaluate it and the naive policies on fresh draws, and write frontier.png, frontier.csv, "
        "comparison.csv, schedule.csv and optimize.json. Exit 1 if no policy meets the ruin limit (nothing "
        "written) or the fresh draws do not confirm it (results written).",
    )
    _add_search_arguments(optimize, max_ruin=0.05, suffix="optimize")
    optimize.add_argument(
        "--validation-draws", type=positive_int, help="fresh draws to re-check the choice (default: 4 x --draws)"
    )
    add_recording_arguments(optimize)
    optimize.set_defaults(handler=_cmd_optimize)

    frontier = commands.add_parser(
        "frontier",
        help="trace P(ruin) against the objective over a policy family, beside the naive policies",
        description="Evaluate a grid of a policy family and the naive policies on common draws; print the table "
        "and write frontier.png, frontier.csv and frontier.json. Never fails for want of a feasible policy.",
    )
    _add_search_arguments(frontier, max_ruin=None, suffix="frontier")
    add_recording_arguments(frontier)
    frontier.set_defaults(handler=_cmd_frontier)

    runs_command.add_parser(commands)
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
        if token in _SIGNED_OPTIONS and following.startswith("-") and _USD_PATTERN.match(following.upper()):
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
        return 130
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE


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
