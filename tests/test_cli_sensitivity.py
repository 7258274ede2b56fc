"""The ``frontiersim sensitivity`` command: its files, its record, and one readable message per bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from frontiersim.cli.main import EXIT_BAD_INPUT, EXIT_OK, main
from frontiersim.sensitivity.analysis import PRIMARY_INDEX
from frontiersim.sensitivity.defaults import METHODS
from frontiersim.store import RunStore

SMALL = ["--samples", "64", "--seed", "3", "--resamples", "100", "--no-progress"]


def test_the_parser_lists_the_methods_the_analysis_ranks_by() -> None:
    assert METHODS == tuple(PRIMARY_INDEX) == ("sobol", "morris", "rank")


def test_sensitivity_writes_its_files_and_stores_the_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "runs.duckdb"
    out = tmp_path / "out"
    argv = ["sensitivity", "default", "--outcome", "p_ruin", "--outcome", "cash_usd_final", *SMALL]
    status = main([*argv, "--out", str(out), "--store", str(store), "-m", "drivers"])
    printed = capsys.readouterr().out
    assert status == EXIT_OK
    assert "P(ruin within the horizon) (p_ruin" in printed
    assert "cash in 2030" in printed
    assert "top drivers: " in printed
    assert "e+" not in printed
    assert {p.name for p in out.iterdir()} == {
        "sensitivity.csv",
        "sensitivity.txt",
        "sensitivity.json",
        "tornado.svg",
        "tornado.html",
    }
    assert (out / "tornado.svg").read_text(encoding="utf-8").startswith("<svg")
    with (out / "sensitivity.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["index"] for row in rows} == {"S1", "ST"}
    assert {row["outcome"] for row in rows} == {"p_ruin", "cash_usd_final"}
    records = RunStore(store).list()
    assert [(r.kind, r.status, r.message) for r in records] == [("sensitivity", "complete", "drivers")]
    assert records[0].draws == 64 * 8
    assert main(["runs", "show", records[0].run_id, "--store", str(store)]) == EXIT_OK
    assert "top drivers: " in capsys.readouterr().out
    report = tmp_path / "report.html"
    assert main(["report", records[0].run_id, "--store", str(store), "-o", str(report)]) == EXIT_OK
    assert "data:image/svg+xml;base64," in report.read_text(encoding="utf-8")


def test_the_same_seed_writes_the_same_indices(tmp_path: Path) -> None:
    tables = []
    for name in ("a", "b"):
        argv = ["sensitivity", "default", "--method", "morris", "--samples", "10", "--seed", "4", "--no-progress"]
        assert main([*argv, "--out", str(tmp_path / name), "--no-store"]) == EXIT_OK
        tables.append((tmp_path / name / "sensitivity.csv").read_bytes())
    assert tables[0] == tables[1]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--outcome", "p_rune"], "--outcome: unknown outcome 'p_rune'; did you mean 'p_ruin'?"),
        (["--outcome", "revenue_usd_2041"], "2041 is not a simulation year of scenario 'default'"),
        (["--samples", "1000"], "--samples 1,000: the Sobol' design needs a power of two base rows"),
        (["--lab", "alpha"], "--lab alpha: scenario 'default' has no lab of that name"),
        (["--method", "morris", "--samples", "1"], "the Morris design needs at least 2 trajectories"),
    ],
)
def test_bad_input_is_one_message_and_exit_2_with_nothing_written(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    store = tmp_path / "runs.duckdb"
    status = main(["sensitivity", "default", *extra, "--out", str(out), "--store", str(store)])
    error = capsys.readouterr().err
    assert status == EXIT_BAD_INPUT
    assert message in error
    assert "Traceback" not in error
    assert not out.exists()
    assert not store.exists()


def test_an_unknown_method_is_suggested(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["sensitivity", "default", "--method", "sobl"])
    assert raised.value.code == EXIT_BAD_INPUT
    assert "did you mean 'sobol'?" in capsys.readouterr().err
