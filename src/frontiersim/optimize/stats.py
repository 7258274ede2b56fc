"""Honest uncertainty: intervals for probabilities, standard errors for means.

References
----------
.. [1] E. B. Wilson, "Probable inference, the law of succession, and
   statistical inference", JASA 22 (1927) 209-212.
.. [2] C. J. Clopper and E. S. Pearson, "The use of confidence or fiducial
   limits illustrated in the case of the binomial", Biometrika 26 (1934).
.. [3] R. T. Rockafellar and S. Uryasev, "Optimization of conditional
   value-at-risk", Journal of Risk 2 (2000) 21-41.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats

FloatArray = NDArray[np.float64]
IntervalMethod = Literal["wilson", "clopper-pearson"]


@dataclass(frozen=True)
class Proportion:
    """An estimated probability with its confidence interval.

    Attributes
    ----------
    successes, trials : int
    low, high : float
        Confidence interval.
    confidence : float
    method : str
    """

    successes: int
    trials: int
    low: float
    high: float
    confidence: float
    method: str

    @property
    def estimate(self) -> float:
        """The sample proportion."""
        return self.successes / self.trials

    def __str__(self) -> str:
        return f"{self.estimate:.2%} [{self.low:.2%}, {self.high:.2%}]"


def proportion(successes: int, trials: int, confidence: float = 0.95, method: IntervalMethod = "wilson") -> Proportion:
    """A binomial proportion with a Wilson score or Clopper-Pearson interval.

    Parameters
    ----------
    successes, trials : int
        E.g. ruined draws and all draws.
    confidence : float
        Two-sided confidence level.
    method : {"wilson", "clopper-pearson"}
        Wilson score interval [1]_ or the exact Clopper-Pearson interval [2]_.

    Returns
    -------
    Proportion

    Examples
    --------
    >>> p = proportion(0, 1000)
    >>> p.estimate, round(p.high, 4)
    (0.0, 0.0038)
    """
    if trials < 1 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials and trials >= 1, got {successes}, {trials}")
    scipy_method = "wilson" if method == "wilson" else "exact"
    interval = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence, method=scipy_method)
    return Proportion(int(successes), int(trials), float(interval.low), float(interval.high), confidence, method)


def draws_to_resolve(probability: float, level: float, confidence: float = 0.95) -> int:
    r"""Draws needed for the Wilson interval around ``probability`` to clear ``level``.

    The interval is the two-sided one :func:`proportion` gives at
    ``confidence``, the one the optimizer's feasibility check uses: with the
    estimate staying at ``probability``, this many draws put its upper end at
    or below ``level`` (or, for an estimate above the level, its lower end at
    or above it).

    Parameters
    ----------
    probability : float
        Estimated probability, in [0, 1].
    level : float
        Level to resolve against, in [0, 1].
    confidence : float
        Two-sided confidence level of the interval.

    Returns
    -------
    int
        At least 1; ``math.inf`` when ``probability == level`` (never resolved).

    Notes
    -----
    The Wilson interval is the set of :math:`u` with
    :math:`(\hat p - u)^2 \le z^2 u (1 - u) / n`, :math:`z` the two-sided
    quantile of ``confidence``; its end reaches :math:`\ell` when
    :math:`n = z^2 \ell (1 - \ell) / (\ell - \hat p)^2`. (The variance is
    taken at the level, not at the estimate, so an estimate of 0 needs about
    :math:`z^2 / \ell` draws, as it should.)

    Examples
    --------
    >>> n = draws_to_resolve(0.0, 0.01)
    >>> proportion(0, n).high <= 0.01 < proportion(0, n - 1).high
    True
    """
    gap = abs(level - probability)
    if gap == 0:
        return math.inf  # type: ignore[return-value]
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    return max(1, math.ceil(z * z * level * (1 - level) / (gap * gap)))


@dataclass(frozen=True)
class MeanEstimate:
    """A sample mean with its standard error."""

    mean: float
    standard_error: float
    samples: int

    def interval(self, confidence: float = 0.95) -> tuple[float, float]:
        """Normal-approximation confidence interval."""
        z = float(stats.norm.ppf(0.5 + confidence / 2))
        return (self.mean - z * self.standard_error, self.mean + z * self.standard_error)


def mean_estimate(values: FloatArray) -> MeanEstimate:
    r"""Mean and standard error :math:`s / \sqrt{n}` of per-draw values."""
    values = np.asarray(values, dtype=float)
    n = values.size
    if n == 0:
        raise ValueError("no values")
    se = float(values.std(ddof=1) / math.sqrt(n)) if n > 1 else math.inf
    return MeanEstimate(float(values.mean()), se, n)


def paired_difference(a: FloatArray, b: FloatArray) -> MeanEstimate:
    """Mean of ``a - b`` over the same draws (common random numbers) with its standard error."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired values need the same shape, got {a.shape} and {b.shape}")
    return mean_estimate(a - b)


def lower_tail_cvar(values: FloatArray, alpha: float) -> float:
    r"""Mean of the worst ``alpha`` share of outcomes (expected shortfall of a gain).

    Parameters
    ----------
    values : ndarray
        Per-draw outcomes where larger is better (profit, equity).
    alpha : float
        Tail share in (0, 1], e.g. 0.05.

    Notes
    -----
    The Rockafellar-Uryasev estimator [3]_ at level :math:`\alpha`, counting
    the fractional weight of the boundary draw so it is exact for any ``n``.
    """
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    ordered = np.sort(np.asarray(values, dtype=float))
    n = ordered.size
    tail = alpha * n
    whole = math.floor(tail)
    total = ordered[:whole].sum()
    if whole < n and tail > whole:
        total += (tail - whole) * ordered[whole]
    return float(total / tail)
