"""Testing utilities for frontiersim and code built on it (like :mod:`xarray.testing`).

Assertions (:mod:`frontiersim.testing.assertions`) check a simulation
result's accounting identities: cash balances month by month, compute costs
split into inference and training, revenue is served only with capacity, the
per-model P&L sums to the company's, yearly figures aggregate monthly ones,
ruin is absorbing, and nothing is NaN or infinite. :func:`assert_results_equal`
compares two runs value for value.

The reference loop (:mod:`frontiersim.testing.reference`) is the test oracle
of the engine: :func:`simulate_reference` simulates the same model one draw
at a time with plain Python floats, every lab of a scenario and their shared
market, and returns what :func:`~frontiersim.models.engine.run_chunk` returns
on the same draws, up to rounding.

Strategies (:mod:`frontiersim.testing.strategies`) generate random valid
scenarios for property-based tests with `hypothesis
<https://hypothesis.readthedocs.io>`_. They are imported on first use, so the
assertions work without hypothesis installed; ``import frontiersim`` never
imports this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from frontiersim.testing.assertions import (
    assert_accounting_identities,
    assert_all_finite,
    assert_cash_flow_balances,
    assert_cohorts_sum_to_company,
    assert_compute_cost_split,
    assert_gross_margin_applied,
    assert_results_equal,
    assert_ruin_absorbing,
    assert_served_within_capacity,
    assert_yearly_consistent,
)
from frontiersim.testing.reference import scalar_policy, simulate_reference

if TYPE_CHECKING:
    from frontiersim.testing.strategies import scenario_tables, scenarios, seeds

#: Names re-exported lazily from :mod:`frontiersim.testing.strategies` (they need hypothesis).
_STRATEGIES = ("scenario_tables", "scenarios", "seeds")


def __getattr__(name: str) -> Any:
    """Import the hypothesis strategies on first use."""
    if name in _STRATEGIES:
        return getattr(importlib.import_module("frontiersim.testing.strategies"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "assert_accounting_identities",
    "assert_all_finite",
    "assert_cash_flow_balances",
    "assert_cohorts_sum_to_company",
    "assert_compute_cost_split",
    "assert_gross_margin_applied",
    "assert_results_equal",
    "assert_ruin_absorbing",
    "assert_served_within_capacity",
    "assert_yearly_consistent",
    "scalar_policy",
    "scenario_tables",
    "scenarios",
    "seeds",
    "simulate_reference",
]
