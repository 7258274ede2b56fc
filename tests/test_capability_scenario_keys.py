"""Milestones, segments and rival labs are scenario keys; the lab's margin is the segments' revenue-weighted one."""

from __future__ import annotations

import dataclasses
import itertools
import math
import tomllib
from typing import Any

import numpy as np
import pytest

import frontiersim as fs
from frontiersim.cli.main import main
from frontiersim.models.capability import (
    DEFAULT_MILESTONES,
    CapabilityDemand,
    frontier_index,
    log_competitive_share,
    revenue_weighted_margin,
)
from frontiersim.models.components.demand import segments_from_draws
from frontiersim.models.diffusion import CONSUMER, DEFAULT_SEGMENTS, ENTERPRISE, Segment
from frontiersim.models.engine import run_chunk
from frontiersim.scenario import bundled_text, parse_scenario, parse_scenario_text
from frontiersim.scenario.schema import (
    MILESTONE_LADDER,
    CapabilitySpec,
    ConsumerSegmentSpec,
    EnterpriseSegmentSpec,
)
from frontiersim.simulate import sample_draws
from frontiersim.testing import assert_accounting_identities
from frontiersim.testing.assertions import assert_gross_margin_applied

HEADER = '[scenario]\nname = "t"\nhorizon_years = 2\n[demand]\nkind = "capability"\n'


def capability_scenario(**capability: Any) -> fs.Scenario:
    """The bundled capability scenario with some ``[capability]`` keys replaced (validated)."""
    data = tomllib.loads(bundled_text("capability_driven"))
    data["capability"].update(capability)
    return parse_scenario(data, source="test")


def problems(text: str) -> list[fs.Problem]:
    with pytest.raises(fs.ScenarioError) as error:
        parse_scenario_text(text)
    return list(error.value.problems)


# --- milestones ----------------------------------------------------------------------------------------------------


def test_the_default_ladder_is_the_interviews_with_a_source_each() -> None:
    ladder = CapabilitySpec().milestones
    assert [name for name, _ in ladder] == list(MILESTONE_LADDER) == list(DEFAULT_MILESTONES)
    assert ladder[-1][0] == "country_of_geniuses_in_a_data_center"
    thresholds = [value for _, value in ladder]
    assert thresholds == sorted(thresholds)
    assert len(set(thresholds)) == len(thresholds)
    for _, source in MILESTONE_LADDER.values():
        assert "Dwarkesh Podcast" in source.render()
        assert source.render().startswith("assumption: threshold") or "threshold set so that" in source.render()


def test_defaults_lists_every_new_key_with_its_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["defaults"]) == 0
    out = capsys.readouterr().out
    for section in ("[capability.milestones]", "[capability.segments.enterprise]", "[capability.segments.consumer]"):
        assert section in out
    milestones = out.split("[capability.milestones]")[1].split("\n\n")[0]
    for name, (threshold, source) in MILESTONE_LADDER.items():
        assert f"  {name} = {threshold!r}" in milestones
        assert f"source: {source.render()}" in milestones
    for key in ("frontier_compute_growth_per_year", "rival_labs"):
        line = next(line for line in out.splitlines() if line.startswith(f"  {key} = "))
        after = out.split(line)[1].splitlines()[1:]
        entry = list(itertools.takewhile(lambda row: row.startswith("      "), after))  # the key's own lines
        source = next(row for row in entry if row.strip().startswith("source: "))
        assert "assumption" not in source.split(":", 1)[1][:12]  # Epoch and interview figures, not assumptions


def test_a_scenario_names_its_own_milestones() -> None:
    scenario = capability_scenario(milestones={"started": 0.0, "one tier": 1.0, "far away": 1000.0})
    assert scenario.capability.milestone_thresholds == {"started": 0.0, "one tier": 1.0, "far away": 1000.0}
    result = fs.simulate(scenario, draws=50, seed=1)
    months = result.lab_dataset()["milestone_month"]
    assert list(result.lab_dataset()["milestone"].values) == ["started", "one tier", "far away"]
    assert (months.sel(milestone="started") == 0).all()
    assert (months.sel(milestone="far away") == -1).all()
    # the arrival month is the first year-end index at or above the threshold, seen in the yearly index
    index = result.lab_dataset()["year_capability_index"].values
    arrival = months.sel(milestone="one tier").values
    for year in range(index.shape[1]):
        above = index[:, year] >= 1.0
        assert np.all((arrival[above] >= 0) & (arrival[above] <= 12 * year + 11))


