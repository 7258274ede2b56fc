"""The methods of a sensitivity analysis and their default sample sizes (light: the command line parser reads them)."""

from __future__ import annotations

from typing import Literal

Method = Literal["sobol", "morris", "rank"]

#: The methods, as named on the command line.
METHODS: tuple[Method, ...] = ("sobol", "morris", "rank")

#: Default size of each method's sample: base rows (Sobol, a power of two), trajectories (Morris), draws (rank).
DEFAULT_SAMPLES: dict[str, int] = {"sobol": 1024, "morris": 100, "rank": 10_000}

#: Level of the confidence intervals.
DEFAULT_CONFIDENCE = 0.95
