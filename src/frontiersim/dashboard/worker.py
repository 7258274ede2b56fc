"""What the dashboard's simulation worker processes run: one job at a time, stoppable between chunks.

:class:`~frontiersim.dashboard.pool.SimulationPool` sends each job to a
worker with the slot it holds and its job id, through
:func:`run_job`. A job is a function of this module taking a checkpoint
first: :func:`simulation_job` (``POST /api/simulate``) and :func:`save_job`
(``POST /api/runs``). The checkpoint raises :class:`SimulationStoppedError` when
the server has written the job's id into its slot of the shared stop
requests (a newer request of the same client superseded it, or its client
left); it is called after every chunk of draws and once more before the
tables are made.

What comes back to the server is the JSON mapping the page draws
(:func:`~frontiersim.dashboard.payload.result_payload` plus the draws, seed,
timing and warnings), tens of kilobytes, not the simulation's arrays (about
100 MB at 10,000 draws with monthly arrays).
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import signal
import time
import warnings
from collections.abc import Callable, MutableSequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from frontiersim.dashboard.inputs import ValidatedScenario
from frontiersim.dashboard.payload import drivers_chart, result_payload
from frontiersim.results.result import SimulationResult
from frontiersim.results.tables import (
    draw_tables,
    run_tables,
)
from frontiersim.scenario.loader import bundled
from frontiersim.scenario.schema import Scenario
from frontiersim.sensitivity import drawn_inputs, drivers_in_draws, drivers_of_drawn
from frontiersim.simulate import simulate

logger = logging.getLogger(__name__)

#: Draws simulated at once in the dashboard: a simulation can be stopped after each chunk.
#: At 10,000 draws this gives five chunks (about 0.05 s of simulation each on the development
#: machine) where the library's default of 8,192 draws would leave one stopping point, after 80%
#: of the work. Simulating 10,000 draws took 0.28 s against 0.24 s in chunks of 8,192 in one run
#: of ``benchmarks/bench_dashboard.py --pool-choices``, from -10% to +16% over four runs: within
#: the runs' spread. Results are the same whatever the chunk size.
CHUNK_SIZE_DRAWS = 2048

#: A checkpoint: returns if the job may go on, raises :class:`SimulationStoppedError` if not.
Checkpoint = Callable[[], None]


class SimulationStoppedError(Exception):
    """The server asked a running job to stop: a newer request of its client superseded it, or its client left."""


class _StopRequests:
    """Per slot, the id of the job the server asked to stop (0: none); shared memory set by :func:`start_worker`."""

    slots: MutableSequence[int] | None = None


def start_worker(stop_requests: MutableSequence[int], warm: bool = True) -> None:
    """Initialise a worker process: keep the shared stop requests (one int64 per slot), ignore SIGINT, 1 kernel thread.

    Ctrl-C in a terminal signals the whole process group; the server alone
    should act on it, stopping its workers in order. With ``warm``, the
    worker then runs :func:`warm_up` and :func:`keep_out_of_collections`
    before it takes its first job.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _StopRequests.slots = stop_requests
    # The pool already runs one simulation per CPU: the compiled kernels take one thread each (numba reads this when
    # it is first imported, with the first simulation), instead of each competing for every core.
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    if warm:
        warm_up()
        keep_out_of_collections()


def keep_out_of_collections() -> None:
    """Collect, then freeze what the process holds now (:func:`gc.freeze`), out of the collector's later passes.

    A warm worker holds about 240,000 objects for good (modules, Altair's
    schema, the kept charts). The collector's full passes, which come about
    once every ten updates, walked them all: 0.1 s each on the development
    machine, inside an update. Frozen, they are no longer walked; each
    update's own objects are collected as before.
    """
    gc.collect()
    gc.freeze()


#: Draws of the update a worker runs when it starts (:func:`warm_up`): one chunk.
WARM_UP_DRAWS = CHUNK_SIZE_DRAWS

#: The scenario of that update: the page's first preset.
WARM_UP_SCENARIO = "default"


