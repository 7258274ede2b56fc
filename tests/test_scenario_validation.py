"""Scenario validation: every problem in a file is reported once, naming key path, value and expectation."""

from __future__ import annotations

import dataclasses
import pickle
import tomllib
from pathlib import Path

import pytest

from frontiersim.scenario import (
    Fixed,
    FixedSchedulePolicySpec,
    Lognormal,
    Problem,
    QuantilePolicySpec,
    Scenario,
    ScenarioError,
    Triangular,
    bundled,
    bundled_names,
    bundled_text,
    load_scenario,
    parse_scenario,
    parse_scenario_text,
)

HEADER = '[scenario]\nname = "test"\n'


def problems_of(text: str) -> list[Problem]:
    """The problems of an invalid scenario written as TOML."""
    with pytest.raises(ScenarioError) as caught:
        parse_scenario_text(text, "bad.toml")
    assert caught.value.problems, "a ScenarioError must carry at least one problem"
    return list(caught.value.problems)


def only_problem(text: str) -> Problem:
    """The single problem of a scenario that has exactly one."""
    problems = problems_of(text)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def assert_problem(problem: Problem, path: str, value: str | None, *expected: str) -> None:
    """``problem`` names ``path``, shows ``value`` (or says "missing" when None), and says what was expected."""
    assert problem.path == path
    text = str(problem)
    assert text.startswith(f"{path}: ")
    if value is None:
        assert "missing" in problem.message
    else:
        assert f"got {value}" in problem.message
    assert "expected" in problem.message or "needs" in problem.message
    for fragment in expected:
        assert fragment in problem.message, (fragment, text)


# ---------------------------------------------------------------------------
# Valid scenarios
# ---------------------------------------------------------------------------


