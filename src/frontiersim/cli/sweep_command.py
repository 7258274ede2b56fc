"""``frontiersim sweep``: a scenario run at every point of a grid or a Latin hypercube of its keys.

``--set KEY=V1,V2`` gives a key's values (a grid: every combination is a
point); with ``--lhs N``, ``--set KEY=LOW:HIGH`` gives a range and ``N``
points of a Latin hypercube are sampled over the ranges (a key given one value
is held at it). The points run on an executor: ``serial`` (this process),
``processes`` (local processes) or ``dask`` (a Dask cluster at ``--cluster
tcp://HOST:PORT``, or a local one started for the sweep); the numbers are the
same on every executor. Each point is stored as a run, and the sweep as a
record of kind ``sweep`` listing them; ``sweep.csv`` in ``--out`` holds the
table of points that is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frontiersim.atomic import atomic_write_bytes
from frontiersim.cli.arguments import non_negative_int, positive_int
from frontiersim.cli.common import (
    EXIT_OK,
    bad_input,
    default_out_dir,
    out_dir_problem,
    progress_bar,
    report_problems,
    resolve_scenario,
)
from frontiersim.cli.recording import add_recording_arguments, begin_recording
from frontiersim.scenario.errors import ScenarioError
from frontiersim.scenario.overrides import key_unit, parse_assignment
from frontiersim.simulate import extra_workers_note, memory_problem
from frontiersim.sweep.executors import EXECUTOR_NAMES, Executor, default_workers, make_executor
from frontiersim.units import counted

if TYPE_CHECKING:
    from frontiersim.sweep.plan import SweepPlan

#: A Dask scheduler address: ``tcp://HOST:PORT``.
_CLUSTER_ADDRESS = re.compile(r"^tcp://[A-Za-z0-9.\-_\[\]:]+:\d{1,5}$")


def _assignment(text: str) -> tuple[str, list[Any]]:
    try:
        return parse_assignment(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def cluster_address(text: str) -> str:
    """An argparse type for ``--cluster``: a Dask scheduler address ``tcp://HOST:PORT``.

    Examples
    --------
    >>> cluster_address("tcp://127.0.0.1:8786")
    'tcp://127.0.0.1:8786'
    """
    if not _CLUSTER_ADDRESS.match(text):
        raise argparse.ArgumentTypeError(f"expected a Dask scheduler address tcp://HOST:PORT, got {text!r}")
    return text


def _values_by_key(assignments: list[tuple[str, list[Any]]]) -> tuple[dict[str, list[Any]], str | None]:
    values: dict[str, list[Any]] = {}
    for key, given in assignments:
        if key in values:
            return values, f"--set {key} is given twice; give all its values in one --set {key}=V1,V2,..."
        values[key] = given
    return values, None


def _executor_choice(args: argparse.Namespace, points: int) -> tuple[str, int, str | None]:
    """The executor, its workers, and a note when extra workers cannot help (or a problem, as the note)."""
    name = args.executor or ("dask" if args.cluster else "processes")
    if args.cluster and name != "dask":
        raise ValueError(f"--cluster is for --executor dask, not --executor {name}")
    if name == "serial":
        workers = 1
        note = (
            f"extra workers cannot help: the serial executor runs one point at a time (--workers {args.workers})"
            if args.workers and args.workers > 1
            else None
        )
        return name, workers, note
    workers = args.workers or default_workers(points)
    if name == "processes" and workers == 1 and not args.workers:
        name = "serial"  # one worker: nothing to gain from a process of its own
    note = None if args.cluster else extra_workers_note(workers, points, task_name="point")
    return name, workers, note


@dataclass(frozen=True)
class _Prepared:
    """A checked sweep, ready to run."""

    plan: SweepPlan
    out: Path
    executor: str
    workers: int
    note: str | None


def _prepare(args: argparse.Namespace) -> _Prepared | str | ScenarioError:
    """Check the scenario, the keys, the output folder, the executor and the memory: the sweep, or its problem."""
    try:
        scenario = resolve_scenario(args.scenario)
    except ScenarioError as error:
        return error
    values, problem = _values_by_key(args.set or [])
    if problem:
        return problem
    draws = args.draws if args.draws is not None else scenario.simulation.draws
    seed = scenario.simulation.seed if args.seed is None else args.seed
    from frontiersim.models.registry import extension_sections  # noqa: PLC0415
    from frontiersim.sweep.plan import plan_sweep  # noqa: PLC0415

    try:
        plan = plan_sweep(
            scenario, values, draws=draws, seed=seed, lhs_points=args.lhs, extra_sections=extension_sections()
        )
    except ScenarioError as error:
        return error
    out = Path(args.out) if args.out else default_out_dir(scenario.meta.name + "-sweep")
    try:
        executor, workers, note = _executor_choice(args, len(plan.points))
    except ValueError as error:
        return str(error)
    largest = max(plan.scenarios, key=lambda s: len(s.lab_names) * s.horizon_months)
    problem = (None if args.no_save else out_dir_problem(out) or _earlier_sweep_problem(out, args.force)) or (
        memory_problem(largest, draws, keep_monthly=False)
    )
    if problem:
        return problem
    return _Prepared(plan, out, executor, workers, note)


def _earlier_sweep_problem(out: Path, force: bool) -> str | None:
    """Why ``out`` should not be written: it holds the table of an earlier sweep (None with ``--force``)."""
    if force or not (out / "sweep.csv").exists():
        return None
    advice = "use --force to replace it, or --out FOLDER to write elsewhere"
    return f"{out} holds the sweep.csv of an earlier sweep; {advice}"


def _cmd_sweep(args: argparse.Namespace) -> int:
    prepared = _prepare(args)
    if isinstance(prepared, ScenarioError):
        return report_problems(prepared)
    if isinstance(prepared, str):
        return bad_input(prepared)
    plan = prepared.plan
    where = f" on {args.cluster}" if args.cluster else f", {counted(prepared.workers, 'worker')}"
    print(
        f"sweep of {plan.base.meta.name!r}: {counted(len(plan.points), 'point')} ({plan.design}) x "
        f"{counted(plan.draws, 'draw')}, seed {plan.seed}, executor {prepared.executor}{where}",
        file=sys.stderr,
    )
    if prepared.note:
        print(f"note: {prepared.note}", file=sys.stderr)
    # the executor is started (a cluster reached) before anything is recorded: an unreachable cluster is bad input
    # (an ExitStack, so that an error or an interrupt reaches the executor's exit, which cancels pending points)
    with contextlib.ExitStack() as stack:
        try:
            executor = stack.enter_context(make_executor(prepared.executor, prepared.workers, args.cluster))
        except (OSError, TimeoutError) as error:
            return bad_input(f"--cluster {args.cluster}: cannot reach a Dask scheduler there ({error})")
        return _run(args, prepared, executor)


def _run(args: argparse.Namespace, prepared: _Prepared, executor: Executor) -> int:
    """Record, run, store, print and write a checked sweep on a started executor."""
    plan = prepared.plan
    recording = begin_recording(args, kind="sweep", scenario=plan.base, seed=plan.seed, draws=plan.draws)
    if isinstance(recording, int):
        return recording
    from frontiersim.cli.format import format_sweep_points  # noqa: PLC0415
    from frontiersim.sweep.runner import run_sweep  # noqa: PLC0415

    with recording.failing_on_error():
        with progress_bar(args, len(plan.points), unit="point") as advance_by:

            def advance(_: int) -> None:
                advance_by(1)

            result = run_sweep(
                plan,
                executor,
                store=recording.store,
                sweep_id=recording.run_id,
                message=args.message,
                command=getattr(args, "argv", ()),
                keep_per_draw=args.store_draws,
                progress=advance,
            )
        recording.completed = recording.active  # run_sweep completed the sweep's record
        key_units = {key: key_unit(key) for key in plan.keys}
        shown = format_sweep_points(result.points, plan.keys, key_units)
        if not args.no_save:
            atomic_write_bytes(prepared.out / "sweep.csv", result.points.to_csv(index=False).encode("utf-8"))
        print(shown)
        print(
            f"\ncommon random numbers: every point ran with seed {plan.seed}, so differences between points are the "
            "effect of the keys, not of sampling"
        )
        if not args.no_save:
            print(f"wrote {prepared.out / 'sweep.csv'}")
        if recording.store is not None:
            print(
                f"stored as sweep {result.sweep_id} in {recording.store.path}, with each point as a run "
                f"(frontiersim runs show {result.sweep_id})"
            )
    return EXIT_OK


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``sweep`` on the frontiersim parser."""
    sweep = commands.add_parser(
        "sweep",
        help="run a scenario at every point of a grid (or a Latin hypercube) of its keys, and store every point",
    )
    sweep.add_argument("scenario", nargs="?", help="scenario file, or a bundled name (default: the bundled default)")
    sweep.add_argument(
        "--set",
        action="append",
        type=_assignment,
        metavar="KEY=V1,V2,...",
        help="values of a scenario key (dotted path, as in frontiersim defaults), written as in the scenario file; "
        "with --lhs, KEY=LOW:HIGH gives a range to sample. Repeat for more keys",
    )
    sweep.add_argument("--lhs", type=positive_int, metavar="N", help="N points of a Latin hypercube over the ranges")
    sweep.add_argument("--draws", type=positive_int, help="draws per point (default: the scenario's)")
    sweep.add_argument("--seed", type=non_negative_int, help="root seed of every point (default: the scenario's)")
    sweep.add_argument(
        "--executor",
        choices=EXECUTOR_NAMES,
        help="where the points run: serial (this process), processes (local processes; the default) or dask",
    )
    sweep.add_argument(
        "--cluster",
        type=cluster_address,
        metavar="tcp://HOST:PORT",
        help="a Dask scheduler to run the points on (implies --executor dask; without it dask starts a local cluster)",
    )
    sweep.add_argument(
        "--workers", type=positive_int, help="worker processes (default: one per core, no more than the points)"
    )
    sweep.add_argument("--out", help="output folder of sweep.csv (default: frontiersim-results/<scenario name>-sweep)")
    sweep.add_argument("--no-save", action="store_true", help="write no sweep.csv (the store follows --no-store)")
    sweep.add_argument("--force", action="store_true", help="replace the sweep.csv of an earlier sweep in --out")
    sweep.add_argument(
        "--store-draws",
        action="store_true",
        help="store each point's per-draw tables too (about 16 MB per 10,000 draws each; default: summary tables)",
    )
    sweep.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_recording_arguments(sweep)
    sweep.set_defaults(handler=_cmd_sweep)