def warm_up() -> bool:
    """Run one small update of the bundled default scenario and drop it, so that the first request does not wait.

    A fresh worker's first update pays once for what every later one
    reuses: numba loading the compiled kernels from its disk cache (and
    importing itself), Altair loading its schema, the fan charts' structure
    (:mod:`frontiersim.dashboard.chart_specs`) and the memory of a chunk of
    draws. On the development machine a fresh worker took 1.2-1.7 s for a
    first update of :data:`WARM_UP_DRAWS` draws, then about 0.5 s for one of
    10,000 draws, against 0.35 s once warm. Done when the worker starts, that
    time is spent before any request comes, not on the first request each
    worker takes.

    Returns
    -------
    bool
        Whether the update ran; a failure is logged and the worker goes on
        (each request then pays for itself, as without the warm-up).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            simulation_job(lambda: None, bundled(WARM_UP_SCENARIO), WARM_UP_DRAWS, 0, None)
    except Exception:  # the warm-up is an optimisation: a worker that cannot run it still takes jobs
        logger.exception("the simulation worker's warm-up failed; it goes on without")
        return False
    return True


def worker_ready() -> bool:
    """A job that does nothing: submitted when the pool starts, so that every worker process starts at once."""
    return True


def run_job(slot: int, job_id: int, job: Callable[..., Any], arguments: tuple[Any, ...]) -> Any:
    """Run one job in this worker process, with a checkpoint that stops it when the server asks.

    Parameters
    ----------
    slot : int
        The pool slot the job holds (its index in the shared stop requests).
    job_id : int
        The job's id; the job stops when its slot of the stop requests holds it.
    job : callable
        ``job(checkpoint, *arguments)``: :func:`simulation_job` or :func:`save_job`.
    arguments : tuple
        The job's arguments after the checkpoint.

    Returns
    -------
    Any
        What the job returns.

    Raises
    ------
    SimulationStoppedError
        When the server asked the job to stop.
    """

    def checkpoint() -> None:
        slots = _StopRequests.slots
        if slots is not None and slots[slot] == job_id:
            raise SimulationStoppedError(f"job {job_id} stopped at the server's request")

    checkpoint()
    return job(checkpoint, *arguments)


#: The tables the page draws (:func:`~frontiersim.dashboard.payload.result_payload` reads these).
PAGE_TABLES = frozenset({"headline", "company_pnl", "fan", "ruin_curve", "market", "milestones"})


def page_tables(result: SimulationResult) -> dict[str, pd.DataFrame]:
    """The tables the page draws, as :func:`~frontiersim.results.tables.run_tables` makes them.

    The summary, cohort P&L and units tables, which only a saved run keeps,
    are left out: at 10,000 draws of the default scenario they are about 40%
    of the time ``run_tables`` takes (0.12 s of 0.28 s on the development
    machine).
    """
    return run_tables(result, PAGE_TABLES)


@dataclass(frozen=True)
class SimulationRun:
    """A finished simulation and what was made of it.

    Attributes
    ----------
    result : SimulationResult
    tables : dict of str to DataFrame
        :func:`~frontiersim.results.tables.run_tables` of the result, or only
        :func:`page_tables` for an update.
    per_draw : dict of str to DataFrame
        :func:`~frontiersim.results.tables.draw_tables` of the result (empty unless asked for).
    simulate_seconds, tables_seconds : float
        Wall time of the simulation and of the tables.
    warnings : tuple of str
        Warnings raised meanwhile (``Category: message``, each once).
    """

    result: SimulationResult
    tables: dict[str, pd.DataFrame]
    per_draw: dict[str, pd.DataFrame]
    simulate_seconds: float
    tables_seconds: float
    warnings: tuple[str, ...]


def simulate_and_tabulate(
    scenario: Scenario,
    draws: int,
    seed: int,
    checkpoint: Checkpoint,
    *,
    to_save: bool = False,
    simulated: Callable[[SimulationResult], None] | None = None,
) -> SimulationRun:
    """Simulate with monthly arrays and make the tables; warnings are collected, not raised.

    A run to save gets every run table and the per-draw tables; an update
    only the tables the page draws (:func:`page_tables`). ``simulated``, when
    given, is called with the result before the tables are made (to start
    work that needs only the result).

    A worker runs one job at a time, so the process-wide warning filters
    that :func:`warnings.catch_warnings` changes belong to this run alone.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.perf_counter()
        result = simulate(
            scenario,
            draws=draws,
            seed=seed,
            keep_monthly=True,
            chunk_size=CHUNK_SIZE_DRAWS,
            progress=lambda _draws_done: checkpoint(),
        )
        checkpoint()
        simulated_at = time.perf_counter()
        if simulated is not None:
            simulated(result)
        tables = run_tables(result) if to_save else page_tables(result)
        per_draw = draw_tables(result) if to_save else {}
        finished = time.perf_counter()
    messages = tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    return SimulationRun(result, tables, per_draw, simulated_at - started, finished - simulated_at, messages)


