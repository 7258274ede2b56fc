"""``[correlations]``: validation, the Gaussian copula, and what it must leave unchanged.

Statistical checks compare with the exact value within ``K_SIGMA`` Monte Carlo standard errors, with a fixed seed:
deterministic, yet a sampler that is wrong (independent draws, the Spearman target used as the normals' Pearson
correlation at a large value, a marginal bent by the copula) fails them.
"""

from __future__ import annotations

import math
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import frontiersim as fs
from frontiersim.cli.main import EXIT_BAD_INPUT, main
from frontiersim.draws import BLOCK_SIZE, sample_correlated_range, seed_sequence
from frontiersim.scenario import ScenarioError, bundled_text, parse_scenario_text
from frontiersim.scenario.correlations import (
    copula_factor,
    correlated_groups,
    is_valid_correlation,
    nearest_correlation,
    normal_correlation,
    spearman_correlation,
    suggest_valid,
)
from frontiersim.scenario.distributions import Choice, Lognormal, Mixture, Normal, Triangular, TruncNormal
from frontiersim.scenario.writer import scenario_to_toml
from frontiersim.simulate import sample_draws

K_SIGMA = 4.0
N = 40_000
GROWTH, COST, MARGIN = "demand.growth_per_year", "compute.cost_usd_per_gw_year", "operations.gross_margin"


def with_correlations(lines: str, base: str = "default") -> fs.Scenario:
    return parse_scenario_text(bundled_text(base) + "\n[correlations]\n" + lines)


