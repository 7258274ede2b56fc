"""Calibration to Epoch AI data: the published compute trend, synthetic recovery, revenue rows, scenario."""

from __future__ import annotations

import dataclasses
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import frontiersim as fs
from frontiersim import load_scenario, parse_scenario_text
from frontiersim.calibrate import (
    ATTRIBUTION,
    DROPPED_ROWS,
    calibrate_report,
    calibrated_capability_scenario_text,
    calibrated_scenario_text,
    capability_twin_path,
    compute_trend,
    cross_check,
    fit_log_linear,
    revenue_reports,
    revenue_trend,
    synthetic_log_linear,
    top_n_at_release,
    write_calibrated_scenario,
    write_calibrated_scenarios,
)
from frontiersim.calibrate.revenue import apply_drops
from frontiersim.models.engine import run_chunk
from frontiersim.scenario import Lognormal


def test_compute_trend_reproduces_epoch_figure() -> None:
    # ATTRIBUTION.md: ~4.9x a year since 2010, 95% CI 4.65-5.18 (data to 2025-12-31).
    trend = compute_trend()
    fit = trend.fit
    assert round(fit.growth_per_year, 1) == 4.9
    low, high = fit.ols_interval()
    assert 4.55 <= low <= 4.70
    assert 5.10 <= high <= 5.25
    boot_low, boot_high = fit.bootstrap_interval()
    assert 4.5 <= boot_low <= 4.7
    assert 5.0 <= boot_high <= 5.3
    assert trend.models["date"].min() >= pd.Timestamp("2010-01-01")
    assert trend.models["date"].max() <= pd.Timestamp("2025-12-31")
    assert fit.n > 100


def test_bootstrap_is_reproducible() -> None:
    first, second = compute_trend(bootstrap_samples=500), compute_trend(bootstrap_samples=500)
    np.testing.assert_array_equal(first.fit.bootstrap_slopes, second.fit.bootstrap_slopes)


def test_top_n_rule() -> None:
    dates = pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01", "2020-05-01"])
    frame = pd.DataFrame({"date": dates, "compute_flop": [5.0, 1.0, 9.0, np.nan, 6.0]})
    assert top_n_at_release(frame, n=2)["compute_flop"].tolist() == [5.0, 1.0, 9.0, 6.0]
    assert top_n_at_release(frame, n=1)["compute_flop"].tolist() == [5.0, 9.0]


@pytest.mark.parametrize(("growth", "noise", "n"), [(4.9, 0.5, 120), (10.0, 0.1, 25), (1.3, 0.05, 40)])
def test_synthetic_recovery(growth: float, noise: float, n: int) -> None:
    rng = np.random.default_rng(7)
    years = np.sort(rng.uniform(2015.0, 2025.0, n))
    values = synthetic_log_linear(growth, 1e20, years, noise, rng)
    fit = fit_log_linear(years, values, bootstrap_samples=1000, seed=1)
    # The slope is within 3 OLS standard errors of the truth, and the 95% intervals cover it.
    assert abs(fit.slope - math.log10(growth)) < 3 * fit.slope_se
    assert fit.ols_interval()[0] < growth < fit.ols_interval()[1]
    assert fit.bootstrap_interval()[0] < growth < fit.bootstrap_interval()[1]
    assert fit.residual_sd == pytest.approx(noise, rel=0.35)
    assert fit.predict(years[0]) == pytest.approx(1e20, rel=10 ** (4 * noise / math.sqrt(n)) - 1)


def test_synthetic_interval_coverage() -> None:
    # Over many noisy data sets the 95% OLS interval covers the true growth about 95% of the time.
    rng = np.random.default_rng(11)
    years = np.linspace(2020.0, 2025.0, 15)
    covered = 0
    trials = 200
    for _ in range(trials):
        fit = fit_log_linear(years, synthetic_log_linear(8.0, 1e8, years, 0.2, rng), bootstrap_samples=10)
        low, high = fit.ols_interval()
        covered += low < 8.0 < high
    assert 0.90 <= covered / trials <= 0.99


def test_fit_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="positive"):
        fit_log_linear([2020.0, 2021.0, 2022.0], [1.0, 0.0, 2.0])
    with pytest.raises(ValueError, match="at least 3"):
        fit_log_linear([2020.0, 2021.0], [1.0, 2.0])


def test_dropped_rows_are_documented_and_applied() -> None:
    reports = revenue_reports()
    kept = apply_drops(reports)
    assert len(reports) - len(kept) == len(DROPPED_ROWS)
    for row in DROPPED_ROWS:
        assert row.reason
        match = kept[(kept["company"] == row.company) & (kept["date"] == pd.Timestamp(row.date))]
        assert not np.isclose(match["revenue_usd_per_year"], row.revenue_usd_per_year).any()
    # The flagged Anthropic row ($1B on 2025-10-15, beside $7B a week later) is out, the $7B is in.
    anthropic = revenue_trend("Anthropic")
    assert pd.Timestamp("2025-10-15") not in set(anthropic.reports["date"])
    assert anthropic.reports["revenue_usd_per_year"].max() == 7e9
    # No company has two reports left on one date.
    assert not kept.duplicated(subset=["company", "date"]).any()


