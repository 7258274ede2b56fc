"""Uncertain quantities: one small frozen class per distribution.

A scenario value is either a plain number (a :class:`Fixed` value) or a
distribution written as a TOML table, e.g. ``{ dist = "lognormal", p5 = 3,
p95 = 20 }``, or as the Squiggle-style shorthand ``"3 to 20"``, which means a
lognormal with that 90% interval.

Each class knows its own support, quantile function and sampler. Sampling takes
an explicit :class:`numpy.random.Generator`; nothing here touches global state.

References
----------
.. [1] Squiggle language, "a to b" lognormal shorthand,
   https://www.squiggle-language.com/docs/Guides/DistributionCreation
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray
from scipy.special import betainc, ndtr, ndtri

from frontiersim.scenario.errors import Problem, bad_value
from frontiersim.units import number_text

#: Standard normal quantile at 0.95: a 90% central interval is mean +/- Z95 sd.
Z95 = float(ndtri(0.95))

FloatArray = NDArray[np.float64]


@runtime_checkable
class Distribution(Protocol):
    """What every scenario distribution provides."""

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest values the distribution can produce."""
        ...

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Draw ``size`` independent values with ``rng``."""
        ...

    def ppf(self, q: float | FloatArray) -> float | FloatArray:
        """Quantile function (inverse CDF)."""
        ...

    def cdf(self, x: float | FloatArray) -> float | FloatArray:
        """Cumulative distribution function, P(X <= x)."""
        ...

    def mean(self) -> float:
        """Expected value."""
        ...

    def describe(self) -> str:
        """Short human-readable form, e.g. ``lognormal(p5=3, p95=20)``."""
        ...


def tail_quantiles(dist: Distribution, tail: float) -> tuple[float, float]:
    """The ``tail`` and ``1 - tail`` quantiles of ``dist`` (infinite where they overflow).

    Examples
    --------
    >>> tail_quantiles(Fixed(3.0), 1e-6)
    (3.0, 3.0)
    """
    with np.errstate(over="ignore", under="ignore"):  # an extreme distribution's tails are not finite
        low, high = np.asarray(dist.ppf(np.array([tail, 1.0 - tail])), dtype=float)
    return float(low), float(high)


def _num(value: float) -> str:
    return number_text(value)


def _scalar_or_array(values: Any, like: float | FloatArray) -> float | FloatArray:
    """``values`` as a float when ``like`` is a scalar, else as a float array."""
    array = np.asarray(values, dtype=float)
    return float(array) if np.ndim(like) == 0 else array


@dataclass(frozen=True)
class Fixed:
    """A known constant, written as a plain number."""

    value: float

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest values the distribution can produce."""
        return (self.value, self.value)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Draw ``size`` independent values with ``rng``."""
        return np.full(size, self.value, dtype=np.float64)

    def ppf(self, q: float | FloatArray) -> float | FloatArray:
        """Quantile function (inverse CDF) at ``q``."""
        return np.full_like(np.asarray(q, dtype=float), self.value) if np.ndim(q) else self.value

    def cdf(self, x: float | FloatArray) -> float | FloatArray:
        """Cumulative distribution function at ``x``: a step from 0 to 1 at the value."""
        return _scalar_or_array(np.asarray(x, dtype=float) >= self.value, x)

    def mean(self) -> float:
        """Expected value."""
        return self.value

    def describe(self) -> str:
        """Short human-readable form."""
        return _num(self.value)


@dataclass(frozen=True)
class Lognormal:
    r"""Lognormal given by its 5th and 95th percentiles.

    Notes
    -----
    :math:`\ln X \sim N(\mu, \sigma^2)` with
    :math:`\mu = (\ln p_5 + \ln p_{95})/2` and
    :math:`\sigma = (\ln p_{95} - \ln p_5) / (2 z_{0.95})`.
    """

    p5: float
    p95: float

    @property
    def mu(self) -> float:
        """Mean of the log."""
        return 0.5 * (math.log(self.p5) + math.log(self.p95))

    @property
    def sigma(self) -> float:
        """Standard deviation of the log."""
        return (math.log(self.p95) - math.log(self.p5)) / (2.0 * Z95)

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest values the distribution can produce."""
        return (0.0, math.inf)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Draw ``size`` independent values with ``rng``."""
        return rng.lognormal(self.mu, self.sigma, size)

    def ppf(self, q: float | FloatArray) -> float | FloatArray:
        """Quantile function (inverse CDF) at ``q``."""
        return np.exp(self.mu + self.sigma * ndtri(q))  # type: ignore[no-any-return]

    def cdf(self, x: float | FloatArray) -> float | FloatArray:
        """Cumulative distribution function at ``x``."""
        values = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):  # log of values <= 0, which have CDF 0
            standard = (np.log(np.where(values > 0, values, 1.0)) - self.mu) / self.sigma
        return _scalar_or_array(np.where(values > 0, ndtr(standard), 0.0), x)

    def mean(self) -> float:
        """Expected value."""
        return math.exp(self.mu + 0.5 * self.sigma**2)

    def describe(self) -> str:
        """Short human-readable form."""
        return f"lognormal(p5={_num(self.p5)}, p95={_num(self.p95)})"


@dataclass(frozen=True)
class Normal:
    """Normal with mean and standard deviation."""

    mean_value: float
    sd: float

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest values the distribution can produce."""
        return (-math.inf, math.inf)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Draw ``size`` independent values with ``rng``."""
        return rng.normal(self.mean_value, self.sd, size)

    def ppf(self, q: float | FloatArray) -> float | FloatArray:
        """Quantile function (inverse CDF) at ``q``."""
        return self.mean_value + self.sd * ndtri(q)  # type: ignore[no-any-return]

    def cdf(self, x: float | FloatArray) -> float | FloatArray:
        """Cumulative distribution function at ``x``."""
        return _scalar_or_array(ndtr((np.asarray(x, dtype=float) - self.mean_value) / self.sd), x)

    def mean(self) -> float:
        """Expected value."""
        return self.mean_value

    def describe(self) -> str:
        """Short human-readable form."""
        return f"normal(mean={_num(self.mean_value)}, sd={_num(self.sd)})"


@dataclass(frozen=True)
class Uniform:
    """Uniform on ``[low, high]``."""

    low: float
    high: float

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest values the distribution can produce."""
        return (self.low, self.high)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Draw ``size`` independent values with ``rng``."""
        return rng.uniform(self.low, self.high, size)

    def ppf(self, q: float | FloatArray) -> float | FloatArray:
        """Quantile function (inverse CDF) at ``q``."""
        return self.low + (self.high - self.low) * np.asarray(q, dtype=float)

    def cdf(self, x: float | FloatArray) -> float | FloatArray:
        """Cumulative distribution function at ``x``."""
        standard = (np.asarray(x, dtype=float) - self.low) / (self.high - self.low)
        return _scalar_or_array(np.clip(standard, 0.0, 1.0), x)

    def mean(self) -> float:
        """Expected value."""
        return 0.5 * (self.low + self.high)

    def describe(self) -> str:
        """Short human-readable form."""
        return f"uniform({_num(self.low)}, {_num(self.high)})"


@dataclass(frozen=True)
class Triangular:
    """Triangular on ``[low, high]`` with its peak at ``mode``."""

    low: float
    mode: float
    high: float

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest values the distribution can produce."""
        return (self.low, self.high)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Draw ``size`` independent values with ``rng``."""
        return rng.triangular(self.low, self.mode, self.high, size)

    def ppf(self, q: float | FloatArray) -> float | FloatArray:
        """Quantile function (inverse CDF) at ``q``; NaN outside ``[0, 1]``.

        The closed form of the triangular distribution [1]_, written as
        :data:`scipy.stats.triang` computes it (and equal to it bit for bit,
        which the tests check), so that checking a scenario does not import
        :mod:`scipy.stats`.

        References
        ----------
        .. [1] Johnson, N. L., Kotz, S. & Balakrishnan, N. (1995). *Continuous
           Univariate Distributions*, vol. 2, 2nd ed., Wiley, ch. 26.
        """
        scale = self.high - self.low
        c = (self.mode - self.low) / scale
        q = np.asarray(q, dtype=float)
        with np.errstate(invalid="ignore"):  # q outside [0, 1] gives NaN, as scipy's quantile functions do
            standard = np.where(q < c, np.sqrt(c * q), 1 - np.sqrt((1 - c) * (1 - q)))
        quantile = np.where((q >= 0) & (q <= 1), standard * scale + self.low, np.nan)
        return quantile if quantile.ndim else float(quantile)

    def cdf(self, x: float | FloatArray) -> float | FloatArray:
        """Cumulative distribution function at ``x`` (the closed form of Johnson, Kotz & Balakrishnan, ch. 26)."""
        values = np.asarray(x, dtype=float)
        low, mode, high = self.low, self.mode, self.high
        with np.errstate(divide="ignore", invalid="ignore"):  # a peak at an end leaves one side empty
            rising = (values - low) ** 2 / ((high - low) * (mode - low))
            falling = 1.0 - (high - values) ** 2 / ((high - low) * (high - mode))
        inside = np.where(values <= mode, rising, falling)
        return _scalar_or_array(np.where(values <= low, 0.0, np.where(values >= high, 1.0, inside)), x)

    def mean(self) -> float:
        """Expected value."""
        return (self.low + self.mode + self.high) / 3.0

    def describe(self) -> str:
        """Short human-readable form."""
        return f"triangular({_num(self.low)}, {_num(self.mode)}, {_num(self.high)})"


@dataclass(frozen=True)
class Beta:
    """Beta(alpha, beta), rescaled from ``[0, 1]`` to ``[low, high]``."""

    alpha: float
    beta: float
    low: float = 0.0
    high: float = 1.0

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest values the distribution can produce."""
        return (self.low, self.high)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Draw ``size`` independent values with ``rng``."""
        return self.low + (self.high - self.low) * rng.beta(self.alpha, self.beta, size)

    def ppf(self, q: float | FloatArray) -> float | FloatArray:
        """Quantile function (inverse CDF) at ``q``."""
        from scipy import stats  # noqa: PLC0415 (scipy.stats takes 0.4 s to import; only this rare path needs it)

        return self.low + (self.high - self.low) * stats.beta.ppf(q, self.alpha, self.beta)  # type: ignore[no-any-return]

    def cdf(self, x: float | FloatArray) -> float | FloatArray:
        """Cumulative distribution function at ``x`` (the regularised incomplete beta function)."""
        standard = np.clip((np.asarray(x, dtype=float) - self.low) / (self.high - self.low), 0.0, 1.0)
        return _scalar_or_array(betainc(self.alpha, self.beta, standard), x)

    def mean(self) -> float:
        """Expected value."""
        return self.low + (self.high - self.low) * self.alpha / (self.alpha + self.beta)

    def describe(self) -> str:
        """Short human-readable form."""
        scaled = "" if (self.low, self.high) == (0.0, 1.0) else f", low={_num(self.low)}, high={_num(self.high)}"
        return f"beta(alpha={_num(self.alpha)}, beta={_num(self.beta)}{scaled})"


@dataclass(frozen=True)
class Choice:
    """Discrete choice among ``values`` with probabilities ``weights``.

    Notes
    -----
    The weights need not add up to 1 (they are divided by their sum), and a
    value of weight 0 is never drawn. The quantile function follows the
    convention of :class:`scipy.stats.rv_discrete`: ``ppf(q)`` is the
    smallest value whose CDF is at least ``q``, so with two equally likely
    values the median is the smaller one.
    """

    values: tuple[float, ...]
    weights: tuple[float, ...]

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest values the distribution can produce."""
        return (min(self.values), max(self.values))

    def _table(self) -> tuple[FloatArray, FloatArray]:
        """The values of positive weight, sorted, and their cumulative probabilities (the last exactly 1)."""
        values = np.asarray(self.values, dtype=float)
        weights = np.asarray(self.weights, dtype=float)
        drawn = weights > 0
        order = np.argsort(values[drawn], kind="stable")
        cdf = np.cumsum(weights[drawn][order])
        return values[drawn][order], cdf / cdf[-1]

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Draw ``size`` independent values with ``rng``."""
        # Inverse-CDF on one uniform per draw keeps sampling cost independent of
        # the number of choices and reproducible across numpy versions.
        return np.asarray(self.ppf(rng.random(size)), dtype=np.float64)

    def ppf(self, q: float | FloatArray) -> float | FloatArray:
        """Quantile function at ``q``: the smallest value whose CDF is at least ``q`` (scipy's convention)."""
        sorted_values, cdf = self._table()
        index = np.searchsorted(cdf, np.asarray(q, dtype=float), side="left")
        result = sorted_values[np.minimum(index, len(sorted_values) - 1)]
        return float(result) if np.ndim(q) == 0 else result

    def cdf(self, x: float | FloatArray) -> float | FloatArray:
        """Cumulative distribution function at ``x``: the weight of the values ``<= x``."""
        sorted_values, cdf = self._table()
        index = np.searchsorted(sorted_values, np.asarray(x, dtype=float), side="right")
        return _scalar_or_array(np.where(index > 0, cdf[np.maximum(index - 1, 0)], 0.0), x)

    def mean(self) -> float:
        """Expected value."""
        total = sum(self.weights)
        return sum(v * w for v, w in zip(self.values, self.weights, strict=True)) / total

    def describe(self) -> str:
        """Short human-readable form."""
        pairs = ", ".join(f"{_num(v)}: {_num(w)}" for v, w in zip(self.values, self.weights, strict=True))
        return f"choice({pairs})"


@dataclass(frozen=True)
class TruncNormal:
    r"""A normal distribution cut to ``[low, high]`` and renormalised.

    ``mu`` and ``sigma`` are the mean and standard deviation of the normal
    *before* truncation (scipy's ``loc`` and ``scale``); the distribution's
    own mean (:meth:`mean`) is shifted towards the side that keeps more mass.
    A bound may be infinite (``low = 0, high = inf``: a normal that cannot go
    negative).

    Notes
    -----
    With :math:`\alpha = (a - \mu)/\sigma`, :math:`\beta = (b - \mu)/\sigma`
    and :math:`Z = \Phi(\beta) - \Phi(\alpha)`,

    .. math:: F(x) = \frac{\Phi((x - \mu)/\sigma) - \Phi(\alpha)}{Z}, \qquad
              E[X] = \mu + \sigma \frac{\varphi(\alpha) - \varphi(\beta)}{Z},

    and the quantile function inverts :math:`F` in closed form [1]_. When the
    interval lies above the mean, the same formulas are applied to
    :math:`-X` on :math:`[-b, -a]`, so that :math:`\Phi` is evaluated where it
    is accurate (far in a lower tail rather than next to 1).

    References
    ----------
    .. [1] Johnson, N. L., Kotz, S. & Balakrishnan, N. (1994). *Continuous
       Univariate Distributions*, vol. 1, 2nd ed., Wiley, ch. 13 (section 10,
       truncated normal distributions).
    """

    mu: float
    sigma: float
    low: float = -math.inf
    high: float = math.inf

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest values the distribution can produce."""
        return (self.low, self.high)

    def _standard(self) -> tuple[float, float, float]:
        """Sign ``s`` and the standardised bounds of ``s X``, with ``s = -1`` when the interval lies above the mean."""
        alpha, beta = (self.low - self.mu) / self.sigma, (self.high - self.mu) / self.sigma
        if alpha > -beta:  # more of the interval above the mean than below: work with -X
            return -1.0, -beta, -alpha
        return 1.0, alpha, beta

    def mass(self) -> float:
        """Probability the untruncated normal puts in ``[low, high]``."""
        _, alpha, beta = self._standard()
        return float(ndtr(beta) - ndtr(alpha))

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Draw ``size`` independent values with ``rng`` (the quantile function of one uniform per draw)."""
        return np.asarray(self.ppf(rng.random(size)), dtype=np.float64)

    def ppf(self, q: float | FloatArray) -> float | FloatArray:
        """Quantile function (inverse CDF) at ``q``; NaN outside ``[0, 1]``."""
        sign, alpha, beta = self._standard()
        low_cdf, high_cdf = ndtr(alpha), ndtr(beta)
        q_array = np.asarray(q, dtype=float)
        level = q_array if sign > 0 else 1.0 - q_array
        standard = ndtri(low_cdf + level * (high_cdf - low_cdf))
        with np.errstate(invalid="ignore"):
            values = np.clip(self.mu + sign * self.sigma * standard, self.low, self.high)
        return _scalar_or_array(np.where((q_array >= 0) & (q_array <= 1), values, np.nan), q)

    def cdf(self, x: float | FloatArray) -> float | FloatArray:
        """Cumulative distribution function at ``x``."""
        sign, alpha, beta = self._standard()
        low_cdf, high_cdf = ndtr(alpha), ndtr(beta)
        standard = sign * (np.asarray(x, dtype=float) - self.mu) / self.sigma
        inside = (np.clip(ndtr(standard), low_cdf, high_cdf) - low_cdf) / (high_cdf - low_cdf)
        return _scalar_or_array(inside if sign > 0 else 1.0 - inside, x)

    def mean(self) -> float:
        """Expected value (of the truncated distribution, not ``mu``)."""
        sign, alpha, beta = self._standard()
        density = float(np.exp(-0.5 * alpha**2) - np.exp(-0.5 * beta**2)) / math.sqrt(2.0 * math.pi)
        return self.mu + sign * self.sigma * density / self.mass()

    def describe(self) -> str:
        """Short human-readable form."""
        return f"truncnormal(mean={_num(self.mu)}, sd={_num(self.sigma)}, low={_num(self.low)}, high={_num(self.high)})"


@dataclass(frozen=True)
class Mixture:
    r"""A mixture: with probability ``weights[i]`` (normalised), a draw of ``components[i]``.

    Notes
    -----
    :math:`F(x) = \sum_i w_i F_i(x)` and :math:`E[X] = \sum_i w_i E[X_i]`.
    The support is the smallest interval holding every component's. The
    quantile function has no closed form: it is found by bisection on
    :math:`F`, bracketed by the components' own quantiles (for every ``q``,
    :math:`\min_i F_i^{-1}(q) \le F^{-1}(q) \le \max_i F_i^{-1}(q)`), until
    the bracket is two neighbouring floats: the result is the smallest float
    whose CDF is at least ``q`` (an atom's value exactly). :meth:`sample` picks a component per
    draw and samples it, which gives the same distribution.
    """

    components: tuple[Distribution, ...]
    weights: tuple[float, ...]

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest values the distribution can produce."""
        lows, highs = zip(*(c.support for c in self.components), strict=True)
        return (min(lows), max(highs))

    def _probabilities(self) -> FloatArray:
        weights = np.asarray(self.weights, dtype=float)
        probabilities: FloatArray = weights / weights.sum()
        return probabilities

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Draw ``size`` independent values with ``rng``: a component per draw, then a draw of each component."""
        cumulative = np.cumsum(self._probabilities())
        cumulative[-1] = 1.0
        picked = np.minimum(np.searchsorted(cumulative, rng.random(size), side="right"), len(self.components) - 1)
        values = np.empty(size, dtype=np.float64)
        for index, component in enumerate(self.components):
            chosen = picked == index
            values[chosen] = component.sample(rng, int(chosen.sum()))
        return values

    def cdf(self, x: float | FloatArray) -> float | FloatArray:
        """Cumulative distribution function at ``x``: the weighted sum of the components'."""
        values = np.asarray(x, dtype=float)
        total = sum(
            w * np.asarray(c.cdf(values), dtype=float)
            for c, w in zip(self.components, self._probabilities(), strict=True)
        )
        return _scalar_or_array(total, x)

    def ppf(self, q: float | FloatArray) -> float | FloatArray:
        """Quantile function at ``q``: the smallest ``x`` with CDF at least ``q``, by bisection; NaN outside [0, 1]."""
        levels = np.atleast_1d(np.asarray(q, dtype=float))
        inner = (levels > 0) & (levels < 1)  # the ends are the ends of the support, possibly infinite
        safe = np.where(inner, levels, 0.5)
        with np.errstate(over="ignore", invalid="ignore"):
            brackets = np.array([np.asarray(c.ppf(safe), dtype=float) for c in self.components])
        low, high = brackets.min(axis=0), brackets.max(axis=0)
        for _ in range(_BISECTIONS):
            middle = 0.5 * low + 0.5 * high
            unresolved = (middle > low) & (middle < high)  # until low and high are neighbouring floats
            if not unresolved.any():
                break
            above = np.asarray(self.cdf(middle), dtype=float) >= safe
            high = np.where(unresolved & above, middle, high)
            low = np.where(unresolved & ~above, middle, low)
        high = np.where(np.asarray(self.cdf(low), dtype=float) >= safe, low, high)  # the bracket's low end itself
        lowest, highest = self.support
        result = np.where(inner, high, np.where(levels == 0, lowest, np.where(levels == 1, highest, np.nan)))
        return float(result[0]) if np.ndim(q) == 0 else result.reshape(np.shape(q))

    def mean(self) -> float:
        """Expected value: the weighted mean of the components' means."""
        return float(sum(w * c.mean() for c, w in zip(self.components, self._probabilities(), strict=True)))

    def describe(self) -> str:
        """Short human-readable form."""
        parts = ", ".join(f"{_num(w)}: {c.describe()}" for c, w in zip(self.components, self.weights, strict=True))
        return f"mixture({parts})"


#: Most bisection steps of :meth:`Mixture.ppf`: a bracket within a few decades closes to neighbouring floats in
#: about 60; the most a bracket of finite doubles needs is about 2,100, and 400 leave at most 1e-120 of its width.
_BISECTIONS = 400


@dataclass(frozen=True)
class Empirical:
    r"""The distribution of a column of numbers: their empirical quantile function, interpolated.

    With the values sorted, :math:`x_{(0)} \le \dots \le x_{(n-1)}`, the
    quantile function is the straight line through the points
    :math:`(k/(n-1), x_{(k)})`: numpy's default ``"linear"`` quantile, type 7
    of Hyndman & Fan [1]_. It does not resample the values: draws are
    continuous and fill the gaps between them (every draw lies in
    ``[min, max]``). :meth:`sample` is :meth:`ppf` of one uniform per draw.

    Notes
    -----
    The mean is that of the interpolated distribution,

    .. math:: E[X] = \int_0^1 Q(q)\,dq = \frac{1}{n-1}\Big(\sum_k x_{(k)} - \frac{x_{(0)} + x_{(n-1)}}{2}\Big),

    which differs from the average of the values by up to
    :math:`(x_{(n-1)} - x_{(0)}) / (2(n-1))`.

    References
    ----------
    .. [1] Hyndman, R. J. & Fan, Y. (1996). Sample quantiles in statistical
       packages. *The American Statistician* 50(4), 361-365.
    """

    values: tuple[float, ...]

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest values the distribution can produce."""
        return (min(self.values), max(self.values))

    def _sorted(self) -> FloatArray:
        return np.sort(np.asarray(self.values, dtype=float))

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Draw ``size`` independent values with ``rng`` (the quantile function of one uniform per draw)."""
        return np.asarray(self.ppf(rng.random(size)), dtype=np.float64)

    def ppf(self, q: float | FloatArray) -> float | FloatArray:
        """Quantile function at ``q``: linear interpolation between the sorted values; NaN outside [0, 1]."""
        ordered = self._sorted()
        q_array = np.asarray(q, dtype=float)
        grid = np.linspace(0.0, 1.0, len(ordered))
        values = np.interp(q_array, grid, ordered)
        return _scalar_or_array(np.where((q_array >= 0) & (q_array <= 1), values, np.nan), q)

    def cdf(self, x: float | FloatArray) -> float | FloatArray:
        """Cumulative distribution function at ``x``, the inverse of :meth:`ppf` (the largest ``q`` at a tie)."""
        ordered = self._sorted()
        last = len(ordered) - 1
        values = np.asarray(x, dtype=float)
        index = np.clip(np.searchsorted(ordered, values, side="right") - 1, 0, last - 1)
        start, stop = ordered[index], ordered[index + 1]
        # equal neighbours: the step is handled below; neighbours a subnormal apart overflow to inf, clipped to 1
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            within = np.where(stop > start, (values - start) / (stop - start), 1.0)
        level = (index + np.clip(within, 0.0, 1.0)) / last
        return _scalar_or_array(np.where(values < ordered[0], 0.0, np.where(values >= ordered[-1], 1.0, level)), x)

    def mean(self) -> float:
        """Expected value of the interpolated distribution (see Notes)."""
        ordered = self._sorted()
        return float((ordered.sum() - 0.5 * (ordered[0] + ordered[-1])) / (len(ordered) - 1))

    def describe(self) -> str:
        """Short human-readable form."""
        low, high = self.support
        return f"empirical({len(self.values)} values in [{_num(low)}, {_num(high)}])"


def as_distribution(value: Distribution | float) -> Distribution:
    """``value`` itself if it is a distribution, else a :class:`Fixed` number (a path given as plain numbers in code).

    Examples
    --------
    >>> as_distribution(2), as_distribution(Lognormal(3, 20))
    (Fixed(value=2.0), Lognormal(p5=3, p95=20))
    """
    return value if isinstance(value, Distribution) else Fixed(float(value))


def open_below(distribution: Distribution) -> bool:
    """Whether the lower end of ``distribution``'s support is never drawn (a lognormal's 0).

    A key whose values must be above a bound accepts a distribution whose
    support starts at the bound only when the bound itself is excluded.

    Examples
    --------
    >>> open_below(Lognormal(3, 20)), open_below(Uniform(0, 1))
    (True, False)
    """
    if isinstance(distribution, Lognormal):
        return True
    if isinstance(distribution, Mixture):
        low = distribution.support[0]
        return all(open_below(c) for c in distribution.components if c.support[0] == low)
    return False


# ---------------------------------------------------------------------------
# Parsing from TOML values
# ---------------------------------------------------------------------------

_SHORTHAND = re.compile(r"^\s*([-+0-9.eE_]+)\s+to\s+([-+0-9.eE_]+)\s*$")


def _is_number(value: Any) -> bool:
    """Whether ``value`` is a finite TOML integer or float (booleans are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False


@dataclass(frozen=True)
class _Spec:
    """How to read one distribution family from a TOML table."""

    required: tuple[str, ...]
    optional: tuple[str, ...]
    build: Callable[[Mapping[str, Any], str], tuple[Distribution | None, list[Problem]]]


def _require_numbers(table: Mapping[str, Any], keys: Sequence[str], path: str) -> list[Problem]:
    problems = []
    for key in keys:
        if key in table and not _is_number(table[key]):
            problems.append(bad_value(f"{path}.{key}", table[key], "a finite number"))
    return problems


def _build_lognormal(t: Mapping[str, Any], path: str) -> tuple[Distribution | None, list[Problem]]:
    p5, p95 = t["p5"], t["p95"]
    problems: list[Problem] = []
    if p5 <= 0:
        problems.append(bad_value(f"{path}.p5", p5, "a positive number (a lognormal is positive)"))
    if p95 <= 0:
        problems.append(bad_value(f"{path}.p95", p95, "a positive number (a lognormal is positive)"))
    if not problems and p5 >= p95:
        problems.append(bad_value(f"{path}.p5", p5, f"a value below p95 = {p95}"))
    return (None, problems) if problems else (Lognormal(float(p5), float(p95)), [])


def _build_normal(t: Mapping[str, Any], path: str) -> tuple[Distribution | None, list[Problem]]:
    has_moments = "mean" in t or "sd" in t
    has_interval = "p5" in t or "p95" in t
    if (
        has_moments == has_interval
        or (has_moments and not ("mean" in t and "sd" in t))
        or (has_interval and not ("p5" in t and "p95" in t))
    ):
        return None, [bad_value(path, dict(t), "a normal given either by mean and sd, or by p5 and p95")]
    if has_moments:
        if t["sd"] <= 0:
            return None, [bad_value(f"{path}.sd", t["sd"], "a positive standard deviation")]
        return Normal(float(t["mean"]), float(t["sd"])), []
    if t["p5"] >= t["p95"]:
        return None, [bad_value(f"{path}.p5", t["p5"], f"a value below p95 = {t['p95']}")]
    mean = 0.5 * (t["p5"] + t["p95"])
    return Normal(float(mean), float((t["p95"] - t["p5"]) / (2.0 * Z95))), []


def _build_uniform(t: Mapping[str, Any], path: str) -> tuple[Distribution | None, list[Problem]]:
    if t["low"] >= t["high"]:
        return None, [bad_value(f"{path}.low", t["low"], f"a value below high = {t['high']}")]
    return Uniform(float(t["low"]), float(t["high"])), []


def _build_triangular(t: Mapping[str, Any], path: str) -> tuple[Distribution | None, list[Problem]]:
    low, mode, high = t["low"], t["mode"], t["high"]
    if not low < high:
        return None, [bad_value(f"{path}.low", low, f"a value below high = {high}")]
    if not low <= mode <= high:
        return None, [bad_value(f"{path}.mode", mode, f"a value between low = {low} and high = {high}")]
    return Triangular(float(low), float(mode), float(high)), []


def _build_beta(t: Mapping[str, Any], path: str) -> tuple[Distribution | None, list[Problem]]:
    problems = [
        bad_value(f"{path}.{key}", t[key], "a positive shape parameter") for key in ("alpha", "beta") if t[key] <= 0
    ]
    low, high = t.get("low", 0.0), t.get("high", 1.0)
    if low >= high:
        problems.append(bad_value(f"{path}.low", low, f"a value below high = {high}"))
    if problems:
        return None, problems
    return Beta(float(t["alpha"]), float(t["beta"]), float(low), float(high)), []


def _build_choice(t: Mapping[str, Any], path: str) -> tuple[Distribution | None, list[Problem]]:
    values, weights = t["values"], t.get("weights")
    if not isinstance(values, list) or not values or not all(_is_number(v) for v in values):
        return None, [bad_value(f"{path}.values", values, "a non-empty array of numbers")]
    if weights is None:
        weights = [1.0] * len(values)
    problems = _weights_problem(weights, len(values), path)
    if problems:
        return None, problems
    return Choice(tuple(float(v) for v in values), tuple(float(w) for w in weights)), []


def _weights_problem(weights: Any, count: int, path: str) -> list[Problem]:
    """A problem unless ``weights`` are ``count`` non-negative numbers with a positive sum."""
    if (
        isinstance(weights, list)
        and len(weights) == count
        and all(_is_number(w) and w >= 0 for w in weights)
        and sum(weights) > 0
    ):
        return []
    return [bad_value(f"{path}.weights", weights, f"an array of {count} non-negative numbers with a positive sum")]


#: Least probability a truncated normal's parent may put between its bounds.
MIN_TRUNCATED_MASS = 1e-12


def _build_truncnormal(t: Mapping[str, Any], path: str) -> tuple[Distribution | None, list[Problem]]:
    normal, problems = _build_normal({k: v for k, v in t.items() if k not in ("low", "high")}, path)
    if normal is None:
        return None, [
            bad_value(
                path, dict(t), "a truncnormal given either by mean and sd, or by p5 and p95, with low and/or high"
            )
            if p.path == path
            else p
            for p in problems
        ]
    assert isinstance(normal, Normal)
    if "low" not in t and "high" not in t:
        return None, [Problem(f"{path}.low", "missing; a truncnormal needs low, high or both (else use a normal)")]
    low, high = float(t.get("low", -math.inf)), float(t.get("high", math.inf))
    if low >= high:
        return None, [bad_value(f"{path}.low", t["low"], f"a value below high = {t['high']}")]
    dist = TruncNormal(normal.mean_value, normal.sd, low, high)
    if not dist.mass() >= MIN_TRUNCATED_MASS:
        return None, [
            Problem(
                path,
                f"the normal(mean={_num(dist.mu)}, sd={_num(dist.sigma)}) puts {dist.mass():.3g} of its probability "
                f"in [{_num(low)}, {_num(high)}]; expected at least {_num(MIN_TRUNCATED_MASS)} "
                "(move the mean or the bounds)",
            )
        ]
    return dist, []


def _build_mixture(t: Mapping[str, Any], path: str) -> tuple[Distribution | None, list[Problem]]:
    components, weights = t["components"], t.get("weights")
    if not isinstance(components, list) or not components:
        return None, [bad_value(f"{path}.components", components, "a non-empty array of numbers or distributions")]
    problems: list[Problem] = []
    parsed: list[Distribution] = []
    for index, value in enumerate(components):
        dist, found = parse_distribution(value, f"{path}.components[{index}]")
        problems += found
        if dist is not None:
            parsed.append(dist)
    if weights is None:
        weights = [1.0] * len(components)
    problems += _weights_problem(weights, len(components), path)
    if problems:
        return None, problems
    return Mixture(tuple(parsed), tuple(float(w) for w in weights)), []


def _build_empirical(t: Mapping[str, Any], path: str) -> tuple[Distribution | None, list[Problem]]:
    values = t["values"]
    if not isinstance(values, list) or len(values) < 2 or not all(_is_number(v) for v in values):
        return None, [bad_value(f"{path}.values", values, "an array of at least 2 numbers")]
    return Empirical(tuple(float(v) for v in values)), []


_FAMILIES: dict[str, _Spec] = {
    "lognormal": _Spec(("p5", "p95"), (), _build_lognormal),
    "normal": _Spec((), ("mean", "sd", "p5", "p95"), _build_normal),
    "uniform": _Spec(("low", "high"), (), _build_uniform),
    "triangular": _Spec(("low", "mode", "high"), (), _build_triangular),
    "beta": _Spec(("alpha", "beta"), ("low", "high"), _build_beta),
    "choice": _Spec(("values",), ("weights",), _build_choice),
    "truncnormal": _Spec((), ("mean", "sd", "p5", "p95", "low", "high"), _build_truncnormal),
    "mixture": _Spec(("components",), ("weights",), _build_mixture),
    "empirical": _Spec(("values",), (), _build_empirical),
}

#: Keys of a distribution table that hold arrays rather than numbers.
_ARRAY_KEYS = ("values", "weights", "components")

DISTRIBUTION_NAMES: tuple[str, ...] = tuple(_FAMILIES)

_EXPECTED = (
    'a number, a "low to high" string (lognormal 90% interval), '
    f"or a table with dist = one of {', '.join(repr(n) for n in DISTRIBUTION_NAMES)}"
)


def _parse_shorthand(text: str, path: str) -> tuple[Distribution | None, list[Problem]]:
    """Read the ``"a to b"`` shorthand: a lognormal with 5th percentile a and 95th percentile b."""
    match = _SHORTHAND.match(text)
    bounds: tuple[float, float] | None = None
    if match:
        try:
            bounds = (float(match.group(1)), float(match.group(2)))
        except ValueError:
            bounds = None
    if bounds is None or not all(math.isfinite(b) for b in bounds):
        return None, [bad_value(path, text, _EXPECTED)]
    low, high = bounds
    if not 0 < low < high:
        expected = '"low to high" with 0 < low < high (the 5th and 95th percentiles of a lognormal)'
        return None, [bad_value(path, text, expected)]
    return Lognormal(low, high), []


def _parse_table(table: Mapping[str, Any], path: str) -> tuple[Distribution | None, list[Problem]]:
    """Read a distribution written as a TOML table with a ``dist`` key."""
    names = ", ".join(repr(n) for n in DISTRIBUTION_NAMES)
    if "dist" not in table:
        return None, [Problem(f"{path}.dist", f"missing; expected dist = one of {names}")]
    family = table["dist"]
    if not isinstance(family, str) or family not in _FAMILIES:
        return None, [bad_value(f"{path}.dist", family, f"one of {names}")]
    spec = _FAMILIES[family]
    allowed = ", ".join(sorted({"dist", *spec.required, *spec.optional}))
    problems = [
        bad_value(f"{path}.{key}", table[key], f"no such key for a {family} (allowed: {allowed})")
        for key in table
        if key != "dist" and key not in spec.required and key not in spec.optional
    ]
    problems += [
        Problem(f"{path}.{key}", f"missing; a {family} needs {', '.join(spec.required)}")
        for key in spec.required
        if key not in table
    ]
    numeric_keys = [k for k in (*spec.required, *spec.optional) if k not in _ARRAY_KEYS]
    problems += _require_numbers(table, numeric_keys, path)
    if problems:
        return None, problems
    return spec.build(table, path)


def parse_distribution(value: Any, path: str) -> tuple[Distribution | None, list[Problem]]:
    """Read a scenario value that may be uncertain.

    Parameters
    ----------
    value : Any
        A TOML value: a number, a ``"a to b"`` string, or a table with a
        ``dist`` key.
    path : str
        Dotted key path, used in error messages.

    Returns
    -------
    distribution : Distribution or None
        The parsed distribution, or None if there were problems.
    problems : list of Problem
        Everything wrong with ``value``; empty on success.

    Examples
    --------
    >>> parse_distribution("3 to 20", "x")[0]
    Lognormal(p5=3.0, p95=20.0)
    >>> parse_distribution(5, "x")[0]
    Fixed(value=5.0)
    >>> print(parse_distribution("20 to 3", "x")[1][0])
    x: got '20 to 3' (string); expected "low to high" with 0 < low < high (the 5th and 95th percentiles of a lognormal)
    """
    if _is_number(value):
        return Fixed(float(value)), []
    if isinstance(value, str):
        return _parse_shorthand(value, path)
    if isinstance(value, Mapping):
        return _parse_table(value, path)
    return None, [bad_value(path, value, _EXPECTED)]


def to_toml_value(distribution: Distribution) -> Any:
    """Inverse of :func:`parse_distribution`: a TOML-ready value.

    Parameters
    ----------
    distribution : Distribution

    Returns
    -------
    float or dict
        A plain number for :class:`Fixed`, otherwise a table with ``dist``.
    """
    table: dict[str, Any]
    match distribution:
        case Fixed(value=value):
            return value
        case Lognormal(p5=p5, p95=p95):
            table = {"dist": "lognormal", "p5": p5, "p95": p95}
        case Normal(mean_value=mean, sd=sd):
            table = {"dist": "normal", "mean": mean, "sd": sd}
        case Uniform(low=low, high=high):
            table = {"dist": "uniform", "low": low, "high": high}
        case Triangular(low=low, mode=mode, high=high):
            table = {"dist": "triangular", "low": low, "mode": mode, "high": high}
        case Beta(alpha=a, beta=b, low=low, high=high):
            table = {"dist": "beta", "alpha": a, "beta": b, "low": low, "high": high}
        case Choice(values=values, weights=weights):
            table = {"dist": "choice", "values": list(values), "weights": list(weights)}
        case TruncNormal(mu=mu, sigma=sigma, low=low, high=high):
            table = {"dist": "truncnormal", "mean": mu, "sd": sigma}
            table.update({key: bound for key, bound in (("low", low), ("high", high)) if math.isfinite(bound)})
        case Mixture(components=components, weights=weights):
            table = {"dist": "mixture", "components": [to_toml_value(c) for c in components], "weights": list(weights)}
        case Empirical(values=values):
            table = {"dist": "empirical", "values": list(values)}
        case _:
            raise TypeError(f"not a scenario distribution: {distribution!r}")
    return table


__all__ = [
    "DISTRIBUTION_NAMES",
    "Beta",
    "Choice",
    "Distribution",
    "Empirical",
    "Fixed",
    "Lognormal",
    "Mixture",
    "Normal",
    "Triangular",
    "TruncNormal",
    "Uniform",
    "as_distribution",
    "open_below",
    "parse_distribution",
    "to_toml_value",
]
