"""The chart definitions of frontiersim.charts: encodings, the log-scale toggle, tooltips and data."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import frontiersim as fs
from four_labs import LABS, four_lab_result
from frontiersim.charts import render
from frontiersim.charts.frontier import frontier_chart
from frontiersim.charts.run import (
    charts_from_tables,
    fan_chart,
    milestone_chart,
    ruin_by_lab_chart,
    ruin_chart,
    value_text,
)
from frontiersim.charts.scales import USERMETA_KEY, label_expression, value_scale, with_log_scale
from frontiersim.dashboard.payload import chart_payload, lab_rows
from frontiersim.results import run_tables
from frontiersim.units import money


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return run_tables(fs.simulate(fs.bundled("default"), draws=400, seed=7, keep_monthly=True))


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The layers of a chart (of its panel, for one panel per lab)."""
    return list(spec["spec"]["layer"] if "facet" in spec else spec["layer"])


def _y_scale_types(spec: dict[str, Any]) -> set[str]:
    return {
        layer["encoding"]["y"]["scale"]["type"] for layer in _layers(spec) if "scale" in layer["encoding"].get("y", {})
    }


def _without_view_names(node: Any) -> Any:
    """A specification without the names Altair gives its views (they hash the view's content)."""
    if isinstance(node, list):
        return [_without_view_names(item) for item in node]
    if isinstance(node, dict):
        return {
            key: _without_view_names(value)
            for key, value in node.items()
            if key != "views" and not (key == "name" and str(value).startswith("view_"))
        }
    return node


def _rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    (rows,) = spec["datasets"].values()
    return list(rows)


# ---------------------------------------------------------------------------
# Scales
# ---------------------------------------------------------------------------


def test_value_scale_forms() -> None:
    revenue = value_scale([1e9, 5e10, 2e12])
    assert (revenue.log_type, revenue.log) == ("log", True)
    assert revenue.scale(True) == {"type": "log", "domainMin": 1e9, "clamp": True, "nice": False}
    assert revenue.scale(False)["type"] == "linear"
    assert revenue.axis_values(False) is None
    cash = value_scale([-2e9, 0.0, 3e10, 4e11])
    assert (cash.log_type, cash.log) == ("symlog", True)
    assert cash.scale(True)["constant"] == cash.floor
    assert 0.0 in cash.ticks
    assert any(t < 0 for t in cash.ticks)
    narrow = value_scale([10.0, 12.0, 15.0])
    assert not narrow.log
    assert value_scale([0.0, 0.0]).log_type == "symlog"
    assert not value_scale([math.nan]).log


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=-1e13, max_value=1e13, allow_nan=False), min_size=1, max_size=40))
@example([5e-324])  # a subnormal: 10.0**-323 is no power of ten
def test_value_scale_ticks_are_ordered_powers_of_ten(values: list[float]) -> None:
    scale = value_scale(values)
    ticks = list(scale.ticks)
    assert ticks == sorted(ticks)
    assert len(ticks) <= 2 * 7 + 1
    for tick in ticks:
        if tick != 0:
            exponent = math.log10(abs(tick))
            assert exponent == pytest.approx(round(exponent))
    assert scale.log_type == ("symlog" if min(values) <= 0 else "log")
    if scale.log_type == "log":
        assert 0.0 not in ticks


def test_money_axis_labels_read_as_money() -> None:
    expression = label_expression("USD")
    assert "'$0'" in expression
    assert "'B'" in expression
    frame = pd.DataFrame({"x": [0, 1, 2], "y": [0.0, 1.5e9, 3e9]})
    chart = fs_chart(frame, expression)
    text = render.svg(chart)
    labels = re.findall(r">(\$[^<]*)<", text)
    assert "$0" in labels
    assert "$1.5B" in labels or "$1B" in labels
    assert not [label for label in labels if "G" in label or "e+" in label]


def fs_chart(frame: pd.DataFrame, expression: str) -> Any:
    import altair as alt  # noqa: PLC0415

    return alt.Chart(frame).mark_line().encode(x="x:Q", y=alt.Y("y:Q", axis=alt.Axis(labelExpr=expression)))


# ---------------------------------------------------------------------------
# Fan charts
# ---------------------------------------------------------------------------


