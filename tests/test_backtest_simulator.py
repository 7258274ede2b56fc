"""The simulator backtest: coverage on the shipped data, CRPS, PIT, added reports and the predictive scenario."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import frontiersim as fs
from frontiersim.calibrate.predictive import PERSISTENCE_PRIOR, predictive_demand
from frontiersim.calibrate.reports_file import REQUIRED_COLUMNS, ReportsFileError, read_reports_csv
from frontiersim.calibrate.simulator_backtest import crps_ensemble, pit, pit_histogram, simulator_backtest
from frontiersim.cli.main import main

HEADER = "Date,Company,Revenue amount (normalize to annual)\n"


@pytest.fixture(scope="module")
def shipped_backtest() -> object:
    return simulator_backtest(("2024-06-30", "2024-12-31"), draws=2_000)


def test_shipped_data_90pct_intervals_cover_at_least_80pct(shipped_backtest: object) -> None:
    result = shipped_backtest
    table = result.table()  # type: ignore[attr-defined]
    assert set(table["cutoff"]) == {"2024-06-30", "2024-12-31"}
    assert len(table) == 19  # 8 OpenAI reports after mid-2024; 6 Anthropic + 5 OpenAI after 2024
    pooled = result.coverage(0.9)  # type: ignore[attr-defined]
    assert pooled.n == 19
    assert pooled.rate >= 0.8
    for cutoff in ("2024-06-30", "2024-12-31"):
        assert result.coverage_by_cutoff(cutoff, 0.9).rate >= 0.8  # type: ignore[attr-defined]
    text = result.summary_text()  # type: ignore[attr-defined]
    assert "off nominal" in text
    assert "capacity never binds" in text
    assert "Anthropic: not scored" in text  # two reports before mid-2024
    assert all(c.unserved_share < 1e-9 for c in result.companies if c.fitted)  # type: ignore[attr-defined]
    assert ((table["pit"] >= 0) & (table["pit"] <= 1)).all()
    assert (table["crps_log10"] >= 0).all()
    assert result.pit_counts().sum() == 19  # type: ignore[attr-defined]


@pytest.mark.parametrize(("mu", "sigma", "y"), [(0.0, 1.0, 0.3), (2.0, 0.5, 3.1), (-1.0, 2.0, -6.0)])
def test_crps_matches_the_normal_closed_form(mu: float, sigma: float, y: float) -> None:
    # Gneiting & Raftery (2007), eq. 5: CRPS(N(mu, sigma^2), y) = sigma [z(2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)].
    z = (y - mu) / sigma
    exact = sigma * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi))
    sample = mu + sigma * stats.norm.ppf((np.arange(20_000) + 0.5) / 20_000)  # a fine quantile grid
    assert crps_ensemble(sample, y) == pytest.approx(exact, rel=2e-3, abs=1e-4)


def test_crps_of_a_point_forecast_is_the_absolute_error() -> None:
    assert crps_ensemble(np.full(7, 2.0), 5.5) == pytest.approx(3.5)


def test_pit_is_uniform_when_the_observations_come_from_the_forecast() -> None:
    rng = np.random.default_rng(3)
    forecast = rng.lognormal(22.0, 0.8, size=2_000)
    observations = rng.lognormal(22.0, 0.8, size=1_000)
    values = np.array([pit(forecast, y) for y in observations])
    assert stats.kstest(values, "uniform").pvalue > 0.001
    counts = pit_histogram(values)
    assert counts.sum() == 1_000
    assert stats.chisquare(counts).pvalue > 0.001
    # and a biased forecast is caught
    biased = np.array([pit(forecast * 3.0, y) for y in observations])
    assert stats.kstest(biased, "uniform").pvalue < 1e-6


def test_reports_file_adds_reports(tmp_path: Path) -> None:
    path = tmp_path / "more.csv"
    path.write_text(HEADER + "2026-02-15,Anthropic,1.4e10\n12/31/2025,OpenAI,20000000000\n", encoding="utf-8")
    frame = read_reports_csv(path)
    assert list(frame.columns) == ["company", "date", "revenue_usd_per_year"]
    assert frame["date"].tolist() == [pd.Timestamp("2026-02-15"), pd.Timestamp("2025-12-31")]
    assert frame["revenue_usd_per_year"].tolist() == [1.4e10, 2.0e10]
    result = simulator_backtest("2025-06-30", ("Anthropic",), extra_reports=frame, draws=300)
    table = result.table()
    assert "2026-02-15" in set(table["date"])
    assert result.added_reports == 2
    assert "plus 2 from --reports" in result.summary_text()


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("", ["is empty"]),
        ("Date,Company\n2025-01-01,OpenAI\n", ["missing column 'Revenue amount (normalize to annual)'"]),
        (
            HEADER + "2025-13-01,OpenAI,1e9\n2025-01-01,,1e9\n2025-02-01,OpenAI,lots\n2025-03-01,OpenAI,-5\n",
            ["line 2: Date '2025-13-01'", "line 3: Company is empty", "line 4: Revenue", "line 5: Revenue"],
        ),
        (HEADER, ["no reports"]),
        (HEADER + "2025-01-01,OpenAI\n", ["line 2: 2 field(s)"]),
    ],
)
def test_bad_reports_files_list_every_problem(tmp_path: Path, text: str, needles: list[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReportsFileError) as info:
        read_reports_csv(path)
    assert len(info.value.problems) == len(needles)
    for needle in needles:
        assert needle in str(info.value)


def test_cli_bad_reports_file_exits_2_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "yesterday,OpenAI,1e9\n2025-01-01,OpenAI,0\n", encoding="utf-8")
    assert main(["backtest", "--cutoff", "2024-12-31", "--reports", str(path), "--no-store"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n  - ") == 2
    assert main(["backtest", "--cutoff", "2024-12-31", "--reports", str(tmp_path / "none.csv"), "--no-store"]) == 2
    assert "cannot be read" in capsys.readouterr().err
    assert all(column in REQUIRED_COLUMNS for column in ("Date", "Company"))


def test_cli_backtest_runs_the_simulator_and_draws_charts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "backtest.html"
    argv = ["backtest", "--cutoff", "2024-12-31", "--draws", "300", "--no-store", "--html", str(page)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Backtest of the full simulator" in out
    assert "PIT histogram" in out
    assert "mean CRPS" in out
    assert page.read_text(encoding="utf-8").count("data:image/png;base64") == 2


def test_calibrated_scenario_states_its_predictive_distribution(tmp_path: Path) -> None:
    out = tmp_path / "calibrated.toml"
    assert main(["calibrate", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    for needle in ("PREDICTIVE", "parameter uncertainty", "process noise", "prior on slowing", "starting level"):
        assert needle in text
    demand = fs.load_scenario(out).demand
    assert demand.growth_persistence_per_year == PERSISTENCE_PRIOR
    assert float(demand.growth_persistence_per_year.ppf(0.95)) > 1.0  # growth may also speed up
    assert float(demand.volatility_per_sqrt_year.ppf(0.5)) > 0.0
    assert float(demand.delay_months.ppf(0.5)) == 0.0
    # the starting level is anchored on the latest report ($7B on 2025-10-21) carried to 2026-01
    assert 7e9 < float(demand.initial_usd_per_year.ppf(0.5)) < 1.5e10


def test_predictive_demand_needs_three_reports() -> None:
    frame = pd.DataFrame(
        {"company": "Lab", "date": pd.to_datetime(["2024-01-01", "2024-06-01"]), "revenue_usd_per_year": [1e9, 2e9]}
    )
    with pytest.raises(ValueError, match="need at least 3"):
        predictive_demand(frame, "Lab", "2024-07")
