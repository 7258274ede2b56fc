"""What the package and the command line import before they need it.

``import frontiersim`` loads its names on first use (SPEC 1, through
:mod:`lazy_loader`), and the command line imports pandas, xarray, scipy.stats,
the run store's database engine, matplotlib and the web server only in the
commands that use them. These tests check which modules are loaded, in a fresh
interpreter each; the time it takes is measured in
``benchmarks/bench_import.py``, not here.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

#: Libraries that take a tenth of a second or more to import, and that checking a scenario does not need.
HEAVY = (
    "pandas",
    "xarray",
    "scipy.stats",
    "scipy.optimize",
    "duckdb",
    "matplotlib",
    "starlette",
    "pyarrow",
    "altair",
    "vl_convert",
)

#: Subpackages whose names are imported on first use.
LAZY_PACKAGES = (
    "frontiersim",
    "frontiersim.calibrate",
    "frontiersim.dashboard",
    "frontiersim.optimize",
    "frontiersim.report",
    "frontiersim.results",
    "frontiersim.store",
)


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return [name for name in HEAVY if name in modules]


def test_import_frontiersim_loads_no_library() -> None:
    modules = _modules_after("import frontiersim")
    assert _heavy(modules) == []
    assert "numpy" not in modules
    assert "frontiersim.simulate" not in modules


def test_a_name_is_imported_on_first_use() -> None:
    modules = _modules_after("import frontiersim\nfrontiersim.Scenario")
    assert "frontiersim.scenario.schema" in modules
    assert _heavy(modules) == []


def test_building_the_parser_loads_no_heavy_library() -> None:
    """``frontiersim --help`` and argument errors do not pay for any command's libraries."""
    modules = _modules_after("from frontiersim.cli.main import build_parser\nbuild_parser()")
    assert _heavy(modules) == []


def test_refusing_too_many_draws_loads_no_heavy_library() -> None:
    """The memory check of ``run`` comes before anything that needs pandas, scipy.stats or the store."""
    code = (
        "import contextlib, io\n"
        "from frontiersim.cli.main import main\n"
        "with contextlib.redirect_stderr(io.StringIO()):\n"
        "    status = main(['run', 'default', '--draws', '99999999999999999999'])\n"
        "assert status == 2, status"
    )
    assert _heavy(_modules_after(code)) == []


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_every_exported_name_resolves(package: str) -> None:
    """Each name a lazy package lists in ``__all__`` (from its ``__init__.pyi``) can be imported."""
    module = importlib.import_module(package)
    assert module.__all__, package
    assert sorted(dir(module)) == sorted(module.__all__)
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name}"


def test_an_unknown_name_is_an_attribute_error() -> None:
    import frontiersim  # noqa: PLC0415

    with pytest.raises(AttributeError, match="no_such_name"):
        _ = frontiersim.no_such_name  # type: ignore[attr-defined]
