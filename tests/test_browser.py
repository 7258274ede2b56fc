"""End to end in headless Chromium: the dashboard and the HTML report, with every outside request blocked.

The browser is Debian's chromium at /usr/bin/chromium, installed by
``scripts/setup-browser.sh`` and driven by Playwright's Python package (no
browser download). Without it the tests are skipped, except in CI (the
``CI`` environment variable set), where they fail.

Screenshots go to ``$FRONTIERSIM_SCREENSHOT_DIR`` (default: the test's
temporary folder).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from frontiersim.cli.main import main
from frontiersim.scenario.loader import bundled, bundled_text
from frontiersim.simulate import simulate
from frontiersim.store import RunStore

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.slow


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: run scripts/setup-browser.sh (installs Debian's chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"the browser test must run in CI, but {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_chromium()
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only when the browser exists

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Server:
    """A ``frontiersim serve`` process on a free port with its own run store."""

    url: str
    store: Path
    output: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    _require_chromium()
    store = tmp_path_factory.mktemp("browser-store") / "runs.duckdb"
    command = [sys.executable, "-m", "frontiersim.cli.main", "serve", "--port", "0", "--store", str(store)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", first)
        assert match, f"frontiersim serve did not start: {first}"
        running = Server(match.group(1), store, [first])
        stream = process.stdout
        drain = threading.Thread(target=lambda: running.output.extend(stream), daemon=True)
        drain.start()
        try:
            yield running
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    configured = os.environ.get("FRONTIERSIM_SCREENSHOT_DIR", "").strip()
    folder = Path(configured) if configured else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class NetworkLog:
    """Every request a page makes; requests outside ``allowed`` are aborted and kept in ``blocked``."""

    def __init__(self, context: Any, allowed: Any) -> None:
        self.allowed = allowed
        self.requests: list[str] = []
        self.blocked: list[str] = []
        context.on("request", lambda request: self.requests.append(request.url))
        context.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if self.allowed(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def outside(self) -> list[str]:
        return [url for url in self.requests if not self.allowed(url)]


def _is_local(origin: str) -> Any:
    def allowed(url: str) -> bool:
        return url.startswith(f"{origin}/") or url.startswith(("data:", "blob:"))

    return allowed


def _wait_ready(page: Any, renders_above: int) -> None:
    page.wait_for_function(
        "n => Number(document.body.dataset.renders) > n && document.body.dataset.state === 'ready'",
        arg=renders_above,
    )


def _snapshot(page: Any) -> dict[str, str | None]:
    return {
        "p_ruin_text": page.locator("#p-ruin").text_content(),
        "p_ruin_value": page.locator("#p-ruin").get_attribute("data-value"),
        "interval": page.locator("#p-ruin-interval").text_content(),
        "ruin_line": page.locator("#chart-ruin .mark-line path").first.get_attribute("d"),
        "capacity_median": page.locator("#chart-capacity_gw .mark-line path").first.get_attribute("d"),
        "cash_band": page.locator("#chart-cash_usd .mark-area path").first.get_attribute("d"),
    }


def test_dashboard_end_to_end(browser: Any, server: Server, tmp_path: Path, screenshot_dir: Path) -> None:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    network = NetworkLog(context, _is_local(server.url))
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    try:
        page.goto(f"{server.url}/")
        _wait_ready(page, 0)
        assert page.locator("#preset").input_value() == "bundled:default"
        before = _snapshot(page)
        assert before["p_ruin_text"]
        assert before["p_ruin_text"].endswith("%")
        assert "95% Wilson interval" in (before["interval"] or "")
        # what the lab owes after the horizon, and P(ruin) if it then runs off its contracts
        runoff = float(page.locator("#p-ruin-runoff").get_attribute("data-value") or "nan")
        assert float(before["p_ruin_value"] or "nan") <= runoff <= 1.0
        assert (page.locator("#p-ruin-runoff").text_content() or "").endswith("%")
        assert re.fullmatch(r"\$[\d.]+[BT]", page.locator("#obligations").text_content() or "")
        assert page.locator("#chart-revenue_usd_per_year .mark-line path").first.get_attribute("d")
        assert page.locator("input[type=range]").count() == 13  # three uncertain keys have two handles
        page.screenshot(path=str(screenshot_dir / "dashboard-default.png"), full_page=True)
        renders = int(page.evaluate("document.body.dataset.renders"))

        # move two sliders: one by fill (sets the value, dispatches input and change), one by keyboard
        hedge = page.locator("#slider-policy-hedge_factor")
        hedge.fill("2")
        cash = page.locator("#slider-finance-starting_cash_usd")
        cash.focus()
        cash.press("Home")
        assert cash.input_value() == "0"

        # the page ends on the figures the API gives for the edited scenario
        mapping = tomllib.loads(bundled_text("default"))
        mapping["policy"]["hedge_factor"] = 2
        mapping["finance"]["starting_cash_usd"] = 0
        expected = httpx.post(
            f"{server.url}/api/simulate", json={"scenario": mapping, "draws": 10_000, "seed": 20260101}, timeout=60
        ).json()["headline"]["p_ruin"]
        page.wait_for_function(
            "p => Number(document.getElementById('p-ruin').dataset.value) === p "
            "&& document.body.dataset.state === 'ready'",
            arg=expected,
        )
        after = _snapshot(page)
        assert int(page.evaluate("document.body.dataset.renders")) > renders
        for key in ("p_ruin_text", "p_ruin_value", "interval", "ruin_line", "capacity_median", "cash_band"):
            assert after[key] != before[key], key
        hedge_row = page.locator(".slider[data-path='policy.hedge_factor']")
        assert "moved" in (hedge_row.get_attribute("class") or "")
        assert hedge_row.locator(".slider-value").text_content() == "2.00 x"
        assert "now fixed at" in (hedge_row.locator(".slider-preset").text_content() or "")
        assert page.locator("#problems-panel").is_hidden()

        # download the scenario and validate it with the CLI
        with page.expect_download() as download_info:
            page.click("#download")
        download = download_info.value
        assert download.suggested_filename == "default.toml"
        saved_toml = tmp_path / "downloaded" / download.suggested_filename
        download.save_as(saved_toml)
        assert main(["validate", str(saved_toml)]) == 0
        downloaded = tomllib.loads(saved_toml.read_text(encoding="utf-8"))
        assert downloaded["policy"]["hedge_factor"] == 2
        assert downloaded["finance"]["starting_cash_usd"] == 0
        assert downloaded["simulation"] == {"draws": 10_000, "seed": 20260101}

        # save the run with a message; it lands in the store and becomes a preset
        page.fill("#message", "hedge 2, no starting cash (browser test)")
        page.click("#save")
        page.wait_for_selector("#saved[data-run-id]")
        run_id = page.locator("#saved").get_attribute("data-run-id")
        assert run_id
        record = RunStore(server.store).get(run_id)
        assert record.status == "complete"
        assert record.message == "hedge 2, no starting cash (browser test)"
        assert float(record.tables["headline"]["p_ruin"].iloc[0]) == expected
        # the preset list is reloaded after the save is confirmed: wait for it
        page.wait_for_selector(f"#preset option[value='run:{run_id}']", state="attached")
        assert page.locator(f"#preset option[value='run:{run_id}']").count() == 1

        page.screenshot(path=str(screenshot_dir / "dashboard-edited.png"), full_page=True)

        # a bad value shows the server's problems on the page instead of failing silently
        page.fill("#draws", "0")
        page.locator("#draws").dispatch_event("change")
        page.wait_for_selector("#problems-panel:not([hidden])")
        assert "draws" in (page.locator("#problems").text_content() or "")
    finally:
        context.close()
    assert network.blocked == []
    assert network.outside() == []
    assert any(url.endswith("/api/simulate") for url in network.requests)
    # the bad draws (422) and superseded simulations (409) are answers the page expects
    assert console_errors == [] or all(re.search(r"\b(400|409|422)\b", e) for e in console_errors), console_errors


def _hedge_answer(server: Server, hedge: float, draws: int) -> float:
    mapping = tomllib.loads(bundled_text("default"))
    mapping["policy"]["hedge_factor"] = hedge
    body = {"scenario": mapping, "draws": draws, "seed": 20260101}
    return float(httpx.post(f"{server.url}/api/simulate", json=body, timeout=60).json()["headline"]["p_ruin"])


def test_busy_and_superseded_answers(browser: Any, server: Server) -> None:
    """A 503 is asked again once after its Retry-After, with a note meanwhile; 409s and late answers are ignored."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    network = NetworkLog(context, _is_local(server.url))
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    client_ids: list[str] = []
    answers: list[int] = []
    request_numbers: list[int] = []

    def note_request(request: Any) -> None:
        if request.url.endswith("/api/simulate"):
            client_ids.append(request.headers.get("x-client-id", ""))
            request_numbers.append(int(request.headers.get("x-request-number", "-1")))

    page.on("request", note_request)
    page.on("response", lambda response: answers.append(response.status) if "/api/" in response.url else None)
    planned: list[tuple[int, dict[str, str]]] = []

    def answer_as_planned(route: Any) -> None:
        if not planned:
            route.fallback()
            return
        status, headers = planned.pop(0)
        body = json.dumps({"error": f"planned {status}", "problems": []})
        route.fulfill(status=status, headers=headers, content_type="application/json", body=body)

    try:
        page.goto(f"{server.url}/")
        _wait_ready(page, 0)
        draws = int(page.locator("#draws").input_value())
        hedge = page.locator("#slider-policy-hedge_factor")
        page.route("**/api/simulate", answer_as_planned)

        # busy: the page says so, waits the Retry-After seconds and asks again
        planned.append((503, {"Retry-After": "1"}))
        renders = int(page.evaluate("document.body.dataset.renders"))
        hedge.fill("1.5")
        page.wait_for_function("() => document.getElementById('status').textContent.includes('server busy')")
        assert "trying again in 1 s" in (page.locator("#status").text_content() or "")
        _wait_ready(page, renders)
        assert float(page.locator("#p-ruin").get_attribute("data-value") or "nan") == _hedge_answer(server, 1.5, draws)
        assert page.locator("#problems-panel").is_hidden()

        # superseded (409): ignored quietly, no problems shown; the next change is drawn
        planned.append((409, {}))
        with page.expect_response(lambda response: response.url.endswith("/api/simulate") and response.status == 409):
            hedge.fill("0.6")
        page.wait_for_timeout(200)
        assert page.locator("#problems-panel").is_hidden()
        assert "error" not in (page.locator("#status").get_attribute("class") or "")
        renders = int(page.evaluate("document.body.dataset.renders"))
        hedge.fill("0.5")
        _wait_ready(page, renders)
        assert float(page.locator("#p-ruin").get_attribute("data-value") or "nan") == _hedge_answer(server, 0.5, draws)
        assert page.locator("#problems-panel").is_hidden()

        # changes faster than the simulations: the server supersedes the older ones, the page draws the newest
        for value in ("0.8", "1", "1.2"):  # on the slider's grid of 0.02
            hedge.fill(value)
            page.wait_for_timeout(200)
        expected = _hedge_answer(server, 1.2, draws)
        page.wait_for_function(
            "p => Number(document.getElementById('p-ruin').dataset.value) === p "
            "&& document.body.dataset.state === 'ready'",
            arg=expected,
        )
        assert page.locator("#problems-panel").is_hidden()
        assert page.locator("#status").text_content() == "up to date"
    finally:
        context.close()
    assert network.blocked == []
    assert len(set(client_ids)) == 1, client_ids  # one id per page load, on every request
    assert re.fullmatch(r"[0-9a-f]{32}", client_ids[0])
    assert request_numbers == sorted(set(request_numbers)), request_numbers  # increasing, from 1
    assert request_numbers[0] >= 1
    assert set(answers) <= {200, 409, 503}, answers
    assert all(re.search(r"\b(409|503)\b", e) for e in console_errors), console_errors


