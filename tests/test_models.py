"""Kernels against closed forms and hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from frontiersim.models import (
    CashState,
    ContractBook,
    FixedSchedulePolicy,
    FundraisingRule,
    GrowthDemand,
    GrowthHedgePolicy,
    Observation,
    PathDemand,
    QuantilePolicy,
    allocate,
    cash_step,
    cumulative_log_growth,
    price_usd_per_gw_year,
    required_capacity_gw,
)


def arr(*values: float) -> np.ndarray:
    return np.asarray(values, dtype=float)


class TestDemand:
    def test_constant_growth_is_exactly_exponential(self) -> None:
        years = np.arange(0, 61) / 12
        got = cumulative_log_growth(years[None, :], np.log(arr(10.0))[:, None], arr(1.0)[:, None])
        np.testing.assert_allclose(got[0], years * math.log(10.0), rtol=1e-15, atol=0)

    @pytest.mark.parametrize("persistence", [0.3, 0.7, 0.999, 1.2])
    def test_decaying_growth_matches_the_integral(self, persistence: float) -> None:
        years = np.array([0.5, 1.0, 2.75, 5.0])
        got = cumulative_log_growth(years[None, :], np.log(arr(8.0))[:, None], arr(persistence)[:, None])[0]
        expected = [math.log(8.0) * integrate.quad(lambda s: persistence**s, 0, y)[0] for y in years]
        np.testing.assert_allclose(got, expected, rtol=1e-10)

    def test_growth_demand_path_without_noise(self) -> None:
        demand = GrowthDemand(arr(1e10), arr(10.0), arr(1.0), arr(0.0), arr(0.0), np.zeros((1, 36)))
        months = np.arange(36)
        np.testing.assert_allclose(demand.path_usd_per_year[0], 1e10 * 10 ** (months / 12), rtol=1e-12)

    def test_delay_shifts_the_curve_by_exactly_the_delay(self) -> None:
        on_time = GrowthDemand(arr(1e10), arr(5.0), arr(0.8), arr(0.0), arr(0.0), np.zeros((1, 48)))
        late = GrowthDemand(arr(1e10), arr(5.0), arr(0.8), arr(12.0), arr(0.0), np.zeros((1, 48)))
        np.testing.assert_allclose(late.path_usd_per_year[0, 12:], on_time.path_usd_per_year[0, :36], rtol=1e-12)
        np.testing.assert_allclose(late.path_usd_per_year[0, :13], 1e10, rtol=1e-15)

    def test_volatility_is_per_square_root_year(self) -> None:
        rng = np.random.default_rng(3)
        n, sigma = 40_000, 0.4
        demand = GrowthDemand(
            np.full(n, 1.0), np.full(n, 3.0), np.ones(n), np.zeros(n), np.full(n, sigma), rng.standard_normal((n, 25))
        )
        log_after_two_years = np.log(demand.path_usd_per_year[:, 24]) - 2 * math.log(3.0)
        # 24 monthly shocks of sd sigma/sqrt(12): variance 2 sigma^2, mean 0
        se_var = 2 * sigma**2 * math.sqrt(2 / n)
        assert abs(log_after_two_years.var() - 2 * sigma**2) < 5 * se_var
        assert abs(log_after_two_years.mean()) < 5 * math.sqrt(2 * sigma**2 / n)
        assert np.all(demand.path_usd_per_year[:, 0] == 1.0)

    def test_path_demand_is_flat_within_each_year(self) -> None:
        demand = PathDemand((1.0, 2.0, 3.0), arr(0.0), arr(0.0), np.zeros((1, 36)))
        np.testing.assert_array_equal(demand.path_usd_per_year[0], np.repeat([1.0, 2.0, 3.0], 12))
        late = PathDemand((1.0, 2.0, 3.0), arr(6.0), arr(0.0), np.zeros((1, 36)))
        np.testing.assert_array_equal(late.path_usd_per_year[0], np.repeat([1.0, 1.0, 2.0, 3.0], [12, 6, 12, 6]))


class TestCompute:
    def test_commitment_arrives_after_lead_time_and_lasts_its_term(self) -> None:
        book = ContractBook(draws=2, months=12, lead_time_months=2, contract_term_months=4)
        book.commit(3, arr(1.5, 0.0), arr(10e9, 10e9))
        expected = np.zeros(12)
        expected[5:9] = 1.5
        np.testing.assert_array_equal(book.capacity_gw[0, :12], expected)
        np.testing.assert_array_equal(book.payment_usd_per_year[0, :12], expected * 10e9)
        assert not book.capacity_gw[1].any()

    def test_contracts_running_past_the_horizon_are_cut_at_the_book_edge(self) -> None:
        book = ContractBook(draws=1, months=6, lead_time_months=3, contract_term_months=60)
        book.commit(5, arr(2.0), arr(1.0))
        assert book.capacity_at(8) == 2.0  # visible at arrival for the policy
        assert book.capacity_gw[0, :6].sum() == 0

    def test_price_declines_geometrically(self) -> None:
        price = price_usd_per_gw_year(arr(12e9), arr(0.2), 30)
        assert price[0] == pytest.approx(12e9 * 0.8**2.5, rel=1e-14)


class TestAllocation:
    def test_fifty_fifty_toy(self) -> None:
        split = allocate(arr(150e9), arr(10.0), arr(100e9), arr(2 / 3), arr(0.0))
        assert split.inference_cost_usd_per_year[0] == pytest.approx(50e9, rel=1e-12)
        assert split.inference_gw[0] == pytest.approx(5.0, rel=1e-12)
        assert split.training_gw[0] == pytest.approx(5.0, rel=1e-12)
        assert split.served_usd_per_year[0] == 150e9
        assert split.unserved_usd_per_year[0] == 0

    def test_capacity_binds(self) -> None:
        split = allocate(arr(400e9), arr(10.0), arr(100e9), arr(2 / 3), arr(0.0))
        assert split.served_usd_per_year[0] == pytest.approx(300e9, rel=1e-12)
        assert split.unserved_usd_per_year[0] == pytest.approx(100e9, rel=1e-12)
        assert split.training_gw[0] == pytest.approx(0.0, abs=1e-12)

    def test_training_floor_is_kept(self) -> None:
        split = allocate(arr(400e9), arr(10.0), arr(100e9), arr(2 / 3), arr(0.25))
        assert split.training_gw[0] == pytest.approx(2.5, rel=1e-12)
        assert split.served_usd_per_year[0] == pytest.approx(225e9, rel=1e-12)

    def test_edges(self) -> None:
        # no capacity: nothing served unless inference is free; margin 1: all served
        split = allocate(arr(5.0, 5.0, 0.0), arr(0.0, 0.0, 3.0), arr(0.0, 0.0, 3.0), arr(0.5, 1.0, 0.5), arr(0, 0, 0))
        np.testing.assert_array_equal(split.served_usd_per_year, [0.0, 5.0, 0.0])
        np.testing.assert_array_equal(split.training_gw, [0.0, 0.0, 3.0])


class TestFinance:
    def rule(self, enabled: bool = True, interval: int = 3, probability: float = 1.0) -> FundraisingRule:
        return FundraisingRule(enabled, 12.0, arr(2.0), arr(50.0), interval, arr(probability))

    def test_cash_moves_by_net_flow_and_ruin_is_recorded_once(self) -> None:
        state = CashState.start(arr(10.0), 3)
        rule = self.rule(enabled=False)
        cash_step(state, 0, arr(1.0), arr(12.0), arr(6.0), rule, arr(0.0))
        assert state.cash_usd[0] == 5.0
        cash_step(state, 1, arr(1.0), arr(12.0), arr(6.5), rule, arr(0.0))
        assert state.cash_usd[0] == -0.5
        assert state.alive[0]  # half a dollar short is within the one-dollar tolerance
        cash_step(state, 2, arr(1.0), arr(12.0), arr(2.0), rule, arr(0.0))
        assert state.cash_usd[0] == -1.5
        assert state.ruin_month[0] == 2
        assert not state.alive[0]
        cash_step(state, 3, arr(0.0), arr(0.0), arr(0.0), rule, arr(0.0))
        assert state.ruin_month[0] == 2

    def test_round_size_is_revenue_multiple_capped(self) -> None:
        state = CashState.start(arr(10.0, 10.0), 3)
        rule = FundraisingRule(True, 12.0, arr(2.0, 2.0), arr(50.0, 15.0), 3, arr(1.0, 1.0))
        raised = cash_step(state, 0, arr(1.0, 1.0), arr(12.0, 12.0), arr(3.0, 3.0), rule, arr(0.5, 0.5))
        # burn 2/month, cash 8 covers 4 months < 12: raise min(cap, 2 x 12)
        np.testing.assert_array_equal(raised, [24.0, 15.0])
        raised = cash_step(state, 1, arr(1.0, 1.0), arr(12.0, 12.0), arr(30.0, 30.0), rule, arr(0.5, 0.5))
        np.testing.assert_array_equal(raised, [0.0, 0.0])  # the interval has not passed

    def test_a_failed_round_does_not_save_the_lab(self) -> None:
        state = CashState.start(arr(1.0), 3)
        cash_step(state, 0, arr(0.0), arr(12.0), arr(5.0), self.rule(probability=0.3), arr(0.9))
        assert state.ruin_month[0] == 0


def observation(demand: float, scheduled: float = 0.0, index: int = 0) -> Observation:
    return Observation(
        month=0,
        decision_index=index,
        demand_usd_per_year=arr(demand),
        scheduled_capacity_at_arrival_gw=arr(scheduled),
        price_usd_per_gw_year=arr(10e9),
        gross_margin=arr(0.5),
        lead_time_months=24,
        contract_term_months=60,
    )


class TestPolicies:
    def test_required_capacity_of_the_toy(self) -> None:
        assert required_capacity_gw(arr(150e9), arr(2 / 3), 0.5, arr(10e9))[0] == pytest.approx(10.0, rel=1e-12)

    def test_growth_hedge_buys_for_the_forecast_less_what_is_scheduled(self) -> None:
        policy = GrowthHedgePolicy(10.0, 1.0, 0.5)
        assert policy.commit_gw(observation(10e9))[0] == pytest.approx(100.0, rel=1e-12)
        assert policy.commit_gw(observation(10e9, scheduled=30.0))[0] == pytest.approx(70.0, rel=1e-12)
        assert policy.commit_gw(observation(10e9, scheduled=300.0))[0] == 0.0
        assert GrowthHedgePolicy(10.0, 0.15, 0.5).commit_gw(observation(10e9))[0] == pytest.approx(15.0, rel=1e-12)

    def test_fixed_schedule(self) -> None:
        policy = FixedSchedulePolicy((1.0, 2.0))
        assert [policy.commit_gw(observation(1.0, index=k))[0] for k in range(3)] == [1.0, 2.0, 0.0]

    def test_quantile_policy_is_the_lognormal_quantile_of_demand_at_arrival(self) -> None:
        policy = QuantilePolicy.from_growth_interval(0.2, 3.0, 20.0, volatility_per_sqrt_year=0.3)
        rng = np.random.default_rng(11)
        n = 400_000
        mu = 0.5 * (math.log(3) + math.log(20))
        sd = (math.log(20) - math.log(3)) / (2 * stats.norm.ppf(0.95))
        growth = np.exp(rng.normal(mu, sd, n))
        # two years of growth at one drawn rate plus two years of volatility
        simulated = 1e10 * growth**2 * np.exp(0.3 * math.sqrt(2) * rng.standard_normal(n))
        empirical = np.quantile(simulated, 0.2)
        forecast = policy.forecast_usd_per_year(arr(1e10), 24)[0]
        # quantile standard error: sqrt(q(1-q)/n) / density; a 2% band is > 10 standard errors
        assert forecast == pytest.approx(empirical, rel=0.02)

    def test_quantile_policy_with_no_uncertainty_is_the_growth_policy(self) -> None:
        quantile = QuantilePolicy(0.1, math.log(4.0), 0.0, 0.0, 0.5)
        growth = GrowthHedgePolicy(4.0, 1.0, 0.5)
        assert quantile.commit_gw(observation(3e10))[0] == pytest.approx(growth.commit_gw(observation(3e10))[0])


def test_demand_is_capped_and_finite_for_extreme_draws() -> None:
    demand = GrowthDemand(arr(1e10), arr(1e4), arr(1.5), arr(0.0), arr(4.0), np.full((1, 600), 3.0), 1e12)
    assert np.isfinite(demand.path_usd_per_year).all()
    assert demand.path_usd_per_year.max() == pytest.approx(1e12, rel=1e-12)
    assert demand.path_usd_per_year.max() <= 1e12
    assert demand.path_usd_per_year[0, 0] == 1e10
