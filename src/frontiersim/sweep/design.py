"""The points of a sweep: a grid of given values, or a Latin hypercube over ranges.

A **grid** is the cartesian product of the values given for each key
(``--set a=1,2 --set b=x,y`` gives the four points (1, x), (1, y), (2, x),
(2, y), the last key varying fastest). A **Latin hypercube** of ``n`` points
over ranges ``[low_k, high_k]`` splits each range into ``n`` equal strata
and puts exactly one point in each stratum of each key, the strata paired at
random across keys (McKay, Beckman and Conover, "A Comparison of Three
Methods for Selecting Values of Input Variables in the Analysis of Output
from a Computer Code", Technometrics 21(2), 1979): point ``i`` of key ``k``
is ``low_k + u_ik (high_k - low_k)``, with ``u`` the unit-cube sample of
:class:`scipy.stats.qmc.LatinHypercube` seeded with the sweep's seed, so the
same seed gives the same points. A key that takes whole numbers is rounded
to the nearest one (which can put two points on one value when the range
holds fewer whole numbers than points).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class SweepPoint:
    """One point of a sweep: the value of each swept key.

    Attributes
    ----------
    index : int
        Position in the sweep, from 0.
    values : tuple of (str, Any)
        Key path and value, in the order the keys were given.
    """

    index: int
    values: tuple[tuple[str, Any], ...]

    @property
    def overrides(self) -> dict[str, Any]:
        """The values by key path."""
        return dict(self.values)


def grid(values_by_key: Mapping[str, Sequence[Any]]) -> list[SweepPoint]:
    """Every combination of the values given for each key (the last key varies fastest).

    Examples
    --------
    >>> [point.values for point in grid({"a": [1, 2], "b": ["x", "y"]})]  # doctest: +NORMALIZE_WHITESPACE
    [(('a', 1), ('b', 'x')), (('a', 1), ('b', 'y')), (('a', 2), ('b', 'x')), (('a', 2), ('b', 'y'))]
    """
    keys = list(values_by_key)
    if not keys:
        return []
    combinations = itertools.product(*(values_by_key[key] for key in keys))
    return [
        SweepPoint(index, tuple(zip(keys, combination, strict=True))) for index, combination in enumerate(combinations)
    ]


def unit_hypercube(keys: int, points: int, seed: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A Latin hypercube sample of ``points`` points in ``[0, 1)^keys`` (one per stratum of each key).

    Examples
    --------
    >>> sample = unit_hypercube(2, 4, seed=7)
    >>> sorted((sample[:, 0] * 4).astype(int).tolist()), sorted((sample[:, 1] * 4).astype(int).tolist())
    ([0, 1, 2, 3], [0, 1, 2, 3])
    """
    from scipy.stats import qmc  # noqa: PLC0415 (scipy only for a Latin hypercube)

    sampler = qmc.LatinHypercube(d=keys, rng=np.random.default_rng(seed))
    return np.asarray(sampler.random(points), dtype=np.float64)


def latin_hypercube(
    ranges: Mapping[str, tuple[float, float]],
    points: int,
    seed: int,
    whole_number_keys: Sequence[str] = (),
) -> list[SweepPoint]:
    """``points`` points of a Latin hypercube over ``[low, high]`` of each key (see the module notes).

    Parameters
    ----------
    ranges : mapping of str to (float, float)
        Key path -> (low, high), low <= high.
    points : int
        Number of points, >= 1.
    seed : int
        Seed of the sample (the sweep's seed).
    whole_number_keys : sequence of str
        Keys whose values are rounded to whole numbers (integers).

    Returns
    -------
    list of SweepPoint

    Raises
    ------
    ValueError
        If a range has low > high or ``points`` < 1.

    Examples
    --------
    >>> design = latin_hypercube({"policy.hedge_factor": (0.0, 1.0)}, 5, seed=1)
    >>> sorted(int(5 * point.overrides["policy.hedge_factor"]) for point in design)
    [0, 1, 2, 3, 4]
    """
    if points < 1:
        raise ValueError(f"a Latin hypercube needs at least 1 point, got {points}")
    for key, (low, high) in ranges.items():
        if not low <= high:
            raise ValueError(f"{key}: the range {low:g}:{high:g} has low > high")
    keys = list(ranges)
    if not keys:
        return []
    unit = unit_hypercube(len(keys), points, seed)
    design: list[SweepPoint] = []
    for index in range(points):
        values: list[tuple[str, Any]] = []
        for column, key in enumerate(keys):
            low, high = ranges[key]
            value = low + float(unit[index, column]) * (high - low)
            values.append((key, round(value) if key in whole_number_keys else value))
        design.append(SweepPoint(index, tuple(values)))
    return design


def parse_range(text: str) -> tuple[float, float] | None:
    """``"LOW:HIGH"`` as two numbers, or None when ``text`` is not such a range.

    Examples
    --------
    >>> parse_range("0.2:0.8"), parse_range("1e9:2e9"), parse_range("0.5")
    ((0.2, 0.8), (1000000000.0, 2000000000.0), None)
    """
    low, colon, high = text.partition(":")
    if not colon:
        return None
    try:
        return float(low), float(high)
    except ValueError:
        return None


__all__ = ["SweepPoint", "grid", "latin_hypercube", "parse_range", "unit_hypercube"]
