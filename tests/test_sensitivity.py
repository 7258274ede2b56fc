"""Sensitivity analysis: closed-form indices recovered, the shared-shock convention, a scenario's top drivers.

Every design and bootstrap is seeded, so each check below is deterministic: a check that an estimate lies in its
interval is run on one fixed sample, not a coin toss per run.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import frontiersim as fs
from frontiersim.draws.sampling import GivenDraws, sample_given_draws
from frontiersim.models.registry import draw_plan
from frontiersim.scenario.distributions import Normal, Uniform
from frontiersim.sensitivity.analysis import (
    NOISE_INPUT,
    analyse_design,
    morris_design,
    rank_indices,
    rank_table,
    ranked_inputs,
    sobol_design,
)
from frontiersim.sensitivity.outcomes import DISCOUNT_RATE_PER_YEAR, OutcomeError, resolve_outcome
from frontiersim.sensitivity.scenario_analysis import analyse_scenario, uncertain_inputs, wide_table
from frontiersim.sensitivity.summary import sensitivity_payload, summary_text
from frontiersim.store import RunStore

# -- Ishigami & Homma (1990): closed-form Sobol indices ---------------------------------------------------

ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami(values: np.ndarray) -> np.ndarray:
    x1, x2, x3 = values.T
    return np.sin(x1) + ISHIGAMI_A * np.sin(x2) ** 2 + ISHIGAMI_B * x3**4 * np.sin(x1)


def ishigami_indices() -> tuple[np.ndarray, np.ndarray]:
    """First-order and total indices of the Ishigami function (Sobol & Levitan 1999; Saltelli et al. 2008)."""
    a, b, pi = ISHIGAMI_A, ISHIGAMI_B, math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = 8 * b**2 * pi**8 / 225
    variance = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / variance, np.array([v1 + v13, v2, v13]) / variance


def _by_index(table: pd.DataFrame, index: str) -> pd.DataFrame:
    return table[table["index"] == index].set_index("input")


def test_sobol_recovers_the_ishigami_indices_within_their_intervals() -> None:
    inputs = {f"x{k}": Uniform(-math.pi, math.pi) for k in (1, 2, 3)}
    design = sobol_design(inputs, 4096, seed=11)
    assert design.rows == 4096 * 5
    table = analyse_design(design, ishigami(design.values), seed=3)
    first, total = ishigami_indices()
    for index, expected in (("S1", first), ("ST", total)):
        rows = _by_index(table, index)
        for name, value in zip(inputs, expected, strict=True):
            low, high = rows.loc[name, "ci_low"], rows.loc[name, "ci_high"]
            assert low <= value <= high, (index, name, value, low, high)
            assert high - low < 0.12  # intervals narrow enough to mean something
    assert ranked_inputs(table, "sobol") == ["x1", "x2", "x3"]


def test_sobol_design_maps_each_column_through_its_quantile_function() -> None:
    design = sobol_design({"n": Normal(2.0, 3.0), "u": Uniform(5.0, 6.0)}, 1024, seed=1)
    normal, uniform = design.values.T
    assert np.isfinite(design.values).all()
    assert abs(normal.mean() - 2.0) < 0.05
    assert abs(normal.std() - 3.0) < 0.05
    assert uniform.min() >= 5.0
    assert uniform.max() <= 6.0
    with pytest.raises(ValueError, match="power of two"):
        sobol_design({"u": Uniform(0, 1)}, 1000, seed=1)


def test_noise_treated_as_an_input_gets_its_closed_form_share() -> None:
    """y = x + z with x ~ U(0, 1) and z ~ N(0, s²) indexed by noise draw: S_x = (1/12) / (1/12 + s²)."""
    noise_sd = 0.5
    design = sobol_design({"x": Uniform(0.0, 1.0)}, 4096, seed=5, noise=True)
    noise = np.random.default_rng(0).normal(0.0, noise_sd, size=2 * 4096)
    outputs = design.values[:, 0] + noise[design.noise_draws]
    table = analyse_design(design, outputs, seed=2)
    share_x = (1 / 12) / (1 / 12 + noise_sd**2)
    for index in ("S1", "ST"):
        rows = _by_index(table, index)
        assert rows.loc["x", "ci_low"] <= share_x <= rows.loc["x", "ci_high"]
        assert rows.loc[NOISE_INPUT, "ci_low"] <= 1 - share_x <= rows.loc[NOISE_INPUT, "ci_high"]


def test_rows_derived_from_a_base_row_share_its_noise_draw() -> None:
    design = sobol_design({"a": Uniform(0, 1), "b": Uniform(0, 1)}, 8, seed=1, noise=True)
    blocks = design.noise_draws.reshape(8, 5)  # A, A_B(a), A_B(b), A_B(noise), B
    assert (blocks[:, :3] == np.arange(8)[:, None]).all()
    assert (blocks[:, 3:] == 8 + np.arange(8)[:, None]).all()


def test_morris_effects_of_a_linear_function_are_exact() -> None:
    """y = 4 x0 + 2 x1 + x2 on U(0, 1) inputs: a step moves a quantile by 1/2, so mu* = b / 2 and sigma = 0."""
    coefficients = np.array([4.0, 2.0, 1.0, 0.0])
    design = morris_design({f"x{k}": Uniform(0.0, 1.0) for k in range(4)}, 20, seed=4)
    table = analyse_design(design, design.values @ coefficients, seed=1)
    np.testing.assert_allclose(_by_index(table, "mu_star")["value"], coefficients / 2, atol=1e-12)
    np.testing.assert_allclose(_by_index(table, "sigma")["value"], 0.0, atol=1e-12)
    assert ranked_inputs(table, "morris") == ["x0", "x1", "x2", "x3"]


def test_morris_sees_the_ishigami_interaction_of_x3() -> None:
    """x3 acts only through b x3⁴ sin(x1): its effects are large in size, spread, and cancel in sign."""
    inputs = {f"x{k}": Uniform(-math.pi, math.pi) for k in (1, 2, 3)}
    design = morris_design(inputs, 400, seed=9)
    table = analyse_design(design, ishigami(design.values), seed=1)
    mu_star, sigma, mu = (_by_index(table, i)["value"] for i in ("mu_star", "sigma", "mu"))
    assert mu_star["x3"] > 0.5
    assert sigma["x3"] > 0.5 * mu_star["x3"]
    assert abs(mu["x3"]) < 0.25 * mu_star["x3"]
    assert mu_star["x1"] > mu_star["x3"]
    # On the 4-level grid x2 sits at ±pi/4 and ±3pi/4, where sin² is 1/2: a step never changes 7 sin²(x2).
    assert mu_star["x2"] < 1e-12


def test_morris_ranks_the_inputs_of_the_sobol_g_function_by_importance() -> None:
    """g(x) = prod (|4 x_i - 2| + a_i) / (1 + a_i): the smaller a_i, the more x_i matters (Saltelli et al. 2008)."""
    weights = np.array([0.0, 1.0, 4.5, 9.0, 99.0])
    design = morris_design({f"x{k}": Uniform(0.0, 1.0) for k in range(5)}, 100, seed=2)
    outputs = np.prod((np.abs(4 * design.values - 2) + weights) / (1 + weights), axis=1)
    table = analyse_design(design, outputs, seed=1)
    assert ranked_inputs(table, "morris") == [f"x{k}" for k in range(5)]


# -- rank correlations ---------------------------------------------------------------------------------


def test_spearman_of_a_linear_gaussian_model_matches_its_closed_form() -> None:
    """For jointly normal (X, Y) with correlation r, Spearman's rho is (6 / pi) arcsin(r / 2) (Kruskal 1958)."""
    rng = np.random.default_rng(1)
    n = 20_000
    inputs = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)})
    coefficients = {"a": 2.0, "b": -1.0, "c": 0.0}
    outcome = sum(b * inputs[name] for name, b in coefficients.items()) + rng.normal(size=n)
    table = rank_indices(inputs, outcome, resamples=200, seed=3).set_index("input")
    sd_y = math.sqrt(sum(b**2 for b in coefficients.values()) + 1.0)
    for name, b in coefficients.items():
        expected = 6 / math.pi * math.asin(b / sd_y / 2)
        assert table.loc[name, "spearman_low"] <= expected <= table.loc[name, "spearman_high"], name
    assert list(table.index) == ["a", "b", "c"]
    assert table.loc["a", "prcc"] > 0.8
    assert table.loc["b", "prcc"] < -0.5
    assert table.loc["c", "prcc_low"] <= 0.0 <= table.loc["c", "prcc_high"]


