"""Reading scenario files: TOML in, a frozen :class:`Scenario` or every problem out."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from frontiersim.scenario.errors import Problem, ScenarioError, bad_value
from frontiersim.scenario.fields import parse_section
from frontiersim.scenario.schema import POLICY_KINDS, SECTIONS, Scenario

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_scenario(data: Mapping[str, Any], source: str = "<scenario>", source_text: str = "") -> Scenario:
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

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        With one :class:`Problem` per offending key.
    """
    problems: list[Problem] = []
    sections: dict[str, Any] = {}
    known = [*SECTIONS, "policy"]
    for key in data:
        if key not in known:
            problems.append(bad_value(key, data[key], f"a known section ({', '.join(known)})"))
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
    if problems:
        raise ScenarioError(problems, source)
    scenario = Scenario(**sections, source_text=source_text)
    problems = _cross_checks(scenario, data)
    if problems:
        raise ScenarioError(problems, source)
    return scenario


def _parse_policy(table: Any) -> tuple[Any, list[Problem]]:
    if not isinstance(table, Mapping):
        return None, [bad_value("policy", table, "a table")]
    kind = table.get("kind", "growth_hedge")
    if kind not in POLICY_KINDS:
        return None, [bad_value("policy.kind", kind, f"one of {', '.join(repr(k) for k in POLICY_KINDS)}")]
    rest = {k: v for k, v in table.items() if k != "kind"}
    required = ("commitments_gw",) if kind == "fixed_schedule" else ()
    return parse_section(POLICY_KINDS[kind], rest, "policy", required=required)


def _cross_checks(scenario: Scenario, data: Mapping[str, Any]) -> list[Problem]:
    """Checks that involve more than one key."""
    problems: list[Problem] = []
    meta, demand = scenario.meta, scenario.demand
    if not _MONTH.match(meta.start):
        problems.append(bad_value("scenario.start", meta.start, "a month written YYYY-MM, e.g. '2026-01'"))
    demand_table = data.get("demand", {})
    if demand.kind == "path":
        if len(demand.path_usd_per_year) < meta.horizon_years:
            problems.append(
                bad_value(
                    "demand.path_usd_per_year",
                    list(demand.path_usd_per_year),
                    f"at least {meta.horizon_years} yearly levels (one per simulated year) when kind = 'path'",
                )
            )
        for key in ("initial_usd_per_year", "growth_per_year", "growth_persistence_per_year"):
            if key in demand_table:
                problems.append(bad_value(f"demand.{key}", demand_table[key], "no value: unused when kind = 'path'"))
    elif demand.path_usd_per_year:
        problems.append(
            bad_value("demand.path_usd_per_year", list(demand.path_usd_per_year), "no value unless kind = 'path'")
        )
    horizon = scenario.horizon_months
    late = [m for m in scenario.compute.decision_months if m >= horizon]
    if late:
        problems.append(
            bad_value("compute.decision_months", list(scenario.compute.decision_months), f"months below {horizon}")
        )
    policy_table = data.get("policy", {})
    if isinstance(policy_table, Mapping) and ("belief_growth_p5" in policy_table) != (
        "belief_growth_p95" in policy_table
    ):
        problems.append(Problem("policy.belief_growth_p5", "give both belief_growth_p5 and belief_growth_p95, or neither"))
    policy = scenario.policy
    if (
        hasattr(policy, "belief_growth_p5")
        and policy.belief_growth_p5 > 0
        and policy.belief_growth_p5 >= policy.belief_growth_p95
    ):
        problems.append(
            bad_value("policy.belief_growth_p5", policy.belief_growth_p5, f"a value below belief_growth_p95 = "
                      f"{policy.belief_growth_p95}")
        )
    return problems


def parse_scenario_text(text: str, source: str = "<string>") -> Scenario:
    """Validate a scenario written as TOML text.

    Raises
    ------
    ScenarioError
        If the text is not valid TOML or the scenario is invalid.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([Problem("", f"not valid TOML: {error}")], source) from None
    return parse_scenario(data, source, source_text=text)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        A TOML file.

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
    except UnicodeDecodeError:
        raise ScenarioError([Problem("", "not UTF-8 text; a scenario is a TOML file")], str(path)) from None
    return parse_scenario_text(text, str(path))


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
