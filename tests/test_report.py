"""The self-contained HTML report, its charts and ``frontiersim report``."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import frontiersim as fs
from four_labs import LABS, four_lab_result
from frontiersim.calibrate.backtest import backtest_revenue
from frontiersim.charts.frontier import frontier_png
from frontiersim.cli.main import main
from frontiersim.optimize.families import policy_family
from frontiersim.optimize.plot import Frontier
from frontiersim.optimize.search import optimize_policy
from frontiersim.report import (
    charts_from_result,
    charts_from_tables,
    fan_chart,
    lab_fans_chart,
    render_report,
    report_from_result,
)
from frontiersim.report.html import outlook_charts, record_from_result, scenario_keys
from frontiersim.results import draw_tables, run_tables
from frontiersim.scenario.fields import field_specs
from frontiersim.scenario.schema import section_types
from frontiersim.store import RunStore
from frontiersim.store.record import backtest_payload, optimization_payload, record_simulation

HOSTILE = "<script>alert(1)</script>"
ESCAPED_HOSTILE = "&lt;script&gt;alert(1)&lt;/script&gt;"

#: Sections every report of a simulation run shows (their element ids).
RUN_SECTIONS = ("headline", "outlook", "ruin", "pnl", "cohorts", "scenario")


@dataclass(frozen=True)
class StandInRecord:
    """The attributes of a stored run that the report reads."""

    run_id: str = "20260101-000000-abcdef"
    kind: str = "run"
    status: str = "complete"
    created_utc: str = "2026-01-01T00:00:00+00:00"
    finished_utc: str | None = "2026-01-01T00:00:05+00:00"
    scenario_name: str = "default"
    scenario_sha256: str = "0" * 64
    seed: int | None = 1
    draws: int | None = 300
    message: str = ""
    frontiersim_version: str = fs.__version__
    metrics: dict[str, float] = field(default_factory=dict)
    scenario_text: str = ""
    command: list[str] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    artifacts: dict[str, bytes] = field(default_factory=dict)


class _Page(HTMLParser):
    """Every tag with its attributes, every text node and every style sheet of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        (self.styles if self._in_style else self.text).append(data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


#: Attributes that can make a browser fetch something.
_URL_ATTRIBUTES = ("src", "href", "action", "formaction", "data", "poster", "srcset", "background", "xlink:href")


def assert_self_contained(page: str) -> None:
    """No reference outside the page: only data: URIs and #fragments, no scripts, no links, no fonts."""
    parsed = _parse(page)
    tags = {tag for tag, _ in parsed.tags}
    assert not tags & {"script", "link", "iframe", "object", "embed", "base", "frame", "audio", "video", "source"}
    for tag, attrs in parsed.tags:
        for name in _URL_ATTRIBUTES:
            if name in attrs:
                value = attrs[name].strip()
                assert value.startswith(("data:", "#")), (tag, name, value[:80])
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            lowered = value.lower()
            if name != "content":
                assert "http:" not in lowered, (tag, name, value[:80])
                assert "https:" not in lowered, (tag, name, value[:80])
            assert "url(" not in lowered or "url(data:" in lowered, (tag, name)
        if tag == "meta":
            assert attrs.get("http-equiv", "").lower() != "refresh"
            assert "http" not in attrs.get("content", "").replace("http-equiv", "")
        if tag == "a":
            assert attrs.get("href", "").startswith("#"), attrs
    style = "".join(parsed.styles)
    assert "@import" not in style
    assert "@font-face" not in style
    assert "url(" not in style
    # Any URL left in the page is plain text, never markup.
    text = "".join(parsed.text)
    for scheme in ("http://", "https://"):
        assert page.count(scheme) <= text.count(scheme)


def _section_ids(page: str) -> set[str]:
    return {attrs["id"] for tag, attrs in _parse(page).tags if tag == "section" and "id" in attrs}


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def result() -> fs.SimulationResult:
    return fs.simulate(fs.bundled("default"), draws=300, seed=1)


@pytest.fixture(scope="module")
def capability_result() -> fs.SimulationResult:
    return fs.simulate(fs.bundled("capability_driven"), draws=300, seed=2)


@pytest.fixture(scope="module")
def run_record(result: fs.SimulationResult) -> StandInRecord:
    tables = run_tables(result)
    return StandInRecord(
        scenario_text=str(result.dataset.attrs["scenario_toml"]),
        tables=tables,
        metrics={"p_ruin": float(tables["headline"]["p_ruin"].iloc[0])},
        command=["frontiersim", "run", "default", "-m", "first look"],
    )


@pytest.fixture(scope="module")
def optimize_record() -> StandInRecord:
    scenario = fs.bundled("default")
    optimized = optimize_policy(
        scenario,
        policy_family(scenario, "hedge"),
        max_ruin=0.2,
        draws=200,
        validation_draws=200,
        candidates=5,
        seed=3,
    )
    frontier = Frontier.from_result(optimized)
    chosen = optimized.chosen
    summary = {
        "command": "optimize",
        "recommended": {
            "label": chosen.label,
            "parameter": chosen.parameter,
            "confirmed": optimized.confirmed,
            "validation": {
                "p_ruin": chosen.ruin.estimate,
                "p_ruin_wilson": [chosen.ruin.low, chosen.ruin.high],
                "objective_mean_usd": chosen.objective.mean,
                "objective_se_usd": chosen.objective.standard_error,
            },
        },
        "messages": optimized.messages,
        "settings": {"family": "hedge", "max_ruin": 0.2, "draws": 200, "validation_draws": 200},
    }
    payload = optimization_payload(
        optimized,
        frontier=frontier,
        schedule=chosen.commitment_schedule(),
        artifacts={"frontier.png": frontier_png(frontier), "optimize.json": json.dumps(summary).encode()},
    )
    return StandInRecord(
        kind="optimize",
        scenario_text=scenario.source_text,
        tables=payload.tables,
        artifacts=payload.artifacts,
        metrics=payload.metrics,
    )


@pytest.fixture(scope="module")
def backtest_record() -> StandInRecord:
    payload = backtest_payload(backtest_revenue("2024-06-30"))
    return StandInRecord(
        kind="backtest",
        scenario_name="",
        scenario_sha256="",
        seed=None,
        draws=None,
        tables=payload.tables,
        artifacts=payload.artifacts,
        metrics=payload.metrics,
    )


@pytest.fixture(scope="module")
def run_page(run_record: StandInRecord) -> str:
    return render_report(run_record)


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        '<script src="https://cdn.example/x.js"></script>',
        '<link rel="stylesheet" href="https://fonts.example/css">',
        '<img src="https://example.com/a.png">',
        '<img src="//example.com/a.png">',
        '<a href="https://epoch.ai">Epoch</a>',
        "<style>body { background: url(https://example.com/b.png); }</style>",
        "<style>@import 'x.css';</style>",
        '<div style="background: url(x.png)">x</div>',
        '<meta http-equiv="refresh" content="0; url=https://example.com">',
        '<img src="data:image/png;base64,AAAA" onerror="alert(1)">',
    ],
)
def test_the_self_containment_check_catches_references(bad: str) -> None:
    page = f"<!DOCTYPE html><html><head></head><body>{bad}</body></html>"
    with pytest.raises(AssertionError):
        assert_self_contained(page)


