r"""Distributions over draws kept as fixed-bin sketches, filled chunk by chunk.

A run of a million draws keeps, with every per-draw output, about 3 GB of
numbers; most uses of them are means, quantiles and shares over the draws.
A sketch keeps, for each column of an output (each lab, year, model or
milestone), what those need, in a size that does not grow with the draws:

- the count of each bin of a fixed grid of bins (:data:`BINS` of them),
  integers, so the same draws give the same counts whatever the chunks;
- the sum of the values, added one draw after another in the order of the
  draws, carried from chunk to chunk (so it too is the same whatever the
  chunk size or worker count, as long as chunks are added in order);
- the least and greatest value, and the count of NaN.

Integer outputs (months) are counted exactly instead, one bin per value.

The grid
--------
Every float of magnitude in :math:`[2^{-32}, 2^{128})` falls in a bin that
keeps its binary exponent and the first :data:`MANTISSA_BITS` bits of its
mantissa, like the bins of an HDR histogram [1]_: :math:`|x| = m 2^e`,
:math:`m \in [1, 2)`, bin :math:`(e, \lfloor 2^8 (m - 1) \rfloor)`, of
width :math:`2^{e-8}`. So every bin's width is at most :math:`2^{-8}`
(0.39%) of the magnitude of the values in it. Magnitudes below
:math:`2^{-32}` (2.3e-10) share a bin read as 0, and magnitudes from
:math:`2^{128}` (3.4e38, beyond any figure of the model: money in USD,
compute in GW, training compute in FLOP) one bin per sign, where the bound
below does not hold.

Quantiles
---------
The :math:`j`-th smallest value (0-based) is estimated inside the bin that
holds it, as if the :math:`c` values of the bin were spread evenly:
:math:`\ell + (r + 1/2)(u - \ell)/c` for the :math:`r`-th of the bin, clipped
to the least and greatest value. Quantiles then follow numpy's default
("linear", Hyndman and Fan's definition 7 [2]_): with :math:`h = (n - 1) q`,
:math:`\hat x_{\lfloor h \rfloor} + (h - \lfloor h \rfloor)(\hat
x_{\lfloor h \rfloor + 1} - \hat x_{\lfloor h \rfloor})`. An estimate lies
in the bin of the value it estimates, so it is within one bin width of the
exact quantile: :math:`|\hat Q - Q| \le 2^{-8} \max(|Q_-|, |Q_+|) + 2^{-32}`,
where :math:`Q_\pm` are the two order statistics the quantile lies between
(``tests/test_sketch.py`` checks it against ``numpy.quantile``).

References
----------
.. [1] G. Tene, "HdrHistogram: a high dynamic range histogram",
   http://hdrhistogram.org/ (the binning by exponent and leading mantissa
   bits).
.. [2] R. J. Hyndman and Y. Fan, "Sample quantiles in statistical
   packages", The American Statistician 50(4), 361-365 (1996),
   https://doi.org/10.2307/2684934

Notes
-----
Written by hand: the libraries that sketch distributions (t-digest, DDSketch,
KLL) give answers that depend on the order in which values arrive, or merge
only approximately, and a run's figures must be the same whatever its chunk
size and worker count. Fixed bins with integer counts are exact under any
merge. The filling is a compiled kernel (:mod:`frontiersim.results.sketch_kernels`)
with this module's numpy code as its reference.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from frontiersim import environment

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Leading mantissa bits a bin keeps: bins are at most 2**-8 (0.39%) of their values wide.
MANTISSA_BITS = 8
#: Binary exponent of the smallest magnitude with bins of its own (2**-32, about 2.3e-10); below, one bin read as 0.
SMALLEST_EXPONENT = -32
#: Binary exponent past the largest magnitude with bins of its own (2**128, about 3.4e38: training FLOP included).
LARGEST_EXPONENT = 128
_PER_BINADE = 1 << MANTISSA_BITS
#: Bins of one sign: exponents times mantissa bins.
SIGNED_BINS = (LARGEST_EXPONENT - SMALLEST_EXPONENT) * _PER_BINADE
#: Index of the bin of magnitudes below 2**-32.
ZERO_BIN = SIGNED_BINS + 1
#: All bins: values <= -2**128, negative bins, the zero bin, positive bins, values >= 2**128.
BINS = 2 * SIGNED_BINS + 3
#: A float's bits shifted right by this keep its exponent and leading mantissa bits.
KEY_SHIFT = 52 - MANTISSA_BITS
#: The shifted bits of the smallest magnitude with a bin of its own (the key of the first bin).
FIRST_KEY = (SMALLEST_EXPONENT + 1023) << MANTISSA_BITS
#: Smallest magnitude with a bin of its own.
SMALLEST_MAGNITUDE = 2.0**SMALLEST_EXPONENT
#: Magnitude from which values share one bin per sign.
LARGEST_MAGNITUDE = 2.0**LARGEST_EXPONENT
#: Type of a float sketch's bin counts: 4 bytes a bin, so at most :data:`MAX_DRAWS` draws in a sketch.
COUNT_DTYPE = np.int32
#: Most draws a float sketch holds.
MAX_DRAWS = int(np.iinfo(COUNT_DTYPE).max)
#: Bytes of one column of a float sketch: its bins, sum, NaN count, least and greatest value.
FLOAT_COLUMN_BYTES = BINS * np.dtype(COUNT_DTYPE).itemsize + 4 * 8
#: Environment variable choosing how sketches are filled: ``numba`` (compiled, the default) or ``numpy``.
SKETCH_ENGINE_VARIABLE = "FRONTIERSIM_SKETCH_ENGINE"


def bin_index(values: FloatArray) -> IntArray:
    """Bin of each (non-NaN) value, in increasing order of value.

    Examples
    --------
    >>> bin_index(np.array([-np.inf, -1.0, 0.0, 1e-11, 1.0, 1.5, np.inf])).tolist()
    [0, 32768, 40961, 40961, 49154, 49282, 81922]
    """
    magnitude = np.abs(np.asarray(values, dtype=np.float64))
    # A float's bits are its biased exponent, then its mantissa: shifted, they keep the exponent and leading bits.
    key = (magnitude.view(np.int64) >> KEY_SHIFT) - FIRST_KEY
    key[magnitude < SMALLEST_MAGNITUDE] = -1
    key[magnitude >= LARGEST_MAGNITUDE] = SIGNED_BINS
    return np.where(values < 0, SIGNED_BINS - key, SIGNED_BINS + 2 + key)


def bin_edges() -> tuple[FloatArray, FloatArray]:
    """Lower and upper edge of every bin (the zero bin reads ``[-2**-32, 2**-32]``; the outer bins end at inf)."""
    key = np.arange(SIGNED_BINS)
    binade, step = np.divmod(key, _PER_BINADE)
    lower = np.ldexp(1.0 + step / _PER_BINADE, binade + SMALLEST_EXPONENT)
    upper = np.ldexp(1.0 + (step + 1) / _PER_BINADE, binade + SMALLEST_EXPONENT)
    low = np.concatenate([[-np.inf], -upper[::-1], [-SMALLEST_MAGNITUDE], lower, [LARGEST_MAGNITUDE]])
    high = np.concatenate([[-LARGEST_MAGNITUDE], -lower[::-1], [SMALLEST_MAGNITUDE], upper, [np.inf]])
    return low, high


_EDGES: list[tuple[FloatArray, FloatArray]] = []


def _edges() -> tuple[FloatArray, FloatArray]:
    if not _EDGES:
        _EDGES.append(bin_edges())
    return _EDGES[0]


def _as_columns(values: NDArray[Any]) -> FloatArray:
    """``(draws, ...)`` floats as ``(draws, columns)``: a view where the layout allows, else a copy."""
    columns = int(np.prod(values.shape[1:], dtype=np.int64))
    return np.asarray(values, dtype=np.float64).reshape(values.shape[0], columns)


def _lerp(low: FloatArray, high: FloatArray, weight: FloatArray) -> FloatArray:
    """Between ``low`` and ``high`` by ``weight``, as :func:`numpy.quantile` interpolates; ``low`` itself at weight 0.

    Numpy's own formula (from the nearer end), so that exact order
    statistics give numpy's quantile to the last bit; a weight of 0 gives
    ``low`` even next to an infinite ``high``.
    """
    with np.errstate(invalid="ignore"):
        difference = high - low
        between = np.where(weight >= 0.5, high - difference * (1 - weight), low + difference * weight)
    return np.where(weight == 0, low, between)


@dataclass
class FloatSketch:
    """Binned counts, sums, extremes and NaN counts of ``columns`` float outputs over draws.

    Parameters
    ----------
    columns : int
        Values per draw (labs times years, for example).
    """

    columns: int
    counts: IntArray = field(init=False)
    sums: FloatArray = field(init=False)
    nan_counts: IntArray = field(init=False)
    minima: FloatArray = field(init=False)
    maxima: FloatArray = field(init=False)
    draws: int = 0

    def __post_init__(self) -> None:
        self.counts = np.zeros((self.columns, BINS), dtype=COUNT_DTYPE)
        self.sums = np.zeros(self.columns)
        self.nan_counts = np.zeros(self.columns, dtype=np.int64)
        self.minima = np.full(self.columns, np.inf)
        self.maxima = np.full(self.columns, -np.inf)

    @property
    def nbytes(self) -> int:
        """Bytes the sketch holds."""
        return sum(a.nbytes for a in (self.counts, self.sums, self.nan_counts, self.minima, self.maxima))

    def add_numpy(self, values: NDArray[Any], first: int = 0, stop: int | None = None) -> None:
        """Add the draws ``values`` (``(draws, columns)``), columns ``first:stop``, with numpy (the reference).

        The draw count is not advanced (see :meth:`finish_chunk`).
        """
        stop = self.columns if stop is None else stop
        block = np.asarray(values[:, first:stop], dtype=np.float64)
        missing = np.isnan(block)
        self.nan_counts[first:stop] += missing.sum(axis=0)
        # One addition per draw, in the order of the draws, after the sum so far: cumsum's order.
        filled = np.where(missing, 0.0, block)
        running = np.cumsum(np.vstack([self.sums[first:stop], filled]), axis=0)
        self.sums[first:stop] = running[-1]
        # x + 0.0 is +0.0 for either zero: the extremes do not depend on which zero an engine keeps
        low = np.where(missing, np.inf, block + 0.0).min(axis=0, initial=np.inf)
        high = np.where(missing, -np.inf, block + 0.0).max(axis=0, initial=-np.inf)
        np.minimum(self.minima[first:stop], low, out=self.minima[first:stop])
        np.maximum(self.maxima[first:stop], high, out=self.maxima[first:stop])
        for offset in range(stop - first):
            column = block[:, offset]
            column = column[~missing[:, offset]]
            self.counts[first + offset] += np.bincount(bin_index(column), minlength=BINS)

    def finish_chunk(self, draws: int) -> None:
        """Count ``draws`` more draws, once every column of a chunk is added."""
        self.draws += draws
        if self.draws > MAX_DRAWS:
            raise OverflowError(f"a sketch holds at most {MAX_DRAWS:,} draws, got {self.draws:,}")

    def state(self) -> dict[str, NDArray[Any]]:
        """What the sketch holds, to be saved (see :meth:`from_state`).

        Its non-zero bins as ``column``, ``bin`` and ``count`` triples, and
        each column's ``sum``, ``nan_count``, ``min`` and ``max``.
        """
        column, bins = np.nonzero(self.counts)
        return {
            "column": column.astype(np.int32),
            "bin": bins.astype(np.int32),
            "count": self.counts[column, bins],
            "sum": self.sums,
            "nan_count": self.nan_counts,
            "min": self.minima,
            "max": self.maxima,
        }

    @classmethod
    def from_state(cls, columns: int, draws: int, state: Mapping[str, NDArray[Any]]) -> FloatSketch:
        """The sketch of ``draws`` draws whose :meth:`state` was saved.

        Raises
        ------
        ValueError
            If the state is not one a sketch of ``columns`` columns and
            ``draws`` draws can hold: a field missing or of the wrong length, a
            bin or column out of range, a negative count, or counts and NaN
            counts that do not add up to the draws in every column.
        """
        missing = sorted({"column", "bin", "count", "sum", "nan_count", "min", "max"} - set(state))
        if missing:
            raise ValueError(f"a saved sketch lacks {', '.join(missing)}")
        for name in ("sum", "nan_count", "min", "max"):
            if np.shape(state[name]) != (columns,):
                raise ValueError(
                    f"a saved sketch has {name} of shape {np.shape(state[name])}: expected {columns} columns"
                )
        column = np.asarray(state["column"], dtype=np.int64)
        bins = np.asarray(state["bin"], dtype=np.int64)
        counts = np.asarray(state["count"], dtype=np.int64)
        if not column.shape == bins.shape == counts.shape or column.ndim != 1:
            raise ValueError("a saved sketch's columns, bins and counts differ in length")
        if column.size and (column.min() < 0 or column.max() >= columns or bins.min() < 0 or bins.max() >= BINS):
            raise ValueError(f"a saved sketch has a bin outside its {columns} columns of {BINS} bins")
        if np.any(counts < 0):
            raise ValueError("a saved sketch has a negative count")
        sketch = cls(columns)
        np.add.at(sketch.counts, (column, bins), counts.astype(COUNT_DTYPE))
        sketch.sums = np.array(state["sum"], dtype=np.float64)
        sketch.nan_counts = np.array(state["nan_count"], dtype=np.int64)
        sketch.minima = np.array(state["min"], dtype=np.float64)
        sketch.maxima = np.array(state["max"], dtype=np.float64)
        sketch.draws = draws
        held = sketch.counts.sum(axis=1, dtype=np.int64) + sketch.nan_counts
        if np.any(held != draws):
            raise ValueError(f"a saved sketch counts {int(held.min()):,} to {int(held.max()):,} draws, not {draws:,}")
        return sketch

    def valid_counts(self) -> IntArray:
        """Non-NaN values of each column."""
        return self.draws - self.nan_counts

    def means(self) -> FloatArray:
        """Mean of each column over its non-NaN values (NaN where there are none)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.valid_counts() > 0, self.sums / self.valid_counts(), np.nan)

    def order_statistics(self, column: int, ranks: IntArray) -> FloatArray:
        """Estimates of the ``ranks``-th smallest non-NaN values of one column (see the module notes).

        The smallest and the largest are exact (the least and greatest value).
        """
        counts = self.counts[column]
        cumulative = np.cumsum(counts, dtype=np.int64)
        where = np.searchsorted(cumulative, ranks, side="right")
        before = cumulative[where] - counts[where]
        low, high = _edges()
        least, greatest = self.minima[column], self.maxima[column]
        lower = np.clip(low[where], least, greatest)
        upper = np.clip(high[where], least, greatest)
        spread = lower + (ranks - before + 0.5) / counts[where] * (upper - lower)
        estimate = np.clip(np.where(where == ZERO_BIN, 0.0, spread), least, greatest)
        estimate[ranks == 0] = least
        estimate[ranks == cumulative[-1] - 1] = greatest
        return estimate

    def quantiles(self, levels: Sequence[float]) -> FloatArray:
        """Quantiles of each column over its non-NaN values: ``(len(levels), columns)``, NaN without values.

        Numpy's default (linear) definition, estimated as the module notes say.
        """
        levels_array = np.asarray(levels, dtype=float)
        result = np.full((levels_array.size, self.columns), np.nan)
        valid = self.valid_counts()
        for column in range(self.columns):
            n = int(valid[column])
            if n == 0:
                continue
            position = (n - 1) * levels_array
            below = np.floor(position).astype(np.int64)
            above = np.minimum(below + 1, n - 1)
            values = self.order_statistics(column, np.concatenate([below, above]))
            result[:, column] = _lerp(values[: below.size], values[below.size :], position - below)
        return result

    def share_at_least(self, threshold: float) -> FloatArray:
        """Share of all draws (NaN counted in the total) whose value is at least ``threshold``, per column.

        Exact only when ``threshold`` is a bin edge (0, powers of two, small integers); else to within a bin.
        Positive bins hold ``[low, high)``, negative ones ``(low, high]`` and the zero bin reads as 0, so
        the first bin counted is the first that reaches ``threshold``.
        """
        _, high = _edges()
        first = int(np.searchsorted(high, threshold, side="left" if threshold < 0 else "right"))
        shares: FloatArray = self.counts[:, first:].sum(axis=1) / max(self.draws, 1)
        return shares


