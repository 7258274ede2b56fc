"""Accounting identities of the lab economics: allocation rules, run-off, renewal and growth-dependent rounds.

Properties over random valid scenarios (:func:`frontiersim.testing.scenarios`),
checked on the engine (:func:`frontiersim.models.run_chunk`) and, for the
run-off, on the reference loop too (:func:`frontiersim.testing.simulate_reference`),
which runs each lab off to the end of its own last contract; the engine's
chunk-wide run-off is checked on chunks of one draw of one lab, where the
two conventions coincide (see ``tests/test_reference_loop.py``).
"""

from __future__ import annotations

import tomllib
from typing import Any

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import frontiersim as fs
from frontiersim.models import ChunkOutput, run_chunk
from frontiersim.scenario import bundled_text, parse_scenario
from frontiersim.testing import scenarios, seeds, simulate_reference
from frontiersim.testing.strategies import scenario_tables

RTOL = 1e-9


def _decides(scenario: fs.Scenario) -> bool:
    """Every lab decides within the horizon (the engine fails on a lab that does not: a known defect)."""
    return all(lab.decision_months(scenario.horizon_months) for lab in scenario.labs)


def _lab_draws(scenario: fs.Scenario, draws: fs.Draws, path: str) -> NDArray[np.float64]:
    """Each lab's draw of ``path``, draw-major ``(draws * labs,)``, 0 where the key is not sampled."""
    per_lab = [draws.parameters.get(lab.parameter_stream(path), np.zeros(draws.size)) for lab in scenario.labs]
    return np.stack(per_lab, axis=1).reshape(-1)


def _rules(scenario: fs.Scenario, draws: fs.Draws) -> NDArray[np.str_]:
    """Each column's allocation rule."""
    return np.tile(np.array([lab.operations.allocation_rule for lab in scenario.labs]), draws.size)


def _run(scenario: fs.Scenario, seed: int) -> tuple[fs.Draws, ChunkOutput]:
    draws = fs.sample_draws(scenario, 0, scenario.simulation.draws, seed)
    return draws, run_chunk(scenario, draws)


# ---------------------------------------------------------------------------
# Allocation
# ---------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(scenario=scenarios(max_draws=10, max_horizon_years=3, labs=(0, 3)), seed=seeds())
def test_allocation_splits_capacity_against_the_plan(scenario: fs.Scenario, seed: int) -> None:
    assume(_decides(scenario))
    draws, out = _run(scenario, seed)
    m = out.by_month
    capacity, inference, training = m["capacity_gw"], m["inference_gw"], m["training_gw"]
    scale = max(float(np.max(capacity, initial=0.0)), 1e-300)
    atol = 1e-12 * scale
    # inference + training = capacity, each non-negative
    np.testing.assert_allclose(inference + training, capacity, rtol=RTOL, atol=atol)
    assert np.all(inference >= -atol)
    assert np.all(training >= -atol)
    # the planned share: max(target, floor) for target_share, 1 - cap for inference_first, the floor for residual
    rules = _rules(scenario, draws)
    floor = _lab_draws(scenario, draws, "operations.min_training_share")
    target = _lab_draws(scenario, draws, "operations.target_training_share")
    cap = _lab_draws(scenario, draws, "operations.max_inference_share")
    plan = np.where(rules == "target_share", np.maximum(target, floor), np.where(rules == "residual", floor, 1 - cap))
    squeezed, spare = m["squeezed_training_gw"], m["spare_training_gw"]
    assert np.all(squeezed >= 0)
    assert np.all(spare >= 0)
    assert np.all(np.minimum(squeezed, spare) <= atol)  # never both
    np.testing.assert_allclose(spare - squeezed, training - plan * capacity, rtol=RTOL, atol=atol)
    # the training share is training over capacity, 0 without capacity
    share = m["training_share"]
    np.testing.assert_allclose(share * capacity, training, rtol=RTOL, atol=atol)
    assert np.all(share[capacity == 0] == 0)
    # the inference cap: all but the floor (target_share, residual), max_inference_share (inference_first)
    limit = np.where(rules == "inference_first", cap, 1.0 - floor)
    assert np.all(inference <= limit * capacity * (1 + RTOL) + atol)
    first = rules == "inference_first"
    with np.errstate(divide="ignore", invalid="ignore"):
        inference_share = np.where(capacity > 0, inference / capacity, 0.0)
    assert np.all(inference_share[:, first] <= cap[first] * (1 + RTOL) + 1e-12)


# ---------------------------------------------------------------------------
# Run-off
# ---------------------------------------------------------------------------


def _assert_runoff_consistent(scenario: fs.Scenario, out: ChunkOutput) -> None:
    final = out.final
    ruin, including = final["ruin_month"], final["ruin_month_including_runoff"]
    horizon = scenario.horizon_months
    ruined = ruin >= 0
    np.testing.assert_array_equal(including[ruined], ruin[ruined])
    assert np.all((including[~ruined] == -1) | (including[~ruined] >= horizon))
    # cash after the run-off is the horizon's for a lab ruined in it, and revenue after the horizon is 0
    np.testing.assert_array_equal(final["cash_after_runoff_usd"][ruined], out.by_month["cash_usd"][-1, ruined])
    assert np.all(final["runoff_revenue_usd"][ruined] == 0)
    assert np.all(final["runoff_revenue_usd"] >= 0)
    # no obligations after the horizon and cash left: nothing to pay, never ruined in the run-off
    free = ~ruined & (final["obligations_after_horizon_usd"] == 0) & (out.by_month["cash_usd"][-1] > 0)
    assert np.all(including[free] == -1)