def test_anthropic_revenue_matches_the_interviews() -> None:
    trend = revenue_trend("Anthropic")
    assert 8.0 < trend.fit.growth_per_year < 12.0  # the interviews: ~10x a year (Dwarkesh Podcast, 2026-02-13)
    low, high = trend.fit.ols_interval()
    assert low < 10.0 < high
    boot_low, boot_high = trend.fit.bootstrap_interval()
    assert boot_low < 10.0 < boot_high
    for check in cross_check(trend):
        assert 0.67 < check.ratio < 1.5, check


def test_calibrated_scenario_validates(tmp_path: Path) -> None:
    text = calibrated_scenario_text()
    scenario = parse_scenario_text(text)
    growth = scenario.demand.growth_per_year
    assert isinstance(growth, Lognormal)
    low, high = revenue_trend("Anthropic").fit.ols_interval(0.90)
    assert growth.p5 == pytest.approx(low, rel=0.01)
    assert growth.p95 == pytest.approx(high, rel=0.01)
    line = next(line for line in text.splitlines() if line.startswith("growth_per_year"))
    assert "# parameter uncertainty; Epoch AI revenue reports" in line
    assert "2025-10-15" in line  # the dropped row is named in the source comment
    assert "4.86x/yr" in text  # the compute trend's source, beside the pointer to the key it calibrates
    assert "frontier_compute_growth_per_year" in text
    assert ATTRIBUTION in text
    path = write_calibrated_scenario(tmp_path / "calibrated.toml")
    assert load_scenario(path).demand.growth_per_year == growth
    assert load_scenario(tmp_path / "calibrated_capability.toml").demand.kind == "capability"


def test_the_compute_trend_calibrates_a_key_the_model_uses(tmp_path: Path) -> None:
    text = calibrated_capability_scenario_text()
    scenario = parse_scenario_text(text)
    assert scenario.demand.kind == "capability"
    frontier = scenario.capability.frontier_compute_growth_per_year
    assert isinstance(frontier, Lognormal)
    low, high = compute_trend().fit.ols_interval(0.90)
    assert frontier.p5 == pytest.approx(low, rel=0.01)
    assert frontier.p95 == pytest.approx(high, rel=0.01)
    assert 4.8 < float(frontier.ppf(0.5)) < 4.9  # ~4.86x a year
    line = next(line for line in text.splitlines() if line.startswith("frontier_compute_growth_per_year"))
    assert "# Epoch AI Notable AI Models" in line
    assert "4.86x/yr (95% CI 4.60-5.12)" in line
    assert ATTRIBUTION in text
    # the key is sampled, and the demand the model produces depends on it: faster rivals, less demand
    draws = fs.sample_draws(scenario, 0, 40, seed=3)
    sampled = draws["capability.frontier_compute_growth_per_year"]
    assert 4.3 < sampled.min() <= sampled.max() < 5.5
    slower = dataclasses.replace(
        draws, parameters={**draws.parameters, "capability.frontier_compute_growth_per_year": sampled / 2}
    )
    demand = run_chunk(scenario, draws).monthly["demand_usd_per_year"]
    demand_slower_rivals = run_chunk(scenario, slower).monthly["demand_usd_per_year"]
    # (not draw by draw: demand feeds back through purchases and the training share; months at the
    # demand ceiling, the wage bill, are left out)
    ceiling = scenario.demand.ceiling_usd_per_year
    below = (demand[:, 12:] < ceiling) & (demand_slower_rivals[:, 12:] < ceiling)
    assert below.mean() > 0.5
    assert np.mean((demand_slower_rivals[:, 12:] > demand[:, 12:])[below]) > 0.9
    assert np.median(demand_slower_rivals[:, 36]) > 2 * np.median(demand[:, 36])
    paths = write_calibrated_scenarios(tmp_path / "out.toml")
    assert paths == (tmp_path / "out.toml", tmp_path / "out_capability.toml")
    assert capability_twin_path(tmp_path / "x") == tmp_path / "x_capability.toml"
    assert load_scenario(paths[1]).capability.frontier_compute_growth_per_year == frontier


def test_report_mentions_everything() -> None:
    report = calibrate_report()
    needles = ("4.86x a year", "bootstrap", "Anthropic", "OpenAI", "2025-10-15", "Cross-check", ATTRIBUTION)
    for needle in (*needles, "frontier_compute_growth_per_year = lognormal(p5=4.64, p95=5.08)"):
        assert needle in report


def test_data_ships_with_attribution() -> None:
    folder = resources.files("frontiersim") / "data" / "epoch"
    attribution = (folder / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert ATTRIBUTION in attribution
    assert "2026-05-02" in attribution
    assert "trimmed" in attribution
