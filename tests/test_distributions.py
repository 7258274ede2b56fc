"""Scenario distributions: parsing, round-tripping, and sampling against ``ppf`` and ``mean``.

Sampling tests use a fixed :class:`numpy.random.Generator` seed, so they are
deterministic; their tolerances are still derived from the Monte Carlo error
(``K_SIGMA`` standard errors), so that a correct sampler passes with any seed
and a wrong one (e.g. a lognormal whose sigma uses z = 1.96 instead of 1.645)
fails. ``TestTheChecksCanFail`` applies the same checks to deliberately wrong
samplers to show that.
"""

from __future__ import annotations

import math
import tomllib
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy import stats

from frontiersim.scenario import (
    DISTRIBUTION_NAMES,
    Beta,
    Choice,
    Distribution,
    Empirical,
    Fixed,
    Lognormal,
    Mixture,
    Normal,
    Triangular,
    TruncNormal,
    Uniform,
    parse_distribution,
    to_toml_value,
)
from frontiersim.scenario.distributions import Z95

N = 200_000
SEED = 20260101
#: Standard errors allowed between an empirical statistic and its exact value. For one statistic the chance that a
#: correct sampler is rejected is ~6e-7; across every check in this file it stays below 1e-4 for any seed.
K_SIGMA = 5.0
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

#: One instance of every family, as parsed from its table form in ``TABLES``.
TABLES: dict[str, tuple[dict[str, Any], Distribution]] = {
    "lognormal": ({"dist": "lognormal", "p5": 3, "p95": 20}, Lognormal(3.0, 20.0)),
    "normal": ({"dist": "normal", "mean": 0.6, "sd": 0.1}, Normal(0.6, 0.1)),
    "uniform": ({"dist": "uniform", "low": 0.5, "high": 2.5}, Uniform(0.5, 2.5)),
    "triangular": ({"dist": "triangular", "low": 0.5, "mode": 0.6, "high": 0.75}, Triangular(0.5, 0.6, 0.75)),
    "beta": ({"dist": "beta", "alpha": 2, "beta": 5, "low": 10, "high": 20}, Beta(2.0, 5.0, 10.0, 20.0)),
    "choice": (
        {"dist": "choice", "values": [0, 12, 24], "weights": [0.7, 0.2, 0.1]},
        Choice((0.0, 12.0, 24.0), (0.7, 0.2, 0.1)),
    ),
    "truncnormal": ({"dist": "truncnormal", "mean": 2, "sd": 3, "low": 0}, TruncNormal(2.0, 3.0, 0.0, math.inf)),
    "mixture": (
        {"dist": "mixture", "components": [{"dist": "lognormal", "p5": 3, "p95": 20}, 40], "weights": [0.75, 0.25]},
        Mixture((Lognormal(3.0, 20.0), Fixed(40.0)), (0.75, 0.25)),
    ),
    "empirical": ({"dist": "empirical", "values": [3, 1, 4, 1.5, 5, 9, 2, 6]}, Empirical((3, 1, 4, 1.5, 5, 9, 2, 6))),
}
#: The families without atoms (the mixture above has one, at 40).
CONTINUOUS = [dist for name, (_, dist) in TABLES.items() if name not in ("choice", "mixture")]


def rng() -> np.random.Generator:
    return np.random.default_rng(SEED)


def parsed(value: Any) -> Distribution:
    dist, problems = parse_distribution(value, "x")
    assert problems == []
    assert dist is not None
    return dist


def problems_of(value: Any) -> list[str]:
    dist, problems = parse_distribution(value, "x")
    assert dist is None
    assert problems
    return [str(p) for p in problems]


