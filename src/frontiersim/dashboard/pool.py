"""A bounded, fair pool of worker processes for the dashboard's simulations.

Processes, not threads
----------------------
Measured on the development machine (2 cores) with
``benchmarks/bench_dashboard.py --pool-choices``: twelve updates of the
default scenario at 10,000 draws (the worker's whole job: simulation with
monthly arrays, the page's tables and JSON), in three rounds, ran at
2.2-2.6 updates a second one at a time (median update 0.40 s), 2.7-3.1 on
two threads (median 0.68 s) and 4.2-4.8 on two processes (median 0.40 s).
The engine's month loop is Python code over arrays of a few thousand draws,
and the tables are pandas: both hold the interpreter lock much of the time,
so two threads mostly take turns, and each update takes longer. Processes
also give each run the process-wide warning filters to itself
(:func:`warnings.catch_warnings` is not thread-safe), and keep the server's
own memory small: only the page's JSON (about 20 kB pickled) comes back, not
the result (about 100 MB with monthly arrays).

Worker processes start from a fork server that has imported the worker
module once (:func:`multiprocessing.set_forkserver_preload`): a fresh
interpreter needs about 2.6 s to import numpy, pandas, xarray and
frontiersim, a fork from the server a few milliseconds. Where there is no
fork server (Windows), workers are spawned.

Scheduling
----------
Each job belongs to a client (a client id the page sends, else the peer
address) and is of a kind: an ``update`` (``POST /api/simulate``) or a
``save`` (``POST /api/runs``).

* **A newer update supersedes the client's older one**: a queued one is
  dropped, a running one is asked to stop at its next chunk of draws (see
  :data:`~frontiersim.dashboard.worker.CHUNK_SIZE_DRAWS`); either way its
  request is answered at once (:class:`JobSupersededError`). "Newer" is by
  the client's own request numbers when it sends them (requests sent at once
  may arrive out of order), else by arrival. A client's next update waits
  for its stopping one, so a client runs one update at a time.
* **A save is never superseded by updates**: it records what the user asked
  to keep, while the sliders may move on. A client has at most one save
  queued or running; a second is refused.
* **At most** ``max_queued_jobs`` **jobs wait** in total, besides the
  ``workers`` running. A job that finds the queue full pushes out the queued
  job of the client with the most recent use, if that client has had more
  than the newcomer; otherwise the newcomer is refused. Refusals are
  :class:`PoolBusyError`, with the seconds after which to try again
  (Retry-After). A client that comes back sooner is held until then
  (:meth:`SimulationPool.hold_seconds`), so that ignoring Retry-After only
  slows the client down, not the server.
* **Fairness**: a free worker takes the queued job whose client has used the
  pool least lately: the seconds its jobs spent in the pool, waiting or
  running, each decayed with a half-life of ``use_half_life_seconds``. A
  client that sends back to back always has a job in the pool; a user who
  pauses between updates does not, and is served first. FIFO cannot do this:
  with ten clients hammering, an update waits behind all of them. Counting
  only the seconds jobs ran is not enough either: a user pausing about two
  seconds between updates asks for about the share of the workers each
  hammerer gets, and ranks among them. With twenty hammerers
  (``bench_dashboard.py --quick --skip-baseline --hammerers 20``), the
  user's updates took 1.73 s (p50) and 3.42 s (p95) ordered by seconds run,
  0.54 s and 0.71 s ordered by seconds in the pool.

Client ids are the clients' own word: a client that makes up a new id for
every request is treated as a new client every time. The caps bound what any
mix of clients can queue, whatever ids they send.

Threads
-------
The pool's state is guarded by one lock and changed from the server's event
loop (submitting and withdrawing jobs) and from the pool's dispatcher thread,
which alone talks to the process pool: it starts the workers, hands them jobs
and takes their results, which the process pool's own thread passes to it
through a queue. Nothing here blocks the event loop: a job's outcome is a
:class:`concurrent.futures.Future` the server awaits.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import math
import multiprocessing
import queue
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from typing import Any, Literal, TypeVar

from frontiersim.dashboard import worker
from frontiersim.dashboard.limits import DEFAULT_MAX_QUEUED_JOBS

logger = logging.getLogger(__name__)

_Key = TypeVar("_Key")
_Value = TypeVar("_Value")

#: What a job is: an update of the page's figures, or a run to save in the store.
JobKind = Literal["update", "save"]

#: Half-life of a client's recent use of the pool, seconds.
DEFAULT_USE_HALF_LIFE_SECONDS = 5.0

#: What a job is expected to take before any has finished, seconds (an update at 10,000 draws).
FIRST_JOB_SECONDS_ESTIMATE = 0.5

#: Weight of the newest job in the running mean of job seconds.
JOB_SECONDS_SMOOTHING = 0.2

#: Longest the workers may take to start (a fresh interpreter imports frontiersim in about 2.6 s), seconds.
WORKER_START_TIMEOUT_SECONDS = 120.0

#: Longest wait a refusal asks for, seconds.
MAX_RETRY_AFTER_SECONDS = 60

#: Clients remembered (their recent use, their last Retry-After); at twice this many, the least recent are forgotten.
TRACKED_CLIENTS = 1024

#: Recent use below which a client is forgotten, seconds.
FORGOTTEN_USE_SECONDS = 0.001

_WORKER_MODULE = "frontiersim.dashboard.worker"


def _keep_bounded(remembered: dict[_Key, _Value], forgettable: Callable[[_Key, _Value], bool]) -> None:
    """Cap a per-client memory at :data:`TRACKED_CLIENTS` entries, pruned only when it has grown to twice that.

    The forgettable entries go first, then the oldest (a dict keeps insertion
    order, and callers re-insert an entry they update). Pruning only at twice
    the cap keeps the cost per request constant on average, however many
    client ids a hostile client invents.
    """
    if len(remembered) <= 2 * TRACKED_CLIENTS:
        return
    for key in [key for key, value in remembered.items() if forgettable(key, value)]:
        del remembered[key]
    for key in list(itertools.islice(remembered, max(0, len(remembered) - TRACKED_CLIENTS))):
        del remembered[key]


def worker_context() -> BaseContext:
    """The multiprocessing context of the workers: a fork server preloaded with the worker module, else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([_WORKER_MODULE])
        return context
    return multiprocessing.get_context("spawn")  # pragma: no cover - platforms without a fork server


