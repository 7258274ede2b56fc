r"""Diffusion of capability into deployed use: Bass and logistic kernels.

The second of the "two exponentials" (Dwarkesh Podcast, "Dario Amodei: We are
near the end of the exponential", 2026-02-13): what a model can do reaches the
economy only as fast as customers adopt it, "not instant, not slow". Adoption
follows the Bass (1969) diffusion model towards a ceiling :math:`M` (the value
the current capability could address),

.. math:: \frac{dF}{dt} = \left(p + q \frac{F}{M}\right)(M - F),

with innovation coefficient :math:`p` and imitation coefficient :math:`q`
(per year). The ceiling moves as capability improves; the step kernel holds it
at its new value over each step and solves the equation exactly there, so with
a fixed ceiling it reproduces the closed form to rounding.

Enterprise and consumer demand diffuse differently: enterprise is slower
(legal, security and compliance review, change management) but more
predictable and carries better margins; consumer demand is fickle (Dwarkesh
Podcast, 2026-02-13; Cheeky Pint with John Collison, "Anthropic CEO Dario
Amodei on designing AGI-pilled products, model economics, and 19th-century
vitalism", 2025-08-06; news interview at the World Economic Forum, Davos,
2026-01). :class:`Segment` carries those parameters and
:func:`combine_segments` adds segments up.

All functions are pure and vectorized: arguments broadcast against each other.

References
----------
.. [1] Bass, F. M. (1969). A new product growth for model consumer durables.
   Management Science 15(5), 215-227.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from frontiersim.scenario.distributions import Distribution
from frontiersim.scenario.schema import ConsumerSegmentSpec, EnterpriseSegmentSpec, SegmentSpec

FloatArray = NDArray[np.float64]


def _f64(values: ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def bass_adoption_closed_form(t_years: ArrayLike, p: ArrayLike, q: ArrayLike) -> FloatArray:
    r"""Cumulative Bass adoption share after ``t_years`` from zero adoption.

    Parameters
    ----------
    t_years : array_like
        Time since launch, years (>= 0).
    p : array_like
        Innovation coefficient, 1/year (> 0).
    q : array_like
        Imitation coefficient, 1/year (>= 0).

    Returns
    -------
    ndarray
        Adopted share of the ceiling,

        .. math:: F(t) = \frac{1 - e^{-(p+q)t}}{1 + (q/p)\, e^{-(p+q)t}}

        (Bass 1969), in :math:`[0, 1)`.
    """
    t, pp, qq = _f64(t_years), _f64(p), _f64(q)
    decay = np.exp(-(pp + qq) * t)
    out: FloatArray = (1.0 - decay) / (1.0 + (qq / pp) * decay)
    return out


def bass_step(
    adopted_share: ArrayLike, ceiling: ArrayLike, p: ArrayLike, q: ArrayLike, dt_years: ArrayLike
) -> FloatArray:
    r"""Advance Bass adoption by ``dt_years`` towards a (possibly moved) ceiling.

    Parameters
    ----------
    adopted_share : array_like
        Adoption :math:`F` at the start of the step, in the same units as
        ``ceiling`` (a share when the ceiling is 1, USD/year when the ceiling
        is addressable value). Must be >= 0.
    ceiling : array_like
        Ceiling :math:`M` over the step, same units (>= 0). Where it is 0 the
        result is 0.
    p, q : array_like
        Innovation and imitation coefficients, 1/year (>= 0).
    dt_years : array_like
        Step length, years.

    Returns
    -------
    ndarray
        Adoption at the end of the step, same units as ``ceiling``.

    Notes
    -----
    Solves :math:`dF/dt = (p + qF/M)(M - F)` exactly with :math:`M` held
    fixed over the step. With :math:`f = F/M` and :math:`k = e^{-(p+q)\Delta t}`,

    .. math:: f' = \frac{p + q f - p (1 - f) k}{p + q f + q (1 - f) k},

    which is the closed form :func:`bass_adoption_closed_form` restarted from
    :math:`f` (so monthly steps with a fixed ceiling equal the closed form to
    rounding, ~1e-15 relative). With :math:`p = 0` it is the exact logistic
    step. If the ceiling fell below adoption (:math:`f > 1`) adoption decays
    towards the ceiling along the same equation. Where numerator and
    denominator are both 0 (:math:`p = 0` and :math:`f = 0`: nobody to
    imitate) adoption stays at 0.
    """
    adopted, cap = _f64(adopted_share), _f64(ceiling)
    pp, qq, dt = _f64(p), _f64(q), _f64(dt_years)
    positive = cap > 0.0
    safe_cap = np.where(positive, cap, 1.0)
    f = adopted / safe_cap
    k = np.exp(-(pp + qq) * dt)
    numerator = pp + qq * f - pp * (1.0 - f) * k
    denominator = pp + qq * f + qq * (1.0 - f) * k
    stuck = denominator <= 0.0
    f_next = np.where(stuck, f, numerator / np.where(stuck, 1.0, denominator))
    out: FloatArray = np.where(positive, f_next * safe_cap, 0.0)
    return out


@dataclass(frozen=True, eq=False)
class Segment:
    """A customer segment with its own diffusion, noise and margin.

    Every numeric attribute is a float or an array of per-draw values.

    Attributes
    ----------
    name : str
        Label, e.g. ``"enterprise"``.
    innovation_per_year : float or ndarray
        Bass :math:`p`, 1/year.
    imitation_per_year : float or ndarray
        Bass :math:`q`, 1/year.
    volatility_per_sqrt_year : float or ndarray
        Volatility of the segment's log demand, 1/sqrt(year).
    gross_margin : float or ndarray
        Gross margin on the segment's revenue, in [0, 1].
    value_share : float or ndarray
        Share of the addressable value that belongs to the segment; the shares
        of the segments used together should add up to 1.
    """

    name: str
    innovation_per_year: float | FloatArray
    imitation_per_year: float | FloatArray
    volatility_per_sqrt_year: float | FloatArray
    gross_margin: float | FloatArray
    value_share: float | FloatArray

    def __post_init__(self) -> None:
        def outside(values: float | FloatArray, low: float, high: float = np.inf) -> bool:
            arr = _f64(values)
            return bool(np.any(np.isnan(arr)) or np.any(arr < low) or np.any(arr > high))

        if outside(self.innovation_per_year, 0.0) or outside(self.imitation_per_year, 0.0):
            raise ValueError(f"segment {self.name!r}: Bass coefficients must be >= 0")
        if outside(self.volatility_per_sqrt_year, 0.0):
            raise ValueError(f"segment {self.name!r}: volatility must be >= 0")
        if outside(self.gross_margin, 0.0, 1.0):
            raise ValueError(f"segment {self.name!r}: gross margin must be in [0, 1]")
        if outside(self.value_share, 0.0, 1.0):
            raise ValueError(f"segment {self.name!r}: value share must be in [0, 1]")


def segment_from_spec(name: str, spec: SegmentSpec) -> Segment:
    """The :class:`Segment` of a scenario's segment section at the medians of its distributions.

    Parameters
    ----------
    name : str
    spec : SegmentSpec
        E.g. ``scenario.capability.segments.enterprise``.

    Returns
    -------
    Segment
        With float attributes.
    """

    def median(distribution: Distribution) -> float:
        return float(distribution.ppf(0.5))

    return Segment(
        name,
        innovation_per_year=median(spec.innovation_per_year),
        imitation_per_year=median(spec.imitation_per_year),
        volatility_per_sqrt_year=median(spec.volatility_per_sqrt_year),
        gross_margin=median(spec.gross_margin),
        value_share=spec.value_share,
    )


#: Enterprise: slower to start (review and change management: Dwarkesh Podcast,
#: 2026-02-13; Cheeky Pint with John Collison, 2025-08-06), steadier and with
#: better margins (Dwarkesh Podcast, 2026-02-13; Davos, 2026-01). The defaults of
#: ``[capability.segments.enterprise]`` (sources: ``frontiersim defaults``).
ENTERPRISE = segment_from_spec("enterprise", EnterpriseSegmentSpec())

#: Consumer: quicker to try, fickle, thinner margins (Dwarkesh Podcast,
#: 2026-02-13; Davos, 2026-01). The defaults of ``[capability.segments.consumer]``.
CONSUMER = segment_from_spec("consumer", ConsumerSegmentSpec())

#: The default split of addressable value: enterprise and consumer.
DEFAULT_SEGMENTS: tuple[Segment, ...] = (ENTERPRISE, CONSUMER)


@dataclass(frozen=True)
class SegmentTotals:
    r"""Segments added up.

    Attributes
    ----------
    adopted : ndarray
        Total adoption, units of the inputs.
    gross_margin : ndarray
        Adoption-weighted gross margin (the plain value-share-weighted
        margin where nothing is adopted).
    volatility_per_sqrt_year : ndarray
        Volatility of total log demand for independent segment shocks,
        :math:`\sqrt{\sum_i (w_i \sigma_i)^2}` with adoption weights
        :math:`w_i` (first order in the shocks).
    """

    adopted: FloatArray
    gross_margin: FloatArray
    volatility_per_sqrt_year: FloatArray


def combine_segments(adopted_by_segment: Sequence[ArrayLike], segments: Sequence[Segment]) -> SegmentTotals:
    r"""Add segment adoptions up into total demand, margin and volatility.

    Parameters
    ----------
    adopted_by_segment : sequence of array_like
        Adoption of each segment (same units, mutually broadcastable shapes).
    segments : sequence of Segment
        The segments, in the same order.

    Returns
    -------
    SegmentTotals
        Total :math:`F = \sum_i F_i`, margin :math:`\sum_i w_i m_i` (kept
        within the segments' smallest and largest margins despite rounding) and
        volatility :math:`\sqrt{\sum_i w_i^2 \sigma_i^2}` with
        :math:`w_i = F_i / F` (value shares where :math:`F = 0`).
        Segment attributes may be per-draw arrays that broadcast against the
        adoptions.
    """
    if len(adopted_by_segment) != len(segments) or not segments:
        raise ValueError("need one adoption array per segment, and at least one segment")
    levels = np.broadcast_arrays(*[_f64(a) for a in adopted_by_segment])
    stacked = np.stack(levels)
    total = stacked.sum(axis=0)

    def per_segment(values: Sequence[float | FloatArray]) -> FloatArray:
        return np.stack([np.broadcast_to(_f64(v), total.shape) for v in values])

    shares = per_segment([s.value_share for s in segments])
    share_sum = shares.sum(axis=0)
    fallback = np.where(share_sum > 0, shares / np.where(share_sum > 0, share_sum, 1.0), 1.0 / len(segments))
    positive = total > 0.0
    weights = np.where(positive, stacked / np.where(positive, total, 1.0), fallback)
    margins = per_segment([s.gross_margin for s in segments])
    vols = per_segment([s.volatility_per_sqrt_year for s in segments])
    # A weighted mean lies between the smallest and largest margin; clipping keeps rounding from leaving
    # that range (two margins of 1 must not average to 1 + 2e-16, a negative cost of revenue).
    margin = np.clip((weights * margins).sum(axis=0), margins.min(axis=0), margins.max(axis=0))
    return SegmentTotals(
        adopted=total,
        gross_margin=margin,
        volatility_per_sqrt_year=np.sqrt(((weights * vols) ** 2).sum(axis=0)),
    )


def segment_adoption_closed_form(t_years: ArrayLike, segments: Sequence[Segment]) -> FloatArray:
    r"""Total adopted share of a fixed ceiling, from zero, summed over segments.

    Parameters
    ----------
    t_years : array_like
        Time since launch, years.
    segments : sequence of Segment
        Segments with :math:`p > 0`.

    Returns
    -------
    ndarray
        :math:`\sum_i s_i F(t; p_i, q_i)` with value shares :math:`s_i`.
    """
    t = _f64(t_years)
    total = np.zeros_like(t)
    for s in segments:
        total = total + s.value_share * bass_adoption_closed_form(t, s.innovation_per_year, s.imitation_per_year)
    return total
