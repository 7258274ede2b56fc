"""Assertions about simulation results: the model's accounting identities.

Each function takes a :class:`~frontiersim.SimulationResult` (or its
:class:`xarray.Dataset`), returns None when the identity holds, and raises
:class:`AssertionError` naming the first offending draw, month (or year or
model), the terms involved and the size of the violation otherwise. Checks
of monthly identities need the monthly arrays (``keep_monthly=True``).

Identities that involve sums are checked to a relative tolerance ``rtol`` of
the magnitudes of the terms (plus an absolute ``atol``), since floating point
sums of many large numbers are exact only up to rounding. Identities that the
model states as exact (flows after ruin) are checked exactly.

Examples
--------
>>> import frontiersim as fs
>>> from frontiersim.testing import assert_accounting_identities, assert_results_equal
>>> result = fs.simulate(fs.bundled("toy_50_50"), seed=0, keep_monthly=True)
>>> assert_accounting_identities(result)
>>> assert_results_equal(result, fs.simulate(fs.bundled("toy_50_50"), seed=0, keep_monthly=True))
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from frontiersim.models.finance import RUIN_TOLERANCE_USD
from frontiersim.models.registry import SLOTS
from frontiersim.results.result import SimulationResult, select_lab

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

ResultLike = SimulationResult | xr.Dataset

#: Default relative tolerance of identities that involve sums.
RTOL = 1e-9

#: Monthly flows summed into yearly totals (``year_<name>``), as the output catalogue declares them.
YEARLY_FLOWS = tuple(
    dict.fromkeys(
        output.name
        for slot in SLOTS
        for component in slot.kinds.values()
        for output in component.outputs
        if output.shape == "monthly"
        and output.per == "lab"
        and output.yearly is not None
        and output.yearly.how == "sum"
    )
)

#: Monthly variables that must be exactly zero after ruin.
FLOWS_AFTER_RUIN = ("capacity_gw", "inference_gw", "training_gw", *YEARLY_FLOWS)

#: Attributes that legitimately differ between two runs of the same scenario.
VOLATILE_ATTRS = ("created_utc",)

_STARTING_CASH = "input.finance.starting_cash_usd"
_GROSS_MARGIN = "input.operations.gross_margin"
_MONTHLY_MARGIN = "gross_margin"
_MIN_TRAINING_SHARE = "input.operations.min_training_share"
_MAX_REPORTED = 5


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _dataset(result: ResultLike) -> xr.Dataset:
    if isinstance(result, SimulationResult):
        return result.dataset
    if isinstance(result, xr.Dataset):
        return result
    raise TypeError(f"expected a SimulationResult or an xarray.Dataset, got {type(result).__name__}")


_Check = TypeVar("_Check", bound=Callable[..., None])


def per_lab(check: _Check) -> _Check:
    """Run an identity ``check(result, ...)`` on each lab of a result, naming the lab when it fails.

    A result of several labs has per-lab variables with dims ``(draw, lab,
    ...)``; each lab's identities hold on its own.
    """

    @functools.wraps(check)
    def run(result: ResultLike, *args: Any, **kwargs: Any) -> None:
        dataset = _dataset(result)
        if "lab" not in dataset.dims:
            check(dataset, *args, **kwargs)
            return
        for name in dataset["lab"].values:
            try:
                check(select_lab(dataset, str(name)), *args, **kwargs)
            except AssertionError as error:
                raise AssertionError(f"lab {name!s}: {error}") from None

    return run  # type: ignore[return-value]


def _monthly(result: ResultLike, check: str) -> xr.Dataset:
    dataset = _dataset(result)
    if "month" not in dataset.dims:
        raise ValueError(
            f"{check} needs monthly arrays, which this result does not keep; simulate with keep_monthly=True"
        )
    return dataset


def _array(dataset: xr.Dataset, name: str, dims: Sequence[str]) -> FloatArray:
    if name not in dataset.variables:
        raise ValueError(f"the result has no variable {name!r}; is it a frontiersim result?")
    return np.asarray(dataset[name].transpose(*dims).values, dtype=np.float64)


def _per_draw(dataset: xr.Dataset, name: str) -> FloatArray:
    """A per-draw input as a column, broadcasting against (draw, month) arrays."""
    return _array(dataset, name, ("draw",))[:, None]


def _kept_for_training(dataset: xr.Dataset) -> FloatArray:
    """Share of capacity inference may not use, per draw: 1 - the inference cap the run recorded.

    Results written before the cap was recorded knew only the residual rule, whose cap is 1 - the floor.
    """
    if "inference_cap_share" in dataset.variables:
        return 1.0 - _per_draw(dataset, "inference_cap_share")
    return _per_draw(dataset, _MIN_TRAINING_SHARE)


def _margin(dataset: xr.Dataset) -> FloatArray:
    """The gross margin by draw and month: the monthly output, or the sampled input of results without it."""
    if _MONTHLY_MARGIN in dataset.variables and "month" in dataset[_MONTHLY_MARGIN].dims:
        return _array(dataset, _MONTHLY_MARGIN, ("draw", "month"))
    return _per_draw(dataset, _GROSS_MARGIN)


def _label(dataset: xr.Dataset, dims: Sequence[str], index: tuple[int, ...]) -> str:
    """``draw 3, month 5 (2026-06)``: a readable position in the dataset."""
    parts = []
    for dim, i in zip(dims, index, strict=True):
        value = dataset[dim].values[i] if dim in dataset.coords else i
        if dim == "month" and "date" in dataset.coords:
            parts.append(f"month {value} ({str(dataset['date'].values[i])[:7]})")
        elif dim == "model" and "model_name" in dataset.coords:
            parts.append(f"model {value} ({dataset['model_name'].values[i]})")
        else:
            parts.append(f"{dim} {value}")
    return ", ".join(parts)


def _format(value: Any) -> str:
    """Shortest exact text of a number (``1e+10``, ``-3``, ``nan``)."""
    if isinstance(value, np.bool_ | bool):
        return str(bool(value))
    if isinstance(value, np.integer):
        return str(int(value))
    if isinstance(value, np.floating):
        return repr(float(value))
    return repr(value)


def _fail(
    dataset: xr.Dataset,
    title: str,
    bad: BoolArray,
    dims: Sequence[str],
    describe: Mapping[str, NDArray[Any]],
) -> None:
    """Raise AssertionError listing the first few positions where ``bad`` holds, with the values there."""
    if not np.any(bad):
        return
    positions = np.argwhere(bad)
    lines = [f"{title}: fails at {len(positions)} of {bad.size} {' x '.join(dims)} positions"]
    for position in positions[:_MAX_REPORTED]:
        index = tuple(int(i) for i in position)
        values = ", ".join(
            f"{name} = {_format(np.broadcast_to(array, bad.shape)[index])}" for name, array in describe.items()
        )
        lines.append(f"  at {_label(dataset, dims, index)}: {values}")
    if len(positions) > _MAX_REPORTED:
        lines.append(f"  ... and {len(positions) - _MAX_REPORTED} more")
    raise AssertionError("\n".join(lines))


def _tolerance(terms: Iterable[FloatArray], rtol: float, atol: float) -> FloatArray:
    """``rtol`` times the sum of the magnitudes of ``terms``, plus ``atol``."""
    scale: FloatArray = np.zeros(())
    for term in terms:
        scale = scale + np.abs(term)
    return rtol * scale + atol


def _check_equal(
    dataset: xr.Dataset,
    title: str,
    found: FloatArray,
    expected: FloatArray,
    terms: Mapping[str, FloatArray],
    dims: Sequence[str],
    rtol: float,
    atol: float,
) -> None:
    """``found == expected`` within ``rtol`` of the magnitudes of ``terms`` (NaN always fails)."""
    difference = np.abs(found - expected)
    tolerance = _tolerance([found, *terms.values()], rtol, atol)
    bad = ~(difference <= tolerance)
    describe = {**terms, "expected": expected, "found": found, "difference": difference, "tolerance": tolerance}
    _fail(dataset, title, bad, dims, describe)


def _check_at_most(
    dataset: xr.Dataset,
    title: str,
    lhs: FloatArray,
    rhs: FloatArray,
    terms: Mapping[str, FloatArray],
    dims: Sequence[str],
    rtol: float,
    atol: float,
) -> None:
    """``lhs <= rhs`` within ``rtol`` of the magnitudes of ``terms`` (NaN always fails)."""
    tolerance = _tolerance([lhs, rhs], rtol, atol)
    bad = ~(lhs <= rhs + tolerance)
    _fail(dataset, title, bad, dims, {**terms, "excess": lhs - rhs, "tolerance": tolerance})


# ---------------------------------------------------------------------------
# Monthly identities
# ---------------------------------------------------------------------------


@per_lab
def assert_cash_flow_balances(result: ResultLike, *, rtol: float = RTOL, atol: float = 0.0) -> None:
    """Assert that cash moves by exactly the month's flows.

    For every draw and month :math:`t`,
    :math:`C_t = C_{t-1} + R_t - P_t - O_t + F_t` (cash, revenue, compute
    payment, other operating costs, financing), with :math:`C_{-1}` the draw's
    sampled starting cash (``input.finance.starting_cash_usd``).

    Parameters
    ----------
    result : SimulationResult or xarray.Dataset
        A result with monthly arrays.
    rtol : float
        Tolerance relative to the sum of the magnitudes of the terms.
    atol : float
        Absolute tolerance, USD.

    Raises
    ------
    AssertionError
        Naming the first draws and months where cash does not balance.
    ValueError
        If the result has no monthly arrays.
    """
    ds = _monthly(result, "assert_cash_flow_balances")
    dims = ("draw", "month")
    cash = _array(ds, "cash_usd", dims)
    previous = np.concatenate([_per_draw(ds, _STARTING_CASH), cash[:, :-1]], axis=1)
    terms = {
        "previous cash_usd": previous,
        "revenue_usd": _array(ds, "revenue_usd", dims),
        "compute_payment_usd": _array(ds, "compute_payment_usd", dims),
        "other_opex_usd": _array(ds, "other_opex_usd", dims),
        "financing_usd": _array(ds, "financing_usd", dims),
    }
    expected = (
        previous
        + terms["revenue_usd"]
        - terms["compute_payment_usd"]
        - terms["other_opex_usd"]
        + terms["financing_usd"]
    )
    _check_equal(
        ds,
        "cash_usd != previous cash + revenue - compute payment - other opex + financing",
        cash,
        expected,
        terms,
        dims,
        rtol,
        atol,
    )


@per_lab
def assert_compute_cost_split(result: ResultLike, *, rtol: float = RTOL, atol: float = 0.0) -> None:
    """Assert that inference and training costs split the compute payment.

    Every month ``inference_cost_usd + training_cost_usd == compute_payment_usd``
    and both costs are non-negative.

    Parameters
    ----------
    result : SimulationResult or xarray.Dataset
        A result with monthly arrays.
    rtol : float
        Tolerance relative to the sum of the magnitudes of the terms.
    atol : float
        Absolute tolerance, USD.

    Raises
    ------
    AssertionError
        Naming the first draws and months where the split fails.
    ValueError
        If the result has no monthly arrays.
    """
    ds = _monthly(result, "assert_compute_cost_split")
    dims = ("draw", "month")
    inference = _array(ds, "inference_cost_usd", dims)
    training = _array(ds, "training_cost_usd", dims)
    payment = _array(ds, "compute_payment_usd", dims)
    terms = {"inference_cost_usd": inference, "training_cost_usd": training, "compute_payment_usd": payment}
    _check_equal(
        ds,
        "inference_cost_usd + training_cost_usd != compute_payment_usd",
        inference + training,
        payment,
        terms,
        dims,
        rtol,
        atol,
    )
    zero = np.zeros_like(payment)
    for name in ("inference_cost_usd", "training_cost_usd"):
        _check_at_most(ds, f"{name} < 0", -terms[name], zero, {name: terms[name]}, dims, rtol, atol)


@per_lab
def assert_served_within_capacity(result: ResultLike, *, rtol: float = RTOL, atol: float = 0.0) -> None:
    """Assert that revenue is served only with capacity that exists and is paid for.

    Every month:

    * ``0 <= inference_gw <= capacity_gw * (1 - kept)`` and
      ``training_gw >= 0``, with ``inference_gw + training_gw == capacity_gw``;
    * ``0 <= revenue_usd <= demand_usd_per_year / 12``;
    * ``revenue_usd * (1 - gross_margin) <= compute_payment_usd * (1 -
      kept)``: the inference cost of the revenue served fits in what the
      capacity open to inference costs;

    where ``kept`` is the share of capacity kept from inference: the
    training floor ``min_training_share``, or ``1 - max_inference_share``
    under the ``inference_first`` rule.
    * ``unserved_usd >= 0``, and while the lab is alive (up to and including
      its ruin month) ``revenue_usd + unserved_usd == demand_usd_per_year / 12``.

    Parameters
    ----------
    result : SimulationResult or xarray.Dataset
        A result with monthly arrays.
    rtol : float
        Tolerance relative to the magnitudes of the quantities compared.
    atol : float
        Absolute tolerance, in the units of each quantity.

    Raises
    ------
    AssertionError
        Naming the first draws and months where a bound fails.
    ValueError
        If the result has no monthly arrays.
    """
    ds = _monthly(result, "assert_served_within_capacity")
    dims = ("draw", "month")
    capacity = _array(ds, "capacity_gw", dims)
    inference = _array(ds, "inference_gw", dims)
    training = _array(ds, "training_gw", dims)
    revenue = _array(ds, "revenue_usd", dims)
    unserved = _array(ds, "unserved_usd", dims)
    demand_monthly = _array(ds, "demand_usd_per_year", dims) / 12.0
    payment = _array(ds, "compute_payment_usd", dims)
    margin = _margin(ds)
    floor = _kept_for_training(ds)
    zero = np.zeros_like(capacity)

    available = capacity * (1.0 - floor)
    gw = {"capacity_gw": capacity, "inference_gw": inference, "training_gw": training}
    _check_at_most(
        ds,
        "inference_gw > capacity_gw * (1 - kept share)",
        inference,
        available,
        {**gw, "kept share": np.broadcast_to(floor, capacity.shape)},
        dims,
        rtol,
        atol,
    )
    for name, values in gw.items():
        _check_at_most(ds, f"{name} < 0", -values, zero, gw, dims, rtol, atol)
    _check_equal(ds, "inference_gw + training_gw != capacity_gw", inference + training, capacity, gw, dims, rtol, atol)

    usd = {"revenue_usd": revenue, "unserved_usd": unserved, "demand_usd_per_year / 12": demand_monthly}
    _check_at_most(ds, "revenue_usd > demand_usd_per_year / 12", revenue, demand_monthly, usd, dims, rtol, atol)
    for name in ("revenue_usd", "unserved_usd"):
        _check_at_most(ds, f"{name} < 0", -usd[name], zero, usd, dims, rtol, atol)
    ruin = _array(ds, "ruin_month", ("draw",))[:, None]
    alive = (ruin < 0) | (np.arange(capacity.shape[1])[None, :] <= ruin)
    _check_equal(
        ds,
        "revenue_usd + unserved_usd != demand_usd_per_year / 12 while the lab is alive",
        np.where(alive, revenue + unserved, 0.0),
        np.where(alive, demand_monthly, 0.0),
        usd,
        dims,
        rtol,
        atol,
    )

    inference_cost = revenue * (1.0 - margin)
    cost_terms = {
        "revenue_usd": revenue,
        "gross_margin": np.broadcast_to(margin, revenue.shape),
        "compute_payment_usd": payment,
        "kept share": np.broadcast_to(floor, revenue.shape),
    }
    _check_at_most(
        ds,
        "revenue_usd * (1 - gross_margin) > compute_payment_usd * (1 - kept share)"
        " (served beyond the capacity paid for)",
        inference_cost,
        payment * (1.0 - floor),
        cost_terms,
        dims,
        rtol,
        atol,
    )


@per_lab
def assert_gross_margin_applied(result: ResultLike, *, rtol: float = RTOL, atol: float = 0.0) -> None:
    """Assert that inference costs are revenue times one minus the month's gross margin.

    Every month:

    * ``0 <= gross_margin <= 1``;
    * ``inference_cost_usd == revenue_usd * (1 - gross_margin)``: the
      definition of the gross margin, which with capability-driven demand is
      the revenue-weighted margin of the segments;
    * with growth or path demand (the result has the input
      ``input.operations.gross_margin``), ``gross_margin`` is that input in
      every month.

    Parameters
    ----------
    result : SimulationResult or xarray.Dataset
        A result with monthly arrays.
    rtol : float
        Tolerance relative to the magnitudes of the quantities compared.
    atol : float
        Absolute tolerance, in the units of each quantity.

    Raises
    ------
    AssertionError
        Naming the first draws and months where a check fails.
    ValueError
        If the result has no monthly arrays.
    """
    ds = _monthly(result, "assert_gross_margin_applied")
    dims = ("draw", "month")
    margin = _margin(ds)
    revenue = _array(ds, "revenue_usd", dims)
    inference_cost = _array(ds, "inference_cost_usd", dims)
    margin = np.broadcast_to(margin, revenue.shape)
    zero, one = np.zeros_like(revenue), np.ones_like(revenue)
    _check_at_most(ds, "gross_margin < 0", -margin, zero, {"gross_margin": margin}, dims, rtol, 0.0)
    _check_at_most(ds, "gross_margin > 1", margin, one, {"gross_margin": margin}, dims, rtol, 0.0)
    _check_equal(
        ds,
        "inference_cost_usd != revenue_usd * (1 - gross_margin)",
        inference_cost,
        revenue * (1.0 - margin),
        {"revenue_usd": revenue, "gross_margin": margin},
        dims,
        rtol,
        atol,
    )
    if _GROSS_MARGIN in ds.variables and _MONTHLY_MARGIN in ds.variables:
        sampled = np.broadcast_to(_per_draw(ds, _GROSS_MARGIN), revenue.shape)
        _check_equal(
            ds,
            "gross_margin != input.operations.gross_margin",
            margin,
            sampled,
            {"input.operations.gross_margin": sampled},
            dims,
            rtol,
            0.0,
        )


@per_lab
def assert_ruin_absorbing(result: ResultLike) -> None:
    """Assert that ruin is recorded at the first negative cash and that nothing moves afterwards.

    ``ruin_month`` is the first month with cash below minus
    :data:`~frontiersim.models.finance.RUIN_TOLERANCE_USD` (-1 when that never
    happens); after it every flow, capacity and commitment is
    exactly zero and cash stays exactly at its value in the ruin month.

    Parameters
    ----------
    result : SimulationResult or xarray.Dataset
        A result with monthly arrays.

    Raises
    ------
    AssertionError
        Naming the first draws where ruin is misrecorded or flows continue.
    ValueError
        If the result has no monthly arrays.
    """
    ds = _monthly(result, "assert_ruin_absorbing")
    dims = ("draw", "month")
    cash = _array(ds, "cash_usd", dims)
    ruin = _array(ds, "ruin_month", ("draw",)).astype(np.int64)
    negative = cash < -RUIN_TOLERANCE_USD
    first_negative = np.where(negative.any(axis=1), negative.argmax(axis=1), -1)
    _fail(
        ds,
        "ruin_month is not the first month with cash_usd < 0",
        ruin != first_negative,
        ("draw",),
        {"ruin_month": ruin, "first month with cash_usd < 0": first_negative},
    )
    months = np.arange(cash.shape[1])[None, :]
    after = (ruin[:, None] >= 0) & (months > ruin[:, None])
    for name in FLOWS_AFTER_RUIN:
        values = _array(ds, name, dims)
        _fail(
            ds,
            f"{name} is not zero after ruin",
            after & (values != 0),
            dims,
            {name: values, "ruin_month": ruin[:, None]},
        )
    cash_at_ruin = np.take_along_axis(cash, np.maximum(ruin, 0)[:, None], axis=1)
    _fail(
        ds,
        "cash_usd changes after ruin",
        after & (cash != cash_at_ruin),
        dims,
        {"cash_usd": cash, "cash_usd in the ruin month": cash_at_ruin, "ruin_month": ruin[:, None]},
    )


# ---------------------------------------------------------------------------
# Aggregates
# ---------------------------------------------------------------------------


@per_lab
def assert_cohorts_sum_to_company(result: ResultLike, *, rtol: float = RTOL, atol: float = 0.0) -> None:
    """Assert that the per-model P&L adds up to the company's.

    For every draw, summed over models: ``model_revenue_usd`` is total
    revenue, ``model_inference_cost_usd`` total inference cost,
    ``model_training_cost_usd`` total training cost, and ``model_net_usd``
    total revenue minus total compute payments; for every model,
    ``model_net_usd = revenue - inference cost - training cost``. Company
    totals come from the monthly arrays when kept, else from the yearly ones.

    Parameters
    ----------
    result : SimulationResult or xarray.Dataset
    rtol : float
        Tolerance relative to the sum of the magnitudes of the terms.
    atol : float
        Absolute tolerance, USD.

    Raises
    ------
    AssertionError
        Naming the first draws (or models) where the sums differ.
    """
    ds = _dataset(result)
    if "month" in ds.dims:
        period, prefix = "month", ""
    else:
        period, prefix = "year", "year_"

    def company(name: str) -> tuple[FloatArray, FloatArray]:
        values = _array(ds, f"{prefix}{name}", ("draw", period))
        return values.sum(axis=1), np.abs(values).sum(axis=1)

    def models(name: str) -> tuple[FloatArray, FloatArray]:
        values = _array(ds, name, ("draw", "model"))
        return values.sum(axis=1), np.abs(values).sum(axis=1)

    revenue, revenue_scale = company("revenue_usd")
    payment, payment_scale = company("compute_payment_usd")
    pairs = {
        "model_revenue_usd": company("revenue_usd"),
        "model_inference_cost_usd": company("inference_cost_usd"),
        "model_training_cost_usd": company("training_cost_usd"),
        "model_net_usd": (revenue - payment, revenue_scale + payment_scale),
    }
    for name, (total, total_scale) in pairs.items():
        summed, summed_scale = models(name)
        _check_equal(
            ds,
            f"sum over models of {name} != company total over {period}s",
            summed,
            total,
            {"company magnitude": total_scale, "models magnitude": summed_scale},
            ("draw",),
            rtol,
            atol,
        )
    cohort_dims = ("draw", "model")
    terms = {
        name: _array(ds, name, cohort_dims)
        for name in ("model_revenue_usd", "model_inference_cost_usd", "model_training_cost_usd")
    }
    _check_equal(
        ds,
        "model_net_usd != model revenue - inference cost - training cost",
        _array(ds, "model_net_usd", cohort_dims),
        terms["model_revenue_usd"] - terms["model_inference_cost_usd"] - terms["model_training_cost_usd"],
        terms,
        cohort_dims,
        rtol,
        atol,
    )


@per_lab
def assert_yearly_consistent(result: ResultLike, *, rtol: float = RTOL, atol: float = 0.0) -> None:
    """Assert that the yearly variables aggregate the monthly ones.

    For every draw and simulated year (twelve months from the start month):
    each ``year_<flow>`` is the sum of the monthly flow, ``year_profit_usd``
    is the sum of revenue - compute payment - other opex, ``year_demand_usd``
    is the sum of monthly demand / 12, ``year_capacity_gw`` the mean
    capacity, ``year_cash_usd`` the cash at the end of the year's last month,
    and ``year_ruined`` is 1 exactly when ``ruin_month`` falls in or before
    the year.

    Parameters
    ----------
    result : SimulationResult or xarray.Dataset
        A result with monthly arrays.
    rtol : float
        Tolerance relative to the sum of the magnitudes of the terms.
    atol : float
        Absolute tolerance, in the units of each variable.

    Raises
    ------
    AssertionError
        Naming the first draws and years where an aggregate is off.
    ValueError
        If the result has no monthly arrays.
    """
    ds = _monthly(result, "assert_yearly_consistent")
    dims = ("draw", "year")
    n, months = ds.sizes["draw"], ds.sizes["month"]
    years = ds.sizes["year"]
    if months != 12 * years:
        raise AssertionError(f"{months} months cannot make {years} whole years")

    def by_year(name: str) -> FloatArray:
        return _array(ds, name, ("draw", "month")).reshape(n, years, 12)

    def check_sum(name: str, *parts: FloatArray, scale: float = 1.0) -> None:
        """``name`` equals the yearly sum of ``sum(parts)`` times ``scale``."""
        total = sum(part.sum(axis=2) for part in parts) * scale
        magnitude = sum(np.abs(part).sum(axis=2) for part in parts) * scale
        found = _array(ds, name, dims)
        _check_equal(
            ds, f"{name} != its monthly aggregate", found, total, {"monthly magnitude": magnitude}, dims, rtol, atol
        )

    for flow in YEARLY_FLOWS:
        check_sum(f"year_{flow}", by_year(flow))
    check_sum("year_profit_usd", by_year("revenue_usd"), -by_year("compute_payment_usd"), -by_year("other_opex_usd"))
    check_sum("year_demand_usd", by_year("demand_usd_per_year"), scale=1.0 / 12.0)
    check_sum("year_capacity_gw", by_year("capacity_gw"), scale=1.0 / 12.0)
    december = by_year("cash_usd")[:, :, 11]
    year_cash = _array(ds, "year_cash_usd", dims)
    _fail(
        ds,
        "year_cash_usd is not the cash at the end of the year",
        ~(year_cash == december),
        dims,
        {"year_cash_usd": year_cash, "cash_usd in the last month": december},
    )
    ruin = _array(ds, "ruin_month", ("draw",))[:, None]
    year_end = (np.arange(years) * 12 + 11)[None, :]
    expected_ruined = ((ruin >= 0) & (ruin <= year_end)).astype(np.float64)
    ruined = _array(ds, "year_ruined", dims)
    _fail(
        ds,
        "year_ruined does not match ruin_month",
        ~(ruined == expected_ruined),
        dims,
        {"year_ruined": ruined, "ruin_month": ruin},
    )


# ---------------------------------------------------------------------------
# Whole datasets
# ---------------------------------------------------------------------------


def assert_all_finite(result: ResultLike) -> None:
    """Assert that no numeric variable or coordinate holds NaN or an infinity.

    Parameters
    ----------
    result : SimulationResult or xarray.Dataset

    Raises
    ------
    AssertionError
        Listing every variable with non-finite values, with a count and the
        first position of each.
    """
    ds = _dataset(result)
    lines = []
    for name in sorted(map(str, ds.variables)):
        variable = ds[name]
        if not (np.issubdtype(variable.dtype, np.floating) or np.issubdtype(variable.dtype, np.complexfloating)):
            continue
        finite = np.isfinite(variable.values)
        if finite.all():
            continue
        first = tuple(int(i) for i in np.argwhere(~finite)[0])
        where = _label(ds, [str(d) for d in variable.dims], first) if first else "the scalar"
        lines.append(
            f"  {name}: {int((~finite).sum())} of {finite.size} values not finite, "
            f"first {_format(variable.values[first])} at {where}"
        )
    if lines:
        raise AssertionError("non-finite values in the result:\n" + "\n".join(lines))


def _differences(a: xr.Dataset, b: xr.Dataset, ignore_attrs: Sequence[str]) -> list[str]:
    found: list[str] = []
    if dict(a.sizes) != dict(b.sizes):
        return [f"dimensions differ: {dict(a.sizes)} != {dict(b.sizes)}"]
    for kind, names_a, names_b in (
        ("data variable", set(map(str, a.data_vars)), set(map(str, b.data_vars))),
        ("coordinate", set(map(str, a.coords)), set(map(str, b.coords))),
    ):
        if names_a != names_b:
            found.append(
                f"{kind}s differ: only in the first {sorted(names_a - names_b)}, "
                f"only in the second {sorted(names_b - names_a)}"
            )
    shared = sorted(set(map(str, a.variables)) & set(map(str, b.variables)))
    for name in shared:
        x, y = a[name], b[name]
        if x.dims != y.dims:
            found.append(f"{name}: dimensions {x.dims} != {y.dims}")
            continue
        if x.dtype != y.dtype:
            found.append(f"{name}: dtype {x.dtype} != {y.dtype}")
            continue
        values_x, values_y = x.values, y.values
        equal_nan = bool(np.issubdtype(x.dtype, np.inexact))
        if not np.array_equal(values_x, values_y, equal_nan=equal_nan):
            unequal = values_x != values_y
            if equal_nan:
                unequal &= ~(np.isnan(values_x) & np.isnan(values_y))
            positions = np.argwhere(unequal)
            first = tuple(int(i) for i in positions[0]) if positions.size else ()
            where = _label(a, [str(d) for d in x.dims], first) if first else "the scalar"
            found.append(
                f"{name}: {len(positions)} of {unequal.size} values differ, first at {where}: "
                f"{_format(values_x[first])} != {_format(values_y[first])}"
            )
        found += [f"{name}: attribute {line}" for line in _attribute_differences(x.attrs, y.attrs, ())]
    found += [f"attribute {line}" for line in _attribute_differences(a.attrs, b.attrs, ignore_attrs)]
    return found


def _attribute_differences(attrs_a: Mapping[Any, Any], attrs_b: Mapping[Any, Any], ignore: Sequence[str]) -> list[str]:
    found = []
    missing = "<missing>"
    for key in sorted(map(str, (set(attrs_a) | set(attrs_b)) - set(ignore))):
        value_a, value_b = attrs_a.get(key, missing), attrs_b.get(key, missing)
        if not np.array_equal(np.asarray(value_a, dtype=object), np.asarray(value_b, dtype=object)):
            found.append(f"{key!r}: {value_a!r} != {value_b!r}")
    return found


def assert_results_equal(a: ResultLike, b: ResultLike, *, ignore_attrs: Sequence[str] = VOLATILE_ATTRS) -> None:
    """Assert that two results are identical, value for value.

    Dimensions, coordinates, every data variable (exact equality; NaN equals
    NaN in the same place), variable attributes and dataset attributes must
    match, except the dataset attributes in ``ignore_attrs`` (by default
    ``created_utc``, the time of the run).

    Parameters
    ----------
    a, b : SimulationResult or xarray.Dataset
    ignore_attrs : sequence of str
        Dataset attributes not compared.

    Raises
    ------
    AssertionError
        Listing every difference found.
    """
    differences = _differences(_dataset(a), _dataset(b), ignore_attrs)
    if differences:
        raise AssertionError("results differ:\n" + "\n".join(f"  {line}" for line in differences))


def assert_accounting_identities(result: ResultLike, *, rtol: float = RTOL, atol: float = 0.0) -> None:
    """Assert every identity of this module that applies to ``result``.

    Runs :func:`assert_all_finite` and :func:`assert_cohorts_sum_to_company`
    and, when monthly arrays are kept, :func:`assert_cash_flow_balances`,
    :func:`assert_compute_cost_split`, :func:`assert_served_within_capacity`,
    :func:`assert_gross_margin_applied`, :func:`assert_ruin_absorbing` and
    :func:`assert_yearly_consistent`.

    Parameters
    ----------
    result : SimulationResult or xarray.Dataset
    rtol : float
        Tolerance relative to the magnitudes of the terms of each identity.
    atol : float
        Absolute tolerance, in the units of each identity.

    Raises
    ------
    AssertionError
        From the first identity that fails.
    """
    ds = _dataset(result)
    assert_all_finite(ds)
    assert_cohorts_sum_to_company(ds, rtol=rtol, atol=atol)
    if "month" in ds.dims:
        assert_cash_flow_balances(ds, rtol=rtol, atol=atol)
        assert_compute_cost_split(ds, rtol=rtol, atol=atol)
        assert_served_within_capacity(ds, rtol=rtol, atol=atol)
        assert_gross_margin_applied(ds, rtol=rtol, atol=atol)
        assert_ruin_absorbing(ds)
        assert_yearly_consistent(ds, rtol=rtol, atol=atol)


__all__ = [
    "FLOWS_AFTER_RUIN",
    "RTOL",
    "VOLATILE_ATTRS",
    "assert_accounting_identities",
    "assert_all_finite",
    "assert_cash_flow_balances",
    "assert_cohorts_sum_to_company",
    "assert_compute_cost_split",
    "assert_gross_margin_applied",
    "assert_results_equal",
    "assert_ruin_absorbing",
    "assert_served_within_capacity",
    "assert_yearly_consistent",
    "per_lab",
]
