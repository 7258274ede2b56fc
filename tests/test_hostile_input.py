"""Hostile and extreme input that used to end in a traceback: deep nesting, control characters, huge draw counts."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

import frontiersim as fs
from frontiersim.cli.main import main
from frontiersim.scenario import ScenarioError, parse_scenario, parse_scenario_text
from frontiersim.scenario.errors import terminal_safe
from frontiersim.scenario.loader import MAX_NESTING
from frontiersim.simulate import MemoryBudgetError, memory_problem

GIB = 1024**3


def test_toml_nested_hundreds_of_levels_is_one_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = '[scenario]\nname = "deep"\n[demand]\nx = ' + "[" * 600 + "1" + "]" * 600 + "\n"
    with pytest.raises(ScenarioError, match="nested too deeply"):
        parse_scenario_text(text)
    path = tmp_path / "deep.toml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "nested too deeply" in err
    assert "Traceback" not in err


def test_a_mapping_nested_too_deeply_names_the_key() -> None:
    value: Any = 1.0
    for _ in range(MAX_NESTING + 5):
        value = {"k": value}
    with pytest.raises(ScenarioError) as error:
        parse_scenario({"scenario": {"name": "deep"}, "demand": {"kind": value}})
    (problem,) = error.value.problems
    assert problem.path.startswith("demand.kind.k.k")
    assert f"nested more than {MAX_NESTING} levels deep" in str(error.value)


@pytest.mark.parametrize("name", ["a\x00b", "red \x1b[31m text", "two\nlines", "del\x7f"])
def test_control_characters_in_the_name_are_refused(name: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_scenario({"scenario": {"name": name}})
    assert [problem.path for problem in error.value.problems] == ["scenario.name"]
    assert "without control characters" in str(error.value)


def test_a_description_may_have_new_lines_but_no_other_control_characters() -> None:
    assert parse_scenario({"scenario": {"name": "x", "description": "line one\nline two\tend"}})
    with pytest.raises(ScenarioError, match="other than new lines and tabs"):
        parse_scenario({"scenario": {"name": "x", "description": "bell\x07"}})
    contract = {"name": "site\x00", "online": "2026-01", "gw": 1.0, "term_months": 12}
    with pytest.raises(ScenarioError, match=r"compute\.contracts\[0\]\.name"):
        parse_scenario({"scenario": {"name": "x"}, "compute": {"contracts": [contract]}})


def test_draws_beyond_memory_are_refused_with_the_estimate() -> None:
    scenario = fs.bundled("default")
    assert memory_problem(scenario, 10_000, available=8 * GIB) is None
    problem = memory_problem(scenario, 10**9, available=8 * GIB)
    assert problem is not None
    assert "1,000,000,000 draws would need about" in problem
    assert "GiB per million draws" in problem
    assert "8.0 GiB is available" in problem
    # monthly arrays cost more, and the message says how to do without them
    monthly = memory_problem(scenario, 10**7, keep_monthly=True, available=8 * GIB)
    assert monthly is not None
    assert "--summary-only" in monthly
    with pytest.raises(MemoryBudgetError):
        fs.simulate(scenario, draws=10**15)  # refused before anything is allocated


def test_cli_refuses_a_huge_draw_count_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    started = time.perf_counter()
    code = main(["run", "default", "--draws", "99999999999999999999", "--no-store", "--no-save"])
    assert code == 2
    assert time.perf_counter() - started < 30  # refused up front, not after filling memory (not a timing test)
    err = capsys.readouterr().err
    assert "draws would need about" in err
    assert "Traceback" not in err


def test_stored_names_and_messages_cannot_drive_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert terminal_safe("ok") == "ok"
    message = "one line\x1b[2J cleared"
    assert main(["run", "toy_50_50", "--no-save", "-m", message]) == 0
    capsys.readouterr()
    assert main(["runs", "list"]) == 0
    listed = capsys.readouterr().out
    assert "\x1b" not in listed
    line = next(line for line in listed.splitlines() if "toy_50_50" in line and "one" in line)
    assert "one line\\x1b[2J cleared" in line


def test_an_output_folder_that_cannot_be_written_is_refused_before_simulating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from frontiersim.cli import common  # noqa: PLC0415

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = common.os.access
    monkeypatch.setattr(common.os, "access", lambda path, mode: Path(path) != locked and real_access(path, mode))
    simulated: list[int] = []
    monkeypatch.setattr("frontiersim.cli.run_command.simulate", lambda *a, **k: simulated.append(1))
    assert main(["run", "toy_50_50", "--no-store", "--out", str(locked / "results")]) == 2
    assert f"cannot create it, {locked} is not writable" in capsys.readouterr().err
    assert main(["run", "toy_50_50", "--no-store", "--out", str(locked)]) == 2
    assert "the folder is not writable" in capsys.readouterr().err
    assert simulated == []  # refused before any simulation


def test_a_truncated_store_is_refused_before_any_simulation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "runs.duckdb"
    for message in ("first", "second"):
        assert main(["run", "toy_50_50", "--no-save", "--store", str(store), "-m", message]) == 0
    assert main(["run", "default", "--draws", "200", "--no-save", "--store", str(store), "-m", "third"]) == 0
    capsys.readouterr()
    size = store.stat().st_size
    with store.open("r+b") as handle:
        handle.truncate(int(size * 0.9))
    simulated: list[int] = []
    monkeypatch.setattr("frontiersim.cli.run_command.simulate", lambda *a, **k: simulated.append(1))
    assert main(["run", "toy_50_50", "--no-save", "--store", str(store), "-m", "fourth"]) == 2
    err = capsys.readouterr().err
    assert f"run store {store} is truncated" in err
    assert "Traceback" not in err
    assert simulated == []
    assert not Path(f"{store}.wal").exists()


def test_a_sound_store_is_scanned_once_until_it_changes_behind_its_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole-file scan of :meth:`RunStore.verify` is carried through the store's own writes."""
    from frontiersim.store import RunStore  # noqa: PLC0415
    from frontiersim.store import store as store_module  # noqa: PLC0415

    scanned: list[str] = []
    real_identifier = store_module._sql_identifier
    monkeypatch.setattr(store_module, "_sql_identifier", lambda name: scanned.append(name) or real_identifier(name))
    path = tmp_path / "runs.duckdb"

    def record(store: RunStore) -> None:
        run_id = store.begin(kind="run", scenario_text="", scenario_name="s", scenario_sha256="", seed=1, draws=1)
        store.finish(run_id, tables={})

    record(RunStore(path))  # a new store: nothing to scan yet
    scanned.clear()
    record(RunStore(path))  # another process, as the next command would be
    assert scanned == []  # found sound after the first run's own writes, so not read again
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # changed by someone else
    record(RunStore(path))
    assert scanned != []  # scanned again
    scanned.clear()
    record(RunStore(path))
    assert scanned == []


