"""The run store: every ``run``, ``optimize``, ``frontier`` and ``backtest``, kept with its scenario and results.

See ``docs/store.md`` for the location, the schema and the guarantees.
"""

from frontiersim.store.store import (
    KINDS,
    STATUSES,
    STORE_ENVIRONMENT_VARIABLE,
    Compaction,
    RunInfo,
    RunRecord,
    RunStore,
    StoreError,
    default_store_path,
)

__all__ = [
    "KINDS",
    "STATUSES",
    "STORE_ENVIRONMENT_VARIABLE",
    "Compaction",
    "RunInfo",
    "RunRecord",
    "RunStore",
    "StoreError",
    "default_store_path",
]