@settings(max_examples=25, deadline=None)
@given(scenario=scenarios(max_draws=10, max_horizon_years=3, labs=(0, 3)), seed=seeds())
def test_runoff_of_the_reference_is_consistent(scenario: fs.Scenario, seed: int) -> None:
    draws = fs.sample_draws(scenario, 0, scenario.simulation.draws, seed)
    _assert_runoff_consistent(scenario, simulate_reference(scenario, draws))


@settings(max_examples=25, deadline=None)
@given(scenario=scenarios(max_draws=1, max_horizon_years=3), seed=seeds())
def test_runoff_of_the_engine_is_consistent_on_one_draw_of_one_lab(scenario: fs.Scenario, seed: int) -> None:
    """One draw of one lab: the engine's run-off, which stops with the chunk's books, is the lab's own."""
    assume(_decides(scenario))
    _, out = _run(scenario, seed)
    _assert_runoff_consistent(scenario, out)


# ---------------------------------------------------------------------------
# Renewal
# ---------------------------------------------------------------------------


@st.composite
def _renewing_scenarios(draw: st.DrawFn) -> fs.Scenario:
    """Growth-hedge buyers that must never run out of capacity once the first purchase has arrived.

    The property can legitimately fail, and these scenarios exclude it, when the policy does not renew (a fixed
    schedule, a quantile policy whose forecast falls, a hedge factor of 0), when the requirement is 0 (no demand,
    a gross margin of 1), when a contract is shorter than the gap between decisions, or a planning window
    shorter than that gap (a contract expiring before the next arrival is not replaced), or when explicit
    decision months stop before the horizon's end.
    """
    tables = draw(
        scenario_tables(
            max_draws=8, max_horizon_years=4, demand_kinds=("growth", "path"), policy_kinds=("growth_hedge",)
        )
    )
    compute = tables["compute"]
    compute.pop("decision_months", None)
    compute["planning_window_months"] = draw(st.sampled_from([-1, compute["decision_interval_months"] - 1, 30]))
    compute["contract_term_months"] = max(compute["contract_term_months"], compute["decision_interval_months"])
    compute["first_decision_month"] = min(compute["first_decision_month"], 12 * tables["scenario"]["horizon_years"] - 1)
    if tables["policy"]["hedge_factor"] <= 0:
        tables["policy"]["hedge_factor"] = 1.0
    return parse_scenario(tables, source="<renewal>")


@settings(max_examples=30, deadline=None)
@given(scenario=_renewing_scenarios(), seed=seeds())
def test_growth_hedge_renews_what_expires_within_the_window(scenario: fs.Scenario, seed: int) -> None:
    _, out = _run(scenario, seed)
    (lab,) = scenario.labs
    first_arrival = lab.decision_months(scenario.horizon_months)[0] + lab.compute.lead_time_months
    months = np.arange(scenario.horizon_months)
    m = out.by_month
    decisions = list(lab.decision_months(scenario.horizon_months))
    # positive requirement at every decision: demand > 0 and margin < 1 (else buying nothing is right)
    needs = np.all(m["demand_usd_per_year"][decisions] > 0, axis=0) & np.all(m["gross_margin"][decisions] < 1, axis=0)
    alive = (out.ruin_month[None, :] < 0) | (months[:, None] < out.ruin_month[None, :])
    after = months[:, None] >= first_arrival
    short = alive & after & needs[None, :] & (m["capacity_gw"] <= 0)
    assert not short.any(), f"no capacity at (month, draw) {np.argwhere(short)[:5].tolist()}"


def test_a_fixed_schedule_or_a_hedge_of_zero_may_leave_the_lab_without_capacity() -> None:
    """The exclusions are needed: without renewal the default lab runs out of capacity."""
    hedge = tomllib.loads(bundled_text("default"))["policy"]
    for policy in ({"kind": "fixed_schedule", "commitments_gw": [1.0]}, {**hedge, "hedge_factor": 0.0}):
        data = tomllib.loads(bundled_text("default"))
        data["scenario"]["horizon_years"] = 8
        data["policy"] = policy
        scenario = parse_scenario(data, source="default (no renewal)")
        out = run_chunk(scenario, fs.sample_draws(scenario, 0, 5, seed=1))
        alive = out.ruin_month < 0
        assert np.any(out.by_month["capacity_gw"][-1, alive] == 0) or not alive.any()


# ---------------------------------------------------------------------------
# Rounds depend on growth
# ---------------------------------------------------------------------------


def _flat_demand(elasticity: float) -> fs.Scenario:
    data: dict[str, Any] = tomllib.loads(bundled_text("default"))
    data["scenario"]["horizon_years"] = 4
    data["demand"].update(growth_per_year=1.0, volatility_per_sqrt_year=0.0, delay_months=0)
    data["finance"].update(
        starting_cash_usd=1e9,
        fundraising_enabled=True,
        raise_success_probability=1.0,
        raise_min_interval_months=1,
        raise_growth_elasticity=elasticity,
    )
    return parse_scenario(data, source=f"flat demand, elasticity {elasticity}")


def test_a_lab_whose_demand_does_not_grow_cannot_raise() -> None:
    """With elasticity > 0 no round closes once the trailing year's growth is measured (month 12 on)."""
    draws = fs.sample_draws(_flat_demand(0.5), 0, 20, seed=3)
    for run in (run_chunk, simulate_reference):
        flat = run(_flat_demand(0.5), draws)
        assert np.all(flat.by_month["financing_usd"][12:] == 0)
        assert np.any(flat.by_month["financing_usd"][:12] > 0)  # before, demand is taken to have grown at the reference
    # not vacuous: the same lab without the elasticity does raise after month 12
    free = run_chunk(_flat_demand(0.0), fs.sample_draws(_flat_demand(0.0), 0, 20, seed=3))
    assert np.any(free.by_month["financing_usd"][12:] > 0)
