"""The engine's finite check: a simulation that leaves the range of floating point stops with a clear error.

Validation keeps every key within its model range
(:attr:`~frontiersim.scenario.fields.FieldSpec.model_range`), so a single
extreme value cannot overflow. Several values near the ends of their ranges
together still can (a capability slope of 20 tiers a decade with a value of
1000x a tier), as can a draw from the far tail of a distribution. The
engine checks every output of every chunk: an infinite or undefined number
stops the run with a :class:`ModelRangeError` that names the outputs, the
month and the scenario's values farthest outside their typical ranges (the
likely cause), rather than writing it into the results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from frontiersim.scenario.extremes import atypical_values
from frontiersim.scenario.schema import Scenario


class ModelRangeError(ValueError):
    """A simulation whose arithmetic left the finite range: an overflow, or an infinite or undefined output."""


def non_finite_outputs(*groups: Mapping[str, NDArray[Any]]) -> list[str]:
    """Names of the floating-point arrays, in order, that hold an infinite or undefined value.

    Examples
    --------
    >>> non_finite_outputs({"a": np.array([1.0, np.inf]), "b": np.zeros(2), "c": np.array([-1, 3])})
    ['a']
    >>> non_finite_outputs({"huge": np.full(3, 1e308), "nan": np.array([np.nan]), "both": np.array([np.inf, -np.inf])})
    ['nan', 'both']
    """
    return [
        name
        for group in groups
        for name, values in group.items()
        if values.dtype.kind == "f" and not _all_finite(values)
    ]


def _all_finite(values: NDArray[Any]) -> bool:
    """Whether every value is finite: a sum of finite values is finite unless it overflows, checked value by value.

    One pass, no temporary array, for the usual all-finite case; an
    infinite or undefined value makes the sum so, and the slow check then
    decides.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(values)):
            return True
    return bool(np.isfinite(values).all())


def first_non_finite_month(by_month: Mapping[str, NDArray[Any]], names: Sequence[str]) -> int | None:
    """Index of the first month any of the ``(months, columns)`` arrays ``names`` is not finite (None: none is)."""
    months = [
        int(np.argmax(~np.isfinite(by_month[name]).all(axis=1)))
        for name in names
        if name in by_month and not np.isfinite(by_month[name]).all()
    ]
    return min(months) if months else None


def range_message(scenario: Scenario, what: str) -> str:
    """The message of a :class:`ModelRangeError`: what happened, and the values most likely to blame.

    Parameters
    ----------
    scenario : Scenario
    what : str
        What left the finite range, e.g. ``"output 'overhang' is not finite
        from month 37 (2029-02)"``.

    Returns
    -------
    str
    """
    suspects = atypical_values(scenario)
    if suspects:
        cause = "the values farthest outside their typical ranges, the likely cause: " + "; ".join(map(str, suspects))
        advice = "bring them nearer their typical ranges (`frontiersim defaults` lists each key's)"
    else:
        cause = "no value lies far outside its key's typical range, so several values together are to blame"
        advice = "bring the scenario's largest values nearer their typical ranges (`frontiersim defaults`)"
    return f"the simulation left the range of finite numbers: {what}; {cause}; {advice}"
