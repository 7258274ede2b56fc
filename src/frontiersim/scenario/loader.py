"""Reading scenario files: TOML in, a frozen :class:`Scenario` or every problem out."""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from frontiersim.scenario.correlations import SECTION as CORRELATIONS
from frontiersim.scenario.correlations import parse_correlations
from frontiersim.scenario.distributions import Fixed, as_distribution, open_below, to_toml_value
from frontiersim.scenario.errors import Problem, ScenarioError, bad_value, did_you_mean
from frontiersim.scenario.fields import field_specs, key_specs, parse_section, walk_keys
from frontiersim.scenario.schema import (
    CAPABILITY_BELIEF_NEEDED,
    LAB_SECTIONS,
    MAX_LABS,
    MONTH_PATTERN,
    POLICY_KINDS,
    SECTIONS,
    ComputeSpec,
    ConsumerSegmentSpec,
    DemandSpec,
    EnterpriseSegmentSpec,
    LabOverrides,
    MarketSpec,
    OperationsSpec,
    QuantilePolicySpec,
    Scenario,
    ScenarioMeta,
)

#: What a gross margin key expects when capability drives demand (shared ``[operations]`` or a lab's).
_SEGMENT_MARGIN = (
    "no value when demand.kind = 'capability': the margin is the revenue-weighted margin of "
    "[capability.segments.*] gross_margin"
)


def parse_scenario(
    data: Mapping[str, Any],
    source: str = "<scenario>",
    source_text: str = "",
    *,
    extra_sections: Mapping[str, type] | None = None,
) -> Scenario:
    """Validate a scenario given as nested mappings (as read from TOML).

    Parameters
    ----------
    data : Mapping
        Top-level tables ``scenario``, ``simulation``, ``demand``,
        ``compute``, ``operations``, ``models``, ``finance`` and ``policy``.
        Every table but ``[scenario]`` may be omitted; omitted keys take the
        documented defaults (``frontiersim defaults``).
    source : str
        Name used in error messages.
    source_text : str
        The original text, kept for provenance.
    extra_sections : mapping of str to type, optional
        Sections declared by model components outside the built-in schema
        (:attr:`frontiersim.models.components.base.Component.section`), each
        a dataclass of :func:`~frontiersim.scenario.fields.spec` fields. A
        section the file leaves out takes its defaults.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        With one :class:`Problem` per offending key. Checks that involve
        several keys run on every key that is valid on its own, so one pass
        reports every problem.
    """
    nesting = _nesting_problems(data)
    if nesting:
        raise ScenarioError(nesting, source)
    problems: list[Problem] = []
    sections: dict[str, Any] = {}
    extra = dict(extra_sections or {})
    clashing = sorted(set(extra) & {*SECTIONS, "policy", "labs", CORRELATIONS})
    if clashing:
        raise ValueError(f"extra sections {clashing} clash with built-in sections")  # a programming error
    known = [*SECTIONS, "policy", "labs", CORRELATIONS, *extra]
    for key in data:
        if key not in known:
            problems.append(
                bad_value(key, data[key], f"a known section{did_you_mean(key, known)} ({', '.join(known)})")
            )
    if "scenario" not in data:
        problems.append(Problem("scenario", "missing; expected a [scenario] table with at least name = '...'"))
    for name, (attribute, section_type) in SECTIONS.items():
        if name not in data:
            continue
        required = ("name",) if name == "scenario" else ()
        section, found = parse_section(section_type, data[name], name, required=required)
        problems += found
        if section is not None:
            sections[attribute] = section
    if "policy" in data:
        policy, found = _parse_policy(data["policy"])
        problems += found
        if policy is not None:
            sections["policy"] = policy
    if "labs" in data:
        labs, found = _parse_labs(data["labs"], data.get("policy", {}))
        problems += found
        sections["lab_overrides"] = labs
        problems += _lab_policy_checks(data)
    extensions, found = _parse_extensions(data, extra)
    problems += found
    sections["extensions"] = extensions
    problems += _cross_checks(data)
    sections["correlations"], found = _parse_correlations(data, extra)
    problems += found
    if problems:
        raise ScenarioError(problems, source)
    return Scenario(**sections, source_text=source_text)


