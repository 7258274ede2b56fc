r"""The capability exponential: compute in, capability and addressable value out.

Capability grows with the log of effective training compute (brief s1, 000):
"the big blob of compute". Effective compute is physical compute times an
algorithmic efficiency that halves the compute needed for a given capability
every few months (Ho et al. 2024 estimate ~8 months for language models).
Data, compute and model size act like reagents (brief s1, 003, 004): scaling
one alone runs short of the others, which :func:`reagents_capability` models
with a CES aggregate that reduces to the log-linear form when the inputs are
scaled together.

:class:`CapabilityDemand` closes the loop of the first two exponentials: the
lab's training compute raises capability, capability raises the value the
models could address (10x training spend moves one tier, and customers value a
tier at ~10x, brief s1, 001), and that value diffuses into deployed demand
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

from frontiersim.models.diffusion import DEFAULT_SEGMENTS, Segment, bass_step

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
        spend, brief s1, 001).

    Returns
    -------
    ndarray
        .. math:: I = s \log_{10}(C_{\text{eff}} / C_{\text{ref}})

        (performance grows with the log of compute, brief s1, 000; Kaplan et
        al. 2020). ``-inf`` for zero compute.
    """
    with np.errstate(divide="ignore"):
        out: FloatArray = _f64(slope_per_decade) * np.log10(_f64(effective_flop) / _f64(reference_flop))
    return out