@dataclass(frozen=True)
class DriversChart:
    """The tornado of what drives ruin in a run's draws, as ``charts`` lists it, and what it took.

    Attributes
    ----------
    lab : str or None
        The lab whose ruin it reads (None: the scenario's first).
    chart : dict or None
        :func:`~frontiersim.dashboard.payload.drivers_chart` of
        :func:`~frontiersim.sensitivity.drivers_in_draws`; None when ruin
        does not vary (or nothing is uncertain).
    seconds : float
        Wall time of both.
    """

    lab: str | None
    chart: dict[str, Any] | None
    seconds: float


def drivers_of(result: SimulationResult, scenario: Scenario, lab: str | None, seed: int) -> DriversChart:
    """What drives ruin of ``lab`` in the draws of ``result``, as the page's chart (:class:`DriversChart`)."""
    started = time.perf_counter()
    drivers = drivers_in_draws(result, scenario, lab=lab, seed=seed)
    chart = drivers_chart(drivers) if drivers is not None else None
    return DriversChart(lab, chart, time.perf_counter() - started)


@dataclass(frozen=True)
class DriversTable:
    """The drivers of ruin worked out beside the tables, before their chart is drawn (:func:`drivers_beside`).

    Attributes
    ----------
    lab : str or None
        The lab whose ruin it reads.
    table : pandas.DataFrame or None
        :func:`~frontiersim.sensitivity.drivers_in_draws`'s table; None when
        there is nothing to rank.
    seconds : float
        Wall time of copying the arrays out and ranking them.
    """

    lab: str | None
    table: pd.DataFrame | None
    seconds: float

    def chart(self) -> DriversChart:
        """The page's chart of the table (drawn on the calling thread), with the time of both."""
        started = time.perf_counter()
        chart = drivers_chart(self.table) if self.table is not None else None
        return DriversChart(self.lab, chart, self.seconds + time.perf_counter() - started)


def drivers_beside(result: SimulationResult, scenario: Scenario, lab: str | None, seed: int) -> Future[DriversTable]:
    """Start ranking the drivers of ruin of ``lab`` on the worker's side thread; the arrays are copied out here.

    Only the copies (:func:`~frontiersim.sensitivity.drawn_inputs`), which
    nothing else reads, go to the other thread: the run's dataset and its
    pandas indexes, which the tables read meanwhile, stay on this one.
    """
    started = time.perf_counter()
    drawn = drawn_inputs(result, scenario, lab=lab)
    copied = time.perf_counter() - started

    def ranked() -> DriversTable:
        begun = time.perf_counter()
        table = drivers_of_drawn(drawn, seed=seed) if drawn is not None else None
        return DriversTable(lab, table, copied + time.perf_counter() - begun)

    return _beside().submit(ranked)


#: Whether an update works out its drivers on a second thread while its tables are made (see :func:`simulation_job`).
DRIVERS_BESIDE = True


