"""Truncated normal, mixture and empirical distributions; every family's CDF; the choice's median convention.

Closed forms are checked against :mod:`scipy.stats`; sampling against the CDF with Kolmogorov-Smirnov tests at a
fixed seed (a correct sampler passes with p > 1e-4 for any seed but once in 10,000; the tests of wrong samplers at
the end show the check can fail).
"""

from __future__ import annotations

import math
import tomllib
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from frontiersim.scenario import (
    Beta,
    Choice,
    Distribution,
    Empirical,
    Fixed,
    Lognormal,
    Mixture,
    Normal,
    ScenarioError,
    Triangular,
    TruncNormal,
    Uniform,
    bundled_text,
    parse_distribution,
    parse_scenario_text,
    to_toml_value,
)
from frontiersim.scenario.writer import toml_value

N = 50_000
P_MIN = 1e-4


def rng(seed: int = 7) -> np.random.Generator:
    return np.random.default_rng(seed)


def parsed(value: Any) -> Distribution:
    dist, problems = parse_distribution(value, "x")
    assert problems == [], problems
    assert dist is not None
    return dist


def messages(value: Any) -> list[str]:
    dist, problems = parse_distribution(value, "x")
    assert dist is None
    return [str(p) for p in problems]


def round_trip(dist: Distribution) -> Distribution:
    """Through ``to_toml_value``, TOML text and back."""
    return parsed(tomllib.loads(f"x = {toml_value(to_toml_value(dist))}\n")["x"])


QS = np.array([1e-9, 1e-4, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1 - 1e-4])