def test_run_report_is_self_contained_and_complete(run_record: StandInRecord) -> None:
    page = render_report(replace(run_record, message="see https://epoch.ai/data for the trend"))
    assert_self_contained(page)
    assert set(RUN_SECTIONS) <= _section_ids(page)
    assert page.count('alt="fan chart of') == 5
    for label in ("revenue", "demand", "capacity", "cash", "unserved demand"):  # the catalogue's labels
        assert f'alt="fan chart of {label}"' in page
    assert 'alt="P(ruin) over time"' in page
    assert "Company P&amp;L by year" in page
    assert "incumbent (released before start)" in page
    # The headline figure and its interval, as in the table.
    headline = run_record.tables["headline"].iloc[0]
    assert f"{100 * headline['p_ruin']:.3g}%" in page
    assert "Wilson" in page
    # what the lab owes after the horizon, and P(ruin) including the run-off
    assert f"{100 * headline['p_ruin_including_runoff']:.3g}%" in page
    assert "P(ruin including the run-off)" in page
    assert "obligations after the horizon" in page
    # The header.
    for text in (run_record.run_id, "complete", fs.__version__, "0" * 64, "300"):
        assert text in page
    # The URL of the message is shown as text, not as a link.
    assert "https://epoch.ai/data" in page
    assert not [attrs for tag, attrs in _parse(page).tags if tag == "a" and "epoch" in attrs.get("href", "")]


def test_optimize_report_shows_frontier_and_recommendation(optimize_record: StandInRecord) -> None:
    page = render_report(optimize_record)
    assert_self_contained(page)
    assert {"optimize", *RUN_SECTIONS} <= _section_ids(page)
    assert 'alt="efficient frontier"' in page
    assert "Recommended policy: hedge" in page
    assert "Commitment schedule of the recommended policy" in page
    assert "buy nothing new" in page  # a naive policy of the comparison
    # Without the stored picture the frontier is drawn from its table.
    drawn = render_report(replace(optimize_record, artifacts={}))
    assert 'alt="efficient frontier"' in drawn
    assert "Recommended policy: hedge" in drawn
    # A stored "picture" that is not a PNG is not embedded.
    bogus = render_report(replace(optimize_record, artifacts={"frontier.png": b"<svg>"}))
    assert "&lt;svg&gt;" not in bogus
    assert 'alt="efficient frontier"' in bogus


