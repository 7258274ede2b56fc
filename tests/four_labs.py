"""A four-lab scenario shared by the tests of the outer layers (tables, store, report)."""

from __future__ import annotations

import frontiersim as fs

#: The labs, in order.
LABS = ("a", "b", "c", "d")

#: What the default scenario gains: four labs, one with a market share of its own, one with its own
#: compute price distribution (sampled in its own stream) and one with its own hedge factor.
LAB_TABLES = """
[labs.a]
market_share = 0.4

[labs.b]
[labs.b.compute]
cost_usd_per_gw_year = "8e9 to 12e9"

[labs.c]

[labs.d]
[labs.d.policy]
hedge_factor = 0.5
"""


def four_lab_scenario() -> fs.Scenario:
    """The default scenario with four labs."""
    return fs.parse_scenario_text(fs.bundled("default").source_text + LAB_TABLES)


def four_lab_result(draws: int = 300, seed: int = 11, *, keep_monthly: bool | None = None) -> fs.SimulationResult:
    """A simulation of :func:`four_lab_scenario`."""
    return fs.simulate(four_lab_scenario(), draws=draws, seed=seed, keep_monthly=keep_monthly)
