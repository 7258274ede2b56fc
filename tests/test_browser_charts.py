"""The charts in headless Chromium: tooltips, the log-scale toggle, one definition for the report and the dashboard.

The browser, the server and the network log are those of ``test_browser.py``
(Debian's chromium driven by Playwright; every outside request blocked).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import test_browser
import test_report
from frontiersim.charts.scales import with_log_scale
from frontiersim.report.html import outlook_charts, record_from_result, render_report
from frontiersim.scenario.loader import bundled
from frontiersim.simulate import simulate
from test_browser import NetworkLog, Server, _is_local, _wait_ready
from test_charts import _without_view_names
from test_report import StandInRecord

pytestmark = pytest.mark.slow

#: The fixtures of the browser and report tests: Chromium, a ``frontiersim serve`` process, an optimize record.
browser, server, optimize_record = test_browser.browser, test_browser.server, test_report.optimize_record


def _open_dashboard(browser: Any, server: Server) -> tuple[Any, Any, NetworkLog, list[str]]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    network = NetworkLog(context, _is_local(server.url))
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    page.goto(f"{server.url}/")
    _wait_ready(page, 0)
    return context, page, network, console_errors


#: What the data decides in a specification: the rows, and the log axis' floor and ticks.
_DATA_KEYS = frozenset({"datasets", "views", "domainMin", "constant", "values", "axis_values", "log"})


def _structure(node: Any) -> Any:
    """A specification without what its data decides: its encodings, marks, parameters and texts."""
    if isinstance(node, list):
        return [_structure(item) for item in node]
    if isinstance(node, dict):
        return {
            key: _structure(value)
            for key, value in node.items()
            if key not in _DATA_KEYS and not (key == "name" and str(value).startswith("view_"))
        }
    return node


def test_hover_shows_a_tooltip_with_formatted_values(browser: Any, server: Server) -> None:
    context, page, network, console_errors = _open_dashboard(browser, server)
    try:
        chart = page.locator("#chart-cash_usd svg")
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + 0.55 * box["width"], box["y"] + 0.5 * box["height"])
        tooltip = page.locator("#vg-tooltip-element.visible")
        tooltip.wait_for(state="visible")
        text = tooltip.inner_text()
        date = re.search(r"date\s+(\d{4}-\d{2})", text)
        assert date, text
        median = re.search(r"median\s+(-?\$[\d.,]+[KMBT]?)", text)
        assert median, text
        assert re.search(r"5–95% of draws\s+-?\$[\d.,]+[KMBT]? to -?\$[\d.,]+[KMBT]?", text), text
        assert "e+" not in text
        # the tooltip gives the figures of the month under the pointer, as the chart's data holds them
        rows = page.evaluate("() => Object.values(window.frontiersimCharts.drawn['fan:cash_usd'].datasets)[0]")
        row = next(row for row in rows if row["date"] == date.group(1))
        assert median.group(1) == row["median"]
        # the guide line and the median's dot are drawn at that month
        assert page.locator("#chart-cash_usd .mark-rule path, #chart-cash_usd .mark-rule line").count() >= 1
        page.mouse.move(0, 0)
        page.locator("#vg-tooltip-element.visible").wait_for(state="hidden")
    finally:
        context.close()
    assert network.blocked == []
    assert network.outside() == []
    assert console_errors == [], console_errors


def test_the_log_scale_toggle_changes_the_y_scale(browser: Any, server: Server) -> None:
    context, page, network, console_errors = _open_dashboard(browser, server)

    def y_scale(name: str) -> str:
        return str(page.evaluate("name => window.frontiersimCharts.views[name].scale('y').type", name))

    try:
        figure = page.locator("figure[data-chart='fan:cash_usd']")
        toggle = figure.locator("input.log-toggle")
        # cash crosses zero: a symmetric log scale, so that a median at $0 is not a flat line on the axis
        assert toggle.is_checked()
        assert y_scale("fan:cash_usd") == "symlog"
        assert figure.get_attribute("data-scale") == "symlog"
        toggle.click()
        page.wait_for_function(
            "() => document.querySelector(\"figure[data-chart='fan:cash_usd']\").dataset.scale === 'linear'"
        )
        assert y_scale("fan:cash_usd") == "linear"
        assert not toggle.is_checked()
        # the page switches forms as the Python definition does
        source = page.evaluate("() => window.frontiersimCharts.sources['fan:cash_usd']")
        drawn = page.evaluate("() => window.frontiersimCharts.drawn['fan:cash_usd']")
        assert drawn == with_log_scale(source, False)
        # the choice is kept when the chart is drawn again for a new simulation
        renders = int(page.evaluate("() => document.body.dataset.renders"))
        page.locator("#slider-policy-hedge_factor").fill("1")
        _wait_ready(page, renders)
        assert y_scale("fan:cash_usd") == "linear"
        toggle.click()
        page.wait_for_function(
            "() => document.querySelector(\"figure[data-chart='fan:cash_usd']\").dataset.scale === 'symlog'"
        )
        # revenue stays positive: a plain log scale; P(ruin) has no toggle
        assert y_scale("fan:demand_usd_per_year") == "log"
        assert page.locator("figure[data-chart='ruin'] input.log-toggle").count() == 0
    finally:
        context.close()
    assert network.blocked == []
    assert console_errors == [], console_errors


def test_report_and_dashboard_draw_the_same_definitions(browser: Any, server: Server, tmp_path: Path) -> None:
    context, page, _network, console_errors = _open_dashboard(browser, server)
    try:
        sources = page.evaluate("() => window.frontiersimCharts.sources")
        names = page.locator("figure[data-chart]").evaluate_all("figures => figures.map(f => f.dataset.chart)")
        draws = int(page.locator("#draws").input_value())
        seed = int(page.locator("#seed").input_value())
    finally:
        context.close()
    assert names == list(sources)
    # the report of the same scenario, draws and seed: the same specifications, data included
    record = record_from_result(simulate(bundled("default"), draws=draws, seed=seed, keep_monthly=True))
    charts = outlook_charts(record.tables)
    assert charts
    for name, chart in charts.items():
        assert _without_view_names(sources[f"fan:{name}"]) == _without_view_names(chart.to_dict()), name
    # and without the data, a report of other draws has the same definitions
    other = outlook_charts(record_from_result(simulate(bundled("default"), draws=300, seed=3)).tables)
    for name, chart in other.items():
        assert _structure(sources[f"fan:{name}"]) == _structure(chart.to_dict()), name
    # the report shows exactly those charts, drawn offline from them
    report = tmp_path / "report.html"
    report.write_text(render_report(record), encoding="utf-8")
    offline = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
    report_page = offline.new_page()
    try:
        report_page.goto(report.as_uri())
        shown = report_page.locator("figure[data-chart^='fan:']").evaluate_all(
            "figures => figures.map(f => [f.dataset.chart, f.querySelector('img').naturalWidth])"
        )
    finally:
        offline.close()
    assert [name for name, _ in shown] == [f"fan:{name}" for name in charts]
    assert all(width > 300 for _, width in shown), shown
    assert console_errors == [], console_errors


def test_report_tables_fit_their_box(browser: Any, tmp_path: Path, optimize_record: StandInRecord) -> None:
    """The optimize report's comparison table wraps to the width of the page's column instead of overflowing."""
    report = tmp_path / "optimize.html"
    report.write_text(render_report(optimize_record), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    try:
        page.goto(report.as_uri())
        widths = page.evaluate(
            "() => Array.from(document.querySelectorAll('#optimize .fit .table-wrap')).map(w => "
            "[w.scrollWidth, w.clientWidth, document.querySelector('main').clientWidth])"
        )
    finally:
        context.close()
    assert widths, "no comparison table"
    for scroll_width, client_width, main_width in widths:
        assert scroll_width <= client_width, widths
        assert client_width <= main_width