def test_prcc_separates_correlated_inputs_that_spearman_confounds() -> None:
    """y depends on a alone; b is a noisy copy of a: Spearman credits both, PRCC only a."""
    rng = np.random.default_rng(2)
    a = rng.normal(size=5000)
    inputs = pd.DataFrame({"a": a, "b": a + 0.3 * rng.normal(size=5000)})
    table = rank_indices(inputs, a + 0.1 * rng.normal(size=5000), resamples=100, seed=1).set_index("input")
    assert table.loc["b", "spearman"] > 0.8
    assert table.loc["b", "prcc_low"] <= 0.0 <= table.loc["b", "prcc_high"]
    assert table.loc["a", "prcc"] > 0.9


def test_a_constant_input_or_outcome_has_no_rank_correlation() -> None:
    rng = np.random.default_rng(0)
    inputs = pd.DataFrame({"fixed": np.ones(100), "varied": rng.normal(size=100)})
    table = rank_indices(inputs, inputs["varied"] * 2 + rng.normal(size=100), resamples=20)
    assert list(table["input"]) == ["varied", "fixed"]
    assert np.isnan(table.loc[1, "spearman"])
    assert np.isnan(table.loc[1, "prcc_low"])
    assert rank_indices(inputs, np.zeros(100), resamples=0)["prcc"].isna().all()
    long = rank_table(table)
    assert set(long["index"]) == {"spearman", "prcc"}
    assert len(long) == 4


