"""The dashboard with several labs: the answer carries every lab's P(ruin) and one lab's charts and tables.

Also: the sliders take their label, unit and range from the schema, and their applicability from the model.
"""

from __future__ import annotations

import tomllib
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from starlette.exceptions import StarletteDeprecationWarning

import frontiersim as fs
from frontiersim.dashboard import create_app
from frontiersim.dashboard.app import lab_rows, result_payload
from frontiersim.dashboard.sliders import SLIDERS, slider
from frontiersim.results.tables import run_tables, wilson_interval
from frontiersim.scenario.fields import field_spec
from frontiersim.scenario.loader import bundled_text
from frontiersim.store import RunStore

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

BASE_URL = "http://127.0.0.1"
FOUR_LABS = "four_labs"
LABS = ["alpha", "beta", "gamma", "delta"]
DRAWS = 400
SEED = 9


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "runs.duckdb"


@pytest.fixture
def client(store_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(store_path), base_url=BASE_URL, raise_server_exceptions=True) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def mapping() -> dict[str, Any]:
    return tomllib.loads(bundled_text(FOUR_LABS))


@pytest.fixture(scope="module")
def direct(mapping: dict[str, Any]) -> fs.SimulationResult:
    return fs.simulate(fs.parse_scenario(mapping), draws=DRAWS, seed=SEED, keep_monthly=True)


def test_the_preset_names_its_labs_and_the_sliders_name_the_labs_they_do_not_move(client: TestClient) -> None:
    preset = client.get(f"/api/presets/bundled:{FOUR_LABS}").json()
    assert preset["labs"] == LABS
    sliders = {s["path"]: s for s in preset["sliders"]}
    assert sliders["finance.starting_cash_usd"]["overridden_by"] == LABS  # every lab has its own cash ...
    assert sliders["finance.starting_cash_usd"]["disabled"] == "every lab sets its own value under [labs.NAME]"
    assert sliders["policy.hedge_factor"]["disabled"] == ""  # ... but alpha and delta take the shared hedge
    # beta sets its own hedge factor; gamma has a policy of another kind altogether
    assert sliders["policy.hedge_factor"]["overridden_by"] == ["beta", "gamma"]
    assert sliders["demand.growth_per_year"]["overridden_by"] == []
    assert client.get("/api/presets/bundled:default").json()["labs"] == ["lab"]


def test_the_answer_carries_every_labs_p_ruin_and_the_first_labs_charts(
    client: TestClient, mapping: dict[str, Any], direct: fs.SimulationResult
) -> None:
    response = client.post("/api/simulate", json={"scenario": mapping, "draws": DRAWS, "seed": SEED})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["lab"] == "alpha"
    assert [lab["name"] for lab in body["labs"]] == LABS
    for lab in body["labs"]:
        p_ruin = direct.ruin_probability(lab["name"])
        assert lab["p_ruin"] == pytest.approx(p_ruin, abs=1e-15)
        low, high = wilson_interval(round(p_ruin * DRAWS), DRAWS)
        assert (lab["p_ruin_low"], lab["p_ruin_high"]) == pytest.approx((low, high))
    assert body["headline"]["p_ruin"] == body["labs"][0]["p_ruin"]
    assert body["ruin_curve"]["p_ruin"][-1] == pytest.approx(body["headline"]["p_ruin"])
    assert [v["name"] for v in body["market"]["variables"]] == ["market_demand_usd_per_year"]
    assert len(body["market"]["dates"]) == 60


