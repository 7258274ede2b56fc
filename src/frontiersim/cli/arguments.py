"""Argument types shared by the ``frontiersim`` sub-commands (argparse ``type=`` callables)."""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Iterable


def integer_in(text: str, low: int, high: int | None = None, *, what: str | None = None) -> int:
    """An integer in ``[low, high]`` (no upper end when ``high`` is None), or an argparse error naming the range.

    A number written with an exponent or a decimal point is accepted when it
    is a whole number (``1e5``, ``2000.0``).

    Examples
    --------
    >>> integer_in("8050", 0, 65535)
    8050
    >>> integer_in("1e5", 1)
    100000
    >>> integer_in("2.5", 1)
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a positive integer, got '2.5'
    >>> integer_in("0", 1)
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a positive integer, got 0
    """
    if what is None:
        if high is not None:
            what = f"an integer in [{low}, {high}]"
        else:
            what = "a positive integer" if low == 1 else f"an integer >= {low}"
    try:
        parsed: int | None = int(text)
    except ValueError:
        parsed = _whole_number(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    value = parsed
    if value < low or (high is not None and value > high):
        raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
    return value


def _whole_number(text: str) -> int | None:
    """``text`` as an integer when it is a finite whole number in any float notation, else None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value.is_integer() else None


def case_insensitive(choices: Iterable[str]) -> Callable[[str], str]:
    """An argparse type that maps any capitalisation of one of ``choices`` to its own spelling.

    Other text passes through unchanged, for argparse's ``choices`` check
    to refuse it (with the closest choice suggested by the frontiersim
    parser).

    Examples
    --------
    >>> company = case_insensitive(["Anthropic", "OpenAI"])
    >>> company("anthropic"), company("OPENAI"), company("acme")
    ('Anthropic', 'OpenAI', 'acme')
    """
    spelling = {choice.lower(): choice for choice in choices}

    def canonical(text: str) -> str:
        return spelling.get(text.lower(), text)

    return canonical


def positive_int(text: str) -> int:
    """A positive integer (``--draws``, ``--limit``, ``--max-draws``)."""
    return integer_in(text, 1)


def non_negative_int(text: str) -> int:
    """An integer >= 0 (``--seed``)."""
    return integer_in(text, 0)


def port_number(text: str) -> int:
    """A TCP port in [0, 65535] (0: any free port)."""
    return integer_in(text, 0, 65535, what="a port number in [0, 65535]")


def number(text: str) -> float:
    """A finite number (``--low``, ``--high``).

    Examples
    --------
    >>> number("1e3")
    1000.0
    >>> number("nan")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a finite number, got 'nan'
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def bounded(low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> Callable[[str], float]:
    """An argparse type for a number in an interval (open or closed at each end).

    Examples
    --------
    >>> share = bounded(0.0, 1.0, high_open=True)
    >>> share("0.25")
    0.25
    >>> share("1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a number in [0, 1), got 1
    """
    left, right = "(" if low_open else "[", ")" if high_open else "]"
    unbounded = f"> {low:g}" if low_open else f">= {low:g}"
    shown = unbounded if math.isinf(high) else f"in {left}{low:g}, {high:g}{right}"

    def parse(text: str) -> float:
        value = number(text)
        below = value <= low if low_open else value < low
        above = value >= high if high_open else value > high
        if below or above:
            raise argparse.ArgumentTypeError(f"expected a number {shown}, got {text}")
        return value

    return parse


def shares(text: str) -> tuple[float, ...]:
    """Distinct shares in [0, 1), comma-separated (``--training-shares``).

    Examples
    --------
    >>> shares("0.3, 0.5,0.7")
    (0.3, 0.5, 0.7)
    >>> shares("0.5,1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a number in [0, 1), got 1
    >>> shares("0.5,0.5")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected distinct shares, got 0.5 twice
    """
    share = bounded(0.0, 1.0, high_open=True)
    values = tuple(share(part.strip()) for part in text.split(",") if part.strip())
    if not values:
        raise argparse.ArgumentTypeError(f"expected shares separated by commas, e.g. 0.3,0.5,0.7, got {text!r}")
    for value in values:
        if values.count(value) > 1:
            raise argparse.ArgumentTypeError(f"expected distinct shares, got {value:g} twice")
    return values


def grid_size(text: str) -> int:
    """A grid of at least two candidates (``--candidates``)."""
    return integer_in(text, 2)


#: Suffixes accepted in dollar amounts on the command line.
USD_SCALES = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}

#: A dollar amount as :func:`usd` reads it (after upper-casing and removing ``,`` and ``_``).
USD_PATTERN = re.compile(r"^(?P<sign>[-+]?)\$?(?P<number>[0-9.]+(?:[eE][-+]?[0-9]+)?)(?P<suffix>[KMBT]?)$")


def usd(text: str) -> float:
    """A dollar amount: ``-25e9``, ``-25B``, ``$1.5T``.

    Examples
    --------
    >>> usd("-25B"), usd("$1.5T"), usd("2,500")
    (-25000000000.0, 1500000000000.0, 2500.0)
    """
    match = USD_PATTERN.match(text.strip().replace(",", "").replace("_", "").upper())
    if match is None:
        raise argparse.ArgumentTypeError(f"expected a dollar amount such as -25e9, -25B or 1.5T, got {text!r}")
    try:
        value = float(match["number"]) * USD_SCALES[match["suffix"]]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a dollar amount, got {text!r}") from None
    return -value if match["sign"] == "-" else value