def test_fan_chart_encodings_and_tooltips(tables: dict[str, pd.DataFrame]) -> None:
    spec = fan_chart(tables["fan"], "revenue_usd_per_year").to_dict()
    layers = _layers(spec)
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in layers]
    assert marks == ["area", "area", "line", "rule", "point", "rect"]
    outer, inner, median = layers[0]["encoding"], layers[1]["encoding"], layers[2]["encoding"]
    assert (outer["y"]["field"], outer["y2"]["field"]) == ("p5", "p95")
    assert (inner["y"]["field"], inner["y2"]["field"]) == ("p25", "p75")
    assert median["y"]["field"] == "p50"
    assert outer["y"]["axis"]["title"] == "revenue (USD/year)"
    assert "$" in outer["y"]["axis"]["labelExpr"]
    tooltip = layers[-1]["encoding"]["tooltip"]
    assert [t["title"] for t in tooltip] == ["date", "median", "25–75% of draws", "5–95% of draws"]
    params = {param["name"] for param in spec["params"]} | {
        param["name"] for layer in layers for param in layer.get("params", [])
    }
    assert {"hover", "zoom"} <= params
    assert "month-by-month median" in spec["title"]["subtitle"]


def test_fan_chart_data_matches_the_table(tables: dict[str, pd.DataFrame]) -> None:
    fan = tables["fan"]
    rows = fan[fan["variable"] == "cash_usd"]
    spec = fan_chart(fan, "cash_usd").to_dict()
    data = _rows(spec)
    assert [row["date"] for row in data] == rows["date"].astype(str).tolist()
    for column in ("p5", "p25", "p50", "p75", "p95"):
        np.testing.assert_array_equal([row[column] for row in data], rows[column].to_numpy(dtype=float))
    assert [row["median"] for row in data] == [money(v) for v in rows["p50"]]
    assert data[0]["5–95%"] == f"{money(rows['p5'].iloc[0])} to {money(rows['p95'].iloc[0])}"


def test_cash_and_unserved_demand_start_on_a_symmetric_log_scale(tables: dict[str, pd.DataFrame]) -> None:
    """Cash crosses zero and unserved demand sits at $0 for months: symlog shows both, a log scale neither."""
    for variable in ("cash_usd", "unserved_usd_per_year"):
        spec = fan_chart(tables["fan"], variable).to_dict()
        toggle = spec["usermeta"][USERMETA_KEY]["log_toggle"]
        assert toggle["log"] is True
        assert toggle["forms"]["log"]["scale"]["type"] == "symlog"
        assert _y_scale_types(spec) == {"symlog"}
        assert 0.0 in _layers(spec)[0]["encoding"]["y"]["axis"]["values"]
    demand = fan_chart(tables["fan"], "demand_usd_per_year").to_dict()
    assert _y_scale_types(demand) == {"log"}


def test_the_log_toggle_switches_every_value_axis(tables: dict[str, pd.DataFrame]) -> None:
    spec = fan_chart(tables["fan"], "cash_usd").to_dict()
    linear = with_log_scale(spec, False)
    assert _y_scale_types(linear) == {"linear"}
    assert all("values" not in layer["encoding"]["y"]["axis"] for layer in _layers(linear) if "y" in layer["encoding"])
    assert linear["usermeta"][USERMETA_KEY]["log_toggle"]["log"] is False
    assert _without_view_names(with_log_scale(linear, True)) == _without_view_names(spec)
    assert spec == fan_chart(tables["fan"], "cash_usd").to_dict()  # left as it was
    assert _without_view_names(fan_chart(tables["fan"], "cash_usd", log=False).to_dict()) == _without_view_names(linear)
    with pytest.raises(ValueError, match="no log-scale toggle"):
        with_log_scale(ruin_chart(tables["ruin_curve"]).to_dict(), True)


def test_fan_chart_of_several_labs_has_a_panel_per_lab() -> None:
    tables = run_tables(four_lab_result(draws=100, seed=2))
    spec = fan_chart(tables["fan"], "cash_usd").to_dict()
    assert spec["facet"]["field"] == "lab"
    assert spec["facet"]["sort"] == list(LABS)
    assert {row["lab"] for row in _rows(spec)} == set(LABS)
    colour = _layers(spec)[0]["encoding"]["color"]
    assert colour["field"] == "lab"
    assert colour["scale"]["domain"] == list(LABS)
    one = fan_chart(tables["fan"], "cash_usd", lab="b").to_dict()
    assert "facet" not in one
    assert one["title"]["text"].endswith("lab b")
    with pytest.raises(ValueError, match="no rows of 'nothing'"):
        fan_chart(tables["fan"], "nothing")
    by_lab = ruin_by_lab_chart(tables["headline"]).to_dict()
    data = next(iter(by_lab["datasets"].values()))
    assert [row["lab"] for row in data] == list(LABS)
    ruin = ruin_chart(tables["ruin_curve"]).to_dict()
    assert ruin["layer"][0]["encoding"]["color"]["field"] == "lab"


