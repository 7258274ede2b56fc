"""Fuzzing scenario input: every key at extreme values, random mutations, control characters and deep nesting.

Each case must end in one of two ways: a clear refusal (a :class:`ScenarioError`
listing problems, or a :class:`ModelRangeError` naming the likely cause), or a
run whose every output is finite. Nothing else: no other exception (which
the command line would print as a traceback), and no infinite or undefined
number in a run that succeeds. The cases are generated deterministically
(fixed seeds), so a failure is reproducible.
"""

from __future__ import annotations

import copy
import math
import random
import tomllib
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import frontiersim as fs
from frontiersim.cli.main import main
from frontiersim.models.registry import extension_sections
from frontiersim.results.tables import summary_table
from frontiersim.scenario import ScenarioError, parse_scenario, parse_scenario_text
from frontiersim.scenario.fields import FieldSpec, field_spec, key_specs
from frontiersim.scenario.loader import bundled_names, bundled_text
from frontiersim.scenario.schema import LAB_SECTIONS
from frontiersim.scenario.writer import scenario_to_toml

SCENARIOS = bundled_names()

#: The extreme values every numeric key is tried at.
EXTREME_NUMBERS: tuple[Any, ...] = (1e308, 5e-324, "1e300 to 1e308", "1e-300 to 1e-290", -1e308, 0.0)

#: Integers at the ends of TOML's 64-bit range, and past what a float holds exactly.
EXTREME_INTEGERS: tuple[Any, ...] = (2**63 - 1, -(2**63), 2**53 + 1, 1e308)

#: Characters that could break a file, a table or a terminal.
CONTROL_TEXTS = ("a\x00b", "red \x1b[31m text", "two\nlines", "del\x7f", "bell\x07", "cr\r")

#: Contract fields tried at extremes, with their own values.
CONTRACT_EXTREMES: dict[str, tuple[Any, ...]] = {
    "gw": (1e308, 5e-324, 1e4, -1.0),
    "term_months": (2**63 - 1, 600, 0),
    "cost_usd_per_gw_year": (1e308, 5e-324, 1e6, 1e14),
}

DRAWS = 8


def _put(mapping: dict[str, Any], path: str, value: Any) -> None:
    *parents, key = path.split(".")
    table = mapping
    for part in parents:
        table = table.setdefault(part, {})
    table[key] = value


def _applicable_keys(base: dict[str, Any]) -> Iterator[tuple[str, FieldSpec]]:
    """Every numeric key that a scenario like ``base`` can set: shared keys, its policy kind's, one lab's."""
    policy_kind = base.get("policy", {}).get("kind", "growth_hedge")
    shared: list[tuple[str, FieldSpec]] = []
    for path, declared in key_specs(extension_sections()).items():
        if declared.kind in ("str", "bool"):
            continue
        if path.startswith("policy."):
            try:
                shared.append((path, field_spec(path, policy_kind=policy_kind)))
            except KeyError:
                continue
        else:
            shared.append((path, declared))
    yield from shared
    labs = list(base.get("labs", {}))
    if labs:
        for path, spec in shared:
            if path.split(".")[0] in LAB_SECTIONS:
                yield f"labs.{labs[0]}.{path}", spec


def _values_for(spec: FieldSpec) -> list[Any]:
    """The extremes, the bounds and the ends of the model range, in the key's own type."""
    values: list[Any] = list(EXTREME_INTEGERS if spec.kind in ("int", "ints") else EXTREME_NUMBERS)
    for end in (spec.low, spec.high, *(spec.model_range or ())):
        if math.isfinite(end):
            values.append(int(end) if spec.kind in ("int", "ints") else float(end))
    if spec.kind in ("floats", "ints"):
        values = [[v] for v in values if not isinstance(v, str)]
    return values


