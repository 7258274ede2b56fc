"""Setting scenario keys by their dotted paths: ``demand.growth_per_year=5`` on top of a scenario.

A value is written as it would be in the scenario file, after the ``=``: a
number (``5``, ``1.2e10``), a boolean (``true``), an array (``[0, 12]``), an
inline table (``{ dist = "lognormal", p5 = 3, p95 = 20 }``) or a quoted
string (``"3 to 20"``), each read by :mod:`tomllib`; anything else that is not
TOML (``3 to 20``, ``growth_hedge``, ``2026-01``) is taken as a bare string,
as a distribution shorthand or a name. The key is set in the mapping read
from the scenario's own text, the result is written back to TOML
(:func:`~frontiersim.scenario.writer.scenario_to_toml`) and validated by the
normal loader, so a bad value gives the loader's usual message, one per
problem, naming the key path, the value and what was expected; the new
scenario's text is the one stored with its runs, so that the run can be made
again from it.

Key paths are those of ``frontiersim defaults``: ``section.key``, nested ones
(``capability.segments.enterprise.gross_margin``), ``policy.kind`` and the
keys of every policy kind, and, in a scenario with labs,
``labs.NAME.market_share`` and ``labs.NAME.<section>.<key>`` for the sections
a lab may set. An unknown path is reported with the closest known path.

The top-level comma split of ``key=v1,v2`` (:func:`split_values`) is
hand-written: it only has to skip commas inside brackets, braces and quotes,
and no library splits TOML values.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

from frontiersim.scenario.errors import Problem, ScenarioError, bad_value, describe_value, did_you_mean
from frontiersim.scenario.fields import FieldSpec, field_spec, key_specs
from frontiersim.scenario.loader import parse_scenario_text
from frontiersim.scenario.schema import LAB_SECTIONS, Scenario
from frontiersim.scenario.writer import TomlWriteError, scenario_to_toml, toml_value

#: Paths that set a key without a :class:`FieldSpec` of its own.
_EXTRA_PATHS = ("policy.kind",)

#: Opening and closing brackets of a TOML value.
_CLOSING = {"[": "]", "{": "}"}


def split_values(text: str) -> list[str]:
    """The comma-separated values of ``text``, split at commas outside brackets, braces and quotes.

    Examples
    --------
    >>> split_values("1, 2,3")
    ['1', '2', '3']
    >>> split_values('[0, 12],{ dist = "uniform", low = 1, high = 2 },"a, b"')
    ['[0, 12]', '{ dist = "uniform", low = 1, high = 2 }', '"a, b"']
    >>> split_values("3 to 20")
    ['3 to 20']
    """
    parts: list[str] = []
    current: list[str] = []
    closers: list[str] = []
    quote = ""
    escaped = False
    for character in text:
        if quote:
            current.append(character)
            if escaped:
                escaped = False
            elif character == "\\" and quote == '"':
                escaped = True
            elif character == quote:
                quote = ""
            continue
        if character in "\"'":
            quote = character
        elif character in _CLOSING:
            closers.append(_CLOSING[character])
        elif closers and character == closers[-1]:
            closers.pop()
        elif character == "," and not closers:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(character)
    parts.append("".join(current).strip())
    return parts


def parse_value(text: str) -> Any:
    """A value written as in a scenario file: a TOML value, else the text itself as a bare string.

    Examples
    --------
    >>> parse_value("5"), parse_value("1.2e10"), parse_value("true"), parse_value("[0, 12]")
    (5, 12000000000.0, True, [0, 12])
    >>> parse_value("3 to 20"), parse_value('"quoted"'), parse_value("growth_hedge")
    ('3 to 20', 'quoted', 'growth_hedge')
    >>> parse_value('{ dist = "uniform", low = 1, high = 2 }')
    {'dist': 'uniform', 'low': 1, 'high': 2}
    """
    stripped = text.strip()
    try:
        return tomllib.loads(f"value = {stripped}")["value"]
    except tomllib.TOMLDecodeError:
        return stripped


def parse_assignment(text: str) -> tuple[str, list[Any]]:
    """``"key=v1,v2"`` as ``(key, [v1, v2])``, each value read by :func:`parse_value`.

    Raises
    ------
    ValueError
        Without an ``=``, with an empty key, or with an empty value.

    Examples
    --------
    >>> parse_assignment("policy.hedge_factor=0.4,0.6")
    ('policy.hedge_factor', [0.4, 0.6])
    """
    key, equals, values = text.partition("=")
    key = key.strip()
    if not equals or not key:
        raise ValueError(f"expected KEY=VALUE[,VALUE...], such as policy.hedge_factor=0.4,0.6; got {text!r}")
    parts = split_values(values)
    if any(not part for part in parts):
        raise ValueError(f"{key}: expected one or more values separated by commas, got {values.strip()!r}")
    return key, [parse_value(part) for part in parts]


def known_paths(scenario: Scenario, extra_sections: Mapping[str, type] | None = None) -> list[str]:
    """Every key path that :func:`with_overrides` accepts for ``scenario`` (lab paths for its labs)."""
    shared = [*key_specs(extra_sections), *_EXTRA_PATHS]
    paths = list(shared)
    if scenario.lab_overrides:
        for lab in scenario.lab_names:
            paths.append(f"labs.{lab}.market_share")
            paths += [f"labs.{lab}.{path}" for path in shared if path.split(".")[0] in LAB_SECTIONS]
    return paths


def key_problem(
    path: str, value: Any, scenario: Scenario, extra_sections: Mapping[str, type] | None = None
) -> Problem | None:
    """Why ``path`` names no key of ``scenario`` that can be set (None when it does).

    Examples
    --------
    >>> from frontiersim.scenario.loader import bundled
    >>> print(key_problem("demand.growth_per_yer", 5, bundled("default")))
    demand.growth_per_yer: got 5 (integer); expected a scenario key; did you mean 'demand.growth_per_year'?
    """
    if path in _EXTRA_PATHS:
        return None
    parts = path.split(".")
    if parts[0] == "labs":
        if not scenario.lab_overrides:
            return bad_value(path, value, "a key of a scenario with [labs.NAME] tables; this one has one lab")
        if len(parts) < 3 or parts[1] not in scenario.lab_names:
            lab = parts[1] if len(parts) > 1 else ""
            expected = f"labs.NAME.<key> with NAME one of {', '.join(scenario.lab_names)}"
            return bad_value(path, value, expected + did_you_mean(lab, scenario.lab_names))
        if parts[2:] == ["market_share"] or (len(parts) >= 4 and parts[2] == "policy" and parts[3] == "kind"):
            return None
    if spec_of(path, extra_sections) is None:
        hint = did_you_mean(path, known_paths(scenario, extra_sections))
        return bad_value(path, value, f"a scenario key{hint or ' (frontiersim defaults lists them)'}")
    return None


def spec_of(path: str, extra_sections: Mapping[str, type] | None = None) -> FieldSpec | None:
    """The :class:`FieldSpec` of a settable path (None for ``policy.kind`` and ``labs.NAME.market_share``)."""
    try:
        return field_spec(path, extra_sections=extra_sections)
    except KeyError:
        return None


def key_unit(path: str, extra_sections: Mapping[str, type] | None = None) -> str:
    """The unit of a settable path ("" for ``policy.kind`` and ``labs.NAME.market_share``)."""
    spec = spec_of(path, extra_sections)
    return spec.unit if spec is not None else ""


def _set(data: dict[str, Any], path: str, value: Any) -> Problem | None:
    """Set ``path`` in nested mappings, making tables on the way (a problem if a value is in the way)."""
    parts = path.split(".")
    table = data
    for depth, part in enumerate(parts[:-1]):
        child = table.setdefault(part, {})
        if not isinstance(child, dict):
            where = ".".join(parts[: depth + 1])
            return Problem(where, f"is {describe_value(child)} in the scenario, not a table, so {path} cannot be set")
        table = child
    table[parts[-1]] = value
    return None


def override_text(overrides: Mapping[str, Any]) -> str:
    """The overrides as one line of ``key = value`` pairs in TOML, e.g. for a comment or a message.

    Examples
    --------
    >>> override_text({"policy.hedge_factor": 0.4, "demand.growth_per_year": "3 to 20"})
    'policy.hedge_factor = 0.4, demand.growth_per_year = "3 to 20"'
    """
    return ", ".join(f"{path} = {toml_value(value, path)}" for path, value in overrides.items())


def with_overrides(
    scenario: Scenario,
    overrides: Mapping[str, Any],
    *,
    extra_sections: Mapping[str, type] | None = None,
    source: str = "",
) -> Scenario:
    """``scenario`` with the keys at the given dotted paths set, validated again by the loader.

    Parameters
    ----------
    scenario : Scenario
        Read from a file or bundled: its ``source_text`` is what the keys are set in.
    overrides : mapping of str to Any
        Key path -> value, as read from TOML (:func:`parse_value`).
    extra_sections : mapping of str to type, optional
        Sections of model components outside the built-in schema, as for
        :func:`~frontiersim.scenario.loader.parse_scenario`.
    source : str
        Name in error messages (default: the overrides, after the scenario's name).

    Returns
    -------
    Scenario
        A new scenario whose ``source_text`` is the TOML of the scenario with
        the keys set (header comment naming them).

    Raises
    ------
    ScenarioError
        One problem per unknown path, per value with no TOML form, and per
        problem the loader finds in the result.
    ValueError
        If ``scenario`` was built in code and has no source text.

    Examples
    --------
    >>> from frontiersim.scenario.loader import bundled
    >>> changed = with_overrides(bundled("default"), {"policy.hedge_factor": 0.4})
    >>> changed.policy.hedge_factor
    0.4
    >>> with_overrides(bundled("default"), {"policy.hedge_factor": -1})
    Traceback (most recent call last):
    ...
    frontiersim.scenario.errors.ScenarioError: default with policy.hedge_factor = -1: 1 problem
      - policy.hedge_factor: got -1 (integer); expected a number in [0, 1000] (the model's range)
    """
    if not scenario.source_text:
        raise ValueError("a scenario built in code has no text to set keys in; read it from a file or a bundled name")
    where = source or f"{scenario.meta.name} with {override_text_safe(overrides)}"
    problems = [
        problem
        for path, value in overrides.items()
        if (problem := key_problem(path, value, scenario, extra_sections)) is not None
    ]
    if problems:
        raise ScenarioError(problems, where)
    data = tomllib.loads(scenario.source_text)
    for path, value in overrides.items():
        problem = _set(data, path, value)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise ScenarioError(problems, where)
    try:
        text = scenario_to_toml(data, comment=f"Set on top of scenario {scenario.meta.name!r}: {where}")
    except TomlWriteError as error:
        raise ScenarioError([Problem(error.path, str(error))], where) from None
    return parse_scenario_text(text, where, extra_sections=extra_sections)


def override_text_safe(overrides: Mapping[str, Any]) -> str:
    """:func:`override_text`, or the values' ``repr`` when one has no TOML form."""
    try:
        return override_text(overrides)
    except TomlWriteError:
        return ", ".join(f"{path} = {value!r}" for path, value in overrides.items())


def settable_number(path: str, extra_sections: Mapping[str, type] | None = None) -> tuple[bool, bool]:
    """Whether ``path`` takes a number, and whether that number must be whole (for ranges of values).

    Examples
    --------
    >>> settable_number("policy.hedge_factor"), settable_number("compute.lead_time_months")
    ((True, False), (True, True))
    >>> settable_number("operations.allocation_rule")
    (False, False)
    """
    key_spec = spec_of(path, extra_sections)
    if key_spec is None:
        return (path.endswith(".market_share"), False)
    return (key_spec.kind in ("dist", "float", "int"), key_spec.kind == "int")


__all__ = [
    "key_problem",
    "known_paths",
    "override_text",
    "parse_assignment",
    "parse_value",
    "settable_number",
    "split_values",
    "with_overrides",
]