def problems(lines: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        with_correlations(lines)
    return [str(p) for p in caught.value.problems]


def spearman_standard_error(r: float, n: int) -> float:
    """Standard error of a sample Spearman correlation, ~(1 - r^2)/sqrt(n - 1) (a conservative form for r = 0)."""
    return max(1.0 - r * r, 0.05) / math.sqrt(n - 1)


@pytest.fixture(scope="module")
def correlated() -> fs.Scenario:
    return with_correlations(f'"{GROWTH} ~ {COST}" = -0.4\n"{GROWTH} ~ {MARGIN}" = 0.6\n')


@pytest.fixture(scope="module")
def correlated_draws(correlated: fs.Scenario) -> fs.Draws:
    return sample_draws(correlated, 0, N, seed=11)


class TestValidation:
    def test_a_valid_table_is_kept(self, correlated: fs.Scenario) -> None:
        assert correlated.correlations == ((GROWTH, COST, -0.4), (GROWTH, MARGIN, 0.6))

    def test_no_table_means_no_correlations(self) -> None:
        assert fs.bundled("default").correlations == ()

    def test_unknown_key_suggests_the_nearest(self) -> None:
        (message,) = problems(f'"demand.growth_per_yaer ~ {COST}" = 0.3')
        assert message.startswith(f'correlations."demand.growth_per_yaer ~ {COST}": no uncertain scenario key')
        assert "did you mean 'demand.growth_per_year'?" in message

    def test_fixed_key(self) -> None:
        (message,) = problems(f'"demand.initial_usd_per_year ~ {COST}" = 0.3')
        assert "demand.initial_usd_per_year is fixed at 10B in this scenario" in message

    def test_a_key_that_is_not_uncertain_at_all(self) -> None:
        (message,) = problems(f'"demand.kind ~ {COST}" = 0.3')
        assert "no uncertain scenario key 'demand.kind'" in message

    @pytest.mark.parametrize("value", ["1.5", "-1.01", "true", '"0.3"'])
    def test_value_outside_minus_one_to_one(self, value: str) -> None:
        (message,) = problems(f'"{GROWTH} ~ {COST}" = {value}')
        assert message.endswith("expected a rank correlation, a number in [-1, 1]")

    def test_key_paired_with_itself(self) -> None:
        (message,) = problems(f'"{GROWTH} ~ {GROWTH}" = 0.5')
        assert "two different keys" in message

    def test_duplicate_pair(self) -> None:
        (message,) = problems(f'"{GROWTH} ~ {COST}" = 0.5\n"{COST} ~ {GROWTH}" = 0.4')
        assert message.startswith(f'correlations."{COST} ~ {GROWTH}"')
        assert f"this pair is also given as '{GROWTH} ~ {COST}'" in message

    @pytest.mark.parametrize("key", ["just_one_key", "a ~ b ~ c", " ~ demand.growth_per_year"])
    def test_malformed_pair(self, key: str) -> None:
        (message,) = problems(f'"{key}" = 0.5')
        assert 'expected a key naming two scenario keys, "section.key ~ section.key"' in message

    def test_not_a_table(self) -> None:
        with pytest.raises(ScenarioError, match="correlations: got 3 \\(integer\\); expected a table"):
            parse_scenario_text(bundled_text("default").replace("[scenario]", "correlations = 3\n[scenario]", 1))

    def test_every_problem_is_reported(self) -> None:
        found = problems(f'"demand.growth_per_yaer ~ {COST}" = 0.3\n"{GROWTH} ~ {MARGIN}" = 2')
        assert len(found) == 2

    def test_non_psd_matrix_is_one_error_with_the_nearest_valid_values(self) -> None:
        lines = f'"{GROWTH} ~ {COST}" = 0.9\n"{GROWTH} ~ {MARGIN}" = 0.9\n"{COST} ~ {MARGIN}" = -0.9\n'
        (message,) = problems(lines)
        assert message.startswith("correlations: these rank correlations cannot hold together")
        assert "not positive semi-definite" in message
        suggested = message.split("the nearest valid values are ")[1]
        fixed = with_correlations(suggested.replace(", ", "\n"))  # the suggestion, pasted back, is valid
        assert len(fixed.correlations) == 3
        assert fixed.correlations[0][2] < 0.9

    def test_writer_round_trip(self, correlated: fs.Scenario) -> None:
        data = tomllib.loads(correlated.source_text)
        assert parse_scenario_text(scenario_to_toml(data)).correlations == correlated.correlations


class TestCli:
    def test_validate_non_psd_exits_2_without_traceback(self, tmp_path: Path) -> None:
        path = tmp_path / "bad.toml"
        lines = f'"{GROWTH} ~ {COST}" = 0.9\n"{GROWTH} ~ {MARGIN}" = 0.9\n"{COST} ~ {MARGIN}" = -0.9\n'
        path.write_text(bundled_text("default") + "\n[correlations]\n" + lines, encoding="utf-8")
        done = subprocess.run(
            [str(Path(sys.executable).parent / "frontiersim"), "validate", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == EXIT_BAD_INPUT
        assert "Traceback" not in done.stderr
        assert "nearest valid values" in done.stderr
        assert done.stderr.count("\n  - ") == 1

    def test_validate_good_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = tmp_path / "good.toml"
        path.write_text(bundled_text("default") + f'\n[correlations]\n"{GROWTH} ~ {COST}" = -0.4\n', encoding="utf-8")
        assert main(["validate", str(path)]) == 0


class TestCopula:
    @pytest.mark.parametrize(
        ("first", "second", "target"), [(GROWTH, COST, -0.4), (GROWTH, MARGIN, 0.6), (COST, MARGIN, 0.0)]
    )
    def test_achieved_spearman_is_the_target(
        self, correlated_draws: fs.Draws, first: str, second: str, target: float
    ) -> None:
        achieved = stats.spearmanr(correlated_draws[first], correlated_draws[second]).statistic
        assert abs(achieved - target) < K_SIGMA * spearman_standard_error(target, N)

    def test_the_tolerance_would_catch_a_missing_conversion(self) -> None:
        """Normals correlated at the target itself (no Kruskal conversion) would miss 0.6 by more than the tolerance."""
        unconverted = float(spearman_correlation(0.6))
        assert abs(unconverted - 0.6) > K_SIGMA * spearman_standard_error(0.6, N)

    @pytest.mark.parametrize("key", [GROWTH, COST, MARGIN])
    def test_marginals_are_unchanged(self, correlated: fs.Scenario, correlated_draws: fs.Draws, key: str) -> None:
        section, name = key.split(".")
        distribution = getattr(getattr(correlated, section), name)
        assert stats.kstest(correlated_draws[key], distribution.cdf).pvalue > 1e-4

    def test_marginal_against_an_independent_sample(self, correlated_draws: fs.Draws) -> None:
        independent = sample_draws(fs.bundled("default"), 0, N, seed=12)
        assert stats.ks_2samp(correlated_draws[GROWTH], independent[GROWTH]).pvalue > 1e-4

    def test_other_keys_are_bit_identical(self, correlated_draws: fs.Draws) -> None:
        independent = sample_draws(fs.bundled("default"), 0, N, seed=11)
        others = [k for k in independent.parameters if k not in (GROWTH, COST, MARGIN)]
        assert others
        for key in others:
            assert np.array_equal(correlated_draws[key], independent[key]), key
        for stream, shocks in independent.shocks.items():
            assert np.array_equal(correlated_draws.shocks[stream], shocks)

    def test_zero_correlations_give_todays_draws(self) -> None:
        zeros = with_correlations(f'"{GROWTH} ~ {COST}" = 0\n"{GROWTH} ~ {MARGIN}" = 0.0\n')
        today = sample_draws(fs.bundled("default"), 0, 3000, seed=5)
        draws = sample_draws(zeros, 0, 3000, seed=5)
        assert draws.parameters.keys() == today.parameters.keys()
        for key in today.parameters:
            assert np.array_equal(draws[key], today[key]), key

    @pytest.mark.parametrize(
        ("start", "stop"), [(0, 1), (1000, 1100), (BLOCK_SIZE - 3, 2 * BLOCK_SIZE + 5), (3333, 4000)]
    )
    def test_chunk_size_independent(
        self, correlated: fs.Scenario, correlated_draws: fs.Draws, start: int, stop: int
    ) -> None:
        part = sample_draws(correlated, start, stop, seed=11)
        for key in (GROWTH, COST, MARGIN):
            assert np.array_equal(part[key], correlated_draws[key][start:stop]), key

    def test_simulation_is_chunk_size_independent(self, correlated: fs.Scenario) -> None:
        whole = fs.simulate(correlated, draws=700, seed=3, chunk_size=700)
        pieces = fs.simulate(correlated, draws=700, seed=3, chunk_size=256)
        assert np.array_equal(whole.dataset["year_cash_usd"].values, pieces.dataset["year_cash_usd"].values)

    def test_perfect_correlation(self) -> None:
        """A singular matrix samples too: rank correlation 1 puts the two keys at the same quantile."""
        root = seed_sequence(4)
        streams = [("a", Lognormal(3.0, 20.0)), ("b", Triangular(0.5, 0.6, 0.75))]
        a, b = sample_correlated_range(root, streams, np.array([[1.0, 1.0], [1.0, 1.0]]), 0, 5000)
        assert stats.spearmanr(a, b).statistic > 0.9999
        np.testing.assert_allclose(streams[1][1].cdf(b), streams[0][1].cdf(a), atol=1e-9)

    def test_discrete_and_new_marginals_keep_their_laws(self) -> None:
        root = seed_sequence(8)
        choice = Choice((0.0, 12.0, 24.0), (0.7, 0.2, 0.1))
        truncated = TruncNormal(1.0, 2.0, 0.0, math.inf)
        mixture = Mixture((Normal(0.0, 1.0), Normal(5.0, 1.0)), (0.3, 0.7))
        streams = [("c", choice), ("t", truncated), ("m", mixture)]
        spearman = np.array([[1.0, 0.5, 0.3], [0.5, 1.0, 0.2], [0.3, 0.2, 1.0]])
        c, t, m = sample_correlated_range(root, streams, spearman, 0, N)
        for value, weight in zip(choice.values, choice.weights, strict=True):
            assert abs(np.mean(c == value) - weight) < K_SIGMA * math.sqrt(weight * (1 - weight) / N)
        assert stats.kstest(t, truncated.cdf).pvalue > 1e-4
        assert stats.kstest(m, mixture.cdf).pvalue > 1e-4
        achieved = stats.spearmanr(t, m).statistic
        assert abs(achieved - 0.2) < K_SIGMA * spearman_standard_error(0.2, N)


class TestMatrices:
    def test_kruskal_conversion_round_trips(self) -> None:
        r = np.linspace(-1, 1, 21)
        np.testing.assert_allclose(spearman_correlation(normal_correlation(r)), r, atol=1e-12)

    def test_kruskal_conversion_matches_a_bivariate_normal(self) -> None:
        """rho = 2 sin(pi r_s / 6) checked against the rank correlation of a large bivariate normal sample."""
        rho = float(normal_correlation(0.7))
        rng = np.random.default_rng(1)
        x = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=200_000)
        assert abs(stats.spearmanr(x[:, 0], x[:, 1]).statistic - 0.7) < K_SIGMA * spearman_standard_error(0.7, 200_000)

    def test_groups_ignore_zero_and_unsampled_pairs(self) -> None:
        pairs = [("a", "b", 0.3), ("b", "c", 0.0), ("d", "e", 0.2), ("a", "x", 0.9)]
        assert correlated_groups(pairs, ["a", "b", "c", "d", "e"]) == [["a", "b"], ["d", "e"]]

    def test_factor_rows_have_unit_length(self) -> None:
        spearman = np.array([[1.0, 1.0, 0.2], [1.0, 1.0, 0.2], [0.2, 0.2, 1.0]])
        factor = copula_factor(spearman)
        np.testing.assert_allclose(np.linalg.norm(factor, axis=1), 1.0)
        np.testing.assert_allclose(factor @ factor.T, normal_correlation(spearman), atol=1e-9)

    def test_nearest_correlation_known_answer(self) -> None:
        """Higham (2002), section 4: the nearest correlation matrix to this 3x3 example."""
        a = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])
        expected = np.array([[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]])
        np.testing.assert_allclose(nearest_correlation(a), expected, atol=1e-4)

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.floats(-1.0, 1.0), min_size=6, max_size=6))
    def test_suggestion_is_valid_and_a_valid_matrix_is_its_own_nearest(self, values: list[float]) -> None:
        matrix = np.eye(4)
        matrix[np.triu_indices(4, 1)] = values
        matrix = np.triu(matrix) + np.triu(matrix, 1).T
        suggestion = suggest_valid(matrix)
        assert is_valid_correlation(suggestion)
        np.testing.assert_array_equal(np.diag(suggestion), 1.0)
        np.testing.assert_array_equal(suggestion, suggestion.T)
        if np.linalg.eigvalsh(matrix)[0] > 1e-6:
            np.testing.assert_allclose(nearest_correlation(matrix), matrix, atol=1e-8)


