"""The capability-mode defaults give a 2026 consistent with the interviews' revenue run-rates and Epoch's revenue fit.

Reproduce the figures with::

    python -c "from frontiersim.calibrate import capability_revenue_check as c; print(c().describe())"

(also printed at the end of ``frontiersim calibrate``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import frontiersim as fs
from frontiersim.calibrate import capability_revenue_check, revenue_trend
from frontiersim.scenario import CapabilitySpec, Lognormal

BILLION = 1e9


@pytest.fixture(scope="module")
def check() -> fs.calibrate.CapabilityRevenueCheck:
    return capability_revenue_check(draws=2000)


def test_the_bundled_scenario_uses_the_capability_defaults() -> None:
    assert fs.bundled("capability_driven").capability == CapabilitySpec()


def test_2026_follows_the_interviews_run_rates(check: fs.calibrate.CapabilityRevenueCheck) -> None:
    february, march, december, year = check.rows
    # Dwarkesh Podcast (2026-02-13): $9-10B at end 2025 plus "another few billion" in January 2026
    assert 11 * BILLION <= february.model_median_usd <= 14 * BILLION
    # conversation with Nikhil Kamath, Bengaluru (2026-02): ~$15B quoted around February 2026
    assert march.model_median_usd == pytest.approx(15 * BILLION, rel=0.1)
    # roughly 10x a year (Dwarkesh Podcast, 2026-02-13): December at 10^(11/12) times January's run-rate
    assert december.model_median_usd == pytest.approx(december.interview_low_usd, rel=0.1)
    # the 10x path's 2026 revenue is inside the 50% interval
    assert year.model_quantiles_usd[1] <= year.interview_low_usd <= year.model_quantiles_usd[3]
    assert check.consistent()
    assert "within the simulated 90% interval" in check.describe()


def test_2026_is_beside_the_epoch_fit(check: fs.calibrate.CapabilityRevenueCheck) -> None:
    trend = revenue_trend("Anthropic")
    assert check.rows[2].epoch_usd == pytest.approx(trend.fit.predict(2026 + 11 / 12))
    for row in check.rows:
        q = row.model_quantiles_usd
        assert q[0] <= row.epoch_usd <= q[4], row.label  # the fit's extrapolation inside the 90% interval
        assert q[0] < q[1] < q[2] < q[3] < q[4]


def test_the_check_can_fail() -> None:
    """With a tenth of the frontier-run compute, the year falls short of the interviews' path."""
    scenario = fs.bundled("capability_driven")
    slow = dataclasses.replace(
        scenario,
        capability=dataclasses.replace(
            scenario.capability, flop_per_gw_month=Lognormal(4e24, 2e25), value_multiple_per_tier=Lognormal(2, 3)
        ),
    )
    result = capability_revenue_check(slow, draws=500)
    assert not result.consistent()
    assert "OUTSIDE" in result.describe()
    with pytest.raises(ValueError, match="capability-mode scenario starting in 2026-01"):
        capability_revenue_check(fs.bundled("default"), draws=10)


def test_the_last_milestone_is_even_odds_by_2029() -> None:
    """A country of geniuses 50/50 within 1-3 years; half the draws reach it by 2029-01.

    Dwarkesh Podcast, "Dario Amodei: We are near the end of the exponential" (2026-02-13); Lex Fridman
    Podcast #452 (2024-11).
    """
    dataset = fs.simulate(fs.bundled("capability_driven"), draws=2000, seed=20260101).lab_dataset()
    months = dataset["milestone_month"].sel(milestone="country_of_geniuses_in_a_data_center").values
    assert 0.4 <= np.mean((months >= 0) & (months < 36)) <= 0.6
    assert np.mean(months >= 0) >= 0.9  # ~90% within 10 years: within the 5-year horizon already
