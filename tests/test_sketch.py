"""Property tests of the fixed-bin sketches (:mod:`frontiersim.results.sketch`).

The grid (every value in its bin, bins in increasing order of value), the
compiled filling against the numpy reference (the same bits, whatever the
memory layout), independence of chunking and thread count, the quantile
bound of the module notes against :func:`numpy.quantile`, and the exact
integer sketches. Each test names, in a comment, a change to the code it
catches.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray

from frontiersim import environment
from frontiersim.results import sketch_kernels
from frontiersim.results.sketch import (
    BINS,
    LARGEST_MAGNITUDE,
    SKETCH_ENGINE_VARIABLE,
    SMALLEST_MAGNITUDE,
    ZERO_BIN,
    FloatSketch,
    IntegerSketch,
    add_chunk,
    bin_edges,
    bin_index,
    sketch_engine,
)

PROPERTY = settings(max_examples=60, deadline=None)

#: Floats at the corners of the grid and of float64: zeros, subnormals, the smallest normal, the edges
#: of the zero bin and of the outer bins, the largest float, infinities and NaN.
SPECIAL = (
    0.0,
    -0.0,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    -2.2250738585072014e-308,
    SMALLEST_MAGNITUDE,
    -SMALLEST_MAGNITUDE,
    float(np.nextafter(SMALLEST_MAGNITUDE, 0.0)),
    -float(np.nextafter(SMALLEST_MAGNITUDE, 0.0)),
    LARGEST_MAGNITUDE,
    -LARGEST_MAGNITUDE,
    float(np.nextafter(LARGEST_MAGNITUDE, 0.0)),
    -float(np.nextafter(LARGEST_MAGNITUDE, 0.0)),
    1.0,
    -1.0,
    1.5,
    1e15,
    -1e15,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    math.inf,
    -math.inf,
    math.nan,
)

any_float = st.one_of(st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True), st.sampled_from(SPECIAL))
non_nan_float = st.one_of(
    st.floats(allow_nan=False, allow_infinity=True, allow_subnormal=True),
    st.sampled_from([x for x in SPECIAL if not math.isnan(x)]),
)
#: Values inside the grid (magnitude below 2**128), where the quantile bound holds; some repeated, so bins fill.
grid_float = st.one_of(
    st.floats(-LARGEST_MAGNITUDE, LARGEST_MAGNITUDE, exclude_min=True, exclude_max=True, allow_subnormal=True),
    st.floats(-1e3, 1e3),
    st.sampled_from([0.0, -0.0, 1e-30, 1.0, 1.001, 1.002, 1.003, -3.0, 1e6, 1e6 + 1.0, 2.5e9]),
)

LAYOUTS = ("c", "fortran", "row-strided", "column-strided", "reversed", "three-dimensional")


def laid_out(base: NDArray[np.float64], layout: str) -> NDArray[np.float64]:
    """The draws of ``base`` ``(2 d, 2 c)`` as ``(d, ...)`` values in one memory layout (most not contiguous)."""
    draws, columns = base.shape[0] // 2, base.shape[1] // 2
    block = base[:draws, :columns]
    if layout == "c":
        return np.ascontiguousarray(block)
    if layout == "fortran":
        return np.asfortranarray(block)
    if layout == "row-strided":
        return base[::2, :columns]
    if layout == "column-strided":
        return base[:draws, ::2]
    if layout == "reversed":
        return base[draws - 1 :: -1, columns - 1 :: -1]
    # (draws, 2, columns) read across the columns of base: a copy when flattened to (draws, 2 * columns).
    return base[:draws, : 2 * columns].reshape(draws, columns, 2).transpose(0, 2, 1)


@st.composite
def draws_in_layouts(draw: st.DrawFn, elements: st.SearchStrategy[float] = any_float) -> NDArray[np.float64]:
    """Float draws ``(draws, ...)`` in a random memory layout."""
    draws = draw(st.integers(1, 30))
    columns = draw(st.integers(1, 24))
    base = draw(hnp.arrays(np.float64, (2 * draws, 2 * columns), elements=elements))
    return laid_out(base, draw(st.sampled_from(LAYOUTS)))


def columns_of(values: NDArray[Any]) -> int:
    return int(np.prod(values.shape[1:], dtype=np.int64))


def filled(values: NDArray[Any], engine: str, bounds: Sequence[int] = ()) -> FloatSketch:
    """A sketch of ``values`` filled by ``engine``, chunk by chunk at the draw indices ``bounds``."""
    sketch = FloatSketch(columns_of(values))
    edges = [0, *bounds, values.shape[0]]
    for start, stop in itertools.pairwise(edges):
        # The numpy reference warns when a sum overflows to inf or a NaN arises (inf - inf); the kernel does not.
        with np.errstate(over="ignore", invalid="ignore"):
            add_chunk([(sketch, values[start:stop])], engine=engine)
    return sketch


def bits(array: NDArray[np.float64]) -> NDArray[np.int64]:
    return np.ascontiguousarray(array).view(np.int64)


def assert_same_sketch(first: FloatSketch, second: FloatSketch) -> None:
    """Equal draw count, bin counts and NaN counts; sums with the same bits; equal extremes.

    Extremes are compared as numbers (0.0 == -0.0): which zero the least of
    0.0 and -0.0 is differs between the engines (see
    ``test_engines_agree_on_the_sign_of_zero_extremes``).
    """
    assert first.draws == second.draws
    np.testing.assert_array_equal(first.counts, second.counts)
    np.testing.assert_array_equal(first.nan_counts, second.nan_counts)
    np.testing.assert_array_equal(bits(first.sums), bits(second.sums))
    np.testing.assert_array_equal(first.minima, second.minima)
    np.testing.assert_array_equal(first.maxima, second.maxima)


# ---------------------------------------------------------------------------
# The grid
# ---------------------------------------------------------------------------


def test_bin_edges_tile_the_line() -> None:
    # Catches a grid with a gap or an overlap (an edge computed with the wrong step or exponent).
    low, high = bin_edges()
    assert low.size == high.size == BINS
    assert low[0] == -math.inf
    assert high[-1] == math.inf
    np.testing.assert_array_equal(high[:-1], low[1:])
    assert np.all(low < high)
    assert (low[ZERO_BIN], high[ZERO_BIN]) == (-SMALLEST_MAGNITUDE, SMALLEST_MAGNITUDE)
    # Each bin of its own is at most 2**-8 of the magnitude of its values wide.
    own = np.r_[1:ZERO_BIN, ZERO_BIN + 1 : BINS - 1]
    width = high[own] - low[own]
    assert np.all(width <= 2.0**-8 * np.minimum(np.abs(low[own]), np.abs(high[own])))


def test_every_edge_is_in_its_bin() -> None:
    # Each bin's closed edge, and the float just inside its open edge, lie in the bin: catches an off-by-one
    # in the key (FIRST_KEY, KEY_SHIFT), the zero bin's test (< against <=) or the sign's side.
    low, high = bin_edges()
    positive = np.arange(ZERO_BIN + 1, BINS)
    negative = np.arange(0, ZERO_BIN)
    np.testing.assert_array_equal(bin_index(low[positive]), positive)
    np.testing.assert_array_equal(bin_index(np.nextafter(high[positive], -math.inf)), positive)
    np.testing.assert_array_equal(bin_index(high[negative]), negative)
    np.testing.assert_array_equal(bin_index(np.nextafter(low[negative], math.inf)), negative)
    inside_zero = np.array([np.nextafter(-SMALLEST_MAGNITUDE, 0.0), np.nextafter(SMALLEST_MAGNITUDE, 0.0)])
    np.testing.assert_array_equal(bin_index(inside_zero), [ZERO_BIN, ZERO_BIN])
    np.testing.assert_array_equal(bin_index(np.array([-math.inf, math.inf])), [0, BINS - 1])


@PROPERTY
@given(values=hnp.arrays(np.float64, st.integers(1, 64), elements=non_nan_float))
def test_bin_index_is_non_decreasing_and_holds_each_value(values: NDArray[np.float64]) -> None:
    # Catches bins out of the order of values (the negative side not mirrored: SIGNED_BINS + key for x < 0),
    # and any value outside its bin's [low, high) (negatives: (low, high]; the outer bins reach +-inf).
    index = bin_index(values)
    assert index.min() >= 0
    assert index.max() < BINS
    order = np.argsort(values, kind="stable")
    assert np.all(np.diff(index[order]) >= 0)
    low, high = bin_edges()
    lower, upper = low[index], high[index]
    magnitude = np.abs(values)
    tiny = magnitude < SMALLEST_MAGNITUDE
    np.testing.assert_array_equal(index[tiny], ZERO_BIN)
    positive = ~tiny & (values > 0)
    negative = ~tiny & (values < 0)
    assert np.all(lower[positive] <= values[positive])
    assert np.all((values < upper)[positive] | (upper[positive] == math.inf))
    assert np.all(values[negative] <= upper[negative])
    assert np.all((lower < values)[negative] | (lower[negative] == -math.inf))
    assert np.all((lower[tiny] < values[tiny]) & (values[tiny] < upper[tiny]))
    outer = magnitude >= LARGEST_MAGNITUDE
    np.testing.assert_array_equal(index[outer], np.where(values[outer] > 0, BINS - 1, 0))


@PROPERTY
@given(
    magnitude=st.floats(0.0, SMALLEST_MAGNITUDE, exclude_max=True, allow_subnormal=True), sign=st.sampled_from([-1, 1])
)
@example(magnitude=0.0, sign=-1)
@example(magnitude=5e-324, sign=-1)
def test_magnitudes_below_two_to_the_minus_24_go_to_the_zero_bin(magnitude: float, sign: int) -> None:
    # Catches the zero bin's bound moved (2**-23, or <= instead of <) or -0.0 and tiny negatives sent to a
    # negative bin.
    assert bin_index(np.array([sign * magnitude])).tolist() == [ZERO_BIN]


# ---------------------------------------------------------------------------
# The compiled kernel against the numpy reference
# ---------------------------------------------------------------------------


@PROPERTY
@given(values=draws_in_layouts())
def test_numba_and_numpy_fill_the_same_bits(values: NDArray[np.float64]) -> None:
    # Catches any difference between the kernel and add_numpy: a NaN counted in a bin or in the sum, the
    # magnitude mask forgotten on negative values' bits, a strided or transposed input read as if contiguous
    # (the kernel reads values[draw, column] and its int64 view), a sum made in another order.
    compiled = filled(values, "numba")
    reference = FloatSketch(columns_of(values))
    with np.errstate(over="ignore", invalid="ignore"):
        reference.add_numpy(values.reshape(values.shape[0], -1))
    reference.finish_chunk(values.shape[0])
    assert_same_sketch(compiled, reference)
    assert_same_sketch(compiled, filled(values, "numpy"))
    assert compiled.counts.sum() + compiled.nan_counts.sum() == values.size


@PROPERTY
@given(values=draws_in_layouts(), split=st.data())
def test_numpy_reference_by_column_ranges(values: NDArray[np.float64], split: st.DataObject) -> None:
    # add_numpy's columns first:stop, as the threads share them: catches a column range written at the
    # wrong offset or a range that adds its neighbours' columns too.
    columns = columns_of(values)
    flat = values.reshape(values.shape[0], -1)
    cut = split.draw(st.integers(0, columns))
    pieces, whole = FloatSketch(columns), FloatSketch(columns)
    with np.errstate(over="ignore", invalid="ignore"):
        pieces.add_numpy(flat, 0, cut)
        pieces.add_numpy(flat, cut, columns)
        whole.add_numpy(flat)
    pieces.finish_chunk(values.shape[0])
    whole.finish_chunk(values.shape[0])
    assert_same_sketch(pieces, whole)


@PROPERTY
@given(values=draws_in_layouts())
def test_a_saved_state_gives_the_same_sketch(values: NDArray[np.float64]) -> None:
    # FloatSketch.state keeps the non-zero bins only: catches a bin saved in another column or place, the
    # sums, NaN counts or extremes of one column given to another, and a sketch counting other draws than saved.
    sketch = filled(values, "numpy")
    state = sketch.state()
    restored = FloatSketch.from_state(sketch.columns, sketch.draws, state)
    assert_same_sketch(restored, sketch)
    np.testing.assert_array_equal(restored.counts, sketch.counts)
    with pytest.raises(ValueError, match="draws"):
        FloatSketch.from_state(sketch.columns, sketch.draws + 1, state)


def test_fill_kernel_over_every_column_range() -> None:
    # The kernel takes columns four at a time from ``first``, then one at a time: catches a group that starts
    # at 0 instead of ``first``, a group that runs past ``stop``, a column of a group given another's sum,
    # extremes or NaN count, and the columns before ``first`` or from ``stop`` on being touched. Every range
    # of 13 columns, with NaN, infinities, zeros of both signs and values of every magnitude.
    rng = np.random.default_rng(11)
    base = rng.standard_normal((37, 13)) * 10.0 ** rng.integers(-12, 12, (37, 13))
    base[rng.random(base.shape) < 0.1] = np.nan
    base[0, :4] = [np.inf, -np.inf, 0.0, -0.0]
    for first in range(base.shape[1] + 1):
        for stop in range(first, base.shape[1] + 1):
            compiled, reference = FloatSketch(base.shape[1]), FloatSketch(base.shape[1])
            for sketch in (compiled, reference):  # something in every column already: sums and extremes carry on
                sketch.add_numpy(np.arange(3.0 * base.shape[1]).reshape(3, -1) - 4.0)
            arrays = (compiled.counts, compiled.sums, compiled.nan_counts, compiled.minima, compiled.maxima)
            sketch_kernels.fill(base, base.view(np.int64), first, stop, *arrays)
            reference.add_numpy(base, first, stop)
            assert_same_sketch(compiled, reference)


def test_float32_and_integer_inputs_are_read_as_float64() -> None:
    # Catches the kernel reading a float32 or int64 chunk's memory as float64 bits.
    rng = np.random.default_rng(5)
    for values in (rng.normal(size=(50, 3)).astype(np.float32), rng.integers(-5, 5, size=(50, 3))):
        expected = filled(values.astype(np.float64), "numpy")
        assert_same_sketch(filled(values, "numba"), expected)
        assert_same_sketch(filled(values, "numpy"), expected)


def test_engines_agree_on_the_sign_of_zero_extremes() -> None:
    # Bit-identical extremes also for signed zeros (the module's claim that the numpy code is the reference).
    for column in ([0.0, -0.0], [-0.0, 0.0]):
        values = np.array(column)[:, None]
        compiled, reference = filled(values, "numba"), filled(values, "numpy")
        np.testing.assert_array_equal(bits(compiled.minima), bits(reference.minima))
        np.testing.assert_array_equal(bits(compiled.maxima), bits(reference.maxima))


def test_engine_variable_chooses_the_filling(monkeypatch: pytest.MonkeyPatch) -> None:
    # Catches FRONTIERSIM_SKETCH_ENGINE ignored (the kernel called for "numpy") or an unknown value accepted.
    calls: list[int] = []
    original = sketch_kernels.fill

    def counted(*arguments: Any) -> None:
        calls.append(1)
        original(*arguments)

    monkeypatch.setattr(sketch_kernels, "fill", counted)
    values = np.arange(12.0).reshape(4, 3)
    monkeypatch.delenv(SKETCH_ENGINE_VARIABLE, raising=False)
    assert sketch_engine() == "numba"
    add_chunk([(FloatSketch(3), values)])
    assert calls
    calls.clear()
    monkeypatch.setenv(SKETCH_ENGINE_VARIABLE, "numpy")
    assert sketch_engine() == "numpy"
    sketch = FloatSketch(3)
    add_chunk([(sketch, values)])
    assert not calls
    assert_same_sketch(sketch, filled(values, "numba"))
    monkeypatch.setenv(SKETCH_ENGINE_VARIABLE, "fortran")
    with pytest.raises(ValueError, match=SKETCH_ENGINE_VARIABLE):
        add_chunk([(FloatSketch(3), values)])


# ---------------------------------------------------------------------------
# Chunks and threads
# ---------------------------------------------------------------------------


@st.composite
def chunk_bounds(draw: st.DrawFn, draws: int) -> list[int]:
    """Increasing draw indices strictly inside ``0:draws`` where chunks start."""
    if draws < 2:
        return []
    return sorted(draw(st.sets(st.integers(1, draws - 1), max_size=6)))


@PROPERTY
@given(
    values=draws_in_layouts(elements=st.one_of(grid_float, st.sampled_from(SPECIAL))),
    engine=st.sampled_from(["numba", "numpy"]),
    data=st.data(),
)
def test_chunks_do_not_change_the_sketch(values: NDArray[np.float64], engine: str, data: st.DataObject) -> None:
    # Catches a sum not carried from chunk to chunk in the order of the draws (a pairwise np.sum per chunk
    # added to the total, or the total restarted), extremes or NaN counts reset per chunk, the draw count
    # not advanced once per chunk.
    bounds = data.draw(chunk_bounds(values.shape[0]))
    assert_same_sketch(filled(values, engine, bounds), filled(values, engine))


def test_chunk_sums_are_made_in_the_order_of_the_draws() -> None:
    # A fixed case where the order matters: 1e16 + 1 + 1 is 1e16 one draw after another, 1e16 + 2 in pairs.
    values = np.array([1e16, 1.0, 1.0, -1e16])[:, None]
    for engine in ("numba", "numpy"):
        for bounds in ([], [1], [2], [1, 3]):
            sketch = filled(values, engine, bounds)
            assert sketch.sums.tolist() == [((1e16 + 1.0) + 1.0) - 1e16]


@settings(max_examples=25, deadline=None)
@given(
    base=hnp.arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(16, 48)), elements=any_float),
    data=st.data(),
)
def test_thread_count_does_not_change_the_sketch(base: NDArray[np.float64], data: st.DataObject) -> None:
    # 16 columns or more, so that two threads share them. Catches threads splitting the draws instead of
    # the columns (partial sums added in another order), or two threads writing one column.
    bounds = data.draw(chunk_bounds(base.shape[0]))
    sketches = []
    for threads in (1, 2, 3):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(environment, "compute_threads", lambda threads=threads: threads)
            first = FloatSketch(base.shape[1])
            second = FloatSketch(7)
            edges = [0, *bounds, base.shape[0]]
            for start, stop in itertools.pairwise(edges):
                # Two sketches in one call, as a chunk of a run adds them all at once.
                add_chunk([(first, base[start:stop]), (second, base[start:stop, :7])], engine="numba")
            sketches.append((first, second))
    for first, second in sketches[1:]:
        assert_same_sketch(first, sketches[0][0])
        assert_same_sketch(second, sketches[0][1])
    assert_same_sketch(sketches[0][0], filled(base, "numpy"))


# ---------------------------------------------------------------------------
# Quantiles, means, shares
# ---------------------------------------------------------------------------


def quantile_bound(ordered: NDArray[np.float64], levels: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""The module's bound :math:`2^{-8} \max(|Q_-|, |Q_+|) + 2^{-24}` of each level's quantile."""
    position = (ordered.size - 1) * levels
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, ordered.size - 1)
    largest = np.maximum(np.abs(ordered[below]), np.abs(ordered[above]))
    # 1e-15 of the magnitude: rounding of the interpolations (numpy's and the sketch's differ), far below a bin.
    return 2.0**-8 * largest + SMALLEST_MAGNITUDE + 1e-15 * largest


