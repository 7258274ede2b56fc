"""Shared test configuration."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

# In CI, property tests run a fixed, reproducible set of examples, so a merge
# never hinges on what a random search happens to find that day; locally they
# keep exploring new examples on every run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True, scope="session")
def _session_run_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A temporary run store for the whole session, in place before any module- or class-scoped fixture runs."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FRONTIERSIM_STORE", str(tmp_path_factory.mktemp("session-store") / "runs.duckdb"))
        yield


@pytest.fixture(autouse=True)
def _isolated_run_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the run store at a fresh temporary file, so no test touches the user's own store."""
    monkeypatch.setenv("FRONTIERSIM_STORE", str(tmp_path_factory.mktemp("store") / "runs.duckdb"))
