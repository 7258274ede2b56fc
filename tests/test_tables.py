"""Flat result tables shared by the run store, the report and the dashboard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import frontiersim as fs
from frontiersim.models import registry
from frontiersim.optimize.stats import proportion
from frontiersim.results import draw_tables, run_tables
from frontiersim.results.tables import (
    FAN_COLUMNS,
    FAN_VARIABLES,
    MARKET_COLUMNS,
    PROBABILITY,
    UNITS_COLUMNS,
    column_units,
    variable_units,
    wilson_interval,
    year_columns,
)

RUN_KEYS = {"headline", "summary", "company_pnl", "cohort_pnl", "fan", "ruin_curve", "units"}

#: Run tables with a leading ``lab`` column.
PER_LAB_TABLES = ("headline", "summary", "company_pnl", "cohort_pnl", "fan", "ruin_curve", "milestones", "capability")


@pytest.fixture(scope="module")
def risky() -> fs.SimulationResult:
    """A run with many ruined draws, monthly arrays kept."""
    return fs.simulate(fs.bundled("one_trillion_bet_uncertain"), draws=400, seed=5)


@pytest.fixture(scope="module")
def summary_only() -> fs.SimulationResult:
    return fs.simulate(fs.bundled("default"), draws=300, seed=2, keep_monthly=False)


@pytest.fixture(scope="module")
def capability() -> fs.SimulationResult:
    return fs.simulate(fs.bundled("capability_driven"), draws=300, seed=4)


def _assert_flat(name: str, frame: pd.DataFrame) -> None:
    assert isinstance(frame.index, pd.RangeIndex), name
    assert frame.index.start == 0, name
    assert frame.index.step == 1, name
    assert not isinstance(frame.columns, pd.MultiIndex), name
    for column in frame.columns:
        assert isinstance(column, str), (name, column)
        dtype = frame[column].dtype
        if dtype.kind not in "biuf":
            assert pd.api.types.is_string_dtype(dtype), (name, column, dtype)
            assert all(isinstance(v, str) for v in frame[column]), (name, column)


def test_run_table_keys(risky: fs.SimulationResult, capability: fs.SimulationResult) -> None:
    assert set(run_tables(risky)) == RUN_KEYS
    assert set(run_tables(capability)) == RUN_KEYS | {"milestones", "capability"}


def test_every_frame_is_flat(risky: fs.SimulationResult, capability: fs.SimulationResult) -> None:
    for result in (risky, capability):
        for name, frame in {**run_tables(result), **draw_tables(result)}.items():
            _assert_flat(name, frame)


def test_frames_round_trip_through_parquet(capability: fs.SimulationResult, tmp_path: Path) -> None:
    for name, frame in {**run_tables(capability), **draw_tables(capability)}.items():
        path = tmp_path / f"{name}.parquet"
        frame.to_parquet(path, engine="pyarrow")
        pd.testing.assert_frame_equal(pd.read_parquet(path, engine="pyarrow"), frame, check_exact=True, obj=name)


def test_one_lab_tables_have_the_lab_column(risky: fs.SimulationResult) -> None:
    tables = {**run_tables(risky), **draw_tables(risky)}
    for name in (*PER_LAB_TABLES, "yearly", "cohorts", "draws"):
        if name in tables:
            assert "lab" in tables[name].columns, name
            assert set(tables[name]["lab"]) == {"lab"}, name
    assert list(tables["headline"].columns[:1]) == ["lab"]
    assert "market" not in tables  # with one lab the market is the lab


def test_units_describe_every_column(risky: fs.SimulationResult, capability: fs.SimulationResult) -> None:
    for result in (risky, capability):
        tables = run_tables(result)
        units = tables["units"]
        assert tuple(units.columns) == UNITS_COLUMNS
        described = set(zip(units["table"], units["column"], strict=True))
        for name, frame in {**tables, **draw_tables(result)}.items():
            if name == "units":
                continue
            for column in frame.columns:
                assert (name, column) in described, (name, column)
        for name in units["table"].unique():
            declared = column_units(units, name)
            frame = tables.get(name)
            for column, unit in declared.items():
                if unit.unit_column:
                    assert frame is None or unit.unit_column in frame.columns, (name, column)


def test_units_come_from_the_catalogue(risky: fs.SimulationResult) -> None:
    """The units table repeats the dataset's attrs, which the results layer writes from the catalogue."""
    catalogue = registry.catalogue(fs.parse_scenario_text(str(risky.dataset.attrs["scenario_toml"])))
    tables = run_tables(risky)
    units = tables["units"]
    for table in ("yearly", "cohorts", "draws"):
        for column, described in column_units(units, table).items():
            if column in catalogue:
                assert described.unit == catalogue.unit(column), (table, column)
                assert described.label == catalogue.label(column), (table, column)
    cohort = column_units(units, "cohort_pnl")
    assert cohort["net_usd"] == (catalogue.unit("model_net_usd"), catalogue.label("model_net_usd"), "")
    headline = column_units(units, "headline")
    assert headline["p_ruin"].unit == PROBABILITY
    assert headline["revenue_final_year_median_usd"].unit == catalogue.unit("year_revenue_usd")
    # Row by row: each fan row carries its variable's unit and label.
    fan = tables["fan"]
    capacity = fan[fan["variable"] == "capacity_gw"]
    assert set(capacity["units"]) == {catalogue.unit("capacity_gw")}
    assert set(capacity["label"]) == {catalogue.label("capacity_gw")}
    revenue = fan[fan["variable"] == "revenue_usd_per_year"]
    assert set(revenue["units"]) == {"USD/year"}  # an annualised monthly flow, declared in FAN_VARIABLES
    summary = tables["summary"]
    assert set(summary.loc[summary["metric"] == "revenue", "units"]) == {catalogue.unit("year_revenue_usd")}
    assert set(summary.loc[summary["metric"] == "P(ruin by year end)", "units"]) == {PROBABILITY}
    assert set(tables["company_pnl"]["units"]) == {"USD"}


