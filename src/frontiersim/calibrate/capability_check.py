"""Capability-driven demand in 2026 against the interviews' revenue run-rates and Epoch's revenue fit.

The capability-mode defaults are assumptions about compute, capability and
diffusion, not a fit to revenue; this check says whether they give a 2026
consistent with what is known of the lab's revenue:

* the interviews (Dwarkesh Podcast, "Dario Amodei: We are near the end of the
  exponential", 2026-02-13; conversation with Nikhil Kamath, Bengaluru,
  2026-02): ~$9-10B annualised at the end of 2025, "another few billion" added
  in January 2026, ~$15B quoted around February 2026, roughly 10x a year;
* Epoch AI's revenue reports: the Anthropic trend of
  :func:`~frontiersim.calibrate.revenue.revenue_trend` (least squares of log
  annualised revenue on year), extrapolated through 2026.

Both are set beside the simulated median and 50% and 90% intervals of the
monthly demand run-rate and of the year's demand. Demand is what customers
would buy, and what the capability model is calibrated on; revenue is what
the lab's capacity serves. The bundled contract book (about 1.1 GW at the
start, 3.2 GW by the end of 2026) with a training floor of 30% serves about
$30B in 2026 until purchases arrive after the 18-month lead time: the check
reports the share of 2026 demand left unserved beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from frontiersim.calibrate.revenue import INTERVIEW_GROWTH_PER_YEAR, RevenueTrend, revenue_trend
from frontiersim.models.policy_specs import uses_growth_distribution
from frontiersim.scenario.loader import bundled
from frontiersim.scenario.schema import Scenario
from frontiersim.scenario.sources import DWARKESH_2026, KAMATH_2026
from frontiersim.simulate import simulate

#: Draws and seed of the check unless told otherwise.
CHECK_DRAWS = 4000
CHECK_SEED = 20260101


@dataclass(frozen=True)
class CheckRow:
    """One figure of 2026: the interviews, the Epoch fit and the simulation.

    Attributes
    ----------
    label : str
    interview_low_usd, interview_high_usd : float
        The interviews' figure as a range (equal ends for a point figure), USD or USD/year.
    epoch_usd : float
        The Epoch-fit trend at the same date (or summed over the year), same unit.
    model_quantiles_usd : tuple of float
        Simulated 5th, 25th, 50th, 75th and 95th percentiles, same unit.
    """

    label: str
    interview_low_usd: float
    interview_high_usd: float
    epoch_usd: float
    model_quantiles_usd: tuple[float, float, float, float, float]

    @property
    def model_median_usd(self) -> float:
        """Simulated median."""
        return self.model_quantiles_usd[2]

    def interview_within_90(self) -> bool:
        """Whether the interviews' range overlaps the simulated 90% interval."""
        return (
            self.interview_high_usd >= self.model_quantiles_usd[0]
            and self.interview_low_usd <= self.model_quantiles_usd[4]
        )

    def describe(self) -> str:
        """One line, in $B."""
        b = 1e9
        interview = (
            f"${self.interview_low_usd / b:.1f}B"
            if self.interview_low_usd == self.interview_high_usd
            else f"${self.interview_low_usd / b:.1f}-{self.interview_high_usd / b:.1f}B"
        )
        q = [value / b for value in self.model_quantiles_usd]
        return (
            f"{self.label:<34} interviews {interview:<13} Epoch fit ${self.epoch_usd / b:5.1f}B   "
            f"model median ${q[2]:5.1f}B (50% {q[1]:.1f}-{q[3]:.1f}, 90% {q[0]:.1f}-{q[4]:.1f})"
        )


@dataclass(frozen=True)
class CapabilityRevenueCheck:
    """The rows of the check and what they were computed from.

    Attributes
    ----------
    scenario_name : str
    draws, seed : int
    rows : tuple of CheckRow
    unserved_share_2026 : float
        Share of 2026 demand (all draws) the lab's capacity could not serve.
    median_revenue_last_year_usd : float
        Simulated median revenue in the horizon's last year (2030 for the bundled scenario), USD.
    """

    scenario_name: str
    draws: int
    seed: int
    rows: tuple[CheckRow, ...]
    unserved_share_2026: float
    median_revenue_last_year_usd: float

    def consistent(self) -> bool:
        """Every figure of the interviews overlaps the simulated 90% interval."""
        return all(row.interview_within_90() for row in self.rows)

    def describe(self) -> str:
        """Multi-line text."""
        lines = [
            f"Capability mode, 2026 ({self.scenario_name}, {self.draws:,} draws, seed {self.seed}) against the "
            f"interviews' run-rates ({DWARKESH_2026.cite()}; {KAMATH_2026.cite()}) and the Epoch Anthropic fit:"
        ]
        lines += [f"  {row.describe()}" for row in self.rows]
        lines.append(
            f"  2026 demand unserved for lack of capacity: {self.unserved_share_2026:.0%}; median revenue in the "
            f"last year of the horizon ${self.median_revenue_last_year_usd / 1e12:.2f}T"
        )
        verdict = "within" if self.consistent() else "OUTSIDE"
        lines.append(f"  every figure of the interviews is {verdict} the simulated 90% interval")
        return "\n".join(lines)