def _parse_extensions(
    data: Mapping[str, Any], extra: Mapping[str, type]
) -> tuple[tuple[tuple[str, Any], ...], list[Problem]]:
    """Validate the sections of components outside the built-in schema (defaults where absent)."""
    problems: list[Problem] = []
    extensions: list[tuple[str, Any]] = []
    for name, section_type in extra.items():
        section, found = parse_section(section_type, data.get(name, {}), name)
        problems += found
        if section is not None:
            extensions.append((name, section))
    return tuple(extensions), problems


def _parse_correlations(
    data: Mapping[str, Any], extra: Mapping[str, type]
) -> tuple[tuple[tuple[str, str, float], ...], list[Problem]]:
    """Validate ``[correlations]`` against the scenario's uncertain keys (values as in the file, else defaults)."""
    if CORRELATIONS not in data:
        return (), []
    specs = key_specs(extra)
    defaults: dict[str, Any] = {}
    for name, section_type in [*((n, t) for n, (_, t) in SECTIONS.items()), *extra.items()]:
        defaults.update((path, value) for path, _, value in walk_keys(section_type, section_type(), name))

    def value_of(path: str) -> Any:
        raw: Any = data
        for part in path.split("."):
            if not isinstance(raw, Mapping) or part not in raw:
                return defaults.get(path)
            raw = raw[part]
        value, found = specs[path].parse(raw, path)
        return None if found else value

    uncertain = [path for path, key_spec in specs.items() if key_spec.kind == "dist" and not path.startswith("policy.")]
    return parse_correlations(
        data[CORRELATIONS],
        uncertain,
        value_of,
        lambda value: isinstance(value, Fixed),
        describe=lambda value: value.describe(),
    )


_LAB_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

#: Keys of a ``[labs.NAME]`` table besides its section tables.
_LAB_KEYS = ("market_share",)

#: Section name -> section dataclass, for the sections a lab may override.
_LAB_SECTION_TYPES: dict[str, type] = {name: SECTIONS[name][1] for name in LAB_SECTIONS if name != "policy"}


def _parse_labs(table: Any, shared_policy: Any) -> tuple[tuple[LabOverrides, ...], list[Problem]]:
    """Validate ``[labs.NAME]`` tables: each a market share and overrides of the lab sections.

    Only the keys a lab sets are kept; the rest come from the shared sections
    when the scenario resolves its labs (:attr:`Scenario.labs`).
    """
    if not isinstance(table, Mapping):
        return (), [bad_value("labs", table, "a table of labs, [labs.NAME], each a table")]
    if not table:
        return (), [bad_value("labs", table, "at least one [labs.NAME] table (or no [labs] table: one lab)")]
    problems: list[Problem] = []
    if len(table) > MAX_LABS:
        problems.append(bad_value("labs", f"{len(table)} labs", f"at most {MAX_LABS} labs"))
    labs: list[LabOverrides] = []
    for name, lab_table in table.items():
        lab, found = _parse_lab(name, lab_table, shared_policy)
        problems += found
        if lab is not None:
            labs.append(lab)
    return tuple(labs), problems + _market_share_checks(labs)


