"""Nothing is lost: killed runs, a kill in the middle of a write, concurrent writers, a held lock, compaction.

Each test starts real processes. They are stopped with SIGKILL at points the test observes (a record in
the store, a marker file), never after a fixed sleep; the deadlines below only keep a broken test from
hanging.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import duckdb
import numpy as np
import pandas as pd
import pytest

from frontiersim.store import RunInfo, RunStore, StoreError
from frontiersim.store.schema import SCHEMA_VERSION
from frontiersim.store.store import _SUPERSEDED_KEY

pytestmark = pytest.mark.skipif(os.name == "nt", reason="SIGKILL and /proc are POSIX")

#: Longest wait for a child process to reach a point (seconds): a guard against hanging, not a measurement.
DEADLINE_SECONDS = 120.0

#: Size of the large payloads written by :data:`FINISHES_BIG`.
BIG_ARTIFACT_BYTES, BIG_ROWS = 20_000_000, 200_000

T = TypeVar("T")

#: Records a run's begin, then stops forever inside finish() after the payload rows are inserted and
#: before the commit (argv: store, marker file).
STOPS_INSIDE_FINISH = """
import sys, time
from pathlib import Path
import pandas as pd
from frontiersim.store import RunStore

class StopsBeforeCommit(RunStore):
    def _insert_payloads(self, connection, run_id, rows):
        super()._insert_payloads(connection, run_id, rows)
        Path(sys.argv[2]).write_text(run_id)
        time.sleep(600)

store = StopsBeforeCommit(sys.argv[1])
run_id = store.begin(kind="run", scenario_text="x = 1", scenario_name="stopped", scenario_sha256="",
                     seed=1, draws=3, message="killed before its commit")
store.finish(run_id, tables={"headline": pd.DataFrame({"p_ruin": [0.5]})}, artifacts={"big.bin": b"x" * 5_000_000})
"""

#: Begins a run, writes a marker, then finishes it with large payloads
#: (argv: store, marker file, seed, artifact bytes, rows).
FINISHES_BIG = """
import sys
from pathlib import Path
import numpy as np, pandas as pd
from frontiersim.store import RunStore

store = RunStore(sys.argv[1])
seed = int(sys.argv[3])
artifact_bytes, rows = int(sys.argv[4]), int(sys.argv[5])
rng = np.random.default_rng(seed)
artifact = rng.bytes(artifact_bytes)
yearly = pd.DataFrame({"draw": np.arange(rows), "cash_usd": rng.normal(size=rows)})
run_id = store.begin(kind="run", scenario_text="", scenario_name="big", scenario_sha256="", seed=seed, draws=rows)
Path(sys.argv[2]).write_text(run_id)
store.finish(run_id, tables={"headline": pd.DataFrame({"p_ruin": [0.25]})}, draw_tables={"yearly": yearly},
             artifacts={"big.bin": artifact})
print(run_id)
"""

#: Waits for a barrier file, then records several runs (argv: store, ready file, barrier file, writer, runs).
WRITER = """
import sys, time
from pathlib import Path
import numpy as np, pandas as pd
from frontiersim.store import RunStore

path, ready, barrier, writer, runs = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], int(sys.argv[5])
store = RunStore(path)
ready.write_text("ready")
while not barrier.exists():
    time.sleep(0.005)
for k in range(runs):
    run_id = store.begin(kind="run", scenario_text=f"writer {writer} run {k}", scenario_name=writer,
                         scenario_sha256="", seed=k, draws=1000, message=f"{writer}-{k}")
    store.finish(
        run_id,
        tables={"headline": pd.DataFrame({"writer": [writer], "k": [k]})},
        draw_tables={"yearly": pd.DataFrame({"draw": np.arange(1000), "value": np.full(1000, float(k))})},
        artifacts={"note.txt": f"{writer}-{k}".encode()},
        metrics={"k": float(k)},
    )
    print(run_id, flush=True)