def test_an_empty_ladder_tracks_no_milestones() -> None:
    result = fs.simulate(capability_scenario(milestones={}), draws=5, seed=1)
    assert "milestone" not in result.lab_dataset().dims


def test_bad_milestones_get_one_problem_each() -> None:
    text = (
        HEADER
        + '[capability.milestones]\nfirst = 1.0\nword = "x"\nlower = 0.5\nequal = 1.0\n'
        + "infinite = inf\nnot_a_number = nan\nnegative = -2\nflag = true\nhigher = 2\n"
    )
    found = {p.path: p.message for p in problems(text)}
    assert set(found) == {
        f"capability.milestones.{name}"
        for name in ("word", "lower", "equal", "infinite", "not_a_number", "negative", "flag")
    }
    assert "got 'x' (string)" in found["capability.milestones.word"]
    assert "got 0.5 (float)" in found["capability.milestones.lower"]
    assert "> 1, the threshold of the rung before it (first)" in found["capability.milestones.lower"]
    assert "> 1" in found["capability.milestones.equal"]
    assert "got inf (float)" in found["capability.milestones.infinite"]
    assert "got nan (float)" in found["capability.milestones.not_a_number"]
    assert "got -2 (integer)" in found["capability.milestones.negative"]
    assert "got True (boolean)" in found["capability.milestones.flag"]
    for message in found.values():
        assert "expected" in message
    (problem,) = problems(HEADER + "[capability]\nmilestones = [1, 2]\n")
    assert problem.path == "capability.milestones"
    assert "a table of milestone name = threshold" in problem.message


# --- segments ------------------------------------------------------------------------------------------------------


def test_segment_defaults_are_the_schema_defaults() -> None:
    assert DEFAULT_SEGMENTS == (ENTERPRISE, CONSUMER)
    enterprise, consumer = EnterpriseSegmentSpec(), ConsumerSegmentSpec()
    assert ENTERPRISE.gross_margin == float(enterprise.gross_margin.ppf(0.5)) == 0.7
    assert CONSUMER.innovation_per_year == float(consumer.innovation_per_year.ppf(0.5))
    assert enterprise.value_share + consumer.value_share == pytest.approx(1.0)
    # the interviews' contrasts: enterprise slower to start, steadier, better margins (Davos, 2026-01)
    assert ENTERPRISE.innovation_per_year < CONSUMER.innovation_per_year
    assert ENTERPRISE.volatility_per_sqrt_year < CONSUMER.volatility_per_sqrt_year
    assert ENTERPRISE.gross_margin > CONSUMER.gross_margin


def test_segment_keys_are_read_sampled_and_used() -> None:
    scenario = capability_scenario(
        segments={
            "enterprise": {"value_share": 0.5, "gross_margin": {"dist": "uniform", "low": 0.6, "high": 0.8}},
            "consumer": {"value_share": 0.5},
        }
    )
    segments = scenario.capability.segments
    assert segments.enterprise.value_share == 0.5
    assert segments.enterprise.innovation_per_year == EnterpriseSegmentSpec().innovation_per_year  # kept default
    assert segments.consumer.gross_margin == ConsumerSegmentSpec().gross_margin
    draws = sample_draws(scenario, 0, 64, seed=3)
    margins = draws["capability.segments.enterprise.gross_margin"]
    assert np.ptp(margins) > 0
    built = segments_from_draws(scenario, draws)
    assert [s.name for s in built] == ["enterprise", "consumer"]
    np.testing.assert_array_equal(built[0].gross_margin, margins)
    dataset = fs.simulate(scenario, draws=20, seed=3).lab_dataset()
    assert "input.capability.segments.consumer.imitation_per_year" in dataset
    assert "input.operations.gross_margin" not in dataset  # unused in capability mode, not sampled
    assert "input.demand.volatility_per_sqrt_year" not in dataset


