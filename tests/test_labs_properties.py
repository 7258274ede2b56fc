"""Property-based tests of scenarios with one to five labs sharing a market.

Scenarios come from :func:`frontiersim.testing.scenarios` with ``labs=(0, 5)``:
no ``[labs.*]`` tables (one implicit lab) or one to five declared labs, with
market shares given for all, some or none of them, overrides of some of
their ``compute``, ``operations``, ``finance`` and ``policy`` keys, and, with
capability demand, sometimes capability-weighted shares of the market.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import frontiersim as fs
from frontiersim.models import catalogue, draw_plan
from frontiersim.testing import assert_accounting_identities, assert_results_equal
from frontiersim.testing.strategies import LAB_NAMES, scenario_tables, scenarios, seeds

#: Each example simulates at most 8 draws of at most five labs over at most three years.
PROPERTY = settings(max_examples=30, deadline=None)
SMALL: dict[str, Any] = {"max_draws": 8, "max_horizon_years": 3}


def run(scenario: fs.Scenario, seed: int) -> fs.SimulationResult:
    return fs.simulate(scenario, seed=seed, keep_monthly=True)


@PROPERTY
@given(scenarios(**SMALL, labs=(0, 5)), seeds())
def test_each_lab_keeps_its_accounting_identities(scenario: fs.Scenario, seed: int) -> None:
    assert_accounting_identities(run(scenario, seed))


@PROPERTY
@given(scenarios(**SMALL, labs=(0, 5)), seeds())
def test_results_carry_the_lab_dimension_with_the_labs_names(scenario: fs.Scenario, seed: int) -> None:
    result = run(scenario, seed)
    ds = result.dataset
    names = list(scenario.lab_names)
    assert result.labs == names
    assert [str(name) for name in ds["lab"].values] == names
    assert ds.sizes["lab"] == len(names)
    outputs = catalogue(scenario)
    trailing = {"monthly": ("month",), "final": (), "model": ("model",), "milestone": ("milestone",)}
    for name, spec in outputs.outputs.items():
        if spec.shape == "milestone" and not scenario.capability.milestones:
            assert name not in ds  # an empty ladder: no milestone dimension
            continue
        lead = ("draw", "lab") if spec.per == "lab" else ("draw",)
        assert ds[name].dims == (*lead, *trailing[spec.shape]), name
    for name, spec in outputs.yearly.items():
        assert ds[name].dims == (("draw", "lab") if spec.per == "lab" else ("draw",)) + ("year",), name
    for name in names:
        lab = result.lab(name).dataset
        assert "lab" not in lab.dims
        np.testing.assert_array_equal(lab["cash_usd"].values, ds["cash_usd"].sel(lab=name).values)
    if len(names) > 1:
        try:
            result.lab()
        except ValueError:
            pass
        else:
            raise AssertionError("a result of several labs must ask which lab")


@PROPERTY
@given(scenarios(**SMALL, labs=(0, 5)), seeds())
def test_the_labs_share_the_markets_demand(scenario: fs.Scenario, seed: int) -> None:
    ds = run(scenario, seed).dataset
    if len(scenario.labs) == 1:  # the market is the lab: its demand and share are not recorded twice
        assert "market_demand_usd_per_year" not in ds
        assert "market_share" not in ds
        return
    market = ds["market_demand_usd_per_year"]
    demand = ds["demand_usd_per_year"]
    share = ds["market_share"]
    # Each lab's demand is its share of the market's, whatever its state (ruined labs included).
    np.testing.assert_allclose(demand.sum("lab").values, market.values, rtol=1e-12, atol=0.0)
    np.testing.assert_allclose(share.sum("lab").values, 1.0, rtol=1e-12, atol=0.0)
    assert bool(((share >= 0.0) & (share <= 1.0)).all())
    fixed = np.array([lab.market_share for lab in scenario.labs])
    if scenario.market.share_rule == "fixed" or len(scenario.labs) == 1:
        np.testing.assert_array_equal(share.values, np.broadcast_to(fixed[None, :, None], share.shape))
    else:  # every capability index is 0 in month 0: the shares start at the fixed ones
        np.testing.assert_allclose(share.isel(month=0).values, np.broadcast_to(fixed, share.shape[:2]), rtol=1e-12)
    np.testing.assert_allclose(ds["year_demand_usd"].sum("lab").values, ds["year_market_demand_usd"].values, rtol=1e-12)


# ---------------------------------------------------------------------------
# Labs that are the same
# ---------------------------------------------------------------------------


def _fundraising_without_chance(draw: st.DrawFn, tables: dict[str, Any]) -> None:
    """Make the uniforms of rounds irrelevant: no rounds at all, or rounds that always or never close.

    A declared lab draws its uniforms from its own stream, ``labs.NAME.finance.raise_uniforms``; the implicit lab
    from ``finance.raise_uniforms``. Everything else a lab without overrides draws is shared.
    """
    finance = tables.setdefault("finance", {})
    how = draw(st.sampled_from(("disabled", "always", "never")))
    if how == "disabled":
        finance["fundraising_enabled"] = False
    else:
        finance["fundraising_enabled"] = True
        finance["raise_success_probability"] = 1.0 if how == "always" else 0.0


@st.composite
def _implicit_and_declared(draw: st.DrawFn) -> tuple[fs.Scenario, fs.Scenario]:
    """A scenario of one implicit lab, and the same with one declared lab that sets nothing of its own."""
    tables = draw(scenario_tables(**SMALL))
    _fundraising_without_chance(draw, tables)
    if tables["demand"]["kind"] == "capability" and draw(st.booleans()):
        tables["market"] = {"share_rule": "capability"}
    declared = copy.deepcopy(tables)
    declared["labs"] = {draw(st.sampled_from(LAB_NAMES)): draw(st.sampled_from(({}, {"market_share": 1.0})))}
    return fs.parse_scenario(tables), fs.parse_scenario(declared)


@PROPERTY
@given(_implicit_and_declared(), seeds())
def test_one_declared_lab_without_overrides_is_the_implicit_lab(
    scenarios_: tuple[fs.Scenario, fs.Scenario], seed: int
) -> None:
    implicit, declared = scenarios_
    (lab,) = declared.labs
    assert lab.declared
    assert not implicit.labs[0].declared
    a, b = run(implicit, seed).dataset, run(declared, seed).dataset
    assert b["lab"].values.tolist() == [lab.name]
    assert_results_equal(
        a, b.assign_coords(lab=a["lab"]), ignore_attrs=("created_utc", "scenario_sha256", "scenario_toml")
    )


def test_a_declared_lab_draws_its_rounds_from_its_own_stream() -> None:
    """Why the comparison above leaves the rounds to no chance: the uniforms come from different streams."""
    implicit = fs.bundled("default")
    declared = fs.parse_scenario({"scenario": {"name": "declared"}, "labs": {"solo": {}}})
    shocks = {stream.name for stream in draw_plan(implicit).shocks}
    own = {stream.name for stream in draw_plan(declared).shocks}
    assert "finance.raise_uniforms" in shocks
    assert "labs.solo.finance.raise_uniforms" in own
    assert "finance.raise_uniforms" not in own
    assert draw_plan(implicit).parameter_names == draw_plan(declared).parameter_names


@st.composite
def _identical_labs(draw: st.DrawFn) -> fs.Scenario:
    """Two to five declared labs that set nothing of their own (equal shares), rounds left to no chance."""
    tables = draw(scenario_tables(**SMALL))
    _fundraising_without_chance(draw, tables)
    if tables["demand"]["kind"] == "capability" and draw(st.booleans()):
        tables["market"] = {"share_rule": "capability"}
    count = draw(st.integers(2, 5))
    names = draw(st.lists(st.sampled_from(LAB_NAMES), min_size=count, max_size=count, unique=True))
    tables["labs"] = {name: {} for name in names}
    return fs.parse_scenario(tables)


@PROPERTY
@given(_identical_labs(), seeds())
def test_labs_that_set_nothing_of_their_own_get_the_same_numbers(scenario: fs.Scenario, seed: int) -> None:
    """Same draws, same shares, same books: the labs are copies of each other (with capability shares too)."""
    ds = run(scenario, seed).dataset
    count = len(scenario.labs)
    for name in ds.data_vars:
        variable = ds[name]
        if "lab" not in variable.dims:
            continue
        first = variable.isel(lab=0).values
        for lab in range(1, count):
            np.testing.assert_array_equal(variable.isel(lab=lab).values, first, err_msg=str(name))
    np.testing.assert_allclose(ds["market_share"].values, 1.0 / count, rtol=1e-12)
