"""Writing files atomically: a temporary file in the same folder, then a rename.

Every file frontiersim writes goes through here, so that a run interrupted
part-way leaves earlier files intact and never a half-written one. The
standard library has the parts (``tempfile``, ``os.replace``) but not the
whole: the temporary file must sit in the target's folder (a rename across
file systems is not atomic), be flushed and synced before the rename, get the
permissions a plainly created file would, and vanish on any failure.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_with"]


def _default_file_mode() -> int:
    """Permissions a plainly created file would get under the current umask."""
    current = os.umask(0)
    os.umask(current)
    return 0o666 & ~current


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` via a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, _default_file_mode())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def atomic_write_with(path: Path, writer: Callable[[str], object]) -> None:
    """Call ``writer(temporary_path)`` then rename the temporary file onto ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        writer(temporary)
        os.chmod(temporary, _default_file_mode())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
