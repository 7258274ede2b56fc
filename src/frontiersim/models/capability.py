r"""The capability exponential: compute in, capability and addressable value out.

Capability grows with the log of effective training compute (Dwarkesh
Podcast, "Dario Amodei: We are near the end of the exponential", 2026-02-13):
"the big blob of compute". Effective compute is physical compute times an
algorithmic efficiency that halves the compute needed for a given capability
every few months (Ho et al. 2024 estimate ~8 months for language models).
Data, compute and model size act like reagents (conversation with Nikhil
Kamath, Bengaluru, 2026-02; Lex Fridman Podcast #452, 2024-11): scaling one
alone runs short of the others, which
:func:`frontiersim.experimental.kernels.reagents_capability` models with a CES
aggregate (not yet part of the month) that reduces to the log-linear form
when the inputs are scaled together.

:class:`CapabilityDemand` closes the loop of the first two exponentials: the
lab's training compute raises capability, capability raises the value the
models could address (10x training spend moves one tier, and customers value a
tier at ~10x: Cheeky Pint with John Collison, "Anthropic CEO Dario Amodei on
designing AGI-pilled products, model economics, and 19th-century vitalism",
2025-08-06), and that value diffuses into deployed demand
(:mod:`frontiersim.models.diffusion`). It implements
:class:`~frontiersim.models.demand.DemandDriver`.

All kernels are pure and vectorized over draws.

References
----------
.. [1] Ho, A., Besiroglu, T., Erdil, E., Owen, D., Rahman, R., Guo, Z. C.,
   Atkinson, D., Thompson, N. and Sevilla, J. (2024). Algorithmic progress in
   language models. arXiv:2403.05812.
.. [2] Kaplan, J. et al. (2020). Scaling laws for neural language models.
   arXiv:2001.08361.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from frontiersim.models.demand import log_random_walk
from frontiersim.models.diffusion import DEFAULT_SEGMENTS, Segment, bass_step, combine_segments
from frontiersim.models.ranges import ModelRangeError
from frontiersim.scenario.schema import DEFAULT_MILESTONE_LADDER

FloatArray = NDArray[np.float64]


def _f64(values: ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def effective_compute(physical_flop: ArrayLike, months: ArrayLike, efficiency_doubling_months: ArrayLike) -> FloatArray:
    r"""Physical compute scaled by algorithmic efficiency gained after ``months``.

    Parameters
    ----------
    physical_flop : array_like
        Physical training compute, FLOP.
    months : array_like
        Months of algorithmic progress since the reference date.
    efficiency_doubling_months : array_like
        Months for the compute needed for a given capability to halve
        (> 0; ~8 months for language models, Ho et al. 2024).

    Returns
    -------
    ndarray
        Effective compute, FLOP at reference-date efficiency,

        .. math:: C_{\text{eff}} = C \cdot 2^{t / T_{1/2}}.
    """
    out: FloatArray = _f64(physical_flop) * np.exp2(_f64(months) / _f64(efficiency_doubling_months))
    return out


def capability_index(effective_flop: ArrayLike, reference_flop: ArrayLike, slope_per_decade: ArrayLike) -> FloatArray:
    r"""Log-linear capability of effective compute.

    Parameters
    ----------
    effective_flop : array_like
        Effective training compute, FLOP (>= 0).
    reference_flop : array_like
        Effective compute of the reference model (index 0), FLOP (> 0).
    slope_per_decade : array_like
        Index gained per 10x effective compute (1 = one tier per 10x training
        spend, Cheeky Pint with John Collison, 2025-08-06).

    Returns
    -------
    ndarray
        .. math:: I = s \log_{10}(C_{\text{eff}} / C_{\text{ref}})

        (performance grows with the log of compute, Dwarkesh Podcast,
        2026-02-13; Kaplan et al. 2020). ``-inf`` for zero compute.
    """
    with np.errstate(divide="ignore"):
        out: FloatArray = _f64(slope_per_decade) * np.log10(_f64(effective_flop) / _f64(reference_flop))
    return out


def milestone_arrival_months(index_path: ArrayLike, thresholds: Mapping[str, float]) -> dict[str, NDArray[np.int64]]:
    """First month each capability milestone is reached, per draw.

    Parameters
    ----------
    index_path : array_like, shape (draws, months)
        Capability index by month.
    thresholds : mapping of str to float
        Milestone name -> capability index at which it is reached.

    Returns
    -------
    dict of str to ndarray of int, each (draws,)
        First month ``t`` with ``index_path[:, t] >= threshold``; ``-1`` if
        the milestone is never reached within the path. A path that starts
        above the threshold reaches it in month 0.
    """
    path = _f64(index_path)
    if path.ndim != 2:
        raise ValueError("index_path must have shape (draws, months)")
    out: dict[str, NDArray[np.int64]] = {}
    for name, threshold in thresholds.items():
        reached = path >= threshold
        first = np.argmax(reached, axis=1).astype(np.int64)
        out[name] = np.where(reached.any(axis=1), first, np.int64(-1))
    return out


#: The milestone ladder of the interviews (Dwarkesh Podcast, 2026-02-13; Lex
#: Fridman Podcast #452, 2024-11), as capability-index thresholds in tiers above
#: the frontier model at the start (index 0; one tier = one decade of effective
#: compute at ``slope_per_decade = 1``): the default of
#: ``[capability.milestones]``. The names are the interviews'; the threshold
#: values are assumptions (sources: ``frontiersim defaults``).
DEFAULT_MILESTONES: Mapping[str, float] = MappingProxyType(dict(DEFAULT_MILESTONE_LADDER))


def frontier_index(
    months: ArrayLike,
    frontier_compute_growth_per_year: ArrayLike,
    efficiency_doubling_months: ArrayLike,
    slope_per_decade: ArrayLike,
) -> FloatArray:
    r"""Capability index of the rival labs at the industry frontier.

    Parameters
    ----------
    months : array_like
        Months since the start.
    frontier_compute_growth_per_year : array_like
        Yearly multiplier :math:`g` of the rivals' physical training compute
        (~4.9, Epoch AI top-10-at-release trend).
    efficiency_doubling_months, slope_per_decade : array_like
        As in :func:`effective_compute` and :func:`capability_index`.

    Returns
    -------
    ndarray
        .. math:: I^F_t = s \log_{10}\big(g^{t/12}\, 2^{t/T_{1/2}}\big)

        The rivals start level with the lab (index 0) and share its
        algorithmic efficiency.
    """
    t = _f64(months)
    log10_growth = t / 12.0 * np.log10(_f64(frontier_compute_growth_per_year))
    out: FloatArray = _f64(slope_per_decade) * (log10_growth + t / _f64(efficiency_doubling_months) * np.log10(2.0))
    return out


def log_competitive_share(gap_tiers: ArrayLike, log_value_multiple_per_tier: ArrayLike, rival_labs: int) -> FloatArray:
    r"""Log of the lab's share of its market relative to the share it has level with its rivals.

    Parameters
    ----------
    gap_tiers : array_like
        The lab's capability index minus the rivals' :math:`\Delta = I - I^F`,
        tiers (negative when the lab is behind).
    log_value_multiple_per_tier : array_like
        :math:`\ln m`, log of the value multiple per tier.
    rival_labs : int
        Number :math:`k \ge 0` of rivals at the frontier.

    Returns
    -------
    ndarray
        :math:`\ln c` with

        .. math:: c = \frac{k + 1}{1 + k\, m^{-\Delta}},

        the logit share :math:`m^{I} / (m^{I} + k\, m^{I^F})` of a customer
        choosing among the lab and :math:`k` rivals with value :math:`m` per
        tier, divided by its value :math:`1/(k+1)` at parity. :math:`c = 1`
        level with the rivals or without any (:math:`k = 0`), tends to
        :math:`k + 1` (the whole market) far ahead and to
        :math:`(k+1) m^{\Delta} / k` far behind. Computed with
        ``logaddexp``, finite for any finite gap.
    """
    if rival_labs < 0:
        raise ValueError(f"rival_labs must be >= 0, got {rival_labs}")
    gap = _f64(gap_tiers)
    if rival_labs == 0:
        return np.zeros_like(gap * _f64(log_value_multiple_per_tier))
    out: FloatArray = np.log(rival_labs + 1.0) - np.logaddexp(
        0.0, np.log(float(rival_labs)) - _f64(log_value_multiple_per_tier) * gap
    )
    return out


class CapabilityDemand:
    r"""Demand driven by the lab's own training compute through capability and diffusion.

    Parameters
    ----------
    initial_training_flop : array_like, shape (draws,) or scalar
        Physical training compute behind the frontier model at month 0, FLOP
        (> 0). It is also the reference: the capability index is 0 at month 0.
    flop_per_gw_month : array_like
        Frontier-run training compute delivered by 1 GW of training capacity
        over one month, FLOP/(GW month).
    efficiency_doubling_months : array_like
        Algorithmic-efficiency doubling time, months (~8, Ho et al. 2024).
    slope_per_decade : array_like
        Capability index per 10x effective compute.
    initial_addressable_usd_per_year : array_like
        Value the month-0 capability could address if fully deployed, USD/year.
    value_multiple_per_tier : array_like
        Multiple of addressable value per capability index unit (~10, Cheeky
        Pint with John Collison, 2025-08-06: 10x spend ~ one tier ~ 10x value).
    initial_deployed_usd_per_year : array_like
        Deployed demand at month 0, USD/year (> 0). The initial overhang is
        addressable / deployed (~10, news interview at the World Economic
        Forum, Davos, 2026-01).
    draws : int
        Number of draws; scalar parameters are broadcast to ``(draws,)``.
    segments : sequence of Segment
        Customer segments; each diffuses towards its ``value_share`` of the
        addressable value with its own Bass coefficients (floats or per-draw
        arrays).
    frontier_compute_growth_per_year : array_like, optional
        Yearly multiplier of the rival labs' physical training compute
        (:func:`frontier_index`; ~4.9, Epoch AI). Unused without rivals.
    rival_labs : int, optional
        Rivals at the industry frontier (:func:`log_competitive_share`);
        0 (the default) leaves the lab alone with its market.

    Notes
    -----
    In month :math:`t` with cumulative physical training compute
    :math:`C_t = C_0 + \kappa \sum_{s<t} G_s` (:math:`G_s` training GW,
    :math:`\kappa` FLOP per GW-month):

    .. math::

        I_t &= s \log_{10}\big(C_t 2^{t/T_{1/2}} / C_0\big),
        \qquad I^F_t = s \log_{10}\big(g^{t/12} 2^{t/T_{1/2}}\big) \\
        A_t &= A_0\, m^{I_t}\, c(I_t - I^F_t),
        \qquad c(\Delta) = \frac{k+1}{1 + k\, m^{-\Delta}} \\
        F_{i,t} &= \text{bass\_step}(F_{i,t-1},\ w_i A_t,\ p_i,\ q_i,\ 1/12) \\
        D_t &= \textstyle\sum_i F_{i,t},\qquad \text{overhang}_t = A_t / D_t

    Capability is that of the cumulative compute at today's algorithmic
    efficiency, so it keeps improving (slowly) without new training. The
    competitive factor :math:`c` is the lab's logit share of customers against
    :math:`k` rivals relative to its share at parity (1 at the start, where
    the rivals are level with the lab). Demand is increasing in training
    compute: :math:`A_t` increases with :math:`I_t` (both factors do), and
    the Bass flow increases with both its ceiling and its starting point.
    Deterministic given the parameters; noise is left to the caller
    (:class:`SegmentedDemand`).

    Attributes
    ----------
    capability_index_history, frontier_gap_history, addressable_usd_per_year_history,
    deployed_usd_per_year_history, overhang_history : list of ndarray
        One ``(draws,)`` array per month stepped so far (the gap is
        :math:`I_t - I^F_t`, tiers).
    deployed_by_segment : list of ndarray
        This month's deployed demand of each segment, USD/year.
    """

    def __init__(
        self,
        initial_training_flop: ArrayLike,
        flop_per_gw_month: ArrayLike,
        efficiency_doubling_months: ArrayLike,
        slope_per_decade: ArrayLike,
        initial_addressable_usd_per_year: ArrayLike,
        value_multiple_per_tier: ArrayLike,
        initial_deployed_usd_per_year: ArrayLike,
        draws: int,
        segments: Sequence[Segment] = DEFAULT_SEGMENTS,
        frontier_compute_growth_per_year: ArrayLike = 1.0,
        rival_labs: int = 0,
    ) -> None:
        def per_draw(values: ArrayLike, name: str, *, positive: bool) -> FloatArray:
            arr = np.broadcast_to(_f64(values), (draws,)).copy()
            if not np.all(np.isfinite(arr)):
                raise ModelRangeError(f"{name} must be finite and {'> 0' if positive else '>= 0'}")
            if np.any(arr <= 0 if positive else arr < 0):
                raise ValueError(f"{name} must be finite and {'> 0' if positive else '>= 0'}")
            return arr

        if not segments:
            raise ValueError("need at least one segment")
        if rival_labs < 0:
            raise ValueError(f"rival_labs must be >= 0, got {rival_labs}")
        self.draws = draws
        self.segments: tuple[Segment, ...] = tuple(segments)
        self.rival_labs = rival_labs
        self.reference_flop = per_draw(initial_training_flop, "initial_training_flop", positive=True)
        self.flop_per_gw_month = per_draw(flop_per_gw_month, "flop_per_gw_month", positive=False)
        self.efficiency_doubling_months = per_draw(
            efficiency_doubling_months, "efficiency_doubling_months", positive=True
        )
        self.slope_per_decade = per_draw(slope_per_decade, "slope_per_decade", positive=False)
        self.initial_addressable_usd_per_year = per_draw(
            initial_addressable_usd_per_year, "initial_addressable_usd_per_year", positive=True
        )
        self.log_value_multiple_per_tier = np.log(
            per_draw(value_multiple_per_tier, "value_multiple_per_tier", positive=True)
        )
        self.frontier_compute_growth_per_year = per_draw(
            frontier_compute_growth_per_year, "frontier_compute_growth_per_year", positive=True
        )
        deployed = per_draw(initial_deployed_usd_per_year, "initial_deployed_usd_per_year", positive=True)
        shares = np.stack([np.broadcast_to(_f64(s.value_share), (draws,)) for s in self.segments])
        if np.any(shares.sum(axis=0) <= 0):
            raise ValueError("segment value shares must add up to more than 0")
        split = shares / shares.sum(axis=0)
        self.cumulative_training_flop: FloatArray = self.reference_flop.copy()
        self.deployed_by_segment: list[FloatArray] = [deployed * share for share in split]
        self.capability_index_history: list[FloatArray] = []
        self.frontier_gap_history: list[FloatArray] = []
        self.addressable_usd_per_year_history: list[FloatArray] = []
        self.deployed_usd_per_year_history: list[FloatArray] = []
        self.overhang_history: list[FloatArray] = []
        self._next_month = 0

    def demand_usd_per_year(self, month: int, training_gw_last_month: FloatArray) -> FloatArray:
        """Deployed demand in ``month``, USD/year (see :class:`~frontiersim.models.demand.DemandDriver`)."""
        if month != self._next_month:
            raise ValueError(f"CapabilityDemand must be stepped in order: expected month {self._next_month}")
        self._next_month += 1
        training = np.maximum(np.nan_to_num(_f64(training_gw_last_month), nan=0.0), 0.0)
        self.cumulative_training_flop = self.cumulative_training_flop + training * self.flop_per_gw_month
        effective = effective_compute(self.cumulative_training_flop, month, self.efficiency_doubling_months)
        index = capability_index(effective, self.reference_flop, self.slope_per_decade)
        gap = index - frontier_index(
            month, self.frontier_compute_growth_per_year, self.efficiency_doubling_months, self.slope_per_decade
        )
        log_share = log_competitive_share(gap, self.log_value_multiple_per_tier, self.rival_labs)
        addressable = self.initial_addressable_usd_per_year * np.exp(
            index * self.log_value_multiple_per_tier + log_share
        )
        if month > 0:
            self.deployed_by_segment = [
                bass_step(level, s.value_share * addressable, s.innovation_per_year, s.imitation_per_year, 1.0 / 12.0)
                for level, s in zip(self.deployed_by_segment, self.segments, strict=True)
            ]
        deployed: FloatArray = np.sum(self.deployed_by_segment, axis=0)
        self.capability_index_history.append(index)
        self.frontier_gap_history.append(gap)
        self.addressable_usd_per_year_history.append(addressable)
        self.deployed_usd_per_year_history.append(deployed)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.overhang_history.append(np.where(deployed > 0, addressable / deployed, np.inf))
        return deployed

    @property
    def capability_index_path(self) -> FloatArray:
        """Capability index so far, shape ``(draws, months)``."""
        return _stack(self.capability_index_history, self.draws)

    @property
    def frontier_gap_path(self) -> FloatArray:
        """The lab's index minus the rival labs', tiers, shape ``(draws, months)``."""
        return _stack(self.frontier_gap_history, self.draws)

    @property
    def overhang_path(self) -> FloatArray:
        """Addressable over deployed value so far, shape ``(draws, months)``."""
        return _stack(self.overhang_history, self.draws)


def revenue_weighted_margin(demand_by_segment: Sequence[ArrayLike], segments: Sequence[Segment]) -> FloatArray:
    r"""The lab's gross margin: the segments' margins weighted by their revenue.

    Parameters
    ----------
    demand_by_segment : sequence of array_like
        Each segment's demand (or revenue), USD/year, same shapes.
    segments : sequence of Segment
        The segments, in the same order; ``gross_margin`` and ``value_share``
        may be per-draw arrays.

    Returns
    -------
    ndarray
        .. math:: m = \frac{\sum_i R_i m_i}{\sum_i R_i}

        (value-share weights where no segment has revenue). Revenue served
        short of demand is served pro rata across segments, so demand weights
        are revenue weights. Since inference cost is :math:`R_i (1 - m_i)`
        per segment, :math:`m` is exactly the margin of the lab's total:
        :math:`\sum_i R_i (1 - m_i) = R (1 - m)` (the definition of gross
        margin as 1 - cost of revenue / revenue, e.g. Horngren et al.,
        *Cost Accounting*, ch. 3). It lies between the smallest and the largest
        segment margin and rises when revenue shifts to a higher-margin segment.
    """
    return combine_segments(demand_by_segment, segments).gross_margin


class SegmentedDemand:
    r"""Capability-driven demand with each segment's own noise, capped, and the lab's gross margin.

    Parameters
    ----------
    driver : CapabilityDemand
        The noiseless driver; its segments carry the volatilities and margins.
    log_shocks_by_segment : sequence of ndarray, each (draws, months)
        Standard normal shocks, one array per segment.
    ceiling_usd_per_year : float
        Upper bound on total demand, USD/year.

    Notes
    -----
    Segment :math:`i`'s demand is its deployed value times its own lognormal
    random walk, :math:`D_{i,t} = F_{i,t} \exp\big(\sigma_i/\sqrt{12}
    \sum_{s=1}^{t} z_{i,s}\big)` (the same walk as
    :class:`~frontiersim.models.demand.GrowthDemand`, independent across
    segments); demand is :math:`D_t = \min(\sum_i D_{i,t}, \bar D)`, and the
    month's gross margin :attr:`gross_margin` is
    :func:`revenue_weighted_margin` of the :math:`D_{i,t}` (the ceiling
    scales every segment alike, so it leaves the weights unchanged).
    """

    def __init__(
        self,
        driver: CapabilityDemand,
        log_shocks_by_segment: Sequence[FloatArray],
        ceiling_usd_per_year: float = np.inf,
    ) -> None:
        if len(log_shocks_by_segment) != len(driver.segments):
            raise ValueError("need one shock array per segment")
        self.driver = driver
        self.ceiling_usd_per_year = ceiling_usd_per_year
        self._log_noise_by_month: list[FloatArray] = [
            np.ascontiguousarray(
                log_random_walk(np.broadcast_to(_f64(s.volatility_per_sqrt_year), (driver.draws,)), shocks).T
            )
            for s, shocks in zip(driver.segments, log_shocks_by_segment, strict=True)
        ]
        self.gross_margin: FloatArray = np.full(driver.draws, np.nan)

    def demand_usd_per_year(self, month: int, training_gw_last_month: FloatArray) -> FloatArray:
        """Total demand in ``month``, USD/year; sets :attr:`gross_margin` for the month."""
        self.driver.demand_usd_per_year(month, training_gw_last_month)
        with np.errstate(over="ignore", invalid="ignore"):
            levels = [
                level * np.exp(noise[month])  # exp(0) = 1 exactly: noiseless segments keep their values
                for level, noise in zip(self.driver.deployed_by_segment, self._log_noise_by_month, strict=True)
            ]
            total = np.sum(levels, axis=0)
        finite = np.isfinite(total)
        # A level that overflowed dominates: weight the infinite segments equally.
        weights_input = levels if finite.all() else [np.where(finite, x, np.isinf(x).astype(float)) for x in levels]
        self.gross_margin = revenue_weighted_margin(weights_input, self.driver.segments)
        demand: FloatArray = np.minimum(total, self.ceiling_usd_per_year)
        return demand


def _stack(history: list[FloatArray], draws: int) -> FloatArray:
    if not history:
        return np.empty((draws, 0))
    out: FloatArray = np.stack(history, axis=1)
    return out
