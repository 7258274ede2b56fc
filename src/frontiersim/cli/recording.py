"""Recording a command's run in the run store: ``--store``, ``--no-store`` and ``-m``.

``run``, ``optimize``, ``frontier`` and ``backtest`` record every run in the
run store (``--store PATH``, default ``$FRONTIERSIM_STORE`` or the user's
data folder) unless given ``--no-store``; ``-m`` sets the record's one-line
message. The record is begun (``running``) once the input is checked, before
any work, and completed after the output files are written; an error, an
interrupt or a broken pipe marks it failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from frontiersim.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from frontiersim.scenario.loader import scenario_hash
from frontiersim.scenario.schema import Scenario
from frontiersim.store.errors import StoreError
from frontiersim.units import data_size

if TYPE_CHECKING:  # the store (duckdb, pandas) is imported when a run is recorded, not to parse arguments
    import pandas as pd

    from frontiersim.results.result import SimulationResult
    from frontiersim.results.summary import SummaryResult
    from frontiersim.store import RunStore
    from frontiersim.store.record import RecordPayload

STORE_HELP = (
    "run store file (default: $FRONTIERSIM_STORE if set, else runs.duckdb in the user's data folder, "
    "e.g. ~/.local/share/frontiersim/runs.duckdb on Linux)"
)


def one_line_message(text: str) -> str:
    """An argparse type for ``-m/--message``: one line of text.

    Examples
    --------
    >>> one_line_message("  faster growth, per the Q3 report ")
    'faster growth, per the Q3 report'
    """
    if "\n" in text or "\r" in text:
        raise argparse.ArgumentTypeError(f"expected one line, got {text.count(chr(10)) + 1} lines: {text!r}")
    return text.strip()


def add_store_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--store PATH`` to a parser."""
    parser.add_argument("--store", metavar="PATH", help=STORE_HELP)


def add_recording_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--store PATH``, ``--no-store`` and ``-m/--message`` to a command that records its runs."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--store", metavar="PATH", help=f"record the run in this {STORE_HELP}")
    where.add_argument("--no-store", action="store_true", help="do not record the run in the run store")
    parser.add_argument(
        "-m", "--message", type=one_line_message, default="", help="one line saying why the run was made (stored)"
    )


def stored_size_text(stored_bytes: Mapping[str, int]) -> str:
    """A run's size in the store, with the part its per-draw tables take.

    Examples
    --------
    >>> stored_size_text({"table": 120_000, "draws": 15_000_000})
    '15.1 MB (per-draw tables 15.0 MB)'
    >>> stored_size_text({"table": 120_000})
    '120.0 KB (summary only: no per-draw tables)'
    """
    total = sum(stored_bytes.values())
    draws = stored_bytes.get("draws", 0)
    detail = f"per-draw tables {data_size(draws)}" if draws else "summary only: no per-draw tables"
    return f"{data_size(total)} ({detail})"


class Recording:
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
        #: Whether the record is complete: nothing that happens afterwards (a reader of the output that goes
        #: away, an interrupt) can mark it failed.
        self.completed = False

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
            return self._failed_to_store(error)
        return self._stored()

    def finish_simulation(
        self, result: SimulationResult, *, announce: bool = True, per_draw: Mapping[str, pd.DataFrame] | None = None
    ) -> int:
        """Complete the record of a simulation with its tables (every lab's), as :meth:`finish`.

        Through :func:`~frontiersim.store.record.record_simulation`, the one
        function that records a simulation. With ``announce=False`` the
        "stored as run" line is left to :meth:`announce`, so that a command
        can store its run before it prints anything. ``per_draw={}`` stores
        no per-draw tables (see ``record_simulation``).
        """
        if self.store is None:
            return EXIT_OK
        from frontiersim.store.record import record_simulation  # noqa: PLC0415

        try:
            record_simulation(self.store, result, run_id=self.run_id, per_draw=per_draw)
        except StoreError as error:
            return self._failed_to_store(error)
        return self._stored(announce=announce)

    def finish_summary(self, summary: SummaryResult, *, announce: bool = True) -> int:
        """Complete the record of a run kept as distributions with its run tables, as :meth:`finish_simulation`."""
        if self.store is None:
            return EXIT_OK
        from frontiersim.store.record import summary_payload  # noqa: PLC0415

        try:
            summary_payload(summary).store_in(self.store, self.run_id)
        except StoreError as error:
            return self._failed_to_store(error)
        return self._stored(announce=announce)

    def _stored(self, *, announce: bool = True) -> int:
        self.completed = True
        if announce:
            self.announce()
        return EXIT_OK

    def announce(self) -> None:
        """Print where the completed run was stored and its size there (nothing if it was not stored)."""
        if self.store is not None and self.completed:
            try:
                size = f": {stored_size_text(self.store.stored_bytes(self.run_id))}"
            except StoreError:  # stored; only its size could not be read back
                size = ""
            print(f"\nstored as run {self.run_id} in {self.store.path}{size}")

    def _failed_to_store(self, error: StoreError) -> int:
        self.fail(f"the results could not be stored: {error}")
        print(f"error: the run could not be stored: {error}", file=sys.stderr)
        return EXIT_FAILED

    def fail(self, reason: str) -> None:
        """Mark the record failed (a store error here is reported, not raised); a completed record stays complete."""
        if self.store is None or self.completed:
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


def begin_recording(
    args: argparse.Namespace,
    *,
    kind: str,
    scenario: Scenario | None,
    scenario_name: str = "",
    seed: int | None = None,
    draws: int | None = None,
) -> Recording | int:
    """Begin the run's record (unless ``--no-store``), or return EXIT_BAD_INPUT when the store cannot be used.

    A simulation (``kind="run"``) is begun by
    :func:`~frontiersim.store.record.begin_simulation`, to be completed by
    :meth:`Recording.finish_simulation`.
    """
    if args.no_store:
        return Recording(None)
    from frontiersim.store import RunStore  # noqa: PLC0415
    from frontiersim.store.record import begin_simulation  # noqa: PLC0415

    store = RunStore(args.store)
    command = getattr(args, "argv", ())
    try:
        if kind == "run" and scenario is not None and draws is not None:
            run_id = begin_simulation(store, scenario, seed=seed, draws=draws, message=args.message, command=command)
        else:
            run_id = store.begin(
                kind=kind,
                scenario_text=(scenario.source_text or "") if scenario is not None else "",
                scenario_name=scenario.meta.name if scenario is not None else scenario_name,
                scenario_sha256=scenario_hash(scenario) if scenario is not None else "",
                seed=seed,
                draws=draws,
                message=args.message,
                command=command,
            )
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return Recording(store, run_id)
