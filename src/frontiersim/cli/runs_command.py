"""Sub-commands registered by :func:`add_parser` (filled in by the module's owner)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register this module's sub-commands on the frontiersim parser."""