LEVELS = (0.0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0)


@PROPERTY
@given(
    values=hnp.arrays(
        np.float64,
        st.integers(1, 400),
        elements=st.one_of(grid_float, st.just(math.nan)),
    ),
    more_levels=st.lists(st.floats(0.0, 1.0), max_size=5),
    engine=st.sampled_from(["numba", "numpy"]),
)
@example(values=np.array([math.nan, 3.0]), more_levels=[], engine="numba")
@example(values=np.array([-0.0, 0.0, 1e-9, -1e-9]), more_levels=[], engine="numpy")
def test_quantiles_within_a_bin_of_numpy(values: NDArray[np.float64], more_levels: list[float], engine: str) -> None:
    # Catches an estimate outside the bin of the value it estimates (searchsorted's side, the rank's offset
    # r + 1/2 dropped, the zero bin not read as 0), NaN counted as a value (n = draws, not draws - NaN),
    # and any other interpolation than numpy's linear one (q=0 and q=1 must be the least and greatest value).
    sketch = filled(values[:, None], engine)
    valid = np.sort(values[~np.isnan(values)])
    levels = np.array([*LEVELS, *more_levels])
    estimate = sketch.quantiles(levels)[:, 0]
    if not valid.size:
        assert np.isnan(estimate).all()
        return
    exact = np.quantile(valid, levels)
    assert np.all(np.abs(estimate - exact) <= quantile_bound(valid, levels))
    assert estimate[0] == valid[0]
    assert estimate[LEVELS.index(1.0)] == valid[-1]
    assert np.all((valid[0] <= estimate) & (estimate <= valid[-1]))