# ---------------------------------------------------------------------------
# Other charts
# ---------------------------------------------------------------------------


def test_ruin_chart_data_and_tooltip(tables: dict[str, pd.DataFrame]) -> None:
    curve = tables["ruin_curve"]
    spec = ruin_chart(curve).to_dict()
    data = _rows(spec)
    np.testing.assert_array_equal([row["p_ruin"] for row in data], curve["p_ruin"].to_numpy(dtype=float))
    assert [row["P(ruin) so far"] for row in data] == [value_text(p, "probability") for p in curve["p_ruin"]]
    tooltip = spec["layer"][-1]["encoding"]["tooltip"]
    assert [t["title"] for t in tooltip] == ["month", "P(ruin) so far"]
    assert spec["layer"][0]["encoding"]["y"]["axis"]["format"].endswith("%")


def test_frontier_chart_data() -> None:
    table = pd.DataFrame(
        {
            "policy": ["hedge 0.5", "hedge 1", "spot"],
            "kind": ["candidate", "candidate", "naive"],
            "P(ruin)": [0.01, 0.05, 0.2],
            "P(ruin) low": [0.005, 0.04, 0.18],
            "P(ruin) high": [0.02, 0.06, 0.22],
            "objective mean": [1e11, 2e11, 5e10],
            "objective se": [1e9, 2e9, 1e9],
            "feasible": [True, False, False],
            "chosen": [True, False, False],
        }
    )
    spec = frontier_chart(table, max_ruin=0.02).to_dict()
    rows = next(rows for rows in spec["datasets"].values() if "status" in rows[0])
    # the chosen candidate is drawn last, on top; the line joins the candidates in the table's order
    assert [row["status"] for row in rows] == ["candidate, infeasible", "naive policy", "chosen"]
    assert [row["order"] for row in rows] == [1, 2, 0]
    assert [row["objective_high"] for row in rows] == [2.04e11, 5.2e10, 1.02e11]
    assert rows[-1]["objective ± 2 SE"] == "$100B ± $2B"
    assert spec["layer"][0]["mark"]["type"] == "rect"  # the feasible region
    with pytest.raises(ValueError, match="lacks the column"):
        frontier_chart(table.drop(columns=["objective se"]))


def test_milestone_chart_rows() -> None:
    result = fs.simulate(fs.bundled("capability_driven"), draws=200, seed=3)
    milestones = run_tables(result)["milestones"]
    spec = milestone_chart(milestones).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert len(rows) == len(milestones)
    assert sum(row["median"] is not None for row in rows) == int((milestones["p50_date"] != "").sum())


def test_every_chart_renders_offline(tables: dict[str, pd.DataFrame]) -> None:
    charts = charts_from_tables(tables)
    assert set(charts) >= {"cash_usd", "ruin_curve"}
    svg = render.svg(charts["cash_usd"])
    assert svg.startswith("<svg")
    assert "Cash, by month" in svg
    assert render.png(charts["ruin_curve"]).startswith(b"\x89PNG")


# ---------------------------------------------------------------------------
# One definition: the dashboard sends the charts the report draws
# ---------------------------------------------------------------------------


def test_dashboard_charts_are_the_report_definitions(tables: dict[str, pd.DataFrame]) -> None:
    from frontiersim.report.html import outlook_charts  # noqa: PLC0415

    sent = {chart["name"]: chart["spec"] for chart in chart_payload(tables, None, several_labs=False)}
    assert list(sent) == ["ruin", *(f"fan:{name}" for name in pd.unique(tables["fan"]["variable"]))]
    for name, chart in outlook_charts(tables).items():
        assert sent[f"fan:{name}"] == render.spec(chart)
    assert sent["ruin"] == render.spec(ruin_chart(tables["ruin_curve"]))


def test_dashboard_charts_of_one_lab() -> None:
    tables = run_tables(four_lab_result(draws=100, seed=2))
    sent = {chart["name"]: chart["spec"] for chart in chart_payload(tables, "c", several_labs=True)}
    assert sent["fan:cash_usd"] == render.spec(fan_chart(lab_rows(tables["fan"], "c"), "cash_usd"))
    assert "fan:market_demand_usd_per_year" in sent
