"""Type stub: the names this package exports, imported lazily at run time (see ``__init__.py``)."""

from .backtest import BacktestResult, backtest_revenue
from .capability_check import CapabilityRevenueCheck, capability_revenue_check
from .capability_fit import CapabilityFit, CapabilityObservations, fit_capability, synthetic_capability_data
from .compute_trend import ComputeTrend, compute_trend, top_n_at_release
from .data import ATTRIBUTION, fractional_year, notable_models, revenue_reports
from .fit import LogLinearFit, fit_log_linear, synthetic_log_linear
from .report import (
    calibrate_report,
    calibrated_capability_scenario_text,
    calibrated_scenario_text,
    capability_twin_path,
    demand_growth_distribution,
    frontier_growth_distribution,
    write_calibrated_scenario,
    write_calibrated_scenarios,
)
from .revenue import DROPPED_ROWS, DroppedRow, RevenueTrend, cross_check, revenue_trend

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
