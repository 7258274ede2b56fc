"""The dashboard's tornado of what drives ruin in the page's own draws."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from frontiersim.dashboard.worker import simulation_job
from frontiersim.scenario.distributions import Fixed
from frontiersim.scenario.loader import bundled
from frontiersim.sensitivity import analyse_scenario, drivers_in_draws
from frontiersim.simulate import simulate

DRAWS, SEED = 2_000, 7


def test_the_drivers_are_the_rank_analysis_of_the_same_draws() -> None:
    """Same scenario, draws and seed: the dashboard's indices are the rank method's, to the last bit."""
    scenario = bundled("default")
    result = simulate(scenario, draws=DRAWS, seed=SEED, keep_monthly=True)
    drivers = drivers_in_draws(result, scenario, seed=SEED, resamples=100)
    analysed = analyse_scenario(scenario, "rank", samples=DRAWS, seed=SEED, resamples=100)
    assert drivers is not None
    pd.testing.assert_frame_equal(drivers.reset_index(drop=True), analysed.table.reset_index(drop=True))
    assert set(drivers["index"]) == {"spearman", "prcc"}


def test_the_simulate_answer_ends_with_the_tornado() -> None:
    answer = simulation_job(lambda: None, bundled("default"), DRAWS, SEED, None)
    drivers = answer["charts"][-1]
    assert drivers["name"] == "drivers"
    rows = [row for data in drivers["spec"]["datasets"].values() for row in data if "outcome_label" in row]
    labels = {row["outcome_label"] for row in rows}
    assert labels == {"What drives P(ruin within the horizon) in these draws"}
    ranked = sorted({(row["rank"], row["input"]) for row in rows})
    assert ranked[0][1] in {"operations.gross_margin", "demand.growth_per_year"}, ranked
    assert answer["timing"]["drivers_seconds"] >= 0.0


def test_no_tornado_without_uncertain_keys_or_without_ruin() -> None:
    answer = simulation_job(lambda: None, bundled("toy_50_50"), 100, SEED, None)
    assert "drivers" not in [chart["name"] for chart in answer["charts"]]
    scenario = bundled("default")
    rich = dataclasses.replace(scenario, finance=dataclasses.replace(scenario.finance, starting_cash_usd=Fixed(1e15)))
    result = simulate(rich, draws=200, seed=SEED)
    assert drivers_in_draws(result, rich) is None  # never ruined: nothing to correlate


@pytest.mark.parametrize("lab", ["alpha", "delta"])
def test_each_lab_gets_its_own_drivers(lab: str) -> None:
    scenario = bundled("four_labs")
    if lab not in scenario.lab_names:
        pytest.skip(f"four_labs has labs {scenario.lab_names}")
    answer = simulation_job(lambda: None, scenario, DRAWS, SEED, lab)
    assert answer["lab"] == lab
    assert answer["charts"][-1]["name"] == "drivers"
