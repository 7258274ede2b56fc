"""The policy search with several labs: one lab's policy is searched, the others keep the scenario's.

Also: the families' bounds, names and units come from the declaration of the key each family varies.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import frontiersim as fs
from frontiersim.models.policies import FixedSchedulePolicy
from frontiersim.optimize import (
    FAMILY_NAMES,
    Objective,
    evaluate_policy,
    naive_policies,
    optimize_policy,
    parameter_spec,
    policy_family,
    trace_frontier,
    typical_range,
)
from frontiersim.optimize.families import FAMILY_KEYS, default_fixed_upper_gw
from frontiersim.scenario.fields import FieldSpec, field_spec
from frontiersim.store.record import optimization_payload

FOUR_LABS = "four_labs"
DRAWS = 120


@pytest.fixture(scope="module")
def four_labs() -> fs.Scenario:
    return fs.bundled(FOUR_LABS)


# ---------------------------------------------------------------------------
# Families from the schema
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_each_family_varies_a_declared_key(name: str) -> None:
    kind, key = FAMILY_KEYS[name]
    spec = parameter_spec(name)
    assert spec == field_spec(f"policy.{key}", policy_kind=kind)
    assert spec.label
    assert spec.typical is not None


@pytest.mark.parametrize("name", ["hedge", "growth", "quantile"])
def test_default_search_bounds_are_the_typical_range(name: str) -> None:
    family = policy_family(fs.bundled("default"), name)
    assert (family.low, family.high) == parameter_spec(name).typical
    assert family.lab is None  # the one implicit lab of a scenario without [labs.*]


def test_fixed_family_starts_at_the_typical_low_and_is_sized_for_the_lab(four_labs: fs.Scenario) -> None:
    family = policy_family(four_labs, "fixed", lab="delta")
    assert family.low == parameter_spec("fixed").typical[0]  # type: ignore[index]
    assert family.high == pytest.approx(default_fixed_upper_gw(four_labs, "delta"))
    # the requirement is the lab's: a tenth of the market needs less than a third of it
    assert default_fixed_upper_gw(four_labs, "delta") < default_fixed_upper_gw(four_labs, "alpha")
    assert family.parameter == "commitments per decision (GW)"


def test_parameter_names_carry_the_declared_label_and_unit() -> None:
    scenario = fs.bundled("default")
    assert policy_family(scenario, "growth").parameter == "assumed growth (x/year)"
    assert policy_family(scenario, "quantile").parameter == "demand quantile"
    assert policy_family(scenario, "hedge").parameter == "hedge factor (growth 3x assumed)"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (FieldSpec("float", "x", low=0.0, high=1.0, typical=(0.2, 0.8)), (0.2, 0.8)),
        (FieldSpec("float", "x", low=0.0, high=1.0, low_open=True, high_open=True), (0.01, 0.99)),
        (FieldSpec("float", "x", low=2.0), (2.0, 22.0)),
        (FieldSpec("float", "x", high=-1.0), (-11.0, -1.0)),
        (FieldSpec("float", "x"), (0.0, 1.0)),
    ],
)
def test_typical_range_falls_back_on_the_bounds(spec: FieldSpec, expected: tuple[float, float]) -> None:
    assert typical_range(spec) == pytest.approx(expected)


# ---------------------------------------------------------------------------
# One lab's search
# ---------------------------------------------------------------------------


def test_a_family_is_built_from_its_labs_policy(four_labs: fs.Scenario) -> None:
    # beta assumes 10x a year, gamma's quantile belief is 2x to 10x (median about 4.5x), alpha the shared 3x
    assert policy_family(four_labs, "hedge", lab="beta").parameter == "hedge factor (growth 10x assumed)"
    gamma = policy_family(four_labs, "hedge", lab="gamma")
    assert gamma.parameter == f"hedge factor (growth {math.sqrt(20):g}x assumed)"
    assert policy_family(four_labs, "hedge").lab == "alpha"  # the first lab by default
    assert policy_family(four_labs, "quantile", lab="gamma").lab == "gamma"


def test_an_unknown_lab_is_refused(four_labs: fs.Scenario) -> None:
    with pytest.raises(ValueError, match="no lab named 'omega'; labs: alpha, beta, gamma, delta"):
        policy_family(four_labs, "hedge", lab="omega")
    with pytest.raises(ValueError, match="no lab named"):
        naive_policies(four_labs, "omega")


def test_evaluation_gives_the_policy_to_one_lab_only(four_labs: fs.Scenario) -> None:
    policy = FixedSchedulePolicy(())  # buy nothing new
    evaluation = evaluate_policy(four_labs, policy, Objective("revenue"), draws=DRAWS, seed=3, lab="beta")
    assert evaluation.lab == "beta"
    direct = fs.simulate(four_labs, draws=DRAWS, seed=3, keep_monthly=False, policy={"beta": policy})
    own = fs.simulate(four_labs, draws=DRAWS, seed=3, keep_monthly=False)
    beta = direct.lab_dataset("beta")
    np.testing.assert_array_equal(evaluation.objective_values, beta["year_revenue_usd"].sum("year").values)
    assert evaluation.ruin.estimate == pytest.approx(direct.ruin_probability("beta"))
    # the result keeps every lab; the others bought as the scenario says
    assert evaluation.result.labs == ["alpha", "beta", "gamma", "delta"]
    np.testing.assert_array_equal(
        evaluation.result.lab_dataset("alpha")["year_new_commitment_gw"].values,
        own.lab_dataset("alpha")["year_new_commitment_gw"].values,
    )
    assert float(evaluation.lab_dataset["year_new_commitment_gw"].sum()) == 0.0
    schedule = evaluation.commitment_schedule()
    assert (schedule["GW mean"] == 0).all()
    assert schedule.attrs["units"]["GW mean"] == "GW"
    assert schedule.attrs["units"]["contract value USD (mean)"] == "USD"


def test_the_optimizer_and_the_frontier_search_the_familys_lab(four_labs: fs.Scenario) -> None:
    family = policy_family(four_labs, "hedge", 0.0, 0.6, lab="delta")
    result = optimize_policy(four_labs, family, max_ruin=0.5, draws=DRAWS, candidates=3, refine=False, seed=2)
    assert result.chosen.lab == "delta"
    assert all(e.lab == "delta" for e in [*result.search, *result.naive_search.values()])
    frontier = trace_frontier(four_labs, family, draws=DRAWS, candidates=3, seed=2)
    assert frontier.lab == "delta"
    # the same grid on the same draws: the frontier's points are the optimizer's
    for traced, searched in zip(frontier.search, result.search, strict=True):
        assert traced.ruin == searched.ruin
        assert traced.objective == searched.objective
    # a record's P(ruin) is the searched lab's, beside its objective
    payload = optimization_payload(result, frontier=frontier, schedule=result.chosen.commitment_schedule())
    assert payload.metrics["p_ruin"] == pytest.approx(result.chosen.ruin.estimate)
    assert payload.metrics["p_ruin"] == payload.metrics["p_ruin.delta"]
    assert payload.metrics["objective_mean_usd"] == result.chosen.objective.mean


def test_an_objective_is_one_labs(four_labs: fs.Scenario) -> None:
    result = fs.simulate(four_labs, draws=20, seed=1, keep_monthly=False)
    with pytest.raises(ValueError, match="this dataset has 4 labs"):
        Objective().per_draw(result.dataset)
    one = fs.simulate(fs.bundled("default"), draws=20, seed=1, keep_monthly=False)
    np.testing.assert_array_equal(Objective().per_draw(one.dataset), Objective().per_draw(one.lab_dataset()))
