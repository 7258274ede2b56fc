"""The compiled engine: the month loop of :mod:`frontiersim.models.engine` in fused kernels.

The components are built as for the numpy engine (their ``build`` and
``finish`` are shared), but their months run in the compiled kernels of
:mod:`frontiersim.models.fused_kernels`: one pass over the draws per
stretch of months between procurement decisions, with each lab's state in
registers, no temporaries, and yearly figures summed inside the kernel when
no monthly arrays are kept. Decisions are taken between the stretches by
the labs' policies, vectorized over draws, exactly as the numpy engine
takes them (:meth:`~frontiersim.models.components.procurement.Procurement.decide`).

Which engine runs
-----------------
``run_chunk(..., engine=...)`` or the environment variable
``FRONTIERSIM_ENGINE``:

``"auto"`` (the default)
    The compiled engine where it covers the scenario's components (growth or
    path demand, fixed market shares, and the built-in procurement,
    allocation, finance, cohorts and run-off), the numpy engine elsewhere
    (capability demand, or a component of one's own).
``"numba"``
    The compiled engine; an error if it does not cover the scenario.
``"numpy"``
    The numpy components, the reference the compiled engine is tested
    against (``tests/test_kernels.py``: every bundled scenario agrees to
    1e-12, and each engine gives identical numbers whatever the chunk size
    and worker count).

numba, and with it LLVM, is imported only when the compiled engine first
runs; the kernels are compiled once and cached on disk
(:mod:`frontiersim.models.fused_kernels`).
"""

from __future__ import annotations

import ctypes
import itertools
import os
import platform
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from frontiersim import environment
from frontiersim.draws.sampling import Draws
from frontiersim.models.catalogue import Catalogue, YearlyAccumulator, reduce_to_years
from frontiersim.models.components.allocation import Allocation
from frontiersim.models.components.base import Component, MonthState, Setup
from frontiersim.models.components.cohorts import Cohorts
from frontiersim.models.components.demand import GrowthDemandComponent, PathDemandComponent
from frontiersim.models.components.finance import Finance
from frontiersim.models.components.market import FixedShareMarket
from frontiersim.models.components.procurement import Procurement
from frontiersim.models.components.runoff import RunOff

FloatArray = NDArray[np.float64]
Engine = Literal["auto", "numba", "numpy"]

#: Fewer draws than this per thread are stepped in one thread (starting threads would cost more than they save).
MIN_DRAWS_PER_THREAD = 512
#: Spare columns at the end of each row of the kernel's yearly outputs (see :func:`run_fused`).
YEARLY_ROW_PADDING = 8

#: The environment variable that chooses the engine when ``run_chunk`` is not told.
ENGINE_VARIABLE = environment.ENGINE_VARIABLE
ENGINES: tuple[Engine, ...] = ("auto", "numba", "numpy")

#: The component classes the compiled engine covers, by role (exact classes: a subclass may change a step).
_COVERED: dict[str, tuple[type[Component], ...]] = {
    "demand": (GrowthDemandComponent, PathDemandComponent),
    "market": (FixedShareMarket,),
    "procurement": (Procurement,),
    "allocation": (Allocation,),
    "finance": (Finance,),
    "cohorts": (Cohorts,),
    "runoff": (RunOff,),
}

#: Per-lab monthly outputs the month kernel writes, in the order of the rows of its ``out`` array.
LAB_OUTPUTS: tuple[str, ...] = (
    "demand_usd_per_year",
    "capacity_gw",
    "new_commitment_gw",
    "new_commitment_usd",
    "inference_gw",
    "training_gw",
    "training_share",
    "squeezed_training_gw",
    "spare_training_gw",
    "revenue_usd",
    "unserved_usd",
    "inference_cost_usd",
    "training_cost_usd",
    "compute_payment_usd",
    "other_opex_usd",
    "financing_usd",
    "cash_usd",
)

#: Monthly outputs written outside the kernel (constant or market-level).
_OUTSIDE = ("gross_margin", "market_share", "market_demand_usd_per_year")


def chosen_engine(engine: str | None = None) -> Engine:
    """The engine asked for: ``engine``, else ``FRONTIERSIM_ENGINE``, else ``"auto"``."""
    name = engine if engine is not None else os.environ.get(ENGINE_VARIABLE, "auto") or "auto"
    for known in ENGINES:
        if name == known:
            return known
    if engine is not None:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {name!r}")
    raise environment.SettingError(f"{ENGINE_VARIABLE}={name!r}: expected one of {', '.join(ENGINES)}")