@PROPERTY
@given(values=hnp.arrays(np.float64, st.integers(1, 400), elements=grid_float))
def test_each_order_statistic_lies_in_its_bin(values: NDArray[np.float64]) -> None:
    # The estimate of the j-th smallest value is within its bin's width of it, non-decreasing in j, exact
    # at both ends: catches ranks placed in the wrong bin, estimates not spread evenly inside the bin.
    sketch = filled(values[:, None], "numba")
    ordered = np.sort(values)
    estimate = sketch.order_statistics(0, np.arange(values.size))
    low, high = bin_edges()
    index = bin_index(ordered)
    width = np.where(index == ZERO_BIN, SMALLEST_MAGNITUDE, high[index] - low[index])
    assert np.all(np.abs(estimate - ordered) <= width)
    assert np.all(np.diff(estimate) >= 0)
    assert estimate[0] == ordered[0]
    assert estimate[-1] == ordered[-1]


def test_quantiles_of_a_large_sample_are_within_the_bound() -> None:
    # A million-draw-like sample in few bins per value: catches an estimate that drifts within crowded bins.
    rng = np.random.default_rng(11)
    values = np.concatenate([rng.lognormal(20.0, 2.0, 60_000), -rng.lognormal(18.0, 1.0, 20_000), np.zeros(5_000)])
    values = rng.permutation(values)
    sketch = filled(values[:, None], "numba", [30_000, 50_000])
    levels = np.linspace(0.0, 1.0, 201)
    exact = np.quantile(values, levels)
    ordered = np.sort(values)
    assert np.all(np.abs(sketch.quantiles(levels)[:, 0] - exact) <= quantile_bound(ordered, levels))