def _parse_lab(name: str, table: Any, shared_policy: Any) -> tuple[LabOverrides | None, list[Problem]]:
    """Validate one ``[labs.NAME]`` table."""
    path = f"labs.{name}"
    if not _LAB_NAME.match(name):
        return None, [
            bad_value(path, name, "a lab name: a lowercase letter, then up to 39 lowercase letters, digits or _")
        ]
    if not isinstance(table, Mapping):
        return None, [bad_value(path, table, "a table")]
    problems: list[Problem] = []
    known = [*_LAB_KEYS, *LAB_SECTIONS]
    problems += [
        bad_value(f"{path}.{key}", table[key], f"a lab key or section ({', '.join(known)})")
        for key in table
        if key not in known
    ]
    share = table.get("market_share", 0.0)
    if "market_share" in table and not (
        isinstance(share, int | float) and not isinstance(share, bool) and 0.0 < share <= 1.0
    ):
        problems.append(bad_value(f"{path}.market_share", share, "a number in (0, 1]"))
        share = 0.0
    sections: list[tuple[str, tuple[tuple[str, Any], ...]]] = []
    for section, section_type in _LAB_SECTION_TYPES.items():
        if section in table:
            parsed, found = parse_section(section_type, table[section], f"{path}.{section}")
            problems += found
            if parsed is not None:
                sections.append((section, tuple((key, getattr(parsed, key)) for key in table[section])))
    policy = None
    policy_table = table.get("policy")
    if isinstance(policy_table, Mapping) and "kind" not in policy_table:
        # keys on top of the shared policy, checked against the shared policy's kind
        shared_type = _policy_type(shared_policy if isinstance(shared_policy, Mapping) else {})
        if shared_type is not None:
            parsed, found = parse_section(shared_type, policy_table, f"{path}.policy")
            problems += found
            if parsed is not None:
                sections.append(("policy", tuple((key, getattr(parsed, key)) for key in policy_table)))
    elif "policy" in table:
        policy, found = _parse_policy(policy_table, f"{path}.policy")
        problems += found
    return LabOverrides(name, float(share), tuple(sections), policy), problems


def _market_share_checks(labs: list[LabOverrides]) -> list[Problem]:
    """Given shares add up to 1 when every lab has one, and leave a part for the others otherwise."""
    given = [lab.market_share for lab in labs if lab.market_share > 0]
    shares = [round(x, 12) for x in given]
    if labs and len(given) == len(labs) and abs(sum(given) - 1.0) > 1e-9:
        return [bad_value("labs.*.market_share", shares, "shares that add up to 1 when every lab has one")]
    if given and sum(given) >= 1.0 - 1e-12 and len(given) < len(labs):
        return [
            bad_value("labs.*.market_share", shares, "shares below 1 in all, leaving a part for the labs without one")
        ]
    return []


def _policy_type(table: Mapping[str, Any]) -> type | None:
    """The policy dataclass named by ``[policy] kind``, or None if the kind is invalid."""
    kind = table.get("kind", "growth_hedge")
    return POLICY_KINDS.get(kind) if isinstance(kind, str) else None


def _parse_policy(table: Any, path: str = "policy") -> tuple[Any, list[Problem]]:
    """Validate a ``[policy]`` table (at ``path``), whose keys depend on its ``kind``."""
    if not isinstance(table, Mapping):
        return None, [bad_value(path, table, "a table")]
    policy_type = _policy_type(table)
    if policy_type is None:
        kinds = ", ".join(repr(k) for k in POLICY_KINDS)
        return None, [bad_value(f"{path}.kind", table.get("kind"), f"one of {kinds}")]
    kind = table.get("kind", "growth_hedge")
    rest = {k: v for k, v in table.items() if k != "kind"}
    required = ("commitments_gw",) if kind == "fixed_schedule" else ()
    return parse_section(policy_type, rest, path, required=required)


def _valid(data: Mapping[str, Any], section: str, key: str, section_type: type) -> Any:
    """The value of ``section.key`` if it is valid on its own (its default if absent), else None.

    Cross-checks use this so that they run, and report, even when other keys
    of the scenario have problems, without repeating a key's own problem.
    """
    table = data.get(section, {})
    if not isinstance(table, Mapping):
        return None
    if key not in table:
        return getattr(section_type(), key)
    value, problems = field_specs(section_type)[key].parse(table[key], f"{section}.{key}")
    return None if problems else value