def test_faster_consumer_adoption_raises_early_demand() -> None:
    calm = {"volatility_per_sqrt_year": 0.0}
    slow = capability_scenario(segments={"enterprise": calm, "consumer": {**calm, "imitation_per_year": 0.5}})
    fast = capability_scenario(segments={"enterprise": calm, "consumer": {**calm, "imitation_per_year": 4.0}})
    demand = {
        name: fs.simulate(s, draws=50, seed=4, keep_monthly=True).lab_dataset()["demand_usd_per_year"].values[:, 1:6]
        for name, s in (("slow", slow), ("fast", fast))
    }
    assert np.all(demand["fast"] > demand["slow"])


def test_segment_volatility_drives_the_noise() -> None:
    # training compute adds nothing (0 FLOP per GW-month), so demand differs across draws only by its noise
    fixed = {"initial_training_flop": 5e26, "flop_per_gw_month": 0.0, "efficiency_doubling_months": 8.0}
    fixed |= {"value_multiple_per_tier": 10.0, "frontier_compute_growth_per_year": 4.86}
    quiet = {"volatility_per_sqrt_year": 0.0}
    calm = capability_scenario(**fixed, segments={"enterprise": quiet, "consumer": quiet})
    noisy = capability_scenario(**fixed, segments={"enterprise": quiet, "consumer": {"volatility_per_sqrt_year": 1.0}})
    policy = fs.FixedSchedulePolicy((0.0,))
    calm_demand = fs.simulate(calm, draws=30, seed=5, keep_monthly=True, policy=policy).lab_dataset()
    noisy_demand = fs.simulate(noisy, draws=30, seed=5, keep_monthly=True, policy=policy).lab_dataset()
    calm_demand, noisy_demand = calm_demand["demand_usd_per_year"], noisy_demand["demand_usd_per_year"]
    assert np.ptp(calm_demand.values[:, 6]) <= 1e-12 * float(calm_demand.values[0, 6])  # every draw the same
    assert np.std(np.log(noisy_demand.values[:, 6])) > 0.05


def test_bad_segments_are_reported() -> None:
    text = (
        HEADER
        + "[capability.segments.enterprise]\nvalue_share = 0.5\ngross_margin = 1.5\ncolour = 'red'\n"
        + "[capability.segments.retail]\nvalue_share = 0.1\n"
    )
    found = {p.path: p.message for p in problems(text)}
    assert (
        "got 1.5 (float); expected a number or distribution in [0, 1]"
        in found["capability.segments.enterprise.gross_margin"]
    )
    assert "no such key in [capability.segments.enterprise]" in found["capability.segments.enterprise.colour"]
    assert "known keys: enterprise, consumer" in found["capability.segments.retail"]
    assert "add up to 0.8 (enterprise 0.5 + consumer 0.3)" in found["capability.segments.enterprise.value_share"]


def test_keys_the_segments_replace_are_refused_in_capability_mode() -> None:
    found = {
        p.path: p.message
        for p in problems(
            HEADER.replace("[demand]\n", "[demand]\nvolatility_per_sqrt_year = 0.3\n")
            + "[operations]\ngross_margin = 0.6\n"
        )
    }
    assert "each segment has its own" in found["demand.volatility_per_sqrt_year"]
    assert "revenue-weighted margin" in found["operations.gross_margin"]
    (problem,) = problems(HEADER.replace("[demand]\n", "[demand]\ninitial_usd_per_year = 0\n"))
    assert problem.path == "demand.initial_usd_per_year"
    assert "values > 0 when kind = 'capability'" in problem.message


# --- the lab's gross margin ----------------------------------------------------------------------------------------


def segment(margin: float | np.ndarray, share: float) -> Segment:
    return Segment("s", 0.1, 1.0, 0.0, margin, share)  # type: ignore[arg-type]