class TestBundledExample:
    """``one_trillion_bet_uncertain`` carries a ``[correlations]`` table: a late curve comes with slow growth."""

    DELAY = "demand.delay_months"

    def test_the_bundled_scenario_loads_with_its_correlations(self) -> None:
        bet = fs.bundled("one_trillion_bet_uncertain")
        assert bet.correlations == ((GROWTH, self.DELAY, -0.3),)
        assert bet.joint_correlations == bet.correlations

    def test_the_joint_odds_are_the_copulas(self) -> None:
        """P(5x and a year late) is the Gaussian copula's: P(Z1 <= z(0.5), Z2 > z(0.7)) at rho = 2 sin(-0.3 pi / 6)."""
        bet = fs.bundled("one_trillion_bet_uncertain")
        draws = sample_draws(bet, 0, N, seed=3)
        growth, delay = draws[GROWTH], draws[self.DELAY]
        assert abs(np.mean(growth == 5.0) - 0.5) < K_SIGMA * math.sqrt(0.25 / N)  # each keeps its own odds
        assert abs(np.mean(delay == 12.0) - 0.3) < K_SIGMA * math.sqrt(0.21 / N)
        rho = float(normal_correlation(-0.3))
        z = stats.norm.ppf(0.7)
        both_below = stats.multivariate_normal([0.0, 0.0], [[1.0, rho], [rho, 1.0]]).cdf([0.0, z])
        expected = 0.5 - both_below
        assert expected > 0.5 * 0.3  # more often together than if independent
        observed = np.mean((growth == 5.0) & (delay == 12.0))
        assert abs(observed - expected) < K_SIGMA * math.sqrt(expected * (1 - expected) / N)

    def test_frontiersim_run_works_on_it(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        out = tmp_path / "bet"
        code = main(
            ["run", "one_trillion_bet_uncertain", "--draws", "300", "--no-progress", "--no-store", "--out", str(out)]
        )
        assert code == 0
        assert "P(ruin within the horizon)" in capsys.readouterr().out
        assert tomllib.loads((out / "scenario.toml").read_text(encoding="utf-8"))["correlations"] == {
            f"{GROWTH} ~ {self.DELAY}": -0.3
        }


def test_the_toml_examples_of_the_distributions_page_validate() -> None:
    """Every TOML block of docs/distributions.md, put into the default scenario in place of its tables, validates."""
    page = (Path(__file__).parent.parent / "docs" / "distributions.md").read_text(encoding="utf-8")
    blocks = [block.split("```", 1)[0] for block in page.split("```toml\n")[1:]]
    assert len(blocks) == 2
    for block in blocks:
        mapping = tomllib.loads(bundled_text("default"))
        mapping.update(tomllib.loads(block))
        scenario = fs.parse_scenario(mapping)
        assert scenario.joint_correlations, block