def _cross_checks(data: Mapping[str, Any]) -> list[Problem]:
    """Checks that involve more than one key, or more than a key's type and bounds."""
    problems: list[Problem] = []
    for key, allowed in (("name", ""), ("description", "\n\t")):
        text = _valid(data, "scenario", key, ScenarioMeta)
        if isinstance(text, str) and control_characters(text, allowed):
            problems.append(
                bad_value(
                    f"scenario.{key}",
                    text,
                    "text without control characters"
                    + (" (other than new lines and tabs)" if allowed else "")
                    + f"; found {', '.join(control_characters(text, allowed))}",
                )
            )
    start = _valid(data, "scenario", "start", ScenarioMeta)
    if start is not None and not MONTH_PATTERN.match(start):
        problems.append(bad_value("scenario.start", start, "a month written YYYY-MM, e.g. '2026-01'"))
    horizon_years = _valid(data, "scenario", "horizon_years", ScenarioMeta)
    problems += _demand_checks(data, horizon_years)
    problems += _decision_months_checks(
        _valid(data, "compute", "decision_months", ComputeSpec), horizon_years, "compute.decision_months"
    )
    if (
        _valid(data, "market", "share_rule", MarketSpec) == "capability"
        and _valid(data, "demand", "kind", DemandSpec) != "capability"
    ):
        problems.append(
            bad_value(
                "market.share_rule",
                "capability",
                "'fixed' unless demand.kind = 'capability' (the rule weighs labs by their capability index)",
            )
        )
    policy_table = data.get("policy", {})
    if isinstance(policy_table, Mapping) and _policy_type(policy_table) is QuantilePolicySpec:
        problems += _quantile_policy_checks(policy_table)
        if _valid(data, "demand", "kind", DemandSpec) == "capability":
            problems += _capability_belief_checks(policy_table, "policy")
    return problems


def _capability_belief_checks(table: Mapping[str, Any], path: str) -> list[Problem]:
    """A quantile policy under capability demand states a growth belief above 0 (there is no other to use)."""
    if not any(key in table for key in ("belief_growth_p5", "belief_growth_p95")):
        return [Problem(f"{path}.belief_growth_p5", f"missing; expected {CAPABILITY_BELIEF_NEEDED}")]
    p5 = _valid({"policy": table}, "policy", "belief_growth_p5", QuantilePolicySpec)
    if p5 == 0 and "belief_growth_p5" in table:
        return [
            bad_value(
                f"{path}.belief_growth_p5", table["belief_growth_p5"], f"a number > 0: {CAPABILITY_BELIEF_NEEDED}"
            )
        ]
    return []


def _demand_checks(data: Mapping[str, Any], horizon_years: int | None) -> list[Problem]:
    """``[demand]``: a path long enough for the horizon, and no keys the demand kind ignores."""
    problems: list[Problem] = []
    kind = _valid(data, "demand", "kind", DemandSpec)
    path = _valid(data, "demand", "path_usd_per_year", DemandSpec)
    demand_table = data.get("demand", {})
    if kind == "path":
        if path is not None and horizon_years is not None and len(path) < horizon_years:
            problems.append(
                bad_value(
                    "demand.path_usd_per_year",
                    [to_toml_value(as_distribution(year)) for year in path],
                    f"at least {horizon_years} yearly levels (one per simulated year) when kind = 'path'",
                )
            )
        if isinstance(demand_table, Mapping):
            # a key that already has a problem of its own is not reported twice
            problems += [
                bad_value(f"demand.{key}", demand_table[key], "no value: unused when kind = 'path'")
                for key in ("initial_usd_per_year", "growth_per_year", "growth_persistence_per_year")
                if key in demand_table and _valid(data, "demand", key, DemandSpec) is not None
            ]
    elif kind is not None and isinstance(demand_table, Mapping):
        problems += [
            bad_value(f"demand.{key}", demand_table[key], "no value unless kind = 'path'")
            for key in ("path_usd_per_year", "path_correlation")
            if key in demand_table and demand_table[key] not in ([], 0, 0.0)
        ]
    if kind == "capability" and isinstance(demand_table, Mapping):
        problems += [
            bad_value(f"demand.{key}", demand_table[key], f"no value: unused when kind = 'capability'{why}")
            for key, why in (
                ("growth_per_year", ""),
                ("growth_persistence_per_year", ""),
                ("delay_months", ""),
                ("volatility_per_sqrt_year", " (each segment has its own, [capability.segments.*])"),
            )
            if key in demand_table and _valid(data, "demand", key, DemandSpec) is not None
        ]
    operations_table = data.get("operations", {})
    if (
        kind == "capability"
        and isinstance(operations_table, Mapping)
        and "gross_margin" in operations_table
        and _valid(data, "operations", "gross_margin", OperationsSpec) is not None
    ):
        problems.append(
            bad_value(
                "operations.gross_margin",
                operations_table["gross_margin"],
                _SEGMENT_MARGIN,
            )
        )
    if kind != "capability" and "capability" in data:
        problems.append(Problem("capability", "a [capability] table is used only when demand.kind = 'capability'"))
    if kind == "capability":
        problems += _segment_share_checks(data)
        initial = _valid(data, "demand", "initial_usd_per_year", DemandSpec)
        positive = initial is not None and (initial.support[0] > 0 or (initial.support[0] == 0 and open_below(initial)))
        if initial is not None and not positive and isinstance(demand_table, Mapping):
            problems.append(
                bad_value(
                    "demand.initial_usd_per_year",
                    demand_table.get("initial_usd_per_year"),
                    "values > 0 when kind = 'capability' (deployed demand diffuses from its starting level; "
                    "choose a positive number or a distribution on (0, inf))",
                )
            )
    return problems


