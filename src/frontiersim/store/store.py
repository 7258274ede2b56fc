"""The run store: every run, optimization and backtest, kept in one DuckDB file.

Each operation opens its own short-lived connection, does its work in one
transaction and closes the file at once, so that the store is never held
while a simulation runs. DuckDB lets one process at a time open a file for
writing; an operation that finds the file locked retries with jittered
exponential backoff until ``lock_timeout_seconds`` have passed. That is how
several processes share one store.

A run is recorded in two steps. :meth:`RunStore.begin` commits a
``running`` record, with the process id and host, before the work starts.
:meth:`RunStore.finish` writes every payload and marks the record
``complete`` in one transaction. A process killed in between leaves its
record ``running``; :meth:`RunStore.list` and :meth:`RunStore.get` report
such a record as ``incomplete`` (and store that) once its process is gone.

:meth:`RunStore.compact` rewrites the store into a fresh file, which drops
the free blocks that deleted runs and rewritten tables leave behind. It
copies the store while holding its lock, marks the old file superseded and
renames the copy into place. A process that opens the old file in that
instant finds the mark and opens the path again, so its write lands in the
new file; a mark left by a compaction that died is cleared.

DuckDB keeps a file's write-ahead log beside it, named after the path
(``<store>.wal``), not after the file. A process still holding the old file
when the copy lands would meet the new file's log, and on closing could fold
or remove it, losing the new file's last commits. So every connection is
opened under an exclusive advisory lock (``flock``) on a companion file,
``<store>.lock``, that is never replaced: it is held from before the
connection opens until after it closes, and by a compaction until its copy
is in place. No process then holds a file other than the one at the path.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import secrets
import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: DuckDB's own lock and the superseded mark only
    fcntl = None  # type: ignore[assignment]

import duckdb
import pandas as pd
import platformdirs
import pyarrow as pa

from frontiersim._version import __version__
from frontiersim.atomic import atomic_write_bytes
from frontiersim.environment import software_versions
from frontiersim.store.errors import StoreError
from frontiersim.store.legacy import upgrade_tables
from frontiersim.store.schema import MIGRATIONS, PARQUET_MEDIA_TYPE, SCHEMA_VERSION, TABLE_LAYOUT

#: Environment variable naming the store file.
STORE_ENVIRONMENT_VARIABLE = "FRONTIERSIM_STORE"

#: What a record can be of.
KINDS = ("run", "optimize", "frontier", "backtest", "sweep", "sensitivity")

#: A record's status: running (begun), complete, failed, or incomplete (its process died while running).
STATUSES = ("running", "complete", "failed", "incomplete")

#: Media types of artifacts, by file suffix (anything else is stored as application/octet-stream).
_MEDIA_TYPES = {
    ".png": "image/png",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".toml": "application/toml",
    ".html": "text/html; charset=utf-8",
}

#: Rows per Parquet part of a stored table (a larger table is split into several parts).
_ROWS_PER_PART = 1_000_000

#: A payload row: role, name, part, media type, bytes.
_PayloadRow = tuple[str, str, int, str, bytes]

#: Longest failure reason kept (characters).
_MAX_REASON_CHARS = 2000

#: First and longest wait between attempts on a locked store (seconds, before jitter).
_FIRST_RETRY_SECONDS, _LONGEST_RETRY_SECONDS = 0.01, 0.5

#: How long a write-ahead log that does not match the unchanged file at the path is retried (seconds): long
#: enough for a compaction's rename and the new file's writer to pass, short enough to report a stale log at once.
_FOREIGN_LOG_RETRY_SECONDS = 2.0

#: ``meta`` key of a store file that a compaction has replaced (value: JSON with the compacting process).
_SUPERSEDED_KEY = "superseded_by_compaction"

#: Bytes of the headers at the start of a DuckDB file, before its blocks (three headers of 4 KiB).
_DUCKDB_HEADER_BYTES = 3 * 4096

#: After this long, a superseded mark whose file is still in place is stale (its compaction died; seconds).
_STALE_MARK_SECONDS = 30.0

#: Columns of ``runs`` read into a RunInfo, in order.
_INFO_COLUMNS = (
    "run_id, kind, status, created_utc, finished_utc, scenario_name, scenario_sha256, seed, draws, message, "
    "frontiersim_version, metrics, pid, hostname, process_started, labs"
)

#: Position of ``labs`` in :data:`_INFO_COLUMNS` (the extra columns :meth:`RunStore.get` reads follow it).
_LABS = 15

#: Serialises this process's operations on a store (DuckDB shares one database instance per file and process).
_PROCESS_LOCKS: dict[str, threading.RLock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def default_store_path() -> Path:
    r"""Where runs are stored unless told otherwise.

    Returns
    -------
    Path
        ``$FRONTIERSIM_STORE`` when set and not empty, else ``runs.duckdb``
        in the user's data folder (``~/.local/share/frontiersim`` on Linux,
        ``~/Library/Application Support/frontiersim`` on macOS,
        ``%LOCALAPPDATA%\frontiersim`` on Windows).

    Examples
    --------
    >>> default_store_path().name.endswith(".duckdb")
    True
    """
    configured = os.environ.get(STORE_ENVIRONMENT_VARIABLE, "").strip()
    if configured:
        return Path(configured).expanduser()
    return platformdirs.user_data_path("frontiersim", appauthor=False) / "runs.duckdb"


@dataclass(frozen=True)
class RunInfo:
    """One stored run, as ``frontiersim runs list`` shows it.

    Attributes
    ----------
    run_id : str
        Sortable and unique, e.g. ``20261122-041712-3f9a2c`` (UTC time and random hex).
    kind : str
        ``run``, ``optimize`` or ``backtest``.
    status : str
        ``running``, ``complete``, ``failed`` or ``incomplete``.
    created_utc, finished_utc : str
        ISO 8601 times (UTC); ``finished_utc`` is None until the run ends.
    scenario_name, scenario_sha256 : str
    seed, draws : int or None
    message : str
        The one-line reason for the run (``-m``).
    frontiersim_version : str
    metrics : dict of str to float
        Headline numbers such as ``p_ruin`` and ``revenue_final_year_median_usd``
        (those of the first lab), and with several labs each lab's as
        ``p_ruin.<lab>`` (see :mod:`frontiersim.store.record`).
    labs : tuple of str
        The labs of a simulation, in the order of its tables' ``lab`` column;
        empty for a kind without labs and for a run recorded before labs.
    """

    run_id: str
    kind: str
    status: str
    created_utc: str
    finished_utc: str | None
    scenario_name: str
    scenario_sha256: str
    seed: int | None
    draws: int | None
    message: str
    frontiersim_version: str
    metrics: dict[str, float]
    labs: tuple[str, ...] = field(default=(), kw_only=True)


@dataclass(frozen=True, eq=False)
class RunRecord(RunInfo):
    """A stored run in full: its scenario, command, summary tables and artifacts.

    Per-draw tables are large, so they are loaded one at a time by
    :meth:`draw_table`.

    Attributes
    ----------
    scenario_text : str
        The scenario file's full text (empty for a backtest).
    command : list of str
        The command line that made the run.
    tables : dict of str to pandas.DataFrame
        Summary tables (see :func:`frontiersim.results.tables.run_tables`) and
        kind-specific ones (``frontier``, ``backtest``, ...), with the
        ``units`` table describing their columns. Tables are read as they
        were stored, except those of a run recorded before labs, which are
        read in the current layout (:func:`frontiersim.store.legacy.upgrade_tables`).
    artifacts : dict of str to bytes
        Files such as ``frontier.png``, ``optimize.json``, ``backtest.txt``.
    error : str
        Why the run failed or is incomplete (empty otherwise).
    draw_table_names : tuple of str
        Names of the per-draw tables (``yearly``, ``cohorts``, ``draws``).
    stored_bytes : dict of str to int
        Bytes the run's payloads take in the store, by role (``table``,
        ``draws``, ``artifact``).
    environment : dict of str to str
        The software the run was made with
        (:func:`frontiersim.environment.software_versions`); empty for a run
        recorded before versions were.
    options : dict
        What besides the scenario, seed and draws made the run's numbers
        (for a simulation ``keep_monthly``); empty for a run recorded before
        options were.
    """

    scenario_text: str
    command: list[str]
    tables: dict[str, pd.DataFrame]
    artifacts: dict[str, bytes]
    error: str = ""
    draw_table_names: tuple[str, ...] = ()
    store_path: Path | None = field(default=None, repr=False)
    stored_bytes: dict[str, int] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def draw_table(self, name: str) -> pd.DataFrame:
        """Load one per-draw table (``yearly``, ``cohorts`` or ``draws``) from the store.

        Raises
        ------
        StoreError
            If the run has no such table, or the store cannot be read.
        """
        if name not in self.draw_table_names:
            available = ", ".join(self.draw_table_names) or "none"
            raise StoreError(f"run {self.run_id} has no per-draw table {name!r} (it has: {available})")
        return RunStore(self.store_path)._read_table(self.run_id, "draws", name)


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _new_run_id(now: datetime) -> str:
    """A run id: the UTC time, e.g. ``20261122-041712-3f9a2c``.

    The last part holds the fraction of the second in 4096ths (three hex
    digits) and 12 random bits, so that ids sort in creation order to a
    quarter of a millisecond and two processes starting together still draw
    different ids (uniqueness is checked under the store's lock as well).
    """
    fraction = now.microsecond * 4096 // 1_000_000
    return f"{now:%Y%m%d-%H%M%S}-{fraction:03x}{secrets.randbelow(4096):03x}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _process_stat(pid: int) -> tuple[str, str] | None:
    """State and start time (clock ticks since boot) of a process, from ``/proc`` (None where unavailable)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    # after the command name: state is field 3 of the file, start time field 22
    return (fields[0], fields[19]) if len(fields) > 19 else None


def _process_started(pid: int) -> str | None:
    stat = _process_stat(pid)
    return None if stat is None else stat[1]


def _process_alive(pid: int, started: str | None) -> bool:
    """Whether process ``pid`` of this host is still the one that began a run.

    A zombie, or a live process with another start time (the id was reused),
    counts as gone. Where the answer cannot be told (Windows), True.
    """
    if os.name == "nt":  # pragma: no cover - signal 0 would terminate the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    except (OSError, OverflowError):
        return False
    stat = _process_stat(pid)
    if stat is None:
        return True
    state, start = stat
    return state not in {"Z", "X"} and (started is None or start == started)


def _process_lock(path: Path) -> threading.RLock:
    key = str(path.resolve())
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault(key, threading.RLock())


def _parquet_parts(name: str, frame: pd.DataFrame) -> list[bytes]:
    """``frame`` as Parquet files of at most :data:`_ROWS_PER_PART` rows each (one file when it is small)."""
    if not isinstance(frame, pd.DataFrame):
        raise StoreError(f"table {name!r}: expected a pandas DataFrame, got {type(frame).__name__}")
    if len(frame) <= _ROWS_PER_PART:
        return [_parquet_bytes(name, frame)]
    return [
        _parquet_bytes(name, frame.iloc[start : start + _ROWS_PER_PART])
        for start in range(0, len(frame), _ROWS_PER_PART)
    ]


def as_stored(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as the store gives it back: written to its Parquet parts and read again.

    A table made now compares with a stored one only in this form (index
    and dtypes as Parquet keeps them).

    Raises
    ------
    StoreError
        If the table cannot be stored as Parquet.
    """
    return _read_parquet(_parquet_parts(name, frame))


def _parquet_bytes(name: str, frame: pd.DataFrame) -> bytes:
    if not isinstance(frame, pd.DataFrame):
        raise StoreError(f"table {name!r}: expected a pandas DataFrame, got {type(frame).__name__}")
    odd = [column for column in frame.columns if not isinstance(column, str)]
    if odd:
        raise StoreError(f"table {name!r} cannot be stored as Parquet: column names must be strings, got {odd[0]!r}")
    buffer = io.BytesIO()
    try:
        frame.to_parquet(buffer, engine="pyarrow", compression="zstd")  # 6% smaller than snappy and faster
    except (ValueError, TypeError, pa.ArrowException) as error:
        raise StoreError(f"table {name!r} cannot be stored as Parquet: {_one_line(str(error))}") from None
    return buffer.getvalue()


def _metrics_json(metrics: Mapping[str, float]) -> str:
    clean: dict[str, float | None] = {}
    for name, value in metrics.items():
        number = float(value)
        clean[str(name)] = number if math.isfinite(number) else None
    return json.dumps(clean, sort_keys=True)


def _metrics_from_json(text: str | None) -> dict[str, float]:
    raw = json.loads(text) if text else {}
    return {str(k): (math.nan if v is None else float(v)) for k, v in raw.items()}


def _labs_json(labs: Sequence[str] | None) -> str | None:
    if labs is None:
        return None
    names = [str(name) for name in labs]
    if not all(name.strip() for name in names) or len(set(names)) != len(names):
        raise StoreError(f"lab names must be distinct, non-empty strings, got {names!r}")
    return json.dumps(names)


def _labs_from_json(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    try:
        raw = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(name) for name in raw) if isinstance(raw, list) else ()


def _json_object(text: str | None) -> dict[str, Any]:
    """A JSON object column (empty when missing or unreadable)."""
    if not text:
        return {}
    try:
        raw = json.loads(text)
    except ValueError:
        return {}
    return {str(key): value for key, value in raw.items()} if isinstance(raw, dict) else {}


def _check_name(role: str, name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise StoreError(f"{role} names must be non-empty strings, got {name!r}")
    return name


@dataclass(frozen=True)
class Compaction:
    """What :meth:`RunStore.compact` did.

    Attributes
    ----------
    bytes_before, bytes_after : int
        Size of the store file before and after.
    runs : int
        Runs in the store (all kept).
    """

    bytes_before: int
    bytes_after: int
    runs: int


def _stale_mark(value: str) -> bool:
    """Whether a superseded mark outlived its compaction (its process is gone, or it is too old to be live)."""
    try:
        mark = json.loads(value)
        age = (datetime.now(UTC) - datetime.fromisoformat(mark["utc"])).total_seconds()
        pid, host, started = int(mark["pid"]), str(mark["host"]), mark.get("process_started")
    except (ValueError, KeyError, TypeError):
        return True
    if age > _STALE_MARK_SECONDS:
        return True
    return host == socket.gethostname() and not _process_alive(pid, started)


def _sql_string(text: str) -> str:
    """``text`` for a single-quoted SQL string literal."""
    return text.replace("'", "''")


def _remove_database_file(path: Path) -> None:
    for stray in (path, path.with_name(path.name + ".wal")):
        stray.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows it)."""
    with suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


class RunStore:
    """Runs kept in one DuckDB file.

    Parameters
    ----------
    path : str or Path, optional
        The store file (default: :func:`default_store_path`). Its folder is
        created on demand.
    lock_timeout_seconds : float
        How long an operation waits for another process to release the file.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> store = RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.duckdb")
    >>> run_id = store.begin(kind="run", scenario_text="", scenario_name="demo", scenario_sha256="",
    ...                      seed=1, draws=10, message="a first try")
    >>> store.finish(run_id, tables={"headline": pd.DataFrame({"p_ruin": [0.1]})}, metrics={"p_ruin": 0.1})
    >>> [(info.status, info.message) for info in store.list()]
    [('complete', 'a first try')]
    >>> store.get(run_id[:10]).tables["headline"]["p_ruin"].tolist()
    [0.1]
    """

    def __init__(self, path: str | Path | None = None, *, lock_timeout_seconds: float = 60.0) -> None:
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self.lock_timeout_seconds = float(lock_timeout_seconds)
        #: Device, inode and size of the store file when it was last found whole (see ``_truncation``).
        self._whole_file: tuple[int, int, int] | None = None
        #: The descriptor holding ``<store>.lock`` while a connection is open (one at a time: the process lock
        #: serializes a store's operations, and none opens the store again inside another).
        self._companion_lock: int | None = None

    def __repr__(self) -> str:
        return f"RunStore({str(self.path)!r})"

    # -- connections ----------------------------------------------------------
    def _check_path(self, *, create: bool) -> bool:
        """Whether the store file exists; raises StoreError for a path that cannot be a store."""
        path = self.path
        if path.is_dir():
            raise StoreError(f"run store {path} is a folder; expected a DuckDB file such as {path / 'runs.duckdb'}")
        exists = path.exists()
        folder = path.parent
        if not exists:
            blocking = next((parent for parent in path.parents if parent.exists()), None)
            if blocking is not None and not blocking.is_dir():
                raise StoreError(f"run store {path}: {blocking} is a file, not a folder")
        if not exists and not create:
            return False
        if not exists:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                reason = error.strerror or type(error).__name__
                raise StoreError(f"cannot create the run store's folder {folder}: {reason}") from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise StoreError(f"cannot write in the run store's folder {folder} (permission denied)")
        if exists and not os.access(path, os.R_OK | os.W_OK):
            raise StoreError(f"run store {path} is not readable and writable (permission denied)")
        return True

    def _open(self) -> duckdb.DuckDBPyConnection:
        """Connect, waiting out other processes' locks with jittered exponential backoff.

        A file that a compaction has just replaced (see :meth:`compact`) is
        closed and the path opened again.
        """
        deadline = time.monotonic() + self.lock_timeout_seconds
        delay = _FIRST_RETRY_SECONDS
        foreign_log_since: float | None = None
        while True:
            wait: str | None = "locked"  # why this attempt did not connect, if it did not
            if self._take_companion_lock():
                try:
                    before = self._file_identity()
                    connection = duckdb.connect(str(self.path))
                    try:
                        superseded = self._superseded(connection)
                        truncated = None if superseded else self._truncation(connection, before)
                        if truncated is not None:
                            raise StoreError(truncated)
                    except BaseException:
                        connection.close()
                        raise
                    if not superseded:
                        wait = None
                        return connection
                    connection.close()
                    wait = "compacted"
                except duckdb.IOException as error:
                    foreign_log_since = self._retried_open_error(_one_line(str(error)), before, foreign_log_since)
                except duckdb.Error as error:
                    raise StoreError(self._open_problem(_one_line(str(error)))) from None
                finally:
                    if wait is not None:
                        self._release_companion_lock()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                doing = "being compacted" if wait == "compacted" else "locked"
                raise StoreError(
                    f"run store {self.path} is still {doing} by another process after "
                    f"{self.lock_timeout_seconds:g} s; try again when it has finished"
                )
            time.sleep(min(remaining, delay * random.uniform(0.5, 1.5)))
            delay = min(2 * delay, _LONGEST_RETRY_SECONDS)

    def _retried_open_error(
        self, message: str, before: tuple[int, int] | None, foreign_log_since: float | None
    ) -> float | None:
        """Whether an I/O error on opening is retried: raises :class:`StoreError` if not.

        A lock held by another process is waited out. A compaction renamed its
        copy over the path while this process opened the old file, whose replay
        then met the new file's write-ahead log ("WAL does not match database
        file"): the path is opened again, as when the old file's mark is seen.
        The same error on an unchanged path is retried for a short while
        (:data:`_FOREIGN_LOG_RETRY_SECONDS`; a store used meanwhile by a
        version without the companion lock), then reported as it is. Returns
        when that error was first met (None if it was not).
        """
        replaced = self._file_identity() != before
        if "wal does not match" in message.lower() and not replaced:
            foreign_log_since = foreign_log_since or time.monotonic()
            if time.monotonic() - foreign_log_since > _FOREIGN_LOG_RETRY_SECONDS:
                raise StoreError(self._open_problem(message)) from None
        elif "lock" not in message.lower() and not replaced:
            raise StoreError(self._open_problem(message)) from None
        return foreign_log_since

    @property
    def _companion_lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def _take_companion_lock(self) -> bool:
        """Take the exclusive lock on ``<store>.lock`` without waiting; False if another process holds it.

        Held from before a connection opens until after it closes (:meth:`_close`), so that no process holds a
        store file that a compaction has replaced (see the module docstring). Where the companion file cannot be
        opened (a read-only folder) or ``flock`` does not exist, there is no such lock and True is returned.
        """
        if fcntl is None:  # pragma: no cover - Windows
            return True
        try:
            descriptor = os.open(self._companion_lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:
            return True
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(descriptor)
            return False
        self._companion_lock = descriptor
        return True

    def _release_companion_lock(self) -> None:
        """Release the lock taken by :meth:`_take_companion_lock` (nothing if none is held)."""
        descriptor, self._companion_lock = self._companion_lock, None
        if descriptor is not None:
            os.close(descriptor)  # closing the descriptor releases its flock

    def _close(self, connection: duckdb.DuckDBPyConnection) -> None:
        """Close a connection of :meth:`_open`, then release the companion lock."""
        try:
            connection.close()
        finally:
            self._release_companion_lock()

    def _file_identity(self) -> tuple[int, int] | None:
        """Device and inode of the store file (None if it does not exist yet): which file is at the path."""
        identity = self._change_identity()
        return None if identity is None else identity[:2]

    def _truncation(self, connection: duckdb.DuckDBPyConnection, opened: tuple[int, int] | None) -> str | None:
        """Why the file is shorter than its own blocks say it is (a truncated copy or disk), or None.

        A DuckDB file is :data:`_DUCKDB_HEADER_BYTES` of headers, then its
        blocks. Right after connecting, with no write-ahead log to replay and
        the file locked against other writers, the file must reach the last
        block any table's data is stored in (``pragma_storage_info``; free
        blocks at the end may be cut off by DuckDB itself): a shorter file
        fails later, in the middle of a write, so it is refused here, before
        any simulation. ``opened`` is the file's identity just before
        connecting: if a compaction has since renamed another file into
        place, the size at the path is not the connected file's, and nothing
        is concluded. A file found whole is not read again until its size
        changes (the check is on every open's path).
        """
        if opened is None or Path(f"{self.path}.wal").exists():
            return None
        try:
            stat = self.path.stat()
        except OSError:
            return None
        identity = (stat.st_dev, stat.st_ino, stat.st_size)
        if identity[:2] != opened or identity == self._whole_file:
            return None
        try:
            block_size = int(connection.execute("PRAGMA database_size").fetchone()[2])  # type: ignore[index]
            tables = [str(row[0]) for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
            last = -1
            for table in tables:
                row = connection.execute(
                    "SELECT max(block_id) FROM pragma_storage_info(?) WHERE block_id >= 0", [table]
                ).fetchone()
                if row is not None and row[0] is not None:
                    last = max(last, int(row[0]))
        except (duckdb.Error, TypeError, ValueError):
            return None
        size = stat.st_size
        needed = _DUCKDB_HEADER_BYTES + (last + 1) * block_size
        if size >= needed:
            self._whole_file = identity
            return None
        return (
            f"run store {self.path} is truncated: {size:,} bytes where its data reach block {last} and need "
            f"{needed:,}; restore it from a copy, or use another store (--store PATH)"
        )

    def verify(self) -> None:
        """Check that a run can be recorded: every stored value reads back, and a run's writes go through.

        Called by :meth:`begin`, so that a damaged store is refused before
        any simulation rather than after it. DuckDB checks each block's
        checksum when it reads the block, so reading every value of every
        table (a hash of each column) finds damaged data blocks, and
        inserting a probe run with a payload, then rolling it back, reads
        the index blocks and last segments a recording writes to.

        The scan reads the whole file (about 1.5 ms per MB), so a store
        found sound is not scanned again until the file changes other than
        by frontiersim's own commits: the identity of the sound file (device,
        inode, size, modification time) is kept beside it in
        ``<store>.verified`` and carried forward by every successful write
        (:meth:`_transaction`). A file changed behind the store's back (copied
        over, edited, restored) no longer matches and is scanned again.

        Raises
        ------
        StoreError
            If the store is truncated or damaged, naming the damage.
        """
        with _process_lock(self.path):
            if not self._check_path(create=False):
                return
            identity = self._change_identity()
            if identity is not None and identity == self._verified_identity():
                return
            connection = self._open()
            try:
                self._migrate(connection)
                for (table,) in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall():
                    columns = connection.execute(
                        "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]
                    ).fetchall()
                    hashes = ", ".join(f"bit_xor(hash({_sql_identifier(str(c))}))" for (c,) in columns)
                    connection.execute(f"SELECT {hashes} FROM {_sql_identifier(str(table))}").fetchall()
                connection.execute("BEGIN TRANSACTION")
                try:
                    connection.execute(_PROBE_RUN, [_PROBE_RUN_ID])
                    connection.execute(_PROBE_PAYLOAD, [_PROBE_RUN_ID])
                finally:
                    _rollback(connection)
            except duckdb.Error as error:
                raise StoreError(
                    f"run store {self.path} is damaged: {_one_line(str(error))}; restore it from a copy, "
                    "or use another store (--store PATH)"
                ) from None
            finally:
                self._close(connection)
            self._record_verified()

    @property
    def _verified_path(self) -> Path:
        return self.path.with_name(self.path.name + ".verified")

    def _verified_identity(self) -> tuple[int, ...] | None:
        """The identity of the store file when it was last found sound (see :meth:`verify`), or None."""
        try:
            return tuple(int(part) for part in json.loads(self._verified_path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def _record_verified(self) -> None:
        """Keep the store file's current identity as sound (quietly skipped where it cannot be written)."""
        identity = self._change_identity()
        if identity is not None:
            with suppress(OSError):
                atomic_write_bytes(self._verified_path, json.dumps(list(identity)).encode("ascii"))

    def _change_identity(self) -> tuple[int, int, int, int] | None:
        """Device, inode, size and modification time of the store file: what changes when it is written."""
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns

    def _superseded(self, connection: duckdb.DuckDBPyConnection) -> bool:
        """Whether ``connection`` holds a file a compaction has replaced; a stale mark is cleared instead."""
        try:
            row = connection.execute("SELECT value FROM meta WHERE key = ?", [_SUPERSEDED_KEY]).fetchone()
        except (duckdb.CatalogException, duckdb.BinderException):  # a new store, or not a store (found out later)
            return False
        if row is None:
            return False
        if not _stale_mark(str(row[0])):
            return True
        # the compaction died between marking this file and renaming its copy over it: this file is whole
        connection.execute("DELETE FROM meta WHERE key = ?", [_SUPERSEDED_KEY])
        with suppress(OSError, ValueError, KeyError, TypeError):
            Path(json.loads(str(row[0]))["copy"]).unlink(missing_ok=True)
        return False

    def _open_problem(self, message: str) -> str:
        if "not a valid DuckDB database" in message:
            return f"run store {self.path} is not a DuckDB database file"
        if "version" in message.lower() and "storage" in message.lower():
            return f"run store {self.path} was written by another DuckDB version: {message}"
        return f"cannot open the run store {self.path}: {message}"

    @contextmanager
    def _transaction(self, *, create: bool = True) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """A connection inside one transaction, committed on success and rolled back on any exception.

        Yields None when ``create`` is False and the store file does not exist.
        """
        with _process_lock(self.path):
            if not self._check_path(create=create):
                yield None
                return
            identity = self._change_identity()  # None: this transaction creates the store, sound from the start
            sound_before = identity is None or identity == self._verified_identity()
            connection = self._open()
            try:
                self._migrate(connection)
                connection.execute("BEGIN TRANSACTION")
                try:
                    yield connection
                except BaseException:
                    _rollback(connection)
                    raise
                connection.execute("COMMIT")
            except duckdb.Error as error:
                raise StoreError(f"run store {self.path}: {_one_line(str(error))}") from None
            finally:
                self._close(connection)
            if sound_before:  # a sound file stays sound through a write that went through
                self._record_verified()

    # -- schema ---------------------------------------------------------------
    def _schema_version(self, connection: duckdb.DuckDBPyConnection) -> int:
        tables = {
            str(row[0])
            for row in connection.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            ).fetchall()
        }
        if "meta" not in tables:
            if tables:
                raise StoreError(
                    f"{self.path} is a DuckDB file but not a frontiersim run store "
                    f"(it has tables {', '.join(sorted(tables))} and no meta table)"
                )
            return 0
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        try:
            return int(row[0]) if row is not None else -1
        except ValueError:
            return -1

    def _migrate(self, connection: duckdb.DuckDBPyConnection) -> None:
        """Bring the store to :data:`SCHEMA_VERSION`, one transaction per migration."""
        version = self._schema_version(connection)
        if version < 0:
            raise StoreError(f"run store {self.path} has no readable schema version in its meta table")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"run store {self.path} has schema version {version}, newer than this frontiersim "
                f"{__version__} knows (up to {SCHEMA_VERSION}); upgrade frontiersim to use it"
            )
        for migration in MIGRATIONS:
            if migration.version <= version:
                continue
            connection.execute("BEGIN TRANSACTION")
            try:
                for statement in migration.statements:
                    connection.execute(statement)
                connection.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(migration.version)])
                connection.execute(
                    "INSERT INTO schema_history VALUES (?, ?, ?)",
                    [migration.version, migration.description, _utc_now()],
                )
            except BaseException:
                _rollback(connection)
                raise
            connection.execute("COMMIT")

    def schema_version(self) -> int:
        """The store's schema version after migration (0 if the store does not exist yet)."""
        with self._transaction(create=False) as connection:
            return SCHEMA_VERSION if connection is not None else 0

    # -- recording --------------------------------------------------------------
    def begin(
        self,
        *,
        kind: str,
        scenario_text: str,
        scenario_name: str,
        scenario_sha256: str,
        seed: int | None,
        draws: int | None,
        message: str = "",
        command: Sequence[str] = (),
    ) -> str:
        """Record a run as ``running`` (committed at once) and return its id.

        Parameters
        ----------
        kind : str
            One of :data:`KINDS`: ``run``, ``optimize``, ``frontier``, ``backtest`` or ``sweep``.
        scenario_text, scenario_name, scenario_sha256 : str
        seed, draws : int or None
        message : str
            One line: why the run was made.
        command : sequence of str
            The command line.

        Returns
        -------
        str
            The new run's id.

        Raises
        ------
        ValueError
            For an unknown kind or a message of more than one line.
        StoreError
            If the store cannot be opened or written.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
        if "\n" in message or "\r" in message:
            raise ValueError(f"the message must be one line, got {message!r}")
        pid = os.getpid()
        started = _process_started(pid)
        self.verify()
        with self._transaction() as connection:
            assert connection is not None  # created on demand
            now = datetime.now(UTC)
            run_id = _new_run_id(now)
            while connection.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchone() is not None:
                run_id = _new_run_id(now)
            connection.execute(
                """INSERT INTO runs (run_id, kind, status, created_utc, finished_utc, frontiersim_version,
                    scenario_name, scenario_text, scenario_sha256, seed, draws, message, command, metrics, error,
                    pid, hostname, process_started, table_layout, environment)
                VALUES (?, ?, 'running', ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, '{}', NULL, ?, ?, ?, ?, ?)""",
                [
                    run_id,
                    kind,
                    now.isoformat(timespec="microseconds"),
                    __version__,
                    scenario_name,
                    scenario_text,
                    scenario_sha256,
                    None if seed is None else str(int(seed)),
                    None if draws is None else int(draws),
                    message,
                    json.dumps([str(part) for part in command]),
                    pid,
                    socket.gethostname(),
                    started,
                    TABLE_LAYOUT,
                    json.dumps(software_versions(), sort_keys=True),
                ],
            )
        return run_id

    def finish(
        self,
        run_id: str,
        *,
        tables: Mapping[str, pd.DataFrame],
        draw_tables: Mapping[str, pd.DataFrame] = {},
        artifacts: Mapping[str, bytes] = {},
        metrics: Mapping[str, float] = {},
        labs: Sequence[str] | None = None,
        options: Mapping[str, Any] = {},
    ) -> None:
        """Store every payload of a running record and mark it complete, in one transaction.

        Parameters
        ----------
        run_id : str
            The id :meth:`begin` returned (in full).
        tables : mapping of str to pandas.DataFrame
            Summary tables, stored as Parquet.
        draw_tables : mapping of str to pandas.DataFrame
            Per-draw tables, stored as Parquet.
        artifacts : mapping of str to bytes
            Files, stored as they are; the media type follows the name's suffix.
        metrics : mapping of str to float
            Headline numbers (non-finite values are stored as missing).
        labs : sequence of str, optional
            The labs of a simulation, in the order of its tables' ``lab``
            column (None: a kind without labs).
        options : mapping of str to JSON values
            What besides the scenario, seed and draws made the numbers (for a
            simulation ``keep_monthly``), for ``frontiersim rerun``.

        Raises
        ------
        StoreError
            If the run is unknown or not running, lab names repeat, a table cannot be written
            as Parquet, or the store cannot be written. Nothing is stored then.
        """
        rows: list[_PayloadRow] = []
        for role, frames in (("table", tables), ("draws", draw_tables)):
            for name, frame in frames.items():
                _check_name("table", name)
                parts = _parquet_parts(name, frame)
                rows.extend((role, name, part, PARQUET_MEDIA_TYPE, data) for part, data in enumerate(parts))
        for name, payload in artifacts.items():
            _check_name("artifact", name)
            if not isinstance(payload, bytes | bytearray | memoryview):
                raise StoreError(f"artifact {name!r}: expected bytes, got {type(payload).__name__}")
            media_type = _MEDIA_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")
            rows.append(("artifact", name, 0, media_type, bytes(payload)))
        metrics_text = _metrics_json(metrics)
        labs_text = _labs_json(labs)
        try:
            options_text = json.dumps(dict(options), sort_keys=True, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise StoreError(f"the options of run {run_id} are not JSON: {error}") from None
        with self._transaction() as connection:
            assert connection is not None
            row = connection.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchone()
            if row is None:
                raise StoreError(f"no run {run_id} in the run store {self.path} (was it removed?)")
            if row[0] != "running":
                raise StoreError(f"run {run_id} is {row[0]}, not running: it cannot be finished")
            connection.execute("DELETE FROM payloads WHERE run_id = ?", [run_id])
            self._insert_payloads(connection, run_id, rows)
            connection.execute(
                "UPDATE runs SET status = 'complete', finished_utc = ?, metrics = ?, labs = ?, options = ?, "
                "error = NULL WHERE run_id = ?",
                [_utc_now(), metrics_text, labs_text, options_text, run_id],
            )

    def _insert_payloads(self, connection: duckdb.DuckDBPyConnection, run_id: str, rows: Sequence[_PayloadRow]) -> None:
        """Insert the payload rows of ``run_id`` (inside :meth:`finish`'s transaction)."""
        for role, name, part, media_type, payload in rows:
            connection.execute(
                "INSERT INTO payloads (run_id, role, name, part, media_type, payload) VALUES (?, ?, ?, ?, ?, ?)",
                [run_id, role, name, part, media_type, payload],
            )

    def fail(self, run_id: str, reason: str) -> None:
        """Mark a running record failed, with a one-line reason.

        A record that is no longer running (complete, say) is left as it is.

        Raises
        ------
        StoreError
            If the run is unknown or the store cannot be written.
        """
        text = _one_line(reason)[:_MAX_REASON_CHARS] or "failed"
        with self._transaction() as connection:
            assert connection is not None
            row = connection.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchone()
            if row is None:
                raise StoreError(f"no run {run_id} in the run store {self.path}")
            if row[0] == "running":
                connection.execute(
                    "UPDATE runs SET status = 'failed', finished_utc = ?, error = ? WHERE run_id = ?",
                    [_utc_now(), text, run_id],
                )

    # -- reading ------------------------------------------------------------------
    def _mark_incomplete(self, connection: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> list[Any]:
        """Rows (in :data:`_INFO_COLUMNS` order) with dead running records marked (and stored) incomplete."""
        host = socket.gethostname()
        marked = []
        for row in rows:
            status, pid, hostname, started = row[2], row[12], row[13], row[14]
            if status == "running" and pid is not None and hostname == host and not _process_alive(int(pid), started):
                connection.execute(
                    "UPDATE runs SET status = 'incomplete', error = ? WHERE run_id = ? AND status = 'running'",
                    [f"process {pid} on {hostname} ended before the run was recorded", row[0]],
                )
                marked.append((*row[:2], "incomplete", *row[3:]))
            else:
                marked.append(row)
        return marked

    @staticmethod
    def _info(row: Sequence[Any]) -> RunInfo:
        return RunInfo(
            run_id=str(row[0]),
            kind=str(row[1]),
            status=str(row[2]),
            created_utc=str(row[3]),
            finished_utc=None if row[4] is None else str(row[4]),
            scenario_name=str(row[5]),
            scenario_sha256=str(row[6]),
            seed=None if row[7] is None else int(row[7]),
            draws=None if row[8] is None else int(row[8]),
            message=str(row[9]),
            frontiersim_version=str(row[10]),
            metrics=_metrics_from_json(row[11]),
            labs=_labs_from_json(row[_LABS]),
        )

    def list(self, limit: int | None = None) -> list[RunInfo]:
        """Stored runs, newest first.

        Parameters
        ----------
        limit : int, optional
            At most this many (default: all).

        Returns
        -------
        list of RunInfo
            Empty if the store does not exist yet.
        """
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        with self._transaction(create=False) as connection:
            if connection is None:
                return []
            query = f"SELECT {_INFO_COLUMNS} FROM runs ORDER BY created_utc DESC, run_id DESC"
            if limit is not None:
                query += f" LIMIT {int(limit)}"
            rows = self._mark_incomplete(connection, connection.execute(query).fetchall())
        return [self._info(row) for row in rows]

    def _resolve(self, connection: duckdb.DuckDBPyConnection | None, run_id: str) -> str:
        """The one full id starting with ``run_id``."""
        prefix = run_id.strip()
        if not prefix:
            raise StoreError("expected a run id (or a unique prefix of one), got an empty string")
        if connection is None:
            raise StoreError(f"no run {prefix!r}: the run store {self.path} does not exist yet")
        matches = [
            str(row[0])
            for row in connection.execute(
                "SELECT run_id FROM runs WHERE starts_with(run_id, ?) ORDER BY run_id LIMIT 6", [prefix]
            ).fetchall()
        ]
        if not matches:
            raise StoreError(f"no run {prefix!r} in the run store {self.path} (see: frontiersim runs list)")
        if len(matches) > 1:
            shown = ", ".join(matches[:5]) + (", ..." if len(matches) > 5 else "")
            raise StoreError(f"run id {prefix!r} is ambiguous: it matches {shown}; give more characters")
        return matches[0]

    def resolve(self, run_id: str) -> str:
        """The full id of the one run whose id starts with ``run_id``.

        Raises
        ------
        StoreError
            If no run or more than one run matches.
        """
        with self._transaction(create=False) as connection:
            return self._resolve(connection, run_id)

    def get(self, run_id: str) -> RunRecord:
        """One run in full (per-draw tables load on demand).

        Parameters
        ----------
        run_id : str
            The id, or a unique prefix of it.

        Raises
        ------
        StoreError
            If no run or more than one run matches, or the store cannot be read.
        """
        with self._transaction(create=False) as connection:
            full_id = self._resolve(connection, run_id)
            assert connection is not None
            row = connection.execute(
                f"SELECT {_INFO_COLUMNS}, scenario_text, command, error, table_layout, environment, options "
                "FROM runs WHERE run_id = ?",
                [full_id],
            ).fetchone()
            assert row is not None
            (row,) = self._mark_incomplete(connection, [row])
            text_at, command_at, error_at, layout_at = _LABS + 1, _LABS + 2, _LABS + 3, _LABS + 4
            environment_at, options_at = _LABS + 5, _LABS + 6
            if row[2] == "incomplete" and row[error_at] is None:
                reason = f"process {row[12]} on {row[13]} ended before the run was recorded"
                row = (*row[:error_at], reason, *row[error_at + 1 :])
            payloads = connection.execute(
                "SELECT role, name, payload FROM payloads WHERE run_id = ? AND role IN ('table', 'artifact') "
                "ORDER BY role, name, part",
                [full_id],
            ).fetchall()
            draw_names = [
                str(r[0])
                for r in connection.execute(
                    "SELECT DISTINCT name FROM payloads WHERE run_id = ? AND role = 'draws' ORDER BY name", [full_id]
                ).fetchall()
            ]
            stored_bytes = self._stored_bytes(connection, full_id)
        info = self._info(row)
        table_parts: dict[str, list[bytes]] = {}
        artifacts: dict[str, bytes] = {}
        for role, name, payload in payloads:
            if role == "table":
                table_parts.setdefault(str(name), []).append(payload)
            else:
                artifacts[str(name)] = bytes(payload)
        tables = {name: _read_parquet(parts) for name, parts in table_parts.items()}
        if row[layout_at] is None:  # recorded before labs: read in the current layout
            tables = upgrade_tables(info.kind, tables)
        return RunRecord(
            **{k: getattr(info, k) for k in RunInfo.__dataclass_fields__},
            scenario_text=str(row[text_at]),
            command=[str(part) for part in json.loads(row[command_at] or "[]")],
            tables=tables,
            artifacts=artifacts,
            error="" if row[error_at] is None else str(row[error_at]),
            draw_table_names=tuple(draw_names),
            store_path=self.path,
            stored_bytes=stored_bytes,
            environment={str(k): str(v) for k, v in _json_object(row[environment_at]).items()},
            options=_json_object(row[options_at]),
        )

    def stored_bytes(self, run_id: str) -> dict[str, int]:
        """Bytes a run's payloads take in the store, by role (``table``, ``draws``, ``artifact``).

        Raises
        ------
        StoreError
            If no run or more than one run matches, or the store cannot be read.
        """
        with self._transaction(create=False) as connection:
            if connection is None:
                raise StoreError(f"the run store {self.path} does not exist")
            return self._stored_bytes(connection, self._resolve(connection, run_id))

    @staticmethod
    def _stored_bytes(connection: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
        rows = connection.execute(
            "SELECT role, sum(octet_length(payload)) FROM payloads WHERE run_id = ? GROUP BY role ORDER BY role",
            [run_id],
        ).fetchall()
        return {str(role): int(size) for role, size in rows}

    def _read_table(self, run_id: str, role: str, name: str) -> pd.DataFrame:
        with self._transaction(create=False) as connection:
            if connection is None:
                raise StoreError(f"the run store {self.path} does not exist")
            parts = connection.execute(
                "SELECT payload FROM payloads WHERE run_id = ? AND role = ? AND name = ? ORDER BY part",
                [run_id, role, name],
            ).fetchall()
        if not parts:
            raise StoreError(f"run {run_id} has no table {name!r} in the run store {self.path}")
        return _read_parquet([part for (part,) in parts])

    def remove(self, run_id: str) -> None:
        """Delete a run and all its payloads.

        Parameters
        ----------
        run_id : str
            The id, or a unique prefix of it.

        Raises
        ------
        StoreError
            If no run or more than one run matches, or the run is still
            running in a live process on this host.
        """
        with self._transaction(create=False) as connection:
            full_id = self._resolve(connection, run_id)
            assert connection is not None
            row = connection.execute(f"SELECT {_INFO_COLUMNS} FROM runs WHERE run_id = ?", [full_id]).fetchone()
            assert row is not None
            (row,) = self._mark_incomplete(connection, [row])
            if row[2] == "running" and row[13] == socket.gethostname():
                raise StoreError(f"run {full_id} is still running (process {row[12]}); stop it before removing it")
            connection.execute("DELETE FROM payloads WHERE run_id = ?", [full_id])
            connection.execute("DELETE FROM runs WHERE run_id = ?", [full_id])

    def compact(self) -> Compaction:
        """Rewrite the store into a fresh file, without the space of deleted runs.

        The store is copied table by table (``COPY FROM DATABASE``) while this
        process holds its lock; the copy is checked (every run and payload, to
        the byte count) and synced. The old file is then marked superseded and
        closed, and the copy renamed over it. Other processes may keep using
        the store: one that opens the old file before the rename sees the mark
        and opens the path again.

        Returns
        -------
        Compaction
            The file's size before and after, and the number of runs.

        Raises
        ------
        StoreError
            If there is no store at the path, it cannot be opened, the copy
            cannot be written (a full disk) or does not match, or it cannot be
            put in place. The store is then left as it was.
        """
        with _process_lock(self.path):
            if not self._check_path(create=False):
                raise StoreError(f"no run store at {self.path}")
            before = self.path.stat().st_size
            copy = self.path.with_name(f".{self.path.name}.compacting-{os.getpid()}")
            _remove_database_file(copy)
            connection = self._open()
            marked = False
            try:
                self._migrate(connection)
                runs = self._copy_database(connection, copy)
                pid = os.getpid()
                mark = {
                    "pid": pid,
                    "process_started": _process_started(pid),
                    "host": socket.gethostname(),
                    "utc": _utc_now(),
                    "copy": str(copy),
                }
                connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [_SUPERSEDED_KEY, json.dumps(mark)])
                marked = True
                connection.execute("CHECKPOINT")
            except BaseException as error:
                if marked:
                    with suppress(duckdb.Error):
                        connection.execute("DELETE FROM meta WHERE key = ?", [_SUPERSEDED_KEY])
                self._close(connection)
                _remove_database_file(copy)
                if isinstance(error, duckdb.Error | OSError):
                    raise StoreError(
                        f"run store {self.path}: compaction failed ({_one_line(str(error))}); "
                        "the store is left as it was"
                    ) from None
                raise
            # The old file is closed, but the companion lock is kept until the copy is in place: no other process
            # may open the old file meanwhile (see the module docstring).
            try:
                connection.close()
                try:
                    os.replace(copy, self.path)
                except OSError as error:
                    self._clear_mark()
                    _remove_database_file(copy)
                    reason = error.strerror or type(error).__name__
                    raise StoreError(
                        f"run store {self.path}: cannot put the compacted copy in place: {reason}"
                    ) from None
                _sync_folder(self.path.parent)
            finally:
                self._release_companion_lock()
            return Compaction(before, self.path.stat().st_size, runs)

    def _clear_mark(self) -> None:
        """Remove this process's superseded mark from the store file (its copy could not be put in place)."""
        with suppress(duckdb.Error), duckdb.connect(str(self.path)) as connection:
            connection.execute("DELETE FROM meta WHERE key = ?", [_SUPERSEDED_KEY])

    @staticmethod
    def _copy_tables(connection: duckdb.DuckDBPyConnection, source: str, target: str) -> None:
        """Copy every table of the attached database ``source`` into ``target`` (both quoted names)."""
        connection.execute(f"COPY FROM DATABASE {source} TO {target}")

    def _copy_database(self, connection: duckdb.DuckDBPyConnection, copy: Path) -> int:
        """Copy the open store into a new file ``copy``, check it and sync it; returns the number of runs."""
        (source,) = connection.execute("SELECT current_database()").fetchone() or ("",)
        target = "frontiersim_compacted"
        quoted_source = '"' + str(source).replace('"', '""') + '"'
        connection.execute(f"ATTACH '{_sql_string(str(copy))}' AS {target}")
        try:
            self._copy_tables(connection, quoted_source, target)
            counts = (
                "SELECT (SELECT count(*) FROM {db}.runs), (SELECT count(*) FROM {db}.payloads), "
                "(SELECT coalesce(sum(octet_length(payload)), 0) FROM {db}.payloads), "
                "(SELECT count(*) FROM {db}.meta), (SELECT count(*) FROM {db}.schema_history)"
            )
            original = connection.execute(counts.format(db=quoted_source)).fetchone()
            copied = connection.execute(counts.format(db=target)).fetchone()
        finally:
            connection.execute(f"DETACH {target}")
        if original != copied or original is None:
            raise StoreError(
                f"run store {self.path}: the compacted copy does not match (runs, payloads, bytes, meta, "
                f"migrations: {original} against {copied}); the store is left as it was"
            )
        with copy.open("rb+") as file:
            os.fsync(file.fileno())
        return int(original[0])


#: A run and a payload inserted, then rolled back, by :meth:`RunStore.verify`: they touch what a recording writes.
_PROBE_RUN_ID = "verify-probe"
_PROBE_RUN = """INSERT INTO runs (run_id, kind, status, created_utc, frontiersim_version, scenario_name,
    scenario_text, scenario_sha256, message, command, metrics) VALUES (?, 'run', 'running', '', '', '', '', '', '',
    '[]', '{}')"""
_PROBE_PAYLOAD = f"INSERT INTO payloads VALUES (?, 'table', 'probe', 0, '{PARQUET_MEDIA_TYPE}', ''::BLOB)"


def _sql_identifier(name: str) -> str:
    """``name`` quoted as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _rollback(connection: duckdb.DuckDBPyConnection) -> None:
    with suppress(duckdb.Error):
        connection.execute("ROLLBACK")


def _read_parquet(parts: Sequence[bytes]) -> pd.DataFrame:
    """A table from its Parquet parts, in order."""
    frames = [pd.read_parquet(io.BytesIO(part), engine="pyarrow") for part in parts]
    return frames[0] if len(frames) == 1 else pd.concat(frames)