def test_a_named_lab_is_drawn(client: TestClient, mapping: dict[str, Any], direct: fs.SimulationResult) -> None:
    body = client.post("/api/simulate", json={"scenario": mapping, "draws": DRAWS, "seed": SEED, "lab": "gamma"}).json()
    assert body["lab"] == "gamma"
    assert body["headline"]["p_ruin"] == pytest.approx(direct.ruin_probability("gamma"))
    fan = lab_rows(run_tables(direct)["fan"], "gamma")
    revenue = fan[fan["variable"] == "revenue_usd_per_year"]
    drawn = {v["name"]: v for v in body["fan"]["variables"]}["revenue_usd_per_year"]
    np.testing.assert_allclose(drawn["p50"], revenue["p50"].to_numpy(), rtol=1e-12)
    assert drawn["units"] == "USD/year"
    assert drawn["label"] == "revenue"
    assert {line["units"] for line in body["company_pnl"]["lines"]} == {"USD"}
    other = client.post("/api/simulate", json={"scenario": mapping, "draws": DRAWS, "seed": SEED, "lab": "beta"})
    assert other.json()["headline"]["p_ruin"] != body["headline"]["p_ruin"]


@pytest.mark.parametrize("lab", ["omega", 3, None])
def test_an_unknown_lab_is_refused(client: TestClient, mapping: dict[str, Any], lab: Any) -> None:
    response = client.post("/api/simulate", json={"scenario": mapping, "draws": 10, "lab": lab})
    assert response.status_code == 422
    (problem,) = response.json()["problems"]
    assert problem["path"] == "lab"
    assert "expected one of the scenario's labs: alpha, beta, gamma, delta" in problem["message"]


def test_a_saved_run_keeps_every_lab(client: TestClient, mapping: dict[str, Any], store_path: Path) -> None:
    body = {"scenario": mapping, "draws": 200, "seed": 4, "lab": "delta", "message": "four labs"}
    response = client.post("/api/runs", json=body)
    assert response.status_code == 200, response.text
    saved = response.json()
    assert saved["lab"] == "delta"
    record = RunStore(store_path).get(saved["run_id"])
    assert record.status == "complete"
    assert list(record.tables["headline"]["lab"]) == LABS
    by_lab = {lab["name"]: lab["p_ruin"] for lab in saved["labs"]}
    for name in LABS:
        assert record.metrics[f"p_ruin.{name}"] == pytest.approx(by_lab[name])


def test_a_payload_of_tables_without_a_lab_column_is_the_one_labs() -> None:
    tables = run_tables(fs.simulate(fs.bundled("toy_50_50"), draws=5, seed=1))
    stripped = {name: table.drop(columns="lab", errors="ignore") for name, table in tables.items()}
    payload = result_payload(stripped)
    assert payload["lab"] is None
    assert payload["labs"] == []
    assert payload["headline"]["p_ruin"] == result_payload(tables)["headline"]["p_ruin"]


# -- sliders from the schema ----------------------------------------------------------------------


@pytest.mark.parametrize("item", SLIDERS, ids=lambda item: item.path)
def test_each_slider_is_its_keys_declaration(item: Any) -> None:
    spec = field_spec(item.path)
    assert spec.typical is not None
    assert (item.low * item.scale, item.high * item.scale) == pytest.approx(spec.typical)
    assert item.label.lower() == spec.label.lower()
    assert item.integer == (spec.kind == "int")
    assert item.step == 1 if item.integer else 0 < item.step <= (item.high - item.low) / 50
    if spec.unit.startswith("USD"):
        assert item.unit.startswith("$B")
    assert item == slider(item.path)


def test_sliders_follow_the_model_not_the_demand_kind(client: TestClient) -> None:
    """Hidden: nothing of the section is read. Disabled: the key is not read, or the scenario refuses it."""
    growth = {s["path"]: s for s in client.get("/api/presets/bundled:default").json()["sliders"]}
    capability = {s["path"]: s for s in client.get("/api/presets/bundled:capability_driven").json()["sliders"]}
    assert all(s["hidden"] for path, s in growth.items() if path.startswith("capability."))
    assert not any(s["hidden"] for s in capability.values())
    assert capability["demand.growth_per_year"]["disabled"]
    assert capability["demand.initial_usd_per_year"]["disabled"] == ""  # read by capability demand too
