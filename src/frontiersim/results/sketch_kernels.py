"""The compiled kernel that fills float sketches (:mod:`frontiersim.results.sketch`).

One pass over a chunk's draws per column (four columns side by side): the
NaN count, the sum (one addition per draw, in the order of the draws), the
least and greatest value and the bin count, as :meth:`FloatSketch.add_numpy` computes them with whole-array
operations (the reference, ``tests/test_sketch.py``). The bin of a value is
found as :func:`frontiersim.results.sketch.bin_index` finds it, from the
bits of its magnitude (``bits``, the same memory read as integers).
Compiled with numba [1]_, cached on disk, releasing the GIL so that columns
are filled on several threads at once.

References
----------
.. [1] S. K. Lam, A. Pitrou and S. Seibert, "Numba: a LLVM-based Python JIT
   compiler", Proceedings of the Second Workshop on the LLVM Compiler
   Infrastructure in HPC (2015), https://doi.org/10.1145/2833157.2833162
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from frontiersim.results.sketch import FIRST_KEY, KEY_SHIFT, SIGNED_BINS

_MAGNITUDE_BITS = (1 << 63) - 1
#: An array index: numba adds no negative-index wraparound to an unsigned one.
Index = int | np.uint64


@numba.njit(inline="always", nogil=True, error_model="numpy")
def _add_value(
    values: Any, bits: Any, draw: Index, column: Index, counts: Any, total: float, low: float, high: float, missing: int
) -> tuple[float, float, float, int]:  # pragma: no cover - compiled
    """One draw's value of one column: its bin counted; the running sum, extremes and NaN count returned."""
    value = float(values[draw, column])
    if math.isnan(value):
        return total, low, high, missing + 1
    extreme = value + 0.0  # +0.0 for either zero, as the numpy path keeps it
    # The key from the magnitude's bits, clamped: magnitudes below SMALLEST_MAGNITUDE (zeros and subnormals
    # included) have keys below 0, which become -1; from LARGEST_MAGNITUDE on (inf included) keys of at least
    # SIGNED_BINS, which become SIGNED_BINS. Clamped and chosen by sign without branches: a column where zeros
    # and other values alternate mispredicted them (5.7 ns a value, against 1.0).
    key = ((bits[draw, column] & _MAGNITUDE_BITS) >> KEY_SHIFT) - FIRST_KEY
    key = min(max(key, -1), SIGNED_BINS)
    index = SIGNED_BINS + 2 + key
    if value < 0:
        index = SIGNED_BINS - key
    counts[column, index] += 1
    return total + value, min(low, extreme), max(high, extreme), missing


@numba.njit(cache=True, nogil=True, error_model="numpy")
def fill(
    values: Any, bits: Any, first: int, stop: int, counts: Any, sums: Any, nans: Any, minima: Any, maxima: Any
) -> None:  # pragma: no cover - compiled; tested against FloatSketch.add_numpy
    """Add the rows of ``values`` (``(draws, columns)``, ``bits`` its int64 view), columns ``first:stop``.

    Columns are taken four at a time, draw by draw: each column's sum is
    still made in the order of the draws, and the four columns' chains of
    additions, comparisons and counts overlap in the processor (a single
    column's wait on one another).
    """
    draws = values.shape[0]
    column = first
    while column + 4 <= stop:
        c0, c1, c2, c3 = np.uint64(column), np.uint64(column + 1), np.uint64(column + 2), np.uint64(column + 3)
        t0, t1, t2, t3 = sums[c0], sums[c1], sums[c2], sums[c3]
        l0, l1, l2, l3 = minima[c0], minima[c1], minima[c2], minima[c3]
        h0, h1, h2, h3 = maxima[c0], maxima[c1], maxima[c2], maxima[c3]
        m0 = m1 = m2 = m3 = 0
        for draw_index in range(draws):
            draw = np.uint64(draw_index)  # unsigned: numba adds no negative-index wraparound
            t0, l0, h0, m0 = _add_value(values, bits, draw, c0, counts, t0, l0, h0, m0)
            t1, l1, h1, m1 = _add_value(values, bits, draw, c1, counts, t1, l1, h1, m1)
            t2, l2, h2, m2 = _add_value(values, bits, draw, c2, counts, t2, l2, h2, m2)
            t3, l3, h3, m3 = _add_value(values, bits, draw, c3, counts, t3, l3, h3, m3)
        sums[c0], sums[c1], sums[c2], sums[c3] = t0, t1, t2, t3
        minima[c0], minima[c1], minima[c2], minima[c3] = l0, l1, l2, l3
        maxima[c0], maxima[c1], maxima[c2], maxima[c3] = h0, h1, h2, h3
        nans[c0] += m0
        nans[c1] += m1
        nans[c2] += m2
        nans[c3] += m3
        column += 4
    while column < stop:
        total, low, high, missing = sums[column], minima[column], maxima[column], 0
        for draw_index in range(draws):
            draw = np.uint64(draw_index)
            total, low, high, missing = _add_value(values, bits, draw, column, counts, total, low, high, missing)
        sums[column] = total
        minima[column] = low
        maxima[column] = high
        nans[column] += missing
        column += 1
