"""Validation problems and the error that carries them."""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from frontiersim.units import number_text


def closest_match(word: str, choices: Iterable[str]) -> str | None:
    """The choice most like ``word`` (case aside), or None if none is close.

    Closeness is :func:`difflib.get_close_matches`' ratio of matching
    characters (at least 0.6), on lower-cased text.

    Examples
    --------
    >>> closest_match("defualt", ["default", "four_labs", "toy_50_50"])
    'default'
    >>> closest_match("toy50", ["toy_50_50", "training_share"])
    'toy_50_50'
    >>> closest_match("anthropic", ["Anthropic", "OpenAI"])
    'Anthropic'
    >>> closest_match("zzz", ["default"]) is None
    True
    """
    options = list(choices)
    by_lower = {option.lower(): option for option in reversed(options)}
    found = difflib.get_close_matches(word.lower(), list(by_lower), n=1)
    return by_lower[found[0]] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""`` if none is close (see :func:`closest_match`).

    Examples
    --------
    >>> "unknown example 'toy50'" + did_you_mean("toy50", ["toy_50_50", "single_model"])
    "unknown example 'toy50'; did you mean 'toy_50_50'?"
    """
    match = closest_match(word, choices)
    return "" if match is None else f"; did you mean {match!r}?"


def terminal_safe(text: str) -> str:
    r"""``text`` with every control character written as its escape.

    Names, key paths and messages from a scenario file or a shared store
    cannot then move the cursor, change colours or break a line on a
    terminal.

    Examples
    --------
    >>> terminal_safe("run\x1b[31m red\nnext")
    'run\\x1b[31m red\\nnext'
    """
    if text.isprintable():
        return text
    return "".join(repr(c)[1:-1] if unicodedata.category(c) == "Cc" else c for c in text)


def describe_value(value: Any) -> str:
    """Render a scenario value for an error message, with its TOML type.

    Parameters
    ----------
    value : Any
        The offending value as read from TOML.

    Returns
    -------
    str
        A short rendering such as ``'abc' (string)`` or ``-3 (integer)``;
        a float that Python writes in e-notation as a power of ten
        (``1.0×10^20 (float)``).

    Examples
    --------
    >>> describe_value(1e20), describe_value(-0.5), describe_value("x")
    ('1.0×10^20 (float)', '-0.5 (float)', "'x' (string)")
    """
    type_names = {
        bool: "boolean",
        int: "integer",
        float: "float",
        str: "string",
        list: "array",
        dict: "table",
    }
    kind = type_names.get(type(value), type(value).__name__)
    text = repr(value)
    if isinstance(value, float) and "e" in text and math.isfinite(value):  # 1e+20: written as 1.0×10^20
        text = number_text(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({kind})"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario.

    Attributes
    ----------
    path : str
        Dotted key path, e.g. ``"demand.growth_per_year"``.
    message : str
        What is wrong and what was expected.
    """

    path: str
    message: str

    def __str__(self) -> str:
        path = terminal_safe(self.path)
        return f"{path}: {self.message}" if path else self.message


def bad_value(path: str, value: Any, expected: str) -> Problem:
    """Build a :class:`Problem` for a value that does not meet expectations.

    Parameters
    ----------
    path : str
        Dotted key path of the value.
    value : Any
        The value found.
    expected : str
        What was expected instead, in words.

    Returns
    -------
    Problem
    """
    return Problem(path, f"got {describe_value(value)}; expected {expected}")


class ScenarioError(ValueError):
    """A scenario failed validation.

    Attributes
    ----------
    problems : tuple of Problem
        Every problem found, one per offending key.
    source : str
        Where the scenario came from (a file name or ``"<string>"``).
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], source: str = "<scenario>"):
        self.problems = tuple(problems)
        self.source = source
        count = len(self.problems)
        lines = [f"{terminal_safe(source)}: {count} problem{'s' if count != 1 else ''}"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[tuple[Problem, ...], str]]:
        # Rebuild from the problems, not the message, so the error survives pickling (e.g. from a worker process).
        return (type(self), (self.problems, self.source))
