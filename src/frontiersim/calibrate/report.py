"""A text report of the calibration, and a scenario calibrated from it.

Two calibrated scenarios are written, one per demand mode, since each fit
calibrates a key of one mode:

- growth mode (the file asked for): ``[demand]`` is a *predictive*
  distribution of Anthropic's annualised revenue fitted to Epoch's revenue
  reports (:mod:`frontiersim.calibrate.predictive`): parameter uncertainty
  (``growth_per_year``, the 90% OLS interval of the yearly growth), process
  noise (``volatility_per_sqrt_year`` from the reports' scatter about the
  trend, and a starting level anchored on the latest report) and a prior on
  growth slowing or speeding up (``growth_persistence_per_year``), each stated
  in a comment of the file;
- capability mode (its twin, ``<name>_capability.toml``):
  ``[capability] frontier_compute_growth_per_year``, the yearly growth of the
  rival labs' frontier training compute that the lab's capability is measured
  against, is a lognormal whose p5/p95 are the 90% OLS interval of the
  top-10-at-release compute trend.

The capability twin's key is the uncertainty of a historical trend's
parameter, not a predictive interval; the growth-mode demand is predictive,
and ``frontiersim backtest`` scores such predictive distributions, calibrated
on data up to a cutoff, against the later reports.

References
----------
.. [1] Epoch AI, "Data on AI", https://epoch.ai/data, CC-BY 4.0.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from frontiersim.atomic import atomic_write_bytes
from frontiersim.calibrate.capability_check import capability_revenue_check
from frontiersim.calibrate.compute_trend import ComputeTrend, compute_trend
from frontiersim.calibrate.data import ATTRIBUTION, revenue_reports
from frontiersim.calibrate.defaults import COMPANIES
from frontiersim.calibrate.fit import LogLinearFit
from frontiersim.calibrate.predictive import PredictiveDemand, predictive_demand
from frontiersim.calibrate.revenue import (
    DROPPED_ROWS,
    INTERVIEW_GROWTH_PER_YEAR,
    RevenueTrend,
    apply_drops,
    cross_check,
    revenue_trend,
)
from frontiersim.scenario.distributions import Lognormal, to_toml_value

if TYPE_CHECKING:
    import pandas as pd
from frontiersim.scenario.sources import DWARKESH_2026

#: Company whose revenue calibrates ``[demand] growth_per_year`` (the default scenario is Anthropic-like).
CALIBRATION_COMPANY = "Anthropic"

#: Central interval of the fitted growth used as the lognormal's p5-p95.
SCENARIO_INTERVAL = 0.90

#: First month of the calibrated scenarios.
CALIBRATED_START = "2026-01"

#: Suffix added to the growth-mode file's stem for its capability-mode twin.
CAPABILITY_TWIN_SUFFIX = "_capability"


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


def calibrated_predictive(company: str = CALIBRATION_COMPANY) -> PredictiveDemand:
    """The predictive distribution of ``company``'s demand from :data:`CALIBRATED_START`, on every kept report.

    Returns
    -------
    PredictiveDemand
        Its ``growth`` equals :func:`demand_growth_distribution` (to rounding).
    """
    return predictive_demand(apply_drops(revenue_reports()), company, CALIBRATED_START)


def calibrated_fan(
    draws: int = 1_000, horizon_years: int = 2, seed: int = 20260101
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The calibrated scenario's predictive fan of demand, the reports it was calibrated on, and a title.

    The calibrated ``[demand]`` is simulated by :func:`frontiersim.simulate` with the backtest's lab
    that always serves its demand (:func:`~frontiersim.calibrate.simulator_backtest.backtest_scenario_text`),
    so the fan is the demand forecast itself. :func:`frontiersim.charts.calibration.calibration_fan_chart`
    draws the three.

    Returns
    -------
    tuple of (DataFrame, DataFrame, str)
        The fan (``date`` and the quantiles ``q05`` ... ``q95`` of annualised revenue, USD/year), the
        company's reports (``date``, ``revenue_usd_per_year``) and the chart's title.
    """
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415

    from frontiersim.calibrate.simulator_backtest import FAN_QUANTILES, backtest_scenario_text  # noqa: PLC0415
    from frontiersim.scenario.loader import parse_scenario_text  # noqa: PLC0415
    from frontiersim.simulate import simulate  # noqa: PLC0415

    predictive = calibrated_predictive()
    scenario = parse_scenario_text(backtest_scenario_text(predictive, horizon_years))
    lab = simulate(scenario, draws=draws, seed=seed, keep_monthly=True).dataset.isel(lab=0)
    revenue = np.asarray(lab["revenue_usd"].values, dtype=np.float64) * 12.0
    quantiles = np.quantile(revenue, FAN_QUANTILES, axis=0)
    fan = pd.DataFrame(
        {"date": pd.to_datetime(lab["date"].values)}
        | {f"q{round(100 * q):02d}": quantiles[i] for i, q in enumerate(FAN_QUANTILES)}
    )
    reports = apply_drops(revenue_reports())
    reports = reports[reports["company"] == predictive.company]
    title = f"Calibrated predictive demand ({predictive.company}, {draws:,} draws) after the reports fitted"
    return fan, reports, title


