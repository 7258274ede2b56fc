"""``frontiersim report ID``: write a stored run as one self-contained HTML file.

Exit codes: 0 the report was written; 1 it could not be written or the
stored run could not be read; 2 bad input (an unknown or ambiguous run id, a
store that does not exist or cannot be opened, an output path that is a
folder). Every problem is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from frontiersim.atomic import atomic_write_bytes
from frontiersim.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK

#: Characters kept from a run id in the default output name.
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def default_output(run_id: str) -> Path:
    """``report-<id>.html`` in the current folder (characters unsafe in a file name dropped).

    Examples
    --------
    >>> str(default_output("20261122-041712-3f9a2c"))
    'report-20261122-041712-3f9a2c.html'

    """
    safe = "".join(c for c in run_id if c in _SAFE).strip(".") or "run"
    return Path(f"report-{safe}.html")


def _cmd_report(args: argparse.Namespace) -> int:
    # The store (and DuckDB) is imported only when a report is asked for.
    from frontiersim.report.html import render_report  # noqa: PLC0415
    from frontiersim.store import RunStore, StoreError  # noqa: PLC0415

    out = Path(args.out) if args.out is not None else None
    if out is not None and out.is_dir():
        print(f"error: -o {out} is a folder; expected an .html file path", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        store = RunStore(args.store)
        run_id = store.resolve(args.run_id)
    except StoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        record = store.get(run_id)
    except StoreError as error:
        print(f"error: cannot read run {run_id}: {error}", file=sys.stderr)
        return EXIT_FAILED
    page = render_report(record)
    path = out if out is not None else default_output(record.run_id)
    try:
        atomic_write_bytes(path, page.encode("utf-8"))
    except OSError as error:
        reason = error.strerror or str(error)
        print(f"error: cannot write the report to {path}: {reason}", file=sys.stderr)
        return EXIT_FAILED
    print(path)
    return EXIT_OK


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``frontiersim report`` on the frontiersim parser."""
    report = commands.add_parser(
        "report",
        help="write a stored run as one self-contained HTML file (opens offline)",
        description=(
            "Write a stored run (from 'frontiersim runs list') as one HTML file with its charts and tables "
            "embedded: no scripts, fonts or links outside the file, so it opens offline and can be sent as is."
        ),
    )
    report.add_argument("run_id", metavar="ID", help="run id, or a unique prefix of one")
    report.add_argument(
        "-o", "--out", metavar="FILE", help="output file (default: report-<id>.html in the current folder)"
    )
    report.add_argument(
        "--store",
        metavar="PATH",
        help="run store file (default: $FRONTIERSIM_STORE, else runs.duckdb in the user's data folder)",
    )
    report.set_defaults(handler=_cmd_report)
