"""A text report of the calibration, and a scenario calibrated from it.

The calibrated number is ``[demand] growth_per_year``: a lognormal whose 5th and
95th percentiles are the 90% confidence interval (OLS, Student t) of the
yearly growth of Anthropic's annualised revenue fitted to Epoch's revenue
reports. That is the uncertainty of the historical trend's parameter, not a
predictive interval for future growth: it says how well 2023-2025 pins down
the past growth rate, not whether that rate will continue. The compute trend
has no scenario key yet and is written as a comment.

References
----------
.. [1] Epoch AI, "Data on AI", https://epoch.ai/data, CC-BY 4.0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from frontiersim.calibrate.compute_trend import ComputeTrend, compute_trend
from frontiersim.calibrate.data import ATTRIBUTION
from frontiersim.calibrate.fit import LogLinearFit
from frontiersim.calibrate.revenue import (
    BRIEF_GROWTH_PER_YEAR,
    COMPANIES,
    DROPPED_ROWS,
    RevenueTrend,
    cross_check,
    revenue_trend,
)
from frontiersim.results.result import atomic_write_bytes
from frontiersim.scenario.distributions import Lognormal, to_toml_value

#: Company whose revenue calibrates ``[demand] growth_per_year`` (the default scenario is Anthropic-like).
CALIBRATION_COMPANY = "Anthropic"

#: Central interval of the fitted growth used as the lognormal's p5-p95.
SCENARIO_INTERVAL = 0.90


def _intervals(fit: LogLinearFit, digits: int) -> str:
    ols = fit.ols_interval()
    boot = fit.bootstrap_interval()
    return (
        f"{fit.growth_per_year:.{digits}f}x a year; 95% CI {ols[0]:.{digits}f}-{ols[1]:.{digits}f} (OLS, t), "
        f"{boot[0]:.{digits}f}-{boot[1]:.{digits}f} (bootstrap over rows, {fit.bootstrap_slopes.size} resamples)"
    )


def demand_growth_distribution(trend: RevenueTrend | None = None) -> Lognormal:
    """``[demand] growth_per_year``: p5/p95 from the revenue fit's 90% OLS interval.

    Parameters
    ----------
    trend : RevenueTrend, optional
        Defaults to the fit of :data:`CALIBRATION_COMPANY`.

    Returns
    -------
    Lognormal
        Bounds rounded to three significant figures.
    """
    trend = trend or revenue_trend(CALIBRATION_COMPANY)
    low, high = trend.fit.ols_interval(SCENARIO_INTERVAL)
    return Lognormal(float(f"{low:.3g}"), float(f"{high:.3g}"))


def calibrate_report() -> str:
    """Both fits, their intervals, the revenue rows dropped and the cross-check with the brief.

    Returns
    -------
    str
        Multi-line human-readable text.
    """
    compute = compute_trend()
    lines = [
        "Calibration against Epoch AI data",
        ATTRIBUTION,
        "",
        f"Training compute, top-10 models at release, published {compute.start} to {compute.end}",
        f"  {compute.fit.n} models; least squares of log10 FLOP on fractional year",
        f"  growth: {_intervals(compute.fit, 2)}",
        "  Epoch/ATTRIBUTION.md figure: ~4.9x a year, 95% CI 4.65-5.18",
        "",
        "Annualised revenue, least squares of log10 USD/year on fractional year",
    ]
    trends = {company: revenue_trend(company) for company in COMPANIES}
    for company, trend in trends.items():
        lines += [
            f"  {company}: {trend.fit.n} reports {trend.start} to {trend.end}",
            f"    growth: {_intervals(trend.fit, 1)}",
        ]
    lines += ["", "Revenue reports dropped (not company-wide annualised run-rates):"]
    lines += [f"  {row.company} {row.date} ${row.revenue_usd_per_year / 1e9:g}B: {row.reason}" for row in DROPPED_ROWS]
    anthropic = trends[CALIBRATION_COMPANY]
    lines += ["", f"Cross-check, {CALIBRATION_COMPANY} fit vs the brief's history (s3, 000):"]
    lines += [
        f"  {check.label}: fit ${check.fitted_usd_per_year / 1e9:.2f}B ({check.ratio:.2f}x the brief)"
        for check in cross_check(anthropic)
    ]
    lines.append(
        f"  ~{BRIEF_GROWTH_PER_YEAR:g}x a year: fit {anthropic.fit.growth_per_year:.1f}x; "
        f"~$0 at start 2023: fit ${anthropic.fit.predict(2023.0) / 1e6:.0f}M (extrapolated before the first report)"
    )
    growth = demand_growth_distribution(anthropic)
    lines += [
        "",
        f"Scenario: [demand] growth_per_year = {growth.describe()} "
        f"({SCENARIO_INTERVAL:.0%} OLS interval of the {CALIBRATION_COMPANY} fit:",
        "  parameter uncertainty of the past trend, not a predictive interval for future growth)",
    ]
    return "\n".join(lines) + "\n"


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_inline(item)}" for key, item in value.items()) + " }"
    if isinstance(value, str):
        return f'"{value}"'
    return f"{value:g}" if isinstance(value, float) else str(value)


def calibrated_scenario_text(
    trend: RevenueTrend | None = None,
    compute: ComputeTrend | None = None,
) -> str:
    """TOML text of the calibrated scenario (see :func:`write_calibrated_scenario`).

    Parameters
    ----------
    trend : RevenueTrend, optional
        Defaults to the fit of :data:`CALIBRATION_COMPANY`.
    compute : ComputeTrend, optional
        Defaults to :func:`~frontiersim.calibrate.compute_trend.compute_trend`.

    Returns
    -------
    str
    """
    trend = trend or revenue_trend(CALIBRATION_COMPANY)
    compute = compute or compute_trend()
    growth = demand_growth_distribution(trend)
    boot = trend.fit.bootstrap_interval(SCENARIO_INTERVAL)
    compute_boot = compute.fit.bootstrap_interval()
    return "\n".join(
        [
            "# The schema-default Anthropic-like lab with demand growth calibrated to data.",
            f"# {ATTRIBUTION}. Written by frontiersim.calibrate.write_calibrated_scenario.",
            "# Keys not set here take their defaults (`frontiersim defaults`).",
            "#",
            "# Compute trend (no scenario key yet): " + compute.source(),
            f"#   bootstrap 95% CI {compute_boot[0]:.2f}-{compute_boot[1]:.2f}",
            "",
            "[scenario]",
            'name = "calibrated"',
            'description = "Schema-default lab; demand growth from a fit to Epoch AI revenue reports (Anthropic)."',
            'start = "2026-01"',
            "",
            "[demand]",
            'kind = "growth"',
            f"# p5/p95 = {SCENARIO_INTERVAL:.0%} OLS confidence interval of the fitted growth (parameter uncertainty,",
            f"# not predictive); bootstrap {SCENARIO_INTERVAL:.0%} interval {boot[0]:.3g}-{boot[1]:.3g}.",
            f"growth_per_year = {_inline(to_toml_value(growth))}  # {trend.source()}",
            "",
        ]
    )


def write_calibrated_scenario(path: str | Path) -> Path:
    """Write a scenario whose ``[demand] growth_per_year`` is calibrated to Epoch's revenue reports.

    Parameters
    ----------
    path : str or Path
        TOML file to write (overwritten).

    Returns
    -------
    Path
        The file written; it validates with :func:`frontiersim.load_scenario`.
    """
    path = Path(path)
    atomic_write_bytes(path, calibrated_scenario_text().encode("utf-8"))
    return path


__all__ = [
    "CALIBRATION_COMPANY",
    "SCENARIO_INTERVAL",
    "calibrate_report",
    "calibrated_scenario_text",
    "demand_growth_distribution",
    "write_calibrated_scenario",
]
