r"""Compiled, fused kernels of the monthly model (numba).

Each kernel does, for one draw at a time and every lab of it, what the
components of :mod:`frontiersim.models.components` do for every draw at once:
the same equations, in the same order of floating-point operations, with the
state of a lab held in registers across months instead of in whole-array
temporaries. The draws are independent, so they can be stepped in parallel,
and every draw's numbers are the same whatever the
number of threads, the chunk size or the worker count. All randomness is
sampled before the kernels run (:mod:`frontiersim.draws`).

Each kernel steps a range of draws (``first_draw:stop_draw``) and releases
the GIL (``nogil=True``): :func:`frontiersim.models.fused.run_fused` runs
ranges on a pool of threads, one per core. That is the parallel loop over
draws ``numba.prange`` would give, without OpenMP's threads spinning at the
end of every stretch of months, which on a machine shared with other work
doubled the CPU time of a run (``benchmarks/bench_kernels.py``), and without
compiling numba's parallel loop, which is slow.

The numpy components stay the reference: ``tests/test_kernels.py`` checks
that both paths agree on every bundled scenario.

References
----------
.. [1] S. K. Lam, A. Pitrou and S. Seibert, "Numba: a LLVM-based Python JIT
   compiler", Proceedings of the Second Workshop on the LLVM Compiler
   Infrastructure in HPC (2015), https://doi.org/10.1145/2833157.2833162

Notes
-----
Hand-written because the model is this project's own: no library holds it.
``np.minimum`` and ``np.maximum`` propagate NaN where Python's ``min`` and
``max`` do not, so :func:`_minimum` and :func:`_maximum` restate numpy's rule.
The two engines may differ in the last bit of ``exp`` and ``pow`` (numpy
may use its own vectorized versions), nowhere else.
The month kernel indexes its arrays with unsigned integers (``np.uint64``):
numba gives a signed index the negative-index wraparound of Python, a
comparison and an addition on every read and write, which took a tenth of
the kernel's time.
Kernels are compiled with ``error_model="numpy"`` (a division by zero gives
inf or NaN, as in numpy, instead of raising) and cached on disk
(``cache=True``, in ``__pycache__`` beside this file, or in
``NUMBA_CACHE_DIR`` when that is set; numba falls back to a per-user cache
directory when the package's folder is read-only).
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

_JIT: dict[str, Any] = {"cache": True, "error_model": "numpy", "nogil": True}

#: Largest trailing growth a round responds to (:data:`frontiersim.models.finance.MAX_GROWTH_PER_YEAR`).
MAX_GROWTH_PER_YEAR = 1000.0
#: Ruin threshold (:data:`frontiersim.models.finance.RUIN_TOLERANCE_USD`).
RUIN_TOLERANCE_USD = 1.0
_LARGEST = float(np.finfo(np.float64).max)
#: Draws a thread steps month by month together: each month reads and writes contiguous runs of this many
#: columns (stepping one draw through every month would stride by a whole row, a power of two of bytes, and
#: thrash the caches' sets).
DRAWS_PER_BLOCK = 256


@numba.njit(inline="always", **_JIT)
def _minimum(a: float, b: float) -> float:  # pragma: no cover - compiled
    """``np.minimum`` of two numbers (NaN wins)."""
    return a if (a <= b or math.isnan(a)) else b


@numba.njit(inline="always", **_JIT)
def _maximum(a: float, b: float) -> float:  # pragma: no cover - compiled
    """``np.maximum`` of two numbers (NaN wins)."""
    return a if (a >= b or math.isnan(a)) else b


@numba.njit(inline="always", **_JIT)
def _record(
    out: Any, k: int, row: int, column: int, value: float, replace: bool, keep_last: bool, last: Any
) -> None:  # pragma: no cover
    """Write a month's value of output ``k`` into ``row``: in place of it, or added to it (a year's running total).

    An output kept at year end (``last[k]``) is written only in the year's last month (``keep_last``).
    """
    if last[k]:
        if keep_last:
            out[row, column, k] = value
    elif replace:
        out[row, column, k] = value
    else:
        out[row, column, k] += value


@numba.njit(**_JIT)
def month_segment(  # noqa: PLR0912  # pragma: no cover - compiled; tested against the components
    first_draw: int,
    stop_draw: int,
    t0: int,
    t1: int,
    labs: int,
    decided: bool,
    market_demand: Any,
    share: Any,
    gross_margin: Any,
    book_capacity: Any,
    book_payment: Any,
    committed_gw: Any,
    committed_usd: Any,
    kept_for_training: Any,
    planned_training_share: Any,
    opex_fixed_monthly: Any,
    opex_share: Any,
    fundraising: bool,
    enabled: Any,
    runway_threshold_months: Any,
    revenue_multiple: Any,
    max_usd: Any,
    min_interval_months: Any,
    success_probability: Any,
    reference_growth_per_year: Any,
    first_year_factor: Any,
    growth_elasticity: Any,
    use_growth: bool,
    raise_uniforms: Any,
    cash: Any,
    alive: Any,
    ruin_month: Any,
    months_since_raise: Any,
    demand_history: Any,
    opening_demand: Any,
    frontier_index: Any,
    model_revenue: Any,
    model_inference_cost: Any,
    model_training_cost: Any,
    model_training_flop: Any,
    flop_per_gw_month: Any,
    log_hardware_growth: Any,
    base_month: int,
    base_demand: Any,
    last_demand: Any,
    out: Any,
    yearly: bool,
    last: Any,
    mean: Any,
) -> None:
    r"""Months ``t0`` to ``t1 - 1`` of every lab of draws ``first_draw:stop_draw``, exogenous demand, fixed shares.

    Parameters are the components' arrays (per-lab arrays are draw-major,
    column ``draw * labs + lab``); the state arrays (``cash``, ``alive``,
    ``ruin_month``, ``months_since_raise``, ``demand_history``,
    ``opening_demand``, the per-model books, ``base_demand`` and
    ``last_demand``) are updated in place. ``committed_gw`` and
    ``committed_usd`` are month ``t0``'s commitments when ``decided``.
    ``first_year_factor`` is :func:`first_year_reference_factors` of
    ``reference_growth_per_year``.
    ``market_demand`` is month-major ``(months, draws)``, ``raise_uniforms``
    draw-major ``(labs, draws, months)`` and the book's schedules ``(months,
    labs, draws)``.
    Outputs go, in the order of :data:`frontiersim.models.fused.LAB_OUTPUTS`,
    to ``out[t, column, k]`` (``yearly`` false) or are summed into
    ``out[year, column, k]`` (kept at year end where ``last[k]``, divided by
    12 at year end where ``mean[k]``). ``out`` may be any view;
    :func:`~frontiersim.models.fused.run_fused` gives one of an
    output-major array, each output's row of columns contiguous. The
    per-model books are ``(models, columns)``.

    Notes
    -----
    The equations are those of
    :class:`~frontiersim.models.components.allocation.Allocation` and
    :func:`~frontiersim.models.allocation.allocate`,
    :class:`~frontiersim.models.components.finance.Finance` and
    :func:`~frontiersim.models.finance.cash_step`,
    :class:`~frontiersim.models.components.cohorts.Cohorts` and
    :class:`~frontiersim.models.components.procurement.Procurement`.
    """
    for first in range(first_draw, stop_draw, DRAWS_PER_BLOCK):
        stop = min(first + DRAWS_PER_BLOCK, stop_draw)
        for t in range(t0, t1):
            month = np.uint64(t)  # unsigned indices: numba adds no negative-index wraparound to their addresses
            frontier = np.uint64(frontier_index[month])
            next_model = frontier + np.uint64(1)
            flop_scale_month = -1.0 if t == 0 else t / 12.0
            if yearly:
                row = np.uint64(t // 12)
                replace = t % 12 == 0
                keep_last = t % 12 == 11
            else:
                row = month
                replace = True
                keep_last = True
            year_end = yearly and keep_last
            # A month's hardware growth factor, computed again only when a column's growth differs from the
            # column before (NaN never equals itself: computed every time).
            month_hardware = math.nan
            month_flop_growth = 1.0
            for draw_index in range(first, stop):
                draw = np.uint64(draw_index)
                market = market_demand[month, draw]
                for lab_index in range(labs):
                    lab = np.uint64(lab_index)
                    column = np.uint64(draw_index * labs + lab_index)
                    is_alive = alive[column]
                    # market: the lab's share of demand
                    demand = market if labs == 1 else market * share[column]
                    margin = gross_margin[column]
                    # procurement: what is under contract
                    if is_alive:
                        capacity = book_capacity[month, lab, draw]
                        payment = book_payment[month, lab, draw]
                    else:
                        capacity = 0.0
                        payment = 0.0
                    new_gw = 0.0
                    new_usd = 0.0
                    if decided and t == t0:
                        new_gw = committed_gw[column]
                        new_usd = committed_usd[column]
                    # allocation
                    offered = demand if is_alive else 0.0
                    cost_per_gw = payment / capacity if capacity > 0 else 0.0
                    cost_share = 1.0 - margin
                    inference_cost_needed = offered * cost_share
                    available_gw = capacity * (1.0 - kept_for_training[column])
                    available_cost = available_gw * cost_per_gw
                    if inference_cost_needed <= available_cost:
                        inference_cost_per_year = inference_cost_needed
                        inference_gw = inference_cost_needed / cost_per_gw if cost_per_gw > 0 else 0.0
                        served = offered
                    else:
                        inference_cost_per_year = available_cost
                        inference_gw = available_gw
                        served = available_cost / cost_share
                    served = _minimum(served, offered)
                    training_gw = capacity - inference_gw
                    unserved_per_year = offered - served
                    revenue = served / 12.0
                    compute_payment = payment / 12.0
                    inference_cost = _minimum(inference_cost_per_year / 12.0, compute_payment)
                    planned = planned_training_share[column] * capacity
                    training_share = training_gw / capacity if capacity > 0 else 0.0
                    squeezed = _maximum(planned - training_gw, 0.0)
                    spare = _maximum(training_gw - planned, 0.0)
                    training_cost = compute_payment - inference_cost
                    # finance: costs, the lab's trailing growth, a round, cash and ruin
                    other_opex = opex_fixed_monthly[column] + opex_share[column] * revenue if is_alive else 0.0
                    growth = 0.0
                    if use_growth:
                        seen = demand if is_alive else 0.0
                        slot = np.uint64(t % 12)
                        if t == 0:
                            opening_demand[column] = seen
                        if t < 12:
                            year_ago = opening_demand[column] * first_year_factor[month, column]
                        else:
                            year_ago = demand_history[slot, column]
                        if year_ago > 0:
                            growth = seen / year_ago
                        elif seen > 0:
                            growth = math.inf
                        else:
                            growth = 0.0
                        demand_history[slot, column] = seen
                    net = revenue - (compute_payment + other_opex)
                    cash_before = cash[column] + net
                    raised = 0.0
                    if fundraising:
                        burn = _maximum(-net, 0.0)
                        low_runway = burn > 0 and cash_before < runway_threshold_months[column] * burn
                        attempt = (
                            is_alive
                            and months_since_raise[column] >= min_interval_months[column]
                            and (low_runway or cash_before < 0)
                            and enabled[column]
                        )
                        # a round's terms matter only when one is attempted (raised is 0 otherwise)
                        size = 0.0
                        probability = 0.0
                        if attempt:
                            if use_growth:
                                clipped = growth
                                if math.isnan(clipped):
                                    clipped = 0.0
                                elif clipped == math.inf:
                                    clipped = MAX_GROWTH_PER_YEAR
                                elif clipped == -math.inf:
                                    clipped = -_LARGEST
                                clipped = _minimum(_maximum(clipped, 0.0), MAX_GROWTH_PER_YEAR)
                                elasticity = growth_elasticity[column]
                                relative = (clipped / reference_growth_per_year[column]) ** elasticity
                                size = _minimum(max_usd[column], revenue_multiple[column] * served * relative)
                                probability = success_probability[column] if (clipped > 1.0 or elasticity == 0) else 0.0
                            else:
                                size = _minimum(max_usd[column], revenue_multiple[column] * served)
                                probability = success_probability[column]
                        closes = attempt and raise_uniforms[lab, draw, month] < probability
                        raised = size if closes else 0.0
                        if closes and raised > 0:
                            months_since_raise[column] = 0
                        else:
                            months_since_raise[column] += 1
                    cash_now = cash_before + raised
                    cash[column] = cash_now
                    if is_alive and cash_now < -RUIN_TOLERANCE_USD:
                        ruin_month[column] = t
                        alive[column] = False
                    # cohorts: the frontier model earns, the next one is trained
                    model_revenue[frontier, column] += revenue
                    model_inference_cost[frontier, column] += inference_cost
                    model_training_cost[next_model, column] += training_cost
                    if flop_scale_month < 0:
                        flop = flop_per_gw_month[column]
                    else:
                        hardware = log_hardware_growth[column]
                        if hardware != month_hardware:  # most scenarios fix the growth: one exp a month
                            month_hardware = hardware
                            month_flop_growth = math.exp(hardware * flop_scale_month)
                        flop = flop_per_gw_month[column] * month_flop_growth
                    model_training_flop[next_model, column] += training_gw * flop
                    # run-off: the demand its last year's growth is measured from
                    if t == base_month:
                        base_demand[column] = demand
                    last_demand[column] = demand
                    _record(out, 0, row, column, demand, replace, keep_last, last)
                    _record(out, 1, row, column, capacity, replace, keep_last, last)
                    _record(out, 2, row, column, new_gw, replace, keep_last, last)
                    _record(out, 3, row, column, new_usd, replace, keep_last, last)
                    _record(out, 4, row, column, inference_gw, replace, keep_last, last)
                    _record(out, 5, row, column, training_gw, replace, keep_last, last)
                    _record(out, 6, row, column, training_share, replace, keep_last, last)
                    _record(out, 7, row, column, squeezed, replace, keep_last, last)
                    _record(out, 8, row, column, spare, replace, keep_last, last)
                    _record(out, 9, row, column, revenue, replace, keep_last, last)
                    _record(out, 10, row, column, unserved_per_year / 12.0, replace, keep_last, last)
                    _record(out, 11, row, column, inference_cost, replace, keep_last, last)
                    _record(out, 12, row, column, training_cost, replace, keep_last, last)
                    _record(out, 13, row, column, compute_payment, replace, keep_last, last)
                    _record(out, 14, row, column, other_opex, replace, keep_last, last)
                    _record(out, 15, row, column, raised, replace, keep_last, last)
                    _record(out, 16, row, column, cash_now, replace, keep_last, last)
                    if year_end:  # a yearly mean is its running total over 12 (YearlyAccumulator's division)
                        for k in range(out.shape[2]):
                            if mean[k]:
                                out[row, column, k] /= 12.0


@numba.njit(**_JIT)
def first_year_reference_factors(reference_growth_per_year: Any, out: Any) -> None:  # pragma: no cover - compiled
    r"""``out[t, column] = reference_growth_per_year[column] ** ((t - 12) / 12)``, months ``t`` of the first year.

    In the first year a lab's trailing growth is measured against its
    opening demand grown back a year at the reference growth
    (:meth:`~frontiersim.models.components.finance.Finance.step`). The
    powers are computed again only where a column's reference differs from
    the column before (most scenarios fix it), in a loop of their own: in
    the month kernel the compiler made the power unconditional, one call per
    draw-month of the first year.
    """
    factors = np.empty(12)
    previous = math.nan
    for column in range(reference_growth_per_year.shape[0]):
        reference = reference_growth_per_year[column]
        if reference != previous:  # NaN never equals itself: computed again
            previous = reference
            for t in range(12):
                factors[t] = reference ** ((t - 12) / 12.0)
        for t in range(12):
            out[t, column] = factors[t]


@numba.njit(**_JIT)
def growth_demand_by_month(  # pragma: no cover - compiled; tested against GrowthDemand
    first_draw: int,
    stop_draw: int,
    initial_usd_per_year: Any,
    growth_per_year: Any,
    persistence_per_year: Any,
    delay_months: Any,
    volatility_per_sqrt_year: Any,
    log_shocks: Any,
    ceiling_usd_per_year: float,
    out: Any,
) -> None:
    r"""Growth demand of draws ``first_draw:stop_draw``, month-major ``out[t, draw]``, USD/year.

    The equations and order of operations of
    :class:`~frontiersim.models.demand.GrowthDemand`: with
    :math:`\tau_t = \max(t - d, 0) / 12`,
    :math:`\ln D_t = \ln D_0 + \ln g\, (\rho^{\tau_t} - 1) / \ln\rho
    + \sigma / \sqrt{12} \sum_{s=1}^{t} z_s`, capped at the ceiling.
    ``log_shocks`` is draw-major ``(draws, months)``.
    """
    months = log_shocks.shape[1]
    log_ceiling = math.log(ceiling_usd_per_year)
    root_twelve = math.sqrt(12.0)
    for first in range(first_draw, stop_draw, DRAWS_PER_BLOCK):
        size = min(first + DRAWS_PER_BLOCK, stop_draw) - first
        log_growth = np.empty(size)
        safe = np.empty(size)
        flat = np.empty(size, dtype=np.bool_)
        scale = np.empty(size)
        log_room = np.empty(size)
        walk = np.zeros(size)
        for j in range(size):
            draw_index = first + j
            log_growth[j] = math.log(growth_per_year[draw_index])
            log_rho = math.log(persistence_per_year[draw_index])
            flat[j] = abs(log_rho) < 1e-12
            safe[j] = 1.0 if flat[j] else log_rho
            scale[j] = volatility_per_sqrt_year[draw_index] / root_twelve
            level = initial_usd_per_year[draw_index]
            log_room[j] = 0.0 if level == 0.0 else log_ceiling - math.log(level)
        # months outer, draws inner: each month's row of ``out`` is written as one contiguous run
        for t in range(months):
            month = np.uint64(t)  # unsigned indices, as in month_segment
            # The path's shape, (rho^tau - 1) / ln rho, is the same for draws with the same delay and
            # persistence (most scenarios fix both): it is computed again only when they change.
            shape_delay = math.nan
            shape_safe = math.nan
            shape_flat = False
            shape = 0.0
            for lane_index in range(size):
                lane = np.uint64(lane_index)  # the draw's place in the block
                draw = np.uint64(first + lane_index)
                delay = delay_months[draw]
                if delay != shape_delay or safe[lane] != shape_safe or flat[lane] != shape_flat:
                    years = _maximum(t - delay, 0.0) / 12.0
                    shape = years if flat[lane] else math.expm1(years * safe[lane]) / safe[lane]
                    shape_delay = delay
                    shape_safe = safe[lane]
                    shape_flat = flat[lane]
                log_path = log_growth[lane] * shape
                if t > 0:
                    walk[lane] += log_shocks[draw, month]
                log_factor = log_path + walk[lane] * scale[lane]
                level = initial_usd_per_year[draw]
                if log_factor == 0.0 or level == 0.0:
                    capped = level
                else:
                    capped = level * math.exp(_minimum(log_factor, log_room[lane]))
                out[month, draw] = _minimum(capped, ceiling_usd_per_year)


@numba.njit(**_JIT)
def run_off(  # pragma: no cover - compiled; tested against the RunOff component
    first_draw: int,
    stop_draw: int,
    months: int,
    labs: int,
    book_capacity: Any,
    book_payment: Any,
    alive: Any,
    cash: Any,
    ruin_month: Any,
    last_demand: Any,
    base_demand: Any,
    years: float,
    persistence_per_year: Any,
    gross_margin: Any,
    opex_fixed_monthly: Any,
    opex_share: Any,
    ceiling_usd_per_year: float,
    ruin_out: Any,
    cash_out: Any,
    revenue_out: Any,
) -> None:
    r"""Each surviving lab of draws ``first_draw:stop_draw`` paying its contracts to their end.

    As :class:`~frontiersim.models.components.runoff.RunOff` does.

    ``alive``, ``cash`` and ``ruin_month`` are the state at the horizon;
    ``last_demand`` is the last month's demand and ``base_demand`` the
    demand the last year's growth is measured from, over ``years``. The
    results go to ``ruin_out``, ``cash_out`` and ``revenue_out``.

    Notes
    -----
    Each lab runs until the month after its last month with capacity or
    payments under contract (from the horizon on), and stops at ruin; the
    numbers are those of the whole-array loop of
    :meth:`~frontiersim.models.components.runoff.RunOff.finish`, which steps
    every lab until the last of them stops.
    """
    width = book_capacity.shape[0]
    for column in range(first_draw * labs, stop_draw * labs):
        draw = column // labs
        lab = column - draw * labs
        is_alive = alive[column]
        balance = cash[column]
        ruin = -1 if is_alive else ruin_month[column]
        end = months
        for t in range(width - 1, months - 1, -1):
            if book_capacity[t, lab, draw] > 0 or book_payment[t, lab, draw] > 0:
                end = t + 1
                break
        last = last_demand[column] if is_alive else 0.0
        base = base_demand[column]
        log_growth = math.log(last / base) / years if last > 0 and base > 0 else 0.0
        log_demand = math.log(_maximum(last, 1e-300))
        monthly_step = log_growth / 12.0
        monthly_decay = persistence_per_year[column] ** (1.0 / 12.0)
        decay = 1.0
        cost_share = 1.0 - gross_margin[column]
        revenue_total = 0.0
        if is_alive:
            for t in range(months, end):
                capacity = book_capacity[t, lab, draw]
                payment = book_payment[t, lab, draw]
                decay = decay * monthly_decay
                log_demand = log_demand + monthly_step * decay
                demand = _minimum(math.exp(_minimum(log_demand, 700.0)), ceiling_usd_per_year) if last > 0 else 0.0
                served = _minimum(demand, payment / cost_share) if capacity > 0 else 0.0
                revenue = served / 12.0
                outflow = payment / 12.0 + opex_fixed_monthly[column] + opex_share[column] * revenue
                balance = balance + revenue - outflow
                revenue_total += revenue
                if balance < -RUIN_TOLERANCE_USD:
                    ruin = t
                    break
        ruin_out[column] = ruin
        cash_out[column] = balance
        revenue_out[column] = revenue_total
