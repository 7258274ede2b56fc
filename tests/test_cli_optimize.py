"""The ``frontiersim optimize`` and ``frontiersim frontier`` commands, and the frontier picture.

Runs are small (a few thousand draws, a handful of candidates) on the bundled ``one_trillion_bet_uncertain``
scenario, with a fixed seed, so every outcome below is deterministic. The runs that write files happen once per
module and are shared; the bad-input checks that need a real process (no traceback) start together.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import os
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import frontiersim as fs
from frontiersim.charts.frontier import frontier_of, plot_frontier
from frontiersim.cli import main as cli
from frontiersim.cli import optimize_command
from frontiersim.cli.arguments import usd as parse_usd
from frontiersim.cli.main import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, default_out_dir, main
from frontiersim.optimize import Objective, optimize_policy, policy_family
from frontiersim.optimize import plot as optimize_plot
from frontiersim.optimize.frontier import Frontier, trace_frontier

SCENARIO = "one_trillion_bet_uncertain"
#: Small but meaningful: about 1 s per optimize run. The grid (step 0.04) brackets the ruin limit closely.
SMALL = ["--draws", "1500", "--candidates", "6", "--low", "0", "--high", "0.2", "--seed", "7", "--no-progress"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CONSOLE_SCRIPT = Path(sys.executable).parent / "frontiersim"

BAD_SCENARIO = """\
[scenario]
name = "bad"

[demand]
growth_per_year = "20 to 3"

[bogus]
colour = "blue"
"""
PREVIOUS = b"an earlier optimization, which a bad scenario must not touch\n"
OLD_MTIME_NS = 1_000_000_000 * 10**9

COMPARISON_COLUMNS = [
    "policy",
    "P(ruin)",
    "P(ruin) low",
    "P(ruin) high",
    "objective mean",
    "objective se",
    "objective CVaR",
    "vs chosen",
    "vs chosen se",
    "revenue served",
    "unserved demand",
]
NAIVE = ("assume 10x continues", "assume 3x", "buy nothing new")


@dataclass(frozen=True)
class Run:
    """One in-process command: its exit code, output and output folder."""

    code: int
    stdout: str
    stderr: str
    out: Path


def run_main(argv: list[str], out: Path) -> Run:
    """Call :func:`main` with ``argv``, capturing stdout and stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(argv)
    return Run(code, stdout.getvalue(), stderr.getvalue(), out)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (after checking the signature)."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def optimized(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("optimize") / "out"
    return run_main(["optimize", SCENARIO, *SMALL, "--validation-draws", "3000", "--out", str(out)], out)


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("frontier") / "out"
    return run_main(["frontier", SCENARIO, *SMALL, "--max-ruin", "0.05", "--out", str(out)], out)


# ---------------------------------------------------------------------------
# optimize
# ---------------------------------------------------------------------------