@dataclass
class IntegerSketch:
    """Exact counts of each value of ``columns`` integer outputs (months, -1 for "never"), and their sums.

    Parameters
    ----------
    columns : int
    lowest : int
        The least value an output takes (values below it are an error).
    """

    columns: int
    lowest: int = -1
    counts: IntArray = field(init=False)
    sums: IntArray = field(init=False)
    draws: int = 0

    def __post_init__(self) -> None:
        self.counts = np.zeros((self.columns, 1), dtype=np.int64)
        self.sums = np.zeros(self.columns, dtype=np.int64)

    @property
    def nbytes(self) -> int:
        """Bytes the sketch holds."""
        return self.counts.nbytes + self.sums.nbytes

    def add(self, values: NDArray[Any]) -> None:
        """Add the draws ``values`` (``(draws, columns)`` integers) and count them."""
        block = np.asarray(values, dtype=np.int64)
        if block.size and int(block.min()) < self.lowest:
            raise ValueError(f"an integer output is {int(block.min())}, below its least value {self.lowest}")
        width = int(block.max()) - self.lowest + 1 if block.size else 1
        if width > self.counts.shape[1]:
            self.counts = np.pad(self.counts, ((0, 0), (0, width - self.counts.shape[1])))
        for column in range(self.columns):
            self.counts[column, :width] += np.bincount(block[:, column] - self.lowest, minlength=width)
        self.sums += block.sum(axis=0)
        self.draws += block.shape[0]

    def state(self) -> dict[str, NDArray[Any]]:
        """What the sketch holds, to be saved: its ``counts`` (one per column and value) and ``sum`` per column."""
        return {"counts": self.counts, "sum": self.sums}

    @classmethod
    def from_state(cls, columns: int, draws: int, state: Mapping[str, NDArray[Any]], lowest: int = -1) -> IntegerSketch:
        """The sketch of ``draws`` draws whose :meth:`state` was saved (a ValueError if it cannot be one)."""
        missing = sorted({"counts", "sum"} - set(state))
        if missing:
            raise ValueError(f"a saved integer sketch lacks {', '.join(missing)}")
        counts = np.array(state["counts"], dtype=np.int64)
        if counts.ndim != 2 or counts.shape[0] != columns or np.shape(state["sum"]) != (columns,):
            raise ValueError(f"a saved integer sketch has counts of shape {counts.shape}: expected {columns} columns")
        if np.any(counts < 0) or np.any(counts.sum(axis=1) != draws):
            raise ValueError(f"a saved integer sketch's counts do not add up to {draws:,} draws in every column")
        sketch = cls(columns, lowest)
        sketch.counts = counts
        sketch.sums = np.array(state["sum"], dtype=np.int64)
        sketch.draws = draws
        return sketch

    def values(self) -> IntArray:
        """The value of each count's position."""
        return np.arange(self.counts.shape[1], dtype=np.int64) + self.lowest

    def means(self) -> FloatArray:
        """Mean of each column."""
        return self.sums / max(self.draws, 1)

    def share_at_least(self, threshold: int) -> FloatArray:
        """Share of draws whose value is at least ``threshold``, per column (exact)."""
        first = max(threshold - self.lowest, 0)
        shares: FloatArray = self.counts[:, first:].sum(axis=1) / max(self.draws, 1)
        return shares

    def order_statistics(self, column: int, ranks: IntArray) -> IntArray:
        """The ``ranks``-th smallest values of one column (exact)."""
        cumulative = np.cumsum(self.counts[column])
        return np.searchsorted(cumulative, ranks, side="right").astype(np.int64) + self.lowest

    def quantiles(self, levels: Sequence[float]) -> FloatArray:
        """Quantiles of each column, numpy's default (linear) definition, exact: ``(len(levels), columns)``."""
        levels_array = np.asarray(levels, dtype=float)
        result = np.full((levels_array.size, self.columns), np.nan)
        n = self.draws
        if n == 0:
            return result
        position = (n - 1) * levels_array
        below = np.floor(position).astype(np.int64)
        above = np.minimum(below + 1, n - 1)
        for column in range(self.columns):
            low = self.order_statistics(column, below).astype(float)
            high = self.order_statistics(column, above).astype(float)
            result[:, column] = _lerp(low, high, position - below)
        return result