def test_units_prefer_the_dataset_attributes(risky: fs.SimulationResult) -> None:
    """A variable's attrs decide its unit; an input without attrs takes its scenario key's declared unit."""
    dataset = risky.dataset.copy()
    dataset["year_cash_usd"] = dataset["year_cash_usd"].assign_attrs(units="kUSD", long_name="cash pile")
    units = variable_units(dataset)
    assert units["year_cash_usd"] == ("kUSD", "cash pile")
    assert units["input.compute.initial_capacity_gw"][0] == "GW"
    tables = run_tables(fs.SimulationResult(dataset))
    assert column_units(tables["units"], "headline")["cash_final_year_median_usd"] == (
        "kUSD",
        "cash pile at the end, median",
        "",
    )


def test_headline(risky: fs.SimulationResult) -> None:
    headline = run_tables(risky)["headline"]
    assert len(headline) == 1
    row = headline.iloc[0]
    assert row["lab"] == "lab"
    assert row["scenario_name"] == "one_trillion_bet_uncertain"
    assert row["draws"] == 400
    assert row["seed"] == "5"
    assert row["start"] == "2026-01"
    assert row["horizon_years"] == risky.dataset.sizes["year"]
    assert row["p_ruin"] == pytest.approx(risky.ruin_probability())
    assert 0 < row["p_ruin_low"] < row["p_ruin"] < row["p_ruin_high"] < 1
    lab = risky.lab().dataset
    revenue = lab["year_revenue_usd"].isel(year=-1).median("draw")
    assert row["revenue_final_year_median_usd"] == pytest.approx(float(revenue))
    cash = lab["year_cash_usd"].isel(year=-1).median("draw")
    assert row["cash_final_year_median_usd"] == pytest.approx(float(cash))


def test_wilson_interval_matches_the_optimizer() -> None:
    for successes, trials in ((0, 10), (3, 400), (400, 400)):
        expected = proportion(successes, trials)
        assert wilson_interval(successes, trials) == pytest.approx((expected.low, expected.high))


