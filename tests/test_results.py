"""Result object: labelled dataset, summary tables, saving and loading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import frontiersim as fs


@pytest.fixture(scope="module")
def result() -> fs.SimulationResult:
    return fs.simulate(fs.bundled("default"), draws=400, seed=3)


def test_dataset_dims_and_units(result: fs.SimulationResult) -> None:
    dataset = result.dataset
    assert dict(dataset.sizes) == {
        "draw": 400,
        "lab": 1,
        "year": 5,
        "model": 21,
        "month": 60,
    }  # a release every 3 months
    assert result.labs == ["lab"]
    assert dataset["cash_usd"].dims == ("draw", "lab", "month")
    # With one lab the market is the lab: its demand and share are not recorded twice.
    assert "market_demand_usd_per_year" not in dataset
    assert "market_share" not in dataset
    labs = fs.simulate(fs.bundled("four_labs"), draws=50, seed=3).dataset
    assert labs["market_demand_usd_per_year"].dims == ("draw", "month")
    assert labs["market_share"].dims == ("draw", "lab", "month")
    assert list(dataset["year"].values) == [2026, 2027, 2028, 2029, 2030]
    assert str(dataset["date"].values[0])[:7] == "2026-01"
    for name, variable in dataset.data_vars.items():
        if not str(name).startswith("input."):
            assert "units" in variable.attrs, name
            assert "long_name" in variable.attrs, name
            assert "description" in variable.attrs, name
    assert dataset["capacity_gw"].attrs["units"] == "GW"
    assert dataset["cash_usd"].attrs["units"] == "USD"


def test_summary_table(result: fs.SimulationResult) -> None:
    table = result.summary()
    assert table.index.names == ["metric", "statistic"]
    assert list(table.columns) == [2026, 2027, 2028, 2029, 2030]
    ruin = table.loc[("P(ruin by year end)", "probability")]
    np.testing.assert_allclose(ruin.iloc[-1], result.ruin_probability())
    assert (np.diff(ruin.to_numpy()) >= 0).all()
    for metric in ("revenue", "profit", "cash at year end", "unserved demand"):
        p5, p50, p95 = (table.loc[(metric, s)] for s in ("p5", "p50", "p95"))
        assert (p5 <= p50).all()
        assert (p50 <= p95).all()
    revenue_mean = table.loc[("revenue", "mean")]
    revenue = result.lab().dataset["year_revenue_usd"]
    np.testing.assert_allclose(revenue_mean.to_numpy(), revenue.mean("draw").to_numpy())


def test_company_and_cohort_tables(result: fs.SimulationResult) -> None:
    pnl = result.company_pnl()
    np.testing.assert_allclose(
        pnl.loc["profit"].to_numpy(),
        (
            pnl.loc["revenue"] - pnl.loc["inference cost"] - pnl.loc["training cost"] - pnl.loc["other operating costs"]
        ).to_numpy(),
        rtol=1e-9,
    )
    cohorts = result.cohort_pnl()
    assert cohorts.index[0].startswith("incumbent")
    assert cohorts.index[-1].startswith("next")
    np.testing.assert_allclose(
        cohorts["net"].sum(),
        (pnl.loc["revenue"] - pnl.loc["inference cost"] - pnl.loc["training cost"]).sum(),
        rtol=1e-9,
    )


def test_netcdf_round_trip(result: fs.SimulationResult, tmp_path: Path) -> None:
    written = result.save(tmp_path / "run")
    assert {p.name for p in written} == {"results.nc", "summary.csv", "run.json", "scenario.toml"}
    loaded = fs.SimulationResult.from_netcdf(tmp_path / "run" / "results.nc")
    xr.testing.assert_allclose(loaded.dataset, result.dataset)
    assert loaded.dataset.attrs["scenario_name"] == "default"
    assert fs.parse_scenario_text((tmp_path / "run" / "scenario.toml").read_text()).meta.name == "default"
    assert not list((tmp_path / "run").glob(".*tmp"))


def test_parquet_levels(result: fs.SimulationResult, tmp_path: Path) -> None:
    result.save(tmp_path, format="parquet")
    monthly = pd.read_parquet(tmp_path / "monthly.parquet")
    yearly = pd.read_parquet(tmp_path / "yearly.parquet")
    assert len(monthly) == 400 * 60
    assert len(yearly) == 400 * 5
    np.testing.assert_allclose(monthly["cash_usd"].to_numpy(), result.dataset["cash_usd"].to_numpy().ravel())
    assert len(pd.read_parquet(tmp_path / "draws.parquet")) == 400


def test_summary_only_results(tmp_path: Path) -> None:
    light = fs.simulate(fs.bundled("default"), draws=100, seed=1, keep_monthly=False)
    assert "month" not in light.dataset.dims
    with pytest.raises(ValueError, match="summary-only"):
        light.to_dataframe("monthly")
    written = light.save(tmp_path, format="parquet")
    assert "monthly.parquet" not in {p.name for p in written}
    assert light.summary().shape[1] == 5


def test_repr(result: fs.SimulationResult) -> None:
    assert "draws=400" in repr(result)
    assert "<div" in result._repr_html_()
