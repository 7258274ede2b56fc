"""``frontiersim sweep``: the table it prints, what it stores and writes, and its refusals of bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from frontiersim.cli.main import EXIT_BAD_INPUT, EXIT_OK, main
from frontiersim.store import RunStore


def _sweep(tmp_path: Path, *extra: str) -> list[str]:
    where = ["--no-store"] if "--no-store" in extra else ["--store", str(tmp_path / "runs.duckdb")]
    return [
        "sweep",
        "default",
        "--draws",
        "64",
        "--no-progress",
        "--executor",
        "serial",
        *where,
        "--out",
        str(tmp_path / "out"),
        *(argument for argument in extra if argument != "--no-store"),
    ]


def test_a_grid_sweep_prints_stores_and_writes_every_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(_sweep(tmp_path, "--set", "policy.hedge_factor=0.4,0.8", "--set", "compute.lead_time_months=12,18"))
    out = capsys.readouterr().out
    assert code == EXIT_OK
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["point", "policy.hedge_factor", "compute.lead_time_months"]
    assert "P(ruin)" in lines[0]
    assert lines[2].split()[:4] == ["1", "0.4x", "12", "months"]
    assert lines[5].split()[:4] == ["4", "0.8x", "18", "months"]
    assert "e+" not in out
    csv = pd.read_csv(tmp_path / "out" / "sweep.csv")
    assert csv["policy.hedge_factor"].tolist() == [0.4, 0.4, 0.8, 0.8]
    store = RunStore(tmp_path / "runs.duckdb")
    infos = store.list()
    assert sorted(info.kind for info in infos) == ["run", "run", "run", "run", "sweep"]
    assert all(info.status == "complete" for info in infos)
    sweep = next(info for info in infos if info.kind == "sweep")
    points = store.get(sweep.run_id).tables["points"]
    assert points["run_id"].tolist() == csv["run_id"].tolist()
    point = store.get(points["run_id"].iloc[3])
    assert "hedge_factor = 0.8" in point.scenario_text
    assert point.message.startswith(f"sweep {sweep.run_id} point 4 of 4: policy.hedge_factor = 0.8")

    # a second sweep does not replace the first one's table unless told to
    again = _sweep(tmp_path, "--set", "policy.hedge_factor=0.5")
    assert main(again) == EXIT_BAD_INPUT
    assert "holds the sweep.csv of an earlier sweep; use --force" in capsys.readouterr().err
    assert len(pd.read_csv(tmp_path / "out" / "sweep.csv")) == 4
    assert len(store.list()) == 5

    assert main(["runs", "show", sweep.run_id, "--store", str(tmp_path / "runs.duckdb")]) == EXIT_OK
    shown = capsys.readouterr().out
    assert "kind      sweep" in shown
    assert "Points (grid):" in shown
    assert "sweep points" in shown
    assert points["run_id"].iloc[0] in shown


def test_an_lhs_sweep_samples_the_ranges(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(_sweep(tmp_path, "--lhs", "3", "--set", "policy.hedge_factor=0.2:0.8", "--no-store"))
    assert code == EXIT_OK
    capsys.readouterr()
    values = sorted(pd.read_csv(tmp_path / "out" / "sweep.csv")["policy.hedge_factor"])
    assert [int((v - 0.2) / 0.2) for v in values] == [0, 1, 2]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["--set", "policy.hedge_facter=0.4"], "did you mean 'policy.hedge_factor'?"),
        (["--set", "policy.hedge_factor=-1,0.5"], "policy.hedge_factor: got -1 (integer); expected"),
        (["--set", "policy.hedge_factor"], "expected KEY=VALUE"),
        (["--set", "policy.hedge_factor=0.4", "--set", "policy.hedge_factor=0.5"], "is given twice"),
        (["--set", "policy.hedge_factor=0.4", "--cluster", "localhost"], "tcp://HOST:PORT"),
        (["--set", "policy.hedge_factor=0.4", "--cluster", "tcp://127.0.0.1:8786"], "--cluster is for --executor"),
        (["--lhs", "4", "--set", "operations.allocation_rule=residual"], "at least one --set KEY=LOW:HIGH"),
        ([], "at least one --set"),
    ],
)
def test_bad_input_exits_2_without_a_traceback_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], expected: str
) -> None:
    try:
        code = main(_sweep(tmp_path, *arguments))
    except SystemExit as stopped:  # argparse's own refusals
        code = int(stopped.code or 0)
    captured = capsys.readouterr()
    assert code == EXIT_BAD_INPUT
    assert expected in captured.err
    assert "Traceback" not in captured.err
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "runs.duckdb").exists() or RunStore(tmp_path / "runs.duckdb").list() == []


def test_workers_that_cannot_help_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_sweep(tmp_path, "--set", "policy.hedge_factor=0.4", "--workers", "3", "--no-store")) == EXIT_OK
    assert "note: extra workers cannot help: the serial executor runs one point at a time" in capsys.readouterr().err
    assert (
        main(["run", "toy_50_50", "--draws", "50", "--workers", "2", "--no-store", "--no-save", "--no-progress"]) == 0
    )
    assert "note: extra workers cannot help: 1 chunk for 2 workers; use --workers 1" in capsys.readouterr().err
