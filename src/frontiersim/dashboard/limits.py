"""The dashboard's default limits, importable without the server (``frontiersim serve --help`` shows them)."""

from __future__ import annotations

from frontiersim import environment

#: Most draws one request may ask for.
DEFAULT_MAX_DRAWS = 20_000

#: Largest request body, bytes.
DEFAULT_MAX_BODY_BYTES = 65_536

#: Most jobs waiting for a worker, in total (besides those running).
DEFAULT_MAX_QUEUED_JOBS = 16


def default_workers() -> int:
    """Worker processes by default: the CPUs this process may run on (at least 1)."""
    return environment.available_cores()