def reagents_capability(
    compute: ArrayLike,
    data: ArrayLike,
    parameters: ArrayLike,
    weights: Sequence[float] = (1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0),
    rho: float = -1.0,
    slope_per_decade: ArrayLike = 1.0,
) -> FloatArray:
    r"""Capability when compute, data and model size are complementary reagents.

    Parameters
    ----------
    compute, data, parameters : array_like
        Each input as a multiple of its amount in the reference (index 0)
        recipe, dimensionless (>= 0). For compute this is
        :math:`C_{\text{eff}} / C_{\text{ref}}`; data and parameters are
        measured the same way against the balanced recipe.
    weights : sequence of 3 floats
        CES weights :math:`w_i > 0`; normalised to add up to 1.
    rho : float
        CES exponent :math:`\rho \le 1`. ``-inf`` is the minimum (Leontief:
        the scarcest reagent binds), 0 is Cobb-Douglas, 1 is perfect
        substitutes. Elasticity of substitution :math:`1 / (1 - \rho)`.
    slope_per_decade : array_like
        Index gained per 10x of the aggregate, as in :func:`capability_index`.

    Returns
    -------
    ndarray
        .. math:: I = s \log_{10} X, \quad
                  X = \Big(\sum_i w_i x_i^{\rho}\Big)^{1/\rho}

        (:math:`X = \prod_i x_i^{w_i}` at :math:`\rho = 0`,
        :math:`\min_i x_i` at :math:`\rho = -\infty`).

    Notes
    -----
    :math:`X` is homogeneous of degree one, so with unconstrained reagents
    (all scaled by the same :math:`x`) :math:`I = s \log_{10} x`: exactly the
    log-linear :func:`capability_index`. With :math:`\rho < 0`, scaling one
    input alone saturates: :math:`X \to w_j^{1/\rho}\,\cdot` (the others) as
    that input grows (brief s1, 003, 004).
    """
    w = _f64(weights)
    if w.shape != (3,) or np.any(w <= 0):
        raise ValueError("weights must be three positive numbers")
    if rho > 1:
        raise ValueError("rho must be <= 1")
    w = w / w.sum()
    with np.errstate(divide="ignore"):
        logs = np.stack(np.broadcast_arrays(*[np.log(_f64(x)) for x in (compute, data, parameters)]))
    expand = (slice(None),) + (None,) * (logs.ndim - 1)
    if np.isneginf(rho):
        log_aggregate = logs.min(axis=0)
    elif rho == 0.0:
        with np.errstate(invalid="ignore"):
            log_aggregate = (w[expand] * logs).sum(axis=0)
        log_aggregate = np.where(np.isneginf(logs).any(axis=0), -np.inf, log_aggregate)
    else:
        # log-sum-exp: (1/rho) log sum_i w_i exp(rho log x_i), stable for large inputs
        scaled = rho * logs
        top = scaled.max(axis=0)
        safe_top = np.where(np.isfinite(top), top, 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            inner = (w[expand] * np.exp(scaled - safe_top)).sum(axis=0)
            log_aggregate = (safe_top + np.log(inner)) / rho
        if rho < 0:  # any zero input makes the aggregate zero
            log_aggregate = np.where(np.isneginf(logs).any(axis=0), -np.inf, log_aggregate)
        else:  # only all-zero inputs do
            log_aggregate = np.where(np.isneginf(logs).all(axis=0), -np.inf, log_aggregate)
    out: FloatArray = _f64(slope_per_decade) * log_aggregate / np.log(10.0)
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


#: The milestone ladder of brief s1 (000, 004), as capability-index thresholds
#: in tiers above the frontier model at the start (index 0; one tier = one
#: decade of effective compute at ``slope_per_decade = 1``). The threshold
#: values are ASSUMPTIONS chosen so the ladder is ordered and the last rung
#: lands within a few years at ~10x/year compute growth (the brief's 50/50
#: within 1-3 years for the "country of geniuses"); they are not constants of
#: nature and will become scenario parameters.
DEFAULT_MILESTONES: Mapping[str, float] = MappingProxyType(
    {
        "code_90pct_written_by_models": 0.5,
        "code_100pct_written_by_models": 1.0,
        "swe_tasks_90pct_end_to_end": 1.5,
        "swe_tasks_100pct_end_to_end": 2.0,
        "engineer_demand_minus_90pct": 2.5,
        "country_of_geniuses_in_a_data_center": 3.0,
    }
)


class CapabilityDemand:
    r"""Demand driven by the lab's own training compute through capability and diffusion.

    Parameters
    ----------
    initial_training_flop : array_like, shape (draws,) or scalar
        Physical training compute behind the frontier model at month 0, FLOP
        (> 0). It is also the reference: the capability index is 0 at month 0.
    flop_per_gw_month : array_like
        Training compute delivered by 1 GW over one month, FLOP/(GW month)
        (order 1e27 for current accelerators at realistic utilisation).
    efficiency_doubling_months : array_like
        Algorithmic-efficiency doubling time, months (~8, Ho et al. 2024).
    slope_per_decade : array_like
        Capability index per 10x effective compute.
    initial_addressable_usd_per_year : array_like
        Value the month-0 capability could address if fully deployed, USD/year.
    value_multiple_per_tier : array_like
        Multiple of addressable value per capability index unit (~10, brief
        s1, 001: 10x spend ~ one tier ~ 10x value).
    initial_deployed_usd_per_year : array_like
        Deployed demand at month 0, USD/year (> 0). The initial overhang is
        addressable / deployed (~10, brief s2, 002).
    draws : int
        Number of draws; scalar parameters are broadcast to ``(draws,)``.
    segments : sequence of Segment
        Customer segments; each diffuses towards its ``value_share`` of the
        addressable value with its own Bass coefficients.

    Notes
    -----
    In month :math:`t` with cumulative physical training compute
    :math:`C_t = C_0 + \kappa \sum_{s<t} G_s` (:math:`G_s` training GW,
    :math:`\kappa` FLOP per GW-month):

    .. math::

        I_t &= s \log_{10}\big(C_t 2^{t/T_{1/2}} / C_0\big) \\
        A_t &= A_0\, m^{I_t} \\
        F_{i,t} &= \text{bass\_step}(F_{i,t-1},\ w_i A_t,\ p_i,\ q_i,\ 1/12) \\
        D_t &= \textstyle\sum_i F_{i,t},\qquad \text{overhang}_t = A_t / D_t

    Capability is that of the cumulative compute at today's algorithmic
    efficiency, so it keeps improving (slowly) without new training. Demand
    is increasing in training compute: :math:`A_t` increases with
    :math:`C_t`, and the Bass flow increases with both its ceiling and its
    starting point. Deterministic given the parameters; noise is left to the
    caller.

    Attributes
    ----------
    capability_index_history, addressable_usd_per_year_history,
    deployed_usd_per_year_history, overhang_history : list of ndarray
        One ``(draws,)`` array per month stepped so far.
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
    ) -> None:
        def per_draw(values: ArrayLike, name: str, *, positive: bool) -> FloatArray:
            arr = np.broadcast_to(_f64(values), (draws,)).copy()
            if not np.all(np.isfinite(arr)) or np.any(arr <= 0 if positive else arr < 0):
                raise ValueError(f"{name} must be finite and {'> 0' if positive else '>= 0'}")
            return arr

        if not segments:
            raise ValueError("need at least one segment")
        self.draws = draws
        self.segments: tuple[Segment, ...] = tuple(segments)
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
        deployed = per_draw(initial_deployed_usd_per_year, "initial_deployed_usd_per_year", positive=True)
        shares = np.asarray([s.value_share for s in self.segments], dtype=np.float64)
        if shares.sum() <= 0:
            raise ValueError("segment value shares must add up to more than 0")
        split = shares / shares.sum()
        self.cumulative_training_flop: FloatArray = self.reference_flop.copy()
        self.deployed_by_segment: list[FloatArray] = [deployed * s for s in split]
        self.capability_index_history: list[FloatArray] = []
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
        addressable = self.initial_addressable_usd_per_year * np.exp(index * self.log_value_multiple_per_tier)
        if month > 0:
            self.deployed_by_segment = [
                bass_step(level, s.value_share * addressable, s.innovation_per_year, s.imitation_per_year, 1.0 / 12.0)
                for level, s in zip(self.deployed_by_segment, self.segments, strict=True)
            ]
        deployed: FloatArray = np.sum(self.deployed_by_segment, axis=0)
        self.capability_index_history.append(index)
        self.addressable_usd_per_year_history.append(addressable)
        self.deployed_usd_per_year_history.append(deployed)
        self.overhang_history.append(addressable / deployed)
        return deployed

    @property
    def capability_index_path(self) -> FloatArray:
        """Capability index so far, shape ``(draws, months)``."""
        return _stack(self.capability_index_history, self.draws)

    @property
    def overhang_path(self) -> FloatArray:
        """Addressable over deployed value so far, shape ``(draws, months)``."""
        return _stack(self.overhang_history, self.draws)


def _stack(history: list[FloatArray], draws: int) -> FloatArray:
    if not history:
        return np.empty((draws, 0))
    out: FloatArray = np.stack(history, axis=1)
    return out
