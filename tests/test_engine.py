"""The engine's own contracts: months written in place, yearly figures either way, and shapes checked."""

from __future__ import annotations

import importlib

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


def test_a_policy_given_for_a_lab_is_used_even_if_it_is_falsy() -> None:
    class Empty(fs.FixedSchedulePolicy):
        def __len__(self) -> int:
            return 0

    scenario = fs.bundled("four_labs")
    plain = fs.simulate(scenario, draws=30, seed=1, keep_monthly=False)
    given = fs.simulate(scenario, draws=30, seed=1, keep_monthly=False, policy={"beta": Empty((0.0,))})
    assert not np.array_equal(plain.dataset["year_capacity_gw"].values, given.dataset["year_capacity_gw"].values)
    assert "Empty(commitments_gw=(0.0,))" in given.dataset.attrs["policy"]  # each lab's policy, as run
    assert "gamma: QuantilePolicySpec" in given.dataset.attrs["policy"]


def test_long_tables_keep_inputs_and_market_figures() -> None:
    result = fs.simulate(fs.bundled("four_labs"), draws=12, seed=1, keep_monthly=True)
    draws = result.to_dataframe("draws")
    assert draws.index.names == ["draw", "lab"]
    assert {"ruin_month", "input.demand.growth_per_year", "input.labs.delta.finance.starting_cash_usd"} <= set(draws)
    yearly = result.to_dataframe("yearly")
    assert yearly.index.names == ["draw", "lab", "year"]
    assert {"year_revenue_usd", "year_market_demand_usd"} <= set(yearly)
    monthly = result.to_dataframe("monthly")
    assert {"cash_usd", "market_demand_usd_per_year"} <= set(monthly)
    assert len(monthly) == 12 * 4 * 60


def test_monthly_arrays_by_default_are_bounded_in_lab_months(monkeypatch: pytest.MonkeyPatch) -> None:
    months = fs.bundled("default").horizon_months
    monkeypatch.setattr(importlib.import_module("frontiersim.simulate"), "MONTHLY_LIMIT_DRAW_MONTHS", 10 * months * 2)
    assert fs.simulate(fs.bundled("default"), draws=10, seed=1).has_monthly  # 10 lab-draws x months: under
    assert not fs.simulate(fs.bundled("four_labs"), draws=10, seed=1).has_monthly  # 40 lab-draws x months: over