def test_an_output_without_variance_gives_nan_sobol_indices() -> None:
    design = sobol_design({"x": Uniform(0, 1)}, 64, seed=1)
    assert analyse_design(design, np.zeros(design.rows))["value"].isna().all()


# -- the engine hook ---------------------------------------------------------------------------------


def test_given_draws_equal_to_the_sampled_ones_reproduce_a_run_bit_for_bit() -> None:
    scenario = fs.bundled("default")
    plain = fs.simulate(scenario, draws=1500, seed=3, keep_monthly=False)
    reversed_rows = np.arange(1500)[::-1].copy()
    values = {name: plain.dataset[f"input.{name}"].values[reversed_rows] for name in uncertain_inputs(scenario)}
    given = fs.simulate(scenario, seed=3, keep_monthly=False, chunk_size=400, given=GivenDraws(values, reversed_rows))
    np.testing.assert_array_equal(given.dataset["year_cash_usd"].values[::-1], plain.dataset["year_cash_usd"].values)
    np.testing.assert_array_equal(given.dataset["ruin_month"].values[::-1], plain.dataset["ruin_month"].values)


def test_rows_sharing_a_shock_draw_share_its_shocks_and_unknown_names_are_refused() -> None:
    scenario = fs.bundled("default")
    plan = draw_plan(scenario)
    given = GivenDraws({"demand.growth_per_year": np.array([2.0, 5.0, 9.0])}, np.array([7, 7, 2000]))
    draws = sample_given_draws(scenario, given, 0, 3, 1, plan)
    shocks = draws.shocks["demand.log_shocks"]
    np.testing.assert_array_equal(shocks[0], shocks[1])
    sampled = fs.sample_draws(scenario, 2000, 2001, 1)
    np.testing.assert_array_equal(shocks[2], sampled.shocks["demand.log_shocks"][0])
    np.testing.assert_array_equal(draws["operations.gross_margin"][2], sampled["operations.gross_margin"][0])
    with pytest.raises(ValueError, match="not sampled"):
        sample_given_draws(scenario, GivenDraws({"no.such_key": np.ones(3)}, np.zeros(3, np.int64)), 0, 3, 1, plan)
    with pytest.raises(ValueError, match="rows of the given design"):
        fs.simulate(scenario, draws=5, given=given)