def quantile_z_score(
    samples: NDArray[np.float64], dist: Distribution, q: float, expected: float | None = None
) -> float:
    """Distance, in standard errors, between the sample ``q``-quantile and ``expected`` (default ``dist.ppf(q)``).

    The standard error of a sample quantile is ``sqrt(q (1 - q) / n) / f(x_q)``, and ``1 / f(x_q)`` is the slope of
    the quantile function, taken here by central differences of ``dist.ppf``.
    """
    h = 1e-4
    slope = (float(dist.ppf(q + h)) - float(dist.ppf(q - h))) / (2 * h)
    standard_error = math.sqrt(q * (1 - q) / samples.size) * slope
    target = float(dist.ppf(q)) if expected is None else expected
    return abs(float(np.quantile(samples, q)) - target) / standard_error


def mean_z_score(samples: NDArray[np.float64], expected_mean: float) -> float:
    """Distance, in standard errors, between the sample mean and ``expected_mean``."""
    standard_error = float(samples.std(ddof=1)) / math.sqrt(samples.size)
    return abs(float(samples.mean()) - expected_mean) / standard_error


def frequency_z_scores(
    samples: NDArray[np.float64], values: tuple[float, ...], weights: tuple[float, ...]
) -> list[float]:
    """Binomial z-score of each value's observed frequency against its normalised weight."""
    total = sum(weights)
    scores = []
    for value, weight in zip(values, weights, strict=True):
        p = weight / total
        observed = float(np.mean(samples == value))
        standard_error = math.sqrt(max(p * (1 - p), 1e-12) / samples.size)
        scores.append(abs(observed - p) / standard_error)
    return scores


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


