"""The ``frontiersim`` command on bad input: exit code 2, every problem on stderr, no traceback, nothing written.

The exit-code, no-traceback and untouched-output tests run the installed console script as real subprocesses,
started together (importing frontiersim takes about a second) and shared by the tests through a module fixture.
The finer checks of messages call :func:`frontiersim.cli.main.main` in-process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from frontiersim.cli.main import EXIT_BAD_INPUT, default_out_dir, main
from frontiersim.scenario import ScenarioError, bundled_names, bundled_text, parse_scenario_text

CONSOLE_SCRIPT = Path(sys.executable).parent / "frontiersim"

#: Three independent problems: an unknown section, a p5 above its p95, a negative lead time.
BAD_SCENARIO = """\
[scenario]
name = "bad"

[demand]
growth_per_year = "20 to 3"

[compute]
lead_time_months = -3

[bogus]
colour = "blue"
"""
BAD_PROBLEMS = (
    "bogus: got {'colour': 'blue'} (table); expected a known section",
    "demand.growth_per_year: got '20 to 3' (string); expected \"low to high\" with 0 < low < high",
    "compute.lead_time_months: got -3 (integer); expected an integer in [0, 600]",
)
MALFORMED_SCENARIO = '[scenario]\nname = "malformed"\n[compute\nlead_time_months = 18\n'
PREVIOUS_RESULTS = b"results of an earlier run, which a bad scenario must not touch\n"
OLD_MTIME_NS = 1_000_000_000 * 10**9  # 2001-09-09, far from "now"


def command() -> list[str]:
    """How to run the ``frontiersim`` console script of this environment."""
    if CONSOLE_SCRIPT.exists():
        return [str(CONSOLE_SCRIPT)]
    return [sys.executable, "-c", "import sys; from frontiersim.cli.main import main; sys.exit(main())"]


@dataclass(frozen=True)
class Completed:
    """A finished subprocess."""

    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Files:
    """Input files and output folders shared by the subprocess tests."""

    root: Path
    bad: Path
    malformed: Path
    latin1: Path
    missing: Path
    new_out: Path
    existing_out: Path


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` with its bytes and modification time."""
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def make_files(root: Path) -> Files:
    root.mkdir(parents=True, exist_ok=True)
    files = Files(
        root=root,
        bad=root / "bad.toml",
        malformed=root / "malformed.toml",
        latin1=root / "latin1.toml",
        missing=root / "missing.toml",
        new_out=root / "new" / "results",
        existing_out=root / "previous",
    )
    files.bad.write_text(BAD_SCENARIO, encoding="utf-8")
    files.malformed.write_text(MALFORMED_SCENARIO, encoding="utf-8")
    files.latin1.write_bytes('[scenario]\nname = "café"\n'.encode("latin-1"))
    files.existing_out.mkdir()
    for name in ("results.nc", "summary.csv"):
        previous = files.existing_out / name
        previous.write_bytes(PREVIOUS_RESULTS + name.encode())
        os.utime(previous, ns=(OLD_MTIME_NS, OLD_MTIME_NS))
    return files


