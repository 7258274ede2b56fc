r"""Compute contracts: capacity that arrives after a lead time and is paid for a term.

Capacity committed is money owed, whether it is used or not (Dwarkesh Podcast,
"Dario Amodei: We are near the end of the exponential", 2026-02-13):
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
    """Capacity and payment schedules of every contract, per draw (and lab) and month.

    Parameters
    ----------
    draws, months : int
        Shape of the schedules.
    lead_time_months, contract_term_months : int
        Lead time and term of new commitments (a lab with its own gives them
        to :meth:`commit`; the book's lead time is the longest, since it sets
        how far the schedules run).
    labs : int
        Labs with a book each, side by side.
    runoff_months : int
        Months after the horizon the schedules also cover, so that the
        run-off can pay every contract to its end (0: only as far as the
        last decision's arrival).

    Attributes
    ----------
    capacity_gw : ndarray, shape (draws * labs, months + lead_time_months + 1)
        Capacity under contract in each month, GW.
    payment_usd_per_year : ndarray, shape (draws * labs, months + lead_time_months + 1)
        Contract payments in each month, as an annual rate, USD/year.
    obligations_after_horizon_usd : ndarray, shape (draws * labs,)
        Payments owed on contracts for months after the horizon, USD.

    Notes
    -----
    Schedules are stored month-major and lab by lab, shape ``(months, labs,
    draws)``, so that reading one month, or adding one lab's contract, touches
    contiguous memory. Arrays given and returned are per lab and draw-major
    (column ``draw * labs + lab``), the layout of
    :class:`~frontiersim.models.components.base.LabLayout`; with one lab they
    are plain per-draw arrays.
    """

    def __init__(
        self,
        draws: int,
        months: int,
        lead_time_months: int,
        contract_term_months: int,
        labs: int = 1,
        runoff_months: int = 0,
    ) -> None:
        self.months = months
        self.labs = labs
        self.lead_time_months = lead_time_months
        self.contract_term_months = contract_term_months
        # Rows run past the horizon by the lead time, so that a decision in
        # the last month still sees what is scheduled at its arrival, and on
        # to the end of the run-off.
        width = months + max(lead_time_months + 1, runoff_months)
        self._capacity: FloatArray = np.zeros((width, labs, draws))
        self._payment: FloatArray = np.zeros((width, labs, draws))
        self._obligations: FloatArray = np.zeros((labs, draws))

    def _draw_major(self, by_lab: FloatArray) -> FloatArray:
        """A ``(labs, draws)`` row as a draw-major ``(draws * labs,)`` array (a view for one lab)."""
        if self.labs == 1:
            row: FloatArray = by_lab[0]
            return row
        flat: FloatArray = by_lab.T.reshape(-1)
        return flat

    @property
    def capacity_gw(self) -> FloatArray:
        """Capacity under contract, GW, shape ``(draws * labs, months + lead + 1)``."""
        view: FloatArray = self._capacity.transpose(2, 1, 0).reshape(-1, self._capacity.shape[0])
        return view

    @property
    def payment_usd_per_year(self) -> FloatArray:
        """Contract payments as an annual rate, USD/year, shape ``(draws * labs, months + lead + 1)``."""
        view: FloatArray = self._payment.transpose(2, 1, 0).reshape(-1, self._payment.shape[0])
        return view

    @property
    def obligations_after_horizon_usd(self) -> FloatArray:
        """Payments owed for months after the horizon, USD, ``(draws * labs,)``."""
        return self._draw_major(self._obligations)

    def add(self, first_month: int, term_months: int, gw: FloatArray, price: FloatArray, lab: int = 0) -> None:
        """Add a contract of lab ``lab`` live in months ``[first_month, first_month + term_months)``.

        ``gw`` and ``price`` are the lab's, one value per draw. Payments due
        after the horizon are added to :attr:`obligations_after_horizon_usd`.
        """
        months_after = first_month + term_months - max(first_month, self.months)
        if months_after > 0:
            self._obligations[lab] += gw * price * (months_after / 12.0)
        stop = min(first_month + term_months, self._capacity.shape[0])
        if first_month >= stop:
            return
        self._capacity[first_month:stop, lab] += gw
        self._payment[first_month:stop, lab] += gw * price

    def commit(
        self,
        month: int,
        gw: FloatArray,
        price: FloatArray,
        lab: int = 0,
        lead_time_months: int | None = None,
        contract_term_months: int | None = None,
    ) -> None:
        """Commit ``gw`` of lab ``lab`` in ``month`` at ``price``; it arrives after the lead time.

        ``lead_time_months`` and ``contract_term_months`` default to the
        book's; a lab's own lead time may not exceed the book's.
        """
        lead = self.lead_time_months if lead_time_months is None else lead_time_months
        term = self.contract_term_months if contract_term_months is None else contract_term_months
        if lead > self.lead_time_months:
            raise ValueError(f"lead time {lead} exceeds the book's {self.lead_time_months} months")
        self.add(month + lead, term, gw, price, lab)

    def capacity_at(self, month: int) -> FloatArray:
        """Capacity under contract in ``month``, GW, ``(draws * labs,)`` (``month`` up to horizon + lead time)."""
        return self._draw_major(self._capacity[month])

    def lab_capacity_at(self, month: int, lab: int) -> FloatArray:
        """Capacity of lab ``lab`` under contract in ``month``, GW, ``(draws,)``."""
        row: FloatArray = self._capacity[month, lab]
        return row

    def lab_capacity_through(self, month: int, window_months: int, lab: int) -> FloatArray:
        """Least capacity of lab ``lab`` under contract in ``[month, month + window_months]``, GW, ``(draws,)``.

        What a decision can count on through its planning window: contracts
        that expire within it no longer count. Months past the schedules'
        end hold no contract.
        """
        stop = month + window_months + 1
        if stop > self._capacity.shape[0]:
            return np.zeros(self._capacity.shape[2])
        if window_months == 0:
            return self.lab_capacity_at(month, lab)
        least: FloatArray = self._capacity[month:stop, lab].min(axis=0)
        return least

    def last_contract_end(self, after: int = 0) -> NDArray[np.int64]:
        """Month after the last month with capacity or payments under contract, ``(draws * labs,)``.

        ``after`` when no contract runs in or after that month.
        """
        tail = (self._capacity[after:] > 0) | (self._payment[after:] > 0)
        rows = tail.shape[0]
        if rows == 0:
            return np.full(self.labs * self._capacity.shape[2], after, dtype=np.int64)
        live = tail.any(axis=0)
        # the last live row: the first True from the end
        last_row = rows - 1 - np.argmax(tail[::-1], axis=0)
        end = np.where(live, after + last_row + 1, after).astype(np.int64)
        if self.labs == 1:
            one: NDArray[np.int64] = end[0]
            return one
        flat: NDArray[np.int64] = end.T.reshape(-1)
        return flat

    @property
    def schedule_months(self) -> int:
        """Months the schedules cover, from month 0."""
        return int(self._capacity.shape[0])

    def payment_at(self, month: int) -> FloatArray:
        """Contract payments in ``month``, as an annual rate, USD/year, ``(draws * labs,)``."""
        return self._draw_major(self._payment[month])