class TestParsing:
    def test_every_family_is_covered(self) -> None:
        assert set(TABLES) == set(DISTRIBUTION_NAMES)

    @pytest.mark.parametrize("name", list(TABLES))
    def test_table_form(self, name: str) -> None:
        table, expected = TABLES[name]
        assert parsed(table) == expected

    @pytest.mark.parametrize(
        ("text", "p5", "p95"),
        [("3 to 20", 3.0, 20.0), ("  3 to 20 ", 3.0, 20.0), ("10e9 to 15e9", 1e10, 1.5e10), ("0.5 to 1.5", 0.5, 1.5)],
    )
    def test_shorthand_is_a_lognormal_90_percent_interval(self, text: str, p5: float, p95: float) -> None:
        dist = parsed(text)
        assert dist == Lognormal(p5, p95)
        assert isinstance(dist, Lognormal)
        assert dist.ppf(0.05) == pytest.approx(p5, rel=1e-12)
        assert dist.ppf(0.95) == pytest.approx(p95, rel=1e-12)

    @pytest.mark.parametrize("number", [0, 7, -2.5, 1e10])
    def test_plain_number_is_fixed(self, number: float) -> None:
        assert parsed(number) == Fixed(float(number))

    def test_choice_weights_default_to_equal(self) -> None:
        assert parsed({"dist": "choice", "values": [1, 2]}) == Choice((1.0, 2.0), (1.0, 1.0))

    def test_beta_defaults_to_unit_interval(self) -> None:
        assert parsed({"dist": "beta", "alpha": 2, "beta": 3}) == Beta(2.0, 3.0, 0.0, 1.0)

    def test_normal_from_percentiles_uses_z95(self) -> None:
        dist = parsed({"dist": "normal", "p5": 1.0, "p95": 3.0})
        assert isinstance(dist, Normal)
        assert dist.mean_value == pytest.approx(2.0)
        assert dist.sd == pytest.approx(1.0 / stats.norm.ppf(0.95))
        assert dist.ppf(0.05) == pytest.approx(1.0)
        assert dist.ppf(0.95) == pytest.approx(3.0)

    @pytest.mark.parametrize(
        ("value", "path", "fragment"),
        [
            ("20 to 3", "x", "0 < low < high"),
            ("3 to 3", "x", "0 < low < high"),
            ("-1 to 3", "x", "0 < low < high"),
            ("3 to 1e999", "x", "a number"),  # an infinite 95th percentile
            ("3 - 20", "x", '"low to high" string'),
            ("twenty", "x", '"low to high" string'),
            (True, "x", "a number"),
            (float("nan"), "x", "a number"),
            ([3, 20], "x", "a number"),
            ({"dist": "gamma", "shape": 2}, "x.dist", "one of 'lognormal'"),
            ({"dist": ["lognormal"], "p5": 3, "p95": 20}, "x.dist", "one of 'lognormal'"),
            ({"p5": 3, "p95": 20}, "x.dist", "missing; expected dist = one of"),
            ({"dist": "lognormal", "p5": 3}, "x.p95", "missing; a lognormal needs p5, p95"),
            ({"dist": "lognormal", "p5": 20, "p95": 3}, "x.p5", "a value below p95 = 3"),
            ({"dist": "lognormal", "p5": 0, "p95": 3}, "x.p5", "a positive number"),
            ({"dist": "lognormal", "p5": "3", "p95": 20}, "x.p5", "a finite number"),
            ({"dist": "lognormal", "p5": True, "p95": 20}, "x.p5", "a finite number"),
            ({"dist": "lognormal", "p5": 3, "p95": 10**400}, "x.p95", "a finite number"),
            ({"dist": "lognormal", "p5": 3, "p95": 20, "p50": 8}, "x.p50", "no such key for a lognormal"),
            ({"dist": "normal", "mean": 1, "sd": 0}, "x.sd", "a positive standard deviation"),
            ({"dist": "normal", "mean": 1}, "x", "either by mean and sd, or by p5 and p95"),
            ({"dist": "normal", "mean": 1, "sd": 1, "p5": 0, "p95": 2}, "x", "either by mean and sd"),
            ({"dist": "normal", "p5": 3, "p95": 1}, "x.p5", "a value below p95 = 1"),
            ({"dist": "uniform", "low": 2, "high": 1}, "x.low", "a value below high = 1"),
            ({"dist": "triangular", "low": 0, "mode": 2, "high": 1}, "x.mode", "between low = 0 and high = 1"),
            ({"dist": "triangular", "low": 1, "mode": 1, "high": 1}, "x.low", "a value below high = 1"),
            ({"dist": "beta", "alpha": 0, "beta": 1}, "x.alpha", "a positive shape parameter"),
            ({"dist": "beta", "alpha": 1, "beta": 1, "low": 1, "high": 0}, "x.low", "a value below high = 0"),
            ({"dist": "choice", "values": []}, "x.values", "a non-empty array of numbers"),
            ({"dist": "choice", "values": [True, 1]}, "x.values", "a non-empty array of numbers"),
            ({"dist": "choice", "values": 3}, "x.values", "a non-empty array of numbers"),
            ({"dist": "choice", "values": [0, 12], "weights": [1]}, "x.weights", "an array of 2 non-negative"),
            ({"dist": "choice", "values": [0, 12], "weights": [1, -1]}, "x.weights", "an array of 2 non-negative"),
            ({"dist": "choice", "values": [0, 12], "weights": [0, 0]}, "x.weights", "with a positive sum"),
        ],
    )
    def test_rejected_with_path_value_and_expectation(self, value: Any, path: str, fragment: str) -> None:
        (message,) = problems_of(value)
        assert message.startswith(f"{path}: ")
        assert fragment in message
        assert "expected" in message or "missing" in message

    def test_every_problem_in_a_table_is_reported(self) -> None:
        messages = problems_of({"dist": "lognormal", "p5": "3", "p50": 8})
        assert len(messages) == 3
        assert any(m.startswith("x.p50: ") for m in messages)  # unknown key
        assert any(m.startswith("x.p95: missing") for m in messages)  # missing key
        assert any(m.startswith("x.p5: got '3' (string)") for m in messages)  # wrong type