def test_quantiles_at_zero_and_one_are_the_extremes_with_infinities() -> None:
    # q=0 and q=1 give exactly the least and greatest value, also when one is infinite (as numpy.quantile does).
    for column in ([1.0, math.inf], [-math.inf, 1.0]):
        sketch = filled(np.array(column)[:, None], "numpy")
        with np.errstate(invalid="ignore"):
            assert sketch.quantiles([0.0, 1.0])[:, 0].tolist() == [min(column), max(column)]


@PROPERTY
@given(values=draws_in_layouts(elements=st.one_of(grid_float, st.just(math.nan))), bounds=st.data())
def test_means_are_sums_in_the_order_of_the_draws(values: NDArray[np.float64], bounds: st.DataObject) -> None:
    # The sum is one addition per draw in order (np.cumsum's), the mean divides by the non-NaN count:
    # catches a pairwise np.sum, NaN propagated into the sum, or the mean divided by all draws.
    sketch = filled(values, "numba", bounds.draw(chunk_bounds(values.shape[0])))
    flat = values.reshape(values.shape[0], -1)
    for column in range(flat.shape[1]):
        valid = flat[:, column][~np.isnan(flat[:, column])]
        expected = np.cumsum(np.r_[0.0, valid])[-1]
        assert bits(sketch.sums[column : column + 1]).tolist() == bits(np.array([expected])).tolist()
        mean = sketch.means()[column]
        if valid.size:
            assert mean == expected / valid.size
            scale = np.abs(valid).sum() / valid.size
            assert abs(mean - valid.mean()) <= 1e-12 * scale
        else:
            assert math.isnan(mean)


