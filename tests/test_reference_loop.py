"""The benchmark's per-draw Python loop is the same model as the vectorized engine.

``benchmarks/reference_loop.py`` re-implements ``run_chunk`` one draw at a time
with plain floats. Fed the same :class:`frontiersim.Draws`, both must give the
same monthly outputs, per-model figures and ruin months, so the benchmark
compares two implementations of one model. The bundled scenarios and some
variants of them are checked exactly so (rtol 1e-9, ruin months equal), and
random valid scenarios from :func:`frontiersim.testing.scenarios` too, except
that there a draw may be ruined in different months when that month's cash is
zero up to rounding (ruin is ``cash < 0``, so the last bit decides).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from numpy.typing import NDArray

import frontiersim as fs
from frontiersim.models.engine import COHORT_VARIABLES, MONTHLY_VARIABLES, run_chunk
from frontiersim.scenario import bundled_text, parse_scenario
from frontiersim.testing import scenarios, seeds

REFERENCE_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "reference_loop.py"

#: Relative tolerance of the comparison. An absolute floor of ``ATOL_SHARE`` times the largest magnitude among the
#: variables of the same unit (money or GW) covers entries that are differences of large, nearly equal numbers:
#: training = payments - inference, or cash that flows cancelling each other leave at a rounding residue.
RTOL = 1e-9
ATOL_SHARE = 1e-12


def _load_reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reference_loop", REFERENCE_PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


reference_loop = _load_reference()


def _variant(name: str, edit: Callable[[dict[str, Any]], None]) -> fs.Scenario:
    """A bundled scenario with some keys changed (through the validating parser)."""
    data = tomllib.loads(bundled_text(name))
    edit(data)
    return parse_scenario(data, source=f"{name} (test variant)")


def _uncertain_path_demand(data: dict[str, Any]) -> None:
    """Path demand with noise and a random delay; training floor, price decline, fundraising."""
    data["scenario"]["horizon_years"] = 4
    data["demand"].update(delay_months={"dist": "choice", "values": [0, 5, 12]}, volatility_per_sqrt_year=0.4)
    data["demand"]["ceiling_usd_per_year"] = 3e10
    data["compute"].update(lead_time_months=3, price_decline_per_year={"dist": "uniform", "low": 0.0, "high": 0.3})
    data["operations"].update(gross_margin={"dist": "uniform", "low": 0.4, "high": 0.9}, min_training_share=0.2)
    data["operations"].update(other_opex_usd_per_year=1e9, opex_share_of_revenue=0.05)
    data["finance"].update(
        starting_cash_usd="1e9 to 2e10",
        fundraising_enabled=True,
        raise_revenue_multiple="1 to 5",
        raise_success_probability=0.6,
    )


def _uncertain_trillion_bet(data: dict[str, Any]) -> None:
    """The $1T bet in uncertain worlds: many draws are ruined, at different months."""
    data["demand"].update(growth_per_year="3 to 20", volatility_per_sqrt_year=0.5, growth_persistence_per_year=0.8)
    data["demand"]["delay_months"] = {"dist": "choice", "values": [0, 12]}
    data["compute"]["cost_usd_per_gw_year"] = "8e9 to 14e9"


def _uncertain_capability(data: dict[str, Any]) -> None:
    """Capability demand with uncertain segments, a training floor, a binding ceiling and a custom ladder."""
    data["scenario"]["horizon_years"] = 4
    data["demand"]["ceiling_usd_per_year"] = 2e11
    data["capability"].update(rival_labs=3, frontier_compute_growth_per_year="3 to 8")
    data["capability"]["segments"] = {
        "enterprise": {
            "value_share": 0.6,
            "innovation_per_year": {"dist": "uniform", "low": 0.01, "high": 0.2},
            "imitation_per_year": "0.5 to 2",
            "gross_margin": {"dist": "triangular", "low": 0.5, "mode": 0.7, "high": 0.8},
        },
        "consumer": {"value_share": 0.4, "volatility_per_sqrt_year": 0.9, "gross_margin": 0.3},
    }
    data["capability"]["milestones"] = {"first": 0.3, "second": 1.1, "third": 2.0}
    data["operations"] = {"min_training_share": 0.25, "other_opex_usd_per_year": 2e9}
    data["compute"].update(lead_time_months=6, decision_interval_months=6)
    data["finance"] = {"starting_cash_usd": "5e9 to 3e10", "raise_success_probability": 0.5}


def _quantile_policy(data: dict[str, Any]) -> None:
    """The default scenario buying for the 30% quantile, belief derived from the growth distribution."""
    data["policy"] = {"kind": "quantile", "quantile": 0.3}
    data["demand"]["growth_persistence_per_year"] = 1.0


@dataclass(frozen=True)
class HalfOfDemandPolicy:
    """A policy the reference loop does not know: it is called on 1-element arrays."""

    def commit_gw(self, observation: fs.Observation) -> NDArray[np.float64]:
        gw = 0.5 * observation.demand_usd_per_year / observation.price_usd_per_gw_year
        return np.asarray(np.maximum(gw - 0.5 * observation.scheduled_capacity_at_arrival_gw, 0.0))


CASES: dict[str, tuple[Callable[[], fs.Scenario], fs.ProcurementPolicy | None, int]] = {
    "default": (lambda: fs.bundled("default"), None, 200),
    "one_trillion_bet": (lambda: fs.bundled("one_trillion_bet"), None, 50),
    "toy_50_50": (lambda: fs.bundled("toy_50_50"), None, 50),
    "cohort_cartoon": (lambda: fs.bundled("cohort_cartoon"), None, 50),
    "single_model": (lambda: fs.bundled("single_model"), None, 50),
    "default_quantile_policy": (lambda: _variant("default", _quantile_policy), None, 150),
    "default_hedged_10y": (
        lambda: _variant("default", lambda d: d["scenario"].update(horizon_years=10)),
        fs.GrowthHedgePolicy(assumed_growth_per_year=10.0, hedge_factor=0.3, target_training_share=0.4),
        100,
    ),
    "default_custom_policy": (lambda: fs.bundled("default"), HalfOfDemandPolicy(), 100),
    "uncertain_path_demand": (lambda: _variant("cohort_cartoon", _uncertain_path_demand), None, 200),
    "uncertain_trillion_bet": (lambda: _variant("one_trillion_bet", _uncertain_trillion_bet), None, 200),
    "capability_driven": (lambda: fs.bundled("capability_driven"), None, 150),
    "uncertain_capability": (lambda: _variant("capability_driven", _uncertain_capability), None, 150),
    "capability_quantile_policy": (
        lambda: _variant(
            "capability_driven",
            lambda d: d.__setitem__(
                "policy", {"kind": "quantile", "quantile": 0.4, "belief_growth_p5": 4.0, "belief_growth_p95": 20.0}
            ),
        ),
        None,
        100,
    ),
}


def _knife_edge_draws(reference: dict[str, np.ndarray], vectorized: fs.models.ChunkOutput) -> NDArray[np.intp]:
    """Draws ruined in different months, each checked to be a month whose cash is zero up to rounding.

    Ruin is ``cash < 0``: when a month's inflows and outflows cancel exactly, as in some generated
    scenarios, the last bit of a rounding decides it, and the two implementations may decide differently.
    """
    differ = np.flatnonzero(reference["ruin_month"] != vectorized.ruin_month)
    for i in differ:
        month = min(int(m) for m in (reference["ruin_month"][i], vectorized.ruin_month[i]) if m >= 0)
        flows = ("revenue_usd", "compute_payment_usd", "other_opex_usd", "financing_usd")
        scale = sum(abs(float(reference[name][i, month])) for name in flows)
        scale += abs(float(reference["cash_usd"][i, month - 1])) if month > 0 else 0.0
        for cash in (reference["cash_usd"][i, month], vectorized.monthly["cash_usd"][i, month]):
            assert abs(float(cash)) <= 1e-12 * max(scale, 1.0), f"draw {i}: ruin months differ with cash {cash}"
    return differ


def _assert_same_capability(
    reference: dict[str, np.ndarray], vectorized: fs.models.ChunkOutput, keep: NDArray[np.intp], knife_edge: bool
) -> None:
    """Capability outputs: yearly index and overhang to rtol 1e-9, milestone months equal.

    With ``knife_edge`` (random scenarios), a milestone month may differ for at most 1% of the draws (or one):
    a generated threshold can equal the index exactly, and the last bit of rounding then decides the month.
    """
    if not vectorized.capability_by_year:
        assert "year_capability_index" not in reference
        return
    for name in ("capability_index", "overhang"):
        np.testing.assert_allclose(
            reference[f"year_{name}"][keep], vectorized.capability_by_year[name][keep], rtol=RTOL, err_msg=name
        )
    assert {f"milestone_month.{name}" for name in vectorized.milestone_month} == {
        key for key in reference if key.startswith("milestone_month.")
    }
    for name, months in vectorized.milestone_month.items():
        got = reference[f"milestone_month.{name}"]
        differ = np.flatnonzero(got[keep] != months[keep])
        allowed = max(1, keep.size // 100) if knife_edge else 0
        assert differ.size <= allowed, f"milestone {name}: months differ for draws {keep[differ]}"


def _assert_same(
    reference: dict[str, np.ndarray], vectorized: fs.models.ChunkOutput, *, allow_knife_edge: bool = False
) -> None:
    """Equal to rtol 1e-9 and the same ruin months (or, if allowed, ruin decided by rounding, draws then skipped)."""
    expected: dict[str, np.ndarray] = {**vectorized.monthly, **vectorized.cohorts}
    assert set(expected) == set(MONTHLY_VARIABLES) | set(COHORT_VARIABLES)
    skip = _knife_edge_draws(reference, vectorized) if allow_knife_edge else np.array([], dtype=np.intp)
    keep = np.setdiff1d(np.arange(vectorized.ruin_month.shape[0]), skip)
    units = {name: unit for name, (unit, _) in {**MONTHLY_VARIABLES, **COHORT_VARIABLES}.items()}
    scale = {
        unit_is_gw: max(
            float(np.max(np.abs(x), initial=0.0)) for n, x in expected.items() if (units[n] == "GW") == unit_is_gw
        )
        for unit_is_gw in (True, False)
    }
    for name, want in expected.items():
        got = reference[name]
        assert got.shape == want.shape, name
        atol = ATOL_SHARE * scale[units[name] == "GW"]
        np.testing.assert_allclose(got[keep], want[keep], rtol=RTOL, atol=atol, err_msg=name)
    np.testing.assert_array_equal(reference["ruin_month"][keep], vectorized.ruin_month[keep])
    _assert_same_capability(reference, vectorized, keep, allow_knife_edge)


@pytest.mark.parametrize("case", list(CASES))
def test_reference_loop_matches_run_chunk(case: str) -> None:
    make_scenario, policy, n = CASES[case]
    scenario = make_scenario()
    draws = fs.sample_draws(scenario, 0, n, seed=20260101)
    _assert_same(reference_loop.simulate_reference(scenario, draws, policy), run_chunk(scenario, draws, policy))


@settings(max_examples=40, deadline=None)
@given(scenario=scenarios(max_draws=30, max_horizon_years=4), seed=seeds())
def test_reference_loop_matches_run_chunk_on_random_scenarios(scenario: fs.Scenario, seed: int) -> None:
    draws = fs.sample_draws(scenario, 0, scenario.simulation.draws, seed)
    reference, vectorized = reference_loop.simulate_reference(scenario, draws), run_chunk(scenario, draws)
    _assert_same(reference, vectorized, allow_knife_edge=True)


def test_draws_from_the_middle_of_a_run_match_too() -> None:
    scenario = fs.bundled("default")
    draws = fs.sample_draws(scenario, 1000, 1100, seed=5)
    _assert_same(reference_loop.simulate_reference(scenario, draws), run_chunk(scenario, draws))


@pytest.mark.parametrize("case", ["default", "uncertain_path_demand", "uncertain_trillion_bet"])
def test_the_comparison_exercises_ruin_and_fundraising(case: str) -> None:
    """Guard against a vacuous match: these cases contain ruined and surviving draws, and rounds where enabled."""
    make_scenario, policy, n = CASES[case]
    scenario = make_scenario()
    output = reference_loop.simulate_reference(scenario, fs.sample_draws(scenario, 0, n, seed=20260101), policy)
    ruin = output["ruin_month"]
    assert np.any(ruin >= 0)
    assert np.any(ruin < 0)
    assert len(np.unique(ruin[ruin >= 0])) > 1
    if scenario.finance.fundraising_enabled:
        assert np.any(output["financing_usd"] > 0)
    assert np.any(output["new_commitment_gw"] > 0)


@pytest.mark.parametrize("case", ["capability_driven", "uncertain_capability"])
def test_the_capability_comparison_exercises_the_mechanisms(case: str) -> None:
    """Guard against a vacuous capability match: margins move, milestones arrive at different months, rivals bite."""
    make_scenario, policy, n = CASES[case]
    scenario = make_scenario()
    draws = fs.sample_draws(scenario, 0, n, seed=20260101)
    output = reference_loop.simulate_reference(scenario, draws, policy)
    margin = output["gross_margin"]
    assert np.ptp(margin, axis=1).max() > 0.01  # the revenue-weighted margin moves with the segment mix
    assert np.all((margin >= 0.0) & (margin <= 1.0))
    first = output[f"milestone_month.{scenario.capability.milestones[0][0]}"]
    assert len(np.unique(first[first >= 0])) > 2
    assert np.any(output[f"milestone_month.{scenario.capability.milestones[-1][0]}"] < 0)
    assert np.any(output["new_commitment_gw"] > 0)
    assert np.any(output["unserved_usd"] > 0)  # capacity binds in some months, so training compute varies
    # without rivals the same draws give different demand: the competition term is exercised
    alone = dataclasses.replace(scenario, capability=dataclasses.replace(scenario.capability, rival_labs=0))
    assert not np.allclose(
        reference_loop.simulate_reference(alone, draws, policy)["demand_usd_per_year"], output["demand_usd_per_year"]
    )


@pytest.mark.parametrize("case", ["default_quantile_policy", "uncertain_path_demand", "uncertain_capability"])
def test_the_comparison_exercises_the_demand_ceiling(case: str) -> None:
    make_scenario, policy, n = CASES[case]
    scenario = make_scenario()
    output = reference_loop.simulate_reference(scenario, fs.sample_draws(scenario, 0, n, seed=20260101), policy)
    demand = output["demand_usd_per_year"]
    # At the ceiling up to rounding: level * exp(log(ceiling) - log(level)) can fall a few ulps short of it.
    assert np.any(np.isclose(demand, scenario.demand.ceiling_usd_per_year, rtol=1e-12, atol=0))
    assert np.all(demand <= scenario.demand.ceiling_usd_per_year)


def test_a_policy_returning_negative_gw_is_refused_by_both() -> None:
    @dataclass(frozen=True)
    class Negative:
        def commit_gw(self, observation: fs.Observation) -> NDArray[np.float64]:
            return np.full(observation.demand_usd_per_year.shape, -1.0)

    scenario = fs.bundled("default")
    draws = fs.sample_draws(scenario, 0, 10, seed=1)
    with pytest.raises(ValueError, match="negative or non-finite"):
        run_chunk(scenario, draws, Negative())
    with pytest.raises(ValueError, match="negative or non-finite"):
        reference_loop.simulate_reference(scenario, draws, Negative())
