"""The dashboard's JSON API: presets, simulation, TOML download, saved runs, and hostile input."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import tomllib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from frontiersim.cli.main import main
from frontiersim.cli.serve_command import is_loopback
from frontiersim.dashboard import create_app
from frontiersim.dashboard.app import CONTENT_SECURITY_POLICY, STATIC_DIR, result_payload
from frontiersim.dashboard.sliders import SLIDERS
from frontiersim.dashboard.worker import page_tables
from frontiersim.models.catalogue import milestone_label
from frontiersim.results.tables import run_tables
from frontiersim.scenario.loader import bundled, bundled_names, bundled_text, parse_scenario, parse_scenario_text
from frontiersim.simulate import simulate
from frontiersim.store import RunStore

with warnings.catch_warnings():
    # starlette 1.x prefers the httpx2 package for its test client and warns when it falls back to httpx
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

BASE_URL = "http://127.0.0.1"


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "runs.duckdb"


@pytest.fixture
def client(store_path: Path) -> Iterator[TestClient]:
    # raise_server_exceptions: an unexpected exception (a would-be 500) fails the test instead of being answered
    with TestClient(create_app(store_path), base_url=BASE_URL, raise_server_exceptions=True) as test_client:
        yield test_client


@pytest.fixture
def default_mapping() -> dict[str, Any]:
    return tomllib.loads(bundled_text("default"))


def assert_client_error(response: httpx.Response, status: int | None = None, fragment: str = "") -> dict[str, Any]:
    """A 4xx JSON answer with a readable message (and the expected status and words, when given)."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if status is not None:
        assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body["error"], str)
    assert body["error"]
    assert isinstance(body["problems"], list)
    text = body["error"] + "\n" + "\n".join(p["text"] for p in body["problems"])
    assert "Traceback" not in text
    assert fragment.lower() in text.lower(), text
    return body


# -- the page ---------------------------------------------------------------------------------------