"""

#: Holds the store open until its standard input closes (argv: store, marker file).
HOLDS_LOCK = """
import sys, duckdb
from pathlib import Path
connection = duckdb.connect(sys.argv[1])
Path(sys.argv[2]).write_text("locked")
sys.stdin.read()
connection.close()
"""


def python(code: str, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


def wait_for(condition: Callable[[], T | None], process: subprocess.Popen[str], what: str) -> T:
    """Poll ``condition`` until it returns a value, failing if ``process`` ends first."""
    stop = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < stop:
        value = condition()
        if value:
            return value
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"the child ended (code {process.returncode}) before {what}: {err[-2000:]}")
        time.sleep(0.02)
    pytest.fail(f"gave up waiting for {what}")


def kill(process: subprocess.Popen[str]) -> None:
    assert process.poll() is None, "the child must still be running when it is killed"
    os.kill(process.pid, signal.SIGKILL)
    process.communicate()
    assert process.returncode == -signal.SIGKILL


def earlier_tables() -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame], dict[str, bytes]]:
    rng = np.random.default_rng(11)
    tables = {"headline": pd.DataFrame({"scenario_name": ["earlier"], "p_ruin": [0.125]})}
    draws = {"yearly": pd.DataFrame({"draw": np.arange(2000), "cash_usd": rng.normal(size=2000)})}
    return tables, draws, {"frontier.png": rng.bytes(100_000)}


def record_earlier(store: RunStore) -> str:
    tables, draws, artifacts = earlier_tables()
    run_id = store.begin(
        kind="run", scenario_text="[scenario]", scenario_name="earlier", scenario_sha256="", seed=3, draws=2000
    )
    store.finish(run_id, tables=tables, draw_tables=draws, artifacts=artifacts, metrics={"p_ruin": 0.125})
    return run_id


def assert_earlier_intact(store: RunStore, run_id: str) -> None:
    tables, draws, artifacts = earlier_tables()
    record = store.get(run_id)
    assert record.status == "complete"
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(record.tables[name], frame)
    pd.testing.assert_frame_equal(record.draw_table("yearly"), draws["yearly"])
    assert record.artifacts == artifacts


def assert_store_accepts_new_runs(store: RunStore) -> None:
    run_id = store.begin(kind="run", scenario_text="", scenario_name="after", scenario_sha256="", seed=0, draws=1)
    store.finish(run_id, tables={"headline": pd.DataFrame({"p_ruin": [0.0]})})
    assert store.get(run_id).status == "complete"


def test_a_run_killed_mid_way_is_incomplete_and_earlier_runs_survive(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    earlier = record_earlier(store)
    child = subprocess.Popen(
        [
            *(sys.executable, "-m", "frontiersim.cli.main", "run", "default", "--draws", "100000"),
            *("--chunk-size", "2000", "--summary-only", "--no-save", "--no-progress"),
            *("--store", str(store.path), "-m", "to be killed"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def running() -> RunInfo | None:
        return next((info for info in store.list() if info.status == "running"), None)

    begun = wait_for(running, child, "its running record appeared")
    assert (begun.kind, begun.message, begun.draws) == ("run", "to be killed", 100_000)
    kill(child)

    infos = {info.run_id: info for info in store.list()}
    assert infos[begun.run_id].status == "incomplete"
    record = store.get(begun.run_id)
    assert record.status == "incomplete"
    assert f"process {child.pid}" in record.error
    assert (record.tables, record.artifacts, record.draw_table_names) == ({}, {}, ())
    assert_earlier_intact(store, earlier)
    assert_store_accepts_new_runs(store)
    with pytest.raises(StoreError, match="is incomplete, not running"):
        store.finish(begun.run_id, tables={})


def kill_if_running(process: subprocess.Popen[str]) -> None:
    """SIGKILL ``process`` unless it has already ended, then reap it and close its pipes (idempotent)."""
    if process.poll() is None:  # a reaped process's pid may belong to another process by now
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
    process.communicate()


def wait_for_commit(path: Path, process: subprocess.Popen[str]) -> None:
    """Poll until the store's write-ahead log appears (a commit is being written) or ``process`` has ended."""
    wal = Path(f"{path}.wal")
    stop = time.monotonic() + DEADLINE_SECONDS
    while process.poll() is None and not wal.exists() and time.monotonic() < stop:
        time.sleep(0.001)


def expected_big(seed: int) -> tuple[bytes, pd.DataFrame]:
    """The artifact and per-draw table that :data:`FINISHES_BIG` stores for ``seed``."""
    rng = np.random.default_rng(seed)
    artifact = rng.bytes(BIG_ARTIFACT_BYTES)
    return artifact, pd.DataFrame({"draw": np.arange(BIG_ROWS), "cash_usd": rng.normal(size=BIG_ROWS)})


