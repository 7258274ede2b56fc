"""The engine's own contracts: months written in place, yearly figures either way, and shapes checked."""

from __future__ import annotations

import numpy as np
import pytest

import frontiersim as fs
from frontiersim.models.catalogue import reduce_to_years
from frontiersim.models.engine import run_chunk
from frontiersim.simulate import sample_draws


@pytest.fixture(scope="module", params=["default", "four_labs", "capability_driven"])
def scenario(request: pytest.FixtureRequest) -> fs.Scenario:
    return fs.bundled(request.param)


def test_months_are_written_in_place_where_asked(scenario: fs.Scenario) -> None:
    draws = sample_draws(scenario, 0, 50, seed=4)
    fresh = run_chunk(scenario, draws)
    months, wide = scenario.horizon_months, 3 * 50 * len(scenario.labs)
    # views with a row stride wider than the chunk, as into a run's results
    target = {
        name: np.full((months, wide), np.nan)[:, 10 : 10 + values.shape[1]] for name, values in fresh.by_month.items()
    }
    written = run_chunk(scenario, draws, monthly_out=target)
    for name, values in fresh.by_month.items():
        assert written.by_month[name] is target[name]
        np.testing.assert_array_equal(target[name], values, err_msg=name)
    for name, values in fresh.by_year.items():
        np.testing.assert_array_equal(written.by_year[name], values, err_msg=name)


def test_yearly_figures_are_the_same_with_or_without_monthly_arrays(scenario: fs.Scenario) -> None:
    draws = sample_draws(scenario, 0, 40, seed=9)
    monthly = run_chunk(scenario, draws)
    summary = run_chunk(scenario, draws, keep_monthly=False)
    assert summary.by_month == {}
    assert set(summary.by_year) == set(monthly.by_year)
    for name, values in monthly.by_year.items():
        np.testing.assert_array_equal(summary.by_year[name], values, err_msg=name)
    # and the same as reducing the monthly arrays afterwards
    for name, values in reduce_to_years(monthly.by_month, monthly.catalogue).items():
        np.testing.assert_array_equal(values, monthly.by_year[name], err_msg=name)


def test_a_buffer_of_the_wrong_shape_is_refused() -> None:
    scenario = fs.bundled("default")
    draws = sample_draws(scenario, 0, 10, seed=1)
    with pytest.raises(ValueError, match="cash_usd"):
        run_chunk(scenario, draws, monthly_out={"cash_usd": np.empty((scenario.horizon_months, 11))})


def test_results_do_not_depend_on_the_chunk_size_with_monthly_arrays() -> None:
    scenario = fs.bundled("four_labs")
    whole = fs.simulate(scenario, draws=300, seed=2, keep_monthly=True, chunk_size=300).dataset
    pieces = fs.simulate(scenario, draws=300, seed=2, keep_monthly=True, chunk_size=70).dataset
    for name in whole.data_vars:
        np.testing.assert_array_equal(whole[name].values, pieces[name].values, err_msg=str(name))
