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
from scipy.special import ndtri

from frontiersim.scenario.errors import Problem, bad_value

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
    return f"{value:.6g}"


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

    def mean(self) -> float:
        """Expected value."""
        return self.low + (self.high - self.low) * self.alpha / (self.alpha + self.beta)

    def describe(self) -> str:
        """Short human-readable form."""
        scaled = "" if (self.low, self.high) == (0.0, 1.0) else f", low={_num(self.low)}, high={_num(self.high)}"
        return f"beta(alpha={_num(self.alpha)}, beta={_num(self.beta)}{scaled})"


@dataclass(frozen=True)
class Choice:
    """Discrete choice among ``values`` with probabilities ``weights``."""

    values: tuple[float, ...]
    weights: tuple[float, ...]

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest values the distribution can produce."""
        return (min(self.values), max(self.values))

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Draw ``size`` independent values with ``rng``."""
        # Inverse-CDF on one uniform per draw keeps sampling cost independent of
        # the number of choices and reproducible across numpy versions.
        return np.asarray(self.ppf(rng.random(size)), dtype=np.float64)

    def ppf(self, q: float | FloatArray) -> float | FloatArray:
        """Quantile function (inverse CDF) at ``q``: the smallest value whose CDF exceeds ``q``."""
        order = np.argsort(self.values, kind="stable")
        sorted_values = np.asarray(self.values, dtype=float)[order]
        cdf = np.cumsum(np.asarray(self.weights, dtype=float)[order])
        cdf /= cdf[-1]
        index = np.searchsorted(cdf, np.asarray(q, dtype=float), side="right")
        result = sorted_values[np.minimum(index, len(sorted_values) - 1)]
        return float(result) if np.ndim(q) == 0 else result

    def mean(self) -> float:
        """Expected value."""
        total = sum(self.weights)
        return sum(v * w for v, w in zip(self.values, self.weights, strict=True)) / total

    def describe(self) -> str:
        """Short human-readable form."""
        pairs = ", ".join(f"{_num(v)}: {_num(w)}" for v, w in zip(self.values, self.weights, strict=True))
        return f"choice({pairs})"


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
    if (
        not isinstance(weights, list)
        or len(weights) != len(values)
        or not all(_is_number(w) and w >= 0 for w in weights)
        or sum(weights) <= 0
    ):
        return None, [
            bad_value(
                f"{path}.weights",
                weights,
                f"an array of {len(values)} non-negative numbers with a positive sum",
            )
        ]
    return Choice(tuple(float(v) for v in values), tuple(float(w) for w in weights)), []


_FAMILIES: dict[str, _Spec] = {
    "lognormal": _Spec(("p5", "p95"), (), _build_lognormal),
    "normal": _Spec((), ("mean", "sd", "p5", "p95"), _build_normal),
    "uniform": _Spec(("low", "high"), (), _build_uniform),
    "triangular": _Spec(("low", "mode", "high"), (), _build_triangular),
    "beta": _Spec(("alpha", "beta"), ("low", "high"), _build_beta),
    "choice": _Spec(("values",), ("weights",), _build_choice),
}

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
    numeric_keys = [k for k in (*spec.required, *spec.optional) if k not in ("values", "weights")]
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
        case _:
            raise TypeError(f"not a scenario distribution: {distribution!r}")
    return table


__all__ = [
    "DISTRIBUTION_NAMES",
    "Beta",
    "Choice",
    "Distribution",
    "Fixed",
    "Lognormal",
    "Normal",
    "Triangular",
    "Uniform",
    "parse_distribution",
    "to_toml_value",
]