class TestRoundTrip:
    @pytest.mark.parametrize(
        "dist",
        [Fixed(2.5), *[dist for _, dist in TABLES.values()], Beta(0.5, 0.5), Choice((1.0,), (1.0,))],
        ids=repr,
    )
    def test_to_toml_value_round_trips(self, dist: Distribution) -> None:
        assert parsed(to_toml_value(dist)) == dist

    @pytest.mark.parametrize("name", list(TABLES))
    def test_round_trips_through_toml_text(self, name: str) -> None:
        """Written out as a TOML inline table and read back by tomllib, the distribution is unchanged."""
        dist = TABLES[name][1]
        text = f"x = {_inline_toml(to_toml_value(dist))}\n"
        assert parsed(tomllib.loads(text)["x"]) == dist

    def test_fixed_is_a_plain_number(self) -> None:
        assert to_toml_value(Fixed(3.0)) == 3.0

    def test_rejects_non_distributions(self) -> None:
        with pytest.raises(TypeError, match="not a scenario distribution"):
            to_toml_value(3.0)  # type: ignore[arg-type]


def _inline_toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_inline_toml(item)}" for key, item in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_inline_toml(item) for item in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(float(value))


# ---------------------------------------------------------------------------
# Sampling against ppf and mean
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def samples() -> NDArray[np.float64]:
    """200k draws of the shorthand "3 to 20"."""
    return parsed("3 to 20").sample(rng(), N)


class TestLognormalShorthand:
    """The acceptance example: "3 to 20" has its 5th and 95th percentiles at 3 and 20."""

    @pytest.mark.parametrize(("q", "exact"), [(0.05, 3.0), (0.95, 20.0)])
    def test_empirical_percentiles(self, samples: NDArray[np.float64], q: float, exact: float) -> None:
        """Compared with the literal 3 and 20, not with ``ppf``, so a sigma that is wrong everywhere still fails."""
        assert quantile_z_score(samples, Lognormal(3.0, 20.0), q, expected=exact) < K_SIGMA

    @pytest.mark.parametrize(("q", "exact"), [(0.05, 3.0), (0.95, 20.0)])
    def test_ppf_at_the_interval_ends(self, q: float, exact: float) -> None:
        assert float(Lognormal(3.0, 20.0).ppf(q)) == pytest.approx(exact, rel=1e-12)

    def test_empirical_mean(self, samples: NDArray[np.float64]) -> None:
        dist = Lognormal(3.0, 20.0)
        assert dist.mean() == pytest.approx(math.exp(dist.mu + dist.sigma**2 / 2))
        assert mean_z_score(samples, dist.mean()) < K_SIGMA

    def test_share_outside_the_interval(self, samples: NDArray[np.float64]) -> None:
        for share in (float(np.mean(samples < 3.0)), float(np.mean(samples > 20.0))):
            assert abs(share - 0.05) < K_SIGMA * math.sqrt(0.05 * 0.95 / N)


@pytest.mark.parametrize("dist", CONTINUOUS, ids=repr)
class TestContinuousSampling:
    def test_quantiles_match_ppf(self, dist: Distribution) -> None:
        samples = dist.sample(rng(), N)
        assert samples.shape == (N,)
        assert samples.dtype == np.float64
        for q in QUANTILES:
            assert quantile_z_score(samples, dist, q) < K_SIGMA, q

    def test_mean_matches(self, dist: Distribution) -> None:
        assert mean_z_score(dist.sample(rng(), N), dist.mean()) < K_SIGMA

    def test_samples_stay_in_support(self, dist: Distribution) -> None:
        samples = dist.sample(rng(), N)
        low, high = dist.support
        assert samples.min() >= low
        assert samples.max() <= high

    def test_ppf_accepts_arrays(self, dist: Distribution) -> None:
        qs = np.array(QUANTILES)
        values = np.asarray(dist.ppf(qs))
        assert values.shape == qs.shape
        np.testing.assert_allclose(values, [float(dist.ppf(q)) for q in QUANTILES])
        assert np.all(np.diff(values) > 0)

    def test_same_seed_same_samples(self, dist: Distribution) -> None:
        np.testing.assert_array_equal(dist.sample(rng(), 1000), dist.sample(rng(), 1000))