class TestCdfOfEveryFamily:
    @pytest.mark.parametrize(
        ("dist", "reference"),
        [
            (Lognormal(3.0, 20.0), stats.lognorm(Lognormal(3.0, 20.0).sigma, scale=math.exp(Lognormal(3.0, 20.0).mu))),
            (Normal(0.6, 0.1), stats.norm(0.6, 0.1)),
            (Uniform(0.5, 2.5), stats.uniform(0.5, 2.0)),
            (Triangular(0.5, 0.6, 0.75), stats.triang(0.4, loc=0.5, scale=0.25)),
            (Triangular(0.0, 0.0, 1.0), stats.triang(0.0, loc=0.0, scale=1.0)),
            (Triangular(0.0, 1.0, 1.0), stats.triang(1.0, loc=0.0, scale=1.0)),
            (Beta(2.0, 5.0, 10.0, 20.0), stats.beta(2.0, 5.0, loc=10.0, scale=10.0)),
            (TruncNormal(2.0, 3.0, 0.0, math.inf), stats.truncnorm(-2.0 / 3.0, math.inf, loc=2.0, scale=3.0)),
        ],
        ids=repr,
    )
    def test_cdf_matches_scipy_and_inverts_ppf(self, dist: Distribution, reference: Any) -> None:
        x = reference.ppf(QS)
        np.testing.assert_allclose(dist.cdf(x), reference.cdf(x), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(dist.cdf(dist.ppf(QS)), QS, rtol=1e-7, atol=1e-12)
        low, high = dist.support
        assert dist.cdf(low - 1.0) == 0.0
        assert dist.cdf(high + 1.0 if math.isfinite(high) else 1e300) == 1.0

    def test_fixed_cdf_is_a_step(self) -> None:
        np.testing.assert_array_equal(Fixed(2.0).cdf(np.array([1.9, 2.0, 2.1])), [0.0, 1.0, 1.0])

    def test_scalar_in_scalar_out(self) -> None:
        for dist in (Lognormal(3.0, 20.0), Choice((1.0, 2.0), (1.0, 1.0)), Empirical((1.0, 2.0, 4.0)), Fixed(1.0)):
            assert isinstance(dist.cdf(1.5), float)


class TestChoiceMedian:
    def test_at_exact_cumulative_probabilities(self) -> None:
        dist = Choice((3.0, 1.0, 2.0), (2.0, 1.0, 1.0))  # CDF 0.25, 0.5, 1 at 1, 2, 3
        reference = stats.rv_discrete(values=([1, 2, 3], [0.25, 0.25, 0.5]))
        qs = np.array([0.25, 0.5, 1.0, 0.2500001, 0.5000001])
        np.testing.assert_array_equal(dist.ppf(qs), [1.0, 2.0, 3.0, 2.0, 3.0])
        np.testing.assert_array_equal(dist.ppf(qs), reference.ppf(qs))

    def test_two_equally_likely_values_have_the_smaller_as_median(self) -> None:
        dist = Choice((12.0, 0.0), (1.0, 1.0))
        assert dist.ppf(0.5) == 0.0
        assert stats.rv_discrete(values=([0, 12], [0.5, 0.5])).ppf(0.5) == 0.0

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(st.integers(-50, 50), min_size=1, max_size=6, unique=True),
        st.data(),
    )
    def test_ppf_and_cdf_match_scipy_rv_discrete(self, values: list[int], data: st.DataObject) -> None:
        weights = data.draw(st.lists(st.integers(1, 20), min_size=len(values), max_size=len(values)))
        dist = Choice(tuple(float(v) for v in values), tuple(float(w) for w in weights))
        probabilities = np.asarray(weights, dtype=float) / sum(weights)
        reference = stats.rv_discrete(values=(values, probabilities))
        cumulative = np.cumsum(probabilities[np.argsort(values)])
        ours = np.cumsum(np.asarray(weights, dtype=float)[np.argsort(values)]) / sum(weights)
        # the cumulative probabilities themselves, where the convention matters (those that both compute to the
        # same float: elsewhere they differ in the last bit), and points between them
        # (grid points that land on a boundary, as 0.5 does, are left to the first part: scipy's sum and ours may
        # round the boundary to neighbouring floats)
        grid = np.linspace(0.001, 0.999, 37)
        grid = grid[np.min(np.abs(grid[:, None] - cumulative[None, :]), axis=1) > 1e-9]
        qs = np.concatenate([cumulative[:-1][cumulative[:-1] == ours[:-1]], grid])
        np.testing.assert_array_equal(dist.ppf(qs), reference.ppf(qs))
        grid = np.arange(-51, 52, 0.5)
        np.testing.assert_allclose(dist.cdf(grid), reference.cdf(grid), atol=1e-12)


