"""Typos get a "did you mean", case is ignored where it carries no meaning, and counts take integral floats."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontiersim.cli.main import EXIT_BAD_INPUT, build_parser, main
from frontiersim.scenario import ScenarioError, parse_scenario_text
from frontiersim.scenario.errors import closest_match

HEADER = '[scenario]\nname = "typo"\n'


def error_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    assert done.value.code == EXIT_BAD_INPUT
    return capsys.readouterr().err


def problems_of(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario_text(text)
    return [problem.message for problem in caught.value.problems]


def test_a_mistyped_command_gets_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    assert "invalid choice: 'rnu'; did you mean 'run'?" in error_of(capsys, "rnu")
    assert "invalid choice: 'shwo'; did you mean 'show'?" in error_of(capsys, "runs", "shwo")


def test_a_word_like_no_command_gets_no_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    err = error_of(capsys, "zzzzzz")
    assert "did you mean" not in err
    assert "invalid choice: 'zzzzzz' (choose from" in err


def test_a_mistyped_bundled_scenario_gets_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "defualt", "--no-store", "--no-save"]) == EXIT_BAD_INPUT
    assert "no such file; did you mean 'default'?" in capsys.readouterr().err


def test_a_mistyped_example_gets_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["examples", "toy50"]) == EXIT_BAD_INPUT
    assert "unknown example 'toy50'; did you mean 'toy_50_50'?" in capsys.readouterr().err


def test_mistyped_keys_and_sections_get_the_closest() -> None:
    (key,) = problems_of(HEADER + "horizon_yeras = 5\n")
    assert "no such key in [scenario]; did you mean 'horizon_years'?" in key
    (section,) = problems_of(HEADER + "[demnad]\ngrowth_per_year = 3\n")
    assert "a known section; did you mean 'demand'?" in section
    (nested,) = problems_of(HEADER + "[compute]\nlead_time_month = 18\n")
    assert "did you mean 'lead_time_months'?" in nested


def test_a_company_is_taken_in_any_case_and_a_typo_gets_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    for given in ("anthropic", "ANTHROPIC", "Anthropic"):
        assert parser.parse_args(["backtest", "--cutoff", "2024-06-30", "--company", given]).company == "Anthropic"
    assert parser.parse_args(["backtest", "--cutoff", "2024-06-30", "--company", "ALL"]).company == "all"
    err = error_of(capsys, "backtest", "--cutoff", "2024-06-30", "--company", "antropic")
    assert "did you mean 'Anthropic'?" in err


@pytest.mark.parametrize(("given", "expected"), [("1e5", 100_000), ("2000.0", 2_000), ("10_000", 10_000)])
def test_counts_take_integral_floats(given: str, expected: int) -> None:
    assert build_parser().parse_args(["run", "--draws", given]).draws == expected


@pytest.mark.parametrize("given", ["2.5", "1e-3", "nan", "inf", "many"])
def test_counts_refuse_what_is_not_a_whole_number(given: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert f"expected a positive integer, got '{given}'" in error_of(capsys, "run", "--draws", given)


def test_closest_match_prefers_the_first_of_equal_spellings() -> None:
    assert closest_match("Default", ["default", "DEFAULT"]) == "default"
    assert closest_match("", ["default"]) is None


def test_a_scenario_file_typo_is_still_a_file_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "scenaro.toml"
    assert main(["validate", str(missing)]) == EXIT_BAD_INPUT
    assert "no such file" in capsys.readouterr().err
