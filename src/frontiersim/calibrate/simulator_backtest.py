"""Backtest of the full simulator: calibrate on reports up to a cutoff, simulate, score the later reports.

For each cutoff and company, :func:`~frontiersim.calibrate.predictive.predictive_demand`
calibrates the predictive distribution of demand on the company's reports dated
on or before the cutoff, and the scenario it writes (:func:`backtest_scenario_text`)
is run by :func:`frontiersim.simulate`, the engine ``frontiersim run`` uses, from
the month after the cutoff. Each later report (annualised revenue) is scored
against the simulated distribution of the lab's *served* revenue in the report's
month, ``revenue_usd * 12`` per draw.

The backtest scores the demand forecast, so the simulated lab can always serve
its demand: it starts with :data:`BACKTEST_CAPACITY_GW` under contract for the
whole horizon and :data:`BACKTEST_CASH_USD` of cash, so neither capacity nor
ruin binds; the result checks and says so (``unserved_share``).

Scores, per report and pooled:

- coverage of the central 50% and 90% intervals of the simulated sample, with an
  exact binomial test and a Clopper-Pearson interval
  (:class:`~frontiersim.calibrate.backtest.Coverage`);
- the continuous ranked probability score of ``log10`` revenue, by the ensemble
  estimator :func:`crps_ensemble` [1]_;
- the probability integral transform (PIT) of each report within its sample
  (:func:`pit`), uniform on [0, 1] for a calibrated forecast [2]_.

References
----------
.. [1] T. Gneiting and A. E. Raftery, "Strictly proper scoring rules,
   prediction, and estimation", *Journal of the American Statistical
   Association* 102 (2007) 359-378, eq. 21.
.. [2] T. Gneiting, F. Balabdaoui and A. E. Raftery, "Probabilistic forecasts,
   calibration and sharpness", *Journal of the Royal Statistical Society B* 69
   (2007) 243-268.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from frontiersim.calibrate.backtest import LEVELS, TABLE_COLUMNS, Coverage, parse_cutoff
from frontiersim.calibrate.data import ATTRIBUTION, revenue_reports
from frontiersim.calibrate.defaults import BACKTEST_DRAWS, BACKTEST_SEED, COMPANIES
from frontiersim.calibrate.predictive import MIN_REPORTS, PredictiveDemand, predictive_demand
from frontiersim.calibrate.revenue import apply_drops
from frontiersim.scenario.loader import parse_scenario_text
from frontiersim.simulate import simulate
from frontiersim.units import format_quantity, money

FloatArray = NDArray[np.float64]

#: Capacity under contract in the backtest's lab, GW: far above any demand drawn, so capacity never binds.
BACKTEST_CAPACITY_GW = 10_000.0

#: Starting cash of the backtest's lab, USD: enough to pay for that capacity for ten years, so the lab is never ruined.
BACKTEST_CASH_USD = 1.0e16

#: Bins of the PIT histogram.
PIT_BINS = 10

#: Quantiles of the simulated annualised revenue kept per month for the fan chart.
FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

_TABLE_COLUMNS = ["cutoff", *TABLE_COLUMNS, "pit", "crps_log10"]


def crps_ensemble(samples: ArrayLike, observation: float) -> float:
    r"""Continuous ranked probability score of an observation against a sample of the forecast.

    .. math:: \mathrm{CRPS}(F, y) = E|X - y| - \tfrac12 E|X - X'|,

    with :math:`X, X'` independent draws of the forecast :math:`F` (Gneiting and
    Raftery 2007, eq. 21 [1]_), estimated by the sample's empirical
    distribution: with sorted :math:`x_{(1)} \le \dots \le x_{(m)}`,
    :math:`E|X - X'| = \frac{2}{m^2} \sum_i (2i - m - 1) x_{(i)}`. Lower is
    better; it has the units of the observation.

    Parameters
    ----------
    samples : array_like
        Draws of the forecast (1-D, finite).
    observation : float

    Returns
    -------
    float

    References
    ----------
    .. [1] T. Gneiting and A. E. Raftery, "Strictly proper scoring rules,
       prediction, and estimation", *JASA* 102 (2007) 359-378.

    Examples
    --------
    >>> crps_ensemble([0.0, 0.0, 0.0], 1.0)
    1.0
    >>> round(crps_ensemble([0.0, 1.0], 0.0), 6)  # 0.5 - 0.5 * 0.5
    0.25
    """
    x = np.sort(np.asarray(samples, dtype=np.float64).ravel())
    m = x.size
    if m == 0:
        raise ValueError("need at least one sample")
    weights = 2.0 * np.arange(1, m + 1) - m - 1
    spread = 2.0 * float(weights @ x) / (m * m)
    return float(np.mean(np.abs(x - observation)) - 0.5 * spread)


def pit(samples: ArrayLike, observation: float) -> float:
    """Probability integral transform of ``observation`` within a sample: the share below it, ties counted half.

    Examples
    --------
    >>> pit([1.0, 2.0, 3.0, 4.0], 2.5), pit([1.0, 2.0, 3.0, 4.0], 2.0)
    (0.5, 0.375)
    """
    x = np.asarray(samples, dtype=np.float64).ravel()
    return float((np.sum(x < observation) + 0.5 * np.sum(x == observation)) / x.size)


def pit_histogram(values: ArrayLike, bins: int = PIT_BINS) -> NDArray[np.int64]:
    """Counts of PIT values in ``bins`` equal bins of [0, 1] (1.0 falls in the last)."""
    counts, _ = np.histogram(np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0), bins=bins, range=(0.0, 1.0))
    return counts.astype(np.int64)


def start_month(cutoff: pd.Timestamp) -> str:
    """The first simulated month: the month of the day after the cutoff (``YYYY-MM``).

    Examples
    --------
    >>> start_month(pd.Timestamp("2024-06-30")), start_month(pd.Timestamp("2024-06-15"))
    ('2024-07', '2024-06')
    """
    return (cutoff + pd.Timedelta(days=1)).strftime("%Y-%m")


def month_index(dates: pd.Series, start: str) -> NDArray[np.int64]:
    """Month of each date counted from ``start`` (``YYYY-MM``, month 0)."""
    year, month = (int(part) for part in start.split("-"))
    return np.asarray((dates.dt.year - year) * 12 + dates.dt.month - month, dtype=np.int64)


def backtest_scenario_text(predictive: PredictiveDemand, horizon_years: int) -> str:
    """TOML of the scenario the backtest simulates: the calibrated demand, and a lab that always serves it.

    Parameters
    ----------
    predictive : PredictiveDemand
    horizon_years : int

    Returns
    -------
    str
    """
    slug = predictive.company.lower().replace(" ", "_")
    return "\n".join(
        [
            f"# Backtest of {predictive.company}: demand calibrated on reports to {predictive.last_date}.",
            "# The lab can always serve its demand (the backtest scores the demand forecast): it holds",
            f"# {format_quantity(BACKTEST_CAPACITY_GW, 'GW')} for the whole horizon and {money(BACKTEST_CASH_USD)} "
            "of cash.",
            "[scenario]",
            f'name = "backtest_{slug}"',
            f'start = "{predictive.start}"',
            f"horizon_years = {horizon_years}",
            "",
            predictive.demand_toml(),
            "[compute]",
            f"initial_capacity_gw = {BACKTEST_CAPACITY_GW:.1f}",
            f"initial_contract_months_remaining = {12 * horizon_years}",
            "",
            "[finance]",
            f"starting_cash_usd = {BACKTEST_CASH_USD:.1e}",
            "",
        ]
    )


@dataclass(frozen=True)
class CompanyForecast:
    """The simulator's forecast of one company's later reports from one cutoff.

    Attributes
    ----------
    name : str
    cutoff : str
        ISO date.
    n_fit : int
        Reports on or before the cutoff.
    predictive : PredictiveDemand or None
        None when there were too few reports to calibrate.
    forecasts : pandas.DataFrame
        One row per later report (columns of :meth:`SimulatorBacktest.table`).
    fan : pandas.DataFrame
        Quantiles of simulated annualised revenue per month: ``date`` and ``q05`` ... ``q95``.
    unserved_share : float
        Largest share of demand left unserved in any draw and month (0 when capacity never binds).
    """

    name: str
    cutoff: str
    n_fit: int
    predictive: PredictiveDemand | None
    forecasts: pd.DataFrame
    fan: pd.DataFrame = field(default_factory=pd.DataFrame)
    unserved_share: float = 0.0

    @property
    def company(self) -> str:
        """``name @ cutoff``: a unique label across cutoffs."""
        return f"{self.name} @ {self.cutoff}"

    @property
    def fitted(self) -> bool:
        """Whether there were enough reports before the cutoff to calibrate."""
        return self.predictive is not None

    def coverage(self, level: float) -> Coverage:
        """Coverage of the ``level`` intervals over the later reports."""
        return _coverage(self.forecasts, level)


def _coverage(table: pd.DataFrame, level: float) -> Coverage:
    pct = round(level * 100)
    if not len(table):
        return Coverage(level, 0, 0)
    below = int((table["observed_usd"] < table[f"low{pct}_usd"]).sum())
    above = int((table["observed_usd"] > table[f"high{pct}_usd"]).sum())
    return Coverage(level, int(table[f"covered{pct}"].sum()), len(table), below, above)


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame({column: [] for column in _TABLE_COLUMNS})


def _forecast_company(
    reports: pd.DataFrame, company: str, cutoff: pd.Timestamp, draws: int, seed: int
) -> CompanyForecast:
    mine = reports[reports["company"] == company].sort_values("date", kind="stable")
    before = mine[mine["date"] <= cutoff]
    after = mine[mine["date"] > cutoff]
    when = str(cutoff.date())
    if len(before) < MIN_REPORTS or before["date"].nunique() < 2 or after.empty:
        return CompanyForecast(company, when, len(before), None, _empty_table())
    start = start_month(cutoff)
    predictive = predictive_demand(before, company, start)
    months = month_index(after["date"], start)
    horizon_years = max(1, math.ceil((int(months.max()) + 1) / 12))
    scenario = parse_scenario_text(backtest_scenario_text(predictive, horizon_years))
    lab = simulate(scenario, draws=draws, seed=seed, keep_monthly=True).dataset.isel(lab=0)
    revenue = np.asarray(lab["revenue_usd"].values, dtype=np.float64) * 12.0
    demand = np.asarray(lab["demand_usd_per_year"].values, dtype=np.float64)
    unserved = float(np.max(np.asarray(lab["unserved_usd"].values) * 12.0 / np.maximum(demand, 1e-300)))
    observed = after["revenue_usd_per_year"].to_numpy(dtype=np.float64)
    rows: dict[str, list[object]] = {column: [] for column in _TABLE_COLUMNS}
    for month, date, value in zip(months, after["date"], observed, strict=True):
        sample = revenue[:, month]
        q = np.quantile(sample, [0.05, 0.25, 0.5, 0.75, 0.95])
        log_sample = np.log10(np.maximum(sample, 1.0))
        for key, item in (
            ("cutoff", when),
            ("company", company),
            ("date", str(date.date())),
            ("observed_usd", value),
            ("median_usd", q[2]),
            ("low50_usd", q[1]),
            ("high50_usd", q[3]),
            ("covered50", bool(q[1] <= value <= q[3])),
            ("low90_usd", q[0]),
            ("high90_usd", q[4]),
            ("covered90", bool(q[0] <= value <= q[4])),
            ("pit", pit(sample, value)),
            ("crps_log10", crps_ensemble(log_sample, math.log10(value))),
        ):
            rows[key].append(item)
    quantiles = np.quantile(revenue, FAN_QUANTILES, axis=0)
    fan = pd.DataFrame(
        {"date": pd.to_datetime(lab["date"].values)}
        | {f"q{round(100 * q):02d}": quantiles[i] for i, q in enumerate(FAN_QUANTILES)}
    )
    return CompanyForecast(company, when, len(before), predictive, pd.DataFrame(rows), fan, unserved)


@dataclass(frozen=True)
class SimulatorBacktest:
    """The simulator's forecasts of later reports from one or more cutoffs, and their scores.

    Attributes
    ----------
    cutoffs : tuple of str
    companies : tuple of CompanyForecast
        One per cutoff and company.
    draws, seed : int
    reports : pandas.DataFrame
        Every report used (for the fan chart).
    added_reports : int
        Rows given with ``--reports`` (0 for the shipped data only).
    """

    cutoffs: tuple[str, ...]
    companies: tuple[CompanyForecast, ...]
    draws: int
    seed: int
    reports: pd.DataFrame
    added_reports: int = 0

    def table(self) -> pd.DataFrame:
        """Every forecast: cutoff, company, date, observed, median, 50%/90% intervals, PIT and CRPS."""
        frames = [c.forecasts for c in self.companies if len(c.forecasts)]
        return pd.concat(frames, ignore_index=True) if frames else _empty_table()

    def coverage(self, level: float) -> Coverage:
        """Coverage of the ``level`` intervals pooled over every cutoff and company."""
        return _coverage(self.table(), level)

    def coverage_by_cutoff(self, cutoff: str, level: float) -> Coverage:
        """Coverage of the ``level`` intervals over one cutoff's companies."""
        table = self.table()
        return _coverage(table[table["cutoff"] == cutoff], level)

    @property
    def mean_crps_log10(self) -> float:
        """Mean CRPS of log10 revenue over every report scored (NaN with none)."""
        table = self.table()
        return float(table["crps_log10"].mean()) if len(table) else math.nan

    def pit_counts(self) -> NDArray[np.int64]:
        """The PIT histogram: counts in :data:`PIT_BINS` equal bins."""
        return pit_histogram(self.table()["pit"].to_numpy(dtype=np.float64))

    def summary_text(self) -> str:
        """Coverage per company, cutoff and pooled, where it is off nominal, CRPS and the PIT histogram."""
        lines = [
            "Backtest of the full simulator (frontiersim.simulate): for each cutoff, demand calibrated on the reports",
            "dated on or before it (a predictive distribution: parameter uncertainty + process noise + a prior on",
            f"growth slowing), simulated from the month after the cutoff with {self.draws:,} draws (seed {self.seed});",
            "each later report is scored against the simulated served revenue (revenue_usd x 12) in its month.",
            f"The lab holds {format_quantity(BACKTEST_CAPACITY_GW, 'GW')} and {money(BACKTEST_CASH_USD)} of cash so "
            "that capacity and ruin never bind: the backtest scores the demand forecast.",
        ]
        if self.added_reports:
            lines.append(f"Reports: the shipped Epoch AI reports plus {self.added_reports} from --reports.")
        for cutoff in self.cutoffs:
            lines.append(f"Cutoff {cutoff}:")
            for c in (c for c in self.companies if c.cutoff == cutoff):
                if not c.fitted:
                    lines.append(
                        f"  {c.name}: not scored -- {c.n_fit} report(s) on or before the cutoff (need at least "
                        f"{MIN_REPORTS} on two dates) or none after it"
                    )
                    continue
                assert c.predictive is not None
                binds = "never binds" if c.unserved_share < 1e-9 else f"BINDS (up to {c.unserved_share:.1%} unserved)"
                lines.append(
                    f"  {c.name}: calibrated on {c.n_fit} reports ({c.predictive.fit.growth_per_year:.1f}x/yr fitted), "
                    f"{len(c.forecasts)} later report(s); capacity {binds}"
                )
                lines.extend(f"    {c.coverage(level).describe()}" for level in LEVELS)
            if len(self.cutoffs) > 1:
                lines.append("  all companies:")
                lines.extend(f"    {self.coverage_by_cutoff(cutoff, level).describe()}" for level in LEVELS)
        lines.append("Pooled over every cutoff and company:")
        lines.extend(f"  {self.coverage(level).describe()}" for level in LEVELS)
        lines.append(f"  {self.off_nominal()}")
        table = self.table()
        if len(table):
            lines.append(
                f"  mean CRPS of log10 revenue: {self.mean_crps_log10:.3f} (a CRPS of 0.1 is about a 26% error; "
                "Gneiting & Raftery 2007)"
            )
            counts = self.pit_counts()
            lines.append(
                f"  PIT histogram ({PIT_BINS} bins of 0-1, uniform if calibrated; low = report below the forecast): "
                + " ".join(str(int(n)) for n in counts)
            )
            lines.append(
                "Caveat: the binomial test treats forecasts as independent; reports of one company share one "
                "calibration and are serially correlated, and the two cutoffs overlap, so the evidence is weaker "
                "than shown."
            )
        lines.append(ATTRIBUTION)
        return "\n".join(lines)

    def off_nominal(self) -> str:
        """One sentence saying where coverage is off nominal (or that it is not, and how weak the test is)."""
        table = self.table()
        if not len(table):
            return "No reports to score."
        parts = []
        for c in (c for c in self.companies if c.fitted):
            for level in LEVELS:
                cov = c.coverage(level)
                if cov.verdict.startswith(("below", "above")):
                    side = f"{cov.below} below, {cov.above} above"
                    parts.append(f"{c.company} {level:.0%} ({cov.rate:.0%}, misses {side}: {cov.verdict})")
        for level in LEVELS:
            if len(self.cutoffs) > 1:
                for cutoff in self.cutoffs:
                    cov = self.coverage_by_cutoff(cutoff, level)
                    if cov.verdict.startswith(("below", "above")):
                        parts.append(f"all companies @ {cutoff} {level:.0%} ({cov.rate:.0%}, {cov.verdict})")
            cov = self.coverage(level)
            if cov.verdict.startswith(("below", "above")):
                parts.append(f"pooled {level:.0%} ({cov.rate:.0%}, {cov.verdict})")
        if not parts:
            return (
                "Coverage is off nominal nowhere at the 5% level (exact binomial test), per company, cutoff or pooled; "
                f"with {len(table)} reports the test can only detect large departures."
            )
        return "Coverage is off nominal (exact binomial test, 5% level) at: " + "; ".join(parts) + "."


