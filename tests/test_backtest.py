"""`frontiersim backtest`: out-of-sample predictive intervals of the revenue trend and their coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from frontiersim.calibrate import backtest_revenue, revenue_reports
from frontiersim.calibrate.backtest import Coverage, parse_cutoff
from frontiersim.calibrate.revenue import apply_drops
from frontiersim.cli.main import main


def _synthetic_reports(
    rng: np.random.Generator, *, n_fit: int, n_later: int, growth: float, sd_log10: float, later_growth: float | None
) -> pd.DataFrame:
    """Reports of one company on a log-linear trend with lognormal noise; a break after 2024 if ``later_growth``."""
    fit_days = np.sort(rng.choice(np.arange(0, 730), size=n_fit, replace=False))
    later_days = np.sort(rng.choice(np.arange(1, 365), size=n_later, replace=False))
    dates = pd.Timestamp("2023-01-01") + pd.to_timedelta(fit_days, unit="D")
    later = pd.Timestamp("2024-12-31") + pd.to_timedelta(later_days, unit="D")
    all_dates = pd.Series(dates.append(later))
    years = (all_dates - pd.Timestamp("2023-01-01")).dt.days.to_numpy() / 365.25
    log_values = 8.0 + np.log10(growth) * years
    if later_growth is not None:
        cut = 2.0
        log_values = np.where(
            years > cut, 8.0 + np.log10(growth) * cut + np.log10(later_growth) * (years - cut), log_values
        )
    log_values = log_values + rng.normal(0.0, sd_log10, years.size)
    return pd.DataFrame({"company": "Lab", "date": all_dates, "revenue_usd_per_year": 10.0**log_values})


def test_intervals_have_nominal_coverage_on_data_from_the_model() -> None:
    # One later report per repetition, so the 300 hits are independent Bernoulli(level) trials.
    rng = np.random.default_rng(12345)
    reps = 300
    hits = {50: 0, 90: 0}
    for _ in range(reps):
        reports = _synthetic_reports(rng, n_fit=8, n_later=1, growth=8.0, sd_log10=0.15, later_growth=None)
        result = backtest_revenue("2024-12-31", ("Lab",), reports=reports)
        table = result.table()
        assert len(table) == 1
        hits[50] += int(table["covered50"].iloc[0])
        hits[90] += int(table["covered90"].iloc[0])
    for pct, count in hits.items():
        low, high = stats.binom.ppf([0.0005, 0.9995], reps, pct / 100.0)
        assert low <= count <= high, (pct, count)


def test_shipped_data_cutoff_2024_forecasts_the_2025_reports() -> None:
    result = backtest_revenue("2024-12-31")
    table = result.table()
    kept = apply_drops(revenue_reports())
    for company in ("Anthropic", "OpenAI"):
        later = kept[(kept["company"] == company) & (kept["date"] > "2024-12-31")]
        assert (table["company"] == company).sum() == len(later)
    assert len(table) == 11  # 6 Anthropic + 5 OpenAI reports in 2025, after the documented drops
    assert table["date"].str.startswith("2025").all()
    assert ((table["low90_usd"] <= table["low50_usd"]) & (table["low50_usd"] <= table["median_usd"])).all()
    assert ((table["median_usd"] <= table["high50_usd"]) & (table["high50_usd"] <= table["high90_usd"])).all()
    assert result.coverage(0.5).n == 11
    assert result.coverage(0.9).n == 11
    assert result.coverage(0.9).covered == int(table["covered90"].sum())
    text = result.summary_text()
    assert "Anthropic: fitted on 3 reports" in text
    assert "OpenAI: fitted on 10 reports" in text
    assert "Pooled (Anthropic, OpenAI)" in text
    assert f"90% intervals covered {int(table['covered90'].sum())} of 11" in text
    assert "CC-BY 4.0" in text


def test_a_break_in_trend_makes_the_intervals_never_cover() -> None:
    rng = np.random.default_rng(7)
    reports = _synthetic_reports(rng, n_fit=12, n_later=8, growth=10.0, sd_log10=0.03, later_growth=0.5)
    result = backtest_revenue("2024-12-31", ("Lab",), reports=reports)
    assert result.coverage(0.9).covered == 0
    text = result.summary_text()
    assert "the 90% intervals NEVER covered the observed revenue" in text
    assert "below nominal: the intervals are too narrow" in text
    assert "every miss is below the interval" in text


def test_too_few_reports_before_the_cutoff_cannot_be_fitted() -> None:
    result = backtest_revenue("2023-06-30")
    assert result.table().empty
    text = result.summary_text()
    assert "Anthropic: cannot be fitted -- 0 report(s)" in text
    assert "OpenAI: cannot be fitted -- 2 report(s)" in text


def test_coverage_verdicts() -> None:
    assert Coverage(0.9, 9, 10).verdict == "consistent with nominal"
    assert Coverage(0.9, 10, 40).verdict == "below nominal: the intervals are too narrow"
    assert Coverage(0.5, 40, 40).verdict == "above nominal: the intervals are too wide"
    low, high = Coverage(0.9, 9, 10).clopper_pearson()
    assert low < 0.9 < high


@pytest.mark.parametrize("text", ["2024-13-31", "yesterday", "31/12/2024", ""])
def test_parse_cutoff_rejects_bad_dates(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_cutoff(text)


def test_cli_backtest_prints_table_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--cutoff", "2024-12-31", "--trend-line"]) == 0
    out = capsys.readouterr().out
    assert "covered90" in out
    assert "2025-10-21" in out
    assert "Pooled (Anthropic, OpenAI)" in out
    assert "not the simulator" in out
    assert main(["backtest", "--cutoff", "2024-12-31", "--company", "OpenAI", "--trend-line"]) == 0
    out = capsys.readouterr().out
    assert "Anthropic" not in out
    assert "Pooled" not in out


def test_cli_backtest_bad_input_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--cutoff", "2024-13-31"]) == 2
    err = capsys.readouterr().err
    assert "YYYY-MM-DD" in err
    assert "Traceback" not in err
    for argv in (["backtest"], ["backtest", "--cutoff", "2024-12-31", "--company", "xAI"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
