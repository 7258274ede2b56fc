"""The parsers of ``frontiersim optimize`` and ``frontiersim frontier``.

They are declared apart from the search (:mod:`frontiersim.cli.optimize_command`),
which is imported only when one of the two commands runs.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from frontiersim.cli.arguments import bounded, grid_size, non_negative_int, number, positive_int, shares, usd
from frontiersim.cli.common import deferred
from frontiersim.cli.recording import add_recording_arguments
from frontiersim.optimize.families import FAMILY_NAMES
from frontiersim.optimize.objectives import OBJECTIVE_NAMES, Objective

#: Draws per candidate policy in ``optimize`` and ``frontier`` (common to all candidates).
DEFAULT_SEARCH_DRAWS = 20_000
#: Grid size of the search.
DEFAULT_CANDIDATES = 21


def _add_search_arguments(parser: argparse.ArgumentParser, *, max_ruin: float | None, suffix: str) -> None:
    """Arguments shared by ``optimize`` and ``frontier``."""
    defaults = Objective()
    parser.add_argument("scenario", nargs="?", help="scenario file, or a bundled name (default: the bundled default)")
    parser.add_argument(
        "--lab",
        metavar="NAME",
        help="the lab whose policy is searched (default: the scenario's first); the others keep the scenario's",
    )
    limit = "ruin limit" if max_ruin is None else f"ruin limit (default {max_ruin:g})"
    parser.add_argument(
        "--max-ruin",
        type=bounded(0.0, 1.0, high_open=True),
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
    parser.add_argument("--low", type=number, help="lower search bound of the family's parameter")
    parser.add_argument("--high", type=number, help="upper search bound of the family's parameter")
    parser.add_argument(
        "--draws",
        type=positive_int,
        default=DEFAULT_SEARCH_DRAWS,
        help="draws per candidate, common to all (default: %(default)s)",
    )
    parser.add_argument(
        "--candidates", type=grid_size, default=DEFAULT_CANDIDATES, help="grid size (default: %(default)s)"
    )
    parser.add_argument("--seed", type=non_negative_int, help="root seed (default: the scenario's)")
    parser.add_argument(
        "--discount-rate",
        type=bounded(-1.0, math.inf, low_open=True, high_open=True),
        default=defaults.discount_rate_per_year,
        help="yearly discount rate of discounted_profit (default: %(default)s)",
    )
    parser.add_argument(
        "--research-value-share",
        type=bounded(0.0, 1.0),
        default=defaults.research_value_share,
        help="value of a training dollar as research, in discounted_profit (default: %(default)s)",
    )
    parser.add_argument(
        "--valuation-multiple",
        type=bounded(0.0, math.inf, high_open=True),
        default=defaults.valuation_revenue_multiple,
        help="revenue multiple of terminal_equity (default: %(default)s)",
    )
    parser.add_argument(
        "--cvar-alpha",
        type=bounded(0.0, 1.0, low_open=True),
        default=0.05,
        help="tail share of the CVaR figures (default: %(default)s)",
    )
    parser.add_argument(
        "--min-cvar",
        type=usd,
        help="also require CVaR (mean objective over the worst --cvar-alpha of draws) >= this many USD: -25B, -2.5e10",
    )
    parser.add_argument("--out", help=f"output folder (default: frontiersim-results/<scenario name>-{suffix})")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument(
        "--no-save", action="store_true", help="print only; write no output files (the run store is separate)"
    )


def add_parsers(commands: argparse._SubParsersAction[Any]) -> None:
    """Register ``optimize`` and ``frontier`` on the frontiersim parser."""
    optimize = commands.add_parser(
        "optimize",
        help="find the policy that maximises an objective subject to a ruin limit, and check it on fresh draws",
        description="Search a one-parameter policy family of one lab (--lab) on common draws, refine the best "
        "feasible candidate, re-evaluate it and the naive policies on fresh draws, and write frontier.png, "
        "frontier.csv, comparison.csv, schedule.csv and optimize.json. The other labs keep the scenario's "
        "policies. Exit 1 if no policy meets the ruin limit (nothing written) or the fresh draws do not "
        "confirm it (results written).",
    )
    _add_search_arguments(optimize, max_ruin=0.05, suffix="optimize")
    optimize.add_argument(
        "--validation-draws", type=positive_int, help="fresh draws to re-check the choice (default: 4 x --draws)"
    )
    optimize.add_argument(
        "--training-shares",
        type=shares,
        metavar="S1,S2,...",
        help="also search the lab's training share: plan and keep each share in turn (allocation and policy), "
        "search the family at each, and recommend the best confirmed pair (e.g. 0.3,0.4,0.5,0.6)",
    )
    add_recording_arguments(optimize)
    optimize.set_defaults(handler=deferred("frontiersim.cli.optimize_command", "_cmd_optimize"))

    frontier = commands.add_parser(
        "frontier",
        help="trace P(ruin) against the objective over a policy family, beside the naive policies",
        description="Evaluate a grid of a policy family of one lab (--lab) and the naive policies on common "
        "draws; print the table and write frontier.png, frontier.csv and frontier.json. Never fails for want "
        "of a feasible policy.",
    )
    _add_search_arguments(frontier, max_ruin=None, suffix="frontier")
    add_recording_arguments(frontier)
    frontier.set_defaults(handler=deferred("frontiersim.cli.optimize_command", "_cmd_frontier"))
