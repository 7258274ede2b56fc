"""The page's fan charts and P(ruin) curve, built once and filled with each update's numbers, are charts.run's own."""

from __future__ import annotations

import tomllib
from typing import Any

import pandas as pd
import pytest

from frontiersim.charts import render
from frontiersim.charts import run as run_charts
from frontiersim.dashboard import chart_specs
from frontiersim.dashboard.chart_specs import fan_spec, json_records, ruin_spec
from frontiersim.dashboard.intervals import apply_intervals
from frontiersim.dashboard.payload import lab_rows, table_labs
from frontiersim.dashboard.worker import page_tables
from frontiersim.results.tables import run_tables
from frontiersim.scenario.loader import bundled, bundled_names, bundled_text, parse_scenario
from frontiersim.simulate import simulate

DRAWS = 400


def fan_tables(tables: dict[str, pd.DataFrame]) -> list[pd.DataFrame]:
    """The fan tables the page draws: each lab's fans, the market's, and the whole table of every lab."""
    labs = table_labs(tables)
    found = [lab_rows(tables["fan"], lab) for lab in labs or [None]]
    market = tables.get("market")
    if market is not None and len(market):
        found.append(market)
    return [*found, tables["fan"]]


def assert_same_fans(tables: dict[str, pd.DataFrame]) -> int:
    compared = 0
    for fan in fan_tables(tables):
        for variable in dict.fromkeys(str(v) for v in fan["variable"]):
            expected = render.spec(run_charts.fan_chart(fan, variable))
            assert fan_spec(fan, variable) == expected, variable
            compared += 1
    return compared


@pytest.mark.parametrize("name", bundled_names())
def test_every_bundled_scenario_gets_fan_charts_own_specifications(name: str) -> None:
    """Two seeds in a row: the second update fills the charts built for the first with its own numbers."""
    scenario = bundled(name)
    for seed in (1, 2):
        tables = page_tables(simulate(scenario, draws=DRAWS, seed=seed, keep_monthly=True))
        assert assert_same_fans(tables) > 0
        for lab in table_labs(tables) or [None]:
            curve = lab_rows(tables["ruin_curve"], lab)
            assert ruin_spec(curve) == render.spec(run_charts.ruin_chart(curve))
        assert ruin_spec(tables["ruin_curve"]) == render.spec(run_charts.ruin_chart(tables["ruin_curve"]))


def test_a_moved_slider_changes_the_axis_and_the_rows_as_fan_chart_does() -> None:
    """A wider growth interval moves the quantiles, the log axis' floor and ticks; the charts follow."""
    scenario = bundled("default")
    before = page_tables(simulate(scenario, draws=DRAWS, seed=3, keep_monthly=True))
    preset = tomllib.loads(bundled_text("default"))
    mapping, problems, _ = apply_intervals(preset, scenario, {"demand.growth_per_year": [0.1, 3.0]})
    assert mapping is not None
    assert not problems
    after = page_tables(simulate(parse_scenario(mapping), draws=DRAWS, seed=3, keep_monthly=True))
    variable = "revenue_usd_per_year"
    moved = fan_spec(lab_rows(after["fan"], "lab"), variable)
    assert moved["usermeta"] != fan_spec(lab_rows(before["fan"], "lab"), variable)["usermeta"]
    assert_same_fans(before)
    assert_same_fans(after)


def test_the_structure_is_built_once_per_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    tables = page_tables(simulate(bundled("default"), draws=DRAWS, seed=4, keep_monthly=True))
    fan = lab_rows(tables["fan"], "lab")
    fan_spec(fan, "cash_usd")
    built: list[str] = []
    original = run_charts.fan_chart

    def counted(table: pd.DataFrame, variable: str, **options: Any) -> Any:
        built.append(variable)
        return original(table, variable, **options)

    monkeypatch.setattr(run_charts, "fan_chart", counted)
    again = page_tables(simulate(bundled("default"), draws=DRAWS, seed=5, keep_monthly=True))
    fan_spec(lab_rows(again["fan"], "lab"), "cash_usd")
    assert built == []
    monkeypatch.setattr(chart_specs, "_SKELETONS", {})
    fan_spec(lab_rows(again["fan"], "lab"), "cash_usd")
    assert built == ["cash_usd"]


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chart_specs, "_SKELETONS", {})
    monkeypatch.setattr(chart_specs, "CACHED_FAN_CHARTS", 2)
    fan = lab_rows(page_tables(simulate(bundled("default"), draws=DRAWS, seed=6, keep_monthly=True))["fan"], "lab")
    variables = list(dict.fromkeys(str(v) for v in fan["variable"]))
    for variable in variables:
        fan_spec(fan, variable)
        assert len(chart_specs._SKELETONS) <= 2


def test_several_labs_and_unknown_variables_are_fan_charts_own() -> None:
    tables = run_tables(simulate(bundled("four_labs"), draws=DRAWS, seed=1, keep_monthly=True))
    assert len(table_labs(tables)) > 1
    expected = render.spec(run_charts.fan_chart(tables["fan"], "cash_usd"))
    assert fan_spec(tables["fan"], "cash_usd") == expected
    with pytest.raises(ValueError, match="no rows of 'nothing'"):
        fan_spec(tables["fan"], "nothing")


def test_json_records_are_with_datas_records() -> None:
    frame = pd.DataFrame(
        {"date": ["2026-01", "2026-02"], "year": [2026.0, 2026 + 1 / 12], "p5": [float("nan"), -1.5], "n": [1, 2]}
    )
    expected = frame.astype(object).where(frame.notna(), None).to_dict("records")
    assert json_records(frame) == expected
    assert json_records(frame)[0]["p5"] is None
    assert [type(value) for value in json_records(frame)[1].values()] == [str, float, float, int]


def test_the_ruin_curve_is_built_once_and_only_when_its_domain_is_understood(monkeypatch: pytest.MonkeyPatch) -> None:
    curves = [
        lab_rows(
            page_tables(simulate(bundled("default"), draws=DRAWS, seed=seed, keep_monthly=True))["ruin_curve"], "lab"
        )
        for seed in (7, 8, 9)
    ]
    built: list[int] = []
    original = run_charts.ruin_chart

    def counted(curve: pd.DataFrame) -> Any:
        built.append(len(curve))
        return original(curve)

    monkeypatch.setattr(run_charts, "ruin_chart", counted)
    monkeypatch.setattr(chart_specs, "_SKELETONS", {})
    specs = [ruin_spec(curve) for curve in curves]
    assert len(built) == 1
    assert [spec["layer"][0]["encoding"]["y"]["scale"]["domain"] for spec in specs] == [
        original(curve).to_dict(validate=False)["layer"][0]["encoding"]["y"]["scale"]["domain"] for curve in curves
    ]
    # a domain worked out otherwise than ruin_chart's: the chart is not kept, each curve is ruin_chart's own
    monkeypatch.setattr(chart_specs, "_SKELETONS", {})
    monkeypatch.setattr(chart_specs, "_ruin_domain", lambda _data: [0.0, 0.5])
    built.clear()
    assert [ruin_spec(curve) for curve in curves] == [render.spec(original(curve)) for curve in curves]
    assert len(built) == len(curves)
