"""The training-compute trend of frontier models, reproduced from Epoch's data.

Epoch AI fits the training compute of the models that were "top-10 at
release" [1]_: a model with a known training-compute estimate is kept if its
compute is among the 10 largest of all models released up to (and including)
its publication date. The kept models since 2010 are fitted by least squares of
``log10(training compute, FLOP)`` on fractional year. Epoch reports ~4-5x a
year [1]_ [2]_; on the shipped export (data to 2025-12-31) the figure noted in
``data/epoch/ATTRIBUTION.md`` of the project's data is 4.9x a year, 95% CI
4.65-5.18.

References
----------
.. [1] J. Sevilla and E. Roldán, "Training compute of frontier AI models grows
   by 4-5x per year", Epoch AI, 2024,
   https://epoch.ai/blog/training-compute-of-frontier-ai-models-grows-by-4-5x-per-year
.. [2] Epoch AI, "Notable AI Models" dataset, https://epoch.ai/data, CC-BY 4.0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from frontiersim.calibrate.data import NOTABLE_MODELS_FILE, NOTABLE_MODELS_RETRIEVED, fractional_year, notable_models
from frontiersim.calibrate.fit import DEFAULT_BOOTSTRAP_SAMPLES, DEFAULT_BOOTSTRAP_SEED, LogLinearFit, fit_log_linear

#: Models kept: among this many largest at release.
TOP_N = 10
#: First publication date fitted.
START_DATE = "2010-01-01"
#: Last publication date used (both for the top-10 ranking and the fit).
END_DATE = "2025-12-31"


def top_n_at_release(models: pd.DataFrame, n: int = TOP_N) -> pd.DataFrame:
    """Models whose training compute was among the ``n`` largest released up to their date.

    Parameters
    ----------
    models : pandas.DataFrame
        Columns ``date`` and ``compute_flop``; rows without compute are ignored.
    n : int, optional
        Size of the leaderboard.

    Returns
    -------
    pandas.DataFrame
        The kept rows, in date order. A model ties with the ``n``-th largest
        counts as kept; models released on the same date are ranked together.

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01"]),
    ...                    "compute_flop": [5.0, 1.0, 9.0]})
    >>> top_n_at_release(df, n=1)["compute_flop"].tolist()
    [5.0, 9.0]
    """
    known = models.dropna(subset=["compute_flop"]).sort_values("date", kind="stable")
    compute = known["compute_flop"].to_numpy(dtype=np.float64)
    dates = known["date"].to_numpy()
    keep = np.zeros(compute.size, dtype=bool)
    for i in range(compute.size):
        released = np.sort(compute[dates <= dates[i]])[::-1]
        keep[i] = compute[i] >= released[: min(n, released.size)][-1]
    return known[keep]


@dataclass(frozen=True)
class ComputeTrend:
    """The fitted compute trend and the models it was fitted on.

    Attributes
    ----------
    fit : LogLinearFit
        Least squares of ``log10(FLOP)`` on fractional year.
    models : pandas.DataFrame
        The top-``n`` models fitted (``model``, ``organization``, ``date``, ``compute_flop``).
    start, end : str
        Publication-date range, inclusive.
    """

    fit: LogLinearFit
    models: pd.DataFrame
    start: str
    end: str

    def source(self) -> str:
        """One line naming the dataset, rows used, fit and date range."""
        low, high = self.fit.ols_interval()
        return (
            f"Epoch AI Notable AI Models ({NOTABLE_MODELS_FILE}, retrieved {NOTABLE_MODELS_RETRIEVED}); "
            f"{self.fit.n} top-{TOP_N}-at-release models published {self.start} to {self.end}; "
            f"OLS of log10 training FLOP on year: {self.fit.growth_per_year:.2f}x/yr (95% CI {low:.2f}-{high:.2f})"
        )


def compute_trend(
    start: str = START_DATE,
    end: str = END_DATE,
    *,
    n: int = TOP_N,
    bootstrap_samples: int = DEFAULT_BOOTSTRAP_SAMPLES,
    seed: int = DEFAULT_BOOTSTRAP_SEED,
) -> ComputeTrend:
    """Fit the growth of training compute of the top-``n``-at-release models.

    Parameters
    ----------
    start, end : str
        Publication dates fitted, inclusive (ISO dates). Models after ``end``
        are dropped before ranking; models before ``start`` count in the
        ranking but are not fitted.
    n : int, optional
        Size of the leaderboard.
    bootstrap_samples : int, optional
        Resamples of the fitted models for the bootstrap interval.
    seed : int, optional
        Bootstrap seed.

    Returns
    -------
    ComputeTrend
    """
    models = notable_models()
    models = models[models["date"] <= pd.Timestamp(end)]
    top = top_n_at_release(models, n)
    top = top[top["date"] >= pd.Timestamp(start)].reset_index(drop=True)
    fit = fit_log_linear(
        fractional_year(top["date"]), top["compute_flop"], bootstrap_samples=bootstrap_samples, seed=seed
    )
    return ComputeTrend(fit=fit, models=top, start=start, end=end)


__all__ = ["END_DATE", "START_DATE", "TOP_N", "ComputeTrend", "compute_trend", "top_n_at_release"]
