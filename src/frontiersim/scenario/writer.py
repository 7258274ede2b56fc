"""Writing scenarios: a mapping as read from TOML (or JSON) back to TOML text.

:func:`scenario_to_toml` is the inverse of :func:`tomllib.loads` for the
mappings a scenario is made of: top-level tables (``[demand]``), nested
tables (``[a.b]``), strings, integers, floats, booleans, arrays, and inline
tables for distributions (``{ dist = "lognormal", p5 = 3, p95 = 20 }``).
Reading the text back gives an equal mapping, so
``parse_scenario_text(scenario_to_toml(m))`` validates exactly as
``parse_scenario(m)`` does.

Comments of the original file are not kept (a mapping has none); the text
starts with a header comment saying what wrote it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from frontiersim._version import __version__

#: Keys written without quotes (TOML "bare keys").
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")

#: Escapes of a TOML basic string; every other control character is written ``\uXXXX``.
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


class TomlWriteError(ValueError):
    """A value has no TOML form (``None``, a lone surrogate, an unsupported type).

    Attributes
    ----------
    path : str
        Dotted key path of the value.
    """

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


def toml_string(text: str, path: str = "") -> str:
    r"""A TOML basic string (double-quoted) holding ``text`` exactly.

    Quotes, backslashes and control characters are escaped; other characters,
    including non-ASCII ones, are written as they are (the file is UTF-8).

    Parameters
    ----------
    text : str
    path : str
        Key path, for the error message.

    Returns
    -------
    str

    Raises
    ------
    TomlWriteError
        If ``text`` holds a lone surrogate, which is not a Unicode character.

    Examples
    --------
    >>> print(toml_string('line 1\n"quoted" C:\\temp'))
    "line 1\n\"quoted\" C:\\temp"
    >>> print(toml_string("tab\there, é"))
    "tab\there, é"
    """
    parts = ['"']
    for character in text:
        code = ord(character)
        if character in _ESCAPES:
            parts.append(_ESCAPES[character])
        elif code < 0x20 or code == 0x7F:
            parts.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            raise TomlWriteError(path, f"the string holds a lone surrogate (U+{code:04X}), which is not valid text")
        else:
            parts.append(character)
    parts.append('"')
    return "".join(parts)


def toml_key(key: str, path: str = "") -> str:
    """A TOML key: bare when it can be, else quoted.

    Examples
    --------
    >>> toml_key("growth_per_year"), toml_key("a.b"), toml_key("")
    ('growth_per_year', '"a.b"', '""')
    """
    if not isinstance(key, str):
        raise TomlWriteError(path, f"key {key!r} is not a string")
    return key if _BARE_KEY.fullmatch(key) else toml_string(key, path)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _float_text(value: float) -> str:
    """The shortest text that reads back as the same finite float; large round numbers in exponent form.

    Examples
    --------
    >>> _float_text(1.0e10), _float_text(1.1e14), _float_text(0.7), _float_text(123456.0), _float_text(2.5e-7)
    ('1e+10', '1.1e+14', '0.7', '123456.0', '2.5e-07')
    """
    text = repr(value)
    if "e" in text or abs(value) < 1e6:
        return text
    for digits in range(17):
        exponent_form = f"{value:.{digits}e}"
        if float(exponent_form) == value:
            return exponent_form if len(exponent_form) < len(text) else text
    return text  # pragma: no cover - 17 significant digits always read back


def toml_value(value: Any, path: str = "") -> str:
    """The inline TOML form of a value: a string, number, boolean, array or inline table.

    Parameters
    ----------
    value : Any
    path : str
        Key path, for error messages.

    Returns
    -------
    str

    Raises
    ------
    TomlWriteError
        For ``None`` (TOML has no null) and other types TOML cannot hold.

    Examples
    --------
    >>> toml_value({"dist": "lognormal", "p5": 3, "p95": 20.0})
    '{ dist = "lognormal", p5 = 3, p95 = 20.0 }'
    >>> toml_value([0, 12]), toml_value(True), toml_value(1e10), toml_value(float("-inf"))
    ('[0, 12]', 'true', '1e+10', '-inf')
    """
    if isinstance(value, bool | int | float):
        return _number_text(value)
    if isinstance(value, str):
        return toml_string(value, path)
    if isinstance(value, Mapping):
        items = [f"{toml_key(k, path)} = {toml_value(v, _join(path, str(k)))}" for k, v in value.items()]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(toml_value(v, f"{path}[{k}]") for k, v in enumerate(value)) + "]"
    if value is None:
        raise TomlWriteError(path, "null has no TOML form; leave the key out instead")
    raise TomlWriteError(path, f"a {type(value).__name__} has no TOML form")


def _number_text(value: bool | float) -> str:
    """A TOML boolean, integer or float (``nan``, ``inf`` and ``-inf`` included)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return _float_text(value)