class TestValid:
    @pytest.mark.parametrize("name", bundled_names())
    def test_every_bundled_scenario_validates(self, name: str) -> None:
        scenario = bundled(name)
        assert isinstance(scenario, Scenario)
        assert scenario.meta.name == name
        # the text is valid as a file, too (not only through ``bundled``)
        assert parse_scenario_text(bundled_text(name)) == scenario

    def test_the_bundled_scenarios_include_the_worked_examples(self) -> None:
        assert {"default", "toy_50_50", "cohort_cartoon", "single_model", "one_trillion_bet"} <= set(bundled_names())

    def test_name_alone_gives_the_documented_defaults(self) -> None:
        scenario = parse_scenario_text(HEADER)
        assert scenario == dataclasses.replace(Scenario(), meta=dataclasses.replace(Scenario().meta, name="test"))
        assert scenario.demand.growth_per_year == Lognormal(3.0, 20.0)
        assert scenario.operations.gross_margin == Triangular(0.5, 0.6, 0.75)

    def test_readme_example(self) -> None:
        text = """
        [scenario]
        name = "my-lab"
        start = "2026-01"
        horizon_years = 5

        [demand]
        initial_usd_per_year = 1.0e10
        growth_per_year = "3 to 20"
        delay_months = { dist = "choice", values = [0, 12], weights = [0.8, 0.2] }

        [compute]
        cost_usd_per_gw_year = { dist = "lognormal", p5 = 10e9, p95 = 15e9 }
        lead_time_months = 18
        contract_term_months = 60

        [policy]
        kind = "growth_hedge"
        assumed_growth_per_year = 3.0
        hedge_factor = 0.6
        """
        scenario = parse_scenario_text("\n".join(line.strip() for line in text.splitlines()))
        assert scenario.meta.name == "my-lab"
        assert scenario.demand.growth_per_year == Lognormal(3.0, 20.0)
        assert scenario.compute.cost_usd_per_gw_year == Lognormal(10e9, 15e9)
        assert scenario.compute.lead_time_months == 18

    def test_shorthand_in_a_file_is_a_lognormal(self) -> None:
        scenario = parse_scenario_text(HEADER + '[demand]\ngrowth_per_year = "3 to 20"\n')
        assert scenario.demand.growth_per_year == Lognormal(3.0, 20.0)

    def test_typed_values(self) -> None:
        scenario = parse_scenario_text(
            HEADER + "[compute]\nlead_time_months = 0\ndecision_months = [0, 12]\n"
            "[finance]\nraise_when_runway_below_months = 6\nfundraising_enabled = false\n"
        )
        assert scenario.compute.lead_time_months == 0
        assert scenario.compute.decision_months == (0, 12)
        assert isinstance(scenario.finance.raise_when_runway_below_months, float)
        assert scenario.finance.fundraising_enabled is False

    def test_a_lognormal_may_touch_an_open_lower_bound(self) -> None:
        """growth_per_year must be > 0; a lognormal's support (0, inf) never reaches 0."""
        scenario = parse_scenario_text(HEADER + '[demand]\ngrowth_per_year = { dist = "lognormal", p5 = 1, p95 = 2 }\n')
        assert scenario.demand.growth_per_year == Lognormal(1.0, 2.0)

    def test_a_beta_fits_the_gross_margin(self) -> None:
        scenario = parse_scenario_text(HEADER + '[operations]\ngross_margin = { dist = "beta", alpha = 6, beta = 4 }\n')
        assert scenario.operations.gross_margin.support == (0.0, 1.0)

    def test_path_demand_with_one_level_per_year(self) -> None:
        scenario = parse_scenario_text(
            HEADER + 'horizon_years = 2\n[demand]\nkind = "path"\npath_usd_per_year = [1e9, 2e9]\n'
        )
        assert scenario.demand.path_usd_per_year == (Fixed(1e9), Fixed(2e9))

    def test_fixed_schedule_and_quantile_policies(self) -> None:
        fixed = parse_scenario_text(HEADER + '[policy]\nkind = "fixed_schedule"\ncommitments_gw = [1, 2.5]\n')
        assert fixed.policy == FixedSchedulePolicySpec((1.0, 2.5))
        quantile = parse_scenario_text(
            HEADER + '[policy]\nkind = "quantile"\nquantile = 0.2\nbelief_growth_p5 = 2\nbelief_growth_p95 = 8\n'
        )
        assert isinstance(quantile.policy, QuantilePolicySpec)
        assert (quantile.policy.belief_growth_p5, quantile.policy.belief_growth_p95) == (2.0, 8.0)

    def test_parse_scenario_from_a_dict(self) -> None:
        data = tomllib.loads(bundled_text("default"))
        assert parse_scenario(data) == bundled("default")

    def test_load_scenario_from_a_file(self, tmp_path: Path) -> None:
        path = tmp_path / "ok.toml"
        path.write_text(HEADER + 'description = "é, ü and ✓ are fine"\n', encoding="utf-8")
        scenario = load_scenario(path)
        assert scenario.meta.description == "é, ü and ✓ are fine"
        assert scenario.source_text == path.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# Missing keys
# ---------------------------------------------------------------------------


class TestMissing:
    def test_missing_scenario_table(self) -> None:
        problem = only_problem("[demand]\ninitial_usd_per_year = 1e10\n")
        assert_problem(problem, "scenario", None, "[scenario] table", "name")

    def test_empty_file(self) -> None:
        assert_problem(only_problem(""), "scenario", None, "[scenario] table")

    def test_missing_scenario_name(self) -> None:
        assert_problem(only_problem("[scenario]\nhorizon_years = 5\n"), "scenario.name", None, "a string")

    def test_lognormal_missing_p95(self) -> None:
        problem = only_problem(HEADER + '[demand]\ngrowth_per_year = { dist = "lognormal", p5 = 3 }\n')
        assert_problem(problem, "demand.growth_per_year.p95", None, "a lognormal needs p5, p95")

    def test_distribution_table_without_dist(self) -> None:
        problem = only_problem(HEADER + "[demand]\ngrowth_per_year = { p5 = 3, p95 = 20 }\n")
        assert_problem(problem, "demand.growth_per_year.dist", None, "one of 'lognormal'")

    def test_fixed_schedule_without_commitments(self) -> None:
        problem = only_problem(HEADER + '[policy]\nkind = "fixed_schedule"\n')
        assert_problem(problem, "policy.commitments_gw", None, "an array of numbers, each in [0, 10000]")

    def test_path_demand_without_a_path(self) -> None:
        problem = only_problem(HEADER + '[demand]\nkind = "path"\n')
        assert_problem(problem, "demand.path_usd_per_year", "[] (array)", "at least 5 yearly levels", "kind = 'path'")

    def test_path_demand_shorter_than_the_horizon(self) -> None:
        problem = only_problem(HEADER + 'horizon_years = 4\n[demand]\nkind = "path"\npath_usd_per_year = [1, 2, 3]\n')
        assert_problem(problem, "demand.path_usd_per_year", "[1.0, 2.0, 3.0] (array)", "at least 4 yearly levels")

    @pytest.mark.parametrize(("given", "missing"), [("p5", "p95"), ("p95", "p5")])
    def test_half_a_belief_interval(self, given: str, missing: str) -> None:
        problem = only_problem(HEADER + f'[policy]\nkind = "quantile"\nbelief_growth_{given} = 3\n')
        assert_problem(problem, f"policy.belief_growth_{missing}", None, f"belief_growth_{given} = 3 is given")


