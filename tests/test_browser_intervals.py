"""End to end in headless Chromium: sliders of uncertain keys have two handles, the 5th and 95th percentiles.

Moving them sends the new interval (``intervals`` in the request), the fan of
demand widens or narrows, and the page ends on the figures the API gives for
that interval. The browser, the server and the network log are those of
``tests/test_browser.py`` (Debian's chromium, installed by
``scripts/setup-browser.sh``; skipped locally without it, failed in CI).
"""

from __future__ import annotations

import tomllib
from typing import Any

import httpx
import pytest

import test_browser as end_to_end
from frontiersim.scenario.loader import bundled_text

pytestmark = pytest.mark.slow

# the same module-scoped chromium and `frontiersim serve` process as tests/test_browser.py
browser = end_to_end.browser
server = end_to_end.server
screenshot_dir = end_to_end.screenshot_dir

GROWTH = "demand.growth_per_year"


def _demand_spread(answer: dict[str, Any]) -> float:
    """The ratio of the 95th to the 5th percentile of demand in the last month."""
    demand = next(v for v in answer["fan"]["variables"] if v["name"] == "demand_usd_per_year")
    return float(demand["p95"][-1] / demand["p5"][-1])


def _api_answer(server: end_to_end.Server, draws: int, intervals: dict[str, list[float]]) -> dict[str, Any]:
    body = {"scenario": tomllib.loads(bundled_text("default")), "draws": draws, "seed": 20260101}
    if intervals:
        body["intervals"] = intervals
    response = httpx.post(f"{server.url}/api/simulate", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_two_handles_move_the_interval_and_the_fan(
    browser: Any, server: end_to_end.Server, screenshot_dir: Any
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    network = end_to_end.NetworkLog(context, end_to_end._is_local(server.url))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sent: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda request: sent.append(request.post_data_json) if request.url.endswith("/api/simulate") else None,
    )
    try:
        page.goto(f"{server.url}/")
        end_to_end._wait_ready(page, 0)
        draws = int(page.locator("#draws").input_value())

        # uncertain keys have two handles at the preset's 5th and 95th percentiles; fixed keys keep one
        row = page.locator(f".slider[data-path='{GROWTH}']")
        assert row.locator("input[type=range]").count() == 2
        lower, upper = (
            page.locator("#slider-demand-growth_per_year-p5"),
            page.locator("#slider-demand-growth_per_year-p95"),
        )
        assert (float(lower.input_value()), float(upper.input_value())) == (3.0, 20.0)
        assert row.locator(".slider-value").text_content() == "3.0 to 20.0 x/year"
        assert page.locator(".slider[data-path='policy.hedge_factor'] input[type=range]").count() == 1
        assert page.locator(".slider.interval").count() == 3  # growth, gross margin, compute price
        preset_text = page.locator(".slider[data-path='compute.cost_usd_per_gw_year'] .slider-preset").text_content()
        assert preset_text == "preset: lognormal, 5-95% $10B to $15B/GW/year, median $12.2B/GW/year"
        assert "Dwarkesh Podcast" in (row.locator(".slider-source").text_content() or "")
        assert "intervals" not in sent[-1]
        demand_chart = page.locator("#chart-demand_usd_per_year")  # the fan of demand, however it is drawn
        before_picture = demand_chart.screenshot()
        base = _api_answer(server, draws, {})

        # the 95th percentile's handle, set: a wider interval, a wider fan
        renders = int(page.evaluate("document.body.dataset.renders"))
        upper.fill("30")
        end_to_end._wait_ready(page, renders)
        assert sent[-1]["intervals"] == {GROWTH: [3, 30]}
        wider = _api_answer(server, draws, {GROWTH: [3, 30]})
        page.wait_for_function(
            "p => Number(document.getElementById('p-ruin').dataset.value) === p "
            "&& document.body.dataset.state === 'ready'",
            arg=wider["headline"]["p_ruin"],
        )
        assert _demand_spread(wider) > _demand_spread(base)
        assert demand_chart.screenshot() != before_picture
        assert "now stretched to 5-95% 3.0 to 30.0 x/year" in (row.locator(".slider-preset").text_content() or "")

        # the 5th percentile's handle, dragged with the mouse towards the 95th: a narrower interval
        box = lower.bounding_box()
        assert box is not None
        low, high = float(lower.get_attribute("min") or "nan"), float(lower.get_attribute("max") or "nan")
        thumb = 18.0  # 14 px and a 2 px border each side (style.css)

        def x_of(value: float) -> float:
            return box["x"] + thumb / 2 + (value - low) / (high - low) * (box["width"] - thumb)

        renders = int(page.evaluate("document.body.dataset.renders"))
        page.mouse.move(x_of(3.0), box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(x_of(12.0), box["y"] + box["height"] / 2, steps=8)
        page.mouse.up()
        end_to_end._wait_ready(page, renders)
        dragged = float(lower.input_value())
        assert 10.0 <= dragged <= 14.0, dragged
        assert float(upper.input_value()) == 30.0  # the other handle stays
        assert sent[-1]["intervals"] == {GROWTH: [dragged, 30]}
        narrower = _api_answer(server, draws, {GROWTH: [dragged, 30]})
        page.wait_for_function(
            "p => Number(document.getElementById('p-ruin').dataset.value) === p "
            "&& document.body.dataset.state === 'ready'",
            arg=narrower["headline"]["p_ruin"],
        )
        assert _demand_spread(narrower) < _demand_spread(wider)

        # a handle cannot pass the other: the 5th percentile stops one step below the 95th
        lower.fill("29.5")
        lower.fill("40")
        assert float(lower.input_value()) < float(upper.input_value())
        upper.focus()
        upper.press("End")  # the keyboard moves a handle too, to the end of the track
        assert float(upper.input_value()) == float(upper.get_attribute("max") or "nan")
        page.screenshot(path=str(screenshot_dir / "dashboard-intervals.png"), full_page=True)

        # reset to the preset: the handles and the request are the preset's again
        renders = int(page.evaluate("document.body.dataset.renders"))
        page.click("#reset")
        end_to_end._wait_ready(page, renders)
        assert (float(lower.input_value()), float(upper.input_value())) == (3.0, 20.0)
        assert "intervals" not in sent[-1]
        assert float(page.locator("#p-ruin").get_attribute("data-value") or "nan") == base["headline"]["p_ruin"]
    finally:
        context.close()
    assert network.blocked == []
    assert errors == []


def test_handles_dragged_to_the_ends_of_the_track_are_never_refused(browser: Any, server: end_to_end.Server) -> None:
    """The gross margin's handles dragged to both ends: its triangular, stretched to 0.3 to 0.9, would pass 1.

    The server moves the interval to the nearest one whose stretch stays in
    [0, 1] and says so in a warning: the page never shows a problem, at the
    ends or on the way there.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sent: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda request: sent.append(request.post_data_json) if request.url.endswith("/api/simulate") else None,
    )
    statuses: list[int] = []
    page.on("response", lambda response: statuses.append(response.status) if "/api/simulate" in response.url else None)
    try:
        page.goto(f"{server.url}/")
        end_to_end._wait_ready(page, 0)
        page.evaluate(
            "() => { window.pageStates = []; new MutationObserver(() => "
            "window.pageStates.push(document.body.dataset.state)).observe(document.body, "
            "{attributes: true, attributeFilter: ['data-state']}); }"
        )
        row = page.locator(".slider[data-path='operations.gross_margin']")
        lower = page.locator("#slider-operations-gross_margin-p5")
        upper = page.locator("#slider-operations-gross_margin-p95")
        assert "is moved to the nearest one within them" in (upper.get_attribute("title") or "")
        low, high = float(lower.get_attribute("min") or "nan"), float(lower.get_attribute("max") or "nan")
        assert (low, high) == (0.3, 0.9)
        box = lower.bounding_box()
        assert box is not None
        thumb = 18.0  # 14 px and a 2 px border each side (style.css)

        def x_of(value: float) -> float:
            return box["x"] + thumb / 2 + (value - low) / (high - low) * (box["width"] - thumb)

        middle = box["y"] + box["height"] / 2
        for handle, start, end in (
            (upper, float(upper.input_value()), box["x"] + box["width"] + 30),
            (lower, float(lower.input_value()), box["x"] - 30),
        ):
            renders = int(page.evaluate("document.body.dataset.renders"))
            page.mouse.move(x_of(start), middle)
            page.mouse.down()
            page.mouse.move(end, middle, steps=10)
            page.mouse.up()
            end_to_end._wait_ready(page, renders)
            assert handle.input_value() in ("0.3", "0.9")
        assert (float(lower.input_value()), float(upper.input_value())) == (0.3, 0.9)
        assert sent[-1]["intervals"] == {"operations.gross_margin": [0.3, 0.9]}
        page.wait_for_function(
            "() => document.body.dataset.state === 'ready' && "
            "[...document.querySelectorAll('#warnings li')].some(li => li.textContent.includes('0.3 to 0.9'))"
        )
        warnings = page.locator("#warnings").text_content() or ""
        assert "intervals.operations.gross_margin: the 5-95% interval 0.3 to 0.9 would stretch" in warnings
        assert "moved to the nearest interval that keeps within them" in warnings
        assert page.locator("#problems-panel").is_hidden()
        assert row.locator(".slider-value").text_content() == "0.30 to 0.90"
        assert "error" not in page.evaluate("window.pageStates")
        assert set(statuses) <= {200, 409}, statuses
    finally:
        context.close()
    assert errors == []
