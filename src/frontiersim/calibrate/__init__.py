"""Calibration of the model's trends to public Epoch AI data, offline from shipped files.

Data: Epoch AI, https://epoch.ai/data, CC-BY 4.0 (see
``frontiersim/data/epoch/ATTRIBUTION.md``).

- :func:`compute_trend`: training compute of the top-10 models at release, ~4.9x a year.
- :func:`revenue_trend`: a company's annualised revenue, after :data:`DROPPED_ROWS`.
- :func:`backtest_revenue`: the revenue trend fitted to a cutoff, scored on later reports.
- :func:`capability_revenue_check`: capability-mode 2026 against the interviews' run-rates and the revenue fit.
- :func:`fit_capability`: capability and diffusion parameters (algorithmic halving time, value per
  tier, Bass p and q) by least squares on observed demand and training compute; checked on data the
  full simulator generates (:func:`synthetic_capability_data`).
- :func:`calibrate_report`: both fits as text; :func:`write_calibrated_scenarios`: scenario files, the
  revenue fit on ``[demand] growth_per_year`` (growth mode) and the compute trend on ``[capability]
  frontier_compute_growth_per_year`` (capability mode).

References
----------
.. [1] Epoch AI, "Data on AI", https://epoch.ai/data, CC-BY 4.0.
"""

from frontiersim.calibrate.backtest import BacktestResult, backtest_revenue
from frontiersim.calibrate.capability_check import CapabilityRevenueCheck, capability_revenue_check
from frontiersim.calibrate.capability_fit import (
    CapabilityFit,
    CapabilityObservations,
    fit_capability,
    synthetic_capability_data,
)
from frontiersim.calibrate.compute_trend import ComputeTrend, compute_trend, top_n_at_release
from frontiersim.calibrate.data import ATTRIBUTION, fractional_year, notable_models, revenue_reports
from frontiersim.calibrate.fit import LogLinearFit, fit_log_linear, synthetic_log_linear
from frontiersim.calibrate.report import (
    calibrate_report,
    calibrated_capability_scenario_text,
    calibrated_scenario_text,
    capability_twin_path,
    demand_growth_distribution,
    frontier_growth_distribution,
    write_calibrated_scenario,
    write_calibrated_scenarios,
)
from frontiersim.calibrate.revenue import DROPPED_ROWS, DroppedRow, RevenueTrend, cross_check, revenue_trend

__all__ = [
    "ATTRIBUTION",
    "DROPPED_ROWS",
    "BacktestResult",
    "CapabilityFit",
    "CapabilityObservations",
    "CapabilityRevenueCheck",
    "ComputeTrend",
    "DroppedRow",
    "LogLinearFit",
    "RevenueTrend",
    "backtest_revenue",
    "calibrate_report",
    "calibrated_capability_scenario_text",
    "calibrated_scenario_text",
    "capability_revenue_check",
    "capability_twin_path",
    "compute_trend",
    "cross_check",
    "demand_growth_distribution",
    "fit_capability",
    "fit_log_linear",
    "fractional_year",
    "frontier_growth_distribution",
    "notable_models",
    "revenue_reports",
    "revenue_trend",
    "synthetic_capability_data",
    "synthetic_log_linear",
    "top_n_at_release",
    "write_calibrated_scenario",
    "write_calibrated_scenarios",
]