def test_a_kill_inside_finish_leaves_all_or_nothing(tmp_path: Path) -> None:
    """Kills inside finish(): just before its commit, and once its commit is being written.

    The children start together (each with a store of its own) to share their start-up time. The second
    kill lands while the write-ahead log is being written, or just after: whichever, the record must be
    complete with every payload, or incomplete with none.
    """
    stores = {name: RunStore(tmp_path / name / "runs.duckdb") for name in ("before-commit", "during-commit")}
    earlier = {name: record_earlier(store) for name, store in stores.items()}
    markers = {name: tmp_path / name / "marker" for name in stores}
    seeds = {"during-commit": 101}
    children = {
        "before-commit": python(STOPS_INSIDE_FINISH, str(stores["before-commit"].path), str(markers["before-commit"]))
    }
    for name, seed in seeds.items():
        children[name] = python(
            FINISHES_BIG, str(stores[name].path), str(markers[name]), str(seed), str(BIG_ARTIFACT_BYTES), str(BIG_ROWS)
        )

    run_ids = {}
    for name, child in children.items():
        marker = markers[name]
        run_ids[name] = wait_for(lambda marker=marker: marker.exists() and marker.read_text(), child, f"{name} began")
        if name == "during-commit":
            wait_for_commit(stores[name].path, child)
        if name == "before-commit":
            kill(child)
        else:
            kill_if_running(child)

    outcomes = {}
    for name, store in stores.items():
        record = store.get(run_ids[name])
        outcomes[name] = record.status
        if record.status == "complete":
            artifact, yearly = expected_big(seeds[name])
            assert record.artifacts == {"big.bin": artifact}
            pd.testing.assert_frame_equal(record.tables["headline"], pd.DataFrame({"p_ruin": [0.25]}))
            pd.testing.assert_frame_equal(record.draw_table("yearly"), yearly)
        else:
            assert record.status == "incomplete"
            assert (record.tables, record.artifacts, record.draw_table_names) == ({}, {}, ())
        assert_earlier_intact(store, earlier[name])
        assert_store_accepts_new_runs(store)
    assert outcomes["before-commit"] == "incomplete"


@contextlib.contextmanager
def running_writers(store: RunStore, folder: Path, runs: int) -> Iterator[dict[str, subprocess.Popen[str]]]:
    """Writers ``alpha`` and ``beta``, each recording ``runs`` runs, released together once both are ready.

    Whatever the test does, they are killed (if still running) and reaped on
    the way out, so that a failure leaves no process or open pipe behind.
    """
    barrier = folder / "go"
    writers = {
        name: python(WRITER, str(store.path), str(folder / f"ready-{name}"), str(barrier), name, str(runs))
        for name in ("alpha", "beta")
    }
    try:
        for name, process in writers.items():
            wait_for(lambda name=name: (folder / f"ready-{name}").exists(), process, f"writer {name} was ready")
        barrier.write_text("go")
        yield writers
    finally:
        for process in writers.values():
            kill_if_running(process)  # also closes the pipes of one that has ended unread