def _path_sum(initial_usd_per_year: float, growth_per_year: float) -> float:
    """Revenue over 12 months of a run-rate growing from ``initial`` by ``growth`` a year, USD."""
    return float(sum(initial_usd_per_year * growth_per_year ** (t / 12.0) / 12.0 for t in range(12)))


def capability_revenue_check(
    scenario: Scenario | None = None,
    *,
    draws: int = CHECK_DRAWS,
    seed: int = CHECK_SEED,
    trend: RevenueTrend | None = None,
) -> CapabilityRevenueCheck:
    """Simulate a capability-mode scenario starting in January 2026 and set 2026 beside the interviews and Epoch.

    Parameters
    ----------
    scenario : Scenario, optional
        Defaults to the bundled ``capability_driven``. Must start in 2026-01.
    draws, seed : int
    trend : RevenueTrend, optional
        Defaults to the Anthropic revenue fit.

    Returns
    -------
    CapabilityRevenueCheck

    Raises
    ------
    ValueError
        If the scenario does not start in 2026-01 or does not use capability demand.
    """
    scenario = scenario or bundled("capability_driven")
    if scenario.meta.start != "2026-01" or uses_growth_distribution(scenario):
        raise ValueError("the check needs a capability-mode scenario starting in 2026-01")
    trend = trend or revenue_trend("Anthropic")
    dataset = simulate(scenario, draws=draws, seed=seed, keep_monthly=True).lab_dataset()
    demand = np.asarray(dataset["demand_usd_per_year"].transpose("draw", "month").values)
    revenue = np.asarray(dataset["year_revenue_usd"].transpose("draw", "year").values)
    unserved = np.asarray(dataset["year_unserved_usd"].transpose("draw", "year").values)
    levels = (5, 25, 50, 75, 95)

    def quantiles(values: np.ndarray) -> tuple[float, float, float, float, float]:
        q = np.percentile(values, levels)
        return (float(q[0]), float(q[1]), float(q[2]), float(q[3]), float(q[4]))

    start = float(np.median(demand[:, 0]))
    ten_x_december = start * INTERVIEW_GROWTH_PER_YEAR ** (11 / 12)
    rows = (
        CheckRow(
            "demand run-rate, February 2026",
            9.0e9 + 2.0e9,
            10.0e9 + 4.0e9,
            trend.fit.predict(2026.0 + 1 / 12),
            quantiles(demand[:, 1]),
        ),
        CheckRow(
            "demand run-rate, March 2026", 15.0e9, 15.0e9, trend.fit.predict(2026.0 + 2 / 12), quantiles(demand[:, 2])
        ),
        CheckRow(
            "demand run-rate, December 2026",
            ten_x_december,
            ten_x_december,
            trend.fit.predict(2026.0 + 11 / 12),
            quantiles(demand[:, 11]),
        ),
        CheckRow(
            "demand in 2026",
            _path_sum(start, INTERVIEW_GROWTH_PER_YEAR),
            _path_sum(start, INTERVIEW_GROWTH_PER_YEAR),
            _path_sum(trend.fit.predict(2026.0), trend.fit.growth_per_year),
            quantiles(revenue[:, 0] + unserved[:, 0]),
        ),
    )
    return CapabilityRevenueCheck(
        scenario_name=scenario.meta.name,
        draws=draws,
        seed=seed,
        rows=rows,
        unserved_share_2026=float(unserved[:, 0].sum() / (unserved[:, 0].sum() + revenue[:, 0].sum())),
        median_revenue_last_year_usd=float(np.median(revenue[:, -1])),
    )


__all__ = [
    "CHECK_DRAWS",
    "CHECK_SEED",
    "INTERVIEW_GROWTH_PER_YEAR",
    "CapabilityRevenueCheck",
    "CheckRow",
    "capability_revenue_check",
]