# ---------------------------------------------------------------------------
# Wrong types
# ---------------------------------------------------------------------------


class TestWrongTypes:
    @pytest.mark.parametrize(
        ("section", "line", "path", "value", "expected"),
        [
            ("compute", 'lead_time_months = "eighteen"', "compute.lead_time_months", "'eighteen' (string)", "integer"),
            ("compute", "lead_time_months = true", "compute.lead_time_months", "True (boolean)", "in [0, 600]"),
            ("compute", "lead_time_months = 18.5", "compute.lead_time_months", "18.5 (float)", "in [0, 600]"),
            ("scenario", "horizon_years = false", "scenario.horizon_years", "False (boolean)", "an integer in [1, 50]"),
            ("finance", 'raise_when_runway_below_months = "12"', "finance.raise_when_runway_below_months",
             "'12' (string)", "a number in [0, 600]"),
            ("finance", 'fundraising_enabled = "yes"', "finance.fundraising_enabled", "'yes' (string)",
             "true or false"),
            ("finance", "fundraising_enabled = 1", "finance.fundraising_enabled", "1 (integer)", "true or false"),
            ("demand", "initial_usd_per_year = true", "demand.initial_usd_per_year", "True (boolean)",
             "a number, a \"low to high\" string"),
            ("demand", "initial_usd_per_year = [1e10, 2e10]", "demand.initial_usd_per_year", "[10000000000.0, "
             "20000000000.0] (array)", "or a table with dist"),
            ("demand", "growth_per_year = \"ten\"", "demand.growth_per_year", "'ten' (string)",
             '"low to high" string'),
            ("demand", "kind = 3", "demand.kind", "3 (integer)", "one of 'growth', 'path'"),
            ("demand", 'kind = "exponential"', "demand.kind", "'exponential' (string)", "one of 'growth', 'path'"),
            ("compute", "decision_months = 12", "compute.decision_months", "12 (integer)", "an array of integers"),
            ("compute", "decision_months = [0, 1.5]", "compute.decision_months", "[0, 1.5] (array)",
             "an array of integers, each in [0, 600]"),
            ("scenario", "start = 2026-01-01", "scenario.start", "datetime.date(2026, 1, 1) (date)", "a string"),
            ("scenario", "description = 5", "scenario.description", "5 (integer)", "a string"),
        ],
    )  # fmt: skip
    def test_wrong_type(self, section: str, line: str, path: str, value: str, expected: str) -> None:
        text = f"{HEADER}{line}\n" if section == "scenario" else f"{HEADER}[{section}]\n{line}\n"
        assert_problem(only_problem(text), path, value, expected)

    def test_array_where_a_table_is_expected(self) -> None:
        problem = only_problem(HEADER + "[[compute]]\nlead_time_months = 18\n")
        assert_problem(problem, "compute", "[{'lead_time_months': 18}] (array)", "a table")

    def test_value_where_a_table_is_expected(self) -> None:
        assert_problem(only_problem("demand = 5\n" + HEADER), "demand", "5 (integer)", "a table")
        assert_problem(only_problem("policy = [1, 2]\n" + HEADER), "policy", "[1, 2] (array)", "a table")

    def test_array_where_a_policy_kind_is_expected(self) -> None:
        problem = only_problem(HEADER + '[policy]\nkind = ["quantile"]\n')
        assert_problem(problem, "policy.kind", "['quantile'] (array)", "one of 'growth_hedge'")

    def test_unknown_policy_kind(self) -> None:
        problem = only_problem(HEADER + '[policy]\nkind = "yolo"\nhedge_factor = 1\n')
        assert_problem(problem, "policy.kind", "'yolo' (string)", "'growth_hedge', 'fixed_schedule', 'quantile'")

    def test_array_as_distribution_family(self) -> None:
        problem = only_problem(HEADER + '[demand]\ngrowth_per_year = { dist = ["lognormal"], p5 = 3, p95 = 20 }\n')
        assert_problem(problem, "demand.growth_per_year.dist", "['lognormal'] (array)", "one of 'lognormal'")

    def test_string_inside_a_distribution_table(self) -> None:
        problem = only_problem(HEADER + '[demand]\ngrowth_per_year = { dist = "lognormal", p5 = "3", p95 = 20 }\n')
        assert_problem(problem, "demand.growth_per_year.p5", "'3' (string)", "a finite number")

    @pytest.mark.parametrize(
        ("section", "line", "path"),
        [
            ("finance", "raise_when_runway_below_months = 1" + "0" * 400, "finance.raise_when_runway_below_months"),
            ("demand", "initial_usd_per_year = 1" + "0" * 400, "demand.initial_usd_per_year"),
            ("simulation", "draws = 1" + "0" * 30, "simulation.draws"),
            ("compute", "decision_months = [1" + "0" * 400 + "]", "compute.decision_months"),
        ],
    )
    def test_integers_too_large_for_a_float_or_64_bits(self, section: str, line: str, path: str) -> None:
        """tomllib reads integers of any size; they are reported, not raised as OverflowError."""
        problem = only_problem(f"{HEADER}[{section}]\n{line}\n")
        assert_problem(problem, path, "1000" if section != "compute" else "[1000", "expected")