@PROPERTY
@given(values=hnp.arrays(np.float64, st.integers(1, 200), elements=st.one_of(grid_float, st.just(math.nan))))
def test_share_at_least_a_positive_bin_edge_is_exact(values: NDArray[np.float64]) -> None:
    # Shares over all draws (NaN in the total) at thresholds that are bin edges: catches the first bin
    # counted being one off, or the share taken over the non-NaN values only.
    sketch = filled(values[:, None], "numba")
    for threshold in (SMALLEST_MAGNITUDE, 0.5, 1.0, 2.0, 3.0, 7.0, 100.0, 2.0**20, 2.0**55):
        expected = np.count_nonzero(values >= threshold) / values.size
        assert sketch.share_at_least(threshold).tolist() == [expected]


def test_share_at_least_zero_counts_zeros() -> None:
    # Catches the zero bin (exact zeros) left out of a share at or above 0.
    sketch = filled(np.array([0.0, 0.0, 1.0, -1.0])[:, None], "numpy")
    assert sketch.share_at_least(0.0).tolist() == [0.75]


def test_share_at_least_a_negative_bin_edge_is_exact() -> None:
    sketch = filled(np.array([-1.0, -2.0, 1.0, 3.0])[:, None], "numpy")
    assert sketch.share_at_least(-1.0).tolist() == [0.75]


