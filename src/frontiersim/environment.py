"""The software a run was made with (Python, the platform, the numerical packages) and the cores it may use.

Versions are read from package metadata (:mod:`importlib.metadata`) and
cores from the operating system, so asking costs no import of numpy, scipy
or pandas.
"""

from __future__ import annotations

import os
import platform
import threading
from importlib import metadata

from frontiersim._version import __version__

#: The environment variable that chooses the engine (:func:`frontiersim.models.fused.chosen_engine`).
ENGINE_VARIABLE = "FRONTIERSIM_ENGINE"


class SettingError(ValueError):
    """An environment variable of frontiersim's (``FRONTIERSIM_ENGINE``, ...) set to a value it does not take.

    The command line reports it as bad input (exit code 2), in one line.
    """


#: Distributions whose versions can change a run's numbers (or how it is stored and read).
NUMERICAL_PACKAGES = ("numpy", "scipy", "pandas", "xarray", "pyarrow", "duckdb", "numba")


def software_versions() -> dict[str, str]:
    """The versions a run records: frontiersim, Python, the platform, :data:`NUMERICAL_PACKAGES` and the engine.

    Packages that are not installed are left out. ``engine`` is the engine
    asked for (``FRONTIERSIM_ENGINE``, default ``auto``): the compiled and
    numpy engines agree to 1e-12, not to the last bit
    (:mod:`frontiersim.models.fused`).

    Examples
    --------
    >>> versions = software_versions()
    >>> sorted(key for key in ("frontiersim", "python", "numpy", "platform") if key in versions)
    ['frontiersim', 'numpy', 'platform', 'python']
    """
    versions = {
        "frontiersim": __version__,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "engine": os.environ.get(ENGINE_VARIABLE, "") or "auto",
    }
    for name in NUMERICAL_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def version_differences(recorded: dict[str, str], current: dict[str, str]) -> list[str]:
    """Lines naming each package whose version differs between a recorded run and now.

    Examples
    --------
    >>> version_differences({"numpy": "2.1.0", "scipy": "1.14.1"}, {"numpy": "2.3.0", "scipy": "1.14.1"})
    ['numpy 2.1.0 then, 2.3.0 now']
    >>> version_differences({}, {"numpy": "2.3.0"})
    []
    """
    return [
        f"{name} {recorded[name]} then, {current.get(name, 'not installed')} now"
        for name in sorted(recorded)
        if recorded[name] != current.get(name, "not installed")
    ]


def available_cores() -> int:
    """The CPUs this process may run on (at least 1).

    Returns
    -------
    int
        The size of the process's CPU affinity set
        (:func:`os.sched_getaffinity`), which a container or ``taskset`` may
        make smaller than the machine's; :func:`os.cpu_count` where the
        platform has no affinity set.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - platforms without sched_getaffinity
        return max(1, os.cpu_count() or 1)


#: Per-thread settings: ``threads`` set by :func:`use_one_thread`.
_THIS_THREAD = threading.local()


def use_one_thread() -> None:
    """Make :func:`compute_threads` 1 in the calling thread, from now on.

    For a thread that runs a whole chunk of draws while other threads run
    theirs (:func:`frontiersim.simulate.simulate`): its kernels, sampling and
    sketches then use that thread alone.
    """
    _THIS_THREAD.threads = 1


def compute_threads() -> int:
    """Threads one run's numerical work may use at once (at least 1).

    Returns
    -------
    int
        1 in a thread that called :func:`use_one_thread`; else
        ``NUMBA_NUM_THREADS`` when it is set to a positive integer (a
        dashboard worker sets it to 1, so that its processes do not share
        cores among more threads than there are cores), else
        :func:`available_cores`. Any other value (empty, zero, negative, not
        an integer) is ignored.
    """
    here: int | None = getattr(_THIS_THREAD, "threads", None)
    if here is not None:
        return here
    given = os.environ.get("NUMBA_NUM_THREADS", "")
    try:
        threads = int(given)
    except ValueError:
        threads = 0
    return threads if threads > 0 else available_cores()