def test_equal_margins_give_that_margin() -> None:
    rng = np.random.default_rng(0)
    revenue = [rng.uniform(0.0, 1e10, 50), rng.uniform(0.0, 1e10, 50)]
    got = revenue_weighted_margin(revenue, [segment(0.63, 0.7), segment(0.63, 0.3)])
    np.testing.assert_allclose(got, 0.63, rtol=1e-15)


def test_the_margin_stays_within_the_segments_margins_despite_rounding() -> None:
    revenue = [np.full(3, 0.7e10), np.full(3, 0.30000000000000004e10)]
    np.testing.assert_array_equal(revenue_weighted_margin(revenue, [segment(1.0, 0.7), segment(1.0, 0.3)]), 1.0)
    rng = np.random.default_rng(1)
    margins = rng.uniform(0.0, 1.0, (2, 1000))
    got = revenue_weighted_margin(
        [rng.uniform(0, 1e12, 1000), rng.uniform(0, 1e12, 1000)],
        [segment(margins[0], 0.5), segment(margins[1], 0.5)],
    )
    assert np.all((got >= margins.min(axis=0)) & (got <= margins.max(axis=0)))


def test_shifting_revenue_to_the_higher_margin_segment_raises_the_margin() -> None:
    segments = [segment(0.75, 0.5), segment(0.35, 0.5)]
    enterprise_share = np.linspace(0.0, 1.0, 11)
    total = 1e10
    got = revenue_weighted_margin([enterprise_share * total, (1 - enterprise_share) * total], segments)
    assert np.all(np.diff(got) > 0)
    np.testing.assert_allclose(got, 0.35 + 0.4 * enterprise_share, rtol=1e-12)
    # per-draw margins broadcast, and no revenue falls back to the value shares
    per_draw = revenue_weighted_margin([np.zeros(2), np.zeros(2)], [segment(np.array([0.6, 0.8]), 0.5), segments[1]])
    np.testing.assert_allclose(per_draw, [0.475, 0.575])


def test_the_run_uses_the_revenue_weighted_margin_every_month() -> None:
    """Replaying the run's own training compute through the kernel gives the same margin, month by month."""
    scenario = capability_scenario(
        segments={
            "enterprise": {"gross_margin": 0.8, "volatility_per_sqrt_year": 0.0},
            "consumer": {"gross_margin": 0.2},
        }
    )
    draws = sample_draws(scenario, 0, 40, seed=6)
    output = run_chunk(scenario, draws)
    margin = output.monthly["gross_margin"]
    assert np.ptp(margin) > 0.05  # the mix moves
    segments = segments_from_draws(scenario, draws)
    driver = CapabilityDemand(
        initial_training_flop=draws["capability.initial_training_flop"],
        flop_per_gw_month=draws["capability.flop_per_gw_month"],
        efficiency_doubling_months=draws["capability.efficiency_doubling_months"],
        slope_per_decade=draws["capability.slope_per_decade"],
        initial_addressable_usd_per_year=draws["demand.initial_usd_per_year"] * draws["capability.initial_overhang"],
        value_multiple_per_tier=draws["capability.value_multiple_per_tier"],
        initial_deployed_usd_per_year=draws["demand.initial_usd_per_year"],
        draws=draws.size,
        segments=segments,
        frontier_compute_growth_per_year=draws["capability.frontier_compute_growth_per_year"],
        rival_labs=scenario.capability.rival_labs,
    )
    consumer_walk = np.cumsum(
        np.where(np.arange(scenario.horizon_months) > 0, draws.shocks["capability.segments.consumer.log_shocks"], 0.0),
        axis=1,
    ) * (draws["capability.segments.consumer.volatility_per_sqrt_year"][:, None] / math.sqrt(12.0))
    training = output.monthly["training_gw"]
    hardware = draws["compute.flop_per_gw_growth_per_year"]
    for t in range(scenario.horizon_months):
        # last month's GW, counted at last month's hardware
        last = training[:, t - 1] * hardware ** (max(t - 1, 0) / 12.0) if t > 0 else np.zeros(draws.size)
        driver.demand_usd_per_year(t, last)
        enterprise, consumer = driver.deployed_by_segment
        consumer = consumer * np.exp(consumer_walk[:, t])
        expected = (0.8 * enterprise + 0.2 * consumer) / (enterprise + consumer)
        np.testing.assert_allclose(margin[:, t], expected, rtol=1e-9)
    revenue, cost = output.monthly["revenue_usd"], output.monthly["inference_cost_usd"]
    np.testing.assert_allclose(cost, revenue * (1 - margin), rtol=1e-9, atol=1e-6)