class TestTruncNormal:
    @settings(max_examples=80, deadline=None)
    @given(
        mu=st.floats(-10, 10),
        sigma=st.floats(0.01, 10),
        low=st.floats(-15, 15),
        width=st.floats(0.05, 30) | st.just(math.inf),
    )
    def test_against_scipy(self, mu: float, sigma: float, low: float, width: float) -> None:
        dist = TruncNormal(mu, sigma, low, low + width)
        reference = stats.truncnorm((low - mu) / sigma, (low + width - mu) / sigma, loc=mu, scale=sigma)
        if dist.mass() < 1e-12:
            return
        inner = np.array([0.001, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999])
        scale = max(abs(mu), sigma, abs(low))
        np.testing.assert_allclose(dist.ppf(inner), reference.ppf(inner), rtol=1e-6, atol=1e-9 * scale)
        np.testing.assert_allclose(dist.mean(), reference.mean(), rtol=1e-6, atol=1e-9 * scale)
        values = np.asarray(dist.ppf(inner))
        assert np.all((values >= low) & (values <= low + width))

    def test_demand_that_cannot_go_negative(self) -> None:
        dist = parsed({"dist": "truncnormal", "mean": 1e10, "sd": 1e10, "low": 0})
        assert dist == TruncNormal(1e10, 1e10, 0.0, math.inf)
        assert dist.support == (0.0, math.inf)
        samples = dist.sample(rng(), N)
        assert samples.min() >= 0.0
        assert stats.kstest(samples, dist.cdf).pvalue > P_MIN
        assert dist.mean() > 1e10  # the cut-off left tail moves the mean up

    def test_p5_p95_form_is_the_normal_before_truncation(self) -> None:
        dist = parsed({"dist": "truncnormal", "p5": 1, "p95": 9, "high": 8})
        assert isinstance(dist, TruncNormal)
        assert dist.mu == pytest.approx(5.0)
        assert dist.sigma == pytest.approx(4.0 / stats.norm.ppf(0.95))
        assert dist.support == (-math.inf, 8.0)

    def test_far_tail_interval_is_accurate(self) -> None:
        """An interval 8 to 9 sd above the mean: computed on the side where the normal CDF is accurate."""
        dist = TruncNormal(0.0, 1.0, 8.0, 9.0)
        reference = stats.truncnorm(8.0, 9.0)
        np.testing.assert_allclose(dist.ppf(QS[1:]), reference.ppf(QS[1:]), rtol=1e-9)
        assert dist.mean() == pytest.approx(reference.mean(), rel=1e-9)

    @pytest.mark.parametrize(
        ("table", "expected"),
        [
            ({"dist": "truncnormal", "mean": 0, "sd": 1}, "x.low: missing; a truncnormal needs low, high or both"),
            (
                {"dist": "truncnormal", "mean": 0, "sd": 1, "low": 2, "high": 1},
                "x.low: got 2 (integer); expected a value below high = 1",
            ),
            ({"dist": "truncnormal", "mean": 0, "sd": 1, "low": 50}, "puts 0 of its probability in [50, inf]"),
            (
                {"dist": "truncnormal", "mean": 0, "sd": -1, "low": 0},
                "x.sd: got -1 (integer); expected a positive standard deviation",
            ),
            (
                {"dist": "truncnormal", "mean": 0, "low": 0},
                "a truncnormal given either by mean and sd, or by p5 and p95",
            ),
            (
                {"dist": "truncnormal", "mean": 0, "sd": 1, "low": "0"},
                "x.low: got '0' (string); expected a finite number",
            ),
        ],
    )
    def test_problems(self, table: dict[str, Any], expected: str) -> None:
        (message,) = messages(table)
        assert expected in message

    def test_round_trip_keeps_infinite_bounds_out_of_the_toml(self) -> None:
        dist = TruncNormal(1.0, 2.0, 0.0, math.inf)
        assert to_toml_value(dist) == {"dist": "truncnormal", "mean": 1.0, "sd": 2.0, "low": 0.0}
        assert round_trip(dist) == dist
        assert round_trip(TruncNormal(1.0, 2.0, -math.inf, 3.0)) == TruncNormal(1.0, 2.0, -math.inf, 3.0)


