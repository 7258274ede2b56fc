"""No number a user reads is in e-notation, and numbers carry their units.

Every command (``scenarios``, ``defaults``, ``validate``, ``examples``,
``run``, ``optimize`` and ``frontier`` with tiny budgets, ``calibrate``,
``backtest``, ``runs list``, ``runs show``, ``report``) runs once, in process,
on every bundled scenario with a few draws; the module's tests scan what they
printed, the text of the HTML reports and the text of the dashboard's answers.

What is scanned is what the user reads as figures. Left out, and why:

* the ``<pre>`` blocks of a report, which show stored files verbatim (the
  scenario file as its author wrote it, ``optimize.json``): a scenario may say
  ``starting_cash_usd = 3e10`` and the report quotes it as written;
* the diff of the two scenario files that ``runs compare`` prints, for the
  same reason;
* the ``scenario`` mapping of a dashboard preset, which is the input the page
  edits (written as in the scenario file), and the numbers of the JSON
  answers, which the page formats itself; their strings are scanned.
"""

from __future__ import annotations

import contextlib
import html
import io
import re
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from frontiersim.cli import optimize_command
from frontiersim.cli.main import main
from frontiersim.scenario import bundled_names

pytestmark = pytest.mark.slow

#: A number in e-notation: digits, an optional fraction, ``e`` and an exponent, not preceded by a word character,
#: a dot or a hyphen (run ids such as ``20261202-052554-1e5a0c``, versions such as ``0.1.dev3+g1e5``). An exponent
#: with its sign (how Python writes one: ``1e+09``, ``$1e+03B``) always counts; one without a sign (``10e9``) only
#: when no word character or further digits follow it, so that hexadecimal hashes (``3e5f0c``) do not count.
E_NOTATION = re.compile(r"(?<![\w.-])\d+(\.\d+)?e(?:[+-]\d+|\d+(?!\w|\.\d))")

SCENARIOS = tuple(bundled_names())

#: Scenarios whose policy is optimized: one lab, several labs, and one whose recommendation the fresh draws refuse
#: (the text of every outcome; the tables are the same for every scenario, and a search takes seconds).
OPTIMIZED = ("default", "four_labs", "one_trillion_bet_uncertain")

#: Scenarios whose run is written as a report (with milestones, with several labs, with a yearly path), besides one
#: report of each other kind of run (an optimization, a frontier, a backtest): a report takes a second or two.
REPORTED = ("capability_driven", "four_labs", "one_trillion_bet_uncertain")

#: Scenarios the dashboard simulates: every kind of answer (one lab, several labs, capability milestones).
SIMULATED = ("default", "four_labs", "capability_driven")

#: A budget that keeps every optimization to a few seconds and always feasible (50% ruin is allowed).
TINY_SEARCH = ("--draws", "40", "--candidates", "3", "--max-ruin", "0.5")


def e_notation(text: str) -> list[str]:
    """The e-notation numbers in ``text``, each with some context."""
    return [text[max(0, m.start() - 40) : m.end() + 20] for m in E_NOTATION.finditer(text)]


def test_the_pattern_finds_e_notation_and_nothing_else() -> None:
    assert e_notation("typical: 1e+09 to 5e+10")
    assert e_notation("objective 6.866e+10")
    assert e_notation("$1e+03B")
    assert e_notation("tiny 3e-07.")
    assert e_notation("starting_cash_usd = 3e10")
    assert not e_notation("run 20261202-052554-1e5a0c, hash 3e5f0c9, version 0.1.dev3+g1e5, x1e5")
    assert not e_notation("$1.5B, 1.0×10^26 FLOP, 12,346, 2.35 GW")


