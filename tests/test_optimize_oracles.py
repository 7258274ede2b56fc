"""The policy optimizer and the ruin machinery against closed-form answers.

Two oracles, each with its tolerance derived from Monte Carlo error:

* **Newsvendor** (bundled scenario ``newsvendor``): one purchase of ``q`` GW
  for one year before demand is known. The expected gain is maximised at the
  critical fractile ``q* = F_X^{-1}((r - c)/(r - s))`` of demand ``X`` in GW.
  The optimizer works on a sample (sample-average approximation), whose exact
  optimum is the empirical quantile of ``X`` on the search draws; that
  quantile is within ``z sqrt(a (1 - a) / n) / f_X(q*)`` of ``q*`` (the
  asymptotic standard error of a sample quantile).
* **Ruin of Brownian motion with drift, monitored monthly**: cash driven by
  normal monthly net flows through :func:`frontiersim.models.finance.cash_step`
  is ruined with the first-passage probability of the continuous process,
  once the barrier is shifted by ``0.5826 sigma sqrt(dt)`` for discrete
  monitoring (Broadie, Glasserman and Kou, 1997). The uncorrected formula is
  many standard errors off, so the test sees the correction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats

import frontiersim as fs
from frontiersim.models.finance import RUIN_TOLERANCE_USD, CashState, FundraisingRule, cash_step
from frontiersim.optimize import Objective, optimize_policy, policy_family
from frontiersim.scenario import Fixed
from frontiersim.scenario.distributions import Lognormal

#: Standard errors allowed between a Monte Carlo figure and its closed form.
Z_TOLERANCE = 4.0

# ---------------------------------------------------------------------------
# Newsvendor
# ---------------------------------------------------------------------------

NEWSVENDOR_DRAWS = 20_000
NEWSVENDOR_SEED = 2026
#: Search bounds of the fixed family, GW (three times the median demand in GW).
FIXED_LOW_GW, FIXED_HIGH_GW = 0.0, 12.0
CANDIDATES = 21
#: The optimizer's bounded Brent refinement stops at this resolution (search.py: step / 50).
BRENT_XATOL_GW = (FIXED_HIGH_GW - FIXED_LOW_GW) / (CANDIDATES - 1) / 50


@dataclass(frozen=True)
class Newsvendor:
    """The closed-form newsvendor of a scenario, per GW and year."""

    price: float  # c = p, USD per GW-year
    margin: float  # m
    log_mean: float  # of X, demand in GW
    log_sd: float

    @property
    def revenue_per_gw(self) -> float:
        """r = p / (1 - m): revenue one GW of inference serves in a year."""
        return self.price / (1.0 - self.margin)

    def salvage_per_gw(self, research_value_share: float) -> float:
        """s = v p: a GW left to training is worth the research share of its cost."""
        return research_value_share * self.price

    def critical_ratio(self, research_value_share: float) -> float:
        """(r - c) / (r - s)."""
        r, c, s = self.revenue_per_gw, self.price, self.salvage_per_gw(research_value_share)
        return (r - c) / (r - s)

    def optimum_gw(self, research_value_share: float) -> float:
        """q* = F_X^{-1}((r - c) / (r - s)) for lognormal X."""
        z = stats.norm.ppf(self.critical_ratio(research_value_share))
        return math.exp(self.log_mean + self.log_sd * z)

    def quantile_standard_error_gw(self, research_value_share: float, draws: int) -> float:
        """Asymptotic sd of the sample a-quantile: sqrt(a (1 - a) / n) / f_X(q*)."""
        a = self.critical_ratio(research_value_share)
        q = self.optimum_gw(research_value_share)
        density = float(stats.norm.pdf(stats.norm.ppf(a))) / (q * self.log_sd)
        return math.sqrt(a * (1 - a) / draws) / density

    def sample_gain(self, demand_gw: NDArray[np.float64], q: float, research_value_share: float) -> NDArray[np.float64]:
        """Per-draw gain of buying q GW: r min(X, q) - c q + s (q - min(X, q)), USD."""
        sold = np.minimum(demand_gw, q)
        s = self.salvage_per_gw(research_value_share)
        return self.revenue_per_gw * sold - self.price * q + s * (q - sold)


@pytest.fixture(scope="module")
def newsvendor_scenario() -> fs.Scenario:
    return fs.bundled("newsvendor")


@pytest.fixture(scope="module")
def newsvendor(newsvendor_scenario: fs.Scenario) -> Newsvendor:
    """The oracle's inputs, read from the scenario, after checking it is the special case."""
    s = newsvendor_scenario
    assert s.meta.horizon_years == 1
    assert s.decision_months() == (0,)
    assert s.compute.lead_time_months == 0
    assert s.compute.contract_term_months == 12
    assert s.compute.initial_capacity_gw == Fixed(0.0)
    assert s.compute.price_decline_per_year == Fixed(0.0)
    assert s.demand.kind == "growth"
    assert s.demand.growth_per_year == Fixed(1.0)
    assert s.demand.growth_persistence_per_year == Fixed(1.0)
    assert s.demand.delay_months == Fixed(0.0)
    assert s.demand.volatility_per_sqrt_year == Fixed(0.0)
    assert s.operations.other_opex_usd_per_year == Fixed(0.0)
    assert s.operations.opex_share_of_revenue == Fixed(0.0)
    assert s.operations.min_training_share == Fixed(0.0)
    assert not s.finance.fundraising_enabled
    price = s.compute.cost_usd_per_gw_year
    margin = s.operations.gross_margin
    demand = s.demand.initial_usd_per_year
    cash = s.finance.starting_cash_usd
    assert isinstance(price, Fixed)
    assert isinstance(margin, Fixed)
    assert isinstance(demand, Lognormal)
    assert isinstance(cash, Fixed)
    # the largest possible loss, buying the top of the search range and selling nothing
    assert cash.value > FIXED_HIGH_GW * price.value
    # ln X = ln D + ln((1 - m) / p), ln D ~ N(mu, sigma) from the 90% interval
    z95 = stats.norm.ppf(0.95)
    log_mean = 0.5 * (math.log(demand.p5) + math.log(demand.p95)) + math.log((1 - margin.value) / price.value)
    log_sd = (math.log(demand.p95) - math.log(demand.p5)) / (2 * z95)
    return Newsvendor(price.value, margin.value, log_mean, log_sd)


