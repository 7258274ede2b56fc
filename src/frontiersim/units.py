"""Rendering amounts with their units."""

from __future__ import annotations

import math


def money(usd: float) -> str:
    """Render USD compactly: ``$1.23B``, ``-$45.6M``, ``$2.5T``."""
    if not math.isfinite(usd):
        return "n/a"
    sign = "-" if usd < 0 else ""
    value = abs(usd)
    for scale, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= scale:
            return (
                f"{sign}${value / scale:,.3g}{suffix}"
                if value / scale < 1000
                else f"{sign}${value / scale:,.0f}{suffix}"
            )
    return f"{sign}${value:,.0f}"


def counted(count: int, noun: str) -> str:
    """``count`` with thousands separators and ``noun`` in the singular or the plural (an ``s`` added).

    Examples
    --------
    >>> counted(1, "draw"), counted(10_000, "draw"), counted(1, "year"), counted(0, "run")
    ('1 draw', '10,000 draws', '1 year', '0 runs')
    """
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def data_size(n_bytes: int) -> str:
    """A size in bytes, in decimal units (B, KB, MB, GB) with one decimal.

    Examples
    --------
    >>> data_size(512), data_size(120_000), data_size(15_120_000), data_size(2_500_000_000)
    ('512 B', '120.0 KB', '15.1 MB', '2.5 GB')
    """
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes} B"