# ---------------------------------------------------------------------------
# Out-of-range values, inverted intervals, bounds of supports
# ---------------------------------------------------------------------------


class TestValues:
    def test_negative_lead_time(self) -> None:
        problem = only_problem(HEADER + "[compute]\nlead_time_months = -3\n")
        assert_problem(problem, "compute.lead_time_months", "-3 (integer)", "an integer in [0, 600]")
        assert str(problem) == "compute.lead_time_months: got -3 (integer); expected an integer in [0, 600]"

    @pytest.mark.parametrize(
        ("section", "line", "path", "value", "expected"),
        [
            ("scenario", "horizon_years = 0", "scenario.horizon_years", "0 (integer)", "an integer in [1, 50]"),
            ("scenario", "horizon_years = 51", "scenario.horizon_years", "51 (integer)", "an integer in [1, 50]"),
            ("simulation", "draws = 0", "simulation.draws", "0 (integer)", "an integer >= 1"),
            ("simulation", "seed = -1", "simulation.seed", "-1 (integer)", "an integer >= 0"),
            ("compute", "contract_term_months = 0", "compute.contract_term_months", "0 (integer)", "in [1, 600]"),
            (
                "compute",
                "cost_usd_per_gw_year = 0",
                "compute.cost_usd_per_gw_year",
                "0 (integer)",
                "in [$1M/GW/year, $100T/GW/year]",
            ),
            ("compute", "price_decline_per_year = 1.0", "compute.price_decline_per_year", "1.0 (float)", "in [0, 1)"),
            ("operations", "gross_margin = 1.2", "operations.gross_margin", "1.2 (float)", "in [0, 1]"),
            ("finance", "starting_cash_usd = -1e9", "finance.starting_cash_usd", "-1000000000.0 (float)", "$10,000T]"),
            ("policy", "hedge_factor = -0.5", "policy.hedge_factor", "-0.5 (float)", "a number in [0, 1000]"),
            ("demand", "initial_usd_per_year = nan", "demand.initial_usd_per_year", "nan (float)", "a number"),
            ("demand", "initial_usd_per_year = inf", "demand.initial_usd_per_year", "inf (float)", "a number"),
        ],
    )
    def test_out_of_range(self, section: str, line: str, path: str, value: str, expected: str) -> None:
        text = f"{HEADER}{line}\n" if section == "scenario" else f"{HEADER}[{section}]\n{line}\n"
        assert_problem(only_problem(text), path, value, expected)

    def test_p5_above_p95_in_the_shorthand(self) -> None:
        problem = only_problem(HEADER + '[demand]\ngrowth_per_year = "20 to 3"\n')
        assert_problem(problem, "demand.growth_per_year", "'20 to 3' (string)", "0 < low < high", "5th and 95th")

    def test_p5_above_p95_in_a_table(self) -> None:
        problem = only_problem(HEADER + '[demand]\ngrowth_per_year = { dist = "lognormal", p5 = 20, p95 = 3 }\n')
        assert_problem(problem, "demand.growth_per_year.p5", "20 (integer)", "a value below p95 = 3")

    def test_p5_above_p95_in_a_normal(self) -> None:
        problem = only_problem(
            HEADER + '[operations]\nother_opex_usd_per_year = { dist = "normal", p5 = 5, p95 = 1 }\n'
        )
        assert_problem(problem, "operations.other_opex_usd_per_year.p5", "5 (integer)", "a value below p95 = 1")

    def test_infinite_shorthand_bound(self) -> None:
        problem = only_problem(HEADER + '[demand]\ngrowth_per_year = "3 to 1e999"\n')
        assert_problem(problem, "demand.growth_per_year", "'3 to 1e999' (string)", '"low to high" string')

    def test_belief_p5_above_p95(self) -> None:
        problem = only_problem(HEADER + '[policy]\nkind = "quantile"\nbelief_growth_p5 = 8\nbelief_growth_p95 = 2\n')
        assert_problem(problem, "policy.belief_growth_p5", "8 (integer)", "a value below belief_growth_p95 = 2")

    def test_belief_p5_of_zero_would_ignore_p95(self) -> None:
        problem = only_problem(HEADER + '[policy]\nkind = "quantile"\nbelief_growth_p5 = 0\nbelief_growth_p95 = 8\n')
        assert_problem(problem, "policy.belief_growth_p5", "0 (integer)", "would ignore belief_growth_p95 = 8")

    def test_belief_volatility_between_the_sentinel_and_zero(self) -> None:
        problem = only_problem(HEADER + '[policy]\nkind = "quantile"\nbelief_volatility_per_sqrt_year = -0.5\n')
        assert_problem(problem, "policy.belief_volatility_per_sqrt_year", "-0.5 (float)", "or -1")

    def test_bad_start_month(self) -> None:
        problem = only_problem('[scenario]\nname = "x"\nstart = "2026-13"\n')
        assert_problem(problem, "scenario.start", "'2026-13' (string)", "YYYY-MM")

    def test_decision_month_beyond_the_horizon(self) -> None:
        problem = only_problem(HEADER + "horizon_years = 2\n[compute]\ndecision_months = [0, 24]\n")
        assert_problem(problem, "compute.decision_months", "[0, 24] (array)", "months below 24")

    def test_path_given_for_growth_demand(self) -> None:
        problem = only_problem(HEADER + "[demand]\npath_usd_per_year = [1e9, 2e9, 3e9, 4e9, 5e9]\n")
        assert_problem(problem, "demand.path_usd_per_year", "[1000000000.0", "no value unless kind = 'path'")

    def test_growth_keys_given_for_path_demand(self) -> None:
        problems = problems_of(
            HEADER + 'horizon_years = 1\n[demand]\nkind = "path"\npath_usd_per_year = [1e9]\n'
            'growth_per_year = "3 to 20"\ninitial_usd_per_year = 1e10\n'
        )
        assert sorted(p.path for p in problems) == ["demand.growth_per_year", "demand.initial_usd_per_year"]
        assert all("unused when kind = 'path'" in p.message for p in problems)