SUBPROCESS_CASES: dict[str, list[str]] = {
    "validate": ["validate", "{bad}", "{malformed}", "{latin1}", "{missing}"],
    "run_new_out": ["run", "{bad}", "--out", "{new_out}", "--draws", "10"],
    "run_existing_out": ["run", "{bad}", "--out", "{existing_out}", "--draws", "10"],
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    return make_files(tmp_path_factory.mktemp("cli"))


@pytest.fixture(scope="module")
def before(files: Files) -> dict[str, tuple[bytes, int]]:
    """The previous results folder before any command ran."""
    return snapshot(files.existing_out)


@pytest.fixture(scope="module")
def runs(files: Files, before: dict[str, tuple[bytes, int]]) -> dict[str, Completed]:
    """Every case of ``SUBPROCESS_CASES``, run at once as real ``frontiersim`` processes (cwd: the temp folder)."""
    paths = {name: str(getattr(files, name)) for name in ("bad", "malformed", "latin1", "missing")}
    paths |= {"new_out": str(files.new_out), "existing_out": str(files.existing_out)}
    processes = {
        name: subprocess.Popen(
            [*command(), *(arg.format(**paths) for arg in args)],
            cwd=files.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, args in SUBPROCESS_CASES.items()
    }
    results = {}
    for name, process in processes.items():
        stdout, stderr = process.communicate(timeout=120)
        results[name] = Completed(process.returncode, stdout, stderr)
    return results


# ---------------------------------------------------------------------------
# Real subprocesses
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(SUBPROCESS_CASES))
def test_bad_input_exits_2_without_traceback(runs: dict[str, Completed], case: str) -> None:
    result = runs[case]
    assert result.returncode == EXIT_BAD_INPUT, result.stderr
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout
    assert result.stderr.strip(), "the problem must be explained on stderr"


def test_validate_prints_every_problem_of_every_file(runs: dict[str, Completed], files: Files) -> None:
    stderr = runs["validate"].stderr
    assert runs["validate"].stdout == ""
    for problem in BAD_PROBLEMS:
        assert problem in stderr
    assert f"{files.bad}: 3 problems" in stderr
    assert f"{files.malformed}: 1 problem" in stderr
    assert "not valid TOML" in stderr
    assert "line 3" in stderr
    assert f"{files.latin1}: 1 problem" in stderr
    assert "not UTF-8" in stderr
    assert f"{files.missing}: 1 problem" in stderr
    assert "no such file" in stderr
    # one line per problem: 3 + 1 + 1 + 1
    assert sum(line.startswith("  - ") for line in stderr.splitlines()) == 6


def test_run_prints_every_problem(runs: dict[str, Completed]) -> None:
    for case in ("run_new_out", "run_existing_out"):
        result = runs[case]
        assert result.stdout == ""
        for problem in BAD_PROBLEMS:
            assert problem in result.stderr
        assert sum(line.startswith("  - ") for line in result.stderr.splitlines()) == len(BAD_PROBLEMS)


def test_run_does_not_create_the_output_folder(runs: dict[str, Completed], files: Files) -> None:
    assert runs["run_new_out"].returncode == EXIT_BAD_INPUT
    assert not files.new_out.exists()
    assert not files.new_out.parent.exists()
    assert not (files.root / "frontiersim-results").exists()


def test_run_leaves_previous_results_untouched(
    runs: dict[str, Completed], files: Files, before: dict[str, tuple[bytes, int]]
) -> None:
    assert runs["run_existing_out"].returncode == EXIT_BAD_INPUT
    after = snapshot(files.existing_out)
    assert after == before
    assert after["results.nc"] == (PREVIOUS_RESULTS + b"results.nc", OLD_MTIME_NS)
    assert sorted(p.name for p in files.existing_out.iterdir()) == ["results.nc", "summary.csv"]


# ---------------------------------------------------------------------------
# In-process: messages
# ---------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


class TestValidate:
    def test_bad_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = write(tmp_path / "bad.toml", BAD_SCENARIO)
        assert main(["validate", str(path)]) == EXIT_BAD_INPUT
        out, err = capsys.readouterr()
        assert out == ""
        with pytest.raises(ScenarioError) as caught:
            parse_scenario_text(BAD_SCENARIO)
        lines = err.splitlines()
        assert lines[0] == f"error: {path}: 3 problems"
        assert lines[1:] == [f"  - {problem}" for problem in caught.value.problems]

    @pytest.mark.parametrize("name", bundled_names())
    def test_bundled_scenarios(self, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = write(tmp_path / f"{name}.toml", bundled_text(name))
        assert main(["validate", name, str(path)]) == 0
        out, err = capsys.readouterr()
        assert err == ""
        assert out.startswith(f"ok: {name} (scenario {name!r}")
        assert f"ok: {path} (scenario {name!r}" in out

    def test_good_and_bad_files(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        good = write(tmp_path / "good.toml", '[scenario]\nname = "good"\n')
        bad = write(tmp_path / "bad.toml", BAD_SCENARIO)
        assert main(["validate", str(bad), str(good)]) == EXIT_BAD_INPUT
        out, err = capsys.readouterr()
        assert out.startswith(f"ok: {good} ")
        assert err.startswith(f"error: {bad}: 3 problems")

    def test_malformed_toml(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = write(tmp_path / "malformed.toml", MALFORMED_SCENARIO)
        assert main(["validate", str(path)]) == EXIT_BAD_INPUT
        err = capsys.readouterr().err
        assert f"error: {path}: 1 problem\n  - not valid TOML: " in err
        assert "(at line 3, column" in err

    def test_not_utf8(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = tmp_path / "latin1.toml"
        path.write_bytes('[scenario]\nname = "café"\n'.encode("latin-1"))
        assert main(["validate", str(path)]) == EXIT_BAD_INPUT
        assert "not UTF-8 text (byte 0xe9 at offset 22)" in capsys.readouterr().err

    def test_missing_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["validate", str(tmp_path / "nope.toml")]) == EXIT_BAD_INPUT
        err = capsys.readouterr().err
        assert "no such file" in err
        assert "bundled scenarios: " in err
        assert "default" in err

    def test_unknown_bundled_name(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["validate", "no-such-scenario"]) == EXIT_BAD_INPUT
        assert "no-such-scenario: 1 problem\n  - no such file" in capsys.readouterr().err

    def test_folder(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["validate", str(tmp_path)]) == EXIT_BAD_INPUT
        assert "cannot read file" in capsys.readouterr().err


class TestBadArguments:
    @pytest.mark.parametrize(
        ("argv", "message"),
        [
            (["run", "--draws", "0"], "argument --draws: expected a positive integer, got 0"),
            (["run", "--draws", "-5"], "argument --draws: expected a positive integer, got -5"),
            (["run", "--draws", "ten"], "argument --draws: expected a positive integer, got 'ten'"),
            (["run", "--seed", "-1"], "argument --seed: expected an integer >= 0, got -1"),
            (["run", "--seed", "1.5"], "argument --seed: expected an integer >= 0, got '1.5'"),
            (["run", "--chunk-size", "0"], "argument --chunk-size: expected a positive integer, got 0"),
            (["run", "--workers", "0"], "argument --workers: expected a positive integer, got 0"),
            (["run", "--format", "csv"], "argument --format: invalid choice: 'csv'"),
            (["run", "--bogus"], "unrecognized arguments: --bogus"),
            (["validate"], "the following arguments are required: scenarios"),
            ([], "the following arguments are required: command"),
            (["simulate"], "argument command: invalid choice: 'simulate'"),
        ],
    )
    def test_exit_2_with_a_message(self, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == EXIT_BAD_INPUT
        out, err = capsys.readouterr()
        assert out == ""
        assert message in err
        assert "usage: frontiersim" in err
        assert "Traceback" not in err

    def test_unknown_example(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["examples", "no_such_example"]) == EXIT_BAD_INPUT
        assert "unknown example 'no_such_example'" in capsys.readouterr().err


class TestRunOutputFolder:
    def test_out_is_an_existing_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        out = write(tmp_path / "results", "not a folder")
        assert main(["run", "toy_50_50", "--out", str(out), "--no-progress"]) == EXIT_BAD_INPUT
        assert f"--out {out} exists and is not a folder" in capsys.readouterr().err
        assert out.read_text(encoding="utf-8") == "not a folder"

    def test_out_inside_a_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Caught before simulating, not as a traceback after the run."""
        blocker = write(tmp_path / "file", "x")
        out = blocker / "results"
        assert main(["run", "toy_50_50", "--out", str(out), "--no-progress"]) == EXIT_BAD_INPUT
        out_text, err = capsys.readouterr()
        assert out_text == ""
        assert f"{blocker} is not a folder" in err

    def test_bad_scenario_with_existing_out_in_process(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        files = make_files(tmp_path / "inproc")
        before = snapshot(files.existing_out)
        assert main(["run", str(files.bad), "--out", str(files.existing_out)]) == EXIT_BAD_INPUT
        assert main(["run", str(files.bad), "--out", str(files.new_out)]) == EXIT_BAD_INPUT
        assert snapshot(files.existing_out) == before
        assert not files.new_out.parent.exists()
        assert capsys.readouterr().err.count("  - ") == 2 * len(BAD_PROBLEMS)

    def test_good_run_writes_results(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        out = tmp_path / "toy"
        assert main(["run", "toy_50_50", "--out", str(out)]) == 0
        assert "wrote 4 files" in capsys.readouterr().out
        assert sorted(p.name for p in out.iterdir()) == ["results.nc", "run.json", "scenario.toml", "summary.csv"]

    def test_default_folder_stays_inside_frontiersim_results(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.chdir(tmp_path)
        text = bundled_text("toy_50_50").replace('name = "toy_50_50"', 'name = "../../escaped/toy"')
        path = write(tmp_path / "named.toml", text)
        assert main(["run", str(path), "--no-progress"]) == 0
        capsys.readouterr()
        assert (tmp_path / "frontiersim-results" / "escaped_toy" / "results.nc").exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["frontiersim-results", "named.toml"]
        shutil.rmtree(tmp_path / "frontiersim-results")


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("default", "default"),
        ("my-lab_v2.1", "my-lab_v2.1"),
        ("Anthropic lab", "Anthropic_lab"),
        ("../../etc", "etc"),
        ("a/b", "a_b"),
        ("", "scenario"),
        ("..", "scenario"),
    ],
)
def test_default_out_dir(name: str, folder: str) -> None:
    assert default_out_dir(name) == Path("frontiersim-results") / folder


@pytest.mark.parametrize("argv", [["scenarios"], ["defaults"], ["examples"]], ids=" ".join)
def test_a_reader_that_goes_away_ends_the_command_quietly(argv: list[str]) -> None:
    """``frontiersim defaults | head -1``: exit 141 (as after SIGPIPE), nothing on stderr, no traceback."""
    process = subprocess.Popen([*command(), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()  # before the command writes anything: it is still starting
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 141, stderr
    assert stderr == b""


# ---------------------------------------------------------------------------
# Labs and units
# ---------------------------------------------------------------------------


def test_a_run_of_several_labs_prints_a_section_per_lab(capsys: pytest.CaptureFixture[str]) -> None:
    from frontiersim import bundled, simulate  # noqa: PLC0415

    assert main(["run", "four_labs", "--draws", "200", "--seed", "3", "--no-save", "--no-progress", "--no-store"]) == 0
    out = capsys.readouterr().out
    labs = ["alpha", "beta", "gamma", "delta"]
    assert "4 labs: alpha, beta, gamma, delta" in out
    direct = simulate(bundled("four_labs"), draws=200, seed=3)
    header = "P(ruin) by lab: within the horizon, including the run-off; obligations after the horizon (median):\n"
    by_lab = out.split(header, 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split()[0] for line in by_lab] == labs
    for line, lab in zip(by_lab, labs, strict=True):
        assert line.split()[1] == f"{direct.ruin_probability(lab):.2%}"
        assert line.split()[2] == f"{direct.ruin_probability(lab, including_runoff=True):.2%}"
    sections = out.split("\n== lab ")[1:]
    assert [section.split(" ==", 1)[0] for section in sections] == labs
    for section, lab in zip(sections, labs, strict=True):
        assert f"P(ruin within the horizon) = {direct.ruin_probability(lab):.2%}" in section
        assert "Company P&L by year (mean over draws):" in section
        assert "Per-model P&L (mean over draws)" in section


def test_a_run_of_one_lab_has_no_lab_sections(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "toy_50_50", "--no-save", "--no-progress", "--no-store"]) == 0
    out = capsys.readouterr().out
    assert "== lab" not in out
    assert "by lab" not in out
    assert "P(ruin within the horizon) = 0.00%" in out


def test_printed_units_come_from_the_results_not_from_names() -> None:
    from frontiersim import bundled, simulate  # noqa: PLC0415
    from frontiersim.cli.format import format_result, format_value  # noqa: PLC0415

    result = simulate(bundled("toy_50_50"), draws=1)
    capacity = [line for line in format_result(result).splitlines() if line.startswith("capacity")]
    assert capacity[0].split()[-1] == "10.00"  # GW, to two decimals
    result.dataset["year_capacity_gw"].attrs["units"] = "USD"  # what the catalogue says wins
    capacity = [line for line in format_result(result).splitlines() if line.startswith("capacity")]
    assert capacity[0].split()[-1] == "$10"
    assert format_value(0.125, "probability") == "12.5%"
    assert format_value(2.5e9, "USD/year") == "$2.5B"
    assert format_value(0.5, "1") == "0.5"


def test_defaults_prints_each_keys_label_and_unit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["defaults"]) == 0
    out = capsys.readouterr().out
    block = out.split("  hedge_factor = ", 1)[1].splitlines()[:4]
    assert "      label: hedge factor; unit: x; typical: 0x to 2x" in block