def test_dashboard_with_several_labs(browser: Any, server: Server, screenshot_dir: Path) -> None:
    """The four-lab preset: every lab's P(ruin) in a table, the first lab drawn, another chosen by the selector."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    network = NetworkLog(context, _is_local(server.url))
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    labs = ["alpha", "beta", "gamma", "delta"]
    try:
        page.goto(f"{server.url}/")
        _wait_ready(page, 0)
        assert page.locator("#labs-panel").is_hidden()  # one lab: no lab table, no selector
        assert page.locator("#lab-picker").is_hidden()
        renders = int(page.evaluate("document.body.dataset.renders"))
        page.select_option("#preset", "bundled:four_labs")
        page.wait_for_function("() => document.getElementById('lab-name').textContent === 'alpha'")
        _wait_ready(page, renders)
        assert page.locator("#labs-panel").is_visible()
        assert page.locator("#lab-picker").is_visible()
        assert page.locator("#labs tbody tr").evaluate_all("rows => rows.map(r => r.dataset.lab)") == labs
        assert page.locator("#labs tbody tr.selected").get_attribute("data-lab") == "alpha"
        draws = int(page.locator("#draws").input_value())
        mapping = tomllib.loads(bundled_text("four_labs"))
        answer = httpx.post(
            f"{server.url}/api/simulate",
            json={"scenario": mapping, "draws": draws, "seed": 20260101, "lab": "gamma"},
            timeout=120,
        ).json()
        by_lab = {lab["name"]: lab["p_ruin"] for lab in answer["labs"]}
        shown = page.locator("#labs tbody tr td[data-value]").evaluate_all("cells => cells.map(c => c.dataset.value)")
        assert [float(value) for value in shown] == [by_lab[name] for name in labs]
        own = page.locator(".slider[data-path='finance.starting_cash_usd'] .slider-own")
        assert "set their own values" in (own.text_content() or "")

        renders = int(page.evaluate("document.body.dataset.renders"))
        page.select_option("#lab", "gamma")
        page.wait_for_function(
            "p => Number(document.getElementById('p-ruin').dataset.value) === p "
            "&& document.getElementById('lab-name').textContent === 'gamma'",
            arg=answer["headline"]["p_ruin"],
        )
        _wait_ready(page, renders)
        assert page.locator("#labs tbody tr.selected").get_attribute("data-lab") == "gamma"
        assert page.locator("#chart-market_demand_usd_per_year").is_visible()
        page.screenshot(path=str(screenshot_dir / "dashboard-four-labs.png"), full_page=True)
    finally:
        context.close()
    assert network.blocked == []
    assert network.outside() == []
    assert console_errors == [], console_errors


def test_report_renders_offline(browser: Any, tmp_path: Path, screenshot_dir: Path) -> None:
    html = pytest.importorskip("frontiersim.report.html")
    result = simulate(bundled("default"), draws=2000, seed=1, keep_monthly=True)
    report = tmp_path / "report.html"
    report.write_text(html.report_from_result(result, message="browser test"), encoding="utf-8")
    file_url = report.as_uri()
    context = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
    network = NetworkLog(context, lambda url: url == file_url or url.startswith("data:"))
    page = context.new_page()
    try:
        page.goto(file_url)
        page.wait_for_load_state("load")
        assert page.title()
        assert page.locator("svg, img").count() > 0
        page.screenshot(path=str(screenshot_dir / "report.png"), full_page=True)
        text = page.locator("body").inner_text()
        assert "browser test" in text
    finally:
        context.close()
    assert network.blocked == []
    assert network.outside() == []
    assert json.dumps(network.requests).count("file://") >= 1


def test_a_missing_browser_skips_locally_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must run in CI"):
        _require_chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=r"setup-browser\.sh"):
        _require_chromium()
