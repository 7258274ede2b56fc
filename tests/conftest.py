"""Shared test configuration."""

from __future__ import annotations

import os

from hypothesis import settings

# In CI, property tests run a fixed, reproducible set of examples, so a merge
# never hinges on what a random search happens to find that day; locally they
# keep exploring new examples on every run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
