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


def plain_number(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits, never in e-notation, with thousands separators.

    Examples
    --------
    >>> plain_number(7.745966), plain_number(0.6130693), plain_number(18.0), plain_number(1234567.0)
    ('7.75', '0.613', '18', '1,234,567')
    >>> plain_number(2.5e-7), plain_number(-0.05), plain_number(0.0)
    ('0.00000025', '-0.05', '0')
    """
    if not math.isfinite(value):
        return "n/a"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def quantity(value: float, unit: str) -> str:
    """A scenario value with its unit: USD amounts as :func:`money`, ratios (unit ``"1"``) as plain numbers.

    Parameters
    ----------
    value : float
        The value, in the key's unit.
    unit : str
        The key's unit as declared (``"USD/year"``, ``"x/year"``, ``"months"``, ``"1"``, ...).

    Examples
    --------
    >>> quantity(1e10, "USD/year"), quantity(1.2247e10, "USD/GW/year"), quantity(3e10, "USD")
    ('$10B/year', '$12.2B/GW/year', '$30B')
    >>> quantity(7.745966, "x/year"), quantity(0.6, "1"), quantity(18, "months"), quantity(0.3, "1/sqrt(year)")
    ('7.75 x/year', '0.6', '18 months', '0.3 /√year')
    """
    if unit.startswith("USD"):
        return money(value) + unit.removeprefix("USD")
    if unit in ("1", ""):
        return plain_number(value)
    return f"{plain_number(value)} {unit.replace('1/sqrt(year)', '/√year')}"


def quantity_range(low: float, high: float, unit: str) -> str:
    """Two values of one unit, ``low to high``, the unit written once.

    Examples
    --------
    >>> quantity_range(1e10, 1.5e10, "USD/GW/year"), quantity_range(3, 20, "x/year"), quantity_range(0.5, 0.75, "1")
    ('$10B to $15B/GW/year', '3 to 20 x/year', '0.5 to 0.75')
    """
    if unit.startswith("USD"):
        return f"{money(low)} to {money(high)}{unit.removeprefix('USD')}"
    return f"{plain_number(low)} to {quantity(high, unit)}"
