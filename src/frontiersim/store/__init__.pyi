"""Type stub: the names this package exports, imported lazily at run time (see ``__init__.py``)."""

from .errors import StoreError
from .store import (
    KINDS,
    STATUSES,
    STORE_ENVIRONMENT_VARIABLE,
    Compaction,
    RunInfo,
    RunRecord,
    RunStore,
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
