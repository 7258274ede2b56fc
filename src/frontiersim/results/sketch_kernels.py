"""The compiled kernel that fills float sketches (:mod:`frontiersim.results.sketch`).

One pass over a chunk's draws per column: the NaN count, the sum (one
addition per draw, in the order of the draws), the least and greatest value
and the bin count, as :meth:`FloatSketch.add_numpy` computes them with whole-array
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

from frontiersim.results.sketch import FIRST_KEY, KEY_SHIFT, LARGEST_MAGNITUDE, SIGNED_BINS, SMALLEST_MAGNITUDE

_MAGNITUDE_BITS = (1 << 63) - 1


@numba.njit(cache=True, nogil=True, error_model="numpy")
def fill(
    values: Any, bits: Any, first: int, stop: int, counts: Any, sums: Any, nans: Any, minima: Any, maxima: Any
) -> None:
    """Add the rows of ``values`` (``(draws, columns)``, ``bits`` its int64 view), columns ``first:stop``."""
    draws = values.shape[0]
    for column in range(first, stop):
        total = sums[column]
        low = minima[column]
        high = maxima[column]
        missing = 0
        for draw in range(draws):
            value = float(values[draw, column])
            if math.isnan(value):
                missing += 1
                continue
            total += value
            extreme = value + 0.0  # +0.0 for either zero, as the numpy path keeps it
            low = min(low, extreme)
            high = max(high, extreme)
            magnitude = abs(value)
            if magnitude < SMALLEST_MAGNITUDE:
                key = -1
            elif magnitude >= LARGEST_MAGNITUDE:
                key = SIGNED_BINS
            else:
                key = ((bits[draw, column] & _MAGNITUDE_BITS) >> KEY_SHIFT) - FIRST_KEY
            index = SIGNED_BINS - key if value < 0 else SIGNED_BINS + 2 + key
            counts[column, index] += 1
        sums[column] = total
        minima[column] = low
        maxima[column] = high
        nans[column] += missing