def test_backtest_report(backtest_record: StandInRecord) -> None:
    page = render_report(backtest_record)
    assert_self_contained(page)
    sections = _section_ids(page)
    assert {"backtest", "scenario"} <= sections
    assert not {"outlook", "ruin", "pnl"} & sections
    assert "Coverage of the predictive intervals" in page
    assert "Every out-of-sample forecast" in page
    assert "OpenAI" in page
    assert "below nominal" in page
    assert "holds no scenario" in page


def test_user_text_is_escaped(run_record: StandInRecord) -> None:
    hostile_scenario = run_record.scenario_text + f"\n# </pre></details>{HOSTILE}\n"
    record = replace(
        run_record,
        message=HOSTILE,
        scenario_name=f'x"><img src=x onerror=alert(1)>{HOSTILE}',
        scenario_text=hostile_scenario,
        command=["frontiersim", "run", HOSTILE],
    )
    page = render_report(record)
    assert HOSTILE not in page
    assert ESCAPED_HOSTILE in page
    assert "<img src=x" not in page
    assert_self_contained(page)
    # Table cells from the store are escaped too.
    tables = dict(run_record.tables)
    cohorts = tables["cohort_pnl"].copy()
    cohorts.loc[0, "model"] = HOSTILE
    tables["cohort_pnl"] = cohorts
    page = render_report(replace(run_record, tables=tables))
    assert HOSTILE not in page
    assert ESCAPED_HOSTILE in page


def test_money_is_formatted_and_right_aligned(run_page: str) -> None:
    cells = re.findall(r"<td class=num>([^<]*)</td>", run_page)
    money_cells = [c for c in cells if c.startswith(("$", "-$"))]
    assert money_cells
    assert all(re.fullmatch(r"-?\$[0-9.,]+[KMBT]?", c) for c in money_cells), money_cells[:5]
    assert any(c.endswith("B") for c in money_cells)


def test_scenario_lists_every_key_with_its_source(run_page: str) -> None:
    parsed = _parse(run_page)
    text = "".join(parsed.text)
    for section, section_type in section_types().items():
        if section.startswith("policy (") and "growth_hedge" not in section:
            continue
        prefix = "policy" if section.startswith("policy (") else section
        if prefix.split(".")[0] == "capability":
            # a growth-mode run: the capability keys are not listed
            assert f"{prefix}." not in text
            continue
        for key, spec in field_specs(section_type).items():
            assert f"{prefix}.{key}" in text
            assert spec.source in text
            assert spec.doc in text
    assert "default" in text
    assert "source of the default" in text


def test_scenario_keys() -> None:
    text = fs.bundled("default").source_text
    rows = scenario_keys(tomllib.loads(text))
    paths = [row.path for row in rows]
    assert len(paths) == len(set(paths))
    by_path = {row.path: row for row in rows}
    assert by_path["scenario.name"].value == '"default"'
    assert by_path["scenario.name"].from_scenario
    assert by_path["policy.kind"].value == '"growth_hedge"'
    # A key the scenario leaves out is listed with its default and its source.
    missing = [row for row in rows if not row.from_scenario]
    assert missing
    assert all(row.source for row in missing)
    # Unknown keys are listed, flagged.
    odd = scenario_keys({"demand": {"no_such_key": 1}, "extra": {"a": 2}})
    flagged = {row.path for row in odd if row.meaning == "(not a key of the schema)"}
    assert flagged == {"demand.no_such_key", "extra"}


def test_capability_run_shows_milestones(capability_result: fs.SimulationResult) -> None:
    page = report_from_result(capability_result, message="capability")
    assert_self_contained(page)
    assert "milestones" in _section_ids(page)
    assert 'alt="capability milestone dates"' in page
    assert "code_90pct_written_by_models" in page
    assert "capability.slope_per_decade" in "".join(_parse(page).text)  # capability keys listed in this mode


def test_report_from_result_summary_only() -> None:
    result = fs.simulate(fs.bundled("default"), draws=200, seed=4, keep_monthly=False)
    page = report_from_result(result, message="yearly")
    assert_self_contained(page)
    assert set(RUN_SECTIONS) <= _section_ids(page)
    assert "yearly totals (the run kept no monthly arrays)" in page
    assert "(not stored)" in page