class TestClosedForms:
    """ppf and mean against scipy's own distributions (exact, no sampling)."""

    def test_lognormal(self) -> None:
        dist = Lognormal(3.0, 20.0)
        sigma = math.log(20 / 3) / (2 * stats.norm.ppf(0.95))
        frozen = stats.lognorm(s=sigma, scale=math.sqrt(60.0))
        np.testing.assert_allclose(dist.ppf(np.array(QUANTILES)), frozen.ppf(QUANTILES), rtol=1e-12)
        assert dist.mean() == pytest.approx(frozen.mean(), rel=1e-12)

    def test_triangular(self) -> None:
        dist = Triangular(0.5, 0.6, 0.75)
        frozen = stats.triang(c=0.1 / 0.25, loc=0.5, scale=0.25)
        np.testing.assert_allclose(dist.ppf(np.array(QUANTILES)), frozen.ppf(QUANTILES), rtol=1e-12)
        assert dist.mean() == pytest.approx(frozen.mean(), rel=1e-12)

    @given(
        low=st.floats(-1e12, 1e12),
        width=st.floats(1e-6, 1e12),
        peak=st.floats(0.0, 1.0),
        q=st.lists(st.floats(-0.5, 1.5), min_size=1, max_size=20),
    )
    def test_triangular_quantiles_equal_scipy_bit_for_bit(
        self, low: float, width: float, peak: float, q: list[float]
    ) -> None:
        """The closed form (no scipy.stats import) returns scipy's numbers exactly, NaN outside [0, 1] included."""
        high = low + width
        mode = low + peak * (high - low)
        assume(low < mode < high or low == mode < high or low < mode == high)
        dist = Triangular(low, mode, high)
        qs = np.array([*q, 0.0, 1.0])
        expected = stats.triang.ppf(qs, (mode - low) / (high - low), loc=low, scale=high - low)
        np.testing.assert_array_equal(dist.ppf(qs), expected)
        assert dist.ppf(0.25) == stats.triang.ppf(0.25, (mode - low) / (high - low), loc=low, scale=high - low)

    def test_normal_quantile_constant_is_scipys(self) -> None:
        """Z95, computed without scipy.stats, is scipy's 95% normal quantile exactly."""
        assert float(stats.norm.ppf(0.95)) == Z95
        np.testing.assert_array_equal(Normal(0.6, 0.1).ppf(np.array(QUANTILES)), stats.norm.ppf(QUANTILES, 0.6, 0.1))
        np.testing.assert_array_equal(
            Lognormal(3.0, 20.0).ppf(np.array(QUANTILES)),
            np.exp(Lognormal(3.0, 20.0).mu + Lognormal(3.0, 20.0).sigma * stats.norm.ppf(QUANTILES)),
        )

    def test_beta(self) -> None:
        dist = Beta(2.0, 5.0, 10.0, 20.0)
        frozen = stats.beta(2.0, 5.0, loc=10.0, scale=10.0)
        np.testing.assert_allclose(dist.ppf(np.array(QUANTILES)), frozen.ppf(QUANTILES), rtol=1e-12)
        assert dist.mean() == pytest.approx(frozen.mean(), rel=1e-12)

    def test_uniform_and_normal(self) -> None:
        assert Uniform(0.5, 2.5).ppf(0.25) == pytest.approx(1.0)
        assert Uniform(0.5, 2.5).mean() == pytest.approx(1.5)
        assert Normal(0.6, 0.1).ppf(0.95) == pytest.approx(0.6 + 0.1 * stats.norm.ppf(0.95))