def _segment_share_checks(data: Mapping[str, Any]) -> list[Problem]:
    """``[capability.segments.*] value_share`` add up to 1 (checked when every share is valid on its own)."""
    capability = data.get("capability", {})
    segments = capability.get("segments", {}) if isinstance(capability, Mapping) else {}
    if not isinstance(segments, Mapping):
        return []
    shares: dict[str, float] = {}
    for name, segment_type in (("enterprise", EnterpriseSegmentSpec), ("consumer", ConsumerSegmentSpec)):
        table = segments.get(name, {})
        if not isinstance(table, Mapping):
            return []
        share = _valid({"segment": table}, "segment", "value_share", segment_type)
        if share is None:
            return []
        shares[name] = share
    total = sum(shares.values())
    if abs(total - 1.0) <= 1e-9:
        return []
    given = [name for name in shares if isinstance(segments.get(name), Mapping) and "value_share" in segments[name]]
    path = f"capability.segments.{given[-1]}.value_share" if given else "capability.segments"
    parts = " + ".join(f"{name} {share:g}" for name, share in shares.items())
    return [
        Problem(
            path,
            f"value shares add up to {total:g} ({parts}); expected shares that add up to 1 "
            "(every segment's share of the addressable value)",
        )
    ]


def _lab_policy_checks(data: Mapping[str, Any]) -> list[Problem]:
    """A lab's keys pass the same cross-checks as the shared ones, on the lab's resolved tables.

    Its decision months within the horizon, and no interval setting that the
    shared ``compute.decision_months`` would silently override; no gross
    margin of its own when capability drives demand (the margin is the
    segments'); its quantile policy, its own or the shared one with the lab's
    keys on top, checked like the shared ``[policy]``.
    """
    labs = data.get("labs")
    if not isinstance(labs, Mapping):
        return []
    capability = _valid(data, "demand", "kind", DemandSpec) == "capability"
    horizon_years = _valid(data, "scenario", "horizon_years", ScenarioMeta)
    shared_months = _valid(data, "compute", "decision_months", ComputeSpec)
    shared_policy = data.get("policy", {})
    problems: list[Problem] = []
    for name, lab in labs.items():
        if not isinstance(lab, Mapping):
            continue
        problems += _lab_compute_checks(name, lab.get("compute", {}), shared_months, horizon_years)
        operations = lab.get("operations", {})
        if capability and isinstance(operations, Mapping) and "gross_margin" in operations:
            problems.append(
                bad_value(
                    f"labs.{name}.operations.gross_margin",
                    operations["gross_margin"],
                    _SEGMENT_MARGIN,
                )
            )
        problems += _lab_quantile_checks(name, lab.get("policy"), shared_policy, capability)
    return problems