def test_incomplete_record_renders(run_record: StandInRecord) -> None:
    page = render_report(replace(run_record, status="incomplete", tables={}, metrics={}))
    assert_self_contained(page)
    assert "incomplete" in page
    assert "some of its tables may be missing" in page
    assert {"scenario"} == _section_ids(page) - {"other"}


def test_unknown_tables_are_listed(run_record: StandInRecord) -> None:
    extra = pd.DataFrame({"name": [HOSTILE], "value_usd": [2.3456789e9]})  # a figure no other table shows
    page = render_report(replace(run_record, tables={**run_record.tables, "extra": extra}))
    assert "other" in _section_ids(page)
    assert HOSTILE not in page
    # No unit is guessed from a column's name: undeclared, the number is plain.
    assert "$2.35B" not in page
    assert "2,345,678,900" in page
    # Declared in the units table, it is money, under its label.
    declared = pd.DataFrame(
        [["extra", "value_usd", "USD", "value of the thing", ""]], columns=list(run_record.tables["units"].columns)
    )
    units = pd.concat([run_record.tables["units"], declared], ignore_index=True)
    page = render_report(replace(run_record, tables={**run_record.tables, "extra": extra, "units": units}))
    assert "$2.35B" in page
    assert "value of the thing (USD)" in page


# ---------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------


def test_report_charts_are_the_shared_definitions(result: fs.SimulationResult) -> None:
    """The report embeds SVG drawn from the frontiersim.charts definitions, one image per chart."""
    record = record_from_result(result)
    page = render_report(record)
    charts = outlook_charts(record.tables)
    assert list(charts) == list(pd.unique(record.tables["fan"]["variable"]))
    for name in charts:
        assert f'data-chart="fan:{name}"' in page
    assert page.count('src="data:image/svg+xml;base64,') == len(charts) + 1  # and the P(ruin) curve
    assert "data:image/png" not in page
    assert "month-by-month median" in page
    assert "line: the median draw" not in page
    assert fan_chart(record.tables["fan"], "cash_usd").to_dict() == charts["cash_usd"].to_dict()


def test_charts_from_result(result: fs.SimulationResult, capability_result: fs.SimulationResult) -> None:
    charts = charts_from_result(result)
    assert set(charts) == {
        "revenue_usd_per_year",
        "demand_usd_per_year",
        "capacity_gw",
        "cash_usd",
        "unserved_usd_per_year",
        "ruin_curve",
    }
    with_capability = charts_from_result(capability_result)
    assert {"milestones", "year_capability_index", "year_overhang"} <= set(with_capability)


# ---------------------------------------------------------------------------
# frontiersim report
# ---------------------------------------------------------------------------


@pytest.fixture
def stored_run(result: fs.SimulationResult) -> str:
    store = RunStore()
    attrs = result.dataset.attrs
    run_id = store.begin(
        kind="run",
        scenario_text=str(attrs["scenario_toml"]),
        scenario_name=str(attrs["scenario_name"]),
        scenario_sha256=str(attrs["scenario_sha256"]),
        seed=1,
        draws=result.draws,
        message=HOSTILE,
        command=["frontiersim", "run", "default"],
    )
    store.finish(run_id, tables=run_tables(result), draw_tables=draw_tables(result), metrics={"p_ruin": 0.0})
    return run_id