def report_text(page: str) -> str:
    """What a reader sees of a report page: its text, without images, styles and the verbatim files."""
    for element in ("style", "script", "pre"):
        page = re.sub(rf"<{element}\b.*?</{element}>", " ", page, flags=re.DOTALL)
    page = re.sub(r"<img\b[^>]*>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def without_file_diff(text: str) -> str:
    """``runs compare`` without its diff of the two scenario files (their lines as their authors wrote them)."""
    kept, in_diff = [], False
    for line in text.splitlines():
        in_diff = line.startswith("--- ") or (in_diff and line[:1] in ("+", "-", "@", " "))
        if not in_diff:
            kept.append(line)
    return "\n".join(kept)


def run_command(args: list[str]) -> tuple[int, str]:
    """Run ``frontiersim ARGS`` in process; its exit code and everything it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main(args)
        except SystemExit as exit_:  # argparse's own exits
            code = int(exit_.code or 0)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Everything the commands print, by command line, and the text of every report page, by ``page <id> (<kind>)``."""
    folder = tmp_path_factory.mktemp("no-e-notation")
    store = ["--store", str(folder / "runs.duckdb")]
    texts: dict[str, str] = {}
    progress: list[str] = []

    def run(*args: str, allowed: tuple[int, ...] = (0,)) -> str:
        code, text = run_command(list(args))
        assert code in allowed, (args, text)
        texts[" ".join(args)] = text
        return text

    # The optimizer's progress messages are shown only on a terminal: record them as the bar gets them.
    original_advance = optimize_command._advance

    def recording_advance(bar: Any) -> Callable[[str], None]:
        advance = original_advance(bar)

        def both(message: str) -> None:
            progress.append(message)
            advance(message)

        return both

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(optimize_command, "_advance", recording_advance)
        run("scenarios")
        run("defaults")
        run("defaults", "--unsourced")
        run("validate", *SCENARIOS)
        run("examples")
        for name in SCENARIOS:  # the runs that are reported are stored; the others print their summary only
            recorded = ["--store-summary-only", *store] if name in REPORTED else ["--no-store"]
            run("run", name, "--draws", "10", "--no-progress", "--no-save", *recorded)
        for name in OPTIMIZED:  # exit 1: the fresh draws do not confirm the recommendation (it is printed all the same)
            out = str(folder / f"optimize-{name}")
            run("optimize", name, *TINY_SEARCH, "--validation-draws", "40", "--out", out, *store, allowed=(0, 1))
        run("frontier", "four_labs", *TINY_SEARCH, "--out", str(folder / "frontier"), "--no-progress", *store)
        run("calibrate", "--out", str(folder / "calibrated.toml"))
        run("backtest", "--cutoff", "2024-12-31", "--draws", "50", *store)
        run("backtest", "--cutoff", "2024-12-31", "--trend-line", "--no-store")
    texts["optimize progress"] = "\n".join(progress)
    listed = run("runs", "list", "--limit", "100", *store)
    ids = re.findall(r"^(\d{8}-\d{6}-[0-9a-f]+)\s", listed, flags=re.MULTILINE)
    assert len(ids) == len(REPORTED) + len(OPTIMIZED) + 2, listed
    simulations: list[str] = []
    reported: set[str] = set()
    for run_id in ids:
        shown = run("runs", "show", run_id, *store)
        kind = re.search(r"^  kind +(\w+)", shown, flags=re.MULTILINE)
        scenario = re.search(r"^  scenario +(\S+)", shown, flags=re.MULTILINE)
        what = kind.group(1) if kind else ""
        if what == "run":
            simulations.append(run_id)
        if what == "run" and scenario:
            what = f"run {scenario.group(1)}"
        if what in reported:
            continue
        reported.add(what)
        page = folder / f"report-{run_id}.html"
        run("report", run_id, "-o", str(page), "--store", store[1])
        texts[f"page {run_id} ({what})"] = report_text(page.read_text(encoding="utf-8"))
    code, compared = run_command(["runs", "compare", simulations[0], simulations[1], *store])
    assert code == 0, compared
    texts[f"runs compare {simulations[0]} {simulations[1]}"] = without_file_diff(compared)
    return texts


@pytest.fixture(scope="module")
def dashboard_answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The dashboard's presets of every bundled scenario and a simulation of some, as JSON."""
    from starlette.exceptions import StarletteDeprecationWarning  # noqa: PLC0415

    from frontiersim.dashboard import create_app  # noqa: PLC0415

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from starlette.testclient import TestClient  # noqa: PLC0415

    store_path = tmp_path_factory.mktemp("dashboard") / "runs.duckdb"
    answers: dict[str, Any] = {}
    with TestClient(create_app(store_path), base_url="http://127.0.0.1", raise_server_exceptions=True) as client:
        answers["presets"] = client.get("/api/presets").json()
        for name in SCENARIOS:
            preset = client.get(f"/api/presets/bundled:{name}").json()
            answers[f"preset {name}"] = preset
            if name not in SIMULATED:
                continue
            response = client.post("/api/simulate", json={"scenario": preset["scenario"], "draws": 50, "seed": 1})
            assert response.status_code == 200, response.text
            answers[f"simulate {name}"] = response.json()
    return answers


def strings(value: Any, skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, str]]:
    """Every string inside a JSON value, with its path (keys in ``skip`` left out)."""
    if isinstance(value, str):
        yield "", value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in skip:
                yield from ((f"{key}.{path}".rstrip("."), text) for path, text in strings(item, skip))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from ((f"{index}.{path}".rstrip("."), text) for path, text in strings(item, skip))


