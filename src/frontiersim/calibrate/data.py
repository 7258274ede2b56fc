"""The Epoch AI datasets shipped with frontiersim, and fractional years.

Data: Epoch AI, https://epoch.ai/data, CC-BY 4.0. The files, their retrieval
dates and how they were trimmed are listed in
``frontiersim/data/epoch/ATTRIBUTION.md`` [1]_.

References
----------
.. [1] Epoch AI, "Data on AI", https://epoch.ai/data (Notable AI Models; AI
   Companies: revenue reports), CC-BY 4.0.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
from numpy.typing import NDArray

#: Attribution every output built from these files must carry.
ATTRIBUTION = "Data: Epoch AI, https://epoch.ai/data, CC-BY 4.0"

#: File names inside ``frontiersim/data/epoch``, with the dates they were retrieved.
NOTABLE_MODELS_FILE = "notable_ai_models.csv"
NOTABLE_MODELS_RETRIEVED = "2026-05-02"
REVENUE_REPORTS_FILE = "ai_companies_revenue_reports.csv"
REVENUE_REPORTS_RETRIEVED = "2025-12"


def _read_csv(name: str) -> pd.DataFrame:
    with (resources.files("frontiersim") / "data" / "epoch" / name).open("rb") as handle:
        return pd.read_csv(handle)


def fractional_year(dates: pd.Series) -> NDArray[np.float64]:
    """Dates as fractional years: ``year + (day of year - 1) / days in that year``.

    Parameters
    ----------
    dates : pandas.Series
        Datetime values.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> fractional_year(pd.Series(pd.to_datetime(["2024-01-01", "2025-07-02"]))).round(4).tolist()
    [2024.0, 2025.4986]
    """
    days_in_year = np.where(dates.dt.is_leap_year, 366.0, 365.0)
    return np.asarray(dates.dt.year + (dates.dt.day_of_year - 1) / days_in_year, dtype=np.float64)


def notable_models() -> pd.DataFrame:
    """Epoch's Notable AI Models: one row per model.

    Returns
    -------
    pandas.DataFrame
        Columns ``model``, ``organization``, ``date`` (datetime) and
        ``compute_flop`` (training compute in FLOP; NaN where Epoch has no
        estimate), in file order.
    """
    raw = _read_csv(NOTABLE_MODELS_FILE)
    return pd.DataFrame(
        {
            "model": raw["Model"],
            "organization": raw["Organization"],
            "date": pd.to_datetime(raw["Publication date"], format="%Y-%m-%d"),
            "compute_flop": pd.to_numeric(raw["Training compute (FLOP)"], errors="coerce"),
        }
    )


def revenue_reports() -> pd.DataFrame:
    """Epoch's AI Companies revenue reports (annualised), as shipped.

    Returns
    -------
    pandas.DataFrame
        Columns ``row`` (0-based row in the CSV, after the header),
        ``company``, ``date`` (datetime) and ``revenue_usd_per_year``.
    """
    raw = _read_csv(REVENUE_REPORTS_FILE)
    return pd.DataFrame(
        {
            "row": np.arange(len(raw)),
            "company": raw["Company"],
            "date": pd.to_datetime(raw["Date"], format="%m/%d/%Y"),
            "revenue_usd_per_year": raw["Revenue amount (normalize to annual)"].astype(float),
        }
    )


__all__ = [
    "ATTRIBUTION",
    "NOTABLE_MODELS_FILE",
    "NOTABLE_MODELS_RETRIEVED",
    "REVENUE_REPORTS_FILE",
    "REVENUE_REPORTS_RETRIEVED",
    "fractional_year",
    "notable_models",
    "revenue_reports",
]
