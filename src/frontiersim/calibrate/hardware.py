"""Growth of ML accelerators' energy efficiency and price-performance, fitted to Epoch's hardware data.

Least squares of ``log10`` of a hardware figure on fractional release year
(:func:`~frontiersim.calibrate.fit.fit_log_linear`), over Epoch's Machine
Learning Hardware dataset [1]_:

- energy efficiency: Tensor-FP16/BF16 performance (FLOP/s) over TDP (W),
  FLOP/s per watt;
- price-performance: Tensor-FP16/BF16 FLOP/s per USD of release price.

Rows used: every row with a release date, a Tensor-FP16/BF16 figure and (for
each fit) a positive TDP or release price. Rows dropped, and why: rows without
a Tensor-FP16/BF16 figure (older GPUs without tensor units; their plain FP16
rate is not comparable), rows without a release date, and rows without TDP
(efficiency) or release price (price-performance), which cannot be placed on
the axis. No row is dropped for being an outlier.

Facility power: a chip's TDP is not what a data centre draws for it. An
H100-class accelerator takes ~1.4 kW all-in (the chip's 700 W TDP, its share
of the host server, networking, and cooling at a PUE of ~1.2), a figure used by
Epoch AI for frontier data centres [2]_ and SemiAnalysis [3]_.
:data:`FACILITY_WATTS_PER_TDP_WATT` (1400 / 700 = 2.0) converts the chips'
efficiency to FLOP/s per GW of facility power
(:func:`flop_per_second_per_gw`).

References
----------
.. [1] Epoch AI, "Machine Learning Hardware" dataset, https://epoch.ai/data,
   CC-BY 4.0 (retrieved 2026-03).
.. [2] Epoch AI, "Frontier Data Centers" hub, https://epoch.ai/data (power per
   H100-equivalent of the sites tracked), CC-BY 4.0.
.. [3] D. Patel et al., "AI Datacenter Energy Dilemma - Race for AI Datacenter
   Space", SemiAnalysis, 2024-03-13.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from frontiersim.calibrate.data import fractional_year
from frontiersim.calibrate.fit import DEFAULT_BOOTSTRAP_SAMPLES, DEFAULT_BOOTSTRAP_SEED, LogLinearFit, fit_log_linear

#: File and retrieval date of the hardware data.
ML_HARDWARE_FILE = "ml_hardware.csv"
ML_HARDWARE_RETRIEVED = "2026-03"

#: Facility watts per watt of accelerator TDP: ~1.4 kW all-in per 700 W H100-class chip.
FACILITY_WATTS_PER_TDP_WATT = 1400.0 / 700.0

#: Release years of the "recent" accelerators whose efficiency gives FLOP/s per GW today.
RECENT_YEARS = (2024, 2025)

_FLOPS = "Tensor-FP16/BF16 performance (FLOP/s)"


def ml_hardware() -> pd.DataFrame:
    """Epoch's ML hardware rows with the figures the fits need.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``type``, ``date`` (datetime, NaT if missing), ``flop_per_second``
        (Tensor-FP16/BF16), ``tdp_w`` and ``price_usd`` (NaN where Epoch has none).
    """
    with (resources.files("frontiersim") / "data" / "epoch" / ML_HARDWARE_FILE).open("rb") as handle:
        raw = pd.read_csv(handle)
    return pd.DataFrame(
        {
            "name": raw["Hardware name"],
            "type": raw["Type"],
            "date": pd.to_datetime(raw["Release date"], errors="coerce"),
            "flop_per_second": pd.to_numeric(raw[_FLOPS], errors="coerce"),
            "tdp_w": pd.to_numeric(raw["TDP (W)"], errors="coerce"),
            "price_usd": pd.to_numeric(raw["Release price (USD)"], errors="coerce"),
        }
    )


@dataclass(frozen=True)
class HardwareTrend:
    """A fitted hardware trend.

    Attributes
    ----------
    what : str
    fit : LogLinearFit
    rows : pandas.DataFrame
        The rows fitted, with their ``value``.
    """

    what: str
    fit: LogLinearFit
    rows: pd.DataFrame

    def describe(self) -> str:
        """One line: growth a year with its standard error and 95% interval, and the rows used."""
        low, high = self.fit.ols_interval()
        return (
            f"{self.what}: {self.fit.growth_per_year:.3f}x a year (slope {self.fit.slope:.4f} +/- "
            f"{self.fit.slope_se:.4f} log10/yr; 95% CI {low:.3f}-{high:.3f}), {self.fit.n} accelerators "
            f"{self.rows['date'].min().date()} to {self.rows['date'].max().date()}"
        )


def _trend(what: str, frame: pd.DataFrame, value: pd.Series, bootstrap_samples: int, seed: int) -> HardwareTrend:
    keep = frame["date"].notna() & value.notna() & (value > 0) & np.isfinite(value)
    rows = frame[keep].assign(value=value[keep]).sort_values("date", kind="stable").reset_index(drop=True)
    fit = fit_log_linear(fractional_year(rows["date"]), rows["value"], bootstrap_samples=bootstrap_samples, seed=seed)
    return HardwareTrend(what, fit, rows)


def efficiency_trend(
    bootstrap_samples: int = DEFAULT_BOOTSTRAP_SAMPLES, seed: int = DEFAULT_BOOTSTRAP_SEED
) -> HardwareTrend:
    """Growth of Tensor-FP16/BF16 FLOP/s per watt of TDP by release date."""
    hw = ml_hardware()
    return _trend(
        "FLOP/s per watt (Tensor-FP16/BF16 over TDP)", hw, hw["flop_per_second"] / hw["tdp_w"], bootstrap_samples, seed
    )


def price_performance_trend(
    bootstrap_samples: int = DEFAULT_BOOTSTRAP_SAMPLES, seed: int = DEFAULT_BOOTSTRAP_SEED
) -> HardwareTrend:
    """Growth of Tensor-FP16/BF16 FLOP/s per USD of release price by release date."""
    hw = ml_hardware()
    return _trend(
        "FLOP/s per USD of release price (Tensor-FP16/BF16)",
        hw,
        hw["flop_per_second"] / hw["price_usd"],
        bootstrap_samples,
        seed,
    )


def flop_per_second_per_gw(years: tuple[int, ...] = RECENT_YEARS) -> tuple[float, int]:
    """Median Tensor-FP16/BF16 FLOP/s per GW of facility power of accelerators released in ``years``.

    The chips' FLOP/s per TDP watt, divided by :data:`FACILITY_WATTS_PER_TDP_WATT`, times 1e9.

    Returns
    -------
    tuple of (float, int)
        The median and the number of accelerators it is taken over.
    """
    hw = ml_hardware()
    per_watt = hw["flop_per_second"] / hw["tdp_w"]
    recent = per_watt[hw["date"].dt.year.isin(years) & per_watt.notna() & (per_watt > 0)]
    return float(np.median(recent) / FACILITY_WATTS_PER_TDP_WATT * 1e9), int(recent.size)


__all__ = [
    "FACILITY_WATTS_PER_TDP_WATT",
    "ML_HARDWARE_FILE",
    "RECENT_YEARS",
    "HardwareTrend",
    "efficiency_trend",
    "flop_per_second_per_gw",
    "ml_hardware",
    "price_performance_trend",
]