def test_identities_hold_and_the_margin_assertion_can_fail() -> None:
    result = fs.simulate(fs.bundled("capability_driven"), draws=40, seed=7, keep_monthly=True)
    assert_accounting_identities(result)
    broken = result.lab_dataset().copy(deep=True)
    broken["gross_margin"].values[3, 5] += 0.05
    with pytest.raises(AssertionError, match=r"inference_cost_usd != revenue_usd \* \(1 - gross_margin\)"):
        assert_gross_margin_applied(broken)
    growth = fs.simulate(fs.bundled("default"), draws=10, seed=7, keep_monthly=True).lab_dataset().copy(deep=True)
    assert_gross_margin_applied(growth)
    growth["gross_margin"].values[1, 2] = 0.99
    growth["inference_cost_usd"].values[1, 2] = growth["revenue_usd"].values[1, 2] * 0.01
    with pytest.raises(AssertionError, match=r"gross_margin != input\.operations\.gross_margin"):
        assert_gross_margin_applied(growth)


# --- rivals at the industry frontier -------------------------------------------------------------------------------


def test_competitive_share() -> None:
    log_m = math.log(10.0)
    assert log_competitive_share(0.0, log_m, 3) == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_array_equal(log_competitive_share(np.array([-5.0, 0.0, 5.0]), log_m, 0), 0.0)
    assert math.exp(log_competitive_share(50.0, log_m, 3)) == pytest.approx(4.0)  # the whole market
    # far behind: the logit share (k + 1) m^gap / k
    assert math.exp(log_competitive_share(-4.0, log_m, 3)) == pytest.approx(4 / 3 * 1e-4, rel=1e-3)
    gaps = np.linspace(-300.0, 300.0, 601)
    shares = log_competitive_share(gaps, log_m, 2)
    assert np.all(np.isfinite(shares))
    assert np.all(np.diff(shares) >= 0)
    with pytest.raises(ValueError, match="rival_labs"):
        log_competitive_share(0.0, log_m, -1)


def test_frontier_index_is_the_compute_trend_plus_algorithms() -> None:
    months = np.arange(0, 61, 12)
    got = frontier_index(months, 4.86, 8.0, 1.0)
    np.testing.assert_allclose(got, months / 12 * math.log10(4.86) + months / 8 * math.log10(2.0))
    assert frontier_index(24, 10.0, 1e12, 1.5) == pytest.approx(3.0)


def test_faster_rivals_take_demand_away() -> None:
    def demand(growth: float, rivals: int) -> np.ndarray:
        driver = CapabilityDemand(
            3e26, 7e25, 8.0, 1.0, 1e11, 10.0, 1e10, draws=1, frontier_compute_growth_per_year=growth, rival_labs=rivals
        )
        return np.array([driver.demand_usd_per_year(t, np.ones(1))[0] for t in range(36)])

    alone = demand(4.86, 0)
    np.testing.assert_array_equal(alone, demand(100.0, 0))  # without rivals their compute does not matter
    slow, trend, fast = demand(1.5, 2), demand(4.86, 2), demand(20.0, 2)
    assert slow[0] == trend[0] == fast[0] == alone[0]
    assert np.all(slow[1:] > trend[1:])
    assert np.all(trend[1:] > fast[1:])


def test_rival_labs_key() -> None:
    scenario = capability_scenario(rival_labs=0)
    assert dataclasses.replace(scenario.capability, rival_labs=2) == CapabilitySpec(
        **{f.name: getattr(scenario.capability, f.name) for f in dataclasses.fields(CapabilitySpec)} | {"rival_labs": 2}
    )
    (problem,) = problems(HEADER + "[capability]\nrival_labs = 1.5\n")
    assert problem.path == "capability.rival_labs"
    assert "an integer in [0, 100]" in problem.message
