"""Rendering amounts with their units: the one number formatter of the CLI, the report and the dashboard.

Conventions
-----------
Every number shown to a user goes through :func:`format_quantity` (a value and
its unit), :func:`money` (USD), :func:`format_number` (a plain number) or
:func:`percent` (a share), so that the terminal, the HTML report and the
dashboard agree:

* **never e-notation** (``1e+09``): large amounts take a short-scale suffix
  (``K``, ``M``, ``B``, ``T``: thousand, million, billion, trillion) or
  thousands separators; amounts beyond the suffixes and tiny ones take a
  power of ten written ``1.5×10^26`` (a multiplication sign and a caret,
  readable in any font and on any terminal);
* **three significant digits**, trailing zeros dropped (``$1.5B``, ``$15B``,
  ``2.35 GW``), and a value that rounds up to the next scale rolls over to
  it (``$999.6B`` reads ``$1T``, never ``$1e+03B`` or ``$1,000B``);
* **the unit is written** after the number (``18 months``, ``3x/year``,
  ``2.35 GW``, ``1.2×10^26 FLOP``); money and shares carry theirs in ``$``
  and ``%``;
* **not a number** reads ``n/a``, an infinity ``∞`` (``-∞``) with its unit.

The formatting is hand-written rather than taken from a library (``babel``,
``humanize``) because none rolls over between suffixes and switches to powers
of ten at the project's thresholds while keeping the terms of the catalogue's
units; the rules are short and tested with hypothesis (``tests/test_units.py``).
"""

from __future__ import annotations

import math
import re

__all__ = [
    "NOT_A_NUMBER",
    "counted",
    "data_size",
    "format_number",
    "format_quantity",
    "money",
    "number_text",
    "percent",
    "power_of_ten",
    "short_scale",
    "unit_suffix",
    "without_e_notation",
]

#: A number in e-notation inside other text (not part of a word, an identifier or a longer number).
E_NOTATION = re.compile(r"(?<![\w.-])-?\d+(?:\.\d+)?[eE][+-]?\d+(?![\w.])")

#: How a value that is not a number reads.
NOT_A_NUMBER = "n/a"

#: Short-scale suffixes, largest first: trillion, billion, million, thousand.
_SUFFIXES: tuple[tuple[float, str], ...] = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))

#: At and beyond this magnitude, a plain number is written as a power of ten.
_LARGE = 1e15

#: Below this magnitude (and above zero), a plain number is written as a power of ten.
_TINY = 1e-4

#: Units shown as percentages of their value.
_SHARE_UNITS = frozenset({"probability", "share", "fraction", "%"})

#: Units that have no name of their own: the number is shown bare.
_BARE_UNITS = frozenset({"", "1", "number", "index"})

#: Units whose amounts run to powers of ten (compute), always written as such from 10^6 on.
_POWER_UNITS = ("FLOP",)

#: Singular forms of counted units, for ``1 month``, ``1 year``, ``1 draw``.
_SINGULAR = {"months": "month", "years": "year", "draws": "draw", "labs": "lab", "reports": "report"}


def _infinite(value: float, prefix: str = "") -> str:
    return f"-{prefix}∞" if value < 0 else f"{prefix}∞"


def _significant(value: float, digits: int) -> tuple[float, int]:
    """``value`` rounded to ``digits`` significant digits, and how many decimals that needs (0 or more).

    The rounding is decimal (``round`` on the value), so ``999.6`` at three
    digits gives ``1000`` with no decimals: callers classify the rounded value,
    which is how a scale rolls over.
    """
    if value == 0:
        return 0.0, 0
    exponent = math.floor(math.log10(abs(value)))
    decimals = digits - 1 - exponent
    rounded = round(value, decimals)
    if rounded != 0 and math.floor(math.log10(abs(rounded))) > exponent:  # rolled over to the next power of ten
        decimals -= 1
    return rounded, max(decimals, 0)


def _fixed(value: float, decimals: int) -> str:
    """``value`` with up to ``decimals`` decimals, thousands separators, trailing zeros dropped."""
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def power_of_ten(value: float, digits: int = 3) -> str:
    """``value`` as a mantissa times a power of ten, ``1.5×10^26``, never in e-notation.

    Parameters
    ----------
    value : float
        A finite number.
    digits : int
        Most significant digits of the mantissa (trailing zeros dropped down
        to one decimal: ``1.0×10^26``, ``1.25×10^26``).

    Returns
    -------
    str

    Examples
    --------
    >>> power_of_ten(1.5e26), power_of_ten(-2e-7), power_of_ten(9.996e19), power_of_ten(1.234e-5)
    ('1.5×10^26', '-2.0×10^-7', '1.0×10^20', '1.23×10^-5')
    """
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return NOT_A_NUMBER if math.isnan(value) else _infinite(value)
    exponent = math.floor(math.log10(abs(value)))
    mantissa = round(value / 10.0**exponent, digits - 1)
    if abs(mantissa) >= 10:  # 9.96 rounds to 10.0: roll over to the next power
        exponent += 1
        mantissa = round(value / 10.0**exponent, digits - 1)
    text = f"{mantissa:.{digits - 1}f}".rstrip("0")
    return f"{text}0×10^{exponent}" if text.endswith(".") else f"{text}×10^{exponent}"