@functools.cache
def _beside() -> ThreadPoolExecutor:
    """The worker's one thread for work done beside the tables (made in the worker, at its first update)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="dashboard-drivers")


def run_payload(
    run: SimulationRun,
    scenario: Scenario,
    draws: int,
    seed: int,
    lab: str | None,
    drivers: Future[DriversTable] | None = None,
) -> dict[str, Any]:
    """The answer to the page: the lab's figures, the draws and seed, the timing and the warnings.

    Its ``charts`` end with the tornado of what drives ruin in these draws
    (:func:`~frontiersim.dashboard.payload.drivers_chart`), when ruin varies:
    ``drivers`` when given and of the lab drawn (made meanwhile by
    :func:`drivers_of`), else made here. Its ``timing`` gives the seconds of
    the simulation, the tables, the rest of the page's JSON
    (``payload_seconds``: figures and charts) and the drivers with their
    chart (``drivers_seconds``, also when they were made beside the tables).
    """
    started = time.perf_counter()
    payload = result_payload(run.tables, lab)
    payload_seconds = time.perf_counter() - started
    ranked = drivers.result() if drivers is not None else None
    made = ranked.chart() if ranked is not None and ranked.lab == payload["lab"] else None
    if made is None:
        made = drivers_of(run.result, scenario, payload["lab"], seed)
    if made.chart is not None:
        payload["charts"].append(made.chart)
    payload["draws"] = draws
    payload["seed"] = seed
    payload["timing"] = {
        "simulate_seconds": run.simulate_seconds,
        "tables_seconds": run.tables_seconds,
        "payload_seconds": payload_seconds,
        "drivers_seconds": made.seconds,
    }
    payload["warnings"] = list(run.warnings)
    return payload


def _lab_drawn(result: SimulationResult, lab: str | None) -> str | None:
    """The lab :func:`~frontiersim.dashboard.payload.result_payload` will draw: ``lab``, else the run's first."""
    if lab is not None:
        return lab
    return result.labs[0] if result.labs else None


def simulation_job(
    checkpoint: Checkpoint, scenario: Scenario, draws: int, seed: int, lab: str | None
) -> dict[str, Any]:
    """Simulate a validated scenario and answer with what the page draws (``POST /api/simulate``).

    What drives ruin in the draws needs only the simulation, not the tables:
    its arrays are copied out of the run, then ranked on a second thread
    while the tables and figures are made (its ranking, bootstrap and matrix
    products release the interpreter lock much of the time, as do the
    tables' quantiles), which uses the other core when the other worker is
    idle; its chart is drawn on this thread (:func:`drivers_beside`). Its ``timing`` adds ``job_seconds``: the
    whole job in the worker.
    """
    started = time.perf_counter()
    drivers: list[Future[DriversTable]] = []

    def beside_tables(result: SimulationResult) -> None:
        drivers.append(drivers_beside(result, scenario, _lab_drawn(result, lab), seed))

    run = simulate_and_tabulate(scenario, draws, seed, checkpoint, simulated=beside_tables if DRIVERS_BESIDE else None)
    payload = run_payload(run, scenario, draws, seed, lab, drivers[0] if drivers else None)
    payload["timing"]["job_seconds"] = time.perf_counter() - started
    return payload


def save_job(
    checkpoint: Checkpoint,
    store_path: Path,
    scenario: ValidatedScenario,
    draws: int,
    seed: int,
    message: str,
    lab: str | None,
) -> dict[str, Any]:
    """Simulate and record the run in the store (``POST /api/runs``); the answer adds ``run_id`` and ``store``.

    The record is begun before the simulation and completed by
    :func:`~frontiersim.store.record.record_simulation`, the one function
    that records a simulation (the CLI's ``run`` uses it too). The record
    names this worker's process, so a worker that dies leaves it
    ``incomplete``; a run that fails is marked failed.

    Raises
    ------
    frontiersim.store.StoreError
        If the store cannot be opened or written.
    """
    # the store pulls in DuckDB only when used
    from frontiersim.store import RunStore, StoreError  # noqa: PLC0415
    from frontiersim.store.record import begin_simulation, record_simulation  # noqa: PLC0415

    store = RunStore(store_path)
    run_id = begin_simulation(
        store,
        scenario.scenario,
        seed=seed,
        draws=draws,
        message=message,
        command=["frontiersim", "serve"],
        scenario_text=scenario.text,
    )
    try:
        run = simulate_and_tabulate(scenario.scenario, draws, seed, checkpoint, to_save=True)
    except BaseException as error:
        try:
            store.fail(run_id, f"{type(error).__name__}: {error}")
        except StoreError:
            logger.exception("could not mark run %s failed", run_id)
        raise
    record_simulation(store, run.result, run_id=run_id, tables=run.tables, per_draw=run.per_draw)
    payload = run_payload(run, scenario.scenario, draws, seed, lab)
    payload["run_id"] = run_id
    payload["store"] = str(store_path)
    return payload
