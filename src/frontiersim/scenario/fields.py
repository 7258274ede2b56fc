"""Declarative field specifications: type, bounds, default, unit and source.

Every scenario key is declared once, as a dataclass field whose metadata is a
:class:`FieldSpec`. The same declaration drives validation, the defaults table
in the documentation (``frontiersim defaults``), and error messages.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from frontiersim.scenario.distributions import Distribution, Fixed, open_below, parse_distribution, tail_quantiles
from frontiersim.scenario.errors import Problem, bad_value, did_you_mean
from frontiersim.scenario.sources import KeySource, Setting
from frontiersim.units import format_quantity, number_text

#: Probability a distribution may put beyond each end of a key's model range (:attr:`FieldSpec.model_range`).
MODEL_RANGE_TAIL = 1e-6

Kind = Literal["dist", "dists", "float", "int", "str", "bool", "floats", "ints"]


def bound_texts(low: float, high: float, unit: str) -> tuple[str, str]:
    """The ends of a range as text: plain (``0``, ``600``) when both are short, else both with their unit.

    Plain ends keep messages such as ``in [0, 600]`` compact; ends that would
    need e-notation (``1e+16``) are written in the unit instead
    (:func:`frontiersim.units.format_quantity`), never in e-notation.

    Examples
    --------
    >>> bound_texts(0.0, 600.0, "months"), bound_texts(0.0, 1e16, "USD/year")
    (('0', '600'), ('$0/year', '$10,000T/year'))
    """
    plain = f"{low:g}", f"{high:g}"
    if not any("e" in text for text in plain):
        return plain
    return format_quantity(low, unit), format_quantity(high, unit)


@dataclass(frozen=True)
class FieldSpec:
    """Declaration of one scenario key.

    Attributes
    ----------
    kind : {"dist", "dists", "float", "int", "str", "bool", "floats", "ints"}
        ``"dist"`` accepts a number or a distribution, ``"dists"`` an array of
        them (a yearly path whose years may be uncertain); the others accept
        a fixed value of that type (``"floats"``/``"ints"`` are arrays).
    doc : str
        One-line meaning of the key, with its unit.
    source : str
        Where the default comes from, as text: the rendering of
        ``reference`` when there is one (a public interview with a quote, a
        dataset, or an assumption with its reason); a plain string for keys
        declared by components outside the schema.
    low, high : float
        Bounds on the value (for ``"dist"``: on the distribution's support).
    low_open, high_open : bool
        Whether the bounds are exclusive.
    choices : tuple of str
        Allowed values for a ``"str"`` key (empty means any string).
    unit : str
        Unit of the value (``"USD/year"``, ``"GW"``, ``"months"``, ``"1"`` for
        a ratio or a multiplier); empty for keys without one (names, kinds).
    label : str
        Short human label for tables, charts and sliders.
    typical : tuple of (float, float) or None
        The range of values worth exploring (sliders, search bounds,
        generated test scenarios), within the bounds; for a ``"dist"`` key,
        the range of a fixed value of it, and for an array, of each entry.
        None for keys with no such range (names, kinds, flags, seeds).
    reference : KeySource or None
        The structured source (:mod:`frontiersim.scenario.sources`): a
        citation of public documents, an assumption or a setting; None when
        the key was declared with a plain string.
    model_range : tuple of (float, float) or None
        The values the model's arithmetic is built for, within the bounds:
        a fixed value, each array entry, and the :data:`MODEL_RANGE_TAIL`
        and ``1 - MODEL_RANGE_TAIL`` quantiles of a distribution must lie
        in this closed range. The bounds say what a value means (a share
        lies in [0, 1]); the model range keeps sums and products of the
        largest values far below the largest float (about 1.8e308), so
        that a scenario that validates simulates to finite numbers. A
        distribution with unbounded support (a lognormal) may still put a
        draw beyond it, about once in 5e5 draws, which the model's margin
        below the overflow usually absorbs; if not, the engine's finite
        check stops the run with a message naming the key. None: the bounds
        alone.

    Raises
    ------
    ValueError
        If ``typical`` is given for a key that is not numeric, is not an
        increasing pair of finite numbers (integers for integer keys), or
        does not lie within the bounds: a programming error in a declaration.
    """

    kind: Kind
    doc: str
    source: str = "assumption"
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    unit: str = ""
    label: str = ""
    typical: tuple[float, float] | None = None
    reference: KeySource | None = None
    model_range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.model_range is not None and not (
            len(self.model_range) == 2
            and all(map(math.isfinite, self.model_range))
            and self.model_range[0] < self.model_range[1]
        ):
            raise ValueError(f"model range {self.model_range!r} of {self.doc!r}: expected finite numbers low < high")
        if self.typical is None:
            return
        where = f"typical range {self.typical!r} of {self.doc!r}"
        if self.kind in ("str", "bool"):
            raise ValueError(f"{where}: a {self.kind} key has no typical range")
        if len(self.typical) != 2 or not all(_is_scalar(v, integer=False) for v in self.typical):
            raise ValueError(f"{where}: expected a pair of finite numbers (low, high)")
        lo, hi = self.typical
        if self.kind in ("int", "ints") and not (float(lo).is_integer() and float(hi).is_integer()):
            raise ValueError(f"{where}: expected integers for an integer key")
        if not lo < hi:
            raise ValueError(f"{where}: expected low < high")
        if not self._within(lo, hi) or not self._in_model_range(lo, hi):
            raise ValueError(f"{where}: not within the key's bounds ({self.bounds_text()})")

    def exploration_range(self) -> tuple[float, float]:
        """The range of values worth exploring: the declared ``typical`` range, else one from the bounds.

        Sliders, the optimizer's search bounds and generated test scenarios
        use it. Without a declared range, a finite bound is kept (moved inwards
        by 1% of the width when the bound is open) and a missing one is put a
        decade of the other's scale away.

        Examples
        --------
        >>> FieldSpec("float", "a share", low=0.0, high=1.0, typical=(0.1, 0.9)).exploration_range()
        (0.1, 0.9)
        >>> FieldSpec("float", "a share", low=0.0, high=1.0, high_open=True).exploration_range()
        (0.0, 0.99)
        >>> FieldSpec("float", "a multiplier", low=0.0).exploration_range()
        (0.0, 10.0)
        """
        if self.typical is not None:
            return float(self.typical[0]), float(self.typical[1])
        has_low, has_high = math.isfinite(self.low), math.isfinite(self.high)
        if has_low and has_high:
            low, high = self.low, self.high
        elif has_low:
            low, high = self.low, self.low + 10.0 * max(abs(self.low), 1.0)
        elif has_high:
            low, high = self.high - 10.0 * max(abs(self.high), 1.0), self.high
        else:
            low, high = 0.0, 1.0
        inset = 0.01 * (high - low)
        return (
            low + inset if has_low and self.low_open else low,
            high - inset if has_high and self.high_open else high,
        )

    def bounds_text(self, *, with_model_range: bool = True) -> str:
        """Human-readable bounds such as ``[0, 1)`` or ``> 0``, narrowed by the model range unless told not to.

        Examples
        --------
        >>> FieldSpec("float", "a share", low=0.0, high=1.0, high_open=True).bounds_text()
        'in [0, 1)'
        >>> FieldSpec("dist", "a price", low=0.0, model_range=(1e6, 1e14), unit="USD/GW/year").bounds_text()
        "in [$1M/GW/year, $100T/GW/year] (the model's range)"
        """
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        low, high, low_open, high_open = self.low, self.high, self.low_open, self.high_open
        if self.model_range is not None and with_model_range:
            if self.model_range[0] > low:
                low, low_open = self.model_range[0], False
            if self.model_range[1] < high:
                high, high_open = self.model_range[1], False
        has_low, has_high = math.isfinite(low), math.isfinite(high)
        low_text, high_text = bound_texts(low, high, self.unit)
        if has_low and has_high:
            text = f"in {'(' if low_open else '['}{low_text}, {high_text}{')' if high_open else ']'}"
        elif has_low:
            text = f"{'>' if low_open else '>='} {low_text}"
        elif has_high:
            text = f"{'<' if high_open else '<='} {high_text}"
        else:
            text = "any value"
        narrowed = (low, high) != (self.low, self.high)
        return f"{text} (the model's range)" if narrowed else text

    def _within(self, lo: float, hi: float, *, lo_excluded: bool = False) -> bool:
        """Whether values in ``[lo, hi]`` (``(lo, hi]`` if ``lo_excluded``) meet the bounds."""
        low_ok = lo > self.low or (lo == self.low and (lo_excluded or not self.low_open))
        high_ok = hi < self.high or (hi == self.high and not self.high_open)
        return low_ok and high_ok

    def _in_model_range(self, lo: float, hi: float) -> bool:
        """Whether values in ``[lo, hi]`` lie in the model range (always, without one)."""
        return self.model_range is None or (self.model_range[0] <= lo and hi <= self.model_range[1])

    def _expected(self) -> str:
        noun = {
            "dist": "a number or distribution",
            "dists": "an array of numbers or distributions",
            "float": "a number",
            "int": "an integer",
            "str": "a string",
            "bool": "true or false",
            "floats": "an array of numbers",
            "ints": "an array of integers",
        }[self.kind]
        bounds = self.bounds_text()
        if self.kind in ("floats", "ints", "dists") and bounds != "any value":
            return f"{noun}, each {bounds}"
        return noun if bounds == "any value" else f"{noun} {bounds}"

    def parse(self, value: Any, path: str) -> tuple[Any, list[Problem]]:
        """Validate ``value`` read from TOML at ``path``.

        Parameters
        ----------
        value : Any
            The value as read from TOML.
        path : str
            Dotted key path, used in error messages.

        Returns
        -------
        value : Any
            The typed value (a :class:`Distribution` for ``"dist"`` keys), or
            None if there were problems.
        problems : list of Problem
            At most one problem: the key's value is reported as a whole.
        """
        if self.kind == "dist":
            return self._parse_distribution(value, path)
        if self.kind == "dists":
            return self._parse_distributions(value, path)
        if self.kind == "bool":
            ok = isinstance(value, bool)
        elif self.kind == "str":
            ok = isinstance(value, str) and (not self.choices or value in self.choices)
        elif self.kind in ("float", "int"):
            ok = _is_scalar(value, integer=self.kind == "int") and self._accepts(value)
        else:
            integer = self.kind == "ints"
            ok = isinstance(value, list) and all(_is_scalar(v, integer=integer) and self._accepts(v) for v in value)
        if not ok:
            return None, [bad_value(path, value, self._expected())]
        return _typed(value, self.kind), []

    def _parse_distribution(self, value: Any, path: str) -> tuple[Distribution | None, list[Problem]]:
        """Validate a ``"dist"`` key: a number or distribution whose support meets the bounds."""
        dist, problems = parse_distribution(value, path)
        if dist is None:
            return None, problems
        if isinstance(dist, Fixed):
            return (dist, []) if self._accepts(dist.value) else (None, [bad_value(path, value, self._expected())])
        lo, hi = dist.support
        if not self._within(lo, hi, lo_excluded=open_below(dist)):
            return None, [
                Problem(
                    path,
                    f"{dist.describe()} can produce values in [{', '.join(bound_texts(lo, hi, self.unit))}]; "
                    "expected values "
                    f"{self.bounds_text(with_model_range=False)} (choose a distribution with that support)",
                )
            ]
        if self.model_range is None or (math.isfinite(lo) and math.isfinite(hi) and self._in_model_range(lo, hi)):
            return dist, []  # no range to keep to, or every value the distribution can produce keeps to it
        q_lo, q_hi = tail_quantiles(dist, MODEL_RANGE_TAIL)
        if not (math.isfinite(q_lo) and self._in_model_range(q_lo, q_hi)):
            return None, [
                Problem(
                    path,
                    f"{dist.describe()} puts values in [{', '.join(bound_texts(q_lo, q_hi, self.unit))}] (its "
                    f"{number_text(MODEL_RANGE_TAIL)} and 1 - {number_text(MODEL_RANGE_TAIL)} quantiles); "
                    f"expected values {self.bounds_text()}",
                )
            ]
        return dist, []

    def _parse_distributions(self, value: Any, path: str) -> tuple[tuple[Distribution, ...] | None, list[Problem]]:
        """Validate a ``"dists"`` key: an array whose every entry passes as a ``"dist"`` key (one problem each)."""
        if not isinstance(value, list):
            return None, [bad_value(path, value, self._expected())]
        entries: list[Distribution] = []
        problems: list[Problem] = []
        for index, entry in enumerate(value):
            dist, found = self._parse_distribution(entry, f"{path}[{index}]")
            problems += found
            if dist is not None:
                entries.append(dist)
        return (None, problems) if problems else (tuple(entries), [])

    def _accepts(self, value: float) -> bool:
        """Whether one number meets the bounds and the model range."""
        return self._within(value, value) and self._in_model_range(value, value)


def _typed(value: Any, kind: Kind) -> Any:
    """Convert a validated TOML value to the field's Python type (arrays become tuples)."""
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind in ("floats", "ints"):
        return tuple(int(v) if kind == "ints" else float(v) for v in value)
    return value


def _is_scalar(value: Any, *, integer: bool) -> bool:
    """Whether ``value`` is a TOML integer (``integer``) or a finite number; booleans are neither."""
    if isinstance(value, bool):
        return False
    if integer:  # TOML integers are 64-bit; tomllib does not enforce it
        return isinstance(value, int) and -(2**63) <= value < 2**63
    if not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False


def spec(
    default: Any,
    kind: Kind,
    doc: str,
    source: str | KeySource = "assumption",
    *,
    unit: str = "",
    label: str = "",
    typical: tuple[float, float] | None = None,
    **bounds: Any,
) -> Any:
    """Declare a scenario field with its default and :class:`FieldSpec`.

    Parameters
    ----------
    default : Any
        Default value; for ``"dist"`` fields, a number or a distribution
        written as in TOML (it is parsed once, here).
    source : str or KeySource
        A citation of public documents, an assumption with its reason or a
        setting (:mod:`frontiersim.scenario.sources`), kept as the spec's
        ``reference`` and rendered as its ``source``; or a plain string.
    kind, doc, unit, label, typical, **bounds
        See :class:`FieldSpec` (``**bounds``: ``low``, ``high``,
        ``low_open``, ``high_open``, ``choices``).

    Returns
    -------
    dataclasses.Field
    """
    reference = None if isinstance(source, str) else source
    text = source if isinstance(source, str) else source.render()
    key_spec = FieldSpec(kind, doc, text, unit=unit, label=label, typical=typical, reference=reference, **bounds)
    if kind == "dist" and not isinstance(default, Distribution):
        parsed, problems = parse_distribution(default, "<default>")
        if parsed is None:  # pragma: no cover - a programming error in a default
            raise ValueError(f"bad default {default!r}: {problems}")
        default = parsed
    if isinstance(default, list):
        default = tuple(default)
    return dataclasses.field(default=default, metadata={"spec": key_spec})


#: ``parse(value, path) -> (typed value or None, problems)`` for a nested table.
TableParser = Callable[[Any, str], tuple[Any, list[Problem]]]


@dataclass(frozen=True)
class TableSpec:
    """Declaration of a nested table inside a section, e.g. ``[capability.milestones]``.

    Attributes
    ----------
    parse : callable
        ``parse(value, path) -> (typed value or None, problems)``.
    doc : str
        One-line meaning of the table.
    section_type : type or None
        The dataclass the table is parsed into when it is a section of
        declared keys (its keys are then sampled and documented like any
        section's); None for a free-form table such as a name -> number map.
    """

    parse: TableParser
    doc: str
    section_type: type | None = None


def table_metadata(doc: str, section_type: type | None = None, parse: TableParser | None = None) -> dict[str, Any]:
    """Field metadata declaring a nested table of a section dataclass.

    Use as ``field(default_factory=..., metadata=table_metadata(...))``.

    Parameters
    ----------
    doc : str
        One-line meaning of the table.
    section_type : type, optional
        A section dataclass: the table's keys are declared on it with
        :func:`spec` (or further nested tables) and parsed by
        :func:`parse_section`.
    parse : callable, optional
        Parser of a free-form table (see :class:`TableSpec`); exactly one of
        ``section_type`` and ``parse`` is given.

    Returns
    -------
    dict
    """
    if (section_type is None) == (parse is None):
        raise TypeError("give exactly one of section_type and parse")  # pragma: no cover
    if section_type is not None:
        nested: type = section_type

        def parse_nested(value: Any, path: str) -> tuple[Any, list[Problem]]:
            return parse_section(nested, value, path)

        return {"table": TableSpec(parse_nested, doc, section_type)}
    assert parse is not None
    return {"table": TableSpec(parse, doc)}


def field_specs(section_type: type) -> dict[str, FieldSpec]:
    """The :class:`FieldSpec` of every key of a section dataclass, in order (nested tables excluded)."""
    return {f.name: f.metadata["spec"] for f in dataclasses.fields(section_type) if "spec" in f.metadata}


def table_specs(section_type: type) -> dict[str, TableSpec]:
    """The :class:`TableSpec` of every nested table of a section dataclass, in order."""
    return {f.name: f.metadata["table"] for f in dataclasses.fields(section_type) if "table" in f.metadata}


def _declared_keys(section_type: type, path: str) -> Iterator[tuple[str, FieldSpec]]:
    """Every declared key of a section type and of its nested section types, depth first."""
    for name, key_spec in field_specs(section_type).items():
        yield f"{path}.{name}", key_spec
    for name, table in table_specs(section_type).items():
        if table.section_type is not None:
            yield from _declared_keys(table.section_type, f"{path}.{name}")


@functools.cache
def _key_table() -> Mapping[str, FieldSpec]:
    """Dotted path -> :class:`FieldSpec` of every declared key (built once; see :func:`key_specs`)."""
    from frontiersim.scenario.schema import POLICY_KINDS, section_types  # noqa: PLC0415 - schema imports this module

    policy_types = set(POLICY_KINDS.values())
    table: dict[str, FieldSpec] = {}
    for name, section_type in section_types().items():
        if section_type in policy_types:
            continue
        for path, key_spec in _declared_keys(section_type, name):
            table.setdefault(path, key_spec)
    for section_type in POLICY_KINDS.values():
        for path, key_spec in _declared_keys(section_type, "policy"):
            table.setdefault(path, key_spec)
    return MappingProxyType(table)


def _with_extra_sections(extra_sections: Mapping[str, type] | None) -> Mapping[str, FieldSpec]:
    """The built-in key table, with the keys of components' own sections after it."""
    table = _key_table()
    if not extra_sections:
        return table
    reserved = {*(path.split(".")[0] for path in table), "labs"}
    clashing = sorted(set(extra_sections) & reserved)
    if clashing:  # a programming error, as in parse_scenario
        raise ValueError(f"extra sections {clashing} clash with built-in sections")
    merged = dict(table)
    for name, section_type in extra_sections.items():
        merged.update(_declared_keys(section_type, name))
    return merged


def key_specs(extra_sections: Mapping[str, type] | None = None) -> dict[str, FieldSpec]:
    """The :class:`FieldSpec` of every declared scenario key, by dotted path.

    Paths are those of error messages and random streams:
    ``"demand.growth_per_year"``, ``"capability.segments.enterprise.gross_margin"``,
    ``"capability.milestones.<rung>"`` for each rung of the default ladder,
    and ``"policy.<key>"`` for the keys of every policy kind. A key that
    several policy kinds declare (``target_training_share``) appears once,
    with the spec of the first kind in
    :data:`~frontiersim.scenario.schema.POLICY_KINDS` that declares it (use
    :func:`field_spec` with ``policy_kind`` for another kind's).

    Parameters
    ----------
    extra_sections : mapping of str to type, optional
        Sections declared by model components outside the built-in schema,
        as given to :func:`~frontiersim.scenario.parse_scenario`
        (:func:`frontiersim.models.registry.extension_sections`); their keys
        follow the built-in ones.

    Returns
    -------
    dict of str to FieldSpec
        A new dict, in the order of
        :func:`~frontiersim.scenario.schema.section_types` and of declaration.

    Raises
    ------
    ValueError
        If an extra section has the name of a built-in one.

    Examples
    --------
    >>> from frontiersim.scenario import key_specs
    >>> key_specs()["compute.initial_capacity_gw"].unit
    'GW'
    """
    return dict(_with_extra_sections(extra_sections))


def field_spec(
    path: str, *, policy_kind: str | None = None, extra_sections: Mapping[str, type] | None = None
) -> FieldSpec:
    """The :class:`FieldSpec` of the scenario key at a dotted path.

    Parameters
    ----------
    path : str
        A path of :func:`key_specs`, such as ``"policy.hedge_factor"``. Also
        accepted: ``"labs.NAME.<section>.<key>"`` for the sections a lab may
        override (the spec of ``"<section>.<key>"``), and
        ``"capability.milestones.NAME"`` for a rung of a scenario's own ladder
        that is not a default rung (the milestone spec, labelled by its name).
    policy_kind : str, optional
        For a ``"policy.<key>"`` path, the policy kind whose key it is
        (``"growth_hedge"``, ``"fixed_schedule"``, ``"quantile"``); by
        default, the first kind that declares the key.
    extra_sections : mapping of str to type, optional
        Sections declared by model components, as for :func:`key_specs`.

    Returns
    -------
    FieldSpec

    Raises
    ------
    KeyError
        If no key is declared at ``path`` (or ``policy_kind`` is unknown or
        has no such key); the message lists the keys of the nearest section.
    ValueError
        If an extra section has the name of a built-in one.

    Examples
    --------
    >>> from frontiersim.scenario import field_spec
    >>> spec = field_spec("policy.hedge_factor")
    >>> spec.unit, spec.label, spec.typical
    ('x', 'hedge factor', (0.0, 2.0))
    """
    from frontiersim.scenario.schema import LAB_SECTIONS, POLICY_KINDS  # noqa: PLC0415 - schema imports this module

    parts = path.split(".")
    if len(parts) >= 4 and parts[0] == "labs" and parts[2] in LAB_SECTIONS:
        path = ".".join(parts[2:])
    table = _with_extra_sections(extra_sections)
    if policy_kind is not None and path.startswith("policy."):
        if policy_kind not in POLICY_KINDS:
            raise KeyError(f"unknown policy kind {policy_kind!r}; the kinds are {', '.join(POLICY_KINDS)}")
        kind_specs = field_specs(POLICY_KINDS[policy_kind])
        key = path.removeprefix("policy.")
        if key not in kind_specs:
            raise KeyError(
                f"policy kind {policy_kind!r} has no key {key!r} (its keys: {', '.join(kind_specs) or 'none'})"
            )
        return kind_specs[key]
    if path in table:
        return table[path]
    milestones = "capability.milestones."
    if path.startswith(milestones) and len(path) > len(milestones):
        rung = next(spec for key, spec in table.items() if key.startswith(milestones))
        name = path.removeprefix(milestones)
        own = Setting("the scenario's own milestone ladder")
        return dataclasses.replace(rung, source=own.render(), reference=own, label=name.replace("_", " "))
    raise KeyError(_unknown_key_message(path, table))


def _unknown_key_message(path: str, table: Mapping[str, FieldSpec]) -> str:
    """Why ``path`` names no key: the keys and tables of its nearest section, or the sections."""
    parts = path.split(".")
    for depth in range(len(parts) - 1, 0, -1):
        section = ".".join(parts[:depth])
        children = dict.fromkeys(
            key.removeprefix(section + ".").split(".")[0] for key in table if key.startswith(section + ".")
        )
        if children:
            return f"no scenario key {path!r}; the keys of [{section}] are: {', '.join(children)}"
    sections = dict.fromkeys(key.split(".")[0] for key in table)
    return (
        f"no scenario key {path!r}: a key path is 'section.key', such as 'demand.growth_per_year', "
        f"with a section among: {', '.join(sections)}"
    )


def walk_keys(section_type: type, section: Any, path: str) -> Iterator[tuple[str, FieldSpec, Any]]:
    """Every declared key of a section and of its nested sections, depth first.

    Parameters
    ----------
    section_type : type
        A section dataclass.
    section : Any
        An instance of it.
    path : str
        Dotted path of the section, e.g. ``"capability"``.

    Yields
    ------
    path : str
        Dotted key path, e.g. ``"capability.segments.enterprise.gross_margin"``.
    spec : FieldSpec
    value : Any
        The key's value in ``section``.
    """
    for name, key_spec in field_specs(section_type).items():
        yield f"{path}.{name}", key_spec, getattr(section, name)
    for name, table in table_specs(section_type).items():
        if table.section_type is not None:
            yield from walk_keys(table.section_type, getattr(section, name), f"{path}.{name}")


def parse_section(
    section_type: type, table: Any, path: str, *, required: tuple[str, ...] = ()
) -> tuple[Any, list[Problem]]:
    """Validate one TOML table into an instance of ``section_type``.

    Unknown keys, wrong types, out-of-range values and missing required keys
    are all reported, one :class:`Problem` each.
    """
    if not isinstance(table, Mapping):
        return None, [bad_value(path, table, "a table")]
    specs = field_specs(section_type)
    tables = table_specs(section_type)
    known = [*specs, *tables]
    problems: list[Problem] = []
    for key in table:
        if key not in known:
            problems.append(
                bad_value(
                    f"{path}.{key}",
                    table[key],
                    f"no such key in [{path}]{did_you_mean(key, known)} (known keys: {', '.join(known)})",
                )
            )
    values: dict[str, Any] = {}
    for name, table_spec in tables.items():
        if name in table:
            value, found = table_spec.parse(table[name], f"{path}.{name}")
            problems += found
            if not found:
                values[name] = value
    for name, key_spec in specs.items():
        if name not in table:
            if name in required:
                problems.append(Problem(f"{path}.{name}", f"missing; expected {key_spec._expected()}"))
            continue
        value, found = key_spec.parse(table[name], f"{path}.{name}")
        problems += found
        if not found:
            values[name] = value
    if problems:
        return None, problems
    return section_type(**values), []