def test_the_bundled_policy_buys_the_closed_form_optimum(
    newsvendor_scenario: fs.Scenario, newsvendor: Newsvendor
) -> None:
    policy = newsvendor_scenario.policy
    assert isinstance(policy, fs.scenario.FixedSchedulePolicySpec)
    assert policy.commitments_gw[0] == pytest.approx(newsvendor.optimum_gw(0.0), abs=0.01)


def test_salvage_value_moves_the_optimum_far_beyond_monte_carlo_error(newsvendor: Newsvendor) -> None:
    """The oracle can tell the two cases apart: q* moves by many times the tolerance."""
    gap = newsvendor.optimum_gw(0.5) - newsvendor.optimum_gw(0.0)
    tolerance = Z_TOLERANCE * newsvendor.quantile_standard_error_gw(0.5, NEWSVENDOR_DRAWS) + 2 * BRENT_XATOL_GW
    assert gap > 5 * tolerance


@pytest.mark.parametrize("research_value_share", [0.0, 0.5])
def test_optimizer_finds_the_newsvendor_quantile(
    newsvendor_scenario: fs.Scenario, newsvendor: Newsvendor, research_value_share: float
) -> None:
    v = research_value_share
    objective = Objective(name="discounted_profit", research_value_share=v)
    family = policy_family(newsvendor_scenario, "fixed", FIXED_LOW_GW, FIXED_HIGH_GW)
    result = optimize_policy(
        newsvendor_scenario,
        family,
        objective,
        max_ruin=0.05,
        draws=NEWSVENDOR_DRAWS,
        validation_draws=NEWSVENDOR_DRAWS,
        seed=NEWSVENDOR_SEED,
        candidates=CANDIDATES,
    )
    # the ruin constraint never binds: no candidate is ever ruined
    assert all(e.ruin.successes == 0 for e in result.search)
    assert result.confirmed
    q = result.chosen.parameter
    assert q is not None

    # demand in GW in each search draw; the simulated gain is the newsvendor's gain
    dataset = result.chosen_in_search.lab_dataset
    demand_gw = dataset["year_demand_usd"].values[:, 0] * (1 - newsvendor.margin) / newsvendor.price
    discount = (1 + objective.discount_rate_per_year) ** -0.5  # one year, discounted at mid-year
    np.testing.assert_allclose(
        result.chosen_in_search.objective_values, discount * newsvendor.sample_gain(demand_gw, q, v), rtol=1e-9
    )

    # 1. the optimizer finds the sample-average optimum: the empirical a-quantile
    #    (any point of [X_(ceil(a n)), X_(floor(a n) + 1)] maximises the sample mean)
    a = newsvendor.critical_ratio(v)
    ordered = np.sort(demand_gw)
    saa_low, saa_high = ordered[math.ceil(a * ordered.size) - 1], ordered[math.floor(a * ordered.size)]
    distance_to_saa = max(saa_low - q, q - saa_high, 0.0)
    assert distance_to_saa <= 2 * BRENT_XATOL_GW
    best_saa = newsvendor.sample_gain(demand_gw, saa_low, v).mean()
    found = newsvendor.sample_gain(demand_gw, q, v).mean()
    assert found <= best_saa * (1 + 1e-12)
    assert best_saa - found <= 1e-4 * result.chosen_in_search.objective.standard_error / discount

    # 2. ... which is q* up to the sampling error of a quantile of n draws
    q_star = newsvendor.optimum_gw(v)
    se = newsvendor.quantile_standard_error_gw(v, NEWSVENDOR_DRAWS)
    assert abs(q - q_star) <= Z_TOLERANCE * se + 2 * BRENT_XATOL_GW, (
        f"v = {v}: optimizer q = {q:.4f} GW, SAA optimum {saa_low:.4f} GW, q* = {q_star:.4f} GW, se {se:.4f} GW"
    )