def format_number(value: float, digits: int = 3) -> str:
    """A plain number, never in e-notation: significant digits below 1,000, whole with separators above.

    Parameters
    ----------
    value : float
    digits : int
        Significant digits of numbers below 1,000 (trailing zeros dropped).

    Returns
    -------
    str
        ``n/a`` for NaN, ``∞`` for an infinity; a power of ten
        (:func:`power_of_ten`) from 10^15 on and for magnitudes below 10^-4.

    Examples
    --------
    >>> format_number(2.345), format_number(0.012345), format_number(12345.678), format_number(999.6)
    ('2.35', '0.0123', '12,346', '1,000')
    >>> format_number(1e16), format_number(3e-7), format_number(0.0), format_number(float("inf"))
    ('1.0×10^16', '3.0×10^-7', '0', '∞')
    """
    if not math.isfinite(value):
        return NOT_A_NUMBER if math.isnan(value) else _infinite(value)
    if value == 0:
        return "0"
    rounded, decimals = _significant(value, digits)
    if abs(rounded) >= _LARGE or abs(rounded) < _TINY:
        return power_of_ten(value, digits)
    if abs(rounded) >= 1000:
        return _fixed(value, 0)
    return _fixed(rounded, decimals)


def short_scale(value: float, digits: int = 3) -> str:
    """A number with a short-scale suffix (``K``, ``M``, ``B``, ``T``), rolled over at every boundary.

    Parameters
    ----------
    value : float
    digits : int
        Significant digits (trailing zeros dropped).

    Returns
    -------
    str
        Below 1,000 as :func:`format_number`; from a thousand trillion on,
        trillions with thousands separators up to 10^18 and a power of ten
        beyond.

    Examples
    --------
    >>> short_scale(1234.0), short_scale(999_600.0), short_scale(2.5e9), short_scale(-1.5e12)
    ('1.23K', '1M', '2.5B', '-1.5T')
    >>> short_scale(999.6), short_scale(1e16), short_scale(1e19)
    ('1K', '10,000T', '1.0×10^19')
    """
    if not math.isfinite(value):
        return format_number(value)
    rounded, _ = _significant(value, digits)
    magnitude = abs(rounded)
    if magnitude >= 1e18:
        return power_of_ten(value, digits)
    if magnitude >= 1e15:
        return f"{value / 1e12:,.0f}T"
    for scale, suffix in _SUFFIXES:
        if magnitude >= scale:
            scaled, decimals = _significant(value / scale, digits)
            return f"{_fixed(scaled, decimals)}{suffix}"
    return format_number(value, digits)


def number_text(value: float, digits: int = 6) -> str:
    """A number as short as Python's ``g`` format but never in e-notation: ``15B`` for ``1.5e10``.

    For numbers inside other text (a distribution's parameters, a range's
    ends) where a separator would be ambiguous: no thousands separators, a
    short-scale suffix from a million to a thousand trillion, a power of ten
    beyond and for tiny numbers.

    Examples
    --------
    >>> number_text(3.0), number_text(0.125), number_text(123456.0), number_text(1.577e10)
    ('3', '0.125', '123456', '15.77B')
    >>> number_text(2e26), number_text(1e-7), number_text(-4e6), number_text(float("inf"))
    ('2.0×10^26', '1.0×10^-7', '-4M', 'inf')
    """
    text = f"{value:.{digits}g}"
    if not math.isfinite(value):  # as TOML and Python write them: inf, -inf, nan
        return text
    if "e" not in text:
        return text
    rounded, _ = _significant(value, digits)
    if abs(rounded) >= _LARGE or abs(value) < 1:
        return power_of_ten(value, digits)
    return short_scale(value, digits)


def without_e_notation(text: str) -> str:
    """``text`` with every number written in e-notation rewritten by :func:`number_text` (``"10e9 to 15e9"``).

    For text that quotes what a user wrote (a scenario's range string) when
    it is shown as a figure rather than as the file itself.

    Examples
    --------
    >>> without_e_notation("10e9 to 1.5e10"), without_e_notation("run 20261202-ab1e5, 2e26 FLOP")
    ('10B to 15B', 'run 20261202-ab1e5, 2.0×10^26 FLOP')
    """
    return E_NOTATION.sub(lambda match: number_text(float(match.group(0))), text)