class TestSupportOutsideBounds:
    @pytest.mark.parametrize(
        ("section", "line", "path", "family", "expected"),
        [
            ("operations", 'gross_margin = { dist = "normal", mean = 0.6, sd = 0.1 }', "operations.gross_margin",
             "normal(mean=0.6, sd=0.1)", "in [0, 1]"),
            ("operations", 'gross_margin = { dist = "uniform", low = 0.5, high = 1.2 }', "operations.gross_margin",
             "uniform(0.5, 1.2)", "in [0, 1]"),
            ("operations", 'gross_margin = "0.5 to 0.7"', "operations.gross_margin", "lognormal(p5=0.5, p95=0.7)",
             "in [0, 1]"),
            ("demand", 'growth_per_year = { dist = "uniform", low = 0, high = 10 }', "demand.growth_per_year",
             "uniform(0, 10)", "> 0"),
            ("demand", 'delay_months = { dist = "choice", values = [0, 700] }', "demand.delay_months",
             "choice(0: 1, 700: 1)", "in [0, 600]"),
            ("compute", 'price_decline_per_year = { dist = "beta", alpha = 2, beta = 2 }',
             "compute.price_decline_per_year", "beta(alpha=2, beta=2)", "in [0, 1)"),
        ],
    )  # fmt: skip
    def test_support_leaves_bounds(self, section: str, line: str, path: str, family: str, expected: str) -> None:
        problem = only_problem(f"{HEADER}[{section}]\n{line}\n")
        assert problem.path == path
        assert problem.message.startswith(f"{family} can produce values in [")
        assert f"expected values {expected}" in problem.message