# -- outcomes ----------------------------------------------------------------------------------------


def test_outcomes_read_the_figures_they_name() -> None:
    scenario = fs.bundled("default")
    result = fs.simulate(scenario, draws=400, seed=2, keep_monthly=False)
    dataset = result.lab_dataset()
    assert resolve_outcome("p_ruin", scenario).per_draw(dataset).mean() == pytest.approx(result.ruin_probability())
    revenue = dataset["year_revenue_usd"].values
    np.testing.assert_array_equal(resolve_outcome("revenue_usd_2028", scenario).per_draw(dataset), revenue[:, 2])
    np.testing.assert_array_equal(resolve_outcome("revenue_usd_final", scenario).per_draw(dataset), revenue[:, -1])
    np.testing.assert_allclose(resolve_outcome("revenue_usd_total", scenario).per_draw(dataset), revenue.sum(axis=1))
    profit = dataset["year_profit_usd"].values
    discounted = sum(profit[:, y] / (1 + DISCOUNT_RATE_PER_YEAR) ** (y + 0.5) for y in range(profit.shape[1]))
    np.testing.assert_allclose(resolve_outcome("discounted_profit", scenario).per_draw(dataset), discounted)
    by_2027 = resolve_outcome("p_ruin_by_2027", scenario).per_draw(dataset)
    assert by_2027.mean() == pytest.approx(float(result.ruin_probability_by_year().loc[2027]))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("p_rune", "did you mean 'p_ruin'"),
        ("revenue_2028", "did you mean 'revenue_usd_2028'"),
        ("revenue_usd_2040", "2040 is not a simulation year of scenario 'default'; expected 2026 to 2030"),
        ("cash_usd_2030x", "did you mean 'cash_usd_2030'"),
    ],
)
def test_unknown_outcomes_are_named_with_a_suggestion(name: str, message: str) -> None:
    with pytest.raises(OutcomeError, match=message):
        resolve_outcome(name, fs.bundled("default"))


# -- a scenario ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_sobol() -> object:
    return analyse_scenario(fs.bundled("default"), "sobol", ["p_ruin", "revenue_usd_2028"], samples=256, seed=1)


def test_sobol_names_the_top_drivers_of_ruin_on_the_default_scenario(default_sobol: object) -> None:
    result = default_sobol
    assert result.simulated_draws == 256 * 8  # 5 uncertain keys and the monthly shocks
    top = result.top_drivers("p_ruin", 2, parameters_only=True)
    assert set(top) == {"demand.growth_per_year", "operations.gross_margin"}
    totals = _by_index(result.table[result.table["outcome"] == "p_ruin"], "ST")["value"]
    # Training FLOP per GW does not enter ruin when demand grows exogenously: exactly no effect.
    assert totals["compute.training_flop_per_gw_month"] == 0.0
    assert result.top_drivers("revenue_usd_2028", 1) == ["demand.growth_per_year"]
    text = summary_text(result)
    assert "top drivers: " in text
    assert "demand growth" in text
    assert "e+" not in text
    wide = wide_table(result, "p_ruin")
    assert list(wide["rank"]) == list(range(1, 7))
    assert {"S1", "ST low", "ST high"} <= set(wide.columns)