def money(usd: float, digits: int = 3) -> str:
    """Render USD compactly: ``$1.23B``, ``-$45.6M``, ``$2.5T``, rolling over at every boundary.

    Parameters
    ----------
    usd : float
    digits : int
        Significant digits (trailing zeros dropped).

    Returns
    -------
    str
        ``n/a`` for NaN; amounts under a dollar to the cent.

    Examples
    --------
    >>> money(1.234e9), money(-45.6e6), money(999.6e9), money(15e9), money(0.0)
    ('$1.23B', '-$45.6M', '$1T', '$15B', '$0')
    >>> money(12.5), money(0.25), money(2e16), money(float("nan")), money(float("-inf"))
    ('$12.5', '$0.25', '$20,000T', 'n/a', '-$∞')
    """
    if math.isnan(usd):
        return NOT_A_NUMBER
    if math.isinf(usd):
        return _infinite(usd, "$")
    sign = "-" if usd < 0 else ""
    value = abs(usd)
    if value < 1:
        text = _fixed(value, 2)
        return "$0" if text == "0" else f"{sign}${text}"
    return f"{sign}${short_scale(value, digits)}"


def percent(share: float, digits: int = 3) -> str:
    """A share in [0, 1] as a percentage with ``digits`` significant digits (at most two decimals).

    Examples
    --------
    >>> percent(0.0235), percent(0.5), percent(1.0), percent(0.00004), percent(0.0)
    ('2.35%', '50%', '100%', '0.004%', '0%')
    """
    if not math.isfinite(share):
        return format_number(share)
    if share == 0:
        return "0%"
    rounded, decimals = _significant(100.0 * share, digits)
    if abs(rounded) < 0.001:
        return f"{power_of_ten(100.0 * share, digits)}%"
    return f"{_fixed(rounded, decimals)}%"


def unit_suffix(unit: str, value: float = 2.0) -> str:
    """How ``unit`` is written after a number of it (``" GW"``, ``"x/year"``, ``" months"``, ``" month"``).

    Examples
    --------
    >>> unit_suffix("GW"), unit_suffix("x/year"), unit_suffix("months", 1.0), unit_suffix("1"), unit_suffix("1/year")
    (' GW', 'x/year', ' month', '', '/year')
    """
    if unit in _BARE_UNITS:
        return ""
    if unit == "x" or unit.startswith("x/"):
        return unit
    if unit.startswith("1/"):  # a rate: 0.2/year
        return unit[1:]
    if value == 1 and unit in _SINGULAR:
        return f" {_SINGULAR[unit]}"
    if value != 1 and unit in _SINGULAR.values():
        return f" {unit}s"
    return f" {unit}"


def format_quantity(value: float, unit: str, digits: int = 3) -> str:
    """A number with its unit, in the project's conventions (see the module notes).

    Parameters
    ----------
    value : float
    unit : str
        A unit of the output catalogue or the scenario schema: ``"USD"`` and
        ``"USD/..."`` (money: ``$2.5B/year``), ``"GW"``, ``"GW-year"``,
        ``"months"``, ``"years"``, ``"x/year"``, ``"x"``, ``"probability"``,
        ``"share"``, ``"fraction"`` (percent), ``"FLOP"`` and ``"FLOP/..."``
        (powers of ten from a million on), ``"tokens"``, ``"draws"`` (short
        scale), ``"1"`` or ``""`` (a bare number), or any other unit, written
        after the number.
    digits : int
        Significant digits.

    Returns
    -------
    str

    Examples
    --------
    >>> format_quantity(2.5e9, "USD/year"), format_quantity(1.5e10, "USD"), format_quantity(2.345, "GW")
    ('$2.5B/year', '$15B', '2.35 GW')
    >>> format_quantity(18, "months"), format_quantity(1, "months"), format_quantity(3, "x/year")
    ('18 months', '1 month', '3x/year')
    >>> format_quantity(0.0235, "probability"), format_quantity(1.5e26, "FLOP"), format_quantity(2e12, "tokens")
    ('2.35%', '1.5×10^26 FLOP', '2T tokens')
    >>> format_quantity(1e16, "1"), format_quantity(float("nan"), "GW"), format_quantity(float("inf"), "GW")
    ('1.0×10^16', 'n/a', '∞ GW')
    """
    if math.isnan(value):
        return NOT_A_NUMBER
    if unit.startswith("USD"):
        rate = unit[len("USD") :]
        return money(value, digits) + rate
    if unit in _SHARE_UNITS:
        return percent(value, digits)
    if math.isinf(value):
        return _infinite(value) + unit_suffix(unit)
    if unit.startswith(_POWER_UNITS):
        number = power_of_ten(value, digits) if abs(value) >= 1e6 else format_number(value, digits)
        return f"{number} {unit}"
    if unit in _BARE_UNITS or unit.startswith(("x", "1/")) or unit in ("months", "month", "years", "year"):
        number = format_number(value, digits)
    else:
        number = short_scale(value, digits) if abs(value) >= 1e6 else format_number(value, digits)
    return number + unit_suffix(unit, value)


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
