"""Argument types shared by the ``frontiersim`` sub-commands (argparse ``type=`` callables)."""

from __future__ import annotations

import argparse


def integer_in(text: str, low: int, high: int | None = None, *, what: str | None = None) -> int:
    """An integer in ``[low, high]`` (no upper end when ``high`` is None), or an argparse error naming the range.

    Examples
    --------
    >>> integer_in("8050", 0, 65535)
    8050
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
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if value < low or (high is not None and value > high):
        raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
    return value


def positive_int(text: str) -> int:
    """A positive integer (``--draws``, ``--limit``, ``--max-draws``)."""
    return integer_in(text, 1)


def non_negative_int(text: str) -> int:
    """An integer >= 0 (``--seed``)."""
    return integer_in(text, 0)


def port_number(text: str) -> int:
    """A TCP port in [0, 65535] (0: any free port)."""
    return integer_in(text, 0, 65535, what="a port number in [0, 65535]")
