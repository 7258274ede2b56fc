"""The run store: round trips, listing, lookup by prefix, removal, failures, migrations and bad paths."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import platformdirs
import pytest

from frontiersim._version import __version__
from frontiersim.store import RunStore, StoreError, default_store_path
from frontiersim.store.schema import SCHEMA_VERSION

#: The version-1 layout exactly as the first release of the store wrote it (kept here, apart from the
#: module's copy, so that the test checks the migration against the old files and not against itself).
LAYOUT_V1_AS_SHIPPED = (
    "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    "CREATE TABLE schema_history (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, "
    "applied_utc VARCHAR NOT NULL)",
    """CREATE TABLE runs (run_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, status VARCHAR NOT NULL,
        created_utc VARCHAR NOT NULL, finished_utc VARCHAR, frontiersim_version VARCHAR NOT NULL,
        scenario_name VARCHAR NOT NULL, scenario_text VARCHAR NOT NULL, scenario_sha256 VARCHAR NOT NULL,
        seed VARCHAR, draws BIGINT, message VARCHAR NOT NULL, command VARCHAR NOT NULL, metrics VARCHAR NOT NULL,
        error VARCHAR)""",
    """CREATE TABLE run_tables (run_id VARCHAR NOT NULL, name VARCHAR NOT NULL, parquet BLOB NOT NULL,
        PRIMARY KEY (run_id, name))""",
    "INSERT INTO meta VALUES ('schema_version', '1')",
    "INSERT INTO schema_history VALUES (1, 'runs and their Parquet summary tables', '2026-01-05T09:00:00+00:00')",
)


def sample_tables() -> dict[str, pd.DataFrame]:
    """Summary tables of several column types, one with a non-default index."""
    return {
        "headline": pd.DataFrame(
            {"scenario_name": ["default"], "draws": [200], "p_ruin": [0.125], "revenue_final_year_median_usd": [3e11]}
        ),
        "summary": pd.DataFrame(
            {
                "metric": ["revenue", "revenue", "cash at year end"],
                "statistic": ["mean", "p50", "p5"],
                "2026": [1.5e10, 1.4e10, -2e9],
                "2027": [2.5e10, np.nan, -3e9],
            }
        ),
        "schedule": pd.DataFrame(
            {"GW": [1.0, 2.0], "feasible": [True, False]}, index=pd.Index([2026, 2027], name="year")
        ),
    }


def sample_draw_tables() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(5)
    return {
        "yearly": pd.DataFrame(
            {
                "draw": np.repeat(np.arange(50), 3),
                "year": np.tile([2026, 2027, 2028], 50),
                "cash_usd": rng.normal(size=150),
            }
        ),
        "draws": pd.DataFrame({"draw": np.arange(50), "input.growth": rng.lognormal(size=50)}),
    }


def begin(store: RunStore, name: str = "default", message: str = "", kind: str = "run") -> str:
    return store.begin(
        kind=kind,
        scenario_text=f'[scenario]\nname = "{name}"\n',
        scenario_name=name,
        scenario_sha256=hashlib.sha256(name.encode()).hexdigest(),
        seed=7,
        draws=200,
        message=message,
        command=["frontiersim", "run", name],
    )


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    return RunStore(tmp_path / "nested" / "folder" / "runs.duckdb")


def test_round_trip_keeps_every_field_table_and_artifact(store: RunStore) -> None:
    png = bytes(range(256)) * 40
    run_id = begin(store, message="first look at the default")
    assert store.get(run_id).status == "running"
    store.finish(
        run_id,
        tables=sample_tables(),
        draw_tables=sample_draw_tables(),
        artifacts={"frontier.png": png, "optimize.json": b'{"a": 1}\n'},
        metrics={"p_ruin": 0.125, "revenue_final_year_median_usd": 3e11, "undefined": float("nan")},
    )
    record = store.get(run_id)
    assert record.run_id == run_id
    assert (record.kind, record.status, record.message) == ("run", "complete", "first look at the default")
    assert (record.seed, record.draws, record.scenario_name) == (7, 200, "default")
    assert record.scenario_text == '[scenario]\nname = "default"\n'
    assert record.scenario_sha256 == hashlib.sha256(b"default").hexdigest()
    assert record.command == ["frontiersim", "run", "default"]
    assert record.frontiersim_version == __version__
    assert record.finished_utc is not None
    assert record.finished_utc >= record.created_utc
    assert record.metrics["p_ruin"] == 0.125
    assert np.isnan(record.metrics["undefined"])
    assert record.error == ""
    assert record.labs == ()
    assert set(record.tables) == set(sample_tables())
    for name, frame in sample_tables().items():
        pd.testing.assert_frame_equal(record.tables[name], frame)
    assert record.artifacts == {"frontier.png": png, "optimize.json": b'{"a": 1}\n'}
    assert record.draw_table_names == ("draws", "yearly")
    for name, frame in sample_draw_tables().items():
        pd.testing.assert_frame_equal(record.draw_table(name), frame)
    with pytest.raises(StoreError, match="no per-draw table 'cohorts'"):
        record.draw_table("cohorts")


def test_a_large_table_is_stored_in_parts_and_read_back_whole(store: RunStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("frontiersim.store.store._ROWS_PER_PART", 40)
    run_id = begin(store)
    store.finish(run_id, tables={"summary": sample_tables()["summary"]}, draw_tables=sample_draw_tables())
    with duckdb.connect(str(store.path)) as connection:
        parts = connection.execute(
            "SELECT name, count(*) FROM payloads WHERE run_id = ? GROUP BY name ORDER BY name", [run_id]
        ).fetchall()
    assert parts == [("draws", 2), ("summary", 1), ("yearly", 4)]
    record = store.get(run_id)
    assert record.draw_table_names == ("draws", "yearly")
    for name, frame in sample_draw_tables().items():
        pd.testing.assert_frame_equal(record.draw_table(name), frame)


def test_a_large_seed_survives(store: RunStore) -> None:
    run_id = store.begin(
        kind="backtest", scenario_text="", scenario_name="b", scenario_sha256="", seed=2**80, draws=None
    )
    assert store.get(run_id).seed == 2**80
    assert store.get(run_id).draws is None


def test_list_is_newest_first_and_limited(store: RunStore) -> None:
    assert store.list() == []
    assert not store.path.exists(), "listing must not create the store"
    ids = [begin(store, message=f"run {k}") for k in range(4)]
    listed = store.list()
    assert [info.run_id for info in listed] == ids[::-1]
    assert [info.message for info in listed] == ["run 3", "run 2", "run 1", "run 0"]
    assert [info.run_id for info in store.list(limit=2)] == ids[:1:-1]
    assert ids == sorted(ids), "run ids sort in creation order"
    assert len(set(ids)) == len(ids)


def test_lookup_by_unique_prefix(store: RunStore) -> None:
    first, second = begin(store), begin(store)
    store.finish(first, tables=sample_tables())
    assert store.get(first[:-1]).run_id == first
    assert store.resolve(second) == second
    common = next(first[:k] for k in range(len(first), 0, -1) if second.startswith(first[:k]))
    with pytest.raises(StoreError, match=f"run id '{common}' is ambiguous: it matches {first}, {second}"):
        store.get(common)
    with pytest.raises(StoreError, match="no run 'nope' in the run store"):
        store.get("nope")
    with pytest.raises(StoreError, match="expected a run id"):
        store.get("  ")


def test_unknown_id_in_a_store_that_does_not_exist(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "absent.duckdb")
    with pytest.raises(StoreError, match="does not exist yet"):
        store.get("2026")
    assert not store.path.exists()


def test_remove_deletes_the_record_and_its_payloads(store: RunStore) -> None:
    kept, removed = begin(store, message="kept"), begin(store, message="removed")
    for run_id in (kept, removed):
        store.finish(run_id, tables=sample_tables(), draw_tables=sample_draw_tables(), artifacts={"a.txt": b"a"})
    store.remove(removed[:-2])
    assert [info.run_id for info in store.list()] == [kept]
    with pytest.raises(StoreError, match="no run"):
        store.get(removed)
    with duckdb.connect(str(store.path)) as connection:
        leftovers = connection.execute("SELECT count(*) FROM payloads WHERE run_id = ?", [removed]).fetchone()
    assert leftovers == (0,)
    pd.testing.assert_frame_equal(store.get(kept).draw_table("yearly"), sample_draw_tables()["yearly"])


def test_a_live_running_record_cannot_be_removed(store: RunStore) -> None:
    run_id = begin(store)
    with pytest.raises(StoreError, match="still running"):
        store.remove(run_id)


def test_failure_is_recorded_with_its_reason(store: RunStore) -> None:
    run_id = begin(store)
    store.fail(run_id, "infeasible: no hedge policy meets P(ruin) <= 5%\nsecond line")
    record = store.get(run_id)
    assert record.status == "failed"
    assert record.error == "infeasible: no hedge policy meets P(ruin) <= 5% second line"
    assert record.finished_utc is not None
    with pytest.raises(StoreError, match="is failed, not running"):
        store.finish(run_id, tables=sample_tables())
    done = begin(store)
    store.finish(done, tables=sample_tables())
    store.fail(done, "too late")
    assert store.get(done).status == "complete"
    with pytest.raises(StoreError, match="no run"):
        store.fail("20000101-000000-000000", "unknown")


@pytest.mark.parametrize(
    "bad",
    [pd.DataFrame({1: [1.0]}), pd.DataFrame({"mixed": pd.Series([{"a": 1}, 2.5], dtype=object)})],
    ids=["integer column name", "mixed object column"],
)
def test_a_table_that_is_not_parquet_safe_stores_nothing(store: RunStore, bad: pd.DataFrame) -> None:
    run_id = begin(store)
    with pytest.raises(StoreError, match="table 'bad' cannot be stored as Parquet"):
        store.finish(run_id, tables={"good": sample_tables()["headline"]}, draw_tables={"bad": bad})
    record = store.get(run_id)
    assert (record.status, record.tables) == ("running", {})


def test_bad_arguments_are_rejected(store: RunStore) -> None:
    with pytest.raises(ValueError, match="kind must be one of run, optimize, frontier, backtest, sweep, sensitivity"):
        store.begin(kind="guess", scenario_text="", scenario_name="", scenario_sha256="", seed=None, draws=None)
    with pytest.raises(ValueError, match="one line"):
        begin(store, message="two\nlines")
    with pytest.raises(ValueError, match="limit"):
        store.list(limit=-1)


def test_default_path_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FRONTIERSIM_STORE", str(tmp_path / "elsewhere.duckdb"))
    assert default_store_path() == tmp_path / "elsewhere.duckdb"
    assert RunStore().path == tmp_path / "elsewhere.duckdb"
    monkeypatch.delenv("FRONTIERSIM_STORE")
    assert default_store_path() == platformdirs.user_data_path("frontiersim", appauthor=False) / "runs.duckdb"


def write_v1_store(path: Path) -> pd.DataFrame:
    """A store in the version-1 layout with one complete run and one summary table; returns the table."""
    table = pd.DataFrame({"metric": ["revenue"], "2026": [1.5e10]})
    buffer = io.BytesIO()
    table.to_parquet(buffer, engine="pyarrow")
    with duckdb.connect(str(path)) as connection:
        for statement in LAYOUT_V1_AS_SHIPPED:
            connection.execute(statement)
        connection.execute(
            "INSERT INTO runs VALUES ('20260105-090000-abcdef', 'run', 'complete', '2026-01-05T09:00:00+00:00', "
            "'2026-01-05T09:00:03+00:00', '0.0.9', 'default', '[scenario]', 'f00d', '42', 1000, 'baseline', "
            '\'["frontiersim", "run"]\', \'{"p_ruin": 0.25}\', NULL)'
        )
        connection.execute(
            "INSERT INTO run_tables VALUES ('20260105-090000-abcdef', 'summary', ?)", [buffer.getvalue()]
        )
    return table


def test_a_version_1_store_migrates_forward_and_keeps_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    table = write_v1_store(path)
    store = RunStore(path)
    (info,) = store.list()
    assert (info.run_id, info.status, info.seed, info.message) == ("20260105-090000-abcdef", "complete", 42, "baseline")
    assert info.metrics == {"p_ruin": 0.25}
    assert info.labs == ()
    record = store.get("20260105")
    # Recorded before labs: read in the current layout, the stored values unchanged.
    summary = record.tables["summary"]
    assert list(summary.columns) == ["lab", "metric", "units", "2026"]
    assert summary[["lab", "units"]].values.tolist() == [["lab", "USD"]]
    pd.testing.assert_frame_equal(summary[list(table.columns)], table)
    units = record.tables["units"]
    assert units.loc[(units["table"] == "summary") & (units["column"] == "2026"), "unit_column"].tolist() == ["units"]
    assert (record.artifacts, record.draw_table_names, record.frontiersim_version) == ({}, (), "0.0.9")
    assert (record.environment, record.options) == ({}, {})  # recorded before versions and options were
    with duckdb.connect(str(path)) as connection:
        assert connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )
        history = connection.execute("SELECT version FROM schema_history ORDER BY version").fetchall()
        assert history == [(v,) for v in range(1, SCHEMA_VERSION + 1)]
        assert SCHEMA_VERSION == 4
        tables = {row[0] for row in connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert "run_tables" not in tables
        assert "payloads" in tables
        columns = {row[0] for row in connection.execute("DESCRIBE runs").fetchall()}
        assert {"pid", "hostname", "process_started", "labs", "table_layout", "environment", "options"} <= columns
    new = begin(store, message="after the migration")
    store.finish(new, tables=sample_tables(), artifacts={"a.txt": b"x"}, labs=["a", "b"])
    assert [i.run_id for i in store.list()] == [new, "20260105-090000-abcdef"]
    assert store.list()[0].labs == ("a", "b")
    # A record made now is read as it was stored.
    for name, frame in sample_tables().items():
        pd.testing.assert_frame_equal(store.get(new).tables[name], frame)


def test_a_new_store_is_built_by_the_migrations(store: RunStore) -> None:
    begin(store)
    with duckdb.connect(str(store.path)) as connection:
        history = connection.execute("SELECT version, description FROM schema_history ORDER BY version").fetchall()
    assert [version for version, _ in history] == list(range(1, SCHEMA_VERSION + 1))
    assert store.schema_version() == SCHEMA_VERSION


def test_a_newer_store_is_refused_and_left_untouched(store: RunStore) -> None:
    begin(store)
    with duckdb.connect(str(store.path)) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    before = store.path.read_bytes()
    with pytest.raises(StoreError, match="has schema version 99, newer than this frontiersim") as caught:
        store.list()
    assert "\n" not in str(caught.value)
    with pytest.raises(StoreError, match="schema version 99"):
        begin(store)
    assert store.path.read_bytes() == before


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda root: root / "folder.duckdb", "is a folder; expected a DuckDB file"),
        (lambda root: root / "notes.duckdb", "is not a DuckDB database file"),
        (lambda root: root / "notes.duckdb" / "runs.duckdb", "is a file, not a folder"),
        (lambda root: root / "other.duckdb", "not a frontiersim run store"),
        (lambda root: Path("/proc/frontiersim-no-such/runs.duckdb"), "cannot create the run store's folder"),
    ],
)
def test_bad_paths_give_one_line_errors(tmp_path: Path, make: object, expected: str) -> None:
    (tmp_path / "folder.duckdb").mkdir()
    (tmp_path / "notes.duckdb").write_text("not a database\n" * 100)
    with duckdb.connect(str(tmp_path / "other.duckdb")) as connection:
        connection.execute("CREATE TABLE prices (day DATE, usd DOUBLE)")
    assert callable(make)
    path = make(tmp_path)
    with pytest.raises(StoreError, match=expected) as caught:
        begin(RunStore(path))
    assert "\n" not in str(caught.value)
    assert str(path) in str(caught.value) or str(path.parent) in str(caught.value)


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="permissions do not bind root")
def test_an_unwritable_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StoreError, match="cannot write in the run store's folder"):
            begin(RunStore(folder / "runs.duckdb"))
    finally:
        folder.chmod(0o700)
