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
