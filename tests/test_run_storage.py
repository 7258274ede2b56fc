"""What a run leaves on disk: summary-only storage, the size per run, and a results folder that is not overwritten."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from frontiersim.cli.main import EXIT_BAD_INPUT, main
from frontiersim.store import RunStore, default_store_path

STORED = re.compile(r"stored as run (\S+) in (\S+): (.+)")


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_run_of_100k_draws_stored_summary_only_takes_under_1_mb(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(
        capsys,
        "run",
        "default",
        "--draws",
        "1e5",
        "--summary-only",
        "--store-summary-only",
        "--no-save",
        "--no-progress",
    )
    assert code == 0, err
    match = STORED.search(out)
    assert match is not None, out
    assert match.group(3).endswith("(summary only: no per-draw tables)")
    record = RunStore(default_store_path()).get(match.group(1))
    assert record.draws == 100_000
    assert record.draw_table_names == ()
    assert "draws" not in record.stored_bytes
    assert 0 < sum(record.stored_bytes.values()) < 1_000_000
    assert record.tables["headline"]["draws"].tolist() == [100_000]


def test_the_size_of_a_stored_run_is_shown_with_its_per_draw_part(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "run", "toy_50_50", "--draws", "300", "--no-save", "--no-progress")
    assert code == 0, err
    match = STORED.search(out)
    assert match is not None, out
    run_id = match.group(1)
    sizes = RunStore(default_store_path()).stored_bytes(run_id)
    assert sizes["draws"] > 0
    assert sizes["table"] > 0
    assert re.fullmatch(r"[\d.]+ [KM]?B \(per-draw tables [\d.]+ [KM]?B\)", match.group(3)), match.group(3)
    code, shown, err = run_cli(capsys, "runs", "show", run_id[:8])
    assert code == 0, err
    assert re.search(r"^\s*stored\s+" + re.escape(match.group(3)) + "$", shown, re.MULTILINE), shown


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_run_refuses_to_replace_the_results_of_another_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results"
    code, _, err = run_cli(capsys, "run", "toy_50_50", "--draws", "40", "--out", str(out), "--no-progress")
    assert code == 0, err
    before = _files(out)

    # The same run again writes the same numbers: nothing to lose, nothing refused.
    code, _, err = run_cli(capsys, "run", "toy_50_50", "--draws", "40", "--out", str(out), "--no-progress")
    assert code == 0, err
    assert _files(out)["summary.csv"] == before["summary.csv"]

    for other in (("--draws", "10"), ("--draws", "40", "--seed", "7"), ("default", "--draws", "40")):
        args = other if other[0] == "default" else ("toy_50_50", *other)
        code, stdout, err = run_cli(capsys, "run", *args, "--out", str(out), "--no-progress")
        assert code == EXIT_BAD_INPUT, (args, stdout)
        assert f"{out} holds the results of another run" in err
        assert "toy_50_50, 40 draws" in err
        assert "--force" in err
        assert "--out FOLDER" in err
        assert "Traceback" not in err
        assert _files(out)["summary.csv"] == before["summary.csv"]
    assert len(RunStore(default_store_path()).list()) == 2  # refused before anything was recorded

    code, _, err = run_cli(capsys, "run", "toy_50_50", "--draws", "10", "--out", str(out), "--force", "--no-progress")
    assert code == 0, err
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["draws"] == 10


def test_an_unreadable_run_json_is_treated_as_another_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results"
    out.mkdir()
    (out / "run.json").write_text("{not json", encoding="utf-8")
    code, _, err = run_cli(capsys, "run", "toy_50_50", "--draws", "10", "--out", str(out), "--no-progress")
    assert code == EXIT_BAD_INPUT
    assert "another run (an unreadable run.json)" in err
    assert (out / "run.json").read_text(encoding="utf-8") == "{not json"