def simulator_backtest(
    cutoffs: str | pd.Timestamp | tuple[str | pd.Timestamp, ...],
    companies: tuple[str, ...] = COMPANIES,
    *,
    reports: pd.DataFrame | None = None,
    extra_reports: pd.DataFrame | None = None,
    draws: int = BACKTEST_DRAWS,
    seed: int = BACKTEST_SEED,
) -> SimulatorBacktest:
    """Calibrate on reports up to each cutoff, run the simulator and score the later reports.

    Parameters
    ----------
    cutoffs : str, pandas.Timestamp or tuple of them
        ISO dates (``YYYY-MM-DD``).
    companies : tuple of str, optional
        Companies to backtest, each separately.
    reports : pandas.DataFrame, optional
        Columns ``company``, ``date`` (datetime) and ``revenue_usd_per_year``. Default: the
        shipped Epoch reports without :data:`~frontiersim.calibrate.revenue.DROPPED_ROWS`.
    extra_reports : pandas.DataFrame, optional
        More reports, same columns (e.g. from :func:`~frontiersim.calibrate.reports_file.read_reports_csv`),
        added to ``reports``; an added row repeating a report's company, date and value is kept once.
    draws, seed : int, optional
        Draws of each simulation, and its seed.

    Returns
    -------
    SimulatorBacktest
    """
    whens = cutoffs if isinstance(cutoffs, tuple) else (cutoffs,)
    parsed = [parse_cutoff(c) if isinstance(c, str) else pd.Timestamp(c) for c in whens]
    base = apply_drops(revenue_reports()) if reports is None else reports
    data = base[["company", "date", "revenue_usd_per_year"]]
    added = 0
    if extra_reports is not None and len(extra_reports):
        extra = extra_reports[["company", "date", "revenue_usd_per_year"]]
        data = pd.concat([data, extra], ignore_index=True).drop_duplicates()
        added = len(extra)
    results = tuple(_forecast_company(data, company, when, draws, seed) for when in parsed for company in companies)
    return SimulatorBacktest(
        cutoffs=tuple(str(w.date()) for w in parsed),
        companies=results,
        draws=draws,
        seed=seed,
        reports=data.reset_index(drop=True),
        added_reports=added,
    )


__all__ = [
    "BACKTEST_CAPACITY_GW",
    "BACKTEST_CASH_USD",
    "FAN_QUANTILES",
    "PIT_BINS",
    "CompanyForecast",
    "SimulatorBacktest",
    "backtest_scenario_text",
    "crps_ensemble",
    "month_index",
    "pit",
    "pit_histogram",
    "simulator_backtest",
    "start_month",
]
