"""``frontiersim rerun ID``: make a stored run again and say whether its numbers are identical.

A stored ``run`` keeps everything that made its numbers: the scenario's text,
the root seed, the number of draws and whether monthly arrays were kept
(chunk size and worker count do not change the numbers). ``rerun`` simulates
it again with these, stores the new run (unless ``--no-store``), and compares
every summary table, and every per-draw table the original kept, bit for bit
with the stored ones. It names the packages whose versions differ from those
the run recorded, since a different numpy or scipy is the usual reason for a
difference in the last bits.
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from frontiersim.cli.common import EXIT_FAILED, EXIT_OK, bad_input, deferred, progress_bar
from frontiersim.cli.recording import add_recording_arguments
from frontiersim.units import number_text

if TYPE_CHECKING:  # the store and the simulation are imported when the command runs
    from frontiersim.scenario.schema import Scenario
    from frontiersim.store import RunRecord
    from frontiersim.store.record import TableDifference


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``frontiersim rerun`` on the frontiersim parser."""
    rerun = commands.add_parser(
        "rerun",
        help="make a stored run again and say whether its numbers are identical",
        description="Simulate a stored run again from its scenario text, seed, draws and options, store the new run "
        "(unless --no-store), and compare every stored table with the new one bit for bit. Exit 0 when every "
        "table is identical, 1 when any differs.",
    )
    rerun.add_argument("run_id", metavar="ID", help="id of a stored run (kind run), or a unique prefix of one")
    rerun.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_recording_arguments(rerun)
    rerun.set_defaults(handler=deferred("frontiersim.cli.rerun_command", "_cmd_rerun"))


def _cmd_rerun(args: argparse.Namespace) -> int:
    import pandas as pd  # noqa: PLC0415

    from frontiersim.cli.recording import begin_recording  # noqa: PLC0415
    from frontiersim.results.summary_tables import summary_run_tables  # noqa: PLC0415
    from frontiersim.results.tables import draw_tables, run_tables  # noqa: PLC0415
    from frontiersim.simulate import DEFAULT_CHUNK_SIZE, memory_problem, simulate, simulate_summary  # noqa: PLC0415
    from frontiersim.store.record import DISTRIBUTIONS_ONLY, table_differences  # noqa: PLC0415

    stored = _stored_run(args)
    if isinstance(stored, int):
        return stored
    record, scenario, keep_monthly = stored
    draws = record.draws or 0  # a record without draws was refused
    distributions = record.options.get(DISTRIBUTIONS_ONLY) is True
    problem = None if distributions else memory_problem(scenario, draws, keep_monthly, DEFAULT_CHUNK_SIZE)
    if problem:
        return bad_input(problem)
    if not args.message:
        args.message = f"rerun of {record.run_id}"
    if args.store is None and record.store_path is not None:
        args.store = str(record.store_path)  # the new run goes beside the one it makes again
    recording = begin_recording(args, kind="run", scenario=scenario, seed=record.seed, draws=draws)
    if isinstance(recording, int):
        return recording
    with recording.failing_on_error():
        if distributions:  # a run kept as distributions (run --no-draws) is made again as one
            with progress_bar(args, draws) as advance:
                summary = simulate_summary(scenario, draws=record.draws, seed=record.seed, progress=advance)
            per_draw: dict[str, pd.DataFrame] = {}
            status = recording.finish_summary(summary, announce=False)
            tables = summary_run_tables(summary)
        else:
            with progress_bar(args, draws) as advance:
                result = simulate(
                    scenario, draws=record.draws, seed=record.seed, keep_monthly=keep_monthly, progress=advance
                )
            per_draw = draw_tables(result) if record.draw_table_names else {}
            status = recording.finish_simulation(result, announce=False, per_draw=per_draw)
            tables = run_tables(result)
        equal, different = table_differences(record.tables, tables)
        stored_draws = {table: record.draw_table(table) for table in record.draw_table_names}
        equal_draws, different_draws = table_differences(stored_draws, per_draw)
    print("\n".join(_report(record, (equal, different), (equal_draws, different_draws))))
    recording.announce()
    if status != EXIT_OK:
        return status
    return EXIT_OK if not different and not different_draws else EXIT_FAILED


def _stored_run(args: argparse.Namespace) -> tuple[RunRecord, Scenario, bool] | int:
    """The stored run to make again, its scenario and whether it kept monthly arrays; or EXIT_BAD_INPUT."""
    from frontiersim.scenario.errors import ScenarioError  # noqa: PLC0415
    from frontiersim.scenario.loader import parse_scenario_text  # noqa: PLC0415
    from frontiersim.store import RunStore, StoreError  # noqa: PLC0415

    try:
        record = RunStore(args.store).get(args.run_id)
    except StoreError as error:
        return bad_input(str(error))
    name = f"run {record.run_id}"
    if record.kind != "run":
        return bad_input(f"{name} is a {record.kind} record; rerun makes simulations (kind run) again")
    if record.status != "complete":
        return bad_input(f"{name} is {record.status}: there are no stored numbers to compare with")
    if record.seed is None or record.draws is None:
        return bad_input(f"{name} recorded no seed or no number of draws, so it cannot be made again")
    try:
        scenario = parse_scenario_text(record.scenario_text, f"the scenario of {name}")
    except ScenarioError as error:  # stored by an older frontiersim whose scenarios this one no longer reads
        return bad_input(f"{error}\n{name} cannot be made again by this frontiersim")
    keep_monthly = record.options.get("keep_monthly")
    if not isinstance(keep_monthly, bool):  # recorded before options were: its fan table says
        fan = record.tables.get("fan")
        keep_monthly = fan is not None and "period" in fan.columns and bool((fan["period"] == "month").any())
    return record, scenario, keep_monthly


def _report(
    record: RunRecord,
    summary: tuple[list[str], list[TableDifference]],
    per_draw: tuple[list[str], list[TableDifference]],
) -> list[str]:
    """What a rerun found: identical or not, each difference, and the versions that changed."""
    from frontiersim.environment import software_versions, version_differences  # noqa: PLC0415
    from frontiersim.scenario.errors import terminal_safe  # noqa: PLC0415

    lines = [
        f"rerun of run {record.run_id} ({terminal_safe(record.scenario_name)}, seed {record.seed}, "
        f"{record.draws:,} draws)"
    ]
    different = [*summary[1], *per_draw[1]]
    if not different:
        lines.append(
            f"identical: {len(summary[0])} summary tables and {len(per_draw[0])} per-draw tables equal bit for bit"
        )
    else:
        compared = len(summary[0]) + len(per_draw[0]) + len(different)
        lines.append(f"DIFFERENT: {len(different)} of {compared} tables differ")
        for difference in different:
            where = f", column {difference.column!r}" if difference.column else ""
            gap = difference.largest_abs_difference
            size = "" if math.isnan(gap) else f", largest difference {number_text(gap)}"  # NaN: not numeric
            lines.append(f"  {difference.table}: {difference.reason}{where}{size}")
    if record.environment:
        changed = version_differences(record.environment, software_versions())
        lines.append("versions: " + ("; ".join(changed) if changed else "the same as when the run was made"))
    else:
        lines.append("versions: not recorded (the run was stored before frontiersim recorded them)")
    return lines
