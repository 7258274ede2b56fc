"""``frontiersim run --no-draws``: a run kept as distributions, its files, its stored tables, report and rerun."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import frontiersim as fs
from frontiersim.cli.main import EXIT_BAD_INPUT, main
from frontiersim.results.sketch import MANTISSA_BITS, SMALLEST_MAGNITUDE
from frontiersim.results.summary_tables import summary_run_tables
from frontiersim.results.tables import FAN_QUANTILES, run_tables
from frontiersim.simulate import MemoryBudgetError
from frontiersim.store import RunStore, default_store_path
from frontiersim.store.record import DISTRIBUTIONS_ONLY

STORED = re.compile(r"stored as run (\S+) in ")
#: How far a sketched quantile may be from the exact one (the module notes of frontiersim.results.sketch).
RELATIVE = 2.0**-MANTISSA_BITS


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_no_draws_run_prints_saves_and_stores_the_full_runs_figures(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    code, out, err = run_cli(
        capsys, "run", "default", "--draws", "700", "--seed", "5", "--no-draws", "--out", str(out_dir)
    )
    assert code == 0, err
    full = fs.simulate(fs.bundled("default"), draws=700, seed=5)
    assert f"P(ruin within the horizon) = {full.ruin_probability():.2%}" in out
    assert f"P(ruin including the run-off) = {full.ruin_probability(including_runoff=True):.2%}" in out
    assert "kept as distributions" in out
    assert sorted(p.name for p in out_dir.iterdir()) == ["distributions.nc", "run.json", "scenario.toml", "summary.csv"]
    with xr.open_dataset(out_dir / "distributions.nc", engine="h5netcdf") as saved:
        assert "statistic" in saved.dims
        mean_revenue = saved["year_revenue_usd"].sel(statistic="mean", lab="lab").values
    assert np.allclose(mean_revenue, full.dataset["year_revenue_usd"].mean("draw").sel(lab="lab").values, rtol=1e-12)

    match = STORED.search(out)
    assert match is not None, out
    record = RunStore(default_store_path()).get(match.group(1))
    assert record.options[DISTRIBUTIONS_ONLY] is True
    assert record.draw_table_names == ()
    assert record.tables["headline"]["p_ruin"].iloc[0] == full.ruin_probability()


def test_no_draws_run_has_a_report_and_reruns_bit_for_bit(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run_cli(capsys, "run", "four_labs", "--draws", "300", "--no-draws", "--no-save", "--no-progress")
    assert code == 0, err
    match = STORED.search(out)
    assert match is not None, out
    run_id = match.group(1)
    report = tmp_path / "report.html"
    code, out, err = run_cli(capsys, "report", run_id, "-o", str(report))
    assert code == 0, err
    html = report.read_text(encoding="utf-8")
    assert "four_labs" in html
    assert "delta" in html
    code, out, err = run_cli(capsys, "rerun", run_id, "--no-progress")
    assert code == 0, err + out
    assert re.search(r"identical: \d+ summary tables and 0 per-draw tables equal bit for bit", out), out


def test_no_draws_run_that_would_not_fit_is_refused_before_anything_is_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the module, not the function the package exports under the same name
    monkeypatch.setattr(sys.modules["frontiersim.simulate"], "available_memory_bytes", lambda: 1024)
    out_dir = tmp_path / "out"
    code, _, err = run_cli(capsys, "run", "default", "--draws", "100", "--no-draws", "--out", str(out_dir))
    assert code == EXIT_BAD_INPUT
    assert "a summary run needs about" in err
    assert "Traceback" not in err
    assert not out_dir.exists()
    with pytest.raises(MemoryBudgetError, match="a summary run needs about"):
        fs.simulate_summary(fs.bundled("default"), draws=100)


def _close(sketched: np.ndarray, exact: np.ndarray) -> bool:
    """Within the sketch's bound of the exact value (NaN where the exact is NaN)."""
    bound = RELATIVE * np.abs(exact) + SMALLEST_MAGNITUDE
    both_nan = np.isnan(sketched) & np.isnan(exact)
    return bool(np.all(both_nan | (np.abs(sketched - exact) <= bound)))


@pytest.mark.parametrize("name", ["default", "four_labs", "capability_driven"])
def test_summary_run_tables_match_the_full_runs(name: str) -> None:
    scenario = fs.bundled(name)
    sketched = summary_run_tables(fs.simulate_summary(scenario, draws=1500, seed=2, chunk_size=400))
    exact = run_tables(fs.simulate(scenario, draws=1500, seed=2, keep_monthly=False))
    assert sorted(sketched) == sorted(exact)
    for table in sorted(set(sketched) - {"units"}):
        a, b = sketched[table], exact[table]
        assert list(a.columns) == list(b.columns), table
        assert (a.dtypes == b.dtypes).all(), table
        for column in a.columns:
            left, right = a[column].to_numpy(), b[column].to_numpy()
            if a[column].dtype.kind not in "fc":
                assert (left == right).all(), (table, column)
            elif (table == "fan" and column in FAN_QUANTILES) or (table in ("headline",) and "median" in column):
                assert _close(left, right), (table, column)
            elif table in ("summary",):
                statistic = a["statistic"].to_numpy()
                exact_rows = np.isin(statistic, ["mean", "probability"])
                assert np.allclose(left[exact_rows], right[exact_rows], rtol=1e-12, equal_nan=True), (table, column)
                assert _close(left[~exact_rows], right[~exact_rows]), (table, column)
            elif table in ("market", "capability") and column in FAN_QUANTILES:
                assert _close(left, right), (table, column)
            else:  # shares of draws, ruin curves, milestone months and means
                assert np.allclose(left, right, rtol=1e-12, atol=0.0, equal_nan=True), (table, column)
    # the units table describes every column of every run table, as a full run's does
    units = sketched["units"]
    for table in set(sketched) - {"units"}:
        described = set(units.loc[units["table"] == table, "column"])
        assert described == set(sketched[table].columns), table