# ---------------------------------------------------------------------------
# Ruin of Brownian motion with drift, monitored monthly
# ---------------------------------------------------------------------------

BILLION = 1e9
#: Broadie-Glasserman-Kou: -zeta(1/2) / sqrt(2 pi).
BGK_BETA = 0.5826
RUIN_PATHS = 200_000
MONTH_YEARS = 1 / 12
#: The correction is asymptotic in the number of monitoring dates. With 12 of
#: them (one year) its own error is 3-5 standard errors of 200,000 paths (about
#: 0.4 points of probability, measured against a fine-grid recursion); from 36
#: dates on it is at most 1.5 standard errors, so horizons of 3 years and more
#: are compared within Z_TOLERANCE.
MIN_CHECKED_YEARS = 3


def first_passage_probability(cash: float, drift: float, volatility: float, years: float) -> float:
    """P(min over [0, T] of x + mu t + sigma W_t < 0), continuous monitoring."""
    spread = volatility * math.sqrt(years)
    return float(
        stats.norm.cdf((-cash - drift * years) / spread)
        + math.exp(-2 * drift * cash / volatility**2) * stats.norm.cdf((-cash + drift * years) / spread)
    )


def monthly_ruin_months(
    starting_cash: float, drift: float, volatility: float, years: int, paths: int, seed: int
) -> NDArray[np.int64]:
    """Month of ruin per path (-1: survives) of cash driven by normal monthly net flows."""
    rng = np.random.default_rng(seed)
    off = np.zeros(paths)
    rule = FundraisingRule(
        enabled=False,
        runway_threshold_months=12.0,
        revenue_multiple=off,
        max_usd=off,
        min_interval_months=6,
        success_probability=off,
    )
    state = CashState.start(np.full(paths, starting_cash), rule.min_interval_months)
    for month in range(12 * years):
        flow = drift * MONTH_YEARS + volatility * math.sqrt(MONTH_YEARS) * rng.standard_normal(paths)
        flow = np.where(state.alive, flow, 0.0)  # ruin is absorbing: no flows afterwards
        raised = cash_step(state, month, np.maximum(flow, 0.0), np.abs(flow), np.maximum(-flow, 0.0), rule, off)
        assert not raised.any()
    return state.ruin_month


@pytest.mark.parametrize(
    ("cash_b", "drift_b", "volatility_b", "years"),
    [
        (1.0, 0.2, 1.0, 5),  # $1B of cash, +$0.2B a year, $1B a year of noise
        (2.0, 0.5, 1.5, 3),
        (1.0, 0.0, 1.0, 4),  # no drift: the reflection principle
        (1.0, -0.1, 1.0, 4),  # a lab burning cash on average
    ],
)
def test_monthly_ruin_matches_brownian_first_passage_with_discrete_monitoring_correction(
    cash_b: float, drift_b: float, volatility_b: float, years: int
) -> None:
    drift, volatility = drift_b * BILLION, volatility_b * BILLION
    ruin_month = monthly_ruin_months(cash_b * BILLION, drift, volatility, years, RUIN_PATHS, seed=17)
    # ruin is cash below -$1 (RUIN_TOLERANCE_USD): the barrier sits $1 further away
    cash = cash_b * BILLION + RUIN_TOLERANCE_USD
    shift = BGK_BETA * volatility * math.sqrt(MONTH_YEARS)
    for horizon in range(MIN_CHECKED_YEARS, years + 1):
        simulated = float(np.mean((ruin_month >= 0) & (ruin_month < 12 * horizon)))
        corrected = first_passage_probability(cash + shift, drift, volatility, horizon)
        continuous = first_passage_probability(cash, drift, volatility, horizon)
        se = math.sqrt(corrected * (1 - corrected) / RUIN_PATHS)
        assert abs(simulated - corrected) <= Z_TOLERANCE * se, (
            f"T = {horizon}: simulated {simulated:.5f}, corrected {corrected:.5f}, se {se:.5f}"
        )
        if horizon == years:
            # monitoring once a month misses crossings between month ends: the
            # continuous formula overstates ruin by many standard errors
            assert continuous - simulated > 10 * se, (
                f"simulated {simulated:.5f}, continuous {continuous:.5f}, se {se:.5f}"
            )