class TestMixture:
    DIST = Mixture((Lognormal(3.0, 20.0), Normal(40.0, 5.0), Fixed(25.0)), (0.5, 0.3, 0.2))

    def test_parse_with_shorthand_and_numbers(self) -> None:
        table = {
            "dist": "mixture",
            "components": ["3 to 20", {"dist": "normal", "mean": 40, "sd": 5}, 25],
            "weights": [5, 3, 2],
        }
        dist = parsed(table)
        assert dist == Mixture((Lognormal(3.0, 20.0), Normal(40.0, 5.0), Fixed(25.0)), (5.0, 3.0, 2.0))
        assert parsed({"dist": "mixture", "components": [1, 2]}) == Mixture((Fixed(1.0), Fixed(2.0)), (1.0, 1.0))

    def test_mean_and_support(self) -> None:
        assert self.DIST.mean() == pytest.approx(0.5 * Lognormal(3.0, 20.0).mean() + 0.3 * 40.0 + 0.2 * 25.0)
        assert self.DIST.support == (-math.inf, math.inf)
        samples = self.DIST.sample(rng(), N)
        assert abs(samples.mean() - self.DIST.mean()) < 5 * samples.std() / math.sqrt(N)

    def test_ppf_is_the_smallest_x_with_cdf_at_least_q(self) -> None:
        qs = np.linspace(0.001, 0.999, 200)
        x = np.asarray(self.DIST.ppf(qs))
        assert np.all(np.diff(x) >= 0)
        assert np.all(np.asarray(self.DIST.cdf(x)) >= qs - 1e-12)
        below = np.asarray(self.DIST.cdf(x - 1e-9 * np.maximum(np.abs(x), 1.0)))
        assert np.all(below < qs + 1e-9)
        # the atom at 25 is the quantile of every q its probability spans
        at_atom = float(self.DIST.cdf(25.0))
        assert self.DIST.ppf(at_atom - 0.1) == 25.0

    def test_sample_follows_the_cdf(self) -> None:
        continuous = Mixture((Lognormal(3.0, 20.0), Normal(40.0, 5.0)), (0.6, 0.4))
        assert stats.kstest(continuous.sample(rng(), N), continuous.cdf).pvalue > P_MIN
        assert stats.kstest(continuous.ppf(rng(3).random(N)), continuous.cdf).pvalue > P_MIN

    def test_ppf_ends_and_outside(self) -> None:
        dist = Mixture((Uniform(0.0, 1.0), Uniform(2.0, 3.0)), (1.0, 1.0))
        np.testing.assert_array_equal(dist.ppf(np.array([0.0, 1.0])), [0.0, 3.0])
        assert math.isnan(float(dist.ppf(1.5)))
        assert dist.ppf(0.5) == pytest.approx(1.0)
        assert dist.ppf(0.75) == pytest.approx(2.5)

    def test_round_trip(self) -> None:
        assert round_trip(self.DIST) == self.DIST
        nested = Mixture((self.DIST, TruncNormal(0.0, 1.0, 0.0, 2.0)), (1.0, 3.0))
        assert round_trip(nested) == nested

    @pytest.mark.parametrize(
        ("table", "expected"),
        [
            ({"dist": "mixture", "components": []}, "x.components: got [] (array); expected a non-empty array"),
            ({"dist": "mixture", "components": ["1 to 2", "nope"]}, "x.components[1]: got 'nope' (string)"),
            (
                {"dist": "mixture", "components": [1, 2], "weights": [1]},
                "x.weights: got [1] (array); expected an array of 2",
            ),
            ({"dist": "mixture", "components": [1, 2], "weights": [0, 0]}, "with a positive sum"),
        ],
    )
    def test_problems(self, table: dict[str, Any], expected: str) -> None:
        assert any(expected in m for m in messages(table)), messages(table)


class TestEmpirical:
    VALUES = (3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0)

    def test_ppf_is_numpys_linear_quantile(self) -> None:
        dist = Empirical(self.VALUES)
        qs = np.linspace(0, 1, 101)
        np.testing.assert_allclose(dist.ppf(qs), np.quantile(self.VALUES, qs), rtol=1e-12)
        assert dist.support == (1.0, 9.0)

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=30))
    def test_cdf_inverts_ppf_and_mean_is_the_integral(self, values: list[float]) -> None:
        dist = Empirical(tuple(values))
        qs = np.linspace(0, 1, 41)
        x = np.asarray(dist.ppf(qs))
        np.testing.assert_allclose(dist.ppf(dist.cdf(x)), x, rtol=1e-9, atol=1e-6)
        grid = np.union1d(np.linspace(0, 1, len(values)), [0.5])  # the knots: the trapezoid rule is then exact
        integral = float(np.trapezoid(np.asarray(dist.ppf(grid)), grid))
        assert dist.mean() == pytest.approx(integral, rel=1e-6, abs=1e-3)

    def test_sampling_interpolates_rather_than_resamples(self) -> None:
        dist = Empirical(self.VALUES)
        samples = dist.sample(rng(), N)
        assert np.isin(samples, self.VALUES).mean() < 0.001
        assert stats.kstest(samples, dist.cdf).pvalue > P_MIN
        assert samples.min() >= 1.0
        assert samples.max() <= 9.0

    def test_mean_is_the_trapezoid_not_the_average(self) -> None:
        dist = Empirical((0.0, 0.0, 3.0))
        assert dist.mean() == pytest.approx(0.75)  # Q rises from 0 at q = 0.5 to 3 at q = 1
        assert np.mean(dist.values) == 1.0

    def test_round_trip_and_problems(self) -> None:
        assert round_trip(Empirical(self.VALUES)) == Empirical(self.VALUES)
        assert "an array of at least 2 numbers" in messages({"dist": "empirical", "values": [1]})[0]
        assert "an array of at least 2 numbers" in messages({"dist": "empirical", "values": [1, "2"]})[0]