class TestOptimize:
    def test_exit_code_and_files(self, optimized: Run) -> None:
        assert optimized.code == EXIT_OK, optimized.stderr
        assert optimized.stderr == ""
        assert sorted(p.name for p in optimized.out.iterdir()) == [
            "comparison.csv",
            "frontier.csv",
            "frontier.png",
            "optimize.json",
            "scenario.toml",
            "schedule.csv",
        ]
        assert "wrote 6 files to" in optimized.stdout

    def test_png_is_a_real_picture(self, optimized: Run) -> None:
        path = optimized.out / "frontier.png"
        width, height = png_size(path)
        assert width >= 800
        assert height >= 400
        assert path.stat().st_size > 20_000

    def test_report(self, optimized: Run) -> None:
        text = optimized.stdout
        assert "Recommended: hedge factor (growth 10x assumed) = " in text
        assert "Commitment schedule" in text
        assert "Wilson 95% [" in text
        assert "Clopper-Pearson 95% [" in text
        assert "(1 SE)" in text
        assert "CVaR 5%" in text
        assert "confirmed on 3,000 fresh draws" in text
        for name in NAIVE:
            assert name in text

    def test_comparison_csv(self, optimized: Run) -> None:
        rows = read_csv(optimized.out / "comparison.csv")
        assert list(rows[0]) == COMPARISON_COLUMNS
        assert [row["policy"] for row in rows[1:]] == list(NAIVE)
        assert rows[0]["policy"].startswith("recommended: hedge: ")
        assert float(rows[0]["vs chosen"]) == 0.0
        # the naive 10x bet is far riskier than the recommendation
        assert float(rows[1]["P(ruin)"]) > 0.5
        assert float(rows[0]["P(ruin) high"]) <= 0.05
        for row in rows:
            assert float(row["P(ruin) low"]) <= float(row["P(ruin)"]) <= float(row["P(ruin) high"])

    def test_schedule_csv(self, optimized: Run) -> None:
        rows = read_csv(optimized.out / "schedule.csv")
        assert [row["decision year"] for row in rows] == ["2026"]  # one decision, at month 0
        row = rows[0]
        assert {"GW mean", "GW p5", "GW p50", "GW p95", "contract value USD p50"} <= set(row)
        gw = float(row["GW mean"])
        assert gw > 0
        # 60-month contracts at $10B per GW-year
        assert float(row["contract value USD (mean)"]) == pytest.approx(gw * 10e9 * 5, rel=1e-9)

    def test_json_agrees_with_the_tables(self, optimized: Run) -> None:
        summary = json.loads((optimized.out / "optimize.json").read_text(encoding="utf-8"))
        recommended = summary["recommended"]
        assert recommended["confirmed"] is True
        comparison = read_csv(optimized.out / "comparison.csv")[0]
        validation = recommended["validation"]
        assert validation["draws"] == 3000
        assert recommended["search"]["draws"] == 1500
        assert validation["p_ruin"] == pytest.approx(float(comparison["P(ruin)"]))
        assert validation["objective_mean_usd"] == pytest.approx(float(comparison["objective mean"]))
        low, high = validation["p_ruin_clopper_pearson"]
        assert low <= validation["p_ruin"] <= high
        settings = summary["settings"]
        assert settings["family"] == "hedge"
        assert settings["seed"] == 7
        assert settings["max_ruin"] == 0.05
        assert settings["validation_draws"] == 3000
        assert settings["objective"]["name"] == "discounted_profit"
        assert summary["messages"][0].startswith("confirmed on 3,000 fresh draws")
        assert summary["evaluations"] >= 6
        assert set(summary["naive_validation"]) == set(NAIVE)

    def test_frontier_csv_marks_the_recommendation_and_the_naive_policies(self, optimized: Run) -> None:
        rows = read_csv(optimized.out / "frontier.csv")
        candidates = [row for row in rows if row["kind"] == "candidate"]
        assert [row["policy"] for row in rows if row["kind"] == "naive"] == list(NAIVE)
        assert len(candidates) >= 6
        parameters = [float(row["parameter"]) for row in candidates]
        assert parameters == sorted(parameters)
        chosen = [row for row in candidates if row["chosen"] == "True"]
        assert len(chosen) == 1
        assert chosen[0]["feasible"] == "True"
        summary = json.loads((optimized.out / "optimize.json").read_text(encoding="utf-8"))
        assert float(chosen[0]["parameter"]) == pytest.approx(summary["recommended"]["parameter"])
        for row in candidates:
            assert (row["feasible"] == "True") == (float(row["P(ruin) high"]) <= 0.05)

    def test_infeasible_writes_nothing(self, tmp_path: Path) -> None:
        out = tmp_path / "never"
        run = run_main(["optimize", SCENARIO, *SMALL, "--max-ruin", "0.0001", "--out", str(out)], out)
        assert run.code == EXIT_FAILED
        assert run.stdout == ""
        assert "infeasible: no hedge policy meets P(ruin) <= 0.01%" in run.stderr
        assert "Best achievable: hedge: hedge factor (growth 10x assumed) = 0 with P(ruin)" in run.stderr
        assert "nothing written" in run.stderr
        assert not out.exists()

    def test_not_confirmed_exits_1_but_writes_the_evidence(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        scenario = fs.bundled(SCENARIO)
        real = optimize_policy(
            scenario, policy_family(scenario, "hedge"), draws=500, candidates=3, refine=False, seed=1
        )
        doubtful = dataclasses.replace(real, confirmed=False, messages=["NOT confirmed on 2,000 fresh draws: (test)"])
        monkeypatch.setattr(optimize_command, "optimize_policy", lambda *args, **kwargs: doubtful)
        out = tmp_path / "doubtful"
        run = run_main(["optimize", SCENARIO, "--no-progress", "--out", str(out)], out)
        assert run.code == EXIT_FAILED
        assert "NOT confirmed on 2,000 fresh draws: (test)" in run.stdout
        assert "NOT confirmed" in run.stderr
        assert (out / "optimize.json").exists()
        assert json.loads((out / "optimize.json").read_text(encoding="utf-8"))["recommended"]["confirmed"] is False

    def test_no_save_writes_nothing(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        run = run_main(["optimize", SCENARIO, *SMALL, "--candidates", "3", "--no-save"], tmp_path)
        assert run.code == EXIT_OK
        assert "Recommended:" in run.stdout
        assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# frontier
# ---------------------------------------------------------------------------


class TestFrontier:
    def test_files(self, traced: Run) -> None:
        assert traced.code == EXIT_OK, traced.stderr
        assert sorted(p.name for p in traced.out.iterdir()) == [
            "frontier.csv",
            "frontier.json",
            "frontier.png",
            "scenario.toml",
        ]
        assert png_size(traced.out / "frontier.png")[0] >= 800
        assert (traced.out / "frontier.png").stat().st_size > 20_000

    def test_table_marks_naive_policies(self, traced: Run) -> None:
        lines = traced.stdout.splitlines()
        for name in NAIVE:
            (line,) = (line for line in lines if line.startswith(name))
            assert line.rstrip().endswith("naive")
        assert sum(line.rstrip().endswith("* best feasible") for line in lines) == 1
        assert "best feasible candidate: hedge: " in traced.stdout

    def test_grid_is_the_optimizer_grid(self, traced: Run, optimized: Run) -> None:
        """Same seed, draws and grid: the frontier's points are exactly the optimizer's grid points (CRN)."""
        frontier = {
            row["parameter"]: row for row in read_csv(traced.out / "frontier.csv") if row["kind"] == "candidate"
        }
        search = {
            row["parameter"]: row for row in read_csv(optimized.out / "frontier.csv") if row["kind"] == "candidate"
        }
        assert len(frontier) == 6
        for parameter, row in frontier.items():
            assert search[parameter]["P(ruin)"] == row["P(ruin)"]
            assert search[parameter]["objective mean"] == row["objective mean"]

    def test_infeasible_still_traces_the_frontier(self, tmp_path: Path) -> None:
        out = tmp_path / "frontier"
        run = run_main(["frontier", SCENARIO, *SMALL, "--max-ruin", "0.0001", "--out", str(out)], out)
        assert run.code == EXIT_OK
        assert "no hedge policy meets P(ruin) <= 0.01%" in run.stdout
        rows = read_csv(out / "frontier.csv")
        assert len(rows) == 6 + 3
        assert not any(row["feasible"] == "True" or row["chosen"] == "True" for row in rows)
        assert (out / "frontier.png").read_bytes()[:8] == PNG_MAGIC

    def test_default_folder(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        run = run_main(["frontier", SCENARIO, *SMALL, "--candidates", "2"], tmp_path)
        assert run.code == EXIT_OK
        assert (tmp_path / "frontiersim-results" / f"{SCENARIO}-frontier" / "frontier.png").exists()


@pytest.mark.parametrize(
    ("name", "folder"),
    [("default", "default-optimize"), ("../../etc", "etc-optimize"), ("..", "scenario-optimize")],
)
def test_default_folder_stays_inside_frontiersim_results(name: str, folder: str) -> None:
    assert optimize_command._suffixed(default_out_dir(name), "optimize") == Path("frontiersim-results") / folder


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def bad_input(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Completed]]:
    """Real ``frontiersim`` processes on a bad scenario (and an import check), started together."""
    root = tmp_path_factory.mktemp("bad")
    bad = root / "bad.toml"
    bad.write_text(BAD_SCENARIO, encoding="utf-8")
    existing = root / "previous"
    existing.mkdir()
    for name in ("frontier.png", "optimize.json"):
        (existing / name).write_bytes(PREVIOUS)
        os.utime(existing / name, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    command = [str(CONSOLE_SCRIPT)] if CONSOLE_SCRIPT.exists() else [sys.executable, "-m", "frontiersim.cli.main"]
    cases = {
        "optimize_existing": [*command, "optimize", str(bad), "--out", str(existing)],
        "optimize_new": [*command, "optimize", str(bad), "--out", str(root / "new" / "out")],
        "frontier_default": [*command, "frontier", str(bad)],
        "imports": [
            sys.executable,
            "-c",
            "import sys, frontiersim.optimize, frontiersim.optimize.plot, frontiersim.cli.main; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'altair', 'vl_convert')))",
        ],
    }
    processes = {
        name: subprocess.Popen(args, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, args in cases.items()
    }
    results = {}
    for name, process in processes.items():
        stdout, stderr = process.communicate(timeout=120)
        results[name] = Completed(process.returncode, stdout, stderr)
    return root, results


@pytest.mark.parametrize("case", ["optimize_existing", "optimize_new", "frontier_default"])
def test_bad_scenario_exits_2_without_traceback(bad_input: tuple[Path, dict[str, Completed]], case: str) -> None:
    result = bad_input[1][case]
    assert result.returncode == EXIT_BAD_INPUT, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "bad.toml: 2 problems" in result.stderr
    assert "demand.growth_per_year: got '20 to 3'" in result.stderr


def test_bad_scenario_touches_no_folder(bad_input: tuple[Path, dict[str, Completed]]) -> None:
    root, _ = bad_input
    existing = root / "previous"
    assert snapshot(existing) == {
        "frontier.png": (PREVIOUS, OLD_MTIME_NS),
        "optimize.json": (PREVIOUS, OLD_MTIME_NS),
    }
    assert not (root / "new").exists()
    assert not (root / "frontiersim-results").exists()


def test_importing_the_optimizer_and_cli_does_not_load_a_charting_library(
    bad_input: tuple[Path, dict[str, Completed]],
) -> None:
    result = bad_input[1]["imports"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["optimize", "--max-ruin", "1"], "argument --max-ruin: expected a number in [0, 1), got 1"),
        (["optimize", "--max-ruin", "-0.1"], "argument --max-ruin: expected a number in [0, 1), got -0.1"),
        (["optimize", "--max-ruin", "five"], "argument --max-ruin: expected a number, got 'five'"),
        (["optimize", "--max-ruin", "nan"], "argument --max-ruin: expected a finite number, got 'nan'"),
        (["optimize", "--draws", "0"], "argument --draws: expected a positive integer, got 0"),
        (["optimize", "--validation-draws", "0"], "argument --validation-draws: expected a positive integer, got 0"),
        (["optimize", "--candidates", "1"], "argument --candidates: expected an integer >= 2, got 1"),
        (["optimize", "--family", "bold"], "argument --family: invalid choice: 'bold'"),
        (["optimize", "--objective", "fun"], "argument --objective: invalid choice: 'fun'"),
        (["optimize", "--cvar-alpha", "0"], "argument --cvar-alpha: expected a number in (0, 1], got 0"),
        (["optimize", "--discount-rate", "-1"], "argument --discount-rate: expected a number > -1, got -1"),
        (["optimize", "--research-value-share", "2"], "argument --research-value-share: expected a number in [0, 1]"),
        (["optimize", "--valuation-multiple", "-3"], "argument --valuation-multiple: expected a number >= 0, got -3"),
        (["optimize", "--min-cvar", "lots"], "argument --min-cvar: expected a dollar amount"),
        (["optimize", "--seed", "-2"], "argument --seed: expected an integer >= 0, got -2"),
        (["optimize", "--low", "x"], "argument --low: expected a number, got 'x'"),
        (["frontier", "--draws", "ten"], "argument --draws: expected a positive integer, got 'ten'"),
        (["frontier", "--validation-draws", "10"], "unrecognized arguments: --validation-draws"),
    ],
)
def test_bad_arguments_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == EXIT_BAD_INPUT
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err
    assert "usage: frontiersim" in err


@pytest.mark.parametrize("command", ["optimize", "frontier"])
def test_a_family_without_a_belief_under_capability_demand_exits_2(command: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = run_main([command, "capability_driven", "--family", "quantile", "--out", str(out), "--no-progress"], out)
    assert run.code == EXIT_BAD_INPUT
    assert run.stdout == ""
    assert "error: the quantile family needs a [policy] kind = 'quantile' table" in run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--low", "2", "--high", "1"], "error: --low 2 must be below --high 1 (the hedge family's hedge factor"),
        (
            ["--low", "-0.5"],
            "error: --low/--high: the hedge family's hedge factor (growth 10x assumed) must lie in [0,",
        ),
        (["--family", "quantile", "--high", "1"], "the quantile family's demand quantile must lie in (0, 1)"),
        (["--family", "growth", "--low", "0"], "the growth family's assumed growth (x/year) must lie in (0, inf)"),
        (
            ["--family", "fixed", "--low", "-1", "--high", "5"],
            "the fixed family's commitments per decision (GW) must lie in [0, inf)",
        ),
    ],
)
@pytest.mark.parametrize("command", ["optimize", "frontier"])
def test_bad_search_bounds_exit_2_before_simulating(
    command: str, argv: list[str], message: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run = run_main([command, SCENARIO, *argv, "--out", str(out), "--no-progress"], out)
    assert run.code == EXIT_BAD_INPUT
    assert run.stdout == ""
    assert message in run.stderr
    assert not out.exists()


def test_out_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    run = run_main(["optimize", SCENARIO, "--out", str(blocker / "out"), "--no-progress"], blocker)
    assert run.code == EXIT_BAD_INPUT
    assert f"{blocker} is not a folder" in run.stderr
    assert blocker.read_text(encoding="utf-8") == "x"


def test_negative_amounts_parse_without_an_equals_sign(tmp_path: Path) -> None:
    """``--min-cvar -25B`` is not mistaken for an option (the bad bounds then stop the run before simulating)."""
    out = tmp_path / "out"
    argv = ["optimize", SCENARIO, "--min-cvar", "-25B", "--low", "-1e-3", "--high", "-2", "--out", str(out)]
    run = run_main(argv, out)
    assert run.code == EXIT_BAD_INPUT
    assert "error: --low -0.001 must be below --high -2" in run.stderr
    assert cli.build_parser().parse_args(cli._attach_signed_values(argv)).min_cvar == -25e9


@pytest.mark.parametrize(
    ("text", "usd"),
    [("-25e9", -25e9), ("-25B", -25e9), ("$1.5T", 1.5e12), ("-$300m", -300e6), ("2,500,000", 2.5e6), ("0", 0.0)],
)
def test_dollar_amounts(text: str, usd: float) -> None:
    assert parse_usd(text) == pytest.approx(usd)


# ---------------------------------------------------------------------------
# The picture, from Python
# ---------------------------------------------------------------------------


def test_plot_from_python(tmp_path: Path) -> None:
    scenario = fs.bundled(SCENARIO)
    family = policy_family(scenario, "hedge", 0.0, 0.4)
    result = optimize_policy(scenario, family, Objective("revenue"), max_ruin=0.05, draws=800, candidates=5, seed=3)
    spec = frontier_of(result).to_dict()
    axes = [layer["encoding"] for layer in spec["layer"] if "encoding" in layer and "y" in layer["encoding"]]
    assert "revenue" in axes[0]["y"]["axis"]["title"]
    assert "P(ruin" in axes[0]["x"]["axis"]["title"]
    rows = next(rows for rows in spec["datasets"].values() if "status" in rows[0])
    statuses = {row["status"] for row in rows}
    assert {"chosen", "naive policy", "recommended, fresh draws"} <= statuses
    assert set(NAIVE) <= {row["policy"] for row in rows if row["status"] == "naive policy"}
    assert spec["layer"][0]["mark"]["type"] == "rect"  # the feasible region
    path = plot_frontier(result, tmp_path / "deep" / "frontier.png")
    assert path == tmp_path / "deep" / "frontier.png"
    assert png_size(path)[0] >= 800
    assert [p.name for p in path.parent.iterdir()] == ["frontier.png"]  # no temporary file left behind


def test_trace_without_a_limit_marks_nothing() -> None:
    scenario = fs.bundled(SCENARIO)
    calls: list[str] = []
    frontier = trace_frontier(
        scenario, policy_family(scenario, "fixed"), draws=300, candidates=3, seed=1, progress=calls.append
    )
    assert len(calls) == 3 + 3
    assert isinstance(frontier, Frontier)
    assert frontier.chosen_search is None
    assert not frontier.table()["feasible"].any()
    spec = frontier_of(frontier).to_dict()
    rows = next(rows for rows in spec["datasets"].values() if "status" in rows[0])
    assert "chosen" not in {row["status"] for row in rows}
    assert spec["layer"][0]["mark"]["type"] != "rect"  # no limit: no feasible region


def test_plot_module_still_exports_the_frontier() -> None:
    """``Frontier`` and ``trace_frontier`` moved to :mod:`frontiersim.optimize.frontier`; the old names still work."""
    assert optimize_plot.Frontier is Frontier
    assert optimize_plot.trace_frontier is trace_frontier


# ---------------------------------------------------------------------------
# Labs: --lab searches one lab's policy, the others keep the scenario's
# ---------------------------------------------------------------------------

FOUR_LABS = "four_labs"
#: Tiny: the point is which lab is searched, not the answer.
LAB_SMALL = ["--draws", "150", "--candidates", "3", "--seed", "5", "--no-progress", "--no-store"]


@pytest.fixture(scope="module")
def gamma_frontier(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("lab-frontier") / "out"
    return run_main(["frontier", FOUR_LABS, "--lab", "gamma", "--max-ruin", "0.5", *LAB_SMALL, "--out", str(out)], out)


def test_optimize_searches_the_named_lab(tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["optimize", FOUR_LABS, "--lab", "beta", "--max-ruin", "0.99", "--validation-draws", "300", *LAB_SMALL]
    run = run_main([*argv, "--out", str(out)], out)
    assert run.code in {EXIT_OK, EXIT_FAILED}, run.stderr
    assert "scenario 'four_labs', lab 'beta': hedge policies" in run.stdout
    assert "the other labs (alpha, gamma, delta) keep the scenario's policies" in run.stdout
    summary = json.loads((out / "optimize.json").read_text(encoding="utf-8"))
    assert summary["settings"]["lab"] == "beta"
    assert summary["settings"]["labs"] == ["alpha", "beta", "gamma", "delta"]
    # beta's policy assumes 10x a year: the hedge family keeps that belief
    assert "hedge factor (growth 10x assumed)" in summary["settings"]["parameter"]


def test_the_searched_lab_is_the_one_whose_figures_are_reported(gamma_frontier: Run) -> None:
    assert gamma_frontier.code == EXIT_OK, gamma_frontier.stderr
    rows = read_csv(gamma_frontier.out / "frontier.csv")
    scenario = fs.bundled(FOUR_LABS)
    family = policy_family(scenario, "hedge", lab="gamma")
    assert family.lab == "gamma"
    candidate = next(row for row in rows if row["kind"] == "candidate")
    value = float(candidate["parameter"])
    # the same policy given to gamma, the other labs on theirs, on the same draws: gamma's P(ruin)
    direct = fs.simulate(scenario, draws=150, seed=5, keep_monthly=False, policy={"gamma": family.build(value)})
    assert float(candidate["P(ruin)"]) == pytest.approx(direct.ruin_probability("gamma"))
    settings = json.loads((gamma_frontier.out / "frontier.json").read_text(encoding="utf-8"))["settings"]
    assert settings["lab"] == "gamma"


def test_the_first_lab_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run = run_main(["frontier", FOUR_LABS, "--candidates", "2", *LAB_SMALL], tmp_path)
    assert run.code == EXIT_OK, run.stderr
    assert "scenario 'four_labs', lab 'alpha':" in run.stdout
    assert (tmp_path / "frontiersim-results" / f"{FOUR_LABS}-alpha-frontier" / "frontier.csv").exists()


@pytest.mark.parametrize("command", ["optimize", "frontier"])
def test_an_unknown_lab_exits_2_before_simulating(command: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = run_main([command, FOUR_LABS, "--lab", "omega", "--out", str(out), "--no-progress"], out)
    assert run.code == EXIT_BAD_INPUT
    assert run.stdout == ""
    assert run.stderr == (
        "error: --lab omega: scenario 'four_labs' has no lab of that name; its labs are alpha, beta, gamma, delta\n"
    )
    assert not out.exists()
    run = run_main([command, "default", "--lab", "alpha", "--out", str(out), "--no-progress"], out)
    assert run.code == EXIT_BAD_INPUT
    assert "its one lab is 'lab'" in run.stderr
