"""``frontiersim runs`` and the recording of run, optimize, frontier and backtest in the run store."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from frontiersim.cli.main import EXIT_BAD_INPUT, EXIT_FAILED, main
from frontiersim.report import render_report
from frontiersim.scenario import bundled_text
from frontiersim.store import RunStore, default_store_path
from frontiersim.units import money

DRAWS = "200"
STORED = re.compile(r"stored as run (\S+) in (.+?)(?:: [\d.]+ [KMG]?B .*)?$", re.MULTILINE)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def stored_id(out: str) -> str:
    match = STORED.search(out)
    assert match is not None, out
    assert Path(match.group(2)) == default_store_path()
    return match.group(1)


@pytest.fixture
def two_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """Two recorded runs: the bundled default, then the same with slower demand growth."""
    text = bundled_text("default")
    assert 'growth_per_year = "3 to 20"' in text
    first, second = tmp_path / "baseline.toml", tmp_path / "slower.toml"
    first.write_text(text, encoding="utf-8")
    second.write_text(text.replace('growth_per_year = "3 to 20"', 'growth_per_year = "1.5 to 4"'), encoding="utf-8")
    ids = []
    for path, message in ((first, "baseline from the interviews"), (second, "slower growth after the Q3 report")):
        code, out, err = run_cli(
            capsys, "run", str(path), "--draws", DRAWS, "--no-save", "--no-progress", "-m", message
        )
        assert code == 0, err
        ids.append(stored_id(out))
    return ids[0], ids[1]


def test_runs_are_recorded_listed_and_shown(two_runs: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    first, second = two_runs
    code, out, _ = run_cli(capsys, "runs", "list")
    assert code == 0
    lines = out.splitlines()
    first_line = next(k for k, line in enumerate(lines) if line.startswith(first))
    second_line = next(k for k, line in enumerate(lines) if line.startswith(second))
    assert second_line < first_line, "newest first"
    assert "baseline from the interviews" in lines[first_line]
    assert "complete" in lines[first_line]
    assert "2 of 2 runs" in out

    code, out, _ = run_cli(capsys, "runs", "list", "--limit", "1")
    assert (code, first in out, second in out) == (0, False, True)
    assert "--all" in out

    record = RunStore().get(first)
    code, out, _ = run_cli(capsys, "runs", "show", first[:-3])
    assert code == 0
    assert f"run {first}" in out
    assert "message   baseline from the interviews" in out
    assert re.search(rf"P\(ruin within the horizon\) +{record.metrics['p_ruin']:.2%}", out)
    assert re.search(r"P\(ruin including the run-off\) +\d+\.\d\d%", out)
    assert re.search(r"obligations after the horizon, median of survivors +\$[\d.]+[BT]", out)
    assert money(record.metrics["revenue_final_year_median_usd"]) in out
    assert "Summary by year:" in out
    assert "per-draw tables: cohorts, draws, yearly" in out
    assert record.command[:2] == ["frontiersim", "run"]
    assert record.command[-2:] == ["-m", "baseline from the interviews"]
    assert record.draws == int(DRAWS)


def test_compare_shows_the_scenario_diff_and_the_change_in_outcomes(
    two_runs: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = two_runs
    store = RunStore()
    before, after = store.get(first), store.get(second)
    code, out, _ = run_cli(capsys, "runs", "compare", first, second)
    assert code == 0
    assert "reason: baseline from the interviews" in out
    assert "reason: slower growth after the Q3 report" in out
    diff = [line for line in out.splitlines() if line.startswith(("-growth", "+growth"))]
    assert diff[0].startswith('-growth_per_year = "3 to 20"')
    assert diff[1].startswith('+growth_per_year = "1.5 to 4"')
    revenue = next(line for line in out.splitlines() if line.startswith("revenue in the final year, median"))
    a, b = before.metrics["revenue_final_year_median_usd"], after.metrics["revenue_final_year_median_usd"]
    assert b < a, "slower growth must lower the median final-year revenue"
    assert money(a) in revenue
    assert money(b) in revenue
    assert money(b - a) in revenue
    ruin = next(line for line in out.splitlines() if line.startswith("P(ruin within the horizon)"))
    p_a, p_b = before.metrics["p_ruin"], after.metrics["p_ruin"]
    assert f"{p_a:.2%}" in ruin
    assert f"{p_b:.2%}" in ruin
    assert f"{100 * (p_b - p_a):+.2f} pp" in ruin
    runoff = next(line for line in out.splitlines() if line.startswith("P(ruin including the run-off) "))
    for run in (before, after):
        assert f"{run.metrics['p_ruin_including_runoff']:.2%}" in runoff
    owed = next(line for line in out.splitlines() if line.startswith("obligations after the horizon"))
    assert money(after.metrics["obligations_after_horizon_median_usd"]) in owed
    assert "By year:" in out


def test_compare_of_one_scenario_with_itself_says_so(
    two_runs: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = two_runs
    code, out, _ = run_cli(capsys, "runs", "compare", first, first)
    assert code == 0
    assert "the same text" in out
    assert "+0.00 pp" in out


def test_export_csv_and_parquet_read_back_equal(
    two_runs: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, _ = two_runs
    record = RunStore().get(first)
    yearly = record.draw_table("yearly")

    folder = tmp_path / "export"
    code, out, _ = run_cli(capsys, "runs", "export", first, "--format", "csv", "-o", str(folder))
    assert code == 0, out
    names = {path.name for path in folder.iterdir()}
    assert {"yearly.csv", "cohorts.csv", "draws.csv", "summary.csv", "headline.csv", "scenario.toml"} <= names
    assert {"run.json", "fan.csv", "ruin_curve.csv"} <= names
    pd.testing.assert_frame_equal(pd.read_csv(folder / "yearly.csv"), yearly, check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_csv(folder / "summary.csv"), record.tables["summary"], check_dtype=False)
    assert (folder / "scenario.toml").read_text(encoding="utf-8") == record.scenario_text

    target = tmp_path / "draws.parquet"
    code, out, _ = run_cli(
        capsys, "runs", "export", first, "--format", "parquet", "--table", "draws", "-o", str(target)
    )
    assert code == 0
    pd.testing.assert_frame_equal(pd.read_parquet(target), record.draw_table("draws"))

    code, _, _ = run_cli(capsys, "runs", "export", first, "--format", "parquet", "--table", "fan", "-o", str(target))
    assert code == 0
    pd.testing.assert_frame_equal(pd.read_parquet(target), record.tables["fan"])

    code, _, err = run_cli(capsys, "runs", "export", first, "--format", "csv", "--table", "monthly")
    assert code == EXIT_BAD_INPUT
    assert "has no table 'monthly'; it has: cohorts, draws, yearly" in err
    code, _, err = run_cli(capsys, "runs", "export", first, "--format", "csv", "--table", "yearly", "-o", str(folder))
    assert code == EXIT_BAD_INPUT
    assert "is a folder" in err


def test_rm_removes_one_run_and_asks_first(
    two_runs: tuple[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = two_runs
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    code, _, err = run_cli(capsys, "runs", "rm", first)
    assert code == EXIT_BAD_INPUT
    assert "add --yes" in err
    assert len(RunStore().list()) == 2

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal("n\n"))
    code, out, _ = run_cli(capsys, "runs", "rm", first)
    assert (code, "nothing removed" in out, len(RunStore().list())) == (0, True, 2)

    code, out, _ = run_cli(capsys, "runs", "rm", first, "--yes")
    assert code == 0
    assert f"removed run {first}" in out
    assert [info.run_id for info in RunStore().list()] == [second]
    code, _, err = run_cli(capsys, "runs", "show", first)
    assert code == EXIT_BAD_INPUT
    assert f"no run '{first}'" in err


def test_compact_keeps_every_run_and_says_what_it_freed(
    two_runs: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = two_runs
    assert run_cli(capsys, "runs", "rm", first, "--yes")[0] == 0
    code, out, err = run_cli(capsys, "runs", "compact")
    assert (code, err) == (0, "")
    assert re.fullmatch(
        rf"compacted {re.escape(str(default_store_path()))}: [\d,.]+ MiB -> [\d,.]+ MiB \([\d,.]+ MiB freed\), "
        r"1 run kept\n",
        out,
    ), out
    assert [info.run_id for info in RunStore().list()] == [second]
    code, _, err = run_cli(capsys, "runs", "compact", "--store", str(tmp_path / "none.duckdb"))
    assert code == EXIT_BAD_INPUT
    assert err == f"error: no run store at {tmp_path / 'none.duckdb'}\n"
    assert not (tmp_path / "none.duckdb").exists()


def test_no_store_records_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "run", "toy_50_50", "--draws", "50", "--no-save", "--no-progress", "--no-store")
    assert code == 0
    assert "stored as run" not in out
    assert not default_store_path().exists()


def test_store_option_overrides_the_environment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "team" / "runs.duckdb"
    code, out, _ = run_cli(
        capsys, "run", "toy_50_50", "--draws", "50", "--no-save", "--no-progress", "--store", str(elsewhere)
    )
    assert code == 0
    assert f"in {elsewhere}" in out
    assert len(RunStore(elsewhere).list()) == 1
    assert not default_store_path().exists()
    code, out, _ = run_cli(capsys, "runs", "list", "--store", str(elsewhere))
    assert (code, "1 of 1 runs" in out) == (0, True)


@pytest.mark.parametrize(
    "command",
    [
        ["run", "toy_50_50", "--draws", "50", "--no-progress"],
        ["backtest", "--cutoff", "2024-12-31"],
        ["optimize", "toy_50_50", "--draws", "50", "--candidates", "2", "--no-progress"],
        ["frontier", "toy_50_50", "--draws", "50", "--candidates", "2", "--no-progress"],
        ["runs", "list"],
        ["runs", "show", "2026"],
        ["runs", "export", "2026", "--format", "csv"],
        ["runs", "rm", "2026", "--yes"],
    ],
    ids=lambda command: " ".join(command[:2]),
)
def test_a_bad_store_path_exits_2_with_one_line_and_writes_nothing(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    code, _, err = run_cli(capsys, *command, "--store", str(folder))
    assert code == EXIT_BAD_INPUT
    assert err.strip() == f"error: run store {folder} is a folder; expected a DuckDB file such as {folder}/runs.duckdb"
    assert "Traceback" not in err
    assert list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder"], "nothing else written"


def test_bad_input_writes_nothing_to_the_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "bad"\n[compute]\nlead_time_months = -3\n', encoding="utf-8")
    assert main(["run", str(bad), "--no-progress"]) == EXIT_BAD_INPUT
    assert main(["backtest", "--cutoff", "yesterday"]) == EXIT_BAD_INPUT
    with pytest.raises(SystemExit) as caught:
        main(["run", "toy_50_50", "-m", "two\nlines"])
    assert caught.value.code == EXIT_BAD_INPUT
    _, err = capsys.readouterr()
    assert "argument -m/--message: expected one line, got 2 lines" in err
    with pytest.raises(SystemExit):
        main(["run", "toy_50_50", "--no-store", "--store", str(tmp_path / "x.duckdb")])
    assert not default_store_path().exists()


def test_unknown_and_ambiguous_ids_exit_2(two_runs: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "runs", "show", "19990101")
    assert code == EXIT_BAD_INPUT
    assert err.count("\n") == 1
    assert "no run '19990101'" in err
    code, _, err = run_cli(capsys, "runs", "compare", "20", two_runs[0])
    assert code == EXIT_BAD_INPUT
    assert "is ambiguous" in err


def test_an_interrupted_run_is_marked_failed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("frontiersim.cli.run_command.simulate", interrupted)
    code, _, err = run_cli(capsys, "run", "toy_50_50", "--draws", "50", "--no-save", "--no-progress", "-m", "stopped")
    assert code == 130
    assert "interrupted" in err
    (info,) = RunStore().list()
    assert (info.status, info.message) == ("failed", "stopped")
    assert RunStore().get(info.run_id).error == "interrupted"
    code, out, _ = run_cli(capsys, "runs", "show", info.run_id)
    assert code == 0
    assert "status    failed" in out
    assert "error     interrupted" in out
    assert "tables: -" in out


def test_an_infeasible_optimization_is_recorded_as_failed(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(
        capsys, "optimize", "toy_50_50", "--draws", "50", "--candidates", "2", "--max-ruin", "0", "--no-progress"
    )
    assert code == EXIT_FAILED
    assert "infeasible" in err
    (info,) = RunStore().list()
    assert (info.kind, info.status) == ("optimize", "failed")
    assert RunStore().get(info.run_id).error.startswith("infeasible: no hedge policy meets P(ruin) <= 0.00%")


def test_optimize_records_the_frontier_and_the_recommendation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "opt"
    code, stdout, err = run_cli(
        capsys, "optimize", "toy_50_50", "--draws", "100", "--candidates", "3", "--out", str(out), "--no-progress"
    )
    assert code in {0, EXIT_FAILED}, err
    record = RunStore().get(stored_id(stdout))
    assert (record.kind, record.status, record.draws) == ("optimize", "complete", 400)
    assert {"headline", "summary", "fan", "frontier", "comparison", "schedule"} <= set(record.tables)
    assert record.artifacts["frontier.png"] == (out / "frontier.png").read_bytes()
    assert record.artifacts["optimize.json"] == (out / "optimize.json").read_bytes()
    assert set(record.tables["fan"]["period"]) == {"year"}
    assert record.metrics["validation_draws"] == 400
    assert record.metrics["confirmed"] == (1.0 if code == 0 else 0.0)
    assert record.metrics["p_ruin"] == record.tables["headline"]["p_ruin"].iloc[0]
    assert len(record.draw_table("draws")) == 400


def test_frontier_records_every_candidate_and_the_best_feasible_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "frontier"
    code, stdout, err = run_cli(
        capsys,
        "frontier",
        "toy_50_50",
        "--draws",
        "100",
        "--candidates",
        "4",
        "--max-ruin",
        "0.5",
        "--out",
        str(out),
        "--no-progress",
        "-m",
        "grid for the board",
    )
    assert code == 0, err
    record = RunStore().get(stored_id(stdout))
    assert (record.kind, record.status, record.draws, record.message) == (
        "frontier",
        "complete",
        100,
        "grid for the board",
    )
    assert record.scenario_text == bundled_text("toy_50_50")
    assert set(record.tables) - {"units"} == {"frontier"}  # and the units of every column
    assert record.draw_table_names == ()
    assert record.artifacts["frontier.png"] == (out / "frontier.png").read_bytes()
    assert record.artifacts["frontier.json"] == (out / "frontier.json").read_bytes()
    table = record.tables["frontier"]
    assert table.equals(pd.read_csv(out / "frontier.csv").astype(table.dtypes.to_dict()))
    assert record.metrics["candidates"] == (table["kind"] == "candidate").sum() == 4
    assert record.metrics["search_draws"] == 100
    (best,) = table[table["chosen"].astype(bool)].itertuples(index=False)
    assert record.metrics["best_feasible_parameter"] == best.parameter
    assert record.metrics["best_feasible_p_ruin"] == best[table.columns.get_loc("P(ruin)")]
    assert "p_ruin" not in record.metrics  # no single run's P(ruin) to list
    code, shown, _ = run_cli(capsys, "runs", "show", record.run_id)
    assert code == 0
    assert "kind      frontier" in shown
    assert "best feasible candidate: parameter (search sample)" in shown
    html = render_report(record)
    assert "Best feasible candidate: " + str(best.policy) in html
    assert "Every candidate and naive policy" in html
    assert '<a href="#optimize">Frontier</a>' in html
    assert "P(ruin within the horizon)" not in html  # a frontier has no single run to headline
    assert not re.search(r"https?://", html)


def test_backtest_records_its_forecasts_and_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "backtest", "--cutoff", "2024-12-31", "--company", "OpenAI", "-m", "Q4 check")
    assert code == 0
    record = RunStore().get(stored_id(out))
    assert (record.kind, record.status, record.scenario_text, record.message) == (
        "backtest",
        "complete",
        "",
        "Q4 check",
    )
    assert set(record.tables) - {"units"} == {"backtest", "coverage"}
    coverage = record.tables["coverage"]
    assert set(coverage["level"]) == {0.5, 0.9}
    assert set(coverage["company"]) == {"OpenAI @ 2024-12-31", "pooled"}
    summary = record.artifacts["backtest.txt"].decode("utf-8")
    assert summary.strip() in out
    assert record.metrics["forecasts"] == len(record.tables["backtest"])


def test_a_run_of_several_labs_is_recorded_lab_by_lab(capsys: pytest.CaptureFixture[str]) -> None:
    labs = ["alpha", "beta", "gamma", "delta"]
    ids = []
    for message in ("four labs", "four labs again"):
        code, out, err = run_cli(
            capsys, "run", "four_labs", "--draws", "150", "--no-save", "--no-progress", "-m", message
        )
        assert code == 0, err
        ids.append(stored_id(out))
    record = RunStore().get(ids[0])
    assert (record.status, record.message) == ("complete", "four labs")
    assert list(record.tables["headline"]["lab"]) == labs
    assert record.metrics["p_ruin"] == record.metrics["p_ruin.alpha"]  # the first lab's figures, and each lab's
    code, out, _ = run_cli(capsys, "runs", "show", ids[0])
    assert code == 0
    for lab in labs:
        assert f"lab {lab}:\n" in out  # the summary by year, lab by lab
        assert f"P(ruin within the horizon), lab {lab}" in out
    code, out, _ = run_cli(capsys, "runs", "compare", *ids)
    assert code == 0
    assert "the same text" in out
    by_year = out.split("By year:", 1)[1]
    for lab in labs:
        assert f"{lab}: P(ruin by year end)" in by_year
    code, out, _ = run_cli(capsys, "runs", "list")
    assert code == 0
    low = min(record.metrics[f"p_ruin.{lab}"] for lab in labs)
    high = max(record.metrics[f"p_ruin.{lab}"] for lab in labs)
    assert f"{100 * low:.2f}%-{100 * high:.2f}% (4 labs)" in out  # the range over the labs, not the first lab's


def test_a_reader_that_goes_away_leaves_a_complete_stored_run(tmp_path: Path) -> None:
    """``frontiersim run default -m x | head -1``: the run is saved and stored before anything is printed."""
    import subprocess  # noqa: PLC0415

    store = tmp_path / "runs.duckdb"
    out = tmp_path / "results"
    script = "import sys; from frontiersim.cli.main import main; sys.exit(main())"
    argv = ["run", "default", "--draws", "200", "--no-progress", "--store", str(store), "--out", str(out), "-m", "x"]
    with subprocess.Popen(
        [sys.executable, "-c", script, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as child:
        assert child.stdout is not None
        assert child.stderr is not None
        first = child.stdout.readline()  # as head -1 reads one line, then goes away
        child.stdout.close()
        stderr = child.stderr.read()
        child.wait(timeout=120)
    assert first.strip()
    assert child.returncode in (0, 141), stderr  # 141 when the summary was still being written
    assert b"Traceback" not in stderr
    (info,) = RunStore(store).list()
    assert (info.status, info.message, info.draws) == ("complete", "x", 200)
    assert RunStore(store).get(info.run_id).tables["headline"]["draws"].tolist() == [200]
    assert sorted(p.name for p in out.iterdir()) == ["results.nc", "run.json", "scenario.toml", "summary.csv"]