Sketch = FloatSketch | IntegerSketch


def sketch_engine() -> str:
    """How float sketches are filled: ``FRONTIERSIM_SKETCH_ENGINE`` (``numba`` by default, or ``numpy``)."""
    engine = os.environ.get(SKETCH_ENGINE_VARIABLE, "") or "numba"
    if engine not in ("numba", "numpy"):
        raise environment.SettingError(f"{SKETCH_ENGINE_VARIABLE}={engine!r}: expected one of numba, numpy")
    return engine


_POOL: list[ThreadPoolExecutor] = []


def add_chunk(sketches: Sequence[tuple[FloatSketch, NDArray[Any]]], engine: str | None = None) -> None:
    """Add one chunk's draws to float sketches: each ``(sketch, values)``, values ``(draws, sketch.columns)``.

    The columns are shared among :func:`~frontiersim.environment.compute_threads`
    threads (the compiled kernel releases the GIL); each column is filled by
    one thread in the order of the draws, so the numbers do not depend on
    the thread count.
    """
    engine = sketch_engine() if engine is None else engine
    sketches = [(sketch, values) for sketch, values in sketches if values.shape[0] > 0]
    if engine == "numpy":
        for sketch, values in sketches:
            sketch.add_numpy(_as_columns(values))
            sketch.finish_chunk(values.shape[0])
        return
    from frontiersim.results.sketch_kernels import fill  # noqa: PLC0415 (numba, only when a sketch is filled)

    tasks = [(sketch, _as_columns(values)) for sketch, values in sketches]
    threads = min(environment.compute_threads(), max(sum(s.columns for s, _ in tasks) // 8, 1))
    work = [
        (sketch, values, first, min(first + step, sketch.columns))
        for sketch, values in tasks
        for step in [math.ceil(sketch.columns / threads)]
        for first in range(0, sketch.columns, step)
    ]

    def run(share: Sequence[tuple[FloatSketch, NDArray[Any], int, int]]) -> None:
        for sketch, values, first, stop in share:
            arrays = (sketch.counts, sketch.sums, sketch.nan_counts, sketch.minima, sketch.maxima)
            fill(values, values.view(np.int64), first, stop, *arrays)

    if threads == 1:
        run(work)
    else:
        if not _POOL:
            _POOL.append(ThreadPoolExecutor(max_workers=threads, thread_name_prefix="frontiersim-sketch"))
        futures = [_POOL[0].submit(run, work[k::threads]) for k in range(threads)]
        for future in futures:
            future.result()
    for sketch, values in tasks:
        sketch.finish_chunk(values.shape[0])