def test_no_command_prints_e_notation(outputs: dict[str, str]) -> None:
    found = {command: e_notation(text) for command, text in outputs.items() if not command.startswith("page ")}
    assert not {command: hits for command, hits in found.items() if hits}


def test_no_report_shows_e_notation(outputs: dict[str, str]) -> None:
    reports = {command: text for command, text in outputs.items() if command.startswith("page ")}
    assert len(reports) == len(REPORTED) + 3  # and an optimization, a frontier and a backtest
    found = {command: e_notation(text) for command, text in reports.items()}
    assert not {command: hits for command, hits in found.items() if hits}


def test_the_dashboard_answers_have_no_e_notation_outside_the_sliders(dashboard_answers: dict[str, Any]) -> None:
    found = [
        (name, path, hits)
        for name, answer in dashboard_answers.items()
        for path, text in strings(answer, skip=frozenset({"scenario", "sliders"}))
        if (hits := e_notation(text))
    ]
    assert not found


def test_the_dashboard_sliders_have_no_e_notation(dashboard_answers: dict[str, Any]) -> None:
    sliders = [
        (name, path, hits)
        for name, answer in dashboard_answers.items()
        for path, text in strings(answer.get("sliders", {}) if isinstance(answer, dict) else {})
        if (hits := e_notation(text))
    ]
    assert not sliders


def test_milestones_read_as_labels(outputs: dict[str, str], dashboard_answers: dict[str, Any]) -> None:
    reports = "\n".join(text for command, text in outputs.items() if command.startswith("page "))
    assert "90% less demand for engineers" in reports
    assert "engineer demand minus 90pct" not in reports
    milestones = dashboard_answers["simulate capability_driven"]["milestones"]
    assert "90% less demand for engineers" in [m["milestone"] for m in milestones]


def test_numbers_carry_their_units(outputs: dict[str, str]) -> None:
    """A sample of figures of each command, each with its unit."""
    defaults = outputs["defaults"]
    assert "  initial_usd_per_year = $10B/year" in defaults
    assert "typical: $1B/year to $50B/year" in defaults
    assert "in [$0/year, $10,000T/year] (the model's range)" in defaults
    assert re.search(r"initial_training_flop = lognormal\(p5=2\.0×10\^26, p95=1\.0×10\^27\)", defaults)
    assert "typical: 1.0×10^25 FLOP to 1.0×10^28 FLOP" in defaults
    toy = next(text for command, text in outputs.items() if command.startswith("run toy_50_50"))
    assert re.search(r"Obligations after the horizon = -?\$[0-9.,]+[KMBT]?", toy)
    assert re.search(r"revenue\s+mean\s+\$150B", toy)
    optimize = next(text for command, text in outputs.items() if command.startswith("optimize default"))
    assert re.search(r"objective\s+-?\$[0-9.,]+[KMBT]? ± \$", optimize)
    assert re.search(r"objective -?\$[0-9.,]+[KMBT]?$", outputs["optimize progress"], flags=re.MULTILINE)
    backtest = next(text for command, text in outputs.items() if command.startswith("backtest") and "50" in command)
    assert re.search(r"2025-03-01\s+\$1\.4B", backtest)


def test_a_single_draw_and_year_read_in_the_singular() -> None:
    code, text = run_command(["run", "toy_50_50", "--draws", "1", "--no-save", "--no-store", "--no-progress"])
    assert code == 0, text
    assert text.startswith("scenario 'toy_50_50': 1 draw, 1 year from ")