def test_fan_monthly_matches_xarray(risky: fs.SimulationResult) -> None:
    fan = run_tables(risky)["fan"]
    assert tuple(fan.columns) == FAN_COLUMNS
    assert list(fan["variable"].unique()) == list(FAN_VARIABLES)
    assert set(fan["period"]) == {"month"}
    ds = risky.dataset
    months = ds.sizes["month"]
    for variable, source, factor in (
        ("revenue_usd_per_year", "revenue_usd", 12.0),
        ("cash_usd", "cash_usd", 1.0),
        ("capacity_gw", "capacity_gw", 1.0),
        ("unserved_usd_per_year", "unserved_usd", 12.0),
    ):
        assert FAN_VARIABLES[variable].monthly == source
        assert FAN_VARIABLES[variable].factor == factor
        rows = fan[fan["variable"] == variable]
        assert len(rows) == months
        assert rows["index"].tolist() == list(range(months))
        data = ds[source].sel(lab="lab")
        np.testing.assert_allclose(rows["p50"], data.median("draw").values * factor, rtol=1e-12)
        np.testing.assert_allclose(rows["mean"], data.mean("draw").values * factor, rtol=1e-12)
        np.testing.assert_allclose(rows["p95"], data.quantile(0.95, "draw").values * factor, rtol=1e-12)
    revenue = fan[fan["variable"] == "revenue_usd_per_year"]
    assert revenue["units"].unique().tolist() == ["USD/year"]
    assert revenue["date"].iloc[0] == "2026-01"
    assert revenue["date"].iloc[13] == "2027-02"
    ordered = fan[["p5", "p25", "p50", "p75", "p95"]].to_numpy()
    assert (np.diff(ordered, axis=1) >= 0).all()


def test_summary_only_gives_yearly_fans(summary_only: fs.SimulationResult) -> None:
    assert not summary_only.has_monthly
    fan = run_tables(summary_only)["fan"]
    assert set(fan["period"]) == {"year"}
    ds = summary_only.dataset
    revenue = fan[fan["variable"] == "revenue_usd_per_year"]
    assert revenue["index"].tolist() == ds["year"].values.tolist()
    assert revenue["date"].tolist() == [str(y) for y in ds["year"].values]
    np.testing.assert_allclose(revenue["p50"], ds["year_revenue_usd"].median("draw").values.ravel(), rtol=1e-12)
    assert set(revenue["units"]) == {"USD/year"}
    cash = fan[fan["variable"] == "cash_usd"]
    np.testing.assert_allclose(cash["p25"], ds["year_cash_usd"].quantile(0.25, "draw").values.ravel(), rtol=1e-12)
    labs = fs.simulate(fs.bundled("four_labs"), draws=60, seed=2, keep_monthly=False)
    market = run_tables(labs)["market"]
    assert tuple(market.columns) == MARKET_COLUMNS
    assert "lab" not in market.columns
    assert set(market["period"]) == {"year"}
    expected = labs.dataset["year_market_demand_usd"].median("draw").values
    np.testing.assert_allclose(market["p50"], expected, rtol=1e-12)
    # The ruin curve is monthly even without monthly arrays.
    assert len(run_tables(summary_only)["ruin_curve"]) == 12 * ds.sizes["year"]


def test_ruin_curve(risky: fs.SimulationResult) -> None:
    curve = run_tables(risky)["ruin_curve"]
    assert list(curve.columns) == ["lab", "month", "date", "p_ruin"]
    assert curve["month"].tolist() == list(range(12 * risky.dataset.sizes["year"]))
    assert (np.diff(curve["p_ruin"]) >= 0).all()
    assert curve["p_ruin"].iloc[-1] == pytest.approx(risky.ruin_probability())
    assert curve["p_ruin"].iloc[-1] > 0.1
    # At each year end it agrees with the yearly ruin flags.
    by_year = risky.ruin_probability_by_year().to_numpy()
    np.testing.assert_allclose(curve["p_ruin"].to_numpy()[11::12], by_year)