def numba_available() -> bool:
    """Whether numba can be imported (without importing it)."""
    import importlib.util  # noqa: PLC0415

    return importlib.util.find_spec("numba") is not None


def uncovered(components: Sequence[Component | type[Component]], outputs: Catalogue) -> str | None:
    """Why the compiled engine cannot run these components (built, or their classes), or None if it can."""
    kinds = [component if isinstance(component, type) else type(component) for component in components]
    roles = {kind.role: kind for kind in kinds}
    if len(roles) != len(components) or set(roles) != set(_COVERED):
        return f"components {sorted(roles)} differ from the built-in {sorted(_COVERED)}"
    for role, kind in roles.items():
        if kind not in _COVERED[role]:
            return f"the {role} component {kind.__name__} is not compiled"
    unknown = set(outputs.monthly) - set(LAB_OUTPUTS) - set(_OUTSIDE)
    if unknown:
        return f"outputs {sorted(unknown)} are not compiled"
    missing = set(LAB_OUTPUTS) - set(outputs.monthly)
    if missing:
        return f"outputs {sorted(missing)} are not declared"
    return None


def _per_column(value: Any, columns: int, dtype: type) -> NDArray[Any]:
    """A scalar or per-lab setting as a contiguous, writable per-lab array (one compiled signature for all)."""
    array: NDArray[Any] = np.ascontiguousarray(np.broadcast_to(np.asarray(value, dtype=dtype), (columns,)))
    return array if array.flags.writeable else array.copy()


#: glibc's ``mallopt`` parameters (``malloc.h``).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: Allocations up to this size come from the heap and are reused once freed (not handed back to the system).
KEEP_FREED_BYTES = 1 << 30
_MEMORY_KEPT: list[bool] = []


def keep_freed_memory() -> bool:
    """Let glibc keep and reuse freed memory instead of returning it, so that chunks after the first fault no pages in.

    Every chunk allocates arrays of the same sizes (draws, book, outputs).
    By default glibc serves such large arrays with fresh ``mmap`` pages and
    unmaps them when freed, so every chunk faults its memory in again, which
    measured over half the CPU time of a run (``benchmarks/bench_kernels.py``).
    Raising ``M_MMAP_THRESHOLD`` and ``M_TRIM_THRESHOLD`` [1]_ keeps freed
    memory in the process, to be reused by the next chunk. Set
    ``FRONTIERSIM_KEEP_FREED_MEMORY=0`` to leave glibc's defaults. Returns
    whether the setting took (glibc only; once per process).

    References
    ----------
    .. [1] mallopt(3), Linux man-pages, https://man7.org/linux/man-pages/man3/mallopt.3.html
    """
    if _MEMORY_KEPT:
        return _MEMORY_KEPT[0]
    kept = False
    if os.environ.get("FRONTIERSIM_KEEP_FREED_MEMORY", "1") != "0" and platform.libc_ver()[0] == "glibc":
        try:
            libc = ctypes.CDLL(None)
            kept = bool(libc.mallopt(_M_MMAP_THRESHOLD, KEEP_FREED_BYTES)) and bool(
                libc.mallopt(_M_TRIM_THRESHOLD, KEEP_FREED_BYTES)
            )
        except (OSError, AttributeError):  # pragma: no cover - a libc without mallopt
            kept = False
    _MEMORY_KEPT.append(kept)
    return kept


def kernel_threads() -> int:
    """Threads the kernels use: :func:`frontiersim.environment.compute_threads` (``NUMBA_NUM_THREADS`` if set)."""
    return environment.compute_threads()


_POOL: list[ThreadPoolExecutor] = []