def start_fork_server(context: BaseContext) -> None:
    """Start the fork server now with SIGINT ignored, when called from the main thread.

    A process started with SIGINT ignored keeps it ignored, and the fork
    server passes that on to the workers it forks: Ctrl-C in a terminal,
    which signals the whole process group, then reaches only the server,
    which stops the workers in order (a fork server interrupted while it
    imports would print tracebacks). The server's own handler is put back at
    once. Only the main thread may change signal handlers; elsewhere the fork
    server starts with the first worker, and the workers ignore SIGINT from
    their start (:func:`~frontiersim.dashboard.worker.start_worker`).
    """
    if context.get_start_method() != "forkserver" or threading.current_thread() is not threading.main_thread():
        return
    from multiprocessing import forkserver  # noqa: PLC0415 - not on every platform

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


class PoolBusyError(Exception):
    """The pool cannot take the job now; the client may try again after ``retry_after_seconds``.

    Attributes
    ----------
    message : str
        One line saying why.
    retry_after_seconds : int
        Seconds after which a new try has a fair chance (at least 1).
    """

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after_seconds = retry_after_seconds


class JobSupersededError(Exception):
    """A newer update of the same client replaced the job."""


class JobWithdrawnError(Exception):
    """The job's client left before it finished; nobody waits for its result."""


def _started_future() -> Future[Any]:
    """A future that only the pool resolves: marked running, so that cancelling it does nothing."""
    future: Future[Any] = Future()
    future.set_running_or_notify_cancel()
    return future


@dataclass(eq=False)
class PoolJob:
    """A job in the pool.

    Attributes
    ----------
    job_id : int
        Unique in the pool, increasing.
    client : str
        Whose job it is.
    kind : {"update", "save"}
    function : callable
        ``function(checkpoint, *arguments)``, a job of :mod:`frontiersim.dashboard.worker`.
    arguments : tuple
    outcome : concurrent.futures.Future
        The job's result, or :class:`PoolBusyError`, :class:`JobSupersededError`,
        :class:`JobWithdrawnError`, or the error it raised.
    request_number : int or None
        The client's own number for the request, increasing with each
        request it sends (None: not given; the order of arrival decides).
    slot : int or None
        The slot of the worker running it (None while queued).
    queued_at : float
        When it was submitted (``time.monotonic``).
    started_at : float or None
        When a worker took it (``time.monotonic``).
    """

    job_id: int
    client: str
    kind: JobKind
    function: Callable[..., Any]
    arguments: tuple[Any, ...]
    request_number: int | None = None
    outcome: Future[Any] = field(default_factory=_started_future)
    slot: int | None = None
    queued_at: float = 0.0
    started_at: float | None = None