def test_summary_and_pnl_tables(risky: fs.SimulationResult) -> None:
    tables = run_tables(risky)
    years = [str(y) for y in risky.dataset["year"].values]
    summary = tables["summary"]
    assert list(summary.columns) == ["lab", "metric", "statistic", "units", *years]
    assert year_columns(summary) == years
    expected = risky.summary()
    np.testing.assert_allclose(summary[years].to_numpy(), expected.to_numpy())
    assert summary.iloc[0]["metric"] == "P(ruin by year end)"
    pnl = tables["company_pnl"]
    assert list(pnl.columns) == ["lab", "line", "units", *years]
    np.testing.assert_allclose(pnl[years].to_numpy(), risky.company_pnl().to_numpy())
    cohorts = tables["cohort_pnl"]
    assert list(cohorts.columns) == [
        "lab",
        "model",
        "release_month",
        "training_cost_usd",
        "revenue_usd",
        "inference_cost_usd",
        "net_usd",
    ]
    np.testing.assert_allclose(cohorts["net_usd"], risky.dataset["model_net_usd"].mean("draw").values.ravel())
    assert cohorts["model"].iloc[0].startswith("incumbent")


def test_capability_run_gives_milestones(capability: fs.SimulationResult) -> None:
    tables = run_tables(capability)
    milestones = tables["milestones"]
    assert list(milestones.columns[:2]) == ["lab", "milestone"]
    ds = capability.lab().dataset
    assert milestones["milestone"].tolist() == [str(m) for m in ds["milestone"].values]
    months = ds["milestone_month"].transpose("milestone", "draw").values
    np.testing.assert_allclose(milestones["share_reached"], (months >= 0).mean(axis=1))
    for _, row in milestones.iterrows():
        if row["share_reached"] >= 0.5:
            assert row["p50_month"] >= 0
            assert row["p50_date"] == str(pd.Period("2026-01", freq="M") + int(row["p50_month"]))
        else:
            assert row["p50_month"] == -1
            assert row["p50_date"] == ""
        dates = [row[c] for c in ("p5_date", "p50_date", "p95_date") if row[c]]
        assert dates == sorted(dates)
    # The first milestone arrives in every draw, so its median month is the month median.
    first = months[0]
    assert (first >= 0).all()
    assert milestones["p50_month"].iloc[0] == int(np.quantile(first, 0.5, method="inverted_cdf"))
    capability_fan = tables["capability"]
    assert tuple(capability_fan.columns) == FAN_COLUMNS
    assert set(capability_fan["variable"]) == {"year_capability_index", "year_overhang"}
    index = capability_fan[capability_fan["variable"] == "year_capability_index"]
    np.testing.assert_allclose(index["p50"], ds["year_capability_index"].median("draw").values, rtol=1e-12)


def test_draw_tables(capability: fs.SimulationResult) -> None:
    tables = draw_tables(capability)
    assert set(tables) == {"yearly", "cohorts", "draws"}
    ds = capability.lab().dataset
    yearly = tables["yearly"]
    assert list(yearly.columns[:3]) == ["draw", "lab", "year"]
    assert len(yearly) == ds.sizes["draw"] * ds.sizes["year"]
    assert "year_capability_index" in yearly.columns
    cohorts = tables["cohorts"]
    assert list(cohorts.columns[:4]) == ["draw", "lab", "model", "model_name"]
    assert len(cohorts) == ds.sizes["draw"] * ds.sizes["model"]
    draws = tables["draws"]
    assert list(draws.columns[:4]) == ["draw", "lab", "ruin_month", "obligations_after_horizon_usd"]
    assert draws["draw"].tolist() == list(range(ds.sizes["draw"]))
    assert any(c.startswith("input.") for c in draws.columns)
    np.testing.assert_array_equal(
        draws["milestone_month.code_90pct_written_by_models"],
        ds["milestone_month"].sel(milestone="code_90pct_written_by_models").values,
    )
    np.testing.assert_array_equal(draws["ruin_month"], ds["ruin_month"].values)