# ---------------------------------------------------------------------------
# Integer sketches
# ---------------------------------------------------------------------------

months = hnp.arrays(np.int64, st.tuples(st.integers(1, 60), st.integers(1, 4)), elements=st.integers(-1, 700))


def integer_sketch(values: NDArray[np.int64], bounds: Sequence[int] = ()) -> IntegerSketch:
    sketch = IntegerSketch(values.shape[1])
    edges = [0, *bounds, values.shape[0]]
    for start, stop in itertools.pairwise(edges):
        sketch.add(values[start:stop])
    return sketch


@PROPERTY
@given(values=months, levels=st.lists(st.floats(0.0, 1.0), max_size=5), data=st.data())
def test_integer_sketch_is_exact(values: NDArray[np.int64], levels: list[float], data: st.DataObject) -> None:
    # Order statistics exactly the sorted values, quantiles numpy's (to its rounding, see the next test),
    # shares and means exact, whatever the chunks: catches a count at the wrong value (lowest not
    # subtracted), counts not widened when a later chunk has larger values, or searchsorted's side.
    sketch = integer_sketch(values, data.draw(chunk_bounds(values.shape[0])))
    assert sketch.draws == values.shape[0]
    for column in range(values.shape[1]):
        ordered = np.sort(values[:, column])
        np.testing.assert_array_equal(sketch.order_statistics(column, np.arange(ordered.size)), ordered)
    every = [*LEVELS, *levels]
    estimate = sketch.quantiles(every)
    exact = np.quantile(values, every, axis=0)
    np.testing.assert_array_max_ulp(estimate, exact, maxulp=2)
    np.testing.assert_array_equal(estimate[0], values.min(axis=0))
    np.testing.assert_array_equal(estimate[LEVELS.index(1.0)], values.max(axis=0))
    for threshold in (-5, -1, 0, 1, 12, 59, 60, 350, 700, 701):
        expected = np.count_nonzero(values >= threshold, axis=0) / values.shape[0]
        np.testing.assert_array_equal(sketch.share_at_least(threshold), expected)
    np.testing.assert_array_equal(sketch.means(), values.sum(axis=0) / values.shape[0])


