"""Reading what the page sends: capped JSON bodies, checked fields, scenarios validated as files.

Nothing here evaluates anything: bodies are parsed by :func:`json.loads`
(which builds only dicts, lists, strings, numbers, booleans and null), and
the scenario is written to TOML and validated by
:func:`~frontiersim.scenario.loader.parse_scenario_text`, exactly as a
scenario file is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from starlette.requests import Request

from frontiersim.models.registry import extension_sections
from frontiersim.scenario.errors import Problem, ScenarioError, describe_value
from frontiersim.scenario.loader import parse_scenario_text
from frontiersim.scenario.schema import Scenario
from frontiersim.scenario.writer import scenario_to_toml

#: Deepest nesting of arrays and objects accepted in a request body.
MAX_JSON_DEPTH = 16

#: Longest message accepted when saving a run (characters).
MAX_MESSAGE_CHARS = 300

#: Largest seed accepted (TOML integers are 64-bit).
MAX_SEED = 2**63 - 1

_CONTENT_LENGTH = re.compile(r"[0-9]{1,19}")


class ApiError(Exception):
    """A request the dashboard refuses: an HTTP status, a message and the problems found.

    Attributes
    ----------
    status : int
        HTTP status code (4xx for bad input).
    message : str
        One line saying what is wrong.
    problems : tuple of Problem
        One per offending key, with its path, the bad value and what was expected.
    """

    def __init__(self, status: int, message: str, problems: tuple[Problem, ...] | list[Problem] = ()) -> None:
        self.status = status
        self.message = message
        self.problems = tuple(problems)
        super().__init__(message)

    def payload(self) -> dict[str, Any]:
        """The JSON body of the error response."""
        return {
            "error": self.message,
            "problems": [{"path": p.path, "message": p.message, "text": str(p)} for p in self.problems],
        }


def describe_json(value: Any) -> str:
    """A value from a JSON body, for a message: like :func:`describe_value`, with JSON's names.

    Examples
    --------
    >>> describe_json(None), describe_json("10"), describe_json(True)
    ('null', "'10' (string)", 'True (boolean)')
    """
    return "null" if value is None else describe_value(value)


def bad_field(path: str, value: Any, expected: str) -> Problem:
    """A problem with one field of a request body."""
    return Problem(path, f"got {describe_json(value)}; expected {expected}")


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The request body, refusing more than ``max_bytes`` whatever Content-Length says.

    Raises
    ------
    ApiError
        413 if the declared length or the bytes actually sent exceed the
        limit (a chunked or understated body is counted as it streams in);
        400 for a Content-Length that is not a number.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        if not _CONTENT_LENGTH.fullmatch(declared.strip()):
            raise ApiError(400, f"Content-Length {declared[:40]!r} is not a number of bytes")
        if int(declared) > max_bytes:
            raise ApiError(413, f"request body of {int(declared)} bytes is over the limit of {max_bytes} bytes")
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > max_bytes:
            raise ApiError(413, f"request body is over the limit of {max_bytes} bytes")
    return bytes(received)


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value (a scalar is 0), computed without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def check_json_content_type(request: Request) -> None:
    """Refuse bodies not sent as JSON (415).

    A cross-site form can send ``text/plain`` without the browser asking the
    server first; insisting on ``application/json`` means another site's page
    cannot make the dashboard save runs.
    """
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        shown = f"{content_type[:60]!r}" if content_type else "none"
        raise ApiError(415, f"expected a JSON body (Content-Type: application/json), got Content-Type {shown}")


def parse_json_object(body: bytes) -> dict[str, Any]:
    """Parse a request body that must be one JSON object.

    Raises
    ------
    ApiError
        400 for text that is not JSON (including ``NaN`` and ``Infinity``,
        which JSON does not have, and integers too long to read), 422 for
        JSON that is not an object or is nested deeper than
        :data:`MAX_JSON_DEPTH`.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ApiError(400, f"request body is not UTF-8 text (byte offset {error.start})") from None
    if not text.strip():
        raise ApiError(400, "empty request body; expected a JSON object")
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ApiError(400, f"JSON nested too deeply (the limit is {MAX_JSON_DEPTH} levels)") from None
    except json.JSONDecodeError as error:
        raise ApiError(400, f"malformed JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    except ValueError as error:
        raise ApiError(400, f"malformed JSON: {str(error)[:200]}") from None
    if not isinstance(value, dict):
        raise ApiError(422, f"expected a JSON object with the request's fields, got {describe_json(value)}")
    if _depth(value) > MAX_JSON_DEPTH:
        raise ApiError(422, f"JSON nested too deeply (the limit is {MAX_JSON_DEPTH} levels)")
    return value


def check_fields(body: Mapping[str, Any], required: tuple[str, ...], optional: tuple[str, ...]) -> list[Problem]:
    """Problems with the set of fields of a request body: missing and unknown ones."""
    known = (*required, *optional)
    problems = [Problem(name, "missing; this request needs it") for name in required if name not in body]
    problems += [
        bad_field(str(name), body[name], f"no such field (known fields: {', '.join(known)})")
        for name in body
        if name not in known
    ]
    return problems


def integer_field(body: Mapping[str, Any], name: str, low: int, high: int) -> tuple[int | None, list[Problem]]:
    """An optional integer field in ``[low, high]``; booleans, floats and strings are refused."""
    if name not in body:
        return None, []
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None, [bad_field(name, value, f"an integer in [{low}, {high}]")]
    return value, []


def lab_field(body: Mapping[str, Any], labs: Sequence[str]) -> tuple[str | None, list[Problem]]:
    """The optional lab whose figures are wanted: one of the scenario's ``labs`` (None: the first)."""
    if "lab" not in body:
        return None, []
    value = body["lab"]
    if not isinstance(value, str) or value not in labs:
        return None, [bad_field("lab", value, f"one of the scenario's labs: {', '.join(labs)}")]
    return value, []


def message_field(body: Mapping[str, Any]) -> tuple[str, list[Problem]]:
    """The optional one-line message of a saved run."""
    value = body.get("message", "")
    if not isinstance(value, str):
        return "", [bad_field("message", value, "a string")]
    if len(value) > MAX_MESSAGE_CHARS:
        return "", [Problem("message", f"{len(value)} characters; expected at most {MAX_MESSAGE_CHARS}")]
    if any(ord(c) < 0x20 or ord(c) == 0x7F or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        return "", [bad_field("message", value, "one line of text, without control characters")]
    return value.strip(), []


def _untomlable(value: Any, path: str) -> list[Problem]:
    """Values a scenario file cannot hold: null and strings with lone surrogates."""
    problems: list[Problem] = []
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if item is None:
            problems.append(Problem(where, "got null; a scenario file has no null: leave the key out instead"))
        elif isinstance(item, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in item):
            problems.append(bad_field(where, item, "text without lone surrogates (\\ud800-\\udfff)"))
        elif isinstance(item, dict):
            stack.extend((child, f"{where}.{key}" if where else str(key)) for key, child in item.items())
            problems += [
                bad_field(where or "scenario", key, "keys without lone surrogates")
                for key in item
                if any(0xD800 <= ord(c) <= 0xDFFF for c in key)
            ]
        elif isinstance(item, list):
            stack.extend((child, f"{where}[{k}]") for k, child in enumerate(item))
    return sorted(problems, key=lambda p: p.path)


@dataclass(frozen=True)
class ValidatedScenario:
    """A scenario from the page, validated as a file.

    Attributes
    ----------
    mapping : dict
        The scenario as nested mappings, as sent.
    text : str
        The same scenario as TOML text (what a download holds).
    scenario : Scenario
        The validated scenario (its ``source_text`` is ``text``).
    """

    mapping: dict[str, Any]
    text: str
    scenario: Scenario


def scenario_field(body: Mapping[str, Any], comment: str = "") -> tuple[ValidatedScenario | None, list[Problem]]:
    """Validate the ``scenario`` field exactly as a scenario file is validated.

    The mapping is written as TOML text and the text is validated by
    :func:`~frontiersim.scenario.loader.parse_scenario_text`, so the page can
    send nothing a file could not hold, and every problem names its key path,
    the bad value and what was expected.

    Parameters
    ----------
    body : Mapping
        The request body.
    comment : str
        Extra header comment lines for the TOML text.

    Returns
    -------
    validated : ValidatedScenario or None
    problems : list of Problem
    """
    mapping = body.get("scenario")
    if not isinstance(mapping, dict):
        return None, [bad_field("scenario", mapping, "a JSON object holding the scenario's tables")]
    problems = _untomlable(mapping, "")
    if problems:
        return None, problems
    text = scenario_to_toml(mapping, comment)
    try:
        scenario = parse_scenario_text(text, "scenario", extra_sections=extension_sections())
    except ScenarioError as error:
        return None, list(error.problems)
    return ValidatedScenario(mapping, text, scenario), []