def test_page_and_assets_are_local(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY
    assert page.headers["x-content-type-options"] == "nosniff"
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", page.text)
    assert references
    assert all(ref.startswith("/static/") or ref.startswith("data:") for ref in references), references
    for asset, kind in (
        ("app.js", "javascript"),
        ("charts.js", "javascript"),
        ("style.css", "text/css"),
        ("vendor/vega.js", "javascript"),
    ):
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200
        assert kind in response.headers["content-type"]
    assert "window.vegaEmbed=" in client.get("/static/vendor/vega.js").text  # Vega, Vega-Lite, Vega-Embed
    for name in ("app.js", "charts.js"):
        script = (STATIC_DIR / name).read_text(encoding="utf-8")
        assert not re.findall(r"https?://[^\s\"'`)]+", script), name
        assert "innerHTML" not in script
        assert "eval(" not in script
    style = (STATIC_DIR / "style.css").read_text(encoding="utf-8")
    assert "url(" not in style
    assert "@import" not in style
    assert "http" not in page.text.replace("http-equiv", "")


# -- presets ----------------------------------------------------------------------------------------


def test_presets_list_the_bundled_scenarios_default_first(client: TestClient) -> None:
    body = client.get("/api/presets").json()
    ids = [p["id"] for p in body["presets"]]
    assert ids[0] == "bundled:default"
    assert sorted(ids) == sorted(f"bundled:{name}" for name in bundled_names())
    assert body["notes"] == []
    assert body["limits"]["max_draws"] == 20_000


@pytest.mark.parametrize("name", bundled_names())
def test_preset_is_the_scenario_mapping_with_sliders(client: TestClient, name: str) -> None:
    body = client.get(f"/api/presets/bundled:{name}").json()
    assert body["scenario"] == tomllib.loads(bundled_text(name))
    assert [s["path"] for s in body["sliders"]] == [s.path for s in SLIDERS]
    for slider in body["sliders"]:
        assert slider["low"] <= slider["value"] <= slider["high"]


def test_slider_values_and_texts_of_the_default(client: TestClient) -> None:
    sliders = {s["path"]: s for s in client.get("/api/presets/bundled:default").json()["sliders"]}
    assert sliders["policy.hedge_factor"]["value"] == 0.6
    assert sliders["finance.starting_cash_usd"]["value"] == 30.0  # $B
    growth = sliders["demand.growth_per_year"]
    assert growth["preset"].startswith("lognormal, 5-95% 3 to 20 x/year")
    assert (growth["uncertain"], growth["p5"], growth["p95"]) == (True, pytest.approx(3.0), pytest.approx(20.0))
    assert sliders["finance.starting_cash_usd"]["preset"] == "$30B"  # units, never e-notation
    assert growth["value"] == pytest.approx((3 * 20) ** 0.5)  # the lognormal's median
    assert "Dwarkesh Podcast" in growth["source"]
    assert not any(s["disabled"] for s in sliders.values() if not s["hidden"])
    # the capability sliders belong to capability-driven demand
    hidden = {path for path, s in sliders.items() if s["hidden"]}
    assert hidden == {s.path for s in SLIDERS if s.section == "capability"}


def test_capability_preset_shows_its_sliders_and_they_change_the_run(client: TestClient) -> None:
    preset = client.get("/api/presets/bundled:capability_driven").json()
    sliders = {s["path"]: s for s in preset["sliders"]}
    capability = [s for path, s in sliders.items() if path.startswith("capability.")]
    assert capability
    assert all(not s["hidden"] and s["disabled"] == "" for s in capability)
    assert "Algorithmic progress in language models" in sliders["capability.efficiency_doubling_months"]["source"]
    # growth-mode keys are refused in capability mode, and say why
    assert sliders["demand.growth_per_year"]["disabled"]
    scenario = preset["scenario"]
    answers = []
    for months in (4.0, 30.0):
        scenario.setdefault("capability", {})["efficiency_doubling_months"] = months
        response = client.post("/api/simulate", json={"scenario": scenario, "draws": 500, "seed": 3})
        assert response.status_code == 200, response.text
        answers.append(response.json()["headline"]["revenue_final_year_median_usd"])
    assert answers[0] > answers[1]  # faster algorithmic progress, more capability, more demand
    milestones = response.json()["milestones"]
    ladder = parse_scenario_text(bundled_text("capability_driven")).capability.milestones
    assert [m["key"] for m in milestones] == [name for name, _ in ladder]
    assert [m["milestone"] for m in milestones] == [milestone_label(name) for name, _ in ladder]
    assert "90% less demand for engineers" in [m["milestone"] for m in milestones]
    assert all(0.0 <= m["share_reached"] <= 1.0 for m in milestones)
    assert all(m["p50_date"] == "" or m["p50_date"][:2] == "20" for m in milestones)
    default = client.post("/api/simulate", json={"scenario": tomllib.loads(bundled_text("default")), "draws": 200})
    assert default.json()["milestones"] == []


def test_sliders_that_do_not_apply_are_disabled_with_a_reason(client: TestClient) -> None:
    sliders = {s["path"]: s for s in client.get("/api/presets/bundled:toy_50_50").json()["sliders"]}
    assert "unused when kind = 'path'" in sliders["demand.growth_per_year"]["disabled"]
    assert "no such key in [policy]" in sliders["policy.hedge_factor"]["disabled"]
    assert sliders["operations.gross_margin"]["disabled"] == ""


# -- simulation -------------------------------------------------------------------------------------


def test_simulate_matches_a_direct_simulation(client: TestClient, default_mapping: dict[str, Any]) -> None:
    response = client.post("/api/simulate", json={"scenario": default_mapping, "draws": 3000, "seed": 7})
    assert response.status_code == 200, response.text
    body = response.json()
    direct = run_tables(simulate(parse_scenario(default_mapping), draws=3000, seed=7, keep_monthly=True))
    headline = direct["headline"].iloc[0]
    for key in (
        "p_ruin",
        "p_ruin_low",
        "p_ruin_high",
        "revenue_final_year_median_usd",
        "p_ruin_including_runoff",
        "obligations_after_horizon_median_usd",
    ):
        assert body["headline"][key] == pytest.approx(float(headline[key]), rel=1e-12), key
    # the run-off can only add ruin; surviving labs of the default owe payments after the horizon
    assert body["headline"]["p_ruin"] <= body["headline"]["p_ruin_including_runoff"] <= 1.0
    assert body["headline"]["obligations_after_horizon_median_usd"] > 0
    assert body["headline"]["p_ruin_low"] < body["headline"]["p_ruin"] < body["headline"]["p_ruin_high"]
    assert body["draws"] == 3000
    assert body["seed"] == 7
    fan = direct["fan"]
    assert body["fan"]["period"] == "month"
    assert len(body["fan"]["dates"]) == 60
    assert body["fan"]["dates"][0] == "2026-01"
    by_name = {v["name"]: v for v in body["fan"]["variables"]}
    assert set(by_name) == set(fan["variable"])
    revenue = fan[fan["variable"] == "revenue_usd_per_year"]
    np.testing.assert_allclose(by_name["revenue_usd_per_year"]["p50"], revenue["p50"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(by_name["revenue_usd_per_year"]["p95"], revenue["p95"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(body["ruin_curve"]["p_ruin"], direct["ruin_curve"]["p_ruin"].to_numpy(), rtol=1e-12)
    assert body["ruin_curve"]["p_ruin"][-1] == pytest.approx(body["headline"]["p_ruin"])
    assert body["company_pnl"]["lines"][0]["line"] == "revenue"
    assert body["timing"]["simulate_seconds"] > 0


@pytest.mark.parametrize("name", ["default", "four_labs", "capability_driven"])
def test_the_page_tables_give_what_the_run_tables_give(name: str) -> None:
    """An update builds only the tables the page draws; its answer is the one all the run tables give."""
    scenario = bundled(name)
    result = simulate(scenario, draws=300, seed=2, keep_monthly=True)
    for lab in scenario.lab_names:
        assert result_payload(page_tables(result), lab) == result_payload(run_tables(result), lab)


def test_a_slider_value_replaces_a_distribution(client: TestClient, default_mapping: dict[str, Any]) -> None:
    base = client.post("/api/simulate", json={"scenario": default_mapping, "draws": 2000, "seed": 3}).json()
    edited = json.loads(json.dumps(default_mapping))
    edited["demand"]["growth_per_year"] = 2  # a fixed number where the preset has "3 to 20"
    edited["policy"]["hedge_factor"] = 2.0
    changed = client.post("/api/simulate", json={"scenario": edited, "draws": 2000, "seed": 3}).json()
    direct = simulate(parse_scenario(edited), draws=2000, seed=3)
    assert changed["headline"]["p_ruin"] == pytest.approx(direct.ruin_probability())
    assert changed["headline"]["p_ruin"] != base["headline"]["p_ruin"]


def test_draws_and_seed_default_to_the_scenario(store_path: Path, default_mapping: dict[str, Any]) -> None:
    small = dict(default_mapping, simulation={"draws": 500, "seed": 11})
    with TestClient(create_app(store_path), base_url=BASE_URL) as client:
        body = client.post("/api/simulate", json={"scenario": small}).json()
    assert (body["draws"], body["seed"]) == (500, 11)


def test_scenario_draws_over_the_limit_must_be_overridden(store_path: Path, default_mapping: dict[str, Any]) -> None:
    with TestClient(create_app(store_path, max_draws=500), base_url=BASE_URL) as client:
        response = client.post("/api/simulate", json={"scenario": default_mapping})
        assert_client_error(response, 422, "limit of 500; send draws")
        assert client.post("/api/simulate", json={"scenario": default_mapping, "draws": 500}).status_code == 200


def test_long_horizons_are_capped(client: TestClient, default_mapping: dict[str, Any]) -> None:
    long = json.loads(json.dumps(default_mapping))
    long["scenario"]["horizon_years"] = 50
    response = client.post("/api/simulate", json={"scenario": long, "draws": 20_000, "seed": 1})
    body = assert_client_error(response, 422, "draw-months")
    assert body["problems"][0]["path"] == "draws"
    assert "at most 2000 draws" in body["problems"][0]["message"]
    longer = json.loads(json.dumps(default_mapping))
    longer["scenario"]["horizon_years"] = 100
    assert_client_error(client.post("/api/simulate", json={"scenario": longer, "draws": 10}), 422, "horizon_years")


def test_every_problem_is_reported_once(client: TestClient, default_mapping: dict[str, Any]) -> None:
    bad = json.loads(json.dumps(default_mapping))
    bad["demand"]["growth_per_year"] = "fast"
    bad["compute"]["lead_time_months"] = 1.5
    bad["finance"]["bogus"] = 1
    response = client.post("/api/simulate", json={"scenario": bad, "draws": "10", "extra": 1})
    body = assert_client_error(response, 422)
    paths = sorted(p["path"] for p in body["problems"])
    assert paths == sorted(["demand.growth_per_year", "compute.lead_time_months", "finance.bogus", "draws", "extra"])
    by_path = {p["path"]: p["message"] for p in body["problems"]}
    assert by_path["compute.lead_time_months"] == "got 1.5 (float); expected an integer in [0, 600]"
    assert by_path["draws"] == "got '10' (string); expected an integer in [1, 20000]"


# -- TOML download ----------------------------------------------------------------------------------


def test_download_round_trips_and_validates(
    client: TestClient, default_mapping: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = json.loads(json.dumps(default_mapping))
    edited["scenario"]["description"] = 'Quotes " and \\ backslashes,\nnew lines and ünïcödé 🚀'
    edited["policy"]["hedge_factor"] = 0.85
    response = client.post("/api/scenario.toml", json={"scenario": edited, "draws": 1234, "seed": 99})
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="default.toml"'
    assert response.headers["content-type"].startswith("application/toml")
    text = response.content.decode("utf-8")
    expected = dict(edited, simulation={"draws": 1234, "seed": 99})
    assert tomllib.loads(text) == expected
    assert parse_scenario_text(text) == parse_scenario(expected)
    path = tmp_path / "downloaded.toml"
    path.write_bytes(response.content)
    capsys.readouterr()
    assert main(["validate", str(path)]) == 0
    assert "ok:" in capsys.readouterr().out


def test_download_file_name_is_safe(client: TestClient, default_mapping: dict[str, Any]) -> None:
    named = json.loads(json.dumps(default_mapping))
    named["scenario"]["name"] = '../../etc/pass"wd X-Evil: 1'
    response = client.post("/api/scenario.toml", json={"scenario": named, "draws": 10})
    assert response.headers["content-disposition"] == 'attachment; filename="etc_pass_wd_X-Evil_1.toml"'
    # a name that would split the header is a problem of the scenario, answered as such
    named["scenario"]["name"] = "evil\r\nX-Evil: 1"
    response = client.post("/api/scenario.toml", json={"scenario": named, "draws": 10})
    assert response.status_code in (400, 422)
    assert "x-evil" not in response.headers
    assert "scenario.name" in response.text


# -- saved runs -------------------------------------------------------------------------------------


def test_save_run_lands_in_the_store(client: TestClient, default_mapping: dict[str, Any], store_path: Path) -> None:
    edited = json.loads(json.dumps(default_mapping))
    edited["policy"]["hedge_factor"] = 0.9
    body = {"scenario": edited, "draws": 1500, "seed": 5, "message": "hedge 0.9 from the dashboard"}
    response = client.post("/api/runs", json=body)
    assert response.status_code == 200, response.text
    saved = response.json()
    record = RunStore(store_path).get(saved["run_id"])
    assert record.status == "complete"
    assert record.kind == "run"
    assert record.message == "hedge 0.9 from the dashboard"
    assert (record.draws, record.seed) == (1500, 5)
    assert tomllib.loads(record.scenario_text) == dict(edited, simulation={"draws": 1500, "seed": 5})
    assert float(record.tables["headline"]["p_ruin"].iloc[0]) == saved["headline"]["p_ruin"]
    assert record.metrics["p_ruin"] == saved["headline"]["p_ruin"]
    assert len(record.draw_table("draws")) == 1500
    # the run becomes a preset, whose scenario reproduces it
    presets = client.get("/api/presets").json()["presets"]
    assert f"run:{saved['run_id']}" in [p["id"] for p in presets]
    preset = client.get(f"/api/presets/run:{saved['run_id']}").json()
    assert preset["scenario"]["policy"]["hedge_factor"] == 0.9
    again = client.post("/api/simulate", json={"scenario": preset["scenario"], "draws": 1500, "seed": 5}).json()
    assert again["headline"]["p_ruin"] == saved["headline"]["p_ruin"]


def test_stored_records_with_a_scenario_become_presets(client: TestClient, store_path: Path) -> None:
    store = RunStore(store_path)
    text = bundled_text("toy_50_50")
    ids = {}
    for kind in ("run", "optimize", "frontier", "backtest"):
        scenario_text = "" if kind == "backtest" else text
        ids[kind] = store.begin(
            kind=kind, scenario_text=scenario_text, scenario_name=kind, scenario_sha256="", seed=1, draws=10
        )
        store.finish(ids[kind], tables={"t": pd.DataFrame({"x": [1.0]})})
    unfinished = store.begin(
        kind="run", scenario_text=text, scenario_name="unfinished", scenario_sha256="", seed=1, draws=10
    )
    listed = {p["id"] for p in client.get("/api/presets").json()["presets"]}
    assert {f"run:{ids[kind]}" for kind in ("run", "optimize", "frontier")} <= listed
    assert f"run:{ids['backtest']}" not in listed  # no scenario to load
    assert f"run:{unfinished}" not in listed
    preset = client.get(f"/api/presets/run:{ids['frontier']}").json()
    assert preset["scenario"] == tomllib.loads(text)


def test_an_unreadable_store_leaves_the_bundled_presets(tmp_path: Path) -> None:
    not_a_store = tmp_path / "runs.duckdb"
    not_a_store.write_text("not a database")
    with TestClient(create_app(not_a_store), base_url=BASE_URL) as client:
        body = client.get("/api/presets").json()
        assert [p["kind"] for p in body["presets"]] == ["bundled"] * len(bundled_names())
        assert "stored runs unavailable" in body["notes"][0]
        response = client.post(
            "/api/runs", json={"scenario": tomllib.loads(bundled_text("default")), "draws": 10, "message": "x"}
        )
        assert response.status_code == 503  # the server's store, not the request, is at fault
        assert response.json()["error"].startswith("could not save the run: run store")


@pytest.mark.parametrize(
    ("message", "fragment"),
    [("two\nlines", "one line"), ("x" * 301, "at most 300"), (42, "a string"), ("bell\x07", "one line")],
)
def test_save_run_messages_are_checked(
    client: TestClient, default_mapping: dict[str, Any], message: Any, fragment: str, store_path: Path
) -> None:
    response = client.post("/api/runs", json={"scenario": default_mapping, "draws": 10, "message": message})
    assert_client_error(response, 422, fragment)
    assert not store_path.exists()


# -- hostile input ----------------------------------------------------------------------------------

_JSON = {"content-type": "application/json"}


def _oversized() -> bytes:
    return b'{"scenario": {"scenario": {"name": "' + b"x" * 70_000 + b'"}}}'


def _chunks() -> Iterator[bytes]:
    yield b'{"scenario": {"scenario": {"name": "'
    for _ in range(100):
        yield b"x" * 1000
    yield b'"}}}'


@pytest.mark.parametrize(
    ("content", "headers", "status", "fragment"),
    [
        (_oversized(), _JSON, 413, "over the limit"),
        (_chunks(), _JSON, 413, "over the limit"),  # chunked: no Content-Length at all
        (_oversized(), {**_JSON, "content-length": "10"}, 413, "over the limit"),  # an understated length
        (b"{}", {**_JSON, "content-length": "abc"}, 400, "not a number"),
        (b'{"scenario": ', _JSON, 400, "malformed JSON"),
        (b"", _JSON, 400, "empty request body"),
        (b"\xff\xfe{}", _JSON, 400, "not UTF-8"),
        (b"[1, 2]", _JSON, 422, "expected a JSON object"),
        (b'"scenario"', _JSON, 422, "expected a JSON object"),
        (b"42", _JSON, 422, "expected a JSON object"),
        (b"null", _JSON, 422, "expected a JSON object"),
        (b'{"scenario": {}, "draws": NaN}', _JSON, 400, "NaN is not a JSON number"),
        (b'{"scenario": {}, "draws": Infinity}', _JSON, 400, "Infinity is not a JSON number"),
        (b'{"scenario": {}, "draws": -Infinity}', _JSON, 400, "-Infinity is not a JSON number"),
        (b'{"draws": ' + b"9" * 5000 + b"}", _JSON, 400, "malformed JSON"),
        (b"[" * 50_000 + b"]" * 10, _JSON, 400, "nested too deeply"),
        (b'{"scenario": ' + b'{"a": ' * 20 + b"1" + b"}" * 20 + b"}", _JSON, 422, "nested too deeply"),
        (b'{"scenario": {}}', {"content-type": "text/plain"}, 415, "application/json"),
        (b'{"scenario": {}}', {"content-type": "application/x-www-form-urlencoded"}, 415, "application/json"),
        (b'{"scenario": {}}', {}, 415, "application/json"),
        (b'{"scenario": {}}', {**_JSON, "origin": "http://evil.example"}, 403, "cross-origin"),
        (b'{"scenario": {}}', {**_JSON, "origin": "null"}, 403, "cross-origin"),
        (b'{"scenario": {}}', {**_JSON, "origin": "https://127.0.0.1"}, 403, "cross-origin"),  # another scheme
        (b'{"scenario": {}}', {**_JSON, "host": "evil.example"}, 400, "does not answer to host"),
    ],
)
@pytest.mark.parametrize("route", ["/api/simulate", "/api/scenario.toml", "/api/runs"])
def test_hostile_bodies(
    client: TestClient, route: str, content: Any, headers: dict[str, str], status: int, fragment: str
) -> None:
    if not isinstance(content, bytes):
        content = _chunks()  # a generator is used up by one request
    assert_client_error(client.post(route, content=content, headers=headers), status, fragment)


def _scenario(**sections: Any) -> dict[str, Any]:
    mapping = tomllib.loads(bundled_text("default"))
    for dotted, value in sections.items():
        section, key = dotted.split("__")
        mapping[section][key] = value
    return mapping


@pytest.mark.parametrize(
    ("body", "path", "fragment"),
    [
        ({"scenario": "default"}, "scenario", "a JSON object"),
        ({"scenario": [1, 2]}, "scenario", "a JSON object"),
        ({"scenario": {"scenario": {"name": "x"}, "demand": "fast"}}, "demand", "a table"),
        ({"scenario": {"scenario": {"name": "x"}, "nope": {}}}, "nope", "a known section"),
        ({"scenario": {"demand": {}}}, "scenario", "missing"),
        ({"scenario": _scenario(demand__bogus_key=1)}, "demand.bogus_key", "no such key"),
        ({"scenario": _scenario(demand__growth_per_year=[1, 2])}, "demand.growth_per_year", "expected"),
        ({"scenario": _scenario(demand__growth_per_year=True)}, "demand.growth_per_year", "expected"),
        ({"scenario": _scenario(demand__growth_per_year={"dist": "eval"})}, "demand.growth_per_year.dist", "one of"),
        ({"scenario": _scenario(demand__growth_per_year="__import__('os')")}, "demand.growth_per_year", "expected"),
        ({"scenario": _scenario(demand__initial_usd_per_year=10**400)}, "demand.initial_usd_per_year", "expected"),
        (
            {"scenario": _scenario(demand__initial_usd_per_year=-1e308)},
            "demand.initial_usd_per_year",
            "in [$0/year, $10,000T/year]",
        ),
        ({"scenario": _scenario(compute__lead_time_months=2**70)}, "compute.lead_time_months", "integer"),
        ({"scenario": _scenario(scenario__horizon_years="5")}, "scenario.horizon_years", "an integer"),
        ({"scenario": _scenario(scenario__name=None)}, "scenario.name", "no null"),
        ({"scenario": _scenario(scenario__name="\ud800")}, "scenario.name", "surrogate"),
        ({"scenario": _scenario(scenario__start="2026-13")}, "scenario.start", "YYYY-MM"),
        ({"scenario": _scenario(policy__kind="exec")}, "policy.kind", "one of"),
        ({"scenario": _scenario(), "draws": 0}, "draws", "an integer in [1, 20000]"),
        ({"scenario": _scenario(), "draws": -1}, "draws", "an integer in [1, 20000]"),
        ({"scenario": _scenario(), "draws": 1e12}, "draws", "an integer in [1, 20000]"),
        ({"scenario": _scenario(), "draws": 10**12}, "draws", "an integer in [1, 20000]"),
        ({"scenario": _scenario(), "draws": 20_001}, "draws", "an integer in [1, 20000]"),
        ({"scenario": _scenario(), "draws": "10"}, "draws", "(string)"),
        ({"scenario": _scenario(), "draws": True}, "draws", "(boolean)"),
        ({"scenario": _scenario(), "draws": None}, "draws", "null"),
        ({"scenario": _scenario(), "draws": 10.0}, "draws", "(float)"),
        ({"scenario": _scenario(), "draws": [10]}, "draws", "(array)"),
        ({"scenario": _scenario(), "seed": -1}, "seed", "an integer in [0, "),
        ({"scenario": _scenario(), "seed": 2**64}, "seed", "an integer in [0, "),
        ({"scenario": _scenario(), "seed": "1"}, "seed", "(string)"),
        ({"scenario": _scenario(), "draws": 10, "exec": "import os"}, "exec", "no such field"),
        ({"draws": 10}, "scenario", "missing"),
    ],
)
@pytest.mark.parametrize("route", ["/api/simulate", "/api/scenario.toml", "/api/runs"])
def test_bad_values_get_422_naming_the_key(
    client: TestClient, route: str, body: dict[str, Any], path: str, fragment: str, store_path: Path
) -> None:
    response = client.post(route, content=json.dumps(body).encode(), headers=_JSON)
    found = assert_client_error(response, 422)
    problems = {p["path"]: p["message"] for p in found["problems"]}
    assert path in problems, found
    assert fragment in problems[path], problems[path]
    assert not store_path.exists()  # nothing was recorded


def test_number_literals_beyond_float_range(client: TestClient) -> None:
    text = json.dumps({"scenario": _scenario(demand__volatility_per_sqrt_year="HUGE"), "draws": 10})
    response = client.post("/api/simulate", content=text.replace('"HUGE"', "1e999").encode(), headers=_JSON)
    problems = assert_client_error(response, 422)["problems"]
    assert [p["path"] for p in problems] == ["demand.volatility_per_sqrt_year"]
    assert problems[0]["message"].startswith("got inf (float); expected")


def test_text_that_looks_like_code_is_only_text(
    client: TestClient, default_mapping: dict[str, Any], tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    mapping = json.loads(json.dumps(default_mapping))
    mapping["scenario"]["name"] = f"__import__('os').system('touch {marker}')"
    mapping["scenario"]["description"] = "{{7*7}} ${7*7} <script>alert(1)</script> `touch x`"
    response = client.post("/api/scenario.toml", json={"scenario": mapping, "draws": 10})
    assert response.status_code == 200
    assert tomllib.loads(response.text)["scenario"]["description"] == mapping["scenario"]["description"]
    assert client.post("/api/simulate", json={"scenario": mapping, "draws": 10}).status_code == 200
    assert not marker.exists()


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/api/simulate", 405),
        ("PUT", "/api/simulate", 405),
        ("GET", "/api/scenario.toml", 405),
        ("DELETE", "/api/runs", 405),
        ("POST", "/api/presets", 405),
        ("PATCH", "/api/presets/bundled:default", 405),
        ("POST", "/", 405),
        ("POST", "/static/app.js", 405),
        ("GET", "/api/nope", 404),
        ("GET", "/admin", 404),
        ("GET", "/static/missing.js", 404),
        ("GET", "/static/../../../../etc/passwd", 404),
        ("GET", "/static/..%2F..%2Fapp.py", 404),
        ("GET", "/api/presets/bundled:..", 404),
        ("GET", "/api/presets/bundled:..%2F..%2F..%2Fetc%2Fpasswd", 404),
        ("GET", "/api/presets/..%2F..%2Fetc%2Fpasswd", 404),
        ("GET", "/api/presets/bundled:default;rm%20-rf", 404),
        ("GET", "/api/presets/bundled:nope", 404),
        ("GET", "/api/presets/bundled:default%0A", 404),
        ("GET", "/api/presets/run:nope", 404),
        ("GET", "/api/presets/run:", 404),
        ("GET", "/api/presets/file:%2Fetc%2Fpasswd", 404),
        ("GET", "/api/presets/" + "a" * 5000, 404),
    ],
)
def test_wrong_methods_and_unknown_routes(client: TestClient, method: str, url: str, status: int) -> None:
    response = client.request(method, url)
    assert_client_error(response, status)
    if status == 405:
        assert response.headers["allow"]


def test_unknown_run_preset_in_an_existing_store(client: TestClient, default_mapping: dict[str, Any]) -> None:
    assert client.post("/api/runs", json={"scenario": default_mapping, "draws": 10}).status_code == 200
    assert_client_error(client.get("/api/presets/run:19990101-000000-000000"), 404, "no run")


def test_limits_must_be_positive_integers() -> None:
    with pytest.raises(ValueError, match="max_draws"):
        create_app(max_draws=0)
    with pytest.raises(ValueError, match="max_body_bytes"):
        create_app(max_body_bytes=True)


# -- frontiersim serve ------------------------------------------------------------------------------


def test_serve_refuses_a_remote_host_without_allow_remote(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 2
    assert "--allow-remote" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_command_answers_on_loopback(store_path: Path) -> None:
    port = _free_port()
    command = [sys.executable, "-m", "frontiersim.cli.main", "serve", "--port", str(port), "--store", str(store_path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as server:
        try:
            assert server.stdout is not None
            line = server.stdout.readline()
            assert f"dashboard on http://127.0.0.1:{port}/" in line, line
            response = httpx.get(f"http://127.0.0.1:{port}/api/presets", timeout=30)
            assert response.status_code == 200
            assert response.json()["presets"][0]["id"] == "bundled:default"
            assert "server" not in response.headers
            foreign = httpx.get(
                f"http://127.0.0.1:{port}/api/presets", headers={"host": "attacker.example"}, timeout=30
            )
            assert foreign.status_code == 400
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_a_same_origin_write_is_accepted(client: TestClient, default_mapping: dict[str, Any]) -> None:
    """The page's own origin (same scheme, host and port) may post; the scheme is part of the origin."""
    body = {"scenario": default_mapping, "draws": 10}
    ok = client.post("/api/scenario.toml", json=body, headers={"origin": BASE_URL})
    assert ok.status_code == 200, ok.text
    refused = client.post("/api/scenario.toml", json=body, headers={"origin": BASE_URL.replace("http:", "https:")})
    assert refused.status_code == 403


def test_values_that_overflow_together_get_422_naming_the_likely_cause(client: TestClient) -> None:
    mapping = tomllib.loads(bundled_text("capability_driven"))
    mapping["capability"].update(slope_per_decade=20.0, value_multiple_per_tier=1000.0)
    response = client.post("/api/simulate", json={"scenario": mapping, "draws": 50, "seed": 1})
    body = assert_client_error(response, 422, "left the range of finite numbers")
    assert "capability.slope_per_decade = 20" in body["error"]