def test_two_concurrent_writers_both_land(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    runs = 3
    ids: dict[str, list[str]] = {}
    with running_writers(store, tmp_path, runs) as writers:
        for name, process in writers.items():
            out, err = process.communicate(timeout=DEADLINE_SECONDS)
            assert process.returncode == 0, err
            ids[name] = out.split()
    assert {name: len(found) for name, found in ids.items()} == {"alpha": runs, "beta": runs}

    infos = store.list()
    assert len(infos) == 2 * runs
    assert {info.status for info in infos} == {"complete"}
    assert {info.run_id for info in infos} == {*ids["alpha"], *ids["beta"]}
    for name, found in ids.items():
        for k, run_id in enumerate(found):
            record = store.get(run_id)
            assert (record.scenario_name, record.message, record.metrics) == (name, f"{name}-{k}", {"k": float(k)})
            pd.testing.assert_frame_equal(record.tables["headline"], pd.DataFrame({"writer": [name], "k": [k]}))
            assert record.artifacts == {"note.txt": f"{name}-{k}".encode()}
            assert record.draw_table("yearly")["value"].eq(float(k)).all()


def test_a_store_held_by_another_process_times_out_with_a_clear_error(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.duckdb", lock_timeout_seconds=0.5)
    record_earlier(store)
    marker = tmp_path / "locked"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDS_LOCK, str(store.path), str(marker)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(marker.exists, holder, "it held the store")
    with pytest.raises(StoreError, match=r"is still locked by another process after 0\.5 s") as caught:
        store.list()
    assert str(store.path) in str(caught.value)
    holder.communicate("", timeout=DEADLINE_SECONDS)
    assert holder.returncode == 0
    assert len(store.list()) == 1


# ---------------------------------------------------------------------------
# Compaction: the store shrinks, every run is kept, and processes using the store meanwhile lose nothing
# ---------------------------------------------------------------------------

ARTIFACT_BYTES = 4_000_000


def files_left(store: RunStore) -> list[str]:
    """The files in the store's folder, but for its companions: the last sound state and the lock file."""
    companions = {f"{store.path.name}.verified", f"{store.path.name}.lock"}
    return sorted(p.name for p in store.path.parent.iterdir() if p.name not in companions)


def record(store: RunStore, k: int) -> str:
    """A complete run with a large incompressible artifact and a per-draw table."""
    rng = np.random.default_rng(k)
    run_id = store.begin(
        kind="run", scenario_text=f"run {k}", scenario_name=f"r{k}", scenario_sha256="", seed=k, draws=500
    )
    store.finish(
        run_id,
        tables={"headline": pd.DataFrame({"k": [k], "p_ruin": [k / 10]})},
        draw_tables={"yearly": pd.DataFrame({"draw": np.arange(500), "cash_usd": rng.normal(size=500)})},
        artifacts={"blob.bin": rng.bytes(ARTIFACT_BYTES)},
        metrics={"p_ruin": k / 10},
    )
    return run_id


def assert_record(store: RunStore, run_id: str, k: int) -> None:
    rng = np.random.default_rng(k)
    got = store.get(run_id)
    assert (got.status, got.scenario_text, got.metrics) == ("complete", f"run {k}", {"p_ruin": k / 10})
    expected_yearly = pd.DataFrame({"draw": np.arange(500), "cash_usd": rng.normal(size=500)})
    pd.testing.assert_frame_equal(got.draw_table("yearly"), expected_yearly)
    assert got.artifacts == {"blob.bin": rng.bytes(ARTIFACT_BYTES)}


def mark(path: Path, *, pid: int, age_seconds: float = 0.0, copy: Path | None = None) -> None:
    """Mark the store file at ``path`` as a compaction does just before renaming its copy over it."""
    value = {
        "pid": pid,
        "process_started": None,
        "host": socket.gethostname(),
        "utc": (datetime.now(UTC) - timedelta(seconds=age_seconds)).isoformat(),
        "copy": str(copy or path.with_name("no-copy")),
    }
    with duckdb.connect(str(path)) as connection:
        connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [_SUPERSEDED_KEY, json.dumps(value)])


def marked(path: Path) -> bool:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute("SELECT 1 FROM meta WHERE key = ?", [_SUPERSEDED_KEY]).fetchone() is not None


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    """An empty store, patient with locks (a guard against hanging, as :data:`DEADLINE_SECONDS`)."""
    return RunStore(tmp_path / "runs.duckdb", lock_timeout_seconds=DEADLINE_SECONDS)


def test_compaction_returns_the_space_of_removed_runs_and_keeps_every_run(store: RunStore) -> None:
    ids = [record(store, k) for k in range(4)]
    for run_id in ids[:3]:
        store.remove(run_id)
    with duckdb.connect(str(store.path), read_only=True) as connection:
        migrations = connection.execute("SELECT * FROM schema_history ORDER BY version").fetchall()
    before = store.path.stat().st_size

    done = store.compact()

    assert (done.bytes_before, done.runs) == (before, 1)
    assert done.bytes_after == store.path.stat().st_size
    assert done.bytes_after < before / 2, (before, done.bytes_after)
    assert [info.run_id for info in store.list()] == [ids[3]]
    assert_record(store, ids[3], 3)
    assert store.schema_version() == SCHEMA_VERSION
    with duckdb.connect(str(store.path), read_only=True) as connection:
        assert connection.execute("SELECT * FROM schema_history ORDER BY version").fetchall() == migrations
    assert not marked(store.path)
    assert files_left(store) == ["runs.duckdb"], "no copy or WAL left behind"
    assert_record(store, record(store, 9), 9)  # the compacted store takes new runs


def test_a_running_record_survives_compaction_and_finishes_after_it(store: RunStore) -> None:
    run_id = store.begin(kind="run", scenario_text="", scenario_name="long", scenario_sha256="", seed=1, draws=1)
    store.compact()
    assert store.get(run_id).status == "running"  # this process is alive: not incomplete
    store.finish(run_id, tables={"headline": pd.DataFrame({"p_ruin": [0.5]})})
    assert store.get(run_id).status == "complete"


def test_writers_running_through_repeated_compactions_lose_nothing(tmp_path: Path, store: RunStore) -> None:
    record(store, 0)
    runs = 15
    compactions = 0  # how many overlap the writers depends on timing; at least the first does
    ids: dict[str, list[str]] = {}
    with running_writers(store, tmp_path, runs) as writers:

        def writing() -> bool:
            return any(process.poll() is None for process in writers.values())

        landed = len(store.list())
        while writing():
            store.compact()
            compactions += 1
            # Back-to-back compactions would starve the writers' lock retries (on a loaded machine, past their
            # timeout): the next compaction waits until a writer has made progress (a run begun or finished).
            deadline = time.monotonic() + DEADLINE_SECONDS
            while writing() and len(store.list()) == landed and time.monotonic() < deadline:
                time.sleep(0.02)
            landed = len(store.list())
        for name, process in writers.items():
            out, err = process.communicate(timeout=DEADLINE_SECONDS)
            assert process.returncode == 0, err
            ids[name] = out.split()
    assert compactions >= 1
    store.compact()
    infos = store.list()
    assert len(infos) == 1 + 2 * runs
    assert {info.status for info in infos} == {"complete"}
    for name, found in ids.items():
        assert len(found) == runs
        for k, run_id in enumerate(found):
            got = store.get(run_id)
            assert (got.message, got.metrics, got.artifacts) == (
                f"{name}-{k}",
                {"k": float(k)},
                {"note.txt": f"{name}-{k}".encode()},
            )
            assert got.draw_table("yearly")["value"].eq(float(k)).all()


def test_a_process_holding_the_replaced_file_follows_the_path(tmp_path: Path, store: RunStore) -> None:
    """The race the mark exists for: a process opens the old file just before the rename."""
    kept = record(store, 1)
    fresh = tmp_path / "fresh.duckdb"
    shutil.copy(store.path, fresh)  # what the compaction's copy would be
    mark(store.path, pid=os.getpid())  # a live compaction, between marking and renaming

    def rename_soon() -> None:
        time.sleep(0.3)
        os.replace(fresh, store.path)

    renamer = threading.Thread(target=rename_soon)
    renamer.start()
    started = time.monotonic()
    new_id = record(store, 2)  # waits on the marked file, then writes to the file now at the path
    renamer.join()
    assert time.monotonic() - started >= 0.25
    assert not marked(store.path)
    assert {info.run_id for info in store.list()} == {kept, new_id}
    assert_record(store, new_id, 2)


def test_a_process_that_opens_the_old_file_as_the_copy_lands_opens_the_path_again(
    tmp_path: Path, store: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other side of that race: the old file's replay meets the new file's write-ahead log.

    A process that opened the old file just before the rename, while a writer
    of the new file had its log on disk, gets DuckDB's "WAL does not match
    database file". The path now holds another file, so it is opened again.
    """
    kept = record(store, 1)
    fresh = tmp_path / "fresh.duckdb"
    shutil.copy(store.path, fresh)
    real_connect = duckdb.connect
    calls: list[str] = []

    def connect_as_the_copy_lands(database: str, *args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        calls.append(database)
        if len(calls) == 1:
            os.replace(fresh, store.path)
            raise duckdb.IOException(
                f'IO Error: Failure while replaying WAL file "{database}.wal": WAL does not match database file.'
            )
        return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("frontiersim.store.store.duckdb.connect", connect_as_the_copy_lands)
    assert [info.run_id for info in store.list()] == [kept]
    assert len(calls) == 2


def test_a_foreign_write_ahead_log_on_an_unchanged_file_is_reported(tmp_path: Path, store: RunStore) -> None:
    """The same error with no compaction about (the file at the path is the one opened) is reported after a retry."""
    record(store, 1)
    other = tmp_path / "other.duckdb"
    writer = python(
        "import duckdb, os, sys\n"
        "connection = duckdb.connect(sys.argv[1])\n"
        "connection.execute('PRAGMA disable_checkpoint_on_shutdown')\n"
        "connection.execute('CREATE TABLE t AS SELECT 1 AS x')\n"
        "os._exit(0)",
        str(other),
    )
    writer.communicate(timeout=DEADLINE_SECONDS)
    os.replace(f"{other}.wal", f"{store.path}.wal")
    with pytest.raises(StoreError, match="WAL does not match"):
        store.list()


def test_a_foreign_write_ahead_log_that_clears_at_once_is_retried(
    store: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rename can fall between the identity read and the replay: a log that clears on retry is no error."""
    kept = record(store, 1)
    real_connect = duckdb.connect
    calls: list[str] = []

    def connect_meeting_a_passing_log(database: str, *args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        calls.append(database)
        if len(calls) == 1:
            raise duckdb.IOException(
                f'IO Error: Failure while replaying WAL file "{database}.wal": WAL does not match database file.'
            )
        return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("frontiersim.store.store.duckdb.connect", connect_meeting_a_passing_log)
    assert [info.run_id for info in store.list()] == [kept]
    assert len(calls) == 2


def test_a_live_mark_that_stays_times_out_with_a_clear_error(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.duckdb", lock_timeout_seconds=0.3)
    record(store, 1)
    mark(store.path, pid=os.getpid())
    with pytest.raises(StoreError, match=r"is still being compacted by another process after 0\.3 s"):
        store.list()


@pytest.mark.parametrize("how", ["its process is gone", "it is too old to be live"])
def test_a_mark_left_by_a_dead_compaction_is_cleared(tmp_path: Path, store: RunStore, how: str) -> None:
    kept = record(store, 1)
    copy = tmp_path / ".runs.duckdb.compacting-123"
    copy.write_bytes(b"half a copy")
    if how == "its process is gone":
        mark(store.path, pid=dead_pid(), copy=copy)
    else:
        mark(store.path, pid=os.getpid(), age_seconds=120.0, copy=copy)
    assert [info.run_id for info in store.list()] == [kept]
    assert not marked(store.path)
    assert not copy.exists()
    assert_record(store, kept, 1)


def test_compacting_a_store_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "missing" / "runs.duckdb")
    with pytest.raises(StoreError, match="no run store at"):
        store.compact()
    assert not (tmp_path / "missing").exists()


class LosesAnArtifactInTheCopy(RunStore):
    """A store whose compacted copy misses a payload, as a faulty copy would."""

    @staticmethod
    def _copy_tables(connection: duckdb.DuckDBPyConnection, source: str, target: str) -> None:
        RunStore._copy_tables(connection, source, target)
        connection.execute(f"DELETE FROM {target}.payloads WHERE name = 'blob.bin'")


def test_a_copy_that_does_not_match_leaves_the_store_as_it_was(store: RunStore) -> None:
    kept = record(store, 1)
    before = store.path.read_bytes()
    with pytest.raises(StoreError, match="the compacted copy does not match"):
        LosesAnArtifactInTheCopy(store.path).compact()
    assert store.path.read_bytes() == before
    assert files_left(store) == ["runs.duckdb"]
    assert_record(store, kept, 1)


def test_a_copy_that_cannot_be_put_in_place_leaves_the_store_usable(
    store: RunStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = record(store, 1)

    def refuse(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("frontiersim.store.store.os.replace", refuse)
    with pytest.raises(StoreError, match="cannot put the compacted copy in place: Permission denied"):
        store.compact()
    monkeypatch.undo()
    assert not marked(store.path)  # no other process is kept waiting
    assert files_left(store) == ["runs.duckdb"]
    assert_record(store, kept, 1)
    assert_record(store, record(store, 2), 2)


class CopyFailsMidWay(RunStore):
    """A store whose copy fails as on a full disk."""

    @staticmethod
    def _copy_tables(connection: duckdb.DuckDBPyConnection, source: str, target: str) -> None:
        RunStore._copy_tables(connection, source, target)
        raise duckdb.IOException("could not write block: No space left on device")


def test_a_copy_that_fails_is_a_store_error_and_leaves_the_store_as_it_was(store: RunStore) -> None:
    kept = record(store, 1)
    before = store.path.read_bytes()
    with pytest.raises(StoreError, match=r"compaction failed \(could not write block: No space left on device\)"):
        CopyFailsMidWay(store.path).compact()
    assert store.path.read_bytes() == before
    assert files_left(store) == ["runs.duckdb"]
    assert_record(store, kept, 1)
