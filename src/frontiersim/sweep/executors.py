"""Where the points of a sweep run: in this process, in local processes, or on a Dask cluster.

Every executor has one method, ``map(function, items)``, which returns the
results in the order of the items whatever order they finish in, and is a
context manager that releases its workers on exit. The function and the items
must be picklable (a function defined at the top level of a module). Results
do not depend on the executor: each item carries everything that makes its
numbers (scenario text, seed, draws), and workers share nothing.

- :class:`SerialExecutor`: in this process, one item after the other.
- :class:`ProcessExecutor`: a :class:`concurrent.futures.ProcessPoolExecutor`
  of fresh interpreters (the ``spawn`` start method, so no lock or thread
  state of the parent is copied into a worker).
- :class:`DaskExecutor`: Dask distributed (https://distributed.dask.org): a
  :class:`distributed.Client` to a running scheduler (``tcp://HOST:PORT``), or
  to a :class:`distributed.LocalCluster` of worker processes that the
  executor starts and closes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from frontiersim.environment import available_cores

Item = TypeVar("Item")
Output = TypeVar("Output")

#: Dask settings of a local cluster's workers. No dashboard, so no statistical profiler (it samples each
#: worker's stack every 10 ms). No ``MALLOC_TRIM_THRESHOLD_``: Dask sets it to 65536 by default, which fixes
#: glibc's mmap threshold at 128 KiB, so every array the engine allocates is mapped afresh and faulted in;
#: measured on the default scenario, 2.4 times the page faults and twice the system time per point.
LOCAL_CLUSTER_CONFIG: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}

#: Names of the executors, as ``frontiersim sweep --executor`` takes them.
EXECUTOR_NAMES = ("serial", "processes", "dask")


class Executor(Protocol):
    """Runs a function over items, results in the items' order."""

    #: Name shown to the user ("serial", "processes", "dask").
    name: str
    #: Workers the executor runs items on at once.
    workers: int

    def map(self, function: Callable[[Item], Output], items: Iterable[Item]) -> Iterator[Output]:
        """``function(item)`` for each item, in the items' order."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...


class SerialExecutor:
    """Each item in this process, one after the other."""

    name = "serial"
    workers = 1

    def map(self, function: Callable[[Item], Output], items: Iterable[Item]) -> Iterator[Output]:
        """``function(item)`` for each item, in order, lazily."""
        return (function(item) for item in items)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        return None


class ProcessExecutor:
    """Items spread over ``workers`` local processes (started with ``spawn``).

    Parameters
    ----------
    workers : int
        Processes, >= 1.
    """

    name = "processes"

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def map(self, function: Callable[[Item], Output], items: Iterable[Item]) -> Iterator[Output]:
        """``function(item)`` for each item, in the items' order (every item is submitted at once)."""
        if self._pool is None:
            raise RuntimeError("use the executor in a with block")
        return self._pool.map(function, items)

    def __enter__(self) -> Self:
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=error is not None)
            self._pool = None


class DaskExecutor:
    """Items run as Dask tasks: on the cluster at ``address``, or on a local cluster started here.

    Parameters
    ----------
    address : str, optional
        A Dask scheduler, ``tcp://HOST:PORT``. Without it a
        :class:`distributed.LocalCluster` of ``workers`` processes (one thread
        each, no dashboard) is started on entry and closed on exit.
    workers : int
        Worker processes of the local cluster (for a cluster at ``address``:
        the number it has, counted on entry).
    timeout_seconds : float
        How long to wait for the scheduler at ``address``.
    """

    name = "dask"

    def __init__(self, address: str | None = None, workers: int = 1, timeout_seconds: float = 10.0) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.address = address
        self.workers = workers
        self.timeout_seconds = timeout_seconds
        self._client: Any = None
        self._cluster: Any = None

    def map(self, function: Callable[[Item], Output], items: Iterable[Item]) -> Iterator[Output]:
        """``function(item)`` for each item as Dask tasks, gathered in the items' order."""
        if self._client is None:
            raise RuntimeError("use the executor in a with block")
        # pure=False: every item is a task of its own, even two equal items (no result is shared by key)
        futures = self._client.map(function, list(items), pure=False)
        return (future.result() for future in futures)

    def __enter__(self) -> Self:
        import dask  # noqa: PLC0415 (Dask only when asked for)
        import distributed  # noqa: PLC0415

        client_type: Any = distributed.Client  # distributed has no type hints
        cluster_type: Any = distributed.LocalCluster

        try:
            if self.address is None:
                environment = dict(os.environ)
                try:
                    with dask.config.set(LOCAL_CLUSTER_CONFIG):
                        self._cluster = cluster_type(
                            n_workers=self.workers,
                            threads_per_worker=1,
                            processes=True,
                            dashboard_address=None,
                            silence_logs=logging.ERROR,
                        )
                finally:
                    _restore_environment(environment)
                self._client = client_type(self._cluster)
            else:
                self._client = client_type(self.address, timeout=self.timeout_seconds)
                self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))
        except BaseException:
            self._close()
            raise
        return self

    def _close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._close()


def _restore_environment(saved: dict[str, str]) -> None:
    """Put back the environment variables a Dask nanny set in this process to start its workers."""
    for key in set(os.environ) - set(saved):
        del os.environ[key]
    for key, value in saved.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


def default_workers(points: int, cores: int | None = None) -> int:
    """Workers a sweep of ``points`` points uses by default: one per core, and no more than there are points.

    Examples
    --------
    >>> default_workers(20, cores=2), default_workers(1, cores=8)
    (2, 1)
    """
    return max(1, min(available_cores() if cores is None else cores, points))


def make_executor(name: str, workers: int, address: str | None = None) -> Executor:
    """The executor called ``name`` (:data:`EXECUTOR_NAMES`) with ``workers`` workers.

    Raises
    ------
    ValueError
        For an unknown name, or an address given to an executor other than ``dask``.
    """
    if address is not None and name != "dask":
        raise ValueError(f"a cluster address is for the dask executor, not {name!r}")
    if name == "serial":
        return SerialExecutor()
    if name == "processes":
        return ProcessExecutor(workers)
    if name == "dask":
        return DaskExecutor(address, workers)
    raise ValueError(f"unknown executor {name!r}; the executors are {', '.join(EXECUTOR_NAMES)}")


__all__ = [
    "EXECUTOR_NAMES",
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SerialExecutor",
    "default_workers",
    "make_executor",
]