# ---------------------------------------------------------------------------
# Unknown keys
# ---------------------------------------------------------------------------


class TestUnknownKeys:
    def test_unknown_section(self) -> None:
        problem = only_problem(HEADER + "[demnad]\ngrowth_per_year = 3\n")
        assert_problem(problem, "demnad", "{'growth_per_year': 3} (table)", "a known section", "demand")

    def test_unknown_key_in_a_section(self) -> None:
        problem = only_problem(HEADER + "[compute]\nlead_time = 18\n")
        assert_problem(problem, "compute.lead_time", "18 (integer)", "no such key in [compute]", "lead_time_months")

    def test_unknown_key_in_the_scenario_table(self) -> None:
        problem = only_problem(HEADER + "horizon = 5\n")
        assert_problem(problem, "scenario.horizon", "5 (integer)", "no such key in [scenario]", "horizon_years")

    def test_unknown_key_in_a_distribution_table(self) -> None:
        problem = only_problem(
            HEADER + '[demand]\ngrowth_per_year = { dist = "lognormal", p5 = 3, p95 = 20, p50 = 8 }\n'
        )
        assert_problem(problem, "demand.growth_per_year.p50", "8 (integer)", "no such key for a lognormal", "p5, p95")

    def test_key_of_another_policy_kind(self) -> None:
        problem = only_problem(HEADER + '[policy]\nkind = "fixed_schedule"\ncommitments_gw = [1]\nhedge_factor = 1\n')
        assert_problem(problem, "policy.hedge_factor", "1 (integer)", "no such key in [policy]", "commitments_gw")


# ---------------------------------------------------------------------------
# Malformed files
# ---------------------------------------------------------------------------


class TestMalformed:
    @pytest.mark.parametrize(
        ("text", "line"),
        [
            (HEADER + "[compute]\nlead_time_months 18\n", 4),
            (HEADER + "[compute\nlead_time_months = 18\n", 3),
            (HEADER + "[compute]\nlead_time_months = 18\nlead_time_months = 12\n", 5),
            (HEADER + '[demand]\ngrowth_per_year = "3 to 20\n', 4),
        ],
    )
    def test_not_toml(self, text: str, line: int) -> None:
        problem = only_problem(text)
        assert problem.path == ""
        assert problem.message.startswith("not valid TOML: ")
        assert f"line {line}" in problem.message

    def test_not_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "latin1.toml"
        path.write_bytes((HEADER + 'description = "café"\n').encode("latin-1"))
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        (problem,) = caught.value.problems
        assert "not UTF-8" in problem.message
        assert "0xe9" in problem.message
        assert caught.value.source == str(path)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ScenarioError) as caught:
            load_scenario(tmp_path / "nope.toml")
        (problem,) = caught.value.problems
        assert problem.message.startswith("cannot read file")

    def test_a_folder_is_not_a_file(self, tmp_path: Path) -> None:
        with pytest.raises(ScenarioError) as caught:
            load_scenario(tmp_path)
        assert caught.value.problems[0].message.startswith("cannot read file")


