"""A summary run (:func:`frontiersim.simulate_summary`) against the full run of the same draws.

Shares of draws (P(ruin), the ruin curve) are equal exactly, means to the
rounding of a sum (1e-12 relative), quantiles within the sketch's bound
(:mod:`frontiersim.results.sketch`): 2**-8 of the larger of the two order
statistics the quantile lies between, plus 2**-32. The figures do not depend
on the chunk size or the worker count. Each test names, in a comment, a
change to the code it catches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from numpy.typing import NDArray

import frontiersim as fs
from frontiersim.draws.sampling import seed_sequence
from frontiersim.models.registry import catalogue, draw_plan
from frontiersim.results.build import ChunkReduction
from frontiersim.results.result import PNL_LINES, SUMMARY_METRICS
from frontiersim.results.sketch import LARGEST_MAGNITUDE, SMALLEST_MAGNITUDE
from frontiersim.results.summary import DATASET_QUANTILES, SummaryAccumulator, SummaryResult
from frontiersim.results.tables import ruin_curve
from frontiersim.simulate import simulate_range

SEED = 20_261_202
DEFAULT_DRAWS = 2_000
FOUR_LAB_DRAWS = 1_000
#: Means are sums made one draw after another, the full run's pairwise: equal to this, relative.
MEAN_TOLERANCE = 1e-12
COHORT_COLUMNS = {
    "training cost": "model_training_cost_usd",
    "revenue": "model_revenue_usd",
    "inference cost": "model_inference_cost_usd",
    "net": "model_net_usd",
}

Runs = tuple[fs.SimulationResult, SummaryResult]


@pytest.fixture(scope="module")
def default_runs() -> Runs:
    scenario = fs.bundled("default")
    full = fs.simulate(scenario, draws=DEFAULT_DRAWS, seed=SEED)
    return full, fs.simulate_summary(scenario, draws=DEFAULT_DRAWS, seed=SEED, chunk_size=700)


@pytest.fixture(scope="module")
def four_lab_runs() -> Runs:
    scenario = fs.bundled("four_labs")
    full = fs.simulate(scenario, draws=FOUR_LAB_DRAWS, seed=SEED)
    return full, fs.simulate_summary(scenario, draws=FOUR_LAB_DRAWS, seed=SEED, chunk_size=300)


@pytest.fixture(scope="module", params=["default", "four_labs"])
def runs(request: pytest.FixtureRequest, default_runs: Runs, four_lab_runs: Runs) -> Runs:
    return default_runs if request.param == "default" else four_lab_runs


def draws_of(full: fs.SimulationResult, name: str, lab: str) -> NDArray[np.float64]:
    """One lab's (or the market's) draws of an output as ``(draws, columns)``."""
    values = np.asarray(full.lab_dataset(lab)[name].values, dtype=float)
    return values.reshape(values.shape[0], -1)


def quantile_bound(draws: NDArray[np.float64], level: float) -> NDArray[np.float64]:
    r"""Per column, :math:`2^{-8} \max(|Q_-|, |Q_+|) + 2^{-24}` around the ``level`` quantile of the non-NaN draws.

    Plus 1e-15 of the magnitude: numpy's interpolation and the sketch's round differently.
    """
    bounds = []
    for column in draws.T:
        ordered = np.sort(column[~np.isnan(column)])
        if not ordered.size:
            bounds.append(math.inf)
            continue
        position = (ordered.size - 1) * level
        below = math.floor(position)
        above = min(below + 1, ordered.size - 1)
        largest = max(abs(ordered[below]), abs(ordered[above]))
        bounds.append(2.0**-8 * largest + SMALLEST_MAGNITUDE + 1e-15 * largest)
    return np.array(bounds)


def assert_means_equal(estimate: NDArray[np.float64], exact: NDArray[np.float64], draws: NDArray[np.float64]) -> None:
    """Equal to 1e-12 of the mean magnitude of the draws (so a mean near 0 by cancellation is no trouble)."""
    scale = np.nanmean(np.abs(draws), axis=0)
    np.testing.assert_array_equal(np.isnan(estimate), np.isnan(exact))
    assert np.all(np.abs(estimate - exact)[~np.isnan(exact)] <= MEAN_TOLERANCE * scale[~np.isnan(exact)])


def assert_quantiles_within_bound(
    estimate: NDArray[np.float64], exact: NDArray[np.float64], draws: NDArray[np.float64], level: float
) -> None:
    np.testing.assert_array_equal(np.isnan(estimate), np.isnan(exact))
    error = np.abs(np.asarray(estimate, dtype=float) - np.asarray(exact, dtype=float))
    assert np.all(error[~np.isnan(exact)] <= quantile_bound(draws, level)[~np.isnan(exact)])


# ---------------------------------------------------------------------------
# Shares of draws: exact
# ---------------------------------------------------------------------------


def test_ruin_probability_and_curve_are_exact(runs: Runs) -> None:
    # Catches P(ruin) counted from another month than 0 (share_at_least(1)), the run-off ignored, a lab's
    # counts read at another lab's row, or the curve shifted by one month (the -1 position not skipped).
    full, summary = runs
    curve = ruin_curve(full)
    assert summary.labs == full.labs
    for lab in full.labs:
        assert summary.ruin_probability(lab) == full.ruin_probability(lab)
        runoff = summary.ruin_probability(lab, including_runoff=True)
        assert runoff == full.ruin_probability(lab, including_runoff=True)
        assert runoff >= summary.ruin_probability(lab)
        expected = curve.loc[curve["lab"] == lab, "p_ruin"].to_numpy()
        np.testing.assert_array_equal(summary.ruin_curve(lab), expected)
        assert summary.ruin_curve(lab)[-1] == full.ruin_probability(lab)
        by_year = summary.ruin_probability_by_year(lab)
        np.testing.assert_allclose(by_year.to_numpy(), full.ruin_probability_by_year(lab).to_numpy(), rtol=1e-12)
        assert list(by_year.index) == list(full.ruin_probability_by_year(lab).index)
    assert any(summary.ruin_probability(lab) > 0 for lab in full.labs)  # a run with ruin, so the test can fail


def test_one_lab_needs_no_name(default_runs: Runs) -> None:
    full, summary = default_runs
    assert summary.ruin_probability() == full.ruin_probability()
    np.testing.assert_array_equal(summary.ruin_curve(), ruin_curve(full)["p_ruin"].to_numpy())


# ---------------------------------------------------------------------------
# Tables: means to the rounding of a sum, quantiles within the bound
# ---------------------------------------------------------------------------


def test_summary_table_matches_the_full_run(runs: Runs) -> None:
    # Catches a metric read from the wrong output or lab, quantile levels in another order than the rows,
    # years in another order, and a mean or probability divided by the wrong count.
    full, summary = runs
    levels = (0.05, 0.5, 0.95)
    expected, table = full.summary(levels), summary.summary(levels)
    assert table.index.equals(expected.index)
    assert list(table.columns) == list(expected.columns)
    for lab in full.labs:
        mine = table.loc[lab] if len(full.labs) > 1 else table
        theirs = expected.loc[lab] if len(full.labs) > 1 else expected
        probability = ("P(ruin by year end)", "probability")
        np.testing.assert_allclose(mine.loc[probability], theirs.loc[probability], rtol=MEAN_TOLERANCE, atol=0)
        for name, label in SUMMARY_METRICS.items():
            draws = draws_of(full, name, lab)
            assert_means_equal(mine.loc[(label, "mean")].to_numpy(), theirs.loc[(label, "mean")].to_numpy(), draws)
            for q in levels:
                row = (label, f"p{100 * q:g}")
                assert_quantiles_within_bound(mine.loc[row].to_numpy(), theirs.loc[row].to_numpy(), draws, q)


def test_mean_rows_equal_to_1e_12_relative(default_runs: Runs) -> None:
    # The headline figures (mean revenue and cash): relative agreement, not only against the scale of the draws.
    full, summary = default_runs
    for label in ("revenue", "cash at year end", "compute payments"):
        row = (label, "mean")
        np.testing.assert_allclose(summary.summary().loc[row], full.summary().loc[row], rtol=MEAN_TOLERANCE, atol=0)


def test_company_and_cohort_pnl_match_the_full_run(runs: Runs) -> None:
    # Catches a P&L line mapped to another output, the median taken as the mean, per-model columns of one
    # lab read as another's, or model labels or release months out of order.
    full, summary = runs
    for lab in full.labs:
        for statistic in ("mean", "median"):
            mine, theirs = summary.company_pnl(statistic, lab), full.company_pnl(statistic, lab)
            assert mine.index.equals(theirs.index)
            assert list(mine.columns) == list(theirs.columns)
            for label, name in PNL_LINES.items():
                draws = draws_of(full, name, lab)
                if statistic == "mean":
                    assert_means_equal(mine.loc[label].to_numpy(), theirs.loc[label].to_numpy(), draws)
                else:
                    assert_quantiles_within_bound(mine.loc[label].to_numpy(), theirs.loc[label].to_numpy(), draws, 0.5)
            mine, theirs = summary.cohort_pnl(statistic, lab), full.cohort_pnl(statistic, lab)
            assert mine.index.equals(theirs.index)
            assert list(mine.columns) == list(theirs.columns)
            np.testing.assert_array_equal(mine["release month"], theirs["release month"])
            for label, name in COHORT_COLUMNS.items():
                draws = draws_of(full, name, lab)
                if statistic == "mean":
                    assert_means_equal(mine[label].to_numpy(), theirs[label].to_numpy(), draws)
                else:
                    assert_quantiles_within_bound(mine[label].to_numpy(), theirs[label].to_numpy(), draws, 0.5)


def test_obligations_after_horizon_over_survivors(runs: Runs) -> None:
    # Over the draws the lab survives only: catches the ruined draws' obligations sketched too, or the
    # survivors chosen with the run-off's ruin month.
    full, summary = runs
    for lab in full.labs:
        dataset = full.lab_dataset(lab)
        survived = np.asarray(dataset["ruin_month"].values) < 0
        owed = np.asarray(dataset["obligations_after_horizon_usd"].values, dtype=float)[survived][:, None]
        median, mean = summary.obligations_after_horizon(lab), summary.obligations_after_horizon(lab, "mean")
        if not owed.size:  # ruined in every draw: no survivors, NaN
            assert math.isnan(median)
            assert math.isnan(mean)
            assert math.isnan(full.obligations_after_horizon(lab))
            continue
        exact = full.obligations_after_horizon(lab)
        assert_quantiles_within_bound(np.array([median]), np.array([exact]), owed, 0.5)
        assert_means_equal(np.array([mean]), np.array([full.obligations_after_horizon(lab, "mean")]), owed)
        assert survived.sum() < full.draws or full.ruin_probability(lab) == 0
    # Some lab is ruined in some draw, so the survivors are not all draws.
    assert any(full.ruin_probability(lab) > 0 for lab in full.labs)


def test_market_outputs_need_no_lab(four_lab_runs: Runs) -> None:
    # A market output has no lab dimension: catches its columns sliced as if it were one lab's.
    full, summary = four_lab_runs
    draws = np.asarray(full.dataset["year_market_demand_usd"].values, dtype=float)
    assert_means_equal(summary.means("year_market_demand_usd"), draws.mean(axis=0), draws)
    estimate = summary.quantiles("year_market_demand_usd", [0.5])[0]
    assert_quantiles_within_bound(estimate, np.quantile(draws, 0.5, axis=0), draws, 0.5)


# ---------------------------------------------------------------------------
# The dataset
# ---------------------------------------------------------------------------


def within_grid(draws: NDArray[np.float64]) -> bool:
    """Whether every value has a bin of its own (magnitude below 2**128), where the quantile bound holds."""
    return bool(np.all(np.isnan(draws) | (np.abs(draws) < LARGEST_MAGNITUDE)))


def test_dataset_statistics_match_the_draws(runs: Runs) -> None:
    # Every output's and input's mean, least, greatest value and median against the full run's draws, lab
    # by lab: catches a reshape of (lab, year) columns in the wrong order, extremes swapped, statistics
    # stacked in another order than the `statistic` coordinate, or an input's statistics under another name.
    full, summary = runs
    dataset = summary.to_dataset()
    statistics = ["mean", "min", "max", *(f"p{100 * q:g}" for q in DATASET_QUANTILES)]
    assert list(dataset["statistic"].values) == statistics
    shared = [name for name in dataset.data_vars if name in full.dataset]
    assert "year_revenue_usd" in shared
    assert "ruin_month" in shared
    assert "input.demand.growth_per_year" in shared
    beyond = []
    for name in shared:
        per_lab = "lab" in dataset[name].dims
        for lab in full.labs if per_lab else [None]:
            variable = dataset[name] if lab is None else dataset[name].sel(lab=lab)
            source = full.dataset[name] if lab is None else full.dataset[name].sel(lab=lab)
            assert variable.dims[0] == "statistic"
            assert variable.dims[1:] == source.dims[1:]
            draws = np.asarray(source.values, dtype=float).reshape(source.shape[0], -1)
            table = np.asarray(variable.values, dtype=float).reshape(len(statistics), -1)
            assert_means_equal(table[0], draws.mean(axis=0), draws)
            np.testing.assert_array_equal(table[1], draws.min(axis=0))
            np.testing.assert_array_equal(table[2], draws.max(axis=0))
            if not within_grid(draws):
                beyond.append(name)
                continue
            for level in (0.01, 0.5, 0.99):
                estimate = table[statistics.index(f"p{100 * level:g}")]
                assert_quantiles_within_bound(estimate, np.quantile(draws, level, axis=0), draws, level)
        if not name.startswith("input."):  # inputs: test_inputs_keep_their_units
            assert variable.attrs["units"] == full.dataset[name].attrs["units"]
            assert variable.attrs["long_name"] == full.dataset[name].attrs["long_name"]
            assert "description" in variable.attrs
    assert beyond == []  # every figure of the model has bins of its own


def test_inputs_keep_their_units(default_runs: Runs) -> None:
    full, summary = default_runs
    dataset = summary.to_dataset()
    inputs = [name for name in dataset.data_vars if name.startswith("input.") and name in full.dataset]
    assert inputs
    for name in inputs:
        assert dataset[name].attrs.get("units") == full.dataset[name].attrs.get("units"), name


def test_training_flop_quantiles_are_within_the_bound(default_runs: Runs) -> None:
    # Training compute (1e25 to 1e31 FLOP) is the largest figure of the model: catches a grid that ends
    # below it, whose one outer bin spreads the quantiles between the least and greatest value.
    full, summary = default_runs
    draws = draws_of(full, "model_training_flop", "lab")
    assert np.nanmax(draws) > 1e25
    assert within_grid(draws)
    estimate = summary.quantiles("model_training_flop", [0.5], "lab")[0]
    assert_quantiles_within_bound(estimate, np.quantile(draws, 0.5, axis=0), draws, 0.5)


def test_dataset_has_milestones_and_round_trips(tmp_path: Path) -> None:
    # A scenario whose outputs have a milestone dimension: catches milestone outputs dropped or laid out
    # along another dimension, and attributes netCDF cannot store.
    scenario = fs.bundled("capability_driven")
    summary = fs.simulate_summary(scenario, draws=400, seed=SEED)
    dataset = summary.to_dataset(quantiles=(0.1, 0.5, 0.9))
    assert list(dataset["statistic"].values) == ["mean", "min", "max", "p10", "p50", "p90"]
    assert list(dataset["milestone"].values) == list(scenario.capability.milestone_thresholds)
    with_milestones = [name for name in dataset.data_vars if "milestone" in dataset[name].dims]
    assert with_milestones
    for name in with_milestones:
        assert dataset[name].dims[0] == "statistic"
        assert dataset[name].sizes["milestone"] == len(scenario.capability.milestone_thresholds)
    assert all("units" in dataset[name].attrs for name in summary.sketches)
    path = tmp_path / "s.nc"
    dataset.to_netcdf(path)
    with xr.open_dataset(path) as loaded:
        xr.testing.assert_identical(loaded.load(), dataset)


# ---------------------------------------------------------------------------
# Chunk size and workers
# ---------------------------------------------------------------------------


def without_time(dataset: xr.Dataset) -> xr.Dataset:
    """The dataset without the time the run was made (the only attribute two runs may differ in)."""
    copy = dataset.copy()
    copy.attrs = {key: value for key, value in dataset.attrs.items() if key != "created_utc"}
    return copy


def assert_same_summary(first: SummaryResult, second: SummaryResult, *, attrs: bool = True) -> None:
    """The same sketches (counts, sums to the bit) and the same dataset but for the time of the run."""
    if attrs:
        xr.testing.assert_identical(without_time(first.to_dataset()), without_time(second.to_dataset()))
    else:
        xr.testing.assert_equal(first.to_dataset(), second.to_dataset())
    for name, sketch in first.sketches.items():
        other = second.sketches[name]
        np.testing.assert_array_equal(sketch.counts, other.counts)
        np.testing.assert_array_equal(
            np.ascontiguousarray(sketch.sums).view(np.int64), np.ascontiguousarray(other.sums).view(np.int64)
        )


@pytest.mark.slow
def test_chunk_size_and_workers_do_not_change_the_figures(default_runs: Runs) -> None:
    # Catches sums or extremes reset per chunk, chunks added out of order from the worker processes, or
    # sketches filled per worker and merged.
    _, reference = default_runs
    scenario = fs.bundled("default")
    for chunk_size in (333, 1_000, 4_096):
        assert_same_summary(
            fs.simulate_summary(scenario, draws=DEFAULT_DRAWS, seed=SEED, chunk_size=chunk_size), reference
        )
    parallel = fs.simulate_summary(scenario, draws=DEFAULT_DRAWS, seed=SEED, chunk_size=500, workers=2)
    assert_same_summary(parallel, reference)


def test_chunk_size_does_not_change_four_labs(four_lab_runs: Runs) -> None:
    # The same on several labs (per-lab columns), quickly: catches a chunk's lab columns added at an offset.
    _, reference = four_lab_runs
    other = fs.simulate_summary(fs.bundled("four_labs"), draws=FOUR_LAB_DRAWS, seed=SEED, chunk_size=777)
    assert_same_summary(other, reference)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def test_unknown_lab_is_refused_with_the_lab_names(runs: Runs) -> None:
    _, summary = runs
    names = ", ".join(summary.labs)
    for method in (summary.ruin_probability, summary.ruin_curve, summary.obligations_after_horizon):
        with pytest.raises(ValueError, match=f"no lab named 'nobody'; labs: {names}"):
            method("nobody")
    with pytest.raises(ValueError, match=names):
        summary.company_pnl("mean", "nobody")
    with pytest.raises(ValueError, match=names):
        summary.means("year_revenue_usd", "nobody")


def test_several_labs_need_a_name(four_lab_runs: Runs) -> None:
    # Catches lab=None read as the first lab of several.
    _, summary = four_lab_runs
    calls = [
        summary.ruin_probability,
        summary.ruin_curve,
        summary.obligations_after_horizon,
        summary.ruin_probability_by_year,
        summary.company_pnl,
        summary.cohort_pnl,
        lambda: summary.means("year_revenue_usd"),
        lambda: summary.quantiles("year_cash_usd", [0.5]),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="this run has 4 labs"):
            call()
    table = summary.summary()  # every lab's table, with the lab as the outer level
    assert list(table.index.get_level_values("lab").unique()) == summary.labs


def test_unknown_output_is_a_key_error(default_runs: Runs) -> None:
    _, summary = default_runs
    with pytest.raises(KeyError, match="year_revenue"):
        summary.means("year_revenu_usd")
    with pytest.raises(KeyError, match="no per-draw output"):
        summary.quantiles("nothing", [0.5])


def chunks(scenario: fs.Scenario, bounds: Sequence[tuple[int, int]]) -> list[ChunkReduction]:
    """The chunks of draws ``bounds`` of a run with the seed :data:`SEED`, simulated one by one."""
    root = seed_sequence(SEED)
    return [simulate_range(scenario, start, stop, root, False) for start, stop in bounds]


def test_accumulator_takes_chunks_in_order_only() -> None:
    # Sums are made in the order of the draws: catches a chunk accepted after a gap or twice, and a result
    # made before every draw is added.
    scenario = fs.bundled("default")
    parts = chunks(scenario, [(0, 100), (100, 200), (200, 300)])

    def accumulator() -> SummaryAccumulator:
        return SummaryAccumulator(scenario, 300, draw_plan(scenario).parameter_names, catalogue(scenario))

    with pytest.raises(ValueError, match="chunk 100:200 added after draw 0"):
        accumulator().add(parts[1])
    sketches = accumulator()
    sketches.add(parts[0])
    with pytest.raises(ValueError, match="200:300"):
        sketches.add(parts[2])
    with pytest.raises(ValueError, match="0:100"):
        sketches.add(parts[0])
    sketches.add(parts[1])
    with pytest.raises(ValueError, match="100 draws have not been simulated"):
        sketches.result({})
    sketches.add(parts[2])
    by_hand = sketches.result({})
    assert_same_summary(by_hand, fs.simulate_summary(scenario, draws=300, seed=SEED, chunk_size=100), attrs=False)


def test_draw_count_and_repr(default_runs: Runs) -> None:
    _, summary = default_runs
    assert summary.draws == DEFAULT_DRAWS
    assert f"{DEFAULT_DRAWS:,} draws" in repr(summary)
    assert isinstance(summary.summary(), pd.DataFrame)