def _split(table: Mapping[str, Any]) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """A table's items as (key = value lines, ``[a.b]`` sub-tables), keeping the items' order when read back.

    Tables inside a table become sub-tables with their own header, except
    distributions (tables with a ``dist`` key), which stay inline on their
    key's line, and tables followed by a plain value, which are also written
    inline: a plain value cannot follow a sub-table header, and moving it
    first would change the order of the keys.
    """
    items = list(table.items())
    plain = [not isinstance(value, Mapping) or "dist" in value for _, value in items]
    last_plain = max((k for k, is_plain in enumerate(plain) if is_plain), default=-1)
    return items[: last_plain + 1], items[last_plain + 1 :]


def _table_lines(table: Mapping[str, Any], path: tuple[str, ...]) -> list[str]:
    """Lines of one ``[path]`` table: its header, its keys, then its sub-tables."""
    dotted = ".".join(path)
    header = ".".join(toml_key(part, dotted) for part in path)
    values, sub_tables = _split(table)
    # a table holding only tables needs no header of its own: [a.b] defines [a]
    lines = [f"[{header}]"] if values or not sub_tables else []
    lines += [f"{toml_key(key, dotted)} = {toml_value(value, _join(dotted, key))}" for key, value in values]
    for key, value in sub_tables:
        lines += ["", *_table_lines(value, (*path, key))] if lines else _table_lines(value, (*path, key))
    return lines


def _comment_lines(comment: str) -> list[str]:
    """``comment`` as TOML comment lines (control characters other than tab are dropped)."""
    lines = []
    for line in comment.splitlines():
        clean = "".join(c for c in line if c == "\t" or (ord(c) >= 0x20 and ord(c) != 0x7F))
        lines.append(f"# {clean}".rstrip())
    return lines


def scenario_to_toml(data: Mapping[str, Any], comment: str = "") -> str:
    r"""A scenario mapping as TOML text, for :func:`tomllib.loads` to read back unchanged.

    Parameters
    ----------
    data : Mapping
        Nested mappings as read from a scenario file: top-level tables
        (``scenario``, ``demand``, ...) holding numbers, strings, booleans,
        arrays and distributions. Tables inside tables become ``[a.b]``
        tables; tables with a ``dist`` key are written inline. The order of
        the keys is kept.
    comment : str
        Extra lines for the header comment.

    Returns
    -------
    str
        UTF-8 TOML text ending with a newline.

    Raises
    ------
    TomlWriteError
        If a value has no TOML form (``None``, a lone surrogate in a string,
        or a type other than those above), naming its key path.

    Examples
    --------
    >>> text = scenario_to_toml({"scenario": {"name": "x"}, "demand": {"growth_per_year": "3 to 20"}})
    >>> print(text.split("\n", 3)[3])
    [scenario]
    name = "x"
    <BLANKLINE>
    [demand]
    growth_per_year = "3 to 20"
    <BLANKLINE>
    >>> import tomllib
    >>> tomllib.loads(text)["demand"]
    {'growth_per_year': '3 to 20'}
    """
    lines = [
        f"# frontiersim scenario, written by frontiersim {__version__}.",
        "# Check it with `frontiersim validate FILE`; run `frontiersim defaults` for every key and its source.",
        *_comment_lines(comment),
        "",
    ]
    values, tables = _split(data)
    lines += [f"{toml_key(key)} = {toml_value(value, key)}" for key, value in values]
    if values:
        lines.append("")
    for key, value in tables:
        lines += [*_table_lines(value, (key,)), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


__all__ = ["TomlWriteError", "scenario_to_toml", "toml_key", "toml_string", "toml_value"]
