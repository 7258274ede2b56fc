r"""Moving a distribution's 90% interval: a new 5th and 95th percentile, the same family.

A dashboard slider of an uncertain key has two handles, the key's 5th and
95th percentiles. Moving them does not collapse the distribution to a point:
:func:`stretch_to_interval` maps the distribution to one of the **same
family** whose 5th and 95th percentiles are the new ones, by an affine
stretch :math:`g` of its values with :math:`g(a) = A` and :math:`g(b) = B`,
where :math:`(a, b)` is the old interval and :math:`(A, B)` the new one [1]_.

On the linear scale, :math:`g(x) = A + k (x - a)` with
:math:`k = (B - A)/(b - a) > 0`; on the log scale (lognormals),
:math:`\ln g(x) = \ln A + k (\ln x - \ln a)` with
:math:`k = (\ln B - \ln A)/(\ln b - \ln a)`, i.e. :math:`g(x) = A (x/a)^k`.
Since :math:`g` is increasing, the quantile function of the new
distribution is :math:`g` of the old one, :math:`Q'(q) = g(Q(q))` for every
:math:`q`: the new 5th and 95th percentiles are :math:`A` and :math:`B`, and
every other quantile moves in proportion. Per family:

=============  =======  ============================================================
family         scale    what the stretch does
=============  =======  ============================================================
lognormal      log      ``lognormal(p5=A, p95=B)``: the median moves to
                        :math:`\sqrt{AB}`
normal         linear   ``normal(mean=(A+B)/2, sd=(B-A)/(2 z_{0.95}))``
truncnormal    linear   mean, sd **and the bounds** stretched: the bounds move
uniform        linear   ``low`` and ``high`` stretched
triangular     linear   ``low``, ``mode`` and ``high`` stretched
beta           linear   ``low`` and ``high`` stretched; the shapes are kept
choice         linear   every value stretched; the weights are kept
empirical      linear   every value stretched
mixture        either   every component stretched by the same :math:`g`: on the
                        log scale when a component is a lognormal (then every
                        component must be a lognormal, a positive number or a
                        choice of positive values), else on the linear scale
=============  =======  ============================================================

Bounded families keep their shape but their support moves with the stretch,
so the new support must still respect the key's bounds (a gross margin stays
in [0, 1]), and its far tails the key's model range. Each such requirement is
one linear inequality in the stretched coordinates :math:`(X, Y) = (t(A),
t(B))`, with :math:`t` the identity on the linear scale and :math:`\ln` on the
log scale: a value :math:`x` below the old interval lies :math:`u = (t(a) -
t(x))/(t(b) - t(a))` intervals below it and goes to :math:`t^{-1}(X - u (Y -
X))`, one above lies :math:`v = (t(x) - t(b))/(t(b) - t(a))` intervals above
it and goes to :math:`t^{-1}(Y + v (Y - X))`, so a lower bound :math:`L` asks
:math:`(1 + u) X - u Y \ge t(L)` and an upper bound :math:`H` asks
:math:`(1 + v) Y - v X \le t(H)`. The intervals a slider may give form the
convex polygon these inequalities cut out. :func:`apply_intervals` moves a
requested interval outside it to the nearest point of it (Euclidean distance
in :math:`(X, Y)`, the projection onto a convex polygon [2]_: the nearest
point lies on an edge or at a vertex, so the candidates are the projections on
each edge's line and the vertices, and the nearest one inside wins), and says
so in a note; :func:`widest_allowed_interval` is the polygon's vertex of
largest :math:`Y - X`, the widest interval the bounds allow.

No interval is possible when the 5th percentile is not below the 95th, when a
log-scale family is given a 5th percentile that is not positive, or when the
distribution's own 5th and 95th percentiles coincide (a choice putting 90% of
its weight on one value): there is no spread to stretch. These are refused.

The projection is written by hand rather than taken from an optimisation
library (scipy's solvers): the polygon has at most five edges, and an exact
answer from the edges and vertices is shorter than a solver's tolerances.

The stretch is written out by hand rather than taken from a library: it is
one line per family over the scenario's own distribution classes, which
scipy's frozen distributions do not cover (choice, empirical, mixture).

References
----------
.. [1] Johnson, N. L., Kotz, S. & Balakrishnan, N. (1994). *Continuous
   Univariate Distributions*, vol. 1, 2nd ed., Wiley, ch. 1 (location-scale
   families and transformations of random variables).
.. [2] Boyd, S. & Vandenberghe, L. (2004). *Convex Optimization*, Cambridge
   University Press, section 8.1 (projection on a convex set; the optimality
   conditions of a projection onto a polyhedron).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Literal

from frontiersim.scenario.distributions import (
    Z95,
    Beta,
    Choice,
    Distribution,
    Empirical,
    Fixed,
    Lognormal,
    Mixture,
    Normal,
    Triangular,
    TruncNormal,
    Uniform,
    open_below,
    tail_quantiles,
    to_toml_value,
)
from frontiersim.scenario.errors import Problem, describe_value
from frontiersim.scenario.fields import MODEL_RANGE_TAIL, FieldSpec, field_spec
from frontiersim.scenario.schema import SECTIONS, Scenario
from frontiersim.units import plain_number, quantity, quantity_range

#: The levels of the interval a slider moves.
LOWER_LEVEL, UPPER_LEVEL = 0.05, 0.95

#: The narrowest 5-95% spread a slider may stretch: absolute (far below any quantity of the model, whose
#: smallest ranges are about 1e-6) and relative to the scale of the values, tails included (below it, the
#: interval is a point mass that the quantile search resolves only to rounding, and a stretch keeps no digit).
SMALLEST_SPREAD, SMALLEST_RELATIVE_SPREAD = 1e-200, 1e-9

#: How far inside a bound a moved interval's stretch is kept, relative to the bound on the stretch's scale
#: (at least 1): enough for the rounding of the stretch and of its quantiles, far below any digit shown.
BOUND_MARGIN = 1e-9

Scale = Literal["linear", "log"]


class IntervalError(ValueError):
    """A 5-95% interval that no distribution of the family can have."""


def _percent(share: float) -> str:
    """A probability as a percentage: ``50%``, ``2.5%``."""
    return f"{plain_number(100.0 * share)}%"


def describe_distribution(distribution: Distribution, unit: str = "") -> str:  # noqa: PLR0911 - one per family
    """A distribution in words, its values with the key's unit (never in e-notation).

    Parameters
    ----------
    distribution : Distribution
    unit : str
        The key's unit as declared (``"USD/GW/year"``, ``"x/year"``, ``"1"``).

    Examples
    --------
    >>> describe_distribution(Lognormal(1e10, 1.5e10), "USD/GW/year")
    'lognormal, 5-95% $10B to $15B/GW/year'
    >>> describe_distribution(Triangular(0.5, 0.6, 0.75), "1")
    'triangular, 0.5 to 0.75, mode 0.6'
    >>> describe_distribution(Choice((5.0, 10.0), (1.0, 1.0)), "x/year")
    'choice of 5 x/year (50%), 10 x/year (50%)'
    """

    def q(value: float) -> str:
        return quantity(value, unit)

    match distribution:
        case Fixed(value=value):
            return q(value)
        case Lognormal(p5=p5, p95=p95):
            return f"lognormal, 5-95% {quantity_range(p5, p95, unit)}"
        case Normal(mean_value=mean, sd=sd):
            return f"normal, mean {q(mean)}, sd {q(sd)}"
        case TruncNormal(mu=mu, sigma=sigma, low=low, high=high):
            cut = (
                f"cut to {quantity_range(low, high, unit)}"
                if math.isfinite(low) and math.isfinite(high)
                else (f"cut below {q(low)}" if math.isfinite(low) else f"cut above {q(high)}")
            )
            return f"normal (mean {q(mu)}, sd {q(sigma)}) {cut}"
        case Uniform(low=low, high=high):
            return f"uniform, {quantity_range(low, high, unit)}"
        case Triangular(low=low, mode=mode, high=high):
            return f"triangular, {quantity_range(low, high, unit)}, mode {q(mode)}"
        case Beta(alpha=alpha, beta=beta, low=low, high=high):
            return f"beta (alpha {plain_number(alpha)}, beta {plain_number(beta)}) on {quantity_range(low, high, unit)}"
        case Choice(values=values, weights=weights):
            total = sum(weights)
            return "choice of " + ", ".join(
                f"{q(v)} ({_percent(w / total)})" for v, w in zip(values, weights, strict=True)
            )
        case Empirical(values=values):
            return f"empirical, {len(values)} values in {quantity_range(min(values), max(values), unit)}"
        case Mixture(components=components, weights=weights):
            total = sum(weights)
            parts = "; ".join(
                f"{_percent(w / total)} {describe_distribution(c, unit)}"
                for c, w in zip(components, weights, strict=True)
            )
            return f"mixture of {parts}"
    return distribution.describe()  # pragma: no cover - every family matched


def _log_scale_ok(distribution: Distribution) -> bool:
    """Whether every value of ``distribution`` stays in its family under a power map ``A (x/a)^k``."""
    if isinstance(distribution, Lognormal):
        return True
    if isinstance(distribution, Fixed):
        return distribution.value > 0
    if isinstance(distribution, Choice):
        return min(distribution.values) > 0
    if isinstance(distribution, Mixture):
        return all(_log_scale_ok(c) for c in distribution.components)
    return False


def _has_lognormal(distribution: Distribution) -> bool:
    if isinstance(distribution, Lognormal):
        return True
    return isinstance(distribution, Mixture) and any(_has_lognormal(c) for c in distribution.components)


def stretch_scale(distribution: Distribution, unit: str = "") -> Scale:
    """The scale on which ``distribution`` is stretched: ``"log"`` for lognormals and mixtures holding one.

    Raises
    ------
    IntervalError
        For a mixture of a lognormal and a component that the log-scale
        stretch would take out of its family (a uniform, a normal, ...), and
        for a fixed number.

    Examples
    --------
    >>> stretch_scale(Lognormal(3, 20)), stretch_scale(Uniform(0.5, 0.75))
    ('log', 'linear')
    """
    if isinstance(distribution, Fixed):
        raise IntervalError(f"{quantity(distribution.value, unit)} is a fixed number: it has no interval to move")
    if not _has_lognormal(distribution):
        return "linear"
    if _log_scale_ok(distribution):
        return "log"
    raise IntervalError(
        f"{describe_distribution(distribution, unit)} mixes lognormal components, stretched on the log scale, "
        "with components that only a linear stretch keeps in their family: its interval cannot be moved"
    )


def interval(distribution: Distribution) -> tuple[float, float]:
    """The 5th and 95th percentiles of ``distribution`` (a lognormal's own parameters, exactly).

    Examples
    --------
    >>> interval(Uniform(0.0, 10.0)), interval(Lognormal(3.0, 20.0))
    ((0.5, 9.5), (3.0, 20.0))
    """
    if isinstance(distribution, Lognormal):
        return distribution.p5, distribution.p95
    low, high = (float(distribution.ppf(level)) for level in (LOWER_LEVEL, UPPER_LEVEL))
    return low, high


def movable_interval(distribution: Distribution) -> tuple[float, float] | None:
    """The 5-95% interval a slider may move, or None when no stretch can move it (a fixed number, no spread).

    Examples
    --------
    >>> movable_interval(Fixed(3.0)) is None, movable_interval(Choice((5.0, 10.0), (0.5, 0.5)))
    (True, (5.0, 10.0))
    """
    try:
        stretch_scale(distribution)
    except IntervalError:
        return None
    low, high = interval(distribution)
    if not (math.isfinite(low) and math.isfinite(high)):
        return None
    # the scale of the values: the interval's ends, and the far tails (a point mass beside a wide component)
    tails = [abs(float(distribution.ppf(level))) for level in (0.001, 0.999)]
    scale = max(abs(low), abs(high), *(tail for tail in tails if math.isfinite(tail)))
    spread = high - low
    if spread < SMALLEST_SPREAD or spread <= SMALLEST_RELATIVE_SPREAD * scale:
        return None  # no spread a stretch could scale: its factor would overflow or lose every digit
    return low, high


def _map_values(distribution: Distribution, g: Callable[[float], float], k: float) -> Distribution:  # noqa: PLR0911
    """``distribution`` with every value ``x`` replaced by ``g(x)``, an increasing map of slope factor ``k``.

    ``k`` scales the spread parameters (a normal's sd): it is the slope of a
    linear ``g``; on the log scale only lognormals, numbers and choices occur,
    whose parameters are values.
    """
    match distribution:
        case Fixed(value=value):
            return Fixed(g(value))
        case Lognormal(p5=p5, p95=p95):
            return Lognormal(g(p5), g(p95))
        case Normal(mean_value=mean, sd=sd):
            return Normal(g(mean), k * sd)
        case TruncNormal(mu=mu, sigma=sigma, low=low, high=high):
            return TruncNormal(g(mu), k * sigma, g(low), g(high))
        case Uniform(low=low, high=high):
            return Uniform(g(low), g(high))
        case Triangular(low=low, mode=mode, high=high):
            return Triangular(g(low), g(mode), g(high))
        case Beta(alpha=alpha, beta=beta, low=low, high=high):
            return Beta(alpha, beta, g(low), g(high))
        case Choice(values=values, weights=weights):
            return Choice(tuple(g(v) for v in values), weights)
        case Empirical(values=values):
            return Empirical(tuple(g(v) for v in values))
        case Mixture(components=components, weights=weights):
            return Mixture(tuple(_map_values(c, g, k) for c in components), weights)
    raise IntervalError(f"not a scenario distribution: {distribution!r}")  # pragma: no cover - every family matched


def stretch_to_interval(distribution: Distribution, p5: float, p95: float, unit: str = "") -> Distribution:
    """The distribution of the same family whose 5th and 95th percentiles are ``p5`` and ``p95``.

    Parameters
    ----------
    distribution : Distribution
        The distribution to stretch (not a fixed number).
    p5, p95 : float
        The new 5th and 95th percentiles, ``p5 < p95`` (both positive for a
        log-scale family).
    unit : str
        The key's unit, for messages.

    Returns
    -------
    Distribution
        Of the same class as ``distribution``, the affine stretch of it (on
        the log scale for lognormals) that takes its old 5-95% interval to
        the new one (see the module's table for each family).

    Raises
    ------
    IntervalError
        When no stretch gives that interval: ``p5 >= p95``, a number that is
        not finite, a 5th percentile that is not positive on the log scale,
        a distribution whose own 5th and 95th percentiles coincide, or a
        fixed number.

    Examples
    --------
    >>> stretch_to_interval(Lognormal(3.0, 20.0), 4.0, 30.0)
    Lognormal(p5=4.0, p95=30.0)
    >>> stretch_to_interval(Uniform(0.0, 10.0), 1.5, 10.5)
    Uniform(low=1.0, high=11.0)
    >>> stretch_to_interval(Choice((5.0, 10.0), (0.5, 0.5)), 4.0, 12.0)
    Choice(values=(4.0, 12.0), weights=(0.5, 0.5))
    """
    if not (math.isfinite(p5) and math.isfinite(p95)):
        raise IntervalError(f"the interval [{p5}, {p95}] is not two finite numbers")
    if not p5 < p95:
        raise IntervalError(
            f"the 5th percentile {quantity(p5, unit)} is not below the 95th percentile {quantity(p95, unit)}"
        )
    scale = stretch_scale(distribution, unit)
    if scale == "log" and p5 <= 0:
        raise IntervalError(
            f"the 5th percentile {quantity(p5, unit)} is not positive, but the distribution "
            f"({describe_distribution(distribution, unit)}) is stretched on the "
            "log scale and stays positive"
        )
    if isinstance(distribution, Lognormal):
        return Lognormal(float(p5), float(p95))
    if isinstance(distribution, Normal):
        return Normal(0.5 * (p5 + p95), (p95 - p5) / (2.0 * Z95))
    old_low, old_high = interval(distribution)
    if not old_low < old_high:
        raise IntervalError(
            f"{describe_distribution(distribution, unit)} has the same 5th and 95th percentile "
            f"({quantity(old_low, unit)}): "
            "there is no spread to stretch"
        )
    if scale == "log":
        k = (math.log(p95) - math.log(p5)) / (math.log(old_high) - math.log(old_low))

        def power(x: float) -> float:
            return p5 if x == old_low else float(p5 * math.exp(k * (math.log(x) - math.log(old_low))))

        return _map_values(distribution, power, k)
    k = (p95 - p5) / (old_high - old_low)

    def affine(x: float) -> float:
        return p5 if x == old_low else p5 + k * (x - old_low)

    return _map_values(distribution, affine, k)


# ---------------------------------------------------------------------------
# The intervals a key's bounds allow
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _HalfPlane:
    r"""The points :math:`p = (X, Y)` of the stretched coordinates with :math:`n \cdot p \ge c`."""

    normal: tuple[float, float]
    offset: float

    def slack(self, point: tuple[float, float]) -> float:
        r""":math:`n \cdot p - c`: not negative inside the half-plane."""
        return self.normal[0] * point[0] + self.normal[1] * point[1] - self.offset


@dataclass(frozen=True)
class _Allowed:
    """The intervals a key's bounds allow a distribution's stretch, in the stretched coordinates.

    Attributes
    ----------
    scale : Scale
        ``"log"`` when the coordinates are logarithms of the values.
    lower, upper : tuple of _HalfPlane
        The requirements on the stretch's low end (values below the old
        interval) and on its high end.
    ordered : _HalfPlane
        :math:`Y - X` at least a sliver: the 5th percentile below the 95th.
    """

    scale: Scale
    lower: tuple[_HalfPlane, ...]
    upper: tuple[_HalfPlane, ...]
    ordered: _HalfPlane

    @property
    def planes(self) -> tuple[_HalfPlane, ...]:
        return (*self.lower, *self.upper, self.ordered)

    def to_scale(self, value: float) -> float:
        return math.log(value) if self.scale == "log" else value

    def from_scale(self, value: float) -> float:
        return math.exp(value) if self.scale == "log" else value

    def contains(self, point: tuple[float, float], tolerance: float = 0.0) -> bool:
        return all(plane.slack(point) >= -tolerance for plane in self.planes)


def _bound_on_scale(bound: float, scale: Scale) -> float:
    """A key's bound on the stretch's scale: ``-inf`` for a bound at or below 0 on the log scale."""
    if scale == "log":
        return math.log(bound) if bound > 0 else -math.inf
    return bound


def _allowed(distribution: Distribution, spec: FieldSpec) -> _Allowed | None:
    """The requirements a stretch of ``distribution`` must meet to stay within ``spec``'s bounds and model range.

    None when no stretch can meet them (an unbounded tail against a bound), or
    when the distribution has no interval to move.
    """
    spread = movable_interval(distribution)
    if spread is None:
        return None
    scale = stretch_scale(distribution)
    if scale == "log" and spread[0] <= 0:
        return None  # pragma: no cover - a log-scale family has positive percentiles
    old_low, old_high = (_bound_on_scale(value, scale) for value in spread)
    width = old_high - old_low
    support_low, support_high = distribution.support
    # (a value of the distribution, the bound it must keep) for each end: its support and the key's bounds,
    # and its far tails and the model range
    below = [(support_low, spec.low)]
    above = [(support_high, spec.high)]
    if spec.model_range is not None:
        tail_low, tail_high = tail_quantiles(distribution, MODEL_RANGE_TAIL)
        below.append((tail_low, spec.model_range[0]))
        above.append((tail_high, spec.model_range[1]))
    lower: list[_HalfPlane] = []
    for value, bound in below:
        bound_t = _bound_on_scale(bound, scale)
        if bound_t == -math.inf:
            continue  # nothing to keep above
        value_t = _bound_on_scale(value, scale)
        if not math.isfinite(value_t):
            return None
        u = (old_low - value_t) / width
        margin = BOUND_MARGIN * max(1.0, abs(bound_t))
        lower.append(_HalfPlane((1.0 + u, -u), bound_t + margin))
    upper: list[_HalfPlane] = []
    for value, bound in above:
        if bound == math.inf:
            continue
        if scale == "log" and bound <= 0:
            return None  # pragma: no cover - a positive family under a bound at or below 0 is no scenario's
        bound_t = _bound_on_scale(bound, scale)
        value_t = _bound_on_scale(value, scale)
        if not math.isfinite(value_t):
            return None
        v = (value_t - old_high) / width
        margin = BOUND_MARGIN * max(1.0, abs(bound_t))
        upper.append(_HalfPlane((v, -(1.0 + v)), -bound_t + margin))
    sliver = SMALLEST_RELATIVE_SPREAD * max(1.0, abs(old_low), abs(old_high))
    return _Allowed(scale, tuple(lower), tuple(upper), _HalfPlane((-1.0, 1.0), sliver))


def _line_meeting(first: _HalfPlane, second: _HalfPlane) -> tuple[float, float] | None:
    """The point where the edges of two half-planes meet (None for parallel edges)."""
    (a, b), (c, d) = first.normal, second.normal
    determinant = a * d - b * c
    if abs(determinant) <= 1e-12 * (abs(a * d) + abs(b * c)):
        return None
    x = (first.offset * d - b * second.offset) / determinant
    y = (a * second.offset - c * first.offset) / determinant
    return (x, y) if math.isfinite(x) and math.isfinite(y) else None


def _tolerance(point: tuple[float, float]) -> float:
    return 1e-12 * max(1.0, abs(point[0]), abs(point[1]))


def _vertices(allowed: _Allowed) -> list[tuple[float, float]]:
    """The corners of the allowed polygon: where two edges meet inside every other half-plane."""
    corners = (_line_meeting(first, second) for first, second in combinations(allowed.planes, 2))
    return [corner for corner in corners if corner is not None and allowed.contains(corner, _tolerance(corner))]


def _nearest_point(allowed: _Allowed, point: tuple[float, float]) -> tuple[float, float] | None:
    """The point of the allowed polygon nearest ``point`` (Euclidean), or None when the polygon is empty [2]_."""
    if allowed.contains(point):
        return point
    candidates = list(_vertices(allowed))
    for plane in allowed.planes:
        (a, b), norm2 = plane.normal, plane.normal[0] ** 2 + plane.normal[1] ** 2
        if norm2 == 0:
            continue  # pragma: no cover - no requirement has a zero normal
        step = plane.slack(point) / norm2
        projected = (point[0] - step * a, point[1] - step * b)
        if allowed.contains(projected, _tolerance(projected)):
            candidates.append(projected)
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c[0] - point[0]) ** 2 + (c[1] - point[1]) ** 2)


def nearest_allowed_interval(
    distribution: Distribution, spec: FieldSpec, p5: float, p95: float
) -> tuple[float, float] | None:
    """The 5-95% interval nearest ``(p5, p95)`` whose stretch of ``distribution`` keeps within the key's bounds.

    Nearest on the stretch's scale (in logarithms for lognormals); an
    interval already allowed is given back unchanged. The stretch is kept a
    hair (:data:`BOUND_MARGIN`) inside each bound it would touch.

    Parameters
    ----------
    distribution : Distribution
        The key's distribution now.
    spec : FieldSpec
        The key's declaration: its bounds and model range.
    p5, p95 : float
        The interval asked, ``p5 < p95`` (positive on the log scale).

    Returns
    -------
    tuple of float or None
        The nearest allowed interval, or None when no stretch can keep within
        the bounds (or the distribution has no interval to move).

    Examples
    --------
    >>> margin = field_spec("operations.gross_margin")  # in [0, 1]
    >>> low, high = nearest_allowed_interval(Uniform(0.5, 0.7), margin, 0.1, 0.9)  # support 0.056 to 0.944
    >>> round(low, 6), round(high, 6)
    (0.1, 0.9)
    >>> low, high = nearest_allowed_interval(Uniform(0.5, 0.7), margin, 0.3, 0.99)  # support would pass 1
    >>> round(low, 4), round(high, 4), high + (high - low) / 18 <= 1
    (0.3014, 0.9632, True)
    """
    try:
        if _bounds_problem("", [p5, p95], stretch_to_interval(distribution, p5, p95), spec) is None:
            return p5, p95
    except IntervalError:
        return None
    allowed = _allowed(distribution, spec)
    if allowed is None:
        return None
    nearest = _nearest_point(allowed, (allowed.to_scale(p5), allowed.to_scale(p95)))
    if nearest is None:
        return None
    low, high = allowed.from_scale(nearest[0]), allowed.from_scale(nearest[1])
    return (low, high) if math.isfinite(low) and math.isfinite(high) and low < high else None


def widest_allowed_interval(distribution: Distribution, spec: FieldSpec) -> tuple[float, float] | None:
    """The widest 5-95% interval (on the stretch's scale) whose stretch keeps within the key's bounds.

    None when there is no widest: a side without a bound lets the interval
    widen without end (or no stretch is allowed at all).

    Examples
    --------
    >>> low, high = widest_allowed_interval(Uniform(0.5, 0.7), field_spec("operations.gross_margin"))
    >>> round(low, 6), round(high, 6)  # the uniform on [0, 1]: its 5-95% interval
    (0.05, 0.95)
    >>> widest_allowed_interval(Lognormal(3, 20), field_spec("demand.growth_per_year")) is None
    True
    """
    allowed = _allowed(distribution, spec)
    if allowed is None or not allowed.lower or not allowed.upper:
        return None
    corners = _vertices(allowed)
    if not corners:
        return None
    widest = max(corners, key=lambda corner: corner[1] - corner[0])
    low, high = allowed.from_scale(widest[0]), allowed.from_scale(widest[1])
    return (low, high) if math.isfinite(low) and math.isfinite(high) and low < high else None


# ---------------------------------------------------------------------------
# The dashboard's "intervals" field
# ---------------------------------------------------------------------------


def key_spec(path: str, scenario: Scenario) -> FieldSpec | None:
    """The declaration of a shared key at ``section.key`` in this scenario, or None when there is none.

    A ``policy.*`` key is declared by the scenario's ``[policy]`` kind, so it may be a key of one scenario
    and not of another.
    """
    section, _, key = path.partition(".")
    if section == "policy":
        from frontiersim.scenario.fields import field_specs  # noqa: PLC0415 - only for policy keys

        return field_specs(type(scenario.policy)).get(key)
    if section not in SECTIONS or not key or "." in key:
        return None
    try:
        return field_spec(path)
    except (KeyError, ValueError):
        return None


def _scenario_value(path: str, scenario: Scenario) -> Any:
    """The scenario's value of the shared key at ``section.key``, as it holds it (None when it has none)."""
    section, _, key = path.partition(".")
    holder = scenario.policy if section == "policy" else getattr(scenario, SECTIONS[section][0], None)
    return getattr(holder, key, None)


def scenario_distribution(path: str, scenario: Scenario) -> Distribution | None:
    """The value of the shared key at ``section.key`` (``"demand.growth_per_year"``) if a number or distribution."""
    value = _scenario_value(path, scenario)
    return value if isinstance(value, Distribution) else None


def preset_value(path: str, scenario: Scenario) -> float | Distribution | None:
    """The scenario's value of a numeric shared key: a number or a distribution (None when it is not its key)."""
    if key_spec(path, scenario) is None:
        return None
    value = _scenario_value(path, scenario)
    return value if isinstance(value, Distribution) else float(value)


def bounds_with_units(spec: FieldSpec, *, with_model_range: bool = True) -> str:
    """A key's bounds as :meth:`FieldSpec.bounds_text` gives them, with the key's unit and never in e-notation.

    Examples
    --------
    >>> bounds_with_units(field_spec("demand.growth_per_year"))
    "in (0, 1,000,000 x/year] (the model's range)"
    >>> bounds_with_units(field_spec("operations.gross_margin"))
    'in [0, 1]'
    """
    low, high, low_open, high_open = spec.low, spec.high, spec.low_open, spec.high_open
    if spec.model_range is not None and with_model_range:
        if spec.model_range[0] > low:
            low, low_open = spec.model_range[0], False
        if spec.model_range[1] < high:
            high, high_open = spec.model_range[1], False
    has_low, has_high = math.isfinite(low), math.isfinite(high)
    if has_low and has_high:
        number = plain_number(low) if not spec.unit.startswith("USD") else quantity(low, "USD")
        text = f"in {'(' if low_open else '['}{number}, {quantity(high, spec.unit)}{')' if high_open else ']'}"
    elif has_low:
        text = f"{'>' if low_open else '>='} {quantity(low, spec.unit)}"
    elif has_high:
        text = f"{'<' if high_open else '<='} {quantity(high, spec.unit)}"
    else:
        text = "any value"
    narrowed = (low, high) != (spec.low, spec.high)
    return f"{text} (the model's range)" if narrowed else text


def _support_problem(where: str, asked: Any, stretched: Distribution, spec: FieldSpec) -> Problem | None:
    """A problem when the stretched distribution's support leaves the key's bounds."""
    low, high = stretched.support
    low_ok = low > spec.low or (low == spec.low and (open_below(stretched) or not spec.low_open))
    high_ok = high < spec.high or (high == spec.high and not spec.high_open)
    if low_ok and high_ok:
        return None
    return Problem(
        where,
        f"got {describe_value(asked)}; stretched to that 5-95% interval the distribution becomes "
        f"{describe_distribution(stretched, spec.unit)}, whose values span "
        f"{quantity_range(low, high, spec.unit)}, outside the key's bounds "
        f"({bounds_with_units(spec, with_model_range=False)}): narrow the interval or move it away from the bound",
    )


def _bounds_problem(where: str, asked: Any, stretched: Distribution, spec: FieldSpec) -> Problem | None:
    """A problem when the stretched distribution leaves the key's bounds or model range (None when it keeps to them)."""
    problem = _support_problem(where, asked, stretched, spec)
    if problem is None:
        parsed, found = spec.parse(to_toml_value(stretched), where)
        problem = found[0] if found or parsed is None else None
    return problem


def _moved_within_bounds(current: Distribution, spec: FieldSpec, pair: tuple[float, float]) -> Distribution | None:
    """``current`` stretched to the allowed interval nearest ``pair``, checked as a file would be; None if none is."""
    nearest = nearest_allowed_interval(current, spec, *pair)
    if nearest is None:
        return None
    try:
        moved = stretch_to_interval(current, *nearest, unit=spec.unit)
    except IntervalError:  # pragma: no cover - the nearest interval is ordered and positive on the log scale
        return None
    return moved if _bounds_problem("", list(nearest), moved, spec) is None else None


def _interval_pair(value: Any) -> tuple[float, float] | None:
    """``[p5, p95]`` as two floats, or None when ``value`` is not a list of two finite numbers (booleans are not)."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    numbers = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | float):
            return None
        try:
            number = float(item)
        except OverflowError:
            return None
        if not math.isfinite(number):
            return None
        numbers.append(number)
    return numbers[0], numbers[1]


def apply_intervals(
    mapping: Mapping[str, Any], scenario: Scenario, intervals: Any
) -> tuple[dict[str, Any] | None, list[Problem], list[str]]:
    """The scenario mapping with each key of ``intervals`` stretched to its new 5-95% interval.

    An interval whose stretch would leave the key's bounds (or put its far
    tails outside the key's model range) is moved to the nearest one that
    keeps within them (:func:`nearest_allowed_interval`), and a note says so.
    Refused are only intervals no stretch can have (``p5 >= p95``, numbers
    that are not finite, values outside the key's own values) and keys
    without an interval to move.

    Parameters
    ----------
    mapping : Mapping
        The scenario as nested mappings, as sent (it is not changed).
    scenario : Scenario
        The same scenario, validated: the keys' distributions are read from it.
    intervals : Any
        The request's ``intervals`` field: a JSON object mapping shared keys
        (``"section.key"``) to ``[p5, p95]`` in the key's own unit.

    Returns
    -------
    mapping : dict or None
        A new mapping whose keys hold the stretched distributions as TOML
        tables (:func:`~frontiersim.scenario.distributions.to_toml_value`);
        None when there were problems.
    problems : list of Problem
        One per bad key, with the path ``intervals.<key>``, the value sent
        and what was expected.
    notes : list of str
        One per interval moved within the key's bounds, naming the key, the
        interval asked and the one used, with units.
    """
    if not isinstance(intervals, dict):
        return (
            None,
            [
                Problem(
                    "intervals",
                    f"got {describe_value(intervals)}; expected a JSON object of keys to [p5, p95], "
                    'e.g. {"demand.growth_per_year": [4, 25]}',
                )
            ],
            [],
        )
    updated = {name: dict(table) if isinstance(table, dict) else table for name, table in mapping.items()}
    problems: list[Problem] = []
    notes: list[str] = []
    for path, asked in intervals.items():
        where = f"intervals.{path}"
        spec = key_spec(path, scenario)
        if spec is None or spec.kind != "dist":
            what = "no such key" if spec is None else f"a {spec.kind} key, never uncertain"
            problems.append(
                Problem(where, f"{what}; expected a shared key that may hold a distribution, as section.key")
            )
            continue
        pair = _interval_pair(asked)
        if pair is None:
            problems.append(Problem(where, f"got {describe_value(asked)}; expected [p5, p95], two finite numbers"))
            continue
        current = scenario_distribution(path, scenario)
        if current is None or isinstance(current, Fixed):
            shown = "not set" if current is None else f"the fixed number {quantity(current.value, spec.unit)}"
            problems.append(
                Problem(
                    where,
                    f"got {describe_value(asked)}, but the scenario's {path} is {shown}: only a key holding a "
                    "distribution has an interval to move (give the key a distribution in the scenario instead)",
                )
            )
            continue
        outside = [value for value in pair if spec.parse(value, where)[1]]
        if outside:
            problems.append(
                Problem(
                    where,
                    f"got {describe_value(asked)}; {quantity(outside[0], spec.unit)} is outside the key's values "
                    f"({bounds_with_units(spec)})",
                )
            )
            continue
        try:
            stretched = stretch_to_interval(current, *pair, unit=spec.unit)
        except IntervalError as error:
            problems.append(Problem(where, f"got {describe_value(asked)}; {error}"))
            continue
        problem = _bounds_problem(where, asked, stretched, spec)
        if problem is not None:
            moved = _moved_within_bounds(current, spec, pair)
            if moved is None:
                problems.append(problem)
                continue
            stretched = moved
            notes.append(
                f"{where}: the 5-95% interval {quantity_range(*pair, spec.unit)} would stretch "
                f"{describe_distribution(current, spec.unit)} past the key's bounds "
                f"({bounds_with_units(spec)}); moved to the nearest interval that keeps within them, "
                f"{quantity_range(*interval(stretched), spec.unit)} ({describe_distribution(stretched, spec.unit)})"
            )
        section, _, key = path.partition(".")
        table = updated.setdefault(section, {})
        table[key] = to_toml_value(stretched)
    return (None, problems, []) if problems else (updated, [], notes)


__all__ = [
    "IntervalError",
    "apply_intervals",
    "bounds_with_units",
    "describe_distribution",
    "interval",
    "key_spec",
    "movable_interval",
    "nearest_allowed_interval",
    "preset_value",
    "scenario_distribution",
    "stretch_scale",
    "stretch_to_interval",
    "widest_allowed_interval",
]
