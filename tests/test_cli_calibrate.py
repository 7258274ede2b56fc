"""`frontiersim calibrate`: report and calibrated scenario from the shipped data."""

from __future__ import annotations

from pathlib import Path

import pytest

import frontiersim as fs
from frontiersim.cli.main import main


def test_calibrate_prints_the_fits_and_writes_a_valid_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "calibrated.toml"
    assert main(["calibrate", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "4.86x a year" in printed
    assert "Anthropic" in printed
    assert "CC-BY 4.0" in printed
    scenario = fs.load_scenario(out)
    growth = scenario.demand.growth_per_year
    assert 5.0 < float(growth.ppf(0.5)) < 15.0
    # the capability-mode twin carries the compute trend on the key the capability model uses
    twin = fs.load_scenario(tmp_path / "calibrated_capability.toml")
    assert 4.8 < float(twin.capability.frontier_compute_growth_per_year.ppf(0.5)) < 4.9
    assert f"wrote its capability-driven twin to {tmp_path / 'calibrated_capability.toml'}" in printed


def test_calibrate_refuses_a_folder_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_calibrate_refuses_a_folder_where_the_twin_goes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "calibrated_capability.toml").mkdir()
    assert main(["calibrate", "--out", str(tmp_path / "calibrated.toml")]) == 2
    assert "capability-mode twin" in capsys.readouterr().err
    assert not (tmp_path / "calibrated.toml").exists()