def extreme_cases(name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(label, scenario mapping)`` for every key of a bundled scenario at every extreme value."""
    base = tomllib.loads(bundled_text(name))
    for path, spec in _applicable_keys(base):
        for value in _values_for(spec):
            mapping = copy.deepcopy(base)
            _put(mapping, path, value)
            yield f"{path} = {value!r}", mapping
    if base.get("compute", {}).get("contracts"):
        for key, values in CONTRACT_EXTREMES.items():
            for value in values:
                mapping = copy.deepcopy(base)
                mapping["compute"]["contracts"][0][key] = value
                yield f"compute.contracts[0].{key} = {value!r}", mapping
    for lab in base.get("labs", {}):
        for value in (5e-324, 1.0, 1e308, -0.0):
            mapping = copy.deepcopy(base)
            mapping["labs"][lab]["market_share"] = value
            yield f"labs.{lab}.market_share = {value!r}", mapping


def non_finite(result: fs.SimulationResult) -> list[str]:
    """Variables of the result, and columns of its summary, that hold an infinite or undefined number."""
    found = [
        str(name)
        for name, values in result.dataset.data_vars.items()
        if values.dtype.kind == "f" and not np.isfinite(values.values).all()
    ]
    summary = summary_table(result).select_dtypes("number")
    found += [f"summary.{column}" for column in summary.columns if not np.isfinite(summary[column]).all()]
    return found


def outcome(scenario: fs.Scenario) -> str | None:
    """None when a small run is finite or refused with a ModelRangeError; else what went wrong."""
    try:
        result = fs.simulate(scenario, draws=DRAWS, seed=1)
    except fs.ModelRangeError as error:
        return None if "the simulation left the range of finite numbers" in str(error) else f"unclear: {error}"
    except Exception as error:  # any other exception is what the fuzzing looks for
        return f"{type(error).__name__}: {error}"
    bad = non_finite(result)
    return f"non-finite outputs {bad}" if bad else None


def judge(label: str, mapping: dict[str, Any]) -> str | None:
    """What went wrong with one case (None: it was refused clearly, or it ran to finite numbers)."""
    try:
        scenario = parse_scenario(mapping, extra_sections=extension_sections())
    except ScenarioError as error:
        return None if error.problems else f"{label}: a ScenarioError without problems"
    except Exception as error:
        return f"{label}: validation raised {type(error).__name__}: {error}"
    problem = outcome(scenario)
    return None if problem is None else f"{label}: {problem}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_key_at_extreme_values_is_refused_or_runs_finite(name: str) -> None:
    cases = list(extreme_cases(name))
    assert len(cases) > 150  # every key, not a sample
    failures = [problem for label, mapping in cases if (problem := judge(label, mapping)) is not None]
    assert failures == [], f"{len(failures)} of {len(cases)} cases of {name}:\n" + "\n".join(failures[:20])


def test_the_acceptance_values_are_refused_at_validation() -> None:
    """The values that used to crash `run` and `optimize` are refused before any simulation, naming the key."""
    for path, value in [
        ("demand.growth_per_year", "1e300 to 1e308"),
        ("policy.hedge_factor", 1e308),
        ("compute.cost_usd_per_gw_year", 5e-324),
        ("compute.lead_time_months", 2**63 - 1),
    ]:
        mapping = tomllib.loads(bundled_text("default"))
        _put(mapping, path, value)
        with pytest.raises(ScenarioError) as error:
            parse_scenario(mapping)
        assert [problem.path for problem in error.value.problems] == [path]
        assert "the model's range" in str(error.value) or "[0, 600]" in str(error.value)


# ---------------------------------------------------------------------------
# Random mutations of the bundled files' text
# ---------------------------------------------------------------------------

_MUTANT_VALUES = (
    "1e308",
    "-1e308",
    "5e-324",
    "nan",
    "inf",
    "-inf",
    "9223372036854775807",
    '"1e300 to 1e308"',
    '"1e-300 to 1e-290"',
    "true",
    "[]",
    "{}",
    '""',
    '"x"',
    "0",
    "-1",
    '{ dist = "lognormal", p5 = 1e300, p95 = 1e308 }',
    '{ dist = "uniform", low = -1e308, high = 1e308 }',
    '{ dist = "choice", values = [1e308, 5e-324] }',
)


def _mutate(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    assignments = [k for k, line in enumerate(lines) if "=" in line and not line.lstrip().startswith("#")]
    operation = rng.randrange(7)
    if operation == 0 and assignments:  # replace a value
        k = rng.choice(assignments)
        key = lines[k].split("=", 1)[0]
        lines[k] = f"{key}= {rng.choice(_MUTANT_VALUES)}"
    elif operation == 1 and lines:  # delete a line
        del lines[rng.randrange(len(lines))]
    elif operation == 2 and lines:  # duplicate a line
        k = rng.randrange(len(lines))
        lines.insert(k, lines[k])
    elif operation == 3:  # cut the file short
        return text[: rng.randrange(len(text) + 1)]
    elif operation == 4:  # a random character somewhere
        position = rng.randrange(len(text) + 1)
        return text[:position] + chr(rng.choice([0, 7, 27, 34, 39, 61, 91, 93, 127, 0x202E])) + text[position:]
    elif operation == 5 and len(lines) > 1:  # swap two lines
        a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[a], lines[b] = lines[b], lines[a]
    elif assignments:  # a digit changed
        k = rng.choice(assignments)
        lines[k] = "".join(rng.choice("0123456789e-.") if c.isdigit() and rng.random() < 0.3 else c for c in lines[k])
    return "\n".join(lines) + "\n"


def mutants(name: str, count: int, seed: int) -> Iterator[str]:
    """``count`` mutated texts of a bundled scenario, each one to three mutations."""
    rng = random.Random(f"{name}-{seed}")
    text = bundled_text(name)
    for _ in range(count):
        mutated = text
        for _ in range(rng.randint(1, 3)):
            mutated = _mutate(mutated, rng)
        yield mutated


@pytest.mark.parametrize("name", SCENARIOS)
def test_random_mutations_are_refused_or_run_finite(name: str) -> None:
    count = 300 if name == "default" else 60
    failures = []
    valid = 0
    for k, text in enumerate(mutants(name, count, seed=0)):
        try:
            scenario = parse_scenario_text(text, f"mutant {k}", extra_sections=extension_sections())
        except ScenarioError as error:
            if not error.problems:
                failures.append(f"mutant {k}: a ScenarioError without problems")
            continue
        except Exception as error:
            failures.append(f"mutant {k}: validation raised {type(error).__name__}: {error}\n{text}")
            continue
        valid += 1
        problem = outcome(scenario)
        if problem is not None:
            failures.append(f"mutant {k}: {problem}\n{text}")
    assert failures == [], "\n".join(failures[:5])
    assert 0 < valid < count  # the mutations reach both outcomes


# ---------------------------------------------------------------------------
# Control characters in every string, and nesting
# ---------------------------------------------------------------------------


def _string_paths(base: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Where a string can go: every string key, a contract's name and source, a key name, a lab name."""
    for path, spec in key_specs(extension_sections()).items():
        if spec.kind == "str":
            yield path, None
    if base.get("compute", {}).get("contracts"):
        yield "compute.contracts[0].name", None
        yield "compute.contracts[0].source", None
    yield "<key name>", None
    yield "<lab name>", None


def _with_text(base: dict[str, Any], where: str, text: str) -> dict[str, Any]:
    mapping = copy.deepcopy(base)
    if where == "<key name>":
        mapping.setdefault("demand", {})[text] = 1.0
    elif where == "<lab name>":
        mapping["labs"] = {text: {"market_share": 1.0}}
    elif where.startswith("compute.contracts[0]."):
        mapping["compute"]["contracts"][0][where.rsplit(".", 1)[1]] = text
    else:
        _put(mapping, where, text)
    return mapping


def _has_raw_control(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" and c != "\n" for c in text)


@pytest.mark.parametrize("name", ["default", "capability_driven", "four_labs"])
def test_control_characters_anywhere_are_refused_and_never_printed_raw(name: str) -> None:
    base = tomllib.loads(bundled_text(name))
    accepted = []
    refusals: list[tuple[str, str, ScenarioError]] = []
    for where, _ in _string_paths(base):
        for text in CONTROL_TEXTS:
            try:
                scenario = parse_scenario(_with_text(base, where, text), extra_sections=extension_sections())
            except ScenarioError as error:
                refusals.append((where, text, error))
                continue
            accepted.append((where, text, scenario))
    for where, text, error in refusals:
        assert not any(_has_raw_control(line) for line in str(error).splitlines()), (where, text, str(error))
        assert any(problem.path.startswith(where.split("[")[0].split("<")[0]) for problem in error.problems)
    # Only a description may hold a new line (or a tab); nothing else passes.
    assert {(where, text) for where, text, _ in accepted} <= {("scenario.description", "two\nlines")}


def test_a_description_with_new_lines_is_written_to_every_output(tmp_path: Path) -> None:
    mapping = tomllib.loads(bundled_text("toy_50_50"))
    mapping["scenario"]["description"] = "first line\nsecond\tline"
    path = tmp_path / "described.toml"
    path.write_text(scenario_to_toml(mapping, ""), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(path), "--draws", "20", "--no-store", "--out", str(out), "--no-progress"]) == 0
    with xr.open_dataset(out / "results.nc") as dataset:
        stored = tomllib.loads(dataset.attrs["scenario_toml"])
    assert stored["scenario"]["description"] == "first line\nsecond\tline"


@pytest.mark.parametrize("depth", [17, 100, 600, 5000])
@pytest.mark.parametrize("shape", ["array", "inline table", "tables"])
def test_nesting_at_any_depth_is_one_problem(depth: int, shape: str) -> None:
    if shape == "array":
        text = "[scenario]\nname = 'deep'\n[demand]\nkind = " + "[" * depth + "1" + "]" * depth + "\n"
    elif shape == "inline table":
        text = "[scenario]\nname = 'deep'\n[demand]\nkind = " + "{a = " * depth + "1" + "}" * depth + "\n"
    else:
        text = "[scenario]\nname = 'deep'\n[" + ".".join(["demand"] + ["a"] * depth) + "]\nb = 1\n"
    with pytest.raises(ScenarioError) as error:
        parse_scenario_text(text, extra_sections=extension_sections())
    assert len(error.value.problems) >= 1
    assert len(str(error.value)) < 2000


# ---------------------------------------------------------------------------
# The command line, end to end: exit 0 with finite files, or exit 2 with a message
# ---------------------------------------------------------------------------


def _cli_sample(count_per_scenario: int) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """A seeded sample of extreme cases of every bundled scenario, with the ones known to overflow together."""
    rng = random.Random(20261201)
    for name in SCENARIOS:
        cases = list(extreme_cases(name))
        for label, mapping in rng.sample(cases, count_per_scenario):
            yield name, label, mapping
    steep = tomllib.loads(bundled_text("capability_driven"))
    steep["capability"].update(slope_per_decade=20.0, value_multiple_per_tier=1000.0)
    yield "capability_driven", "capability.slope_per_decade = 20 with value_multiple_per_tier = 1000", steep


def _files_are_finite(out: Path) -> list[str]:
    bad = []
    summary = pd.read_csv(out / "summary.csv").select_dtypes("number")
    bad += [f"summary.csv {c}" for c in summary.columns if not np.isfinite(summary[c]).all()]
    with xr.open_dataset(out / "results.nc") as dataset:
        bad += [
            f"results.nc {name}"
            for name, values in dataset.data_vars.items()
            if values.dtype.kind == "f" and not np.isfinite(values.values).all()
        ]
    return bad


def test_the_command_line_exits_0_with_finite_files_or_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failures = []
    exits = {0: 0, 2: 0}
    for k, (name, label, mapping) in enumerate(_cli_sample(8)):
        path = tmp_path / f"case{k}.toml"
        try:
            path.write_text(scenario_to_toml(mapping, label), encoding="utf-8")
        except ValueError:  # a value TOML cannot hold (the writer refuses it): write the mapping's text as read
            continue
        out = tmp_path / f"out{k}"
        code = main(["run", str(path), "--draws", str(DRAWS), "--no-store", "--no-progress", "--out", str(out)])
        err = capsys.readouterr().err
        if code not in exits or "Traceback" in err:
            failures.append(f"{name} {label}: exit {code}\n{err[-500:]}")
            continue
        exits[code] += 1
        if code == 0:
            failures += [f"{name} {label}: {what}" for what in _files_are_finite(out)]
        else:
            assert err.startswith("error: "), err
            assert not (out / "results.nc").exists()
    assert failures == [], "\n".join(failures[:10])
    assert exits[0] > 0
    assert exits[2] > 0


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("compute.cost_usd_per_gw_year", 1.0e6),
        ("compute.cost_usd_per_gw_year", 1.0e14),
        ("demand.initial_usd_per_year", 1.0e16),
        ("demand.growth_per_year", 1.0e6),
        ("policy.hedge_factor", 1.0e3),
        ("policy.assumed_growth_per_year", 1.0e6),
    ],
)
def test_optimize_at_the_ends_of_the_model_range_exits_cleanly(
    path: str, value: float, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = tomllib.loads(bundled_text("default"))
    _put(mapping, path, value)
    file = tmp_path / "extreme.toml"
    file.write_text(scenario_to_toml(mapping, ""), encoding="utf-8")
    argv = ["optimize", str(file), "--draws", "60", "--candidates", "5", "--validation-draws", "60"]
    code = main([*argv, "--no-store", "--no-progress", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code in (0, 1, 2), captured.err
    assert "Traceback" not in captured.err
    if code == 2:
        assert captured.err.startswith("error: ")


def test_the_judge_catches_what_it_looks_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks above can fail: a non-finite output is seen, and without the engine's check it would pass."""
    result = fs.simulate(fs.bundled("toy_50_50"), draws=DRAWS, seed=1)
    assert non_finite(result) == []
    result.dataset["cash_usd"].values[0, 0, 0] = np.inf
    assert "cash_usd" in non_finite(result)
    steep = tomllib.loads(bundled_text("capability_driven"))
    steep["capability"].update(slope_per_decade=20.0, value_multiple_per_tier=1000.0)
    assert judge("steep", steep) is None  # refused by the engine, naming the likely cause
    monkeypatch.setattr("frontiersim.models.engine._check_finite", lambda scenario, output: None)
    problem = judge("steep", steep)
    assert problem is not None
    assert "non-finite outputs" in problem


def test_the_likely_cause_names_a_lab_s_own_value() -> None:
    from frontiersim.scenario.extremes import atypical_values  # noqa: PLC0415

    mapping = tomllib.loads(bundled_text("four_labs"))
    mapping["labs"]["alpha"]["compute"]["cost_usd_per_gw_year"] = 1.0e14
    mapping["demand"]["ceiling_usd_per_year"] = 1.0e16
    listed = [str(value) for value in atypical_values(parse_scenario(mapping))]
    assert listed[0] == "labs.alpha.compute.cost_usd_per_gw_year = 100T (typical 2B to 40B)"
    assert "demand.ceiling_usd_per_year = 1.0×10^16 (typical 100B to 110T)" in listed
    assert atypical_values(fs.bundled("four_labs")) == []
