"""A summary run saved to ``distributions.nc`` reopens with its sketches: every statistic can be asked again.

``SummaryResult.save`` writes the statistics of ``to_dataset`` and, in the
netCDF group ``sketches``, the sketches themselves; ``SummaryResult.from_netcdf``
reads them back. The reopened run must answer exactly as the run did, and a
file that cannot be one of its runs is refused with a message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import frontiersim as fs
from frontiersim.results.summary import SKETCH_GROUP, SummaryResult
from frontiersim.results.summary_tables import summary_run_tables

LEVELS = (0.0, 0.0137, 0.5, 0.9999, 1.0)


@pytest.fixture(scope="module", params=["default", "four_labs", "capability_driven"])
def saved(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[SummaryResult, Path]:
    result = fs.simulate_summary(fs.bundled(request.param), draws=1500, seed=8)
    folder = tmp_path_factory.mktemp(request.param)
    result.save(folder)
    return result, folder / "distributions.nc"


def test_a_reopened_run_answers_every_statistic_as_the_run_did(saved: tuple[SummaryResult, Path]) -> None:
    # Catches a bin, sum, extreme or NaN count lost or moved on the way, a sketch of one output read into
    # another's place, survivors or inputs left empty, and attributes not kept.
    result, path = saved
    reopened = SummaryResult.from_netcdf(path)
    assert reopened.draws == result.draws
    assert reopened.attrs == result.attrs
    xr.testing.assert_identical(reopened.to_dataset(), result.to_dataset())
    for name, sketch in result.sketches.items():
        again = reopened.sketches[name]
        np.testing.assert_array_equal(again.quantiles(LEVELS), sketch.quantiles(LEVELS), err_msg=name)
        np.testing.assert_array_equal(again.means(), sketch.means(), err_msg=name)
    for group, reopened_group in ((result.survivors, reopened.survivors), (result.parameters, reopened.parameters)):
        assert list(reopened_group) == list(group)
        for name, sketch in group.items():
            np.testing.assert_array_equal(reopened_group[name].quantiles(LEVELS), sketch.quantiles(LEVELS))
    for lab in result.labs:
        for runoff in (False, True):
            assert reopened.ruin_probability(lab, including_runoff=runoff) == result.ruin_probability(
                lab, including_runoff=runoff
            )
        np.testing.assert_array_equal(reopened.ruin_curve(lab), result.ruin_curve(lab))
        np.testing.assert_equal(reopened.obligations_after_horizon(lab), result.obligations_after_horizon(lab))
    tables, again = summary_run_tables(result), summary_run_tables(reopened)
    assert list(again) == list(tables)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(again[name], frame, obj=name)


def test_the_statistics_stay_in_the_files_root_group(saved: tuple[SummaryResult, Path]) -> None:
    # A reader that knows nothing of the sketches opens the statistics as before.
    result, path = saved
    with xr.open_dataset(path, engine="h5netcdf") as statistics:
        xr.testing.assert_identical(statistics.load(), result.to_dataset())
        assert "nonzero_count" not in statistics.data_vars


def test_a_file_without_sketches_is_refused_with_a_message(tmp_path: Path) -> None:
    result = fs.simulate_summary(fs.bundled("default"), draws=300, seed=1)
    path = tmp_path / "statistics_only.nc"
    result.to_dataset().to_netcdf(path, engine="h5netcdf")
    with pytest.raises(ValueError, match=r"holds no sketches.*frontiersim rerun"):
        SummaryResult.from_netcdf(path)


def test_sketches_that_do_not_fit_the_scenario_are_refused(saved: tuple[SummaryResult, Path]) -> None:
    result, path = saved
    other = "default" if len(result.labs) > 1 else "four_labs"
    with pytest.raises(ValueError, match=r"do not fit the scenario|sketch '"):
        SummaryResult.from_netcdf(path, scenario=fs.bundled(other))


def test_a_scenario_changed_in_code_reopens_with_it_given(tmp_path: Path) -> None:
    # The recorded text is the file's (five years), the run's scenario ten years: the text alone is refused, the
    # scenario given reopens the run.
    scenario = fs.bundled("default")
    longer = dataclasses.replace(scenario, meta=dataclasses.replace(scenario.meta, horizon_years=10))
    result = fs.simulate_summary(longer, draws=300, seed=2)
    result.save(tmp_path)
    with pytest.raises(ValueError, match=r"sketch '.*expected 5 columns"):
        SummaryResult.from_netcdf(tmp_path / "distributions.nc")
    reopened = SummaryResult.from_netcdf(tmp_path / "distributions.nc", scenario=longer)
    xr.testing.assert_identical(reopened.to_dataset(), result.to_dataset())


def _entries(sketches: xr.Dataset, name: str) -> slice:
    """Where float sketch ``name``'s non-zero bins lie along ``nonzero``."""
    position = list(sketches["float_sketch"].values).index(name)
    ends = np.cumsum(sketches["float_sketch_nonzero"].values)
    return slice(int(ends[position] - sketches["float_sketch_nonzero"].values[position]), int(ends[position]))


def _damage_a_count(sketches: xr.Dataset) -> None:
    sketches["nonzero_count"].values[_entries(sketches, "year_revenue_usd").start] += 1


def _damage_a_bin(sketches: xr.Dataset) -> None:
    sketches["nonzero_bin"].values[_entries(sketches, "year_revenue_usd")] = -1


def _damage_the_months(sketches: xr.Dataset) -> None:
    position = list(sketches["integer_sketch"].values).index("ruin_month")
    first = int(sketches["integer_sketch_columns"].values[:position].sum())
    sketches["integer_counts"].values[first] *= 2


@pytest.mark.parametrize(
    ("damage", "name", "message"),
    [
        (_damage_a_count, "year_revenue_usd", "draws"),
        (_damage_a_bin, "year_revenue_usd", "bin outside"),
        (_damage_the_months, "ruin_month", "add up"),
    ],
)
def test_a_damaged_sketch_is_refused_naming_it(
    tmp_path: Path, damage: Callable[[xr.Dataset], None], name: str, message: str
) -> None:
    result = fs.simulate_summary(fs.bundled("default"), draws=300, seed=3)
    path = tmp_path / "distributions.nc"
    result.to_dataset().to_netcdf(path, engine="h5netcdf")
    sketches = result.sketch_dataset()
    damage(sketches)
    sketches.to_netcdf(path, mode="a", group=SKETCH_GROUP, engine="h5netcdf")
    with pytest.raises(ValueError, match=f"sketch '{name}'.*{message}"):
        SummaryResult.from_netcdf(path)