def test_a_damaged_store_is_refused_before_any_simulation_or_records_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """4 KiB of garbage in each block in turn: each run records (the damage is elsewhere) or is refused up front."""
    import random  # noqa: PLC0415
    import shutil  # noqa: PLC0415

    from frontiersim.cli import run_command  # noqa: PLC0415

    sound = tmp_path / "sound.duckdb"
    for message in ("first", "second"):
        assert main(["run", "toy_50_50", "--no-save", "--no-progress", "--store", str(sound), "-m", message]) == 0
    assert main(["run", "default", "--draws", "300", "--no-save", "--no-progress", "--store", str(sound)]) == 0
    capsys.readouterr()
    simulated: list[int] = []
    real_simulate = run_command.simulate

    def counting(*args: Any, **kwargs: Any) -> fs.SimulationResult:
        simulated.append(1)
        return real_simulate(*args, **kwargs)

    monkeypatch.setattr(run_command, "simulate", counting)
    rng = random.Random(20261201)
    headers, block = 3 * 4096, 256 * 1024  # DuckDB's file layout: three 4 KiB headers, then 256 KiB blocks
    blocks = (sound.stat().st_size - headers) // block
    assert blocks > 5
    outcomes = {0: 0, 2: 0}
    for k in range(blocks):
        damaged = tmp_path / f"damaged{k}.duckdb"
        shutil.copy(sound, damaged)
        with damaged.open("r+b") as handle:
            handle.seek(headers + k * block + rng.randrange(8, block - 4096))
            handle.write(rng.randbytes(4096))
        simulated.clear()
        code = main(["run", "toy_50_50", "--no-save", "--no-progress", "--store", str(damaged), "-m", "after"])
        err = capsys.readouterr().err
        assert code in outcomes, err  # never 1: "simulated, then could not record"
        assert "Traceback" not in err
        outcomes[code] += 1
        if code == 2:
            assert simulated == [], err
            assert err.startswith("error: "), err
    assert outcomes[2] > 0