def _decision_months_checks(months: tuple[int, ...] | None, horizon_years: int | None, path: str) -> list[Problem]:
    """Explicit decision months (shared or a lab's) lie within the horizon."""
    if horizon_years is None or not months or all(m < 12 * horizon_years for m in months):
        return []
    expected = f"months below {12 * horizon_years} (the horizon is {horizon_years} years)"
    return [bad_value(path, list(months), expected)]


def _lab_compute_checks(
    name: str, compute: Any, shared_months: tuple[int, ...] | None, horizon_years: int | None
) -> list[Problem]:
    """A lab's decision months lie within the horizon, and its interval settings are not overridden unseen."""
    if not isinstance(compute, Mapping):
        return []  # reported by the lab's own parse
    problems: list[Problem] = []
    path = f"labs.{name}.compute"
    months = (
        _valid({"compute": compute}, "compute", "decision_months", ComputeSpec)
        if "decision_months" in compute
        else None
    )
    problems += _decision_months_checks(months, horizon_years, f"{path}.decision_months")
    if shared_months and "decision_months" not in compute:
        for key in ("decision_interval_months", "first_decision_month"):
            if key in compute:
                expected = (
                    f"no value while compute.decision_months = {list(shared_months)} applies to the lab (the months "
                    f"override the interval); set {path}.decision_months = [] to decide by the interval"
                )
                problems.append(bad_value(f"{path}.{key}", compute[key], expected))
    return problems


def _lab_quantile_checks(name: str, table: Any, shared: Any, capability: bool) -> list[Problem]:
    """The quantile policy a lab resolves to passes the shared ``[policy]``'s checks."""
    if not isinstance(table, Mapping):
        return []
    if "kind" in table:
        resolved: Mapping[str, Any] = table
    elif isinstance(shared, Mapping):
        resolved = {**shared, **table}  # the lab's keys on top of the shared policy
    else:
        return []
    if _policy_type(resolved) is not QuantilePolicySpec:
        return []
    path = f"labs.{name}.policy"
    problems = _quantile_policy_checks(resolved, path)
    if capability:
        problems += _capability_belief_checks(resolved, path)
    return problems


def _quantile_policy_checks(table: Mapping[str, Any], path: str = "policy") -> list[Problem]:
    """``[policy] kind = "quantile"``: the buyer's growth belief is both percentiles or neither."""
    problems: list[Problem] = []
    given = [key for key in ("belief_growth_p5", "belief_growth_p95") if key in table]
    if len(given) == 1:
        (present,) = given
        absent = "belief_growth_p95" if present == "belief_growth_p5" else "belief_growth_p5"
        problems.append(
            Problem(
                f"{path}.{absent}",
                f"missing; expected a number > 0 since {present} = {table[present]!r} is given (give both or neither)",
            )
        )
    data = {"policy": table}
    p5 = _valid(data, "policy", "belief_growth_p5", QuantilePolicySpec)
    p95 = _valid(data, "policy", "belief_growth_p95", QuantilePolicySpec)
    if len(given) == 2 and p5 is not None and p95 is not None:
        if p5 == 0 < p95:
            expected = (
                f"a value in (0, {p95:g}); 0 means the scenario's demand growth, "
                f"which would ignore belief_growth_p95 = {p95:g}"
            )
            problems.append(bad_value(f"{path}.belief_growth_p5", table["belief_growth_p5"], expected))
        elif p5 > 0 and p5 >= p95:
            expected = f"a value below belief_growth_p95 = {p95:g}"
            problems.append(bad_value(f"{path}.belief_growth_p5", table["belief_growth_p5"], expected))
    volatility = _valid(data, "policy", "belief_volatility_per_sqrt_year", QuantilePolicySpec)
    if volatility is not None and -1 < volatility < 0:
        problems.append(
            bad_value(
                f"{path}.belief_volatility_per_sqrt_year",
                table["belief_volatility_per_sqrt_year"],
                "a number >= 0, or -1 to use the scenario's median volatility",
            )
        )
    return problems