class TestInScenarios:
    def test_truncnormal_demand(self) -> None:
        value = '{ dist = "truncnormal", mean = 1e10, sd = 5e9, low = 0 }'
        text = bundled_text("default").replace("initial_usd_per_year = 1.0e10", f"initial_usd_per_year = {value}", 1)
        scenario = parse_scenario_text(text)
        assert scenario.demand.initial_usd_per_year == TruncNormal(1e10, 5e9, 0.0, math.inf)

    def test_mixture_of_lognormals_keeps_an_open_lower_bound(self) -> None:
        value = '{ dist = "mixture", components = ["2 to 5", "8 to 20"], weights = [1, 1] }'
        text = bundled_text("default").replace('growth_per_year = "3 to 20"', f"growth_per_year = {value}", 1)
        assert isinstance(parse_scenario_text(text).demand.growth_per_year, Mixture)

    def test_support_reaching_an_open_bound_is_refused(self) -> None:
        value = '{ dist = "truncnormal", mean = 5, sd = 5, low = 0 }'
        text = bundled_text("default").replace('growth_per_year = "3 to 20"', f"growth_per_year = {value}", 1)
        with pytest.raises(
            ScenarioError, match=r"demand.growth_per_year: truncnormal\(mean=5, sd=5, low=0, high=inf\) can produce"
        ):
            parse_scenario_text(text)

    def test_model_range_uses_tail_quantiles(self) -> None:
        value = '{ dist = "mixture", components = ["3 to 20", "1e7 to 1e9"] }'
        text = bundled_text("default").replace('growth_per_year = "3 to 20"', f"growth_per_year = {value}", 1)
        with pytest.raises(ScenarioError, match=r"demand\.growth_per_year: mixture.*quantiles"):
            parse_scenario_text(text)

    def test_empirical_out_of_bounds_is_refused(self) -> None:
        value = '{ dist = "empirical", values = [0.4, 0.6, 1.2] }'
        text = bundled_text("default").replace(
            'gross_margin = { dist = "triangular", low = 0.5, mode = 0.6, high = 0.75 }', f"gross_margin = {value}", 1
        )
        with pytest.raises(ScenarioError, match=r"operations.gross_margin: empirical\(3 values in \[0.4, 1.2\]\)"):
            parse_scenario_text(text)


class TestTheChecksCanFail:
    def test_ks_rejects_a_truncnormal_sampled_without_truncation(self) -> None:
        dist = TruncNormal(1.0, 2.0, 0.0, math.inf)
        wrong = np.abs(rng().normal(1.0, 2.0, N))  # reflected instead of truncated
        assert stats.kstest(wrong, dist.cdf).pvalue < P_MIN

    def test_ks_rejects_an_empirical_that_resamples(self) -> None:
        dist = Empirical(TestEmpirical.VALUES)
        wrong = rng().choice(TestEmpirical.VALUES, N)
        assert stats.kstest(wrong, dist.cdf).pvalue < P_MIN