# ---------------------------------------------------------------------------
# Several problems at once
# ---------------------------------------------------------------------------

MANY_PROBLEMS = """\
[scenario]
horizon_years = 5
start = "Jan 2026"

[demand]
kind = "path"
growth_per_year = "20 to 3"

[compute]
lead_time_months = -3
lead_time = 18
cost_usd_per_gw_year = { dist = "lognormal", p5 = 10e9 }

[operations]
gross_margin = { dist = "normal", mean = 0.6, sd = 0.1 }
other_opex_usd_per_year = "lots"

[finance]
fundraising_enabled = 1

[policy]
kind = "fixed_schedule"

[extras]
colour = "blue"
"""

MANY_PATHS = [
    "extras",
    "scenario.name",
    "demand.growth_per_year",
    "compute.lead_time",
    "compute.lead_time_months",
    "compute.cost_usd_per_gw_year.p95",
    "operations.gross_margin",
    "operations.other_opex_usd_per_year",
    "finance.fundraising_enabled",
    "policy.commitments_gw",
    "scenario.start",
    "demand.path_usd_per_year",
]


class TestSeveralProblems:
    def test_one_problem_per_offending_key(self) -> None:
        problems = problems_of(MANY_PROBLEMS)
        assert len(problems) == len(MANY_PATHS) == 12
        assert sorted(p.path for p in problems) == sorted(MANY_PATHS)

    def test_cross_key_checks_run_alongside_other_problems(self) -> None:
        """A missing name or a bad lead time does not hide a too-short path or a bad start month."""
        problems = problems_of(MANY_PROBLEMS)
        by_path = {p.path: p for p in problems}
        assert "YYYY-MM" in by_path["scenario.start"].message
        assert "at least 5 yearly levels" in by_path["demand.path_usd_per_year"].message

    def test_error_message_has_a_header_and_one_line_per_problem(self) -> None:
        with pytest.raises(ScenarioError) as caught:
            parse_scenario_text(MANY_PROBLEMS, "many.toml")
        lines = str(caught.value).splitlines()
        assert lines[0] == "many.toml: 12 problems"
        assert len(lines) == 13
        assert all(line.startswith("  - ") for line in lines[1:])
        assert {line[4:].split(":")[0] for line in lines[1:]} == set(MANY_PATHS)

    def test_three_independent_problems(self) -> None:
        problems = problems_of(
            '[scenario]\nname = "x"\n[compute]\nlead_time_months = -3\n'
            '[demand]\ngrowth_per_year = "20 to 3"\n[bogus]\na = 1\n'
        )
        assert [p.path for p in problems] == ["bogus", "demand.growth_per_year", "compute.lead_time_months"]

    def test_a_key_with_a_problem_is_not_reported_again_by_cross_checks(self) -> None:
        problems = problems_of(HEADER + 'horizon_years = 0\n[demand]\nkind = "path"\npath_usd_per_year = "none"\n')
        assert sorted(p.path for p in problems) == ["demand.path_usd_per_year", "scenario.horizon_years"]

    def test_singular_header(self) -> None:
        with pytest.raises(ScenarioError, match=r"^one\.toml: 1 problem\n  - compute\.lead_time_months: "):
            parse_scenario_text(HEADER + "[compute]\nlead_time_months = -3\n", "one.toml")


class TestScenarioError:
    def test_is_a_value_error_with_problems_and_source(self) -> None:
        error = ScenarioError([Problem("a.b", "got 1; expected 2")], "f.toml")
        assert isinstance(error, ValueError)
        assert error.source == "f.toml"
        assert str(error) == "f.toml: 1 problem\n  - a.b: got 1; expected 2"

    def test_survives_pickling(self) -> None:
        """Errors can cross process boundaries (worker processes) with their problems intact."""
        with pytest.raises(ScenarioError) as caught:
            parse_scenario_text(MANY_PROBLEMS, "many.toml")
        copy = pickle.loads(pickle.dumps(caught.value))
        assert copy.problems == caught.value.problems
        assert copy.source == "many.toml"
        assert str(copy) == str(caught.value)

    def test_problem_without_a_path(self) -> None:
        assert str(Problem("", "not valid TOML")) == "not valid TOML"
