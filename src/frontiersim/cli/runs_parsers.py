"""The parsers of ``frontiersim runs`` and its sub-commands.

They are declared apart from the commands (:mod:`frontiersim.cli.runs_command`),
which are imported, with the run store's database engine, only when one runs.
"""

from __future__ import annotations

import argparse
from typing import Any

from frontiersim.cli.arguments import positive_int
from frontiersim.cli.common import deferred
from frontiersim.cli.recording import add_store_argument

#: Runs listed by default.
DEFAULT_LIST_LIMIT = 20


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``frontiersim runs`` and its sub-commands on the frontiersim parser."""
    runs = commands.add_parser(
        "runs",
        help="list, show, compare, export, remove and compact stored runs",
        description="Read back the run store, where run, optimize, frontier and backtest record every run unless given "
        "--no-store. An id may be shortened to any unique prefix.",
    )
    actions = runs.add_subparsers(dest="runs_command", required=True, parser_class=type(runs))

    listing = actions.add_parser("list", help="the newest runs, one line each")
    listing.add_argument(
        "--limit", type=positive_int, default=DEFAULT_LIST_LIMIT, help="how many runs to list (default: %(default)s)"
    )
    listing.add_argument("--all", action="store_true", help="list every run")
    add_store_argument(listing)
    listing.set_defaults(handler=deferred("frontiersim.cli.runs_command", "_cmd_list"))

    show = actions.add_parser("show", help="one run's metadata, message, headline figures and summary")
    show.add_argument("run_id", metavar="ID", help="run id, or a unique prefix of one")
    add_store_argument(show)
    show.set_defaults(handler=deferred("frontiersim.cli.runs_command", "_cmd_show"))

    compare = actions.add_parser(
        "compare",
        help="the scenario diff of two runs beside the change in key outcomes, with each run's message",
    )
    compare.add_argument("first", metavar="ID", help="the earlier run (A)")
    compare.add_argument("second", metavar="ID", help="the later run (B)")
    add_store_argument(compare)
    compare.set_defaults(handler=deferred("frontiersim.cli.runs_command", "_cmd_compare"))

    export = actions.add_parser(
        "export",
        help="write a run's tables (and per-draw results) as CSV or Parquet files",
        description="Without --table, write every table, per-draw table, artifact, the scenario and run.json "
        "into a folder (-o, default run-<id>). With --table, write that one table to a file (-o, default "
        "<id>-<table>.<format>).",
    )
    export.add_argument("run_id", metavar="ID", help="run id, or a unique prefix of one")
    export.add_argument("--format", choices=("csv", "parquet"), required=True, help="file format")
    export.add_argument("-o", "--out", metavar="PATH", help="output file (with --table) or folder")
    export.add_argument(
        "--table",
        metavar="NAME",
        help="one table: yearly, cohorts or draws (per-draw results), or a summary table such as summary, fan",
    )
    add_store_argument(export)
    export.set_defaults(handler=deferred("frontiersim.cli.runs_command", "_cmd_export"))

    remove = actions.add_parser("rm", help="delete a run from the store")
    remove.add_argument("run_id", metavar="ID", help="run id, or a unique prefix of one")
    remove.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    add_store_argument(remove)
    remove.set_defaults(handler=deferred("frontiersim.cli.runs_command", "_cmd_rm"))

    compact = actions.add_parser(
        "compact",
        help="rewrite the store into a fresh file, returning the space of removed runs to the disk",
        description="Copy the store into a fresh file under its lock, check the copy and rename it into place. "
        "Other frontiersim processes may keep using the store meanwhile; every run is kept.",
    )
    add_store_argument(compact)
    compact.set_defaults(handler=deferred("frontiersim.cli.runs_command", "_cmd_compact"))