def test_cli_writes_the_report(
    stored_run: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "sub" / "report.html"
    assert main(["report", stored_run[:12], "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    page = out.read_text(encoding="utf-8")
    assert_self_contained(page)
    assert set(RUN_SECTIONS) <= _section_ids(page)
    assert stored_run in page
    assert ESCAPED_HOSTILE in page
    assert HOSTILE not in page
    # The default output file is named after the run, in the current folder.
    monkeypatch.chdir(tmp_path)
    assert main(["report", stored_run]) == 0
    assert (tmp_path / f"report-{stored_run}.html").is_file()


def test_cli_unknown_id(stored_run: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.html"
    assert main(["report", "no-such-run", "-o", str(out)]) == 2
    error = capsys.readouterr().err
    assert "no-such-run" in error
    assert "Traceback" not in error
    assert not out.exists()


def test_cli_missing_store_and_bad_output(stored_run: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", stored_run, "--store", str(tmp_path / "none.duckdb"), "-o", str(tmp_path / "r.html")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["report", stored_run, "-o", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


@pytest.mark.parametrize("name", fs.bundled_names())
def test_every_bundled_scenario_key_is_known(name: str) -> None:
    rows = scenario_keys(tomllib.loads(fs.bundled(name).source_text))
    paths = [row.path for row in rows]
    assert len(paths) == len(set(paths))
    assert not [row.path for row in rows if row.meaning == "(not a key of the schema)"]
    assert all(row.source for row in rows)


# ---------------------------------------------------------------------------
# Units from the record, and several labs
# ---------------------------------------------------------------------------


def test_units_come_from_the_units_table_not_from_names(run_record: StandInRecord) -> None:
    units = run_record.tables["units"].copy()
    net = (units["table"] == "cohort_pnl") & (units["column"] == "net_usd")
    assert units.loc[net, "unit"].tolist() == ["USD"]  # as the catalogue declares model_net_usd
    page = render_report(run_record)
    assert "net (USD)" in page
    units.loc[net, "unit"] = "GW"
    page = render_report(replace(run_record, tables={**run_record.tables, "units": units}))
    assert "net (GW)" in page
    assert "net (USD)" not in page
    # Without any units table, numbers are plain: nothing is guessed from a name ending in _usd.
    bare = {name: frame for name, frame in run_record.tables.items() if name != "units"}
    page = render_report(replace(run_record, tables=bare))
    assert not [c for c in re.findall(r"<td class=num>([^<]*)</td>", page) if c.startswith(("$", "-$"))]


@pytest.fixture(scope="module")
def four_lab_record() -> StandInRecord:
    result = four_lab_result(draws=200, seed=3)
    tables = run_tables(result)
    return StandInRecord(
        scenario_name="four labs",
        draws=200,
        scenario_text=str(result.dataset.attrs["scenario_toml"]),
        tables=tables,
        metrics={"p_ruin": float(tables["headline"]["p_ruin"].iloc[0])},
    )


def test_four_lab_report_shows_every_lab(four_lab_record: StandInRecord) -> None:
    page = render_report(four_lab_record)
    assert_self_contained(page)
    assert set(RUN_SECTIONS) <= _section_ids(page)
    text = "".join(_parse(page).text)
    for lab in LABS:
        assert text.count(f"Lab {lab}") >= 3, lab  # P&L, models and summary each have the lab's heading
        assert f"P(ruin), lab {lab}" in text
    assert 'alt="P(ruin) of each lab"' in page
    for label in ("revenue", "demand", "capacity", "cash", "unserved demand"):
        assert f'alt="{label} of each lab"' in page
    assert 'alt="fan chart of market demand"' in page
    assert 'alt="P(ruin) over time"' in page
    # Each lab's own keys are listed with the shared key's meaning; nothing is an unknown key.
    for path in ("labs.a.market_share", "labs.b.compute.cost_usd_per_gw_year", "labs.c", "labs.d.policy.hedge_factor"):
        assert path in text.replace("\u200b", ""), path
    assert "(not a key of the schema)" not in text
    # Units from the catalogue: capacity in GW row by row, money as money.
    assert re.search(r"<td class=num>[0-9.,]+ GW</td>", page)
    assert "cash at the end, median (USD)" in text


def test_four_lab_report_of_a_stored_run() -> None:
    result = four_lab_result(draws=120, seed=8)
    store = RunStore()
    run_id = record_simulation(store, result, message="four labs, stored")
    record = store.get(run_id)
    page = render_report(record)
    assert_self_contained(page)
    assert "four labs, stored" in page
    for lab in LABS:
        assert f"Lab {lab}" in page
        assert f"P(ruin), lab {lab}" in page


def test_lab_charts() -> None:
    tables = run_tables(four_lab_result(draws=100, seed=2))
    spec = lab_fans_chart(tables["fan"], "capacity_gw").to_dict()
    assert spec["facet"]["field"] == "lab"
    assert spec["facet"]["sort"] == list(LABS)
    with pytest.raises(ValueError, match="no lab 'zz'"):
        fan_chart(tables["fan"], "capacity_gw", lab="zz")
    assert fan_chart(tables["fan"], "capacity_gw", lab="c").to_dict()["title"]["text"].endswith("lab c")
    charts = charts_from_tables(tables)
    assert {"ruin_by_lab", "market_demand_usd_per_year", "revenue_usd_per_year", "ruin_curve"} <= set(charts)


def test_milestones_of_several_labs() -> None:
    text = fs.bundled("capability_driven").source_text + "\n[labs.x]\nmarket_share = 0.6\n\n[labs.y]\n"
    result = fs.simulate(fs.parse_scenario_text(text), draws=100, seed=3)
    page = report_from_result(result)
    assert_self_contained(page)
    assert 'alt="capability milestone dates, lab x"' in page
    assert 'alt="capability milestone dates, lab y"' in page
    assert 'alt="capability index"' in page