def test_integer_quantiles_equal_numpy_bit_for_bit() -> None:
    # The docstring's "exact": [2, 9] at q=0.95 is 8.649999999999999 here and 8.65 with numpy.
    values = np.array([[2], [9]])
    assert integer_sketch(values).quantiles([0.95])[0, 0] == np.quantile(values[:, 0], 0.95)


@pytest.mark.parametrize(("lowest", "below"), [(-1, -2), (0, -1), (5, 4)])
def test_values_below_the_least_value_are_refused(lowest: int, below: int) -> None:
    # Catches values below `lowest` counted at a wrapped or negative position; the sketch is left unchanged.
    sketch = IntegerSketch(2, lowest=lowest)
    sketch.add(np.array([[lowest, lowest + 3]]))
    before = (sketch.counts.copy(), sketch.sums.copy(), sketch.draws)
    with pytest.raises(ValueError, match=str(below)):
        sketch.add(np.array([[lowest + 1, lowest], [lowest, below]]))
    np.testing.assert_array_equal(sketch.counts, before[0])
    np.testing.assert_array_equal(sketch.sums, before[1])
    assert sketch.draws == before[2]


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_an_empty_chunk_adds_nothing(engine: str) -> None:
    sketch = FloatSketch(3)
    add_chunk([(sketch, np.zeros((0, 3)))], engine=engine)
    assert sketch.draws == 0


def test_empty_sketches_answer_nan() -> None:
    # No draws: NaN quantiles and means, not an IndexError or a division by zero.
    assert np.isnan(FloatSketch(2).quantiles([0.5])).all()
    assert np.isnan(FloatSketch(2).means()).all()
    assert np.isnan(IntegerSketch(2).quantiles([0.5])).all()
    all_nan = filled(np.full((3, 1), math.nan), "numba")
    assert all_nan.valid_counts().tolist() == [0]
    assert np.isnan(all_nan.quantiles([0.0, 0.5, 1.0])).all()