def in_parallel(kernel: Callable[..., None], draws: int, *arguments: Any) -> None:
    """Call ``kernel(first_draw, stop_draw, *arguments)`` over ranges of the draws, on :func:`kernel_threads` threads.

    The kernels release the GIL and every draw is independent, so the ranges
    run at once and give the numbers one call over all draws would.
    """
    threads = min(kernel_threads(), max(draws // MIN_DRAWS_PER_THREAD, 1))
    if threads == 1:
        kernel(0, draws, *arguments)
        return
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(max_workers=kernel_threads(), thread_name_prefix="frontiersim-kernel"))
    bounds = np.linspace(0, draws, threads + 1).astype(np.int64)
    futures = [_POOL[0].submit(kernel, int(first), int(stop), *arguments) for first, stop in itertools.pairwise(bounds)]
    for future in futures:
        future.result()


def _writable(values: Any) -> FloatArray:
    """A contiguous, writable float64 copy of ``values`` unless it is one already (one compiled signature)."""
    array: FloatArray = np.ascontiguousarray(values, dtype=np.float64)
    return array if array.flags.writeable else array.copy()


def _memoized(draws: Draws, name: str, owner: object, compute: Callable[[], NDArray[Any]]) -> NDArray[Any]:
    """``compute()``, kept in ``draws.memo`` for later runs of the same draws with the same ``owner``.

    The draws of a policy search are handed to every candidate
    (:class:`~frontiersim.draws.cache.DrawCache`); what depends on the draws
    and the scenario alone (``owner``, compared by identity) is then
    computed once. The kept array is read-only.
    """
    kept = draws.memo.get(name)
    if kept is not None and kept[0] is owner:
        return kept[1]
    values = compute()
    values.flags.writeable = False
    draws.memo[name] = (owner, values)
    return values


def _market_demand(kernels: Any, demand: Component, draws: int, months: int) -> FloatArray:
    """The market's demand, month-major ``(months, draws)``: growth demand in a kernel, a path as precomputed."""
    if isinstance(demand, GrowthDemandComponent):
        initial, growth, persistence, delay, volatility, shocks, ceiling = demand.inputs
        by_month = np.empty((months, draws))
        in_parallel(
            kernels.growth_demand_by_month,
            draws,
            _writable(initial),
            _writable(growth),
            _writable(persistence),
            _writable(delay),
            _writable(volatility),
            _writable(shocks),
            float(ceiling),
            by_month,
        )
        return by_month
    assert isinstance(demand, PathDemandComponent)
    return _writable(demand.driver._by_month)


def _run_off(kernels: Any, runoff: RunOff, state: MonthState, labs: int) -> dict[str, NDArray[Any]]:
    """:meth:`RunOff.finish <frontiersim.models.components.runoff.RunOff.finish>` in a kernel."""
    book = state["contract_book"]
    columns = state["alive"].shape[0]
    results = {
        "ruin_month_including_runoff": np.empty(columns, dtype=np.int64),
        "cash_after_runoff_usd": np.empty(columns),
        "runoff_revenue_usd": np.empty(columns),
    }
    in_parallel(
        kernels.run_off,
        columns // labs,
        runoff.months,
        labs,
        book._capacity,
        book._payment,
        state["alive"],
        state["cash_usd"],
        np.ascontiguousarray(state["ruin_month"], dtype=np.int64),
        state["demand_usd_per_year"],
        runoff.base_demand,
        max(runoff.months - 1 - runoff.base_month, 1) / 12.0,
        _writable(runoff.persistence),
        state["gross_margin"],
        _per_column(runoff.opex_fixed_monthly, columns, float),
        _per_column(runoff.opex_share, columns, float),
        float(runoff.ceiling_usd_per_year),
        *results.values(),
    )
    return results


def run_fused(
    setup: Setup,
    components: Sequence[Component],
    outputs: Catalogue,
    keep_monthly: bool,
    monthly_out: Mapping[str, FloatArray],
) -> tuple[dict[str, FloatArray], dict[str, FloatArray], dict[str, NDArray[Any]]]:
    """Step the built ``components`` through the horizon in the compiled kernels.

    Returns
    -------
    by_month, by_year, final : dict of ndarray
        As :class:`~frontiersim.models.engine.ChunkOutput` holds them.
    """
    from frontiersim.models import fused_kernels as kernels  # noqa: PLC0415 (numba, on first use)

    keep_freed_memory()

    by_role = {type(component).role: component for component in components}
    demand = by_role["demand"]
    market = by_role["market"]
    procurement = by_role["procurement"]
    allocation = by_role["allocation"]
    finance = by_role["finance"]
    cohorts = by_role["cohorts"]
    runoff = by_role["runoff"]
    assert isinstance(demand, GrowthDemandComponent | PathDemandComponent)
    assert isinstance(market, FixedShareMarket)
    assert isinstance(procurement, Procurement)
    assert isinstance(allocation, Allocation)
    assert isinstance(finance, Finance)
    assert isinstance(cohorts, Cohorts)
    assert isinstance(runoff, RunOff)

    layout = setup.layout
    columns, labs, months = layout.columns, layout.labs, setup.months
    years = months // 12
    # Neither depends on the policy: a policy search's candidates share them (with the draws they share).
    scenario = setup.scenario
    market_demand = _memoized(
        setup.draws, "market_demand", scenario, lambda: _market_demand(kernels, demand, layout.draws, months)
    )
    share = _per_column(market.share, columns, float)
    margin = _per_column(demand.gross_margin, columns, float)
    rule = finance.rule
    cash_state = finance.cash
    cash = np.ascontiguousarray(cash_state.cash_usd, dtype=float)
    alive = np.ascontiguousarray(cash_state.alive, dtype=np.bool_)
    ruin_month = np.ascontiguousarray(cash_state.ruin_month, dtype=np.int64)
    months_since_raise = np.ascontiguousarray(cash_state.months_since_raise, dtype=np.int64)
    demand_history = finance.demand_history if finance.demand_history is not None else np.zeros((12, 1))
    opening_demand = finance.opening_demand  # written in month 0, as Finance writes it
    base_demand = np.zeros(columns)
    last_demand = np.zeros(columns)
    book = procurement.book
    names = LAB_OUTPUTS
    monthly_specs = outputs.monthly  # every name of LAB_OUTPUTS is there (see uncovered)
    rules = [monthly_specs[name].yearly for name in names]
    last = np.array([rule is not None and rule.how == "last" for rule in rules], dtype=np.bool_)
    mean = np.array([rule is not None and rule.how in ("mean", "sum_of_rate") for rule in rules], dtype=np.bool_)
    if keep_monthly:  # output-major: each output's months are one block, copied whole into its buffer (_collect)
        out = np.empty((len(names), months, columns)).transpose(1, 2, 0)
    else:
        # Output-major too: a sketch reads each year of an output as one run of draws. Rows are padded by
        # YEARLY_ROW_PADDING so that the outputs' rows, which the kernel writes side by side, are not a power of
        # two of bytes apart (they would share the caches' sets: the month kernel ran at half speed).
        padded = np.empty((len(names), years, columns + YEARLY_ROW_PADDING))
        out = padded[:, :, :columns].transpose(1, 2, 0)
    model_books = cohorts.by_model
    fixed = {
        "share": share,
        "gross_margin": margin,
        "kept_for_training": _per_column(allocation.kept_for_training, columns, float),
        "planned_training_share": _per_column(allocation.planned_training_share, columns, float),
        "opex_fixed_monthly": _per_column(finance.opex_fixed_monthly, columns, float),
        "opex_share": _per_column(finance.opex_share, columns, float),
        "enabled": _per_column(rule.enabled, columns, np.bool_),
        "runway_threshold_months": _per_column(rule.runway_threshold_months, columns, float),
        "revenue_multiple": _per_column(rule.revenue_multiple, columns, float),
        "max_usd": _per_column(rule.max_usd, columns, float),
        "min_interval_months": _per_column(rule.min_interval_months, columns, np.int64),
        "success_probability": _per_column(rule.success_probability, columns, float),
        "reference_growth_per_year": _per_column(rule.reference_growth_per_year, columns, float),
        "growth_elasticity": _per_column(rule.growth_elasticity, columns, float),
        "flop_per_gw_month": _per_column(cohorts.flop_per_gw_month, columns, float),
        "log_hardware_growth": _per_column(cohorts.log_hardware_growth, columns, float),
    }
    reference = fixed["reference_growth_per_year"] if finance.growth_matters else np.empty(0)
    first_year_factor = np.empty((12, reference.shape[0]))  # read only where growth matters
    kernels.first_year_reference_factors(reference, first_year_factor)
    raise_uniforms = _memoized(  # (labs, draws, months), contiguous
        setup.draws, "raise_uniforms", scenario, lambda: _writable(finance.raise_uniforms_by_lab())
    )
    frontier_index = np.ascontiguousarray(cohorts.frontier_index, dtype=np.int64)
    fundraising = bool(np.any(rule.enabled))
    zeros = procurement.zeros  # no commitment in the months between decisions

    def run(t0: int, t1: int, decided: bool, committed_gw: FloatArray, committed_usd: FloatArray) -> None:
        in_parallel(
            kernels.month_segment,
            layout.draws,
            t0,
            t1,
            labs,
            decided,
            market_demand,
            fixed["share"],
            fixed["gross_margin"],
            book._capacity,
            book._payment,
            committed_gw,
            committed_usd,
            fixed["kept_for_training"],
            fixed["planned_training_share"],
            fixed["opex_fixed_monthly"],
            fixed["opex_share"],
            fundraising,
            fixed["enabled"],
            fixed["runway_threshold_months"],
            fixed["revenue_multiple"],
            fixed["max_usd"],
            fixed["min_interval_months"],
            fixed["success_probability"],
            fixed["reference_growth_per_year"],
            first_year_factor,
            fixed["growth_elasticity"],
            finance.growth_matters,
            raise_uniforms,
            cash,
            alive,
            ruin_month,
            months_since_raise,
            demand_history,
            opening_demand,
            frontier_index,
            model_books["model_revenue_usd"],
            model_books["model_inference_cost_usd"],
            model_books["model_training_cost_usd"],
            model_books["model_training_flop"],
            fixed["flop_per_gw_month"],
            fixed["log_hardware_growth"],
            runoff.base_month,
            base_demand,
            last_demand,
            out,
            not keep_monthly,
            last,
            mean,
        )

    decisions = sorted(month for month in procurement.any_decision if 0 <= month < months)
    start = 0
    for month in decisions:
        if month > start:
            run(start, month, False, zeros, zeros)
        row = market_demand[month]
        lab_demand = row if labs == 1 else layout.spread(row) * share
        committed_gw, committed_usd = procurement.decide(month, alive, lab_demand, margin)
        run(month, month + 1, True, committed_gw, committed_usd)
        start = month + 1
    if start < months:
        run(start, months, False, zeros, zeros)

    # Hand the state back to the components, whose finish() is shared with the numpy engine.
    cash_state.cash_usd, cash_state.alive, cash_state.ruin_month = cash, alive, ruin_month
    cash_state.months_since_raise = months_since_raise
    runoff.base_demand = base_demand
    state = MonthState({})
    state.advance(months - 1)
    state["contract_book"] = book
    state["alive"] = alive
    state["cash_usd"] = cash
    state["demand_usd_per_year"] = last_demand
    state["gross_margin"] = margin
    final: dict[str, NDArray[Any]] = {}
    for component in components:
        final.update(_run_off(kernels, runoff, state, labs) if component is runoff else component.finish(state))

    by_month, by_year = _collect(out, outputs, keep_monthly, monthly_out, market_demand, margin, share)
    return by_month, by_year, final


def _collect(
    out: NDArray[np.float64],
    outputs: Catalogue,
    keep_monthly: bool,
    monthly_out: Mapping[str, FloatArray],
    market_demand: FloatArray,
    margin: FloatArray,
    share: FloatArray,
) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
    """The kernel's rows as the engine's monthly and yearly arrays, with the outputs written outside it.

    With ``keep_monthly``, ``monthly_out`` holds a ``(months, columns)`` buffer for every monthly output.
    """
    names = LAB_OUTPUTS
    months, columns = market_demand.shape[0], margin.shape[0]
    by_month: dict[str, FloatArray] = {}
    by_year: dict[str, FloatArray] = {}
    outside: dict[str, FloatArray] = {
        "gross_margin": margin,
        "market_share": share,
    }
    for name, spec in outputs.monthly.items():
        target = monthly_out[name] if keep_monthly else None  # the engine gives a buffer for every monthly output
        if name in names:
            rows = out[:, :, names.index(name)]
            if target is not None:
                target[...] = rows
                by_month[name] = target
            elif spec.yearly is not None:  # summed (and divided, for means) in the kernel; reduce_chunk copies it
                by_year[spec.yearly.name] = rows
            continue
        if name == "market_demand_usd_per_year":
            monthly_values = market_demand
        else:
            monthly_values = np.broadcast_to(outside[name], (months, columns))
        if target is not None:
            target[...] = monthly_values
            by_month[name] = target
        elif spec.yearly is not None:  # added month by month, as the numpy engine adds them
            accumulator = YearlyAccumulator(spec, months // 12, monthly_values.shape[1])
            for t in range(months):
                accumulator.add(t, monthly_values[t])
            by_year[spec.yearly.name] = accumulator.result()
    if keep_monthly:
        by_year = reduce_to_years(by_month, outputs)
    return by_month, by_year
