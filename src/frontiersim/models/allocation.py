"""Splitting capacity between inference and training.

Inference gets the compute needed to serve demand, up to capacity (less any
training floor); whatever it does not use trains models (Dwarkesh Podcast,
"Dario Amodei: We are near the end of the exponential", 2026-02-13).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Allocation:
    """One month's split of capacity, per draw.

    Attributes
    ----------
    inference_gw, training_gw : ndarray
        Capacity used for inference and for training, GW.
    served_usd_per_year : ndarray
        Revenue served, as an annual rate, USD/year.
    unserved_usd_per_year : ndarray
        Demand beyond what capacity could serve, USD/year.
    inference_cost_usd_per_year : ndarray
        Cost of the inference capacity at the fleet's cost per GW-year.
    """

    inference_gw: FloatArray
    training_gw: FloatArray
    served_usd_per_year: FloatArray
    unserved_usd_per_year: FloatArray
    inference_cost_usd_per_year: FloatArray


def allocate(
    demand_usd_per_year: FloatArray,
    capacity_gw: FloatArray,
    payment_usd_per_year: FloatArray,
    gross_margin: FloatArray,
    min_training_share: FloatArray,
) -> Allocation:
    r"""Serve demand first, train with the rest.

    Parameters
    ----------
    demand_usd_per_year : ndarray
        Annualised revenue demand, USD/year.
    capacity_gw : ndarray
        Capacity under contract, GW.
    payment_usd_per_year : ndarray
        What that capacity costs, USD/year; the fleet's cost per GW-year is
        ``payment / capacity``.
    gross_margin : ndarray
        Inference gross margin :math:`m` in [0, 1].
    min_training_share : ndarray
        Share of capacity kept for training whatever the demand, in [0, 1).

    Returns
    -------
    Allocation

    Notes
    -----
    With fleet cost :math:`c = P / K` USD per GW-year, serving revenue
    :math:`R` costs :math:`R (1 - m)` (the definition of gross margin), so it
    needs :math:`R (1 - m) / c` GW. Inference gets
    :math:`I = \min(D (1 - m) / c, K (1 - s_{min}))`; it serves
    :math:`R = I c / (1 - m)` (all of :math:`D` when :math:`m = 1`); training
    gets :math:`K - I`. In the 50/50 toy of the Dwarkesh Podcast (2026-02-13),
    :math:`P = \$100B`, :math:`m = 2/3` and :math:`D = \$150B` give
    :math:`I c = \$50B`.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        cost_per_gw = np.where(capacity_gw > 0, payment_usd_per_year / capacity_gw, 0.0)
        cost_share = 1.0 - gross_margin
        inference_cost_needed = demand_usd_per_year * cost_share
        available_gw = capacity_gw * (1.0 - min_training_share)
        available_cost = available_gw * cost_per_gw
        fully_served = inference_cost_needed <= available_cost
        inference_cost = np.where(fully_served, inference_cost_needed, available_cost)
        inference_gw = np.where(
            fully_served, np.where(cost_per_gw > 0, inference_cost_needed / cost_per_gw, 0.0), available_gw
        )
        served = np.where(fully_served, demand_usd_per_year, available_cost / cost_share)
    served = np.minimum(served, demand_usd_per_year)
    return Allocation(
        inference_gw=inference_gw,
        training_gw=capacity_gw - inference_gw,
        served_usd_per_year=served,
        unserved_usd_per_year=demand_usd_per_year - served,
        inference_cost_usd_per_year=inference_cost,
    )
