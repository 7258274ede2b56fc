"""Hardware trends from Epoch's ML hardware data: synthetic recovery and sane figures on the shipped data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from frontiersim.calibrate.fit import synthetic_log_linear
from frontiersim.calibrate.hardware import (
    _trend,
    efficiency_trend,
    flop_per_second_per_gw,
    price_performance_trend,
)


def test_recovers_a_known_growth() -> None:
    rng = np.random.default_rng(5)
    dates = pd.Series(pd.to_datetime("2016-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 3650, 80)), unit="D"))
    years = 2016.0 + (dates - pd.Timestamp("2016-01-01")).dt.days.to_numpy() / 365.25
    values = synthetic_log_linear(1.3, 1e11, years, 0.1, rng)
    trend = _trend("synthetic", pd.DataFrame({"date": dates}), pd.Series(values), 200, 1)
    low, high = trend.fit.ols_interval()
    assert low < 1.3 < high
    assert abs(trend.fit.growth_per_year - 1.3) < 0.05


def test_shipped_data_gives_sane_growth() -> None:
    efficiency = efficiency_trend(bootstrap_samples=100)
    assert 1.1 < efficiency.fit.growth_per_year < 1.5
    assert efficiency.fit.n > 40
    price = price_performance_trend(bootstrap_samples=100)
    assert 1.0 < price.fit.growth_per_year < 1.6
    per_gw, n = flop_per_second_per_gw()
    assert n >= 5
    assert 3e20 < per_gw < 3e21  # an H100 at ~1.4 kW all-in: ~7e20 FLOP/s per GW