def frontier_growth_distribution(compute: ComputeTrend | None = None) -> Lognormal:
    """``[capability] frontier_compute_growth_per_year``: p5/p95 from the compute trend's 90% OLS interval.

    Parameters
    ----------
    compute : ComputeTrend, optional
        Defaults to :func:`~frontiersim.calibrate.compute_trend.compute_trend`.

    Returns
    -------
    Lognormal
        Bounds rounded to three significant figures (4.64-5.08 on the shipped data).
    """
    compute = compute or compute_trend()
    low, high = compute.fit.ols_interval(SCENARIO_INTERVAL)
    return Lognormal(float(f"{low:.3g}"), float(f"{high:.3g}"))


def capability_twin_path(path: str | Path) -> Path:
    """Where the capability-mode twin of a calibrated scenario file goes: ``<stem>_capability<suffix>``."""
    path = Path(path)
    return path.with_name(f"{path.stem}{CAPABILITY_TWIN_SUFFIX}{path.suffix or '.toml'}")


def calibrate_report() -> str:
    """Both fits, their intervals, the revenue rows dropped and the cross-check with the interviews.

    Returns
    -------
    str
        Multi-line human-readable text, ending with the capability-mode
        check of 2026 against the interviews and the revenue fit
        (:func:`~frontiersim.calibrate.capability_check.capability_revenue_check`).
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
    lines += ["", f"Cross-check, {CALIBRATION_COMPANY} fit vs the interviews' history ({DWARKESH_2026.cite()}):"]
    lines += [
        f"  {check.label}: fit ${check.fitted_usd_per_year / 1e9:.2f}B ({check.ratio:.2f}x the interviews)"
        for check in cross_check(anthropic)
    ]
    lines.append(
        f"  ~{INTERVIEW_GROWTH_PER_YEAR:g}x a year: fit {anthropic.fit.growth_per_year:.1f}x; "
        f"~$0 at start 2023: fit ${anthropic.fit.predict(2023.0) / 1e6:.0f}M (extrapolated before the first report)"
    )
    growth = demand_growth_distribution(anthropic)
    frontier = frontier_growth_distribution(compute)
    lines += [
        "",
        "Scenario: [demand] is a PREDICTIVE distribution of demand from "
        f"{CALIBRATED_START} ({CALIBRATION_COMPANY}), not the fit's parameter interval:",
        *(f"  {line}" for line in calibrated_predictive().components()),
        f"  (growth_per_year alone, {growth.describe()}, is the {SCENARIO_INTERVAL:.0%} OLS interval of the past "
        "rate; `frontiersim backtest` scores such predictive distributions on later reports)",
        f"Capability-mode twin (<name>{CAPABILITY_TWIN_SUFFIX}.toml): [capability] frontier_compute_growth_per_year = "
        f"{frontier.describe()}",
        f"  ({SCENARIO_INTERVAL:.0%} OLS interval of the compute trend: the rival labs' frontier the lab's "
        "capability is measured against)",
        "",
        capability_revenue_check(trend=anthropic).describe(),
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
    boot = trend.fit.bootstrap_interval(SCENARIO_INTERVAL)
    predictive = calibrated_predictive(trend.company)
    compute_boot = compute.fit.bootstrap_interval()
    return "\n".join(
        [
            "# The schema-default Anthropic-like lab with demand growth calibrated to data.",
            f"# {ATTRIBUTION}. Written by frontiersim.calibrate.write_calibrated_scenario.",
            "# Keys not set here take their defaults (`frontiersim defaults`).",
            "#",
            "# Compute trend: " + compute.source(),
            f"#   bootstrap 95% CI {compute_boot[0]:.2f}-{compute_boot[1]:.2f}; it calibrates [capability]",
            f"#   frontier_compute_growth_per_year in the capability-mode twin (*{CAPABILITY_TWIN_SUFFIX}.toml).",
            "",
            "[scenario]",
            'name = "calibrated"',
            'description = "Schema-default lab; demand growth from a fit to Epoch AI revenue reports (Anthropic)."',
            f'start = "{CALIBRATED_START}"',
            "",
            f"# Revenue trend: {trend.source()}; bootstrap {SCENARIO_INTERVAL:.0%} interval "
            f"{boot[0]:.3g}-{boot[1]:.3g}.",
            "",
            predictive.demand_toml(trend.source()),
        ]
    )


def calibrated_capability_scenario_text(compute: ComputeTrend | None = None) -> str:
    """TOML text of the capability-mode calibrated scenario.

    Parameters
    ----------
    compute : ComputeTrend, optional
        Defaults to :func:`~frontiersim.calibrate.compute_trend.compute_trend`.

    Returns
    -------
    str
        The schema-default lab with ``demand.kind = "capability"`` and
        ``[capability] frontier_compute_growth_per_year`` calibrated to the
        compute trend (every other key at its default).
    """
    compute = compute or compute_trend()
    frontier = frontier_growth_distribution(compute)
    boot = compute.fit.bootstrap_interval(SCENARIO_INTERVAL)
    return "\n".join(
        [
            "# The schema-default lab in capability mode, with the rival labs' compute growth calibrated to data.",
            f"# {ATTRIBUTION}. Written by frontiersim.calibrate.write_calibrated_scenario.",
            "# Keys not set here take their defaults (`frontiersim defaults`).",
            "",
            "[scenario]",
            'name = "calibrated_capability"',
            'description = "Capability-driven lab; compute growth of the rival labs from a fit to Epoch AI '
            'notable models."',
            'start = "2026-01"',
            "",
            "[demand]",
            "# Demand mode: capability (demand from the lab's training compute through capability and diffusion).",
            'kind = "capability"',
            "",
            "[capability]",
            "# The rival labs' frontier training compute grows by this factor a year; the lab's capability is",
            "# measured against it (its share of the market falls as it drops behind). p5/p95 = the",
            f"# {SCENARIO_INTERVAL:.0%} OLS confidence interval of the fitted trend (parameter uncertainty, not "
            "predictive);",
            f"# bootstrap {SCENARIO_INTERVAL:.0%} interval {boot[0]:.3g}-{boot[1]:.3g}.",
            f"frontier_compute_growth_per_year = {_inline(to_toml_value(frontier))}  # {compute.source()}",
            "",
        ]
    )


def write_calibrated_scenarios(path: str | Path) -> tuple[Path, Path]:
    """Write the growth-mode calibrated scenario to ``path`` and its capability-mode twin beside it.

    Parameters
    ----------
    path : str or Path
        TOML file to write (overwritten); the twin goes to
        :func:`capability_twin_path` of it (also overwritten).

    Returns
    -------
    tuple of Path
        The growth-mode file and the capability-mode file; both validate with
        :func:`frontiersim.load_scenario`. Each is written atomically.
    """
    path = Path(path)
    twin = capability_twin_path(path)
    compute = compute_trend()
    growth_text = calibrated_scenario_text(compute=compute)
    capability_text = calibrated_capability_scenario_text(compute)
    atomic_write_bytes(twin, capability_text.encode("utf-8"))
    atomic_write_bytes(path, growth_text.encode("utf-8"))
    return path, twin


def write_calibrated_scenario(path: str | Path) -> Path:
    """Write a scenario whose ``[demand] growth_per_year`` is calibrated to Epoch's revenue reports.

    The capability-mode twin, with ``[capability]
    frontier_compute_growth_per_year`` calibrated to the compute trend, is
    written beside it (see :func:`write_calibrated_scenarios`).

    Parameters
    ----------
    path : str or Path
        TOML file to write (overwritten).

    Returns
    -------
    Path
        The growth-mode file written; it validates with :func:`frontiersim.load_scenario`.
    """
    return write_calibrated_scenarios(path)[0]


__all__ = [
    "CALIBRATION_COMPANY",
    "CAPABILITY_TWIN_SUFFIX",
    "SCENARIO_INTERVAL",
    "calibrate_report",
    "calibrated_capability_scenario_text",
    "calibrated_fan",
    "calibrated_predictive",
    "calibrated_scenario_text",
    "capability_twin_path",
    "demand_growth_distribution",
    "frontier_growth_distribution",
    "write_calibrated_scenario",
    "write_calibrated_scenarios",
]
