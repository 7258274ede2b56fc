"""The default scenario judged as the interviews describe the business.

Dwarkesh Podcast, "Dario Amodei: We are near the end of the exponential"
(2026-02-13): the training share is "of order one ... not 5% not 95%"; each
model costs more than the last; capacity bought years ahead must not lapse
while customers wait; and what is owed after the horizon is part of the bet.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import frontiersim as fs
from frontiersim.cli.main import main

DRAWS = 2000


@pytest.fixture(scope="module")
def default_run() -> fs.SimulationResult:
    return fs.simulate(fs.bundled("default"), draws=DRAWS, keep_monthly=True)


def test_the_median_training_share_is_of_order_one_every_year(default_run: fs.SimulationResult) -> None:
    share = np.median(default_run.lab_dataset()["year_training_share"].values, axis=0)
    assert share.shape == (5,)
    assert np.all((share >= 0.25) & (share <= 0.75)), share


def test_models_cost_more_year_after_year_and_none_is_free(default_run: fs.SimulationResult) -> None:
    dataset = default_run.lab_dataset()
    cost = dataset["model_training_cost_usd"].values  # (draw, model): incumbent, releases, one in training
    releases = dataset["release_month"].values
    released = (releases >= 0) & (np.arange(cost.shape[1]) < cost.shape[1] - 1)
    median = np.median(cost, axis=0)
    years = releases[released] // 12
    by_year = [median[released][years == year].mean() for year in np.unique(years)]
    assert all(later > earlier for earlier, later in itertools.pairwise(by_year)), by_year
    # every model released within the horizon in a draw where the lab is alive at its release cost something
    ruin = dataset["ruin_month"].values
    alive_at_release = (ruin[:, None] < 0) | (ruin[:, None] > releases[None, :])
    assert np.all(cost[:, released][alive_at_release[:, released]] > 0)


def test_no_draw_runs_out_of_capacity_while_customers_wait(default_run: fs.SimulationResult) -> None:
    dataset = default_run.lab_dataset()
    capacity = dataset["capacity_gw"].transpose("draw", "month").values
    demand = dataset["demand_usd_per_year"].transpose("draw", "month").values
    cash = dataset["cash_usd"].transpose("draw", "month").values
    ruin = dataset["ruin_month"].values
    months = np.arange(capacity.shape[1])
    alive = (ruin[:, None] < 0) | (months[None, :] < ruin[:, None])
    starved = alive & (capacity <= 0) & (demand > 0)
    assert not starved.any(), f"{starved.any(axis=1).sum()} draws with no capacity while demand waits"
    assert np.isfinite(cash).all()


def test_the_bet_includes_what_is_owed_after_the_horizon(default_run: fs.SimulationResult) -> None:
    within = default_run.ruin_probability()
    with_runoff = default_run.ruin_probability(including_runoff=True)
    assert within <= with_runoff <= 1.0
    owed = default_run.obligations_after_horizon()
    assert owed > 1e11  # hundreds of billions at least: contracts run five years past their arrival
    dataset = default_run.lab_dataset()
    ruin, with_runoff_month = dataset["ruin_month"].values, dataset["ruin_month_including_runoff"].values
    ruined = ruin >= 0
    np.testing.assert_array_equal(with_runoff_month[ruined], ruin[ruined])
    later = with_runoff_month[~ruined]
    assert np.all((later == -1) | (later >= 60))


def test_run_prints_obligations_and_the_run_off(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    assert main(["run", "default", "--draws", "300", "--no-store", "--no-save"]) == 0
    out = capsys.readouterr().out
    assert "P(ruin within the horizon) = " in out
    assert "P(ruin including the run-off) = " in out
    assert "Obligations after the horizon = $" in out