class TestChoice:
    def test_frequencies_match_weights(self) -> None:
        dist = Choice((0.0, 12.0, 24.0), (0.7, 0.2, 0.1))
        samples = dist.sample(rng(), N)
        assert set(np.unique(samples)) == {0.0, 12.0, 24.0}
        assert max(frequency_z_scores(samples, dist.values, dist.weights)) < K_SIGMA

    def test_unnormalised_and_unsorted_weights(self) -> None:
        dist = Choice((24.0, 0.0, 12.0), (1.0, 7.0, 2.0))
        samples = dist.sample(rng(), N)
        assert max(frequency_z_scores(samples, dist.values, dist.weights)) < K_SIGMA
        assert mean_z_score(samples, dist.mean()) < K_SIGMA
        assert dist.mean() == pytest.approx((24 * 1 + 12 * 2) / 10)

    def test_zero_weight_values_are_never_drawn(self) -> None:
        dist = Choice((0.0, 5.0, 12.0), (0.0, 1.0, 0.0))
        assert np.all(dist.sample(rng(), 10_000) == 5.0)
        assert dist.ppf(0.0) == 5.0
        assert dist.ppf(0.999999) == 5.0

    def test_ppf_is_the_inverse_cdf(self) -> None:
        dist = Choice((0.0, 12.0), (0.8, 0.2))
        assert dist.ppf(0.0) == 0.0
        assert dist.ppf(0.79) == 0.0
        assert dist.ppf(0.81) == 12.0
        np.testing.assert_array_equal(dist.ppf(np.array([0.1, 0.9])), [0.0, 12.0])


class TestFixed:
    def test_sample_ppf_mean(self) -> None:
        dist = Fixed(4.0)
        np.testing.assert_array_equal(dist.sample(rng(), 5), np.full(5, 4.0))
        assert dist.ppf(0.3) == 4.0
        np.testing.assert_array_equal(dist.ppf(np.array([0.1, 0.9])), [4.0, 4.0])
        assert dist.mean() == 4.0
        assert dist.support == (4.0, 4.0)


def test_sampling_uses_only_the_given_generator() -> None:
    legacy_state = np.random.get_state()[1].copy()  # noqa: NPY002 - the legacy global state must not move
    for _, dist in TABLES.values():
        dist.sample(rng(), 100)
    np.testing.assert_array_equal(np.random.get_state()[1], legacy_state)  # noqa: NPY002


@pytest.mark.parametrize("name", list(TABLES))
def test_describe_names_the_family(name: str) -> None:
    assert TABLES[name][1].describe().startswith(name)


# ---------------------------------------------------------------------------
# The checks above are tight enough to catch real mistakes
# ---------------------------------------------------------------------------


class TestTheChecksCanFail:
    """The same checks, applied to plausible bugs, reject them."""

    def test_lognormal_sigma_from_z_196_is_caught(self) -> None:
        right = Lognormal(3.0, 20.0)
        wrong_sigma = (math.log(20.0) - math.log(3.0)) / (2 * 1.96)  # a 95% interval read as a 90% one
        samples = rng().lognormal(right.mu, wrong_sigma, N)
        assert quantile_z_score(samples, right, 0.05, expected=3.0) > K_SIGMA
        assert quantile_z_score(samples, right, 0.95, expected=20.0) > K_SIGMA

    def test_lognormal_mean_without_variance_term_is_caught(self) -> None:
        dist = Lognormal(3.0, 20.0)
        assert mean_z_score(dist.sample(rng(), N), math.exp(dist.mu)) > K_SIGMA  # the median, not the mean

    def test_triangular_with_mode_at_the_midpoint_is_caught(self) -> None:
        samples = rng().triangular(0.5, 0.625, 0.75, N)
        assert quantile_z_score(samples, Triangular(0.5, 0.6, 0.75), 0.5) > K_SIGMA

    def test_beta_with_swapped_shapes_is_caught(self) -> None:
        samples = 10.0 + 10.0 * rng().beta(5.0, 2.0, N)
        assert mean_z_score(samples, Beta(2.0, 5.0, 10.0, 20.0).mean()) > K_SIGMA

    def test_choice_ignoring_weights_is_caught(self) -> None:
        samples = rng().choice([0.0, 12.0, 24.0], N)
        assert max(frequency_z_scores(samples, (0.0, 12.0, 24.0), (0.7, 0.2, 0.1))) > K_SIGMA

    def test_small_bias_is_caught(self) -> None:
        """A 1% shift in a uniform's location is many standard errors at this sample size."""
        samples = rng().uniform(0.5, 2.5, N) + 0.01
        assert mean_z_score(samples, Uniform(0.5, 2.5).mean()) > K_SIGMA
