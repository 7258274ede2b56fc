"""Four labs through the run tables and the run store: every lab appears, units come from the catalogue."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import frontiersim as fs
from four_labs import LABS, four_lab_result, four_lab_scenario
from frontiersim.calibrate.backtest import LEVELS
from frontiersim.models.registry import catalogue
from frontiersim.results import draw_tables, run_tables
from frontiersim.results.tables import MARKET_COLUMNS, PROBABILITY, column_units, lab_rows, table_labs
from frontiersim.store import RunStore, StoreError
from frontiersim.store.legacy import upgrade_tables
from frontiersim.store.record import (
    COVERAGE_LEVELS,
    HEADLINE_METRICS,
    begin_simulation,
    describe_metric,
    headline_metrics,
    record_simulation,
    simulation_payload,
    split_lab_metric,
)

#: Per-lab run tables.
PER_LAB = ("headline", "summary", "company_pnl", "cohort_pnl", "fan", "ruin_curve")


@pytest.fixture(scope="module")
def result() -> fs.SimulationResult:
    return four_lab_result()


@pytest.fixture(scope="module")
def tables(result: fs.SimulationResult) -> dict[str, pd.DataFrame]:
    return run_tables(result)


@pytest.fixture(scope="module")
def per_draw(result: fs.SimulationResult) -> dict[str, pd.DataFrame]:
    return draw_tables(result)


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def test_every_lab_has_its_block_of_rows_in_order(
    tables: dict[str, pd.DataFrame], per_draw: dict[str, pd.DataFrame]
) -> None:
    for name in (*PER_LAB, "yearly", "cohorts", "draws"):
        frame = {**tables, **per_draw}[name]
        assert "lab" in frame.columns, name
        assert table_labs(frame) == list(LABS), name
        # One block per lab: the lab changes exactly len(LABS) - 1 times down the table.
        changes = (frame["lab"] != frame["lab"].shift()).sum() - 1
        assert changes == len(LABS) - 1, name
        sizes = frame.groupby("lab", sort=False).size()
        assert sizes.nunique() == 1, name
    assert tables["headline"]["lab"].tolist() == list(LABS)
    assert list(tables["market"].columns) == list(MARKET_COLUMNS)


def test_lab_figures_are_each_labs_own(result: fs.SimulationResult, tables: dict[str, pd.DataFrame]) -> None:
    headline = tables["headline"].set_index("lab")
    for lab in LABS:
        one = result.lab(lab).dataset
        assert headline.loc[lab, "p_ruin"] == pytest.approx(result.ruin_probability(lab))
        revenue = float(one["year_revenue_usd"].isel(year=-1).median("draw"))
        assert headline.loc[lab, "revenue_final_year_median_usd"] == pytest.approx(revenue)
        fan = lab_rows(tables["fan"], lab)
        capacity = fan[fan["variable"] == "capacity_gw"]
        np.testing.assert_allclose(capacity["p50"], one["capacity_gw"].median("draw").values, rtol=1e-12)
        curve = lab_rows(tables["ruin_curve"], lab)
        assert curve["p_ruin"].iloc[-1] == pytest.approx(result.ruin_probability(lab))
        summary = lab_rows(tables["summary"], lab)
        np.testing.assert_allclose(summary[[str(y) for y in one["year"].values]], result.summary(lab=lab))
    # The labs differ: lab a has twice the others' market share, lab d hedges less than lab c.
    assert headline.loc["a", "revenue_final_year_median_usd"] > 1.5 * headline.loc["c", "revenue_final_year_median_usd"]
    market = tables["market"]
    np.testing.assert_allclose(
        market["p50"], result.dataset["market_demand_usd_per_year"].median("draw").values, rtol=1e-12
    )


def test_draws_table_gives_each_lab_its_own_inputs(
    result: fs.SimulationResult, per_draw: dict[str, pd.DataFrame]
) -> None:
    draws = per_draw["draws"]
    assert len(draws) == result.draws * len(LABS)
    assert list(draws.columns[:4]) == ["draw", "lab", "ruin_month", "obligations_after_horizon_usd"]
    assert not [c for c in draws.columns if c.startswith("input.labs.")]
    ds = result.dataset
    price = "input.compute.cost_usd_per_gw_year"
    own = ds["input.labs.b.compute.cost_usd_per_gw_year"].values
    np.testing.assert_array_equal(lab_rows(draws, "b")[price], own)
    for lab in ("a", "c", "d"):
        np.testing.assert_array_equal(lab_rows(draws, lab)[price], ds[price].values)
        np.testing.assert_array_equal(lab_rows(draws, lab)["ruin_month"], ds["ruin_month"].sel(lab=lab).values)
    # Inputs drawn once per draw are repeated for every lab.
    growth = "input.demand.growth_per_year"
    np.testing.assert_array_equal(lab_rows(draws, "a")[growth], lab_rows(draws, "d")[growth])


def test_units_come_from_the_catalogue(tables: dict[str, pd.DataFrame]) -> None:
    outputs = catalogue(four_lab_scenario())
    units = tables["units"]
    for table in ("yearly", "cohorts", "draws"):
        for column, described in column_units(units, table).items():
            if column in outputs:
                assert (described.unit, described.label) == (outputs.unit(column), outputs.label(column))
    fan = tables["fan"]
    for variable, unit in (("capacity_gw", outputs.unit("capacity_gw")), ("cash_usd", outputs.unit("cash_usd"))):
        assert set(fan.loc[fan["variable"] == variable, "units"]) == {unit}
    market = tables["market"]
    assert set(market["label"]) == {outputs.label("market_demand_usd_per_year")}
    assert set(market["units"]) == {outputs.unit("market_demand_usd_per_year")}
    headline = column_units(units, "headline")
    assert headline["p_ruin"].unit == PROBABILITY
    assert headline["cash_final_year_median_usd"].unit == outputs.unit("year_cash_usd")
    # Inputs take the unit their scenario key declares.
    assert column_units(units, "draws")["input.compute.cost_usd_per_gw_year"].unit == "USD/GW/year"


def test_tables_are_parquet_safe(
    tables: dict[str, pd.DataFrame], per_draw: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    for name, frame in {**tables, **per_draw}.items():
        path = tmp_path / f"{name}.parquet"
        frame.to_parquet(path, engine="pyarrow")
        pd.testing.assert_frame_equal(pd.read_parquet(path, engine="pyarrow"), frame, obj=name)


# ---------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------


def test_headline_metrics_are_the_first_labs_and_each_labs(tables: dict[str, pd.DataFrame]) -> None:
    metrics = headline_metrics(tables)
    headline = tables["headline"].set_index("lab")
    for name in HEADLINE_METRICS:
        assert metrics[name] == headline.loc["a", name]
        for lab in LABS:
            assert metrics[f"{name}.{lab}"] == headline.loc[lab, name]
    assert split_lab_metric("p_ruin.d") == ("p_ruin", "d")
    assert describe_metric("cash_final_year_median_usd.b") == ("cash at the end, median, lab b", "usd")
    # One lab: no per-lab copies.
    single = run_tables(fs.simulate(fs.bundled("default"), draws=50, seed=1))
    assert set(headline_metrics(single)) == set(HEADLINE_METRICS)


def test_payload_carries_the_labs(result: fs.SimulationResult, tables: dict[str, pd.DataFrame]) -> None:
    payload = simulation_payload(result, tables=tables, per_draw={})
    assert payload.labs == LABS
    assert payload.tables is not tables
    assert payload.draw_tables == {}


def test_coverage_levels_are_the_backtests() -> None:
    assert COVERAGE_LEVELS == LEVELS


# ---------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------


def test_record_and_read_a_four_lab_run(result: fs.SimulationResult, tables: dict[str, pd.DataFrame]) -> None:
    store = RunStore()
    run_id = record_simulation(store, result, message="four labs", command=["pytest"])
    (info,) = store.list()
    assert (info.run_id, info.status, info.labs) == (run_id, "complete", LABS)
    assert info.metrics["p_ruin"] == pytest.approx(result.ruin_probability("a"))
    for lab in LABS:
        assert info.metrics[f"p_ruin.{lab}"] == pytest.approx(result.ruin_probability(lab))
    record = store.get(run_id[:12])
    assert record.labs == LABS
    assert record.message == "four labs"
    assert set(record.tables) == set(tables)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(record.tables[name], frame, obj=name)
    # What `runs show` reads: the summary by lab, the units of each column.
    summary = record.tables["summary"]
    assert table_labs(summary) == list(LABS)
    assert column_units(record.tables["units"], "cohort_pnl")["net_usd"].unit == "USD"
    draws = record.draw_table("draws")
    assert table_labs(draws) == list(LABS)
    assert len(draws) == result.draws * len(LABS)
    yearly = record.draw_table("yearly")
    assert set(yearly["lab"]) == set(LABS)


def test_begin_then_record_completes_the_begun_record(result: fs.SimulationResult) -> None:
    store = RunStore()
    scenario = four_lab_scenario()
    run_id = begin_simulation(store, scenario, seed=11, draws=result.draws, message="begun first", command=["x"])
    assert store.get(run_id).status == "running"
    assert record_simulation(store, result, run_id=run_id) == run_id
    record = store.get(run_id)
    assert (record.status, record.message, record.command, record.labs) == ("complete", "begun first", ["x"], LABS)
    assert record.scenario_text == scenario.source_text
    assert record.scenario_sha256 == result.dataset.attrs["scenario_sha256"]


def test_a_failed_recording_marks_the_record_failed(result: fs.SimulationResult) -> None:
    store = RunStore()
    bad = {"headline": pd.DataFrame({0: [1.0]})}  # a column name that is not a string
    with pytest.raises(StoreError, match="column names must be strings"):
        record_simulation(store, result, tables=bad, per_draw={})
    (info,) = store.list()
    assert info.status == "failed"


def test_lab_names_must_be_distinct() -> None:
    store = RunStore()
    run_id = store.begin(kind="run", scenario_text="", scenario_name="x", scenario_sha256="", seed=1, draws=1)
    with pytest.raises(StoreError, match="lab names must be distinct"):
        store.finish(run_id, tables={}, labs=["a", "a"])
    assert store.get(run_id).status == "running"


def test_tables_before_labs_are_read_in_the_current_layout() -> None:
    old_fan = pd.DataFrame(
        {
            "variable": ["capacity_gw"],
            "units": ["GW"],
            "period": ["year"],
            "index": [2026],
            "date": ["2026"],
            "mean": [2.0],
            **{q: [2.0] for q in ("p5", "p25", "p50", "p75", "p95")},
        }
    )
    old = {
        "headline": pd.DataFrame({"p_ruin": [0.1], "revenue_final_year_median_usd": [1e10]}),
        "company_pnl": pd.DataFrame({"line": ["revenue"], "2026": [1e10]}),
        "fan": old_fan,
        "comparison": pd.DataFrame({"policy": ["x"], "objective mean": [1e9], "P(ruin)": [0.1]}),
    }
    new = upgrade_tables("optimize", old)
    for name in ("headline", "company_pnl", "fan"):
        assert new[name]["lab"].tolist() == ["lab"], name
    assert new["fan"]["label"].tolist() == ["capacity under contract"]
    assert new["company_pnl"].columns.tolist() == ["lab", "line", "units", "2026"]
    assert "lab" not in new["comparison"].columns
    units = new["units"]
    assert column_units(units, "headline")["revenue_final_year_median_usd"].unit == "USD"
    assert column_units(units, "comparison")["objective mean"].unit == "USD"
    assert column_units(units, "comparison")["P(ruin)"].unit == PROBABILITY
    assert column_units(units, "fan")["p50"].unit_column == "units"
    # Tables in the current layout are left as they are.
    assert upgrade_tables("run", new) == new


# ---------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------

#: Packages the store may not import at runtime: its producers and the layers beside it.
_FORBIDDEN = (
    "frontiersim.optimize",
    "frontiersim.calibrate",
    "frontiersim.cli",
    "frontiersim.report",
    "frontiersim.dashboard",
)


def test_the_store_imports_no_producer_at_runtime() -> None:
    code = (
        "import sys, frontiersim.store, frontiersim.store.record, frontiersim.store.legacy; "
        f"print(sorted(m for m in sys.modules if m.startswith({_FORBIDDEN!r})))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert shown.strip() == "[]"


def test_the_store_imports_models_only_for_types() -> None:
    folder = Path(fs.__file__).parent / "store"
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guarded = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for child in block.body
            for node in ast.walk(child)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(_FORBIDDEN), (path.name, node.module)  # not even for types
                if id(node) not in guarded:
                    assert not node.module.startswith("frontiersim.models"), (path.name, node.module)