def parse_scenario_text(
    text: str, source: str = "<string>", *, extra_sections: Mapping[str, type] | None = None
) -> Scenario:
    """Validate a scenario written as TOML text (``extra_sections`` as in :func:`parse_scenario`).

    Raises
    ------
    ScenarioError
        If the text is not valid TOML or the scenario is invalid.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([Problem("", f"not valid TOML: {error}")], source) from None
    except RecursionError:
        # tomllib reads nested arrays and inline tables recursively; hundreds of levels exhaust the stack
        problem = Problem(
            "", f"arrays or tables nested too deeply to read; a scenario nests at most {MAX_NESTING} levels"
        )
        raise ScenarioError([problem], source) from None
    return parse_scenario(data, source, source_text=text, extra_sections=extra_sections)


def control_characters(text: str, allowed: str = "") -> list[str]:
    r"""The distinct control characters of ``text`` (Unicode category Cc) not in ``allowed``, as escapes.

    Examples
    --------
    >>> control_characters("a\x00b\x1b[31m")
    ['\\x00', '\\x1b']
    >>> control_characters("two\nlines", allowed="\n")
    []
    """
    found = dict.fromkeys(c for c in text if unicodedata.category(c) == "Cc" and c not in allowed)
    return [repr(c)[1:-1] for c in found]


#: Deepest nesting of tables and arrays a scenario may have (the schema needs 5: labs.NAME.compute.contracts[i]).
MAX_NESTING = 16


def _nesting_problems(value: Any, path: str = "", depth: int = 0) -> list[Problem]:
    """A problem for the first value nested deeper than :data:`MAX_NESTING` (checked without recursion limits)."""
    stack: list[tuple[Any, str, int]] = [(value, path, depth)]
    while stack:
        item, where, level = stack.pop()
        if level > MAX_NESTING:
            return [
                Problem(
                    where or "(top)",
                    f"nested more than {MAX_NESTING} levels deep; expected the tables and arrays of a scenario",
                )
            ]
        if isinstance(item, Mapping):
            stack.extend((child, f"{where}.{key}" if where else str(key), level + 1) for key, child in item.items())
        elif isinstance(item, list | tuple):
            stack.extend((child, f"{where}[{index}]", level + 1) for index, child in enumerate(item))
    return []


def load_scenario(path: str | Path, *, extra_sections: Mapping[str, type] | None = None) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        A TOML file.
    extra_sections : mapping of str to type, optional
        Sections of model components outside the built-in schema (see
        :func:`parse_scenario`).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        If the file cannot be read, is not valid TOML, or is invalid.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ScenarioError([Problem("", f"cannot read file: {error.strerror or error}")], str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        where = f"byte 0x{raw[error.start]:02x} at offset {error.start}"
        problem = Problem("", f"not UTF-8 text ({where}); expected a TOML file, which is UTF-8")
        raise ScenarioError([problem], str(path)) from None
    return parse_scenario_text(text, str(path), extra_sections=extra_sections)


def bundled_names() -> list[str]:
    """Names of the scenarios shipped with frontiersim."""
    folder = resources.files("frontiersim") / "scenarios"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def bundled_text(name: str) -> str:
    """TOML text of a shipped scenario."""
    if name not in bundled_names():
        raise KeyError(f"no bundled scenario {name!r}; known: {', '.join(bundled_names())}")
    return (resources.files("frontiersim") / "scenarios" / f"{name}.toml").read_text(encoding="utf-8")


def bundled(name: str = "default") -> Scenario:
    """Load a scenario shipped with frontiersim, e.g. ``"default"`` or ``"one_trillion_bet"``."""
    return parse_scenario_text(bundled_text(name), f"<bundled:{name}>")


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the scenario's source text (or of its repr if built in code)."""
    payload = scenario.source_text or repr(scenario)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
