r"""Compute contracts: capacity that arrives after a lead time and is paid for a term.

Capacity committed is money owed, whether it is used or not (brief s4, 000):
a commitment of :math:`q` GW at month :math:`\tau` and price :math:`p` adds
:math:`q` GW of capacity and :math:`q p` USD/year of payments to every month
in :math:`[\tau + L, \tau + L + T)`, where :math:`L` is the lead time and
:math:`T` the contract term.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def price_usd_per_gw_year(base_usd_per_gw_year: FloatArray, decline_per_year: FloatArray, month: int) -> FloatArray:
    r"""Price of capacity signed in ``month``.

    Notes
    -----
    :math:`p_\tau = p_0 (1 - \delta)^{\tau / 12}`.
    """
    if month == 0:
        return base_usd_per_gw_year
    return base_usd_per_gw_year * (1.0 - decline_per_year) ** (month / 12.0)


class ContractBook:
    """Capacity and payment schedules of every contract, per draw and month.

    Parameters
    ----------
    draws, months : int
        Shape of the schedules.
    lead_time_months, contract_term_months : int
        Lead time and term of new commitments.

    Attributes
    ----------
    capacity_gw : ndarray, shape (draws, months + lead_time_months + 1)
        Capacity under contract in each month, GW.
    payment_usd_per_year : ndarray, shape (draws, months + lead_time_months + 1)
        Contract payments in each month, as an annual rate, USD/year.
    obligations_after_horizon_usd : ndarray, shape (draws,)
        Payments owed on contracts for months after the horizon, USD.

    Notes
    -----
    Schedules are stored month-major, so that reading one month for every
    draw touches contiguous memory; the attributes are transposed views.
    """

    def __init__(self, draws: int, months: int, lead_time_months: int, contract_term_months: int) -> None:
        self.months = months
        self.lead_time_months = lead_time_months
        self.contract_term_months = contract_term_months
        # Rows run past the horizon by the lead time, so that a decision in
        # the last month still sees what is scheduled at its arrival.
        width = months + lead_time_months + 1
        self._capacity_by_month: FloatArray = np.zeros((width, draws))
        self._payment_by_month: FloatArray = np.zeros((width, draws))
        self.obligations_after_horizon_usd: FloatArray = np.zeros(draws)

    @property
    def capacity_gw(self) -> FloatArray:
        """Capacity under contract, GW, shape ``(draws, months + lead + 1)``."""
        view: FloatArray = self._capacity_by_month.T
        return view

    @property
    def payment_usd_per_year(self) -> FloatArray:
        """Contract payments as an annual rate, USD/year, shape ``(draws, months + lead + 1)``."""
        view: FloatArray = self._payment_by_month.T
        return view

    def add(
        self,
        first_month: int,
        term_months: int,
        gw: FloatArray,
        price: FloatArray,
        columns: slice = slice(None),
    ) -> None:
        """Add a contract live in months ``[first_month, first_month + term_months)``.

        Payments due after the horizon are added to
        :attr:`obligations_after_horizon_usd`. ``columns`` limits the contract
        to some columns (one lab's draws, when several labs share the book).
        """
        months_after = first_month + term_months - max(first_month, self.months)
        if months_after > 0:
            self.obligations_after_horizon_usd[columns] += gw * price * (months_after / 12.0)
        stop = min(first_month + term_months, self._capacity_by_month.shape[0])
        if first_month >= stop:
            return
        self._capacity_by_month[first_month:stop, columns] += gw
        self._payment_by_month[first_month:stop, columns] += gw * price

    def commit(
        self,
        month: int,
        gw: FloatArray,
        price: FloatArray,
        columns: slice = slice(None),
        lead_time_months: int | None = None,
        contract_term_months: int | None = None,
    ) -> None:
        """Commit ``gw`` in ``month`` at ``price``; it arrives after the lead time.

        ``lead_time_months`` and ``contract_term_months`` default to the
        book's; a lab with its own gives them (its lead time at most the
        book's, which sets how far the schedules run).
        """
        lead = self.lead_time_months if lead_time_months is None else lead_time_months
        term = self.contract_term_months if contract_term_months is None else contract_term_months
        if lead > self.lead_time_months:
            raise ValueError(f"lead time {lead} exceeds the book's {self.lead_time_months} months")
        self.add(month + lead, term, gw, price, columns)

    def capacity_at(self, month: int) -> FloatArray:
        """Capacity under contract in ``month``, GW (``month`` up to horizon + lead time)."""
        row: FloatArray = self._capacity_by_month[month]
        return row

    def payment_at(self, month: int) -> FloatArray:
        """Contract payments in ``month``, as an annual rate, USD/year."""
        row: FloatArray = self._payment_by_month[month]
        return row
