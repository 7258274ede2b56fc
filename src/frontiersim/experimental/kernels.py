r"""Kernels that are tested but not yet part of the monthly model.

They await a component that uses them (``docs/extending.md``):

* :func:`reagents_capability`: capability when compute, data and model size
  are complementary reagents (a CES aggregate), the generalisation of the
  log-linear capability index the month uses today;
* :func:`logistic_adoption_closed_form` and :func:`logistic_step`: logistic
  diffusion, the pure-imitation alternative to the Bass diffusion of the
  capability demand driver.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from frontiersim.models.diffusion import bass_step

FloatArray = NDArray[np.float64]


def _f64(values: ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


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
    that input grows (conversation with Nikhil Kamath, Bengaluru, 2026-02; Lex
    Fridman Podcast #452, 2024-11).
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


def logistic_adoption_closed_form(
    t_years: ArrayLike, rate_per_year: ArrayLike, midpoint_years: ArrayLike
) -> FloatArray:
    r"""Logistic adoption share, the alternative to Bass with no external adoption.

    Parameters
    ----------
    t_years : array_like
        Time, years.
    rate_per_year : array_like
        Growth rate :math:`r` of adoption while it is small, 1/year.
    midpoint_years : array_like
        Time :math:`t_0` at which half the ceiling has adopted, years.

    Returns
    -------
    ndarray
        :math:`F(t) = 1 / (1 + e^{-r (t - t_0)})`, in :math:`(0, 1)`.

    Notes
    -----
    The Bass model with :math:`p = 0` and :math:`q = r`: pure imitation, which
    never starts from zero adoption, hence the midpoint parametrisation.
    """
    t, r, t0 = _f64(t_years), _f64(rate_per_year), _f64(midpoint_years)
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * r * (t - t0)))  # = 1/(1+exp(-r(t-t0))) without overflow
    return out


def logistic_step(
    adopted_share: ArrayLike, ceiling: ArrayLike, rate_per_year: ArrayLike, dt_years: ArrayLike
) -> FloatArray:
    r"""Exact step of :math:`dF/dt = r F (1 - F/M)` over ``dt_years`` with :math:`M` held fixed.

    Parameters
    ----------
    adopted_share, ceiling : array_like
        As in :func:`bass_step`.
    rate_per_year : array_like
        Logistic rate :math:`r`, 1/year.
    dt_years : array_like
        Step length, years.

    Returns
    -------
    ndarray
        :math:`f' = f / (f + (1 - f) e^{-r \Delta t})` times the ceiling,
        :func:`bass_step` with :math:`p = 0`. Zero adoption stays zero.
    """
    return bass_step(adopted_share, ceiling, 0.0, rate_per_year, dt_years)