def test_rank_and_morris_agree_on_the_top_drivers_of_ruin() -> None:
    scenario = fs.bundled("default")
    ranked = analyse_scenario(scenario, "rank", ["p_ruin"], samples=4000, seed=1, resamples=50)
    assert set(ranked.top_drivers("p_ruin", 2)) == {"demand.growth_per_year", "operations.gross_margin"}
    screened = analyse_scenario(scenario, "morris", ["p_ruin"], samples=60, seed=1, resamples=50)
    assert set(screened.top_drivers("p_ruin", 2, parameters_only=True)) == {
        "demand.growth_per_year",
        "operations.gross_margin",
    }


def test_the_same_seed_gives_the_same_indices() -> None:
    scenario = fs.bundled("default")
    first = analyse_scenario(scenario, "sobol", ["discounted_profit"], samples=64, seed=5, resamples=100)
    again = analyse_scenario(scenario, "sobol", ["discounted_profit"], samples=64, seed=5, resamples=100)
    other = analyse_scenario(scenario, "sobol", ["discounted_profit"], samples=64, seed=6, resamples=100)
    pd.testing.assert_frame_equal(first.table, again.table)
    assert not first.table["value"].equals(other.table["value"])


CERTAIN = """\
[scenario]
name = "certain"

[demand]
growth_per_year = 5.0

[compute]
training_flop_per_gw_month = 1e27
cost_usd_per_gw_year = 1.2e10

[operations]
gross_margin = 0.6

[finance]
raise_revenue_multiple = 2.0
"""


def test_a_scenario_without_uncertain_keys_is_refused() -> None:
    scenario = fs.parse_scenario_text(CERTAIN)
    assert uncertain_inputs(scenario) == {}
    with pytest.raises(ValueError, match="no uncertain key"):
        analyse_scenario(scenario, "sobol")


def test_a_stored_analysis_reads_back_and_reports(default_sobol: object, tmp_path: object) -> None:
    from frontiersim.cli.runs_command import format_record  # noqa: PLC0415
    from frontiersim.report.html import render_report  # noqa: PLC0415

    result = default_sobol
    store = RunStore(tmp_path / "runs.duckdb")  # type: ignore[operator]
    run_id = store.begin(
        kind="sensitivity",
        scenario_text="",
        scenario_name=result.scenario_name,
        scenario_sha256="",
        seed=result.seed,
        draws=result.simulated_draws,
        message="drivers of ruin",
        command=["frontiersim", "sensitivity"],
    )
    sensitivity_payload(result, artifacts={"tornado.svg": b"<svg></svg>"}).store_in(store, run_id)
    record = store.get(run_id)
    assert record.kind == "sensitivity"
    assert record.status == "complete"
    pd.testing.assert_frame_equal(record.tables["sensitivity"], result.table, check_dtype=False)
    assert record.metrics["design_draws"] == result.simulated_draws
    assert {"sensitivity.txt", "sensitivity.json", "tornado.svg"} <= set(record.artifacts)
    shown = format_record(record)
    assert "top drivers: " in shown
    assert "draws simulated for the design" in shown
    page = render_report(record)
    assert 'id="sensitivity"' in page
    assert "data:image/svg+xml;base64," in page


# -- the tornado chart and the package's names ---------------------------------------------------------


def test_the_tornado_puts_the_strongest_driver_on_top(default_sobol: object) -> None:
    from frontiersim.charts.tornado import tornado_chart, tornado_svg  # noqa: PLC0415

    result = default_sobol
    chart = tornado_chart(result.table)
    spec = chart.to_dict(validate=False)
    assert len(spec["vconcat"]) == 2  # one panel per outcome
    first_bars = spec["vconcat"][0]["layer"][0]["encoding"]["y"]
    expected = [
        str(label)
        for label in result.table[result.table["outcome"] == "p_ruin"]
        .sort_values("rank", kind="stable")["input_label"]
        .drop_duplicates()
    ]
    assert first_bars["sort"] == expected
    svg = tornado_svg(chart)
    assert svg.startswith("<svg")
    assert "demand growth" in svg


def test_every_exported_name_of_the_package_resolves() -> None:
    import frontiersim.sensitivity as package  # noqa: PLC0415

    for name in package.__all__:
        assert getattr(package, name) is not None, name