@dataclass(frozen=True)
class _Finished:
    job: PoolJob
    future: Future[Any]
    executor: ProcessPoolExecutor


_DISPATCH = "dispatch"
_CLOSE = "close"


def _resolve(outcome: Future[Any], result: Any = None, error: BaseException | None = None) -> None:
    """Set a job's outcome once (the first answer stands)."""
    if outcome.done():
        return
    with contextlib.suppress(InvalidStateError):
        if error is not None:
            outcome.set_exception(error)
        else:
            outcome.set_result(result)


class SimulationPool:
    """Worker processes for the dashboard's simulations, with per-client supersession, caps and fair order.

    Parameters
    ----------
    workers : int
        Worker processes (jobs running at once).
    max_queued_jobs : int
        Most jobs waiting for a worker, in total.
    use_half_life_seconds : float
        Half-life of a client's recent use of the pool, by which waiting jobs are ordered.

    Raises
    ------
    ValueError
        For fewer than 1 worker, a negative queue cap or a half-life that is not positive.

    Notes
    -----
    :meth:`start` starts the workers (in the background); :meth:`submit`
    starts them too if needed. :meth:`close` stops them.
    """

    def __init__(
        self,
        workers: int,
        max_queued_jobs: int = DEFAULT_MAX_QUEUED_JOBS,
        use_half_life_seconds: float = DEFAULT_USE_HALF_LIFE_SECONDS,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        if max_queued_jobs < 0:
            raise ValueError(f"max_queued_jobs must be >= 0, got {max_queued_jobs}")
        if not use_half_life_seconds > 0:
            raise ValueError(f"use_half_life_seconds must be > 0, got {use_half_life_seconds}")
        self.workers = workers
        self.max_queued_jobs = max_queued_jobs
        self.use_half_life_seconds = float(use_half_life_seconds)
        self._lock = threading.Lock()
        self._events: queue.SimpleQueue[_Finished | str] = queue.SimpleQueue()
        self._job_ids = itertools.count(1)
        self._queued: list[PoolJob] = []
        self._running: dict[int, PoolJob] = {}
        self._free_slots = list(range(workers - 1, -1, -1))
        self._updates: dict[str, PoolJob] = {}
        self._saves: dict[str, PoolJob] = {}
        self._use: dict[str, tuple[float, float]] = {}
        self._refused_until: dict[tuple[str, JobKind], float] = {}
        self._job_seconds = FIRST_JOB_SECONDS_ESTIMATE
        self._context = worker_context()
        self._stop_requests = self._context.RawArray("q", workers)
        self._executor: ProcessPoolExecutor | None = None
        self._dispatcher: threading.Thread | None = None
        self._closed = False

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the dispatcher thread, which starts the worker processes (returns at once)."""
        with self._lock:
            if self._dispatcher is not None or self._closed:
                return
            start_fork_server(self._context)
            self._dispatcher = threading.Thread(target=self._dispatch_loop, name="simulation-pool", daemon=True)
            self._dispatcher.start()

    def close(self, timeout_seconds: float = 60.0) -> None:
        """Refuse new jobs, drop queued ones, stop running updates, and stop the workers.

        Running saves are let finish, so that what a user asked to keep is
        recorded. Blocks until the dispatcher thread has shut the process
        pool down (at most ``timeout_seconds``).
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            closing = PoolBusyError("the server is shutting down", 1)
            for job in self._queued:
                _resolve(job.outcome, error=closing)
            self._queued.clear()
            for slot, job in self._running.items():
                if job.kind == "update":
                    self._stop_requests[slot] = job.job_id
                    _resolve(job.outcome, error=closing)
            dispatcher = self._dispatcher
        self._events.put(_CLOSE)
        if dispatcher is not None:
            dispatcher.join(timeout_seconds)

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self._context,
            initializer=worker.start_worker,
            initargs=(self._stop_requests,),
        )

    def _start_workers(self) -> ProcessPoolExecutor:
        """A process pool with every worker started (they start one per job submitted while none is idle).

        Raises
        ------
        BrokenProcessPool, OSError, RuntimeError, TimeoutError
            If a worker process cannot start, or takes more than
            :data:`WORKER_START_TIMEOUT_SECONDS`.
        """
        executor = self._new_executor()
        try:
            for started in [executor.submit(worker.worker_ready) for _ in range(self.workers)]:
                started.result(timeout=WORKER_START_TIMEOUT_SECONDS)
        except BaseException:
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        return executor

    def _ensure_workers(self) -> None:
        """Start the workers if there are none; if they cannot start, refuse the queued jobs (503)."""
        with self._lock:
            if self._executor is not None or self._closed:
                return
        try:
            executor = self._start_workers()
        except Exception:
            logger.exception("the simulation worker processes could not start")
            with self._lock:
                refusal = PoolBusyError("the simulation workers could not start; see the server log", 1)
                for job in self._queued:
                    self._forget(job)
                    _resolve(job.outcome, error=refusal)
                self._queued.clear()
            return
        with self._lock:
            self._executor = executor

    def _dispatch_loop(self) -> None:
        """The dispatcher thread: start the workers, then hand out jobs and take results until closed."""
        while True:
            self._ensure_workers()
            event = self._events.get()
            if event == _CLOSE:
                break
            try:
                if isinstance(event, _Finished):
                    self._finish(event)
                self._dispatch()
            except Exception:  # a fault here must not stop the thread that every request waits on
                logger.exception("the simulation pool's dispatcher failed on %r; it goes on", event)
        with self._lock:
            executor = self._executor
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        while not self._events.empty():  # results that came in while shutting down
            event = self._events.get()
            if isinstance(event, _Finished):
                self._finish(event)

    # -- the clients' side ---------------------------------------------------------------------

    def refusal(self, client: str, kind: JobKind) -> PoolBusyError | None:
        """Why :meth:`submit` would refuse this client's job now, or None (a cheap check before validation).

        A refusal sets the client's wait (:meth:`hold_seconds`), as one from :meth:`submit` does.
        """
        with self._lock:
            return self._note_refusal(client, kind, self._refusal(client, kind, time.monotonic()))

    def hold_seconds(self, client: str, kind: JobKind) -> float:
        """Seconds left of the Retry-After the client was last given for this kind of job (0 when it has passed).

        The server holds a request that comes back early for this long
        before considering it, so that a client that ignores Retry-After
        cannot keep the server busy answering 503s.
        """
        with self._lock:
            until = self._refused_until.get((client, kind))
            return 0.0 if until is None else max(0.0, until - time.monotonic())

    def submit(
        self,
        client: str,
        kind: JobKind,
        function: Callable[..., Any],
        arguments: tuple[Any, ...],
        request_number: int | None = None,
    ) -> PoolJob:
        """Queue a job; a newer update supersedes the client's older one.

        Parameters
        ----------
        client : str
            Whose job it is.
        kind : {"update", "save"}
        function : callable
            ``function(checkpoint, *arguments)``, a job of :mod:`frontiersim.dashboard.worker`.
        arguments : tuple
        request_number : int, optional
            The client's own number for the request, increasing with each
            request. Requests sent at once on several connections may arrive
            out of order: an update numbered below the client's queued or
            running one is older, and is refused instead of superseding it.

        Returns
        -------
        PoolJob
            Its ``outcome`` is the job's result.

        Raises
        ------
        JobSupersededError
            For an update numbered below the client's queued or running one.
        PoolBusyError
            When the pool is closed, the client already has a save queued or
            running (for a save), or the queue is full of clients with less
            recent use.
        """
        self.start()
        with self._lock:
            now = time.monotonic()
            current = self._updates.get(client) if kind == "update" else None
            if (
                current is not None
                and current.request_number is not None
                and request_number is not None
                and request_number < current.request_number
            ):
                raise JobSupersededError("superseded by a newer request from the same client, which arrived first")
            refused = self._note_refusal(client, kind, self._refusal(client, kind, now))
            if refused is not None:
                raise refused
            if current is not None:
                self._supersede(self._updates.pop(client))
            if self._waiting() >= self.max_queued_jobs:
                self._push_out(self._heaviest_queued(now))  # one with more recent use than this client
            job = PoolJob(next(self._job_ids), client, kind, function, arguments, request_number, queued_at=now)
            self._queued.append(job)
            (self._updates if kind == "update" else self._saves)[client] = job
        self._events.put(_DISPATCH)
        return job

    def withdraw(self, job: PoolJob) -> str:
        """The job's client left: drop the job if queued, stop it if it is a running update.

        A running save goes on to be recorded.

        Returns
        -------
        str
            What became of the job, for the log: ``"queued; dropped"``,
            ``"running; stopped"``, ``"running; it goes on to be recorded"``
            or ``"finished"``.
        """
        with self._lock:
            left = JobWithdrawnError(f"the client of job {job.job_id} left")
            if job in self._queued:
                self._queued.remove(job)
                self._forget(job)
                self._charge_use(job)
                _resolve(job.outcome, error=left)
                return "queued; dropped"
            if job.slot is not None and self._running.get(job.slot) is job:
                if job.kind == "save":
                    return "running; it goes on to be recorded"
                self._stop_requests[job.slot] = job.job_id
                self._forget(job)
                _resolve(job.outcome, error=left)
                return "running; stopped"
            return "finished"

    def retry_after_seconds(self) -> int:
        """Seconds until a new job has a fair chance: the jobs ahead spread over the workers, plus one."""
        with self._lock:
            return self._retry_after()

    def status(self) -> dict[str, int]:
        """What the pool holds now: ``workers``, ``running`` (stopping ones too), ``queued``, ``max_queued_jobs``."""
        with self._lock:
            return {
                "workers": self.workers,
                "running": len(self._running),
                "queued": len(self._queued),
                "max_queued_jobs": self.max_queued_jobs,
            }

    # -- internals (the lock held) -------------------------------------------------------------

    def _refusal(self, client: str, kind: JobKind, now: float) -> PoolBusyError | None:
        if self._closed:
            return PoolBusyError("the server is shutting down", self._retry_after())
        if kind == "save" and client in self._saves:
            return PoolBusyError(
                "this client's previous save is still queued or running; one save at a time", self._retry_after()
            )
        own = self._updates.get(client) if kind == "update" else None
        replaced = 1 if own is not None and own in self._queued else 0  # it replaces its own queued update
        if self._waiting() - replaced < self.max_queued_jobs:
            return None
        heaviest = self._heaviest_queued(now)
        if heaviest is not None and self._recent_use(heaviest.client, now) > self._recent_use(client, now):
            return None  # it pushes out the queued job of a client with more recent use
        return PoolBusyError(
            f"the server is busy: {len(self._running)} simulations running and {len(self._queued)} waiting",
            self._retry_after(),
        )

    def _waiting(self) -> int:
        """Queued jobs that no free worker is about to take."""
        return max(0, len(self._queued) - len(self._free_slots))

    def _retry_after(self) -> int:
        ahead = len(self._queued) + len(self._running)
        seconds = self._job_seconds * (ahead / self.workers + 1)
        return max(1, min(MAX_RETRY_AFTER_SECONDS, math.ceil(seconds)))

    def _recent_use(self, client: str, now: float) -> float:
        """A client's recent use of the pool: seconds it had jobs waiting or running, each decayed by its age."""
        used = self._use.get(client)
        if used is None:
            return 0.0
        seconds, at = used
        return seconds * math.pow(0.5, (now - at) / self.use_half_life_seconds)

    def _charge_use(self, job: PoolJob) -> None:
        """Charge a job's time in the pool (waiting and running) to its client, when it leaves the pool."""
        now = time.monotonic()
        used = self._recent_use(job.client, now) + (now - job.queued_at)
        self._use.pop(job.client, None)  # re-inserted last: the dict runs from least to most recently charged
        self._use[job.client] = (used, now)
        _keep_bounded(self._use, lambda name, _: self._recent_use(name, now) < FORGOTTEN_USE_SECONDS)

    def _heaviest_queued(self, now: float) -> PoolJob | None:
        """The queued job whose client has had the most recent use (the newest of its ties)."""
        if not self._queued:
            return None
        return max(self._queued, key=lambda job: (self._recent_use(job.client, now), job.job_id))

    def _push_out(self, job: PoolJob | None) -> None:
        if job is None:
            return
        self._queued.remove(job)
        self._forget(job)
        self._charge_use(job)
        message = "the server is busy, and clients with less recent use took the place of this request in the queue"
        refusal = PoolBusyError(message, self._retry_after())
        _resolve(job.outcome, error=self._note_refusal(job.client, job.kind, refusal))

    def _note_refusal(self, client: str, kind: JobKind, refusal: PoolBusyError | None) -> PoolBusyError | None:
        """Remember until when a refused client was asked to wait (see :meth:`hold_seconds`)."""
        if refusal is None:
            return None
        now = time.monotonic()
        self._refused_until.pop((client, kind), None)  # re-inserted last, as in _charge_use
        self._refused_until[client, kind] = now + refusal.retry_after_seconds
        _keep_bounded(self._refused_until, lambda _, until: until <= now)
        return refusal

    def _supersede(self, job: PoolJob) -> None:
        superseded = JobSupersededError("superseded by a newer request from the same client")
        if job in self._queued:
            self._queued.remove(job)
            self._charge_use(job)
        elif job.slot is not None and self._running.get(job.slot) is job:
            self._stop_requests[job.slot] = job.job_id
        _resolve(job.outcome, error=superseded)

    def _forget(self, job: PoolJob) -> None:
        """Take the job off its client's current jobs (if it is still the current one)."""
        current = self._updates if job.kind == "update" else self._saves
        if current.get(job.client) is job:
            del current[job.client]

    def _next_job(self, now: float) -> PoolJob | None:
        """The queued job to run next: its client has had the least recent use, and runs no update of its own."""
        running_updates = {job.client for job in self._running.values() if job.kind == "update"}
        ready = [job for job in self._queued if job.kind == "save" or job.client not in running_updates]
        if not ready:
            return None
        return min(ready, key=lambda job: (self._recent_use(job.client, now), job.job_id))

    # -- the dispatcher thread -----------------------------------------------------------------

    def _dispatch(self) -> None:
        """Give queued jobs to free workers, least recently served clients first."""
        with self._lock:
            executor = self._executor
            while executor is not None and self._free_slots and self._queued and not self._closed:
                now = time.monotonic()
                job = self._next_job(now)
                if job is None:
                    return
                self._queued.remove(job)
                job.slot = self._free_slots.pop()
                job.started_at = now
                self._running[job.slot] = job
                try:
                    future = executor.submit(worker.run_job, job.slot, job.job_id, job.function, job.arguments)
                except BrokenProcessPool as error:
                    failed: Future[Any] = Future()
                    failed.set_exception(error)
                    future = failed
                future.add_done_callback(functools.partial(self._report_finished, job, executor))

    def _report_finished(self, job: PoolJob, executor: ProcessPoolExecutor, future: Future[Any]) -> None:
        """A done callback (in the process pool's thread): pass the result to the dispatcher thread."""
        self._events.put(_Finished(job, future, executor))

    def _finish(self, finished: _Finished) -> None:
        """Take a worker's result: free the slot, charge the client, answer the request."""
        job, future = finished.job, finished.future
        with self._lock:
            now = time.monotonic()
            slot = job.slot
            if slot is not None and self._running.get(slot) is job:
                del self._running[slot]
                self._free_slots.append(slot)
            ran_seconds = now - job.started_at if job.started_at is not None else 0.0
            self._charge_use(job)
            self._forget(job)
            error = future.exception()
            if error is None:
                self._job_seconds += JOB_SECONDS_SMOOTHING * (ran_seconds - self._job_seconds)
                _resolve(job.outcome, result=future.result())
            elif isinstance(error, worker.SimulationStoppedError):  # its request was answered when it was stopped
                _resolve(job.outcome, error=PoolBusyError("the simulation was stopped", self._retry_after()))
            elif isinstance(error, BrokenProcessPool):
                message = "a simulation worker stopped unexpectedly; the workers are being restarted"
                _resolve(job.outcome, error=PoolBusyError(message, self._retry_after()))
            else:
                _resolve(job.outcome, error=error)
            restart = isinstance(error, BrokenProcessPool) and finished.executor is self._executor
            if restart:
                self._executor = None  # the dispatcher starts new workers before the next job
        if restart:
            logger.error("a simulation worker process stopped unexpectedly; starting new workers")
            finished.executor.shutdown(wait=False, cancel_futures=True)
