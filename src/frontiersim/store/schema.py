"""The run store's tables and their forward migrations.

The store records its layout's version in ``meta`` (key ``schema_version``)
and every migration it went through in ``schema_history``. A store is brought
to :data:`SCHEMA_VERSION` by applying, in order, each migration above its
version, each in its own transaction: a migration either lands whole, with
its history row and the new version number, or not at all. A new store is
built the same way, from version 0, so the path an old store takes is the
path every store takes.

Layouts
-------
Version 1
    ``runs`` without process information, and ``run_tables`` holding one
    Parquet summary table per row.
Version 2
    ``runs`` gains ``pid``, ``hostname`` and ``process_started`` (to tell a
    run whose process died from one still going), and ``payloads`` replaces
    ``run_tables``: named payloads with a role (``table``, ``draws`` or
    ``artifact``) and a media type, so per-draw tables and artifacts such as
    pictures sit beside the summary tables. A large table is split by rows
    into numbered parts (each a Parquet file of its own), which keeps every
    value well below DuckDB's limit on one BLOB.
Version 3
    ``runs`` gains ``labs``: the names of the labs of a simulation (a JSON
    list, in the order of the ``lab`` column of its tables), NULL for a
    record of a kind without labs (frontier, backtest) and for a run
    recorded before labs existed; and ``table_layout``: the layout of the
    record's tables (:data:`TABLE_LAYOUT`), NULL for every record made
    before this version. Tables themselves are Parquet payloads and are not
    rewritten: a record whose ``table_layout`` is NULL is read in the
    current layout (see :mod:`frontiersim.store.legacy`).
Version 4
    ``runs`` gains ``environment``: the software the run was made with
    (frontiersim, Python, the platform and the numerical packages' versions,
    a JSON object), and ``options``: what besides the scenario, seed and
    draws made its numbers (for a simulation whether it kept monthly arrays;
    a JSON object), so that ``frontiersim rerun`` can make it again. Both
    are NULL for every record made before this version.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Media type of the Parquet payloads (summary and per-draw tables).
PARQUET_MEDIA_TYPE = "application/vnd.apache.parquet"

#: Roles of a payload: a summary table, a per-draw table, or an artifact (raw bytes).
PAYLOAD_ROLES = ("table", "draws", "artifact")

#: Layout of the tables a record holds: 1 before labs; 2 with a ``lab`` column and a ``units`` table.
TABLE_LAYOUT = 2


@dataclass(frozen=True)
class Migration:
    """One step of the store's layout.

    Attributes
    ----------
    version : int
        The schema version the step produces (it applies to ``version - 1``).
    description : str
        What changes, recorded in ``schema_history``.
    statements : tuple of str
        SQL run in order inside one transaction.
    """

    version: int
    description: str
    statements: tuple[str, ...]


#: Version 1: the first layout (kept as history; every new store starts here and migrates forward).
LAYOUT_V1: tuple[str, ...] = (
    "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    "CREATE TABLE schema_history (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, "
    "applied_utc VARCHAR NOT NULL)",
    """CREATE TABLE runs (
        run_id VARCHAR PRIMARY KEY,
        kind VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        created_utc VARCHAR NOT NULL,
        finished_utc VARCHAR,
        frontiersim_version VARCHAR NOT NULL,
        scenario_name VARCHAR NOT NULL,
        scenario_text VARCHAR NOT NULL,
        scenario_sha256 VARCHAR NOT NULL,
        seed VARCHAR,
        draws BIGINT,
        message VARCHAR NOT NULL,
        command VARCHAR NOT NULL,
        metrics VARCHAR NOT NULL,
        error VARCHAR
    )""",
    """CREATE TABLE run_tables (
        run_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        parquet BLOB NOT NULL,
        PRIMARY KEY (run_id, name)
    )""",
)

#: Version 2: process information on runs; named payloads with roles and media types.
LAYOUT_V1_TO_V2: tuple[str, ...] = (
    "ALTER TABLE runs ADD COLUMN pid BIGINT",
    "ALTER TABLE runs ADD COLUMN hostname VARCHAR",
    "ALTER TABLE runs ADD COLUMN process_started VARCHAR",
    f"""CREATE TABLE payloads (
        run_id VARCHAR NOT NULL,
        role VARCHAR NOT NULL CHECK (role IN {PAYLOAD_ROLES!r}),
        name VARCHAR NOT NULL,
        part INTEGER NOT NULL,
        media_type VARCHAR NOT NULL,
        payload BLOB NOT NULL,
        PRIMARY KEY (run_id, role, name, part)
    )""",
    f"INSERT INTO payloads SELECT run_id, 'table', name, 0, '{PARQUET_MEDIA_TYPE}', parquet FROM run_tables",
    "DROP TABLE run_tables",
)

#: Version 3: the labs of a run.
LAYOUT_V2_TO_V3: tuple[str, ...] = (
    "ALTER TABLE runs ADD COLUMN labs VARCHAR",
    "ALTER TABLE runs ADD COLUMN table_layout INTEGER",
)

#: Version 4: the software a run was made with, and the options it needs to be made again.
LAYOUT_V3_TO_V4: tuple[str, ...] = (
    "ALTER TABLE runs ADD COLUMN environment VARCHAR",
    "ALTER TABLE runs ADD COLUMN options VARCHAR",
)

#: Every migration, in order.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "runs and their Parquet summary tables", LAYOUT_V1),
    Migration(
        2,
        "process id, host and start time of runs; payloads with roles (table, draws, artifact), parts, media types",
        LAYOUT_V1_TO_V2,
    ),
    Migration(
        3,
        "the labs of each run (a JSON list; NULL before labs and for kinds without labs) and its table layout "
        "(NULL: recorded before labs)",
        LAYOUT_V2_TO_V3,
    ),
    Migration(
        4,
        "the software each run was made with (a JSON object of versions) and the options that made it "
        "(a JSON object; NULL for every record made before this version)",
        LAYOUT_V3_TO_V4,
    ),
)

#: The layout this code reads and writes.
SCHEMA_VERSION = MIGRATIONS[-1].version
