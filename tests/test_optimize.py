"""Acceptance tests of the policy optimizer: the $1T bet, common random numbers, errors, statistics.

Tolerances are Monte Carlo errors, stated where they are used. The closed-form
oracles (newsvendor, Brownian ruin) are in ``test_optimize_oracles.py``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

import numpy as np
import pandas as pd
import pytest
from numpy.typing import NDArray
from scipy import stats

import frontiersim as fs
from frontiersim.examples import one_trillion_bet_worlds
from frontiersim.optimize import (
    InfeasibleError,
    MeanEstimate,
    Objective,
    OptimizationResult,
    draws_to_resolve,
    evaluate_policy,
    lower_tail_cvar,
    mean_estimate,
    optimize_policy,
    paired_difference,
    policy_family,
    proportion,
)
from frontiersim.scenario import Fixed

FloatArray = NDArray[np.float64]

BET = "one_trillion_bet_uncertain"
BET_DRAWS = 4000
BET_SEED = 7
MAX_RUIN = 0.05


@pytest.fixture(scope="module")
def bet() -> fs.Scenario:
    return fs.bundled(BET)


def optimize_bet(scenario: fs.Scenario, seed: int = BET_SEED) -> OptimizationResult:
    return optimize_policy(
        scenario, policy_family(scenario, "hedge", 0, 1), max_ruin=MAX_RUIN, draws=BET_DRAWS, seed=seed
    )


@pytest.fixture(scope="module")
def bet_result(bet: fs.Scenario) -> OptimizationResult:
    return optimize_bet(bet)


def total_revenue(evaluation: fs.optimize.PolicyEvaluation) -> FloatArray:
    return np.asarray(evaluation.lab_dataset["year_revenue_usd"].sum("year").values, dtype=float)


# ---------------------------------------------------------------------------
# The $1T bet
# ---------------------------------------------------------------------------


class TestOneTrillionBet:
    def test_the_recommendation_meets_the_ruin_level_on_fresh_draws(self, bet_result: OptimizationResult) -> None:
        chosen = bet_result.chosen
        assert bet_result.confirmed
        assert chosen.ruin.trials == 4 * BET_DRAWS  # the validation sample
        assert chosen.ruin.high <= MAX_RUIN
        assert bet_result.chosen_in_search.ruin.high <= MAX_RUIN
        assert chosen.parameter is not None
        assert 0 < chosen.parameter < 1  # a hedge, not the bet and not nothing
        assert bet_result.messages[0].startswith("confirmed on 16,000 fresh draws")

    @pytest.mark.parametrize("world", ["5x a year", "one year late"])
    def test_the_recommendation_survives_the_slower_worlds(self, bet_result: OptimizationResult, world: str) -> None:
        scenario = one_trillion_bet_worlds()[world]
        hedged = fs.simulate(scenario, draws=1, policy=bet_result.chosen.policy)
        assert int(hedged.lab_dataset()["ruin_month"][0]) == -1
        # ... where the naive bet (the scenario's own policy, hedge 1) is ruined
        assert int(fs.simulate(scenario, draws=1).lab_dataset()["ruin_month"][0]) >= 0

    def test_the_naive_bet_gains_revenue_and_risks_ruin(self, bet_result: OptimizationResult) -> None:
        chosen = bet_result.chosen
        naive = bet_result.naive_validation["assume 10x continues"]
        # both on the validation sample: the comparison is paired
        assert naive.ruin.trials == chosen.ruin.trials
        assert naive.ruin.low > 0.3  # far above the 5% level ...
        assert naive.ruin.low > chosen.ruin.high  # ... and above the recommendation, beyond both intervals
        gain = paired_difference(total_revenue(naive), total_revenue(chosen))
        assert gain.mean > 0
        assert gain.mean > 4 * gain.standard_error  # revenue served: what the bet buys
        table = bet_result.comparison()
        row = table.loc["assume 10x continues"]
        assert row["revenue served"] == pytest.approx(naive.revenue.mean)
        assert row["P(ruin)"] == pytest.approx(naive.ruin.estimate)

    def test_frontier_trades_ruin_for_revenue(self, bet_result: OptimizationResult) -> None:
        frontier = bet_result.frontier()
        hedge = frontier.iloc[:, 0].to_numpy()
        ruin = frontier["P(ruin)"].to_numpy()
        assert hedge[0] == 0.0
        assert hedge[-1] == 1.0
        assert np.all(np.diff(hedge) > 0)
        # P(ruin) at hedge 0 below P(ruin) at hedge 1, beyond both intervals
        assert frontier["P(ruin) high"].iloc[0] < frontier["P(ruin) low"].iloc[-1]
        # monotone-ish: candidates share their draws, so a step down larger than
        # one point would be a real reversal (se of the level at 4,000 draws <= 0.8 points)
        assert np.all(np.diff(ruin) >= -0.01)
        # the top of the frontier is the naive bet (hedge 1 on 10x growth), on the same draws
        naive = bet_result.naive_search["assume 10x continues"]
        assert ruin[-1] == naive.ruin.estimate
        assert frontier["revenue served"].iloc[-1] == pytest.approx(naive.revenue.mean, rel=1e-12)
        # feasibility column, and the choice is the best feasible candidate of the search
        np.testing.assert_array_equal(frontier["feasible"], frontier["P(ruin) high"] <= MAX_RUIN)
        best_feasible = frontier.loc[frontier["feasible"], "objective mean"].max()
        assert bet_result.chosen_in_search.objective.mean == best_feasible
        assert not frontier["feasible"].iloc[-1]

    def test_commitment_schedule_reports_the_purchase(self, bet_result: OptimizationResult) -> None:
        schedule = bet_result.chosen.commitment_schedule()
        assert list(schedule.index) == [2026, 2027, 2028]
        assert schedule["GW mean"].iloc[0] > 0  # one decision, at month 0
        assert (schedule["GW mean"].iloc[1:] == 0).all()
        term_years = 5
        np.testing.assert_allclose(
            schedule["contract value USD (mean)"], schedule["USD per year of term (mean)"] * term_years
        )


# ---------------------------------------------------------------------------
# Common random numbers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["default", BET])
def test_common_random_numbers_shrink_the_standard_error_of_a_difference(name: str) -> None:
    """Paired differences of nearby policies on common draws: measured ratio ~50 (default), ~11 (bet)."""
    draws = 4000
    scenario = fs.bundled(name)
    family = policy_family(scenario, "hedge")
    objective = Objective()

    def evaluate(hedge: float, seed: int) -> fs.optimize.PolicyEvaluation:
        return evaluate_policy(scenario, family.build(hedge), objective, draws=draws, seed=seed)

    low, high, high_elsewhere = evaluate(0.50, 11), evaluate(0.52, 11), evaluate(0.52, 12)
    # same seed: the same worlds; another seed: other worlds
    np.testing.assert_array_equal(low.lab_dataset["year_demand_usd"].values, high.lab_dataset["year_demand_usd"].values)
    assert not np.any(low.lab_dataset["year_demand_usd"].values == high_elsewhere.lab_dataset["year_demand_usd"].values)
    paired = paired_difference(high.objective_values, low.objective_values)
    independent_se = math.hypot(low.objective.standard_error, high_elsewhere.objective.standard_error)
    ratio = independent_se / paired.standard_error
    print(f"\n{name}: se of the difference, independent / common draws = {ratio:.1f}")
    assert ratio >= 3


# ---------------------------------------------------------------------------
# Infeasible requests and bad arguments
# ---------------------------------------------------------------------------


def doomed_newsvendor() -> fs.Scenario:
    """No cash and $10T a year of other costs: every policy is ruined in month 0."""
    base = fs.bundled("newsvendor")
    return dataclasses.replace(
        base,
        operations=dataclasses.replace(base.operations, other_opex_usd_per_year=Fixed(1e13)),
        finance=dataclasses.replace(base.finance, starting_cash_usd=Fixed(0.0)),
    )


class TestInfeasible:
    def test_certain_ruin(self) -> None:
        scenario = doomed_newsvendor()
        with pytest.raises(InfeasibleError) as caught:
            optimize_policy(scenario, policy_family(scenario, "fixed"), max_ruin=0.5, draws=500, seed=1, candidates=5)
        best = caught.value.best
        assert best.ruin.estimate == 1.0
        message = str(caught.value)
        assert "no fixed policy meets P(ruin) <= 50.00%" in message
        assert f"Best achievable: {best.label} with P(ruin) {best.ruin}." in message
        assert "100.00%" in message
        assert "could confirm" not in message

    def test_zero_ruin_cannot_be_confirmed_by_sampling(self, bet: fs.Scenario) -> None:
        # buying nothing new almost never ruins the bet's lab, but an interval
        # from finitely many draws always leaves room above 0
        with pytest.raises(InfeasibleError) as caught:
            optimize_policy(bet, policy_family(bet, "hedge", 0, 1), max_ruin=0.0, draws=1000, seed=3, candidates=5)
        best = caught.value.best
        assert best.parameter == 0.0  # the most cautious member
        assert best.ruin.high > 0
        message = str(caught.value)
        assert f"Best achievable: {best.label} with P(ruin) {best.ruin}." in message
        assert "No finite number of draws can confirm P(ruin) <= 0" in message
        assert "inf" not in message

    def test_unresolved_level_says_how_many_draws_would_resolve_it(self, bet: fs.Scenario) -> None:
        draws, level = 1000, 0.003
        with pytest.raises(InfeasibleError) as caught:
            optimize_policy(bet, policy_family(bet, "hedge", 0, 1), max_ruin=level, draws=draws, seed=3, candidates=5)
        best = caught.value.best
        assert best.ruin.estimate < level < best.ruin.high
        needed = draws_to_resolve(best.ruin.estimate, level)
        assert f"about {needed:,} draws could confirm it" in str(caught.value)
        assert needed > draws  # the draws used did not resolve it, so more are needed

    def test_is_a_value_error(self) -> None:
        assert issubclass(InfeasibleError, ValueError)

    @pytest.mark.parametrize("max_ruin", [-0.01, 1.0, 1.5, math.nan])
    def test_max_ruin_outside_the_unit_interval(self, bet: fs.Scenario, max_ruin: float) -> None:
        with pytest.raises(ValueError, match=r"max_ruin must be in \[0, 1\)"):
            optimize_policy(bet, policy_family(bet, "hedge"), max_ruin=max_ruin, draws=10)

    def test_other_bad_arguments(self, bet: fs.Scenario) -> None:
        with pytest.raises(ValueError, match="unknown policy family 'nope'"):
            policy_family(bet, "nope")
        with pytest.raises(ValueError, match="at least 2 candidates"):
            optimize_policy(bet, policy_family(bet, "hedge"), draws=10, candidates=1)
        with pytest.raises(ValueError, match="unknown objective"):
            Objective(name="utility")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="research_value_share"):
            Objective(research_value_share=1.5)


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------


def wilson(successes: float, trials: int, confidence: float) -> tuple[float, float]:
    """The Wilson score interval, by hand (accepts a fractional count)."""
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return centre - half, centre + half


def clopper_pearson(successes: int, trials: int, confidence: float) -> tuple[float, float]:
    alpha = 1 - confidence
    low = 0.0 if successes == 0 else stats.beta.ppf(alpha / 2, successes, trials - successes + 1)
    high = 1.0 if successes == trials else stats.beta.ppf(1 - alpha / 2, successes + 1, trials - successes)
    return float(low), float(high)


CASES = [(0, 1), (0, 1000), (1, 1000), (3, 100), (15, 500), (50, 100), (999, 1000), (7, 7)]


class TestProportion:
    @pytest.mark.parametrize(("successes", "trials"), CASES)
    @pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
    def test_wilson_matches_the_formula(self, successes: int, trials: int, confidence: float) -> None:
        interval = proportion(successes, trials, confidence, "wilson")
        low, high = wilson(successes, trials, confidence)
        assert interval.low == pytest.approx(max(low, 0.0), abs=1e-12)
        assert interval.high == pytest.approx(min(high, 1.0), abs=1e-12)
        assert interval.estimate == successes / trials
        assert interval.method == "wilson"

    @pytest.mark.parametrize(("successes", "trials"), CASES)
    @pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
    def test_clopper_pearson_matches_beta_quantiles(self, successes: int, trials: int, confidence: float) -> None:
        interval = proportion(successes, trials, confidence, "clopper-pearson")
        low, high = clopper_pearson(successes, trials, confidence)
        assert interval.low == pytest.approx(low, abs=1e-10)
        assert interval.high == pytest.approx(high, abs=1e-10)

    def test_coverage(self) -> None:
        p, trials, samples = 0.03, 500, 2000
        k = np.arange(trials + 1)
        covers = {}
        methods: tuple[Literal["wilson", "clopper-pearson"], ...] = ("wilson", "clopper-pearson")
        for method in methods:
            intervals = [proportion(int(x), trials, 0.95, method) for x in k]
            covers[method] = np.array([i.low <= p <= i.high for i in intervals])
        counts = np.random.default_rng(5).binomial(trials, p, samples)
        # nominal 95%; Wilson's actual coverage here is ~94-95%, and 2,000
        # samples add a standard error of 0.5 points
        assert 0.92 <= np.mean(covers["wilson"][counts]) <= 0.975
        # exact coverage over the binomial distribution: Clopper-Pearson never
        # undercovers (a theorem), Wilson is close to nominal
        pmf = stats.binom.pmf(k, trials, p)
        assert pmf @ covers["clopper-pearson"] >= 0.95
        assert pmf @ covers["wilson"] >= 0.93

    def test_text_and_bad_counts(self) -> None:
        assert str(proportion(0, 1000)) == "0.00% [0.00%, 0.38%]"
        for successes, trials in ((1, 0), (-1, 10), (11, 10)):
            with pytest.raises(ValueError, match="successes <= trials"):
                proportion(successes, trials)


def cvar_by_weights(values: FloatArray, alpha: float) -> float:
    """Mean of the lowest alpha share of an empirical distribution, each draw weighing 1/n."""
    ordered = np.sort(values)
    n = ordered.size
    mass_before = np.arange(n) / n
    weight = np.clip(alpha - mass_before, 0.0, 1.0 / n)
    return float(weight @ ordered / alpha)


class TestLowerTailCvar:
    @pytest.mark.parametrize(
        ("alpha", "expected"),
        [
            (0.25, 1.0),  # exactly the worst draw
            (0.5, 1.5),
            (1.0, 2.5),  # the mean
            (0.3, (1.0 + 0.2 * 2.0) / 1.2),  # the worst draw and a fifth of the next
            (0.1, 1.0),  # less than one draw: the worst value
            (0.8, (1 + 2 + 3 + 0.2 * 4) / 3.2),
        ],
    )
    def test_small_arrays(self, alpha: float, expected: float) -> None:
        assert lower_tail_cvar(np.array([3.0, 1.0, 4.0, 2.0]), alpha) == pytest.approx(expected, rel=1e-14)

    def test_against_the_weighted_definition(self) -> None:
        rng = np.random.default_rng(3)
        for n in (1, 2, 7, 20, 101):
            values = rng.normal(size=n) * 1e9
            for alpha in (0.01, 0.05, 0.13, 0.5, 0.99, 1.0):
                assert lower_tail_cvar(values, alpha) == pytest.approx(cvar_by_weights(values, alpha), rel=1e-12)
        assert lower_tail_cvar(np.array([-5.0, 5.0]), 0.5) == -5.0

    @pytest.mark.parametrize("alpha", [0.0, -0.1, 1.1])
    def test_bad_alpha(self, alpha: float) -> None:
        with pytest.raises(ValueError, match="alpha"):
            lower_tail_cvar(np.arange(3.0), alpha)


class TestMeans:
    def test_paired_difference(self) -> None:
        rng = np.random.default_rng(9)
        a = rng.normal(10, 3, 1000)
        b = a + rng.normal(1, 0.1, 1000)
        difference = paired_difference(b, a)
        assert difference.mean == pytest.approx(np.mean(b - a), rel=1e-12)
        assert difference.standard_error == pytest.approx(np.std(b - a, ddof=1) / math.sqrt(1000), rel=1e-12)
        assert difference.samples == 1000
        # pairing removes the shared noise: far below the unpaired se
        unpaired = math.hypot(mean_estimate(a).standard_error, mean_estimate(b).standard_error)
        assert difference.standard_error < unpaired / 10
        with pytest.raises(ValueError, match="same shape"):
            paired_difference(a, b[:-1])

    def test_mean_estimate(self) -> None:
        estimate = mean_estimate(np.array([1.0, 2.0, 3.0, 6.0]))
        assert estimate == MeanEstimate(3.0, math.sqrt(14 / 3) / 2, 4)
        low, high = estimate.interval(0.95)
        assert (high - low) / 2 == pytest.approx(1.959964 * estimate.standard_error, rel=1e-6)
        assert mean_estimate(np.array([1.0])).standard_error == math.inf
        with pytest.raises(ValueError, match="no values"):
            mean_estimate(np.array([]))


class TestDrawsToResolve:
    @pytest.mark.parametrize(
        ("probability", "level"), [(0.0, 0.05), (0.03, 0.05), (0.04, 0.05), (0.01, 0.02), (0.0, 1e-4), (0.2, 0.3)]
    )
    def test_the_wilson_bound_clears_the_level_exactly_then(self, probability: float, level: float) -> None:
        n = draws_to_resolve(probability, level)
        assert wilson(probability * n, n, 0.95)[1] <= level * (1 + 1e-12)
        assert wilson(probability * (n - 1), n - 1, 0.95)[1] > level  # one draw fewer is not enough

    @pytest.mark.parametrize(("probability", "level"), [(0.08, 0.05), (0.5, 0.3)])
    def test_an_estimate_above_the_level_is_resolved_from_below(self, probability: float, level: float) -> None:
        n = draws_to_resolve(probability, level)
        assert wilson(probability * n, n, 0.95)[0] >= level * (1 - 1e-12)
        assert wilson(probability * (n - 1), n - 1, 0.95)[0] < level

    def test_with_whole_counts(self) -> None:
        for level in (0.05, 0.01, 0.001):
            n = draws_to_resolve(0.0, level)
            assert proportion(0, n).high <= level < proportion(0, n - 1).high

    def test_sanity(self) -> None:
        assert draws_to_resolve(0.05, 0.05) == math.inf
        closer = [draws_to_resolve(p, 0.05) for p in (0.0, 0.02, 0.04, 0.045, 0.049)]
        assert closer == sorted(closer)
        assert closer[0] < closer[-1]
        assert draws_to_resolve(0.03, 0.05, 0.99) > draws_to_resolve(0.03, 0.05, 0.95)
        assert draws_to_resolve(0.9, 0.0) >= 1


# ---------------------------------------------------------------------------
# Reproducibility
# ---------------------------------------------------------------------------


class TestReproducibility:
    def test_the_same_seed_gives_the_same_recommendation(
        self, bet: fs.Scenario, bet_result: OptimizationResult
    ) -> None:
        again = optimize_bet(bet)
        assert again.chosen.parameter == bet_result.chosen.parameter
        assert again.chosen.ruin == bet_result.chosen.ruin
        assert again.chosen.objective == bet_result.chosen.objective
        assert again.chosen.cvar == bet_result.chosen.cvar
        assert again.messages == bet_result.messages
        pd.testing.assert_frame_equal(again.frontier(), bet_result.frontier())
        pd.testing.assert_frame_equal(again.comparison(), bet_result.comparison())
        np.testing.assert_array_equal(again.chosen.objective_values, bet_result.chosen.objective_values)

    def test_validation_draws_are_not_the_search_draws(self, bet_result: OptimizationResult) -> None:
        search = bet_result.chosen_in_search.lab_dataset["year_demand_usd"].values
        validation = bet_result.chosen.lab_dataset["year_demand_usd"].values
        assert search.shape[0] == BET_DRAWS
        assert validation.shape[0] == 4 * BET_DRAWS
        # demand carries monthly noise, so no draw repeats in another sample
        assert not np.any(search == validation[:BET_DRAWS])
        # the same policy, on other draws, gives other figures
        assert bet_result.chosen.policy == bet_result.chosen_in_search.policy
        assert bet_result.chosen.objective.mean != bet_result.chosen_in_search.objective.mean

    def test_another_seed_gives_another_search_sample(self, bet: fs.Scenario) -> None:
        family = policy_family(bet, "hedge")
        objective = Objective()
        first = evaluate_policy(bet, family.build(0.1), objective, draws=500, seed=BET_SEED)
        same = evaluate_policy(bet, family.build(0.1), objective, draws=500, seed=BET_SEED)
        other = evaluate_policy(bet, family.build(0.1), objective, draws=500, seed=BET_SEED + 1)
        np.testing.assert_array_equal(first.objective_values, same.objective_values)
        assert not np.array_equal(first.objective_values, other.objective_values)
