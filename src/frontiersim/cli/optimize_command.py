"""``frontiersim optimize`` and ``frontiersim frontier``: the policy search under a ruin limit.

Both search a one-parameter policy family for one lab of the scenario
(``--lab``, default the first); the other labs keep the scenario's policies.
``optimize`` refines and re-checks the best feasible candidate on fresh
draws; ``frontier`` evaluates the grid alone. Exit 1 from ``optimize`` when
no policy meets the ruin limit (nothing written) or the fresh draws do not
confirm it (results written).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from frontiersim._version import __version__
from frontiersim.atomic import atomic_write_bytes
from frontiersim.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    bad_input,
    default_out_dir,
    lab_problem,
    out_dir_problem,
    report_problems,
    resolve_scenario,
)
from frontiersim.cli.format import format_frontier, format_optimization, format_training_shares
from frontiersim.cli.recording import Recording, begin_recording
from frontiersim.optimize.families import PolicyFamily, parameter_spec, policy_family, resolve_lab
from frontiersim.optimize.frontier import Frontier, trace_frontier
from frontiersim.optimize.objectives import Objective
from frontiersim.optimize.search import InfeasibleError, OptimizationResult, PolicyEvaluation, optimize_policy
from frontiersim.optimize.split import TrainingShareSearch, optimize_training_share
from frontiersim.scenario.errors import ScenarioError
from frontiersim.scenario.schema import Scenario
from frontiersim.simulate import memory_problem
from frontiersim.store.record import frontier_payload, optimization_payload
from frontiersim.units import number_text

#: Refinement steps the optimizer may add to the grid (bounded Brent, at most 12): for the progress bar only.
_REFINEMENT_STEPS = 12


def _family_problem(family: PolicyFamily) -> str | None:
    """Why the search bounds of ``family`` are unusable (outside the bounds of the key it varies), or None."""
    if not family.low < family.high:
        return (
            f"--low {number_text(family.low)} must be below --high {number_text(family.high)} "
            f"(the {family.name} family's {family.parameter})"
        )
    spec = parameter_spec(family.name)
    too_low = family.low <= spec.low if spec.low_open else family.low < spec.low
    too_high = family.high >= spec.high if spec.high_open else family.high > spec.high
    if too_low or too_high:
        left = "(" if spec.low_open or math.isinf(spec.low) else "["
        right = ")" if spec.high_open or math.isinf(spec.high) else "]"
        low = "-inf" if math.isinf(spec.low) else number_text(spec.low)
        high = "inf" if math.isinf(spec.high) else number_text(spec.high)
        return (
            f"--low/--high: the {family.name} family's {family.parameter} must lie in {left}{low}, {high}{right}, "
            f"got [{number_text(family.low)}, {number_text(family.high)}]"
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
        return report_problems(error)
    problem = lab_problem(scenario, args.lab)
    if problem:
        return bad_input(problem)
    try:
        family = policy_family(scenario, args.family, args.low, args.high, lab=args.lab)
        objective = Objective(args.objective, args.discount_rate, args.research_value_share, args.valuation_multiple)
    except ValueError as error:
        return bad_input(str(error))
    problem = _family_problem(family)
    largest = max(args.draws, getattr(args, "validation_draws", None) or 4 * args.draws)
    problem = problem or memory_problem(scenario, largest, keep_monthly=False)
    out = None
    if problem is None and not args.no_save:
        if args.out:
            out = Path(args.out)
        else:
            several = len(scenario.labs) > 1 and family.lab is not None
            out = _suffixed(default_out_dir(scenario.meta.name), f"{family.lab}-{suffix}" if several else suffix)
        problem = out_dir_problem(out)
    if problem:
        return bad_input(problem)
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
    """The evaluation's commitment schedule in the lab's decision years, with quantiles of the contract value too.

    The unit of each column is in ``table.attrs["units"]``.
    """
    table = evaluation.commitment_schedule()
    usd = evaluation.lab_dataset["year_new_commitment_usd"]
    units = dict(table.attrs.get("units", {}))
    for q in (0.05, 0.5, 0.95):
        column = f"contract value USD p{round(100 * q)}"
        table[column] = usd.quantile(q, "draw").values
        units[column] = str(usd.attrs.get("units", ""))
    lab = resolve_lab(scenario, evaluation.lab)
    horizon = scenario.horizon_months
    years = sorted({month // 12 for month in lab.decision_months(horizon) if month < horizon})
    table = table.iloc[years] if years else table
    table.attrs["units"] = units
    return table


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
        "lab": family.lab,
        "labs": list(scenario.lab_names),
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
                f"note: the recommendation is at the search's {name} bound "
                f"({family.parameter} = {number_text(bound, 4)}); "
                f"the best policy may lie beyond it: widen {option} or try another --family"
            ]
    return []


#: The work of ``optimize`` or ``frontier`` once its input is checked and its record begun.
_SearchWork = Callable[[argparse.Namespace, Scenario, PolicyFamily, Objective, Path | None, Recording], int]


def _recorded_search(args: argparse.Namespace, kind: str, recorded_draws: int, work: _SearchWork) -> int:
    """Check the input of ``optimize``/``frontier``, begin its record, and do ``work`` (failing the record on error)."""
    prepared = _prepare_search(args, kind)
    if isinstance(prepared, int):
        return prepared
    scenario = prepared[0]
    recording = begin_recording(
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
    recording: Recording,
) -> int:
    """Search, print, write the files and complete the record of ``frontiersim optimize``."""
    validation_draws = args.validation_draws or 4 * args.draws
    started = time.perf_counter()
    outcome: OptimizationResult | InfeasibleError
    search = {
        "max_ruin": args.max_ruin,
        "draws": args.draws,
        "validation_draws": validation_draws,
        "seed": args.seed,
        "candidates": args.candidates,
        "cvar_alpha": args.cvar_alpha,
        "min_cvar": args.min_cvar,
    }
    split: TrainingShareSearch | None = None
    steps = (args.candidates + _REFINEMENT_STEPS) * len(args.training_shares or (None,))
    with _evaluation_bar(args, steps, f"optimize {scenario.meta.name}") as bar:
        if args.training_shares:
            split = optimize_training_share(
                scenario,
                family.name,
                args.training_shares,
                lab=args.lab,
                low=args.low,
                high=args.high,
                objective=objective,
                progress=_advance(bar),
                **search,
            )
            best_share, best = split.best_share, split.best
            if best_share is None or best is None:
                _finish(bar)
                print(format_training_shares(split))
                message = (
                    f"no {family.name} policy meets the ruin limit at any training share "
                    f"({', '.join(f'{number_text(s)}' for s in args.training_shares)})"
                )
                print(f"infeasible: {message}; nothing written", file=sys.stderr)
                recording.fail(f"infeasible: {message}")
                return EXIT_FAILED
            scenario, outcome, family = split.scenarios[best_share], best, best.family
        else:
            try:
                outcome = optimize_policy(scenario, family, objective, progress=_advance(bar), **search)
            except InfeasibleError as error:
                outcome = error
        _finish(bar)
    if split is not None:
        print(format_training_shares(split))
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
        if split is not None:
            summary["training_shares"] = json.loads(split.table().to_json(orient="records"))
            summary["training_share"] = split.best_share
        from frontiersim.charts.frontier import frontier_png  # noqa: PLC0415 (Altair and vl-convert load only to draw)

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
                    **({} if split is None else {"training_shares.csv": _csv_bytes(split.table(), index=False)}),
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
    recording: Recording,
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
        from frontiersim.charts.frontier import frontier_png  # noqa: PLC0415 (Altair and vl-convert load only to draw)

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
