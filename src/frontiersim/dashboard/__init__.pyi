"""Type stub: the names this package exports, imported lazily at run time (see ``__init__.py``)."""

from .app import create_app
from .limits import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_DRAWS

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_DRAWS",
    "create_app",
]
