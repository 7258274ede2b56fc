"""``frontiersim rerun``: a stored run made again bit for bit, the software versions it recorded, and store layout 4."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from frontiersim.cli.main import EXIT_BAD_INPUT, EXIT_FAILED, main
from frontiersim.environment import software_versions
from frontiersim.store import RunStore, default_store_path
from frontiersim.store.record import table_differences

STORED = re.compile(r"stored as run (\S+) in ")


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def stored_run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run_cli(capsys, "run", *args, "--no-save", "--no-progress")
    assert code == 0, err
    match = STORED.search(out)
    assert match is not None, out
    return match.group(1)


@pytest.mark.parametrize(
    "args",
    [
        ("default", "--draws", "300"),
        ("default", "--draws", "300", "--summary-only", "--seed", "11", "--chunk-size", "64"),
        ("toy_50_50", "--draws", "50", "--store-summary-only"),
    ],
    ids=["default", "summary-only-chunked", "stored-summary-only"],
)
def test_rerun_reproduces_a_stored_run_bit_for_bit(capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    original = stored_run(capsys, *args)
    code, out, err = run_cli(capsys, "rerun", original[:15], "--no-progress")
    assert code == 0, err + out
    assert f"rerun of run {original}" in out
    assert re.search(r"identical: \d+ summary tables and \d+ per-draw tables equal bit for bit", out), out
    assert "versions: the same as when the run was made" in out
    store = RunStore(default_store_path())
    rerun_id = STORED.search(out)
    assert rerun_id is not None
    first, again = store.get(original), store.get(rerun_id.group(1))
    assert again.message == f"rerun of {original}"
    assert (again.seed, again.draws, again.scenario_text) == (first.seed, first.draws, first.scenario_text)
    assert again.draw_table_names == first.draw_table_names
    assert again.options == first.options
    for name, table in first.tables.items():
        pd.testing.assert_frame_equal(again.tables[name], table, check_exact=True)


def test_rerun_says_which_table_differs_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    original = stored_run(capsys, "toy_50_50", "--draws", "40")
    store = RunStore(default_store_path())
    # Alter one stored number, as a different numpy might: the rerun must notice.
    with duckdb.connect(str(store.path)) as connection:
        (payload,) = connection.execute(
            "SELECT payload FROM payloads WHERE run_id = ? AND role = 'table' AND name = 'headline'", [original]
        ).fetchone()
        headline = pd.read_parquet(io.BytesIO(payload))
        headline.loc[0, "p_ruin"] += 1e-9
        buffer = io.BytesIO()
        headline.to_parquet(buffer)
        connection.execute(
            "UPDATE payloads SET payload = ? WHERE run_id = ? AND role = 'table' AND name = 'headline'",
            [buffer.getvalue(), original],
        )
    code, out, _ = run_cli(capsys, "rerun", original, "--no-progress", "--no-store")
    assert code == EXIT_FAILED
    assert "DIFFERENT: 1 of" in out
    assert "headline: values differ, column 'p_ruin', largest difference 1.0×10^-9" in out, out


def test_rerun_refuses_what_it_cannot_make_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "rerun", "nosuchid", "--no-progress")
    assert code == EXIT_BAD_INPUT
    assert "Traceback" not in err
    store = RunStore(default_store_path())
    frontier = store.begin(kind="frontier", scenario_text="", scenario_name="x", scenario_sha256="", seed=1, draws=5)
    store.finish(frontier, tables={"frontier": pd.DataFrame({"x": [1.0]})})
    code, _, err = run_cli(capsys, "rerun", frontier, "--no-progress")
    assert code == EXIT_BAD_INPUT
    assert "is a frontier record; rerun makes simulations (kind run) again" in err
    running = store.begin(kind="run", scenario_text="", scenario_name="x", scenario_sha256="", seed=1, draws=5)
    code, _, err = run_cli(capsys, "rerun", running, "--no-progress")
    assert code == EXIT_BAD_INPUT
    assert "is running: there are no stored numbers to compare with" in err


def test_a_run_records_the_software_it_was_made_with(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results"
    code, stdout, err = run_cli(capsys, "run", "toy_50_50", "--draws", "10", "--out", str(out), "--no-progress")
    assert code == 0, err
    match = STORED.search(stdout)
    assert match is not None
    record = RunStore(default_store_path()).get(match.group(1))
    versions = software_versions()
    assert record.environment == versions
    assert {"numpy", "scipy", "pandas", "python", "frontiersim"} <= set(versions)
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["software"] == versions
    code, shown, _ = run_cli(capsys, "runs", "show", record.run_id)
    assert f"numpy {versions['numpy']}" in shown
    assert f"scipy {versions['scipy']}" in shown


def test_table_differences_finds_every_kind_of_difference() -> None:
    base = pd.DataFrame({"lab": ["a", "b"], "x": [1.0, float("nan")], "n": [1, 2]})
    equal, different = table_differences({"t": base}, {"t": base.copy()})
    assert (equal, different) == (["t"], [])  # NaN equals NaN
    changed = base.copy()
    changed.loc[1, "x"] = 3.0
    (difference,) = table_differences({"t": base}, {"t": changed})[1]
    assert (difference.column, difference.largest_abs_difference) == ("x", float("inf"))
    (difference,) = table_differences({"t": base}, {"t": base.iloc[:1]})[1]
    assert difference.reason == "2 rows then, 1 now"
    (difference,) = table_differences({"t": base}, {"t": base.rename(columns={"n": "m"})})[1]
    assert difference.reason.startswith("columns differ")
    renamed = base.copy()
    renamed.loc[0, "lab"] = "c"
    (difference,) = table_differences({"t": base}, {"t": renamed})[1]
    assert difference.column == "lab"
    assert table_differences({"t": base}, {"u": base}) == ([], [])  # only common names are compared
