"""A self-contained HTML report of one stored run (or of a result in memory).

:func:`render_report` turns a run record (``frontiersim.store.RunRecord``, or
anything with the attributes of :class:`RecordLike`) into one HTML page:
inline CSS, charts embedded as base64 PNG ``data:`` URIs, no scripts, no
fonts, no links to anything outside the file. It opens offline and can be
sent by mail. A Content-Security-Policy in the page forbids the browser from
fetching anything but the embedded images.

Everything that comes from the user (scenario text, message, names, table
cells) is HTML-escaped; URLs in sources are plain text, never links.

Units
-----
Every number is shown by its declared unit: the record's ``units`` table
(see :func:`frontiersim.results.tables.units_table`) gives each column's
unit and label, or the column that holds each row's unit. Money (``USD``,
``USD/year``, ``USD/GW/year``, ...) reads ``$1.2B``; a share of draws
(``probability``) reads in percent; a calendar year or a month index is a
plain integer; any other unit is shown beside the number or in the column's
header. A column without a declared unit is a plain number, whatever its
name: nothing is guessed from names.

Labs
----
A run of several labs shows each lab's P(ruin) with its interval and a chart
comparing them, every fan chart with one panel per lab on a shared axis,
the market's demand, one P(ruin) curve per lab, and the tables of each lab
under its own heading.
"""

from __future__ import annotations

import base64
import html
import json
import math
import shlex
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import pandas as pd

from frontiersim._version import __version__
from frontiersim.models.catalogue import labelled_milestones
from frontiersim.models.registry import extension_sections, used_keys
from frontiersim.report import charts
from frontiersim.results.result import SimulationResult
from frontiersim.results.tables import PROBABILITY, ColumnUnit, column_units, lab_rows, run_tables, table_labs
from frontiersim.scenario.distributions import Distribution
from frontiersim.scenario.errors import ScenarioError
from frontiersim.scenario.fields import field_spec, field_specs, table_specs
from frontiersim.scenario.loader import parse_scenario
from frontiersim.scenario.schema import LAB_SECTIONS, POLICY_KINDS, section_types
from frontiersim.units import money, number_text, percent, without_e_notation

#: The first bytes of every PNG file.
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: Rows shown of a long table (the rest is counted, not shown).
MAX_TABLE_ROWS = 200

#: Characters of a text artifact shown (the rest is counted, not shown).
MAX_TEXT_CHARACTERS = 200_000

#: Tables the report draws or lays out itself; any other table goes under "Other tables".
_KNOWN_TABLES = frozenset(
    {
        "headline",
        "summary",
        "company_pnl",
        "cohort_pnl",
        "fan",
        "ruin_curve",
        "milestones",
        "capability",
        "frontier",
        "comparison",
        "schedule",
        "backtest",
        "coverage",
        "market",
        "units",
    }
)

#: Units whose numbers are plain integers (a calendar year, a month index counted from the start).
_INTEGER_UNITS = frozenset({"year", "month"})

#: Units the formatted number already shows (money, percent) or that need no mention.
_SELF_EVIDENT_UNITS = frozenset({"", PROBABILITY, "year", "month"})

_STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1d2330; background: #fff; margin: 0; line-height: 1.45; font-size: 15px; }
main { max-width: 1120px; margin: 0 auto; padding: 1.5rem 1.5rem 3rem; }
h1 { font-size: 1.55rem; margin: 0 0 .3rem; }
h2 { font-size: 1.2rem; margin: 2.2rem 0 .6rem; padding-bottom: .25rem; border-bottom: 1px solid #d8dce4; }
h3 { font-size: 1rem; margin: 1.3rem 0 .4rem; }
p.note, .muted { color: #5b6477; font-size: .9rem; }
nav { font-size: .88rem; margin: .8rem 0 0; }
nav a { color: #2456a6; margin-right: .9rem; text-decoration: none; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .8rem 0;
  font-size: .9rem; }
dl.meta dt { color: #5b6477; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.headline { display: flex; flex-wrap: wrap; gap: 1rem; margin: .6rem 0; }
.figure-box { border: 1px solid #d8dce4; border-radius: 6px; padding: .7rem 1rem; min-width: 12rem; }
.figure-box .value { font-size: 1.6rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.figure-box .label { color: #5b6477; font-size: .85rem; }
.warning { background: #fff4e0; border: 1px solid #f0c36d; border-radius: 6px; padding: .6rem 1rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 1rem; }
figure { margin: 0; }
.single { max-width: 780px; }
figure img { width: 100%; height: auto; border: 1px solid #eceef3; border-radius: 4px; }
figcaption { font-size: .85rem; color: #5b6477; margin-top: .2rem; }
.table-wrap { overflow-x: auto; margin: .4rem 0 1rem; }
table { border-collapse: collapse; font-size: .86rem; }
th, td { padding: .28rem .6rem; border-bottom: 1px solid #eceef3; vertical-align: top; }
th { text-align: left; background: #f4f6f9; font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.default td { color: #5b6477; }
table.keys { table-layout: fixed; width: 100%; }
table.keys td { overflow-wrap: anywhere; }
table.keys th { white-space: normal; }
col.key { width: 22%; } col.value { width: 15%; } col.from { width: 7%; } col.meaning { width: 26%; }
col.allowed { width: 9%; } col.source { width: 21%; }
pre { background: #f6f8fa; border: 1px solid #eceef3; border-radius: 4px; padding: .8rem; overflow-x: auto;
  font-size: .82rem; line-height: 1.35; white-space: pre-wrap; overflow-wrap: anywhere; }
details { margin: .5rem 0; }
summary { cursor: pointer; color: #2456a6; }
footer { margin-top: 3rem; font-size: .8rem; color: #5b6477; border-top: 1px solid #d8dce4; padding-top: .6rem; }
@media print { .charts { grid-template-columns: 1fr 1fr; } nav { display: none; } }
"""

#: The browser may fetch nothing: only inline styles and embedded (data:) images.
_CONTENT_SECURITY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'"


class RecordLike(Protocol):
    """What the report reads of a stored run (the attributes of ``frontiersim.store.RunRecord``)."""

    @property
    def run_id(self) -> str:
        """Identifier of the run."""

    @property
    def kind(self) -> str:
        """``"run"``, ``"optimize"``, ``"frontier"`` or ``"backtest"``."""

    @property
    def status(self) -> str:
        """``"running"``, ``"complete"``, ``"failed"`` or ``"incomplete"``."""

    @property
    def created_utc(self) -> str:
        """When the run started (ISO 8601, UTC)."""

    @property
    def finished_utc(self) -> str | None:
        """When it finished, if it did."""

    @property
    def scenario_name(self) -> str:
        """Name of the scenario."""

    @property
    def scenario_sha256(self) -> str:
        """Hash of the scenario."""

    @property
    def seed(self) -> int | None:
        """Root seed."""

    @property
    def draws(self) -> int | None:
        """Number of draws."""

    @property
    def message(self) -> str:
        """The user's one-line message."""

    @property
    def frontiersim_version(self) -> str:
        """Version that made the run."""

    @property
    def metrics(self) -> Mapping[str, float]:
        """Headline numbers (p_ruin, ...)."""

    @property
    def scenario_text(self) -> str:
        """The full scenario text (TOML; empty for a backtest)."""

    @property
    def command(self) -> Sequence[str]:
        """The command line that made the run."""

    @property
    def tables(self) -> Mapping[str, pd.DataFrame]:
        """Summary tables: those of ``run_tables`` and kind-specific ones."""

    @property
    def artifacts(self) -> Mapping[str, bytes]:
        """Files kept with the run (``frontier.png``, ``optimize.json``, ``backtest.txt``)."""


@dataclass(frozen=True)
class ResultRecord:
    """A record of a result held in memory (not stored), for :func:`report_from_result`."""

    run_id: str
    kind: str
    status: str
    created_utc: str
    finished_utc: str | None
    scenario_name: str
    scenario_sha256: str
    seed: int | None
    draws: int | None
    message: str
    frontiersim_version: str
    metrics: dict[str, float]
    scenario_text: str
    command: list[str]
    tables: dict[str, pd.DataFrame]
    artifacts: dict[str, bytes] = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------


def _e(value: object) -> str:
    """HTML-escaped text (quotes too, so it is safe in attributes)."""
    return html.escape(str(value), quote=True)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool | np.bool_)


def _finite(value: object) -> bool:
    return _is_number(value) and math.isfinite(float(value))  # type: ignore[arg-type]


def format_money(value: object) -> str:
    """``$1.2B`` style money, ``""`` for missing values.

    Examples
    --------
    >>> format_money(1.234e9), format_money(-5e6), format_money(float("nan"))
    ('$1.23B', '-$5M', '')
    """
    return money(float(value)) if _finite(value) else ""  # type: ignore[arg-type]


def format_percent(value: object) -> str:
    """A probability in percent with three significant digits.

    Examples
    --------
    >>> format_percent(0.0225), format_percent(0.6775), format_percent(0.0)
    ('2.25%', '67.8%', '0%')
    """
    if not _finite(value):
        return ""
    number = 100.0 * float(value)  # type: ignore[arg-type]
    return "0%" if number == 0 else percent(number / 100.0)


def format_number(value: object) -> str:
    """A number with four significant digits, whole numbers from 10,000 on, with thousands separators.

    Examples
    --------
    >>> format_number(0.012345), format_number(12.345), format_number(12345.678), format_number(7)
    ('0.01235', '12.35', '12,346', '7')
    >>> format_number(2.5e9), format_number(3e16), format_number(True)
    ('2,500,000,000', '3.0×10^16', 'yes')
    """
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if not _finite(value):
        return ""
    number = float(value)  # type: ignore[arg-type]
    if 1e4 <= abs(number) < 1e15:
        return f"{number:,.0f}"
    return number_text(number, 4)


def _plain_integer(value: object) -> str:
    if isinstance(value, int | np.integer):
        return str(int(value))
    if _finite(value) and float(value) == int(float(value)):  # type: ignore[arg-type]
        return str(int(float(value)))  # type: ignore[arg-type]
    return format_number(value)


def unit_formatter(unit: str, *, with_unit: bool = False) -> Callable[[object], str]:
    """How to show a number of a given unit.

    Parameters
    ----------
    unit : str
        A declared unit (empty: a plain number).
    with_unit : bool
        Write the unit after the number when the format does not show it
        (``"1.5 GW"``); for cells whose unit changes by row.

    Examples
    --------
    >>> unit_formatter("USD")(2.5e9), unit_formatter("probability")(0.125), unit_formatter("year")(2026)
    ('$2.5B', '12.5%', '2026')
    >>> unit_formatter("GW", with_unit=True)(1.5), unit_formatter("")(12345.678)
    ('1.5 GW', '12,346')
    """
    if charts.is_money(unit):
        return format_money
    if unit == PROBABILITY:
        return format_percent
    if unit in _INTEGER_UNITS:
        return _plain_integer
    if with_unit and unit not in _SELF_EVIDENT_UNITS:

        def number_and_unit(value: object) -> str:
            text = format_number(value)
            return f"{text} {unit}" if text else ""

        return number_and_unit
    return format_number


def column_header(column: str, described: ColumnUnit | None) -> str:
    """The header of a column: its declared label and unit, or its name as it is.

    Examples
    --------
    >>> column_header("capacity_gw", ColumnUnit("GW", "capacity"))
    'capacity (GW)'
    >>> column_header("p_ruin", ColumnUnit("probability", "P(ruin)")), column_header("value_usd", None)
    ('P(ruin)', 'value_usd')
    """
    if described is None:
        return column
    label = described.label or column
    if described.unit_column or described.unit in _SELF_EVIDENT_UNITS:
        return label
    return f"{label} ({described.unit})"


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _column_formatter(series: pd.Series, described: ColumnUnit | None) -> Callable[[object], str]:
    """How to show the values of one column: by its declared unit, else as plain numbers or text."""
    if pd.api.types.is_bool_dtype(series):
        return format_number
    if not pd.api.types.is_numeric_dtype(series):
        return str
    return unit_formatter(described.unit if described is not None else "")


def _html_table(
    frame: pd.DataFrame,
    *,
    units: Mapping[str, ColumnUnit] | None = None,
    formatters: Mapping[str, Callable[[object], str]] | None = None,
    headers: Mapping[str, str] | None = None,
    hide: Iterable[str] = (),
    max_rows: int = MAX_TABLE_ROWS,
) -> str:
    """A table with escaped cells and right-aligned numbers.

    Parameters
    ----------
    frame : pandas.DataFrame
    units : mapping of str to ColumnUnit, optional
        The declared unit and label of each column (:func:`column_units` of
        the record's ``units`` table). A column whose unit is given by row
        is shown in the unit of each row's ``unit_column``.
    formatters : mapping, optional
        Per-column formatters, for tables the report makes itself.
    headers : mapping, optional
        Shown headers of some columns (else the declared label, else the name).
    hide : iterable of str
        Columns left out (a lab's rows without their ``lab``, a unit column
        whose units the cells show).
    max_rows : int
        Rows shown; a note counts the others.
    """
    if frame.empty:
        return '<p class="note">(no rows)</p>'
    declared = units or {}
    hidden = set(hide)
    columns = [str(c) for c in frame.columns if str(c) not in hidden]
    chosen = {c: (formatters or {}).get(c) or _column_formatter(frame[c], declared.get(c)) for c in columns}
    row_units = {
        c: declared[c].unit_column
        for c in columns
        if c in declared and declared[c].unit_column in frame.columns and _is_numeric(frame[c])
    }
    numeric = {c: _is_numeric(frame[c]) for c in columns}
    head = "".join(
        f"<th{' class=num' if numeric[c] else ''}>"
        f"{_e((headers or {}).get(c) or column_header(c, declared.get(c)))}</th>"
        for c in columns
    )
    body = []
    for _, row in frame.head(max_rows).iterrows():
        cells = []
        for column in columns:
            formatter = chosen[column]
            if column in row_units:
                formatter = unit_formatter(str(row[row_units[column]]), with_unit=True)
            value = row[column]
            text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else formatter(value)
            cells.append(f"<td{' class=num' if numeric[column] else ''}>{_e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if len(frame) > max_rows:
        more = f'<p class="note">{len(frame) - max_rows:,} more rows not shown ({len(frame):,} in all).</p>'
    return (
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{more}"
    )


def _units_of(tables: Mapping[str, pd.DataFrame], name: str) -> dict[str, ColumnUnit]:
    """The declared units of table ``name`` of a record (empty without a ``units`` table)."""
    return column_units(tables.get("units"), name)


def _formatted(tables: Mapping[str, pd.DataFrame], table: str, column: str, value: object) -> str:
    """One value of a table's column, shown by the column's declared unit."""
    described = _units_of(tables, table).get(column)
    return unit_formatter(described.unit if described is not None else "")(value)


def _per_lab(table: pd.DataFrame, render: Callable[[pd.DataFrame, str], str]) -> str:
    """``render(rows, lab)`` of each lab's rows, under a heading per lab when there are several."""
    labs = table_labs(table)
    if len(labs) <= 1:
        return render(lab_rows(table, labs[0]) if labs else table, labs[0] if labs else "")
    return "".join(f"<h3>Lab {_e(lab)}</h3>" + render(lab_rows(table, lab), lab) for lab in labs)


def _png_image(png: bytes, alt: str, caption: str = "") -> str:
    """An ``<img>`` with the PNG embedded as a base64 data URI."""
    encoded = base64.b64encode(png).decode("ascii")
    caption_html = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    return f'<figure><img alt="{_e(alt)}" src="data:image/png;base64,{encoded}">{caption_html}</figure>'


def _figure(figure: Any, alt: str, caption: str = "") -> str:
    return _png_image(charts.figure_png(figure), alt, caption)


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{_e(anchor)}"><h2>{_e(title)}</h2>{body}</section>'


def _breakable(path: str) -> str:
    """An escaped key path that may wrap after its dots and underscores."""
    return _e(path).replace(".", ".<wbr>").replace("_", "_<wbr>")


def _pre(text: str) -> str:
    shown = text[:MAX_TEXT_CHARACTERS]
    more = ""
    if len(text) > MAX_TEXT_CHARACTERS:
        more = f'<p class="note">{len(text) - MAX_TEXT_CHARACTERS:,} more characters not shown.</p>'
    return f"<pre>{_e(shown)}</pre>{more}"


def _decode_text(payload: bytes) -> str:
    return payload.decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------


def _header_section(record: RecordLike, generated_utc: str) -> str:
    name = record.scenario_name or "(no scenario)"
    rows: list[tuple[str, str]] = [
        ("run id", record.run_id or "(not stored)"),
        ("kind", record.kind),
        ("status", record.status),
        ("started (UTC)", record.created_utc or ""),
        ("finished (UTC)", record.finished_utc or ""),
        ("frontiersim version", record.frontiersim_version),
        ("seed", "" if record.seed is None else str(record.seed)),
        ("draws", "" if record.draws is None else f"{record.draws:,}"),
        ("scenario hash (SHA-256)", record.scenario_sha256),
        ("message", record.message),
    ]
    headline = record.tables.get("headline")
    labs = table_labs(headline) if headline is not None else []
    if len(labs) > 1:
        rows.append(("labs", ", ".join(labs)))
    if record.command:
        rows.append(("command", shlex.join([str(part) for part in record.command])))
    error = getattr(record, "error", "")  # a stored record says why it failed, when it did
    if isinstance(error, str) and error:
        rows.append(("error", error))
    meta = "".join(f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>" for label, value in rows if value)
    warning = ""
    if record.status != "complete":
        warning = (
            f'<p class="warning">This run is <strong>{_e(record.status)}</strong>: '
            "some of its tables may be missing or partial.</p>"
        )
    return (
        f"<header><h1>{_e(name)} <span class=muted>· {_e(record.kind)} report</span></h1>"
        f'<dl class="meta">{meta}</dl>{warning}</header>'
    )


def _headline_section(record: RecordLike) -> str:
    tables = record.tables
    headline = tables.get("headline")
    boxes: list[tuple[str, str]] = []
    note = ""
    extra = ""
    if headline is not None and len(headline):
        row = headline.iloc[0]
        labs = table_labs(headline)
        units = _units_of(tables, "headline")

        def shown(frame_row: pd.Series, column: str) -> str:
            return _formatted(tables, "headline", column, frame_row.get(column))

        def label(column: str, default: str) -> str:
            return units[column].label if column in units else default

        if len(labs) <= 1:
            interval = f"95% interval {shown(row, 'p_ruin_low')} to {shown(row, 'p_ruin_high')} (Wilson)"
            boxes.append((shown(row, "p_ruin"), f"{label('p_ruin', 'P(ruin)')}; {interval}"))
            if "p_ruin_including_runoff" in headline.columns:
                runoff = (
                    f"95% interval {shown(row, 'p_ruin_including_runoff_low')} to "
                    f"{shown(row, 'p_ruin_including_runoff_high')}: no new contracts after the horizon, every "
                    "contract paid to its end"
                )
                boxes.append(
                    (
                        shown(row, "p_ruin_including_runoff"),
                        f"{label('p_ruin_including_runoff', 'P(ruin including the run-off)')}; {runoff}",
                    )
                )
            for column in (
                "obligations_after_horizon_median_usd",
                "revenue_final_year_median_usd",
                "cash_final_year_median_usd",
            ):
                if column in headline.columns:
                    boxes.append((shown(row, column), label(column, column)))
        else:
            for _, lab_row in headline.iterrows():
                interval = f"{shown(lab_row, 'p_ruin_low')} to {shown(lab_row, 'p_ruin_high')}"
                boxes.append((shown(lab_row, "p_ruin"), f"P(ruin), lab {lab_row['lab']}; 95% interval {interval}"))
                if "p_ruin_including_runoff" in headline.columns:
                    boxes.append(
                        (
                            shown(lab_row, "p_ruin_including_runoff"),
                            f"P(ruin including the run-off), lab {lab_row['lab']}; owes "
                            f"{shown(lab_row, 'obligations_after_horizon_median_usd')} after the horizon (median)",
                        )
                    )
            shared = ("scenario_name", "draws", "seed", "horizon_years", "start")
            extra = (
                '<div class="single">'
                + _figure(charts.ruin_by_lab_chart(headline), "P(ruin) of each lab")
                + "</div>"
                + _html_table(headline, units=units, hide=shared)
            )
        note = (
            f"{format_number(row.get('draws'))} draws; horizon {format_number(row.get('horizon_years'))} years "
            f"from {row.get('start')}. The interval is the Monte Carlo uncertainty of the estimate, not of the world."
        )
        if len(labs) > 1:
            note = f"{len(labs)} labs: {', '.join(labs)}. " + note
    elif "p_ruin" in record.metrics:
        boxes.append((format_percent(record.metrics["p_ruin"]), "P(ruin within the horizon)"))
    if not boxes:
        return ""
    return _section("headline", "Headline", f'{_figure_boxes(boxes)}<p class="note">{_e(note)}</p>{extra}')


def _figure_boxes(boxes: Iterable[tuple[str, str]]) -> str:
    """A row of headline figures, each ``(value, label)``."""
    content = "".join(
        f'<div class="figure-box"><div class="value">{_e(value)}</div><div class="label">{_e(label)}</div></div>'
        for value, label in boxes
    )
    return f'<div class="headline">{content}</div>'


def _fan_section(tables: Mapping[str, pd.DataFrame]) -> str:
    fan = tables.get("fan")
    if fan is None or fan.empty:
        return ""
    several = len(table_labs(fan)) > 1
    figures = []
    for variable in pd.unique(fan["variable"]):
        name = str(variable)
        label = charts.variable_label(fan, name)
        if several:
            figures.append(_figure(charts.lab_fans_chart(fan, name), f"{label} of each lab"))
        else:
            figures.append(_figure(charts.fan_chart(fan, name), f"fan chart of {label}"))
    market = tables.get("market")
    if several and market is not None and not market.empty:
        for variable in pd.unique(market["variable"]):
            label = charts.variable_label(market, str(variable))
            figures.append(_figure(charts.fan_chart(market, str(variable)), f"fan chart of {label}"))
    period = str(fan["period"].iloc[0])
    note = "Shaded: 5-95% and 25-75% of draws; line: the median draw. Revenue and unserved demand are " + (
        "monthly flows annualised (times 12)."
        if period == "month"
        else "yearly totals (the run kept no monthly arrays)."
    )
    if several:
        note += " Each lab's panel shares the y axis with the others; the market's demand is shared by all labs."
    return _section("outlook", "Outlook", f'<p class="note">{_e(note)}</p><div class="charts">{"".join(figures)}</div>')


def _ruin_section(tables: Mapping[str, pd.DataFrame]) -> str:
    curve = tables.get("ruin_curve")
    if curve is None or curve.empty:
        return ""
    labs = table_labs(curve)
    described = _units_of(tables, "ruin_curve").get("p_ruin", ColumnUnit("", "P(ruin)"))
    by_lab = [(lab, lab_rows(curve, lab)) for lab in labs] if labs else [("", curve)]
    first = by_lab[0][1].iloc[11::12]
    by_year = pd.DataFrame({"by the end of": [str(d)[:4] for d in first["date"]]})
    units: dict[str, ColumnUnit] = {}
    for lab, rows in by_lab:
        column = f"P(ruin), lab {lab}" if len(by_lab) > 1 else "P(ruin)"
        by_year[column] = rows["p_ruin"].to_numpy()[11::12]
        units[column] = ColumnUnit(described.unit, column)
    body = (
        '<div class="charts">'
        + _figure(charts.ruin_chart(curve), "P(ruin) over time")
        + f"<div>{_html_table(by_year, units=units)}</div></div>"
    )
    return _section("ruin", "P(ruin) over time", body)


def _company_pnl_section(tables: Mapping[str, pd.DataFrame]) -> str:
    pnl = tables.get("company_pnl")
    if pnl is None:
        return ""
    units = _units_of(tables, "company_pnl")
    body = _per_lab(pnl, lambda rows, _lab: _html_table(rows, units=units, hide=("units",)))
    return _section(
        "pnl",
        "Company P&L by year",
        '<p class="note">Mean over draws. Profit is revenue minus inference, training and other '
        "operating costs; financing is shown below the line.</p>" + body,
    )


def _cohort_section(tables: Mapping[str, pd.DataFrame]) -> str:
    cohorts = tables.get("cohort_pnl")
    if cohorts is None:
        return ""
    units = _units_of(tables, "cohort_pnl")
    return _section(
        "cohorts",
        "Each model as a company",
        '<p class="note">Per-model P&amp;L, mean over draws: training spent on the model, and the '
        "revenue and inference cost while it was the frontier model. Release month counts from the "
        "start (-1: before it).</p>" + _per_lab(cohorts, lambda rows, _lab: _html_table(rows, units=units)),
    )


def _summary_section(tables: Mapping[str, pd.DataFrame]) -> str:
    summary = tables.get("summary")
    if summary is None:
        return ""
    units = _units_of(tables, "summary")
    return _section(
        "summary",
        "Summary by year",
        "<details><summary>Quantiles of the key yearly outcomes over draws</summary>"
        + _per_lab(summary, lambda rows, _lab: _html_table(rows, units=units, hide=("units",)))
        + "</details>",
    )


def _milestone_section(tables: Mapping[str, pd.DataFrame]) -> str:
    milestones = labelled_milestones(tables.get("milestones"))
    capability = tables.get("capability")
    if (milestones is None or milestones.empty) and capability is None:
        return ""
    parts = []
    if milestones is not None and not milestones.empty:
        units = _units_of(tables, "milestones")
        several = len(table_labs(milestones)) > 1

        def lab_part(rows: pd.DataFrame, lab: str) -> str:
            alt = f"capability milestone dates, lab {lab}" if several else "capability milestone dates"
            return (
                '<div class="single">'
                + _figure(charts.milestone_chart(rows, lab=lab if several else None), alt)
                + "</div>"
                + _html_table(rows, units=units)
            )

        parts.append(
            '<p class="note">Dates are months in which the draw first reaches the milestone; an empty date means '
            "fewer than that share of draws reach it within the horizon.</p>" + _per_lab(milestones, lab_part)
        )
    if capability is not None and not capability.empty:
        several = len(table_labs(capability)) > 1
        figures = [
            _figure(
                charts.lab_fans_chart(capability, str(v)) if several else charts.fan_chart(capability, str(v)),
                charts.variable_label(capability, str(v)),
            )
            for v in pd.unique(capability["variable"])
        ]
        parts.append(f'<div class="charts">{"".join(figures)}</div>')
    return _section("milestones", "Capability milestones", "".join(parts))


def _json_artifact(record: RecordLike, name: str) -> dict[str, Any] | None:
    payload = record.artifacts.get(name)
    if payload is None:
        return None
    try:
        parsed = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _dig(mapping: object, *keys: str) -> object:
    """``mapping[k1][k2]...`` or None when any step is missing."""
    for key in keys:
        if not isinstance(mapping, dict) or key not in mapping:
            return None
        mapping = mapping[key]
    return mapping


def _objective_formatter(record: RecordLike) -> Callable[[object], str]:
    """How to show the objective: by the unit the frontier or comparison table declares for it.

    The JSON summaries (``optimize.json``, ``frontier.json``) give the
    objective in USD (``objective_mean_usd``), which is the default.
    """
    for table in ("comparison", "frontier"):
        described = _units_of(record.tables, table).get("objective mean")
        if described is not None:
            return unit_formatter(described.unit)
    return format_money


def _evaluation_boxes(record: RecordLike, figures: dict[str, Any], sample: str) -> list[tuple[str, str]]:
    """P(ruin) with its Wilson interval and the objective's mean of one evaluated policy (its JSON figures)."""
    interval = figures.get("p_ruin_wilson")
    text = f"P(ruin) on {sample}"
    if isinstance(interval, list) and len(interval) == 2:
        text += f"; 95% interval {format_percent(interval[0])} to {format_percent(interval[1])}"
    mean, se = figures.get("objective_mean_usd"), figures.get("objective_se_usd")
    objective = _objective_formatter(record)
    return [
        (format_percent(figures.get("p_ruin")), text),
        (objective(mean), f"objective, mean (± {objective(se)} SE)"),
    ]


def _recommendation(record: RecordLike, summary: dict[str, Any] | None) -> str:
    """Key figures of the recommended policy, from optimize.json or the comparison table."""
    boxes: list[tuple[str, str]] = []
    label = _dig(summary, "recommended", "label")
    figures = _dig(summary, "recommended", "validation")
    comparison = record.tables.get("comparison")
    if isinstance(figures, dict):
        boxes += _evaluation_boxes(record, figures, "fresh draws")
    elif comparison is not None and "policy" in comparison.columns:
        chosen = comparison[comparison["policy"].astype(str).str.startswith("recommended")]
        if len(chosen):
            row = chosen.iloc[0]
            label = label or str(row["policy"]).removeprefix("recommended: ")

            def shown(column: str) -> str:
                return _formatted(record.tables, "comparison", column, row.get(column))

            boxes.append(
                (
                    shown("P(ruin)"),
                    f"P(ruin); 95% interval {shown('P(ruin) low')} to {shown('P(ruin) high')}",
                )
            )
            boxes.append((shown("objective mean"), f"objective, mean (± {shown('objective se')} SE)"))
    if label is None and not boxes:
        return '<p class="note">No recommendation was recorded.</p>'
    parts = [f"<h3>Recommended policy: {_e(label if label is not None else '(unnamed)')}</h3>"]
    confirmed = _dig(summary, "recommended", "confirmed")
    if confirmed is not None:
        verdict = "confirmed" if confirmed is True else "NOT confirmed"
        parts.append(f'<p class="note">The fresh validation sample {_e(verdict)} the ruin limit.</p>')
    if boxes:
        parts.append(_figure_boxes(boxes))
    parts.append(_settings_list(summary))
    messages = _dig(summary, "messages")
    if isinstance(messages, list) and messages:
        parts.append("<ul>" + "".join(f"<li>{_e(m)}</li>" for m in messages) + "</ul>")
    return "".join(parts)


def _frontier_chart(record: RecordLike) -> str:
    """The recorded frontier.png, else a chart drawn from the ``frontier`` table ("" without either)."""
    frontier = record.tables.get("frontier")
    png = record.artifacts.get("frontier.png")
    if png is not None and png.startswith(_PNG_SIGNATURE):
        return "<h3>Frontier</h3>" + _png_image(png, "efficient frontier")
    if frontier is not None and not frontier.empty:
        try:
            return "<h3>Frontier</h3>" + _figure(charts.frontier_chart(frontier), "efficient frontier")
        except ValueError as error:
            return f'<p class="note">The frontier cannot be drawn: {_e(error)}</p>'
    return ""


def _settings_list(summary: dict[str, Any] | None) -> str:
    """The search settings of optimize.json or frontier.json as a definition list ("" without them)."""
    settings = _dig(summary, "settings")
    if not isinstance(settings, dict):
        return ""
    described = [
        ("policy family", settings.get("family")),
        ("parameter", settings.get("parameter")),
        ("objective", _dig(settings, "objective", "description")),
        ("ruin limit", format_percent(settings.get("max_ruin")) if _finite(settings.get("max_ruin")) else None),
        ("search draws", settings.get("draws")),
        ("validation draws", settings.get("validation_draws")),
    ]
    meta = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in described if v is not None)
    return f'<dl class="meta">{meta}</dl>'


def _traced_frontier_section(record: RecordLike) -> str:
    """A ``frontier`` record: every candidate on the search draws and the best feasible one."""
    summary = _json_artifact(record, "frontier.json")
    parts = [
        '<p class="note">Every candidate of the policy family and the naive policies, evaluated on the same '
        "search draws (common random numbers). These are search-sample figures: <code>frontiersim optimize</code> "
        "refines the best feasible candidate and re-checks it on fresh draws.</p>"
    ]
    best = _dig(summary, "best_feasible")
    if isinstance(best, dict):
        parts.append(f"<h3>Best feasible candidate: {_e(best.get('label', '(unnamed)'))}</h3>")
        parts.append(_figure_boxes(_evaluation_boxes(record, best, "the search draws")))
    elif summary is not None and _finite(_dig(summary, "settings", "max_ruin")):
        parts.append('<p class="warning">No candidate meets the ruin limit on the search draws.</p>')
    parts.append(_settings_list(summary))
    parts.append(_frontier_chart(record))
    frontier = record.tables.get("frontier")
    if frontier is not None:
        units = _units_of(record.tables, "frontier")
        parts.append("<h3>Every candidate and naive policy</h3>" + _html_table(frontier, units=units))
    if "frontier.json" in record.artifacts:
        text = _decode_text(record.artifacts["frontier.json"])
        parts.append("<details><summary>frontier.json</summary>" + _pre(text) + "</details>")
    return _section("optimize", "Frontier", "".join(parts))


def _optimize_section(record: RecordLike) -> str:
    summary = _json_artifact(record, "optimize.json")
    parts = [_recommendation(record, summary), _frontier_chart(record)]
    frontier = record.tables.get("frontier")
    comparison = record.tables.get("comparison")
    if comparison is not None:
        parts.append(
            "<h3>The recommendation against the naive policies (fresh draws)</h3>"
            '<p class="note">"vs chosen": paired (common random numbers) difference of the objective, policy '
            "minus the recommendation.</p>" + _html_table(comparison, units=_units_of(record.tables, "comparison"))
        )
    schedule = record.tables.get("schedule")
    if schedule is not None:
        parts.append(
            "<h3>Commitment schedule of the recommended policy</h3>"
            + _html_table(schedule, units=_units_of(record.tables, "schedule"))
        )
    if frontier is not None:
        parts.append(
            "<details><summary>Every candidate of the search</summary>"
            + _html_table(frontier, units=_units_of(record.tables, "frontier"))
            + "</details>"
        )
    if "optimize.json" in record.artifacts:
        text = _decode_text(record.artifacts["optimize.json"])
        parts.append("<details><summary>optimize.json</summary>" + _pre(text) + "</details>")
    return _section("optimize", "Frontier and recommended policy", "".join(parts))


def _backtest_section(record: RecordLike) -> str:
    parts = [
        _png_image(png, name)
        for name, png in record.artifacts.items()
        if name.startswith("backtest_") and name.endswith(".png") and png.startswith(_PNG_SIGNATURE)
    ]
    coverage = record.tables.get("coverage")
    if coverage is not None:
        parts.append(
            "<h3>Coverage of the predictive intervals</h3>"
            + _html_table(coverage, units=_units_of(record.tables, "coverage"))
        )
    if "backtest.txt" in record.artifacts:
        parts.append(_pre(_decode_text(record.artifacts["backtest.txt"])))
    backtest = record.tables.get("backtest")
    if backtest is not None:
        parts.append(
            "<h3>Every out-of-sample forecast</h3>" + _html_table(backtest, units=_units_of(record.tables, "backtest"))
        )
    if not parts:
        parts.append('<p class="note">No backtest tables were recorded.</p>')
    return _section("backtest", "Backtest", "".join(parts))


def _other_tables_section(record: RecordLike) -> str:
    others = [name for name in record.tables if name not in _KNOWN_TABLES]
    if not others:
        return ""
    parts = [
        f"<details><summary>{_e(name)}</summary>"
        f"{_html_table(record.tables[name], units=_units_of(record.tables, name))}</details>"
        for name in others
    ]
    return _section("other", "Other tables", "".join(parts))


# -- scenario ---------------------------------------------------------------


def _toml_value(value: object) -> str:
    """A TOML value written back compactly (for the key table)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = number_text(value)
    elif isinstance(value, str):
        text = without_e_notation(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(_toml_value(v) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    else:
        text = str(value)
    return text


def _default_value(value: object) -> str:
    if isinstance(value, Distribution):
        return value.describe()
    return _toml_value(value)


@dataclass(frozen=True)
class ScenarioKey:
    """One scenario key as the report lists it.

    Attributes
    ----------
    path : str
        Dotted key path, e.g. ``demand.growth_per_year``.
    value : str
        The value the run used, written as in TOML (a default distribution
        as its description).
    from_scenario : bool
        Whether the scenario sets it (else it is the default).
    meaning, allowed, source : str
        The key's documentation with its unit, its allowed values and the
        source of its default (empty for keys the schema does not know).
    """

    path: str
    value: str
    from_scenario: bool
    meaning: str
    allowed: str
    source: str


#: Sections that a scenario replaces as a whole when it gives them (their keys are names, not fixed).
_WHOLE_TABLE_SECTIONS = frozenset({"capability.milestones"})


def _subtable(data: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    """The table at a dotted path of the scenario, or an empty one."""
    table: object = data
    for part in path.split("."):
        table = table.get(part) if isinstance(table, Mapping) else None
    return table if isinstance(table, Mapping) else {}


def _unknown(path: str, value: object) -> ScenarioKey:
    return ScenarioKey(path, _toml_value(value), True, "(not a key of the schema)", "", "")


def _section_keys(table_name: str, section_type: type, table: Mapping[str, Any]) -> list[ScenarioKey]:
    """The keys of one section: set by the scenario or default, with their specification."""
    specs = field_specs(section_type)
    if table_name in _WHOLE_TABLE_SECTIONS and table:
        model = next(iter(specs.values()), None)
        meaning = model.doc if model is not None else ""
        return [
            ScenarioKey(
                f"{table_name}.{key}", _toml_value(value), True, meaning, "", "the scenario (replaces the defaults)"
            )
            for key, value in table.items()
        ]
    defaults = section_type()
    rows = []
    for key, spec in specs.items():
        given = key in table
        value = _toml_value(table[key]) if given else _default_value(getattr(defaults, key))
        rows.append(ScenarioKey(f"{table_name}.{key}", value, given, spec.doc, spec.bounds_text(), spec.source))
    return rows


def _sections_read(data: Mapping[str, Any]) -> set[str] | None:
    """The sections whose keys the scenario's model reads, or None if the scenario does not validate."""
    try:
        scenario = parse_scenario(data, extra_sections=extension_sections())
    except (ScenarioError, ValueError, TypeError):
        return None
    return {key.split(".")[0] for key in used_keys(scenario)}


def scenario_keys(data: Mapping[str, Any]) -> list[ScenarioKey]:
    """Every scenario key: its value in the scenario (or its default) and its specification.

    Parameters
    ----------
    data : mapping
        The scenario as read from TOML.

    Returns
    -------
    list of ScenarioKey
        The keys of every section of :func:`frontiersim.scenario.schema.section_types`
        (of the policy, only the kind in use; the ``[capability]`` keys only
        when the scenario has that table or its model reads them, as
        :func:`frontiersim.models.registry.used_keys` says; every section when
        the scenario no longer validates), in order, then any key the schema
        does not know.

    Examples
    --------
    >>> rows = scenario_keys({"scenario": {"name": "x"}, "demand": {"growth_per_year": 3.0}})
    >>> [(r.value, r.from_scenario) for r in rows if r.path == "demand.growth_per_year"]
    [('3', True)]
    >>> any(r.path == "finance.starting_cash_usd" and not r.from_scenario for r in rows)
    True
    >>> any(r.path.startswith("capability.") for r in rows)
    False
    >>> capability = {"scenario": {"name": "x"}, "demand": {"kind": "capability"}}
    >>> any(r.path.startswith("capability.") for r in scenario_keys(capability))
    True
    """
    sections = section_types()
    section_paths = {"policy" if name.startswith("policy (") else name for name in sections}
    policy = _subtable(data, "policy")
    policy_kind = policy.get("kind", "growth_hedge")
    read = _sections_read(data)
    capability_unused = "capability" not in data and read is not None and "capability" not in read
    rows: list[ScenarioKey] = []
    for section, section_type in sections.items():
        table_name = section
        if capability_unused and (section == "capability" or section.startswith("capability.")):
            continue  # the capability keys matter only when capability drives demand
        if section.startswith("policy (kind = "):
            if section != f"policy (kind = {policy_kind!r})":
                continue
            table_name = "policy"
            kinds = [name[len("policy (kind = ") : -1] for name in sections if name.startswith("policy (kind = ")]
            rows.append(
                ScenarioKey(
                    "policy.kind",
                    _toml_value(policy_kind),
                    "kind" in policy,
                    "Procurement policy: how much compute to commit at each decision.",
                    "one of " + ", ".join(kinds),
                    "assumption (default 'growth_hedge')",
                )
            )
        table = _subtable(data, table_name)
        rows += _section_keys(table_name, section_type, table)
        specs = field_specs(section_type)
        free_tables = {
            name: table_spec
            for name, table_spec in table_specs(section_type).items()
            if table_spec.section_type is None
        }
        for key, value in table.items():
            path = f"{table_name}.{key}"
            nested = any(p == path or p.startswith(path + ".") for p in section_paths)
            known = key in specs or (table_name == "policy" and key == "kind") or table_name in _WHOLE_TABLE_SECTIONS
            if key in free_tables and not nested:
                rows.append(ScenarioKey(path, _toml_value(value), True, free_tables[key].doc, "", "the scenario"))
            elif not known and not nested:
                rows.append(_unknown(path, value))
    labs = data.get("labs")
    if isinstance(labs, Mapping):
        rows += _lab_keys(labs, str(policy_kind))
    top_level = {path.split(".")[0] for path in section_paths} | ({"labs"} if isinstance(labs, Mapping) else set())
    rows += [_unknown(str(name), value) for name, value in data.items() if name not in top_level]
    return rows


#: Source of a key a lab sets itself.
_LAB_SOURCE = "the scenario: this lab's own value (without it, the lab takes the shared key)"


def _lab_keys(labs: Mapping[str, Any], shared_policy_kind: str) -> list[ScenarioKey]:
    """The keys each ``[labs.NAME]`` table sets, with the specification of the shared key they replace."""
    rows: list[ScenarioKey] = []
    for name, lab in labs.items():
        if not isinstance(lab, Mapping):
            rows.append(_unknown(f"labs.{name}", lab))
            continue
        if not lab:
            meaning = "A lab that sets no key of its own: it takes every shared key and an equal part of the market."
            rows.append(ScenarioKey(f"labs.{name}", "{}", True, meaning, "", "the scenario"))
        for key, value in lab.items():
            path = f"labs.{name}.{key}"
            if key == "market_share":
                rows.append(
                    ScenarioKey(
                        path,
                        _toml_value(value),
                        True,
                        "The lab's share of demand under [market] share_rule = 'fixed' (a fraction); labs "
                        "without one share what the others leave equally.",
                        "in (0, 1]",
                        _LAB_SOURCE,
                    )
                )
            elif key in LAB_SECTIONS and isinstance(value, Mapping):
                own_kind = value.get("kind") if key == "policy" else None
                policy_kind = str(own_kind) if own_kind is not None else shared_policy_kind
                for sub, sub_value in value.items():
                    rows.append(_lab_key(f"{path}.{sub}", key, str(sub), sub_value, policy_kind))
            else:
                rows.append(_unknown(path, value))
    return rows


def _lab_key(path: str, section: str, key: str, value: object, policy_kind: str) -> ScenarioKey:
    """One key of a lab's section, documented as the shared key of the same name."""
    if section == "policy" and key == "kind":
        return ScenarioKey(
            path,
            _toml_value(value),
            True,
            "The lab's own procurement policy (it replaces the shared [policy] for this lab).",
            "one of " + ", ".join(POLICY_KINDS),
            _LAB_SOURCE,
        )
    try:
        spec = field_spec(f"{section}.{key}", policy_kind=policy_kind if section == "policy" else None)
    except KeyError:
        return _unknown(path, value)
    return ScenarioKey(path, _toml_value(value), True, spec.doc, spec.bounds_text(), _LAB_SOURCE)


def _scenario_section(record: RecordLike) -> str:
    text = record.scenario_text
    if not text:
        note = "This record holds no scenario"
        note += " (a backtest fits the shipped revenue reports)." if record.kind == "backtest" else "."
        return _section("scenario", "Scenario", f'<p class="note">{_e(note)}</p>')
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        key_table = f'<p class="warning">The stored scenario text is not valid TOML ({_e(error)}); keys not listed.</p>'
    else:
        body = []
        for row in scenario_keys(data):
            origin = "scenario" if row.from_scenario else "default"
            css = "" if row.from_scenario else ' class="default"'
            body.append(
                f"<tr{css}><td><code>{_breakable(row.path)}</code></td><td><code>{_e(row.value)}</code></td>"
                f"<td>{_e(origin)}</td><td>{_e(row.meaning)}</td><td>{_e(row.allowed)}</td><td>{_e(row.source)}</td></tr>"
            )
        key_table = (
            '<p class="note">Every key of the scenario: the value the run used, whether the scenario set it or '
            "it is the default, its meaning and unit, its allowed range, and the source of the default. "
            "Sources are given as text.</p>"
            '<div class="table-wrap"><table class="keys"><colgroup><col class="key"><col class="value">'
            '<col class="from"><col class="meaning"><col class="allowed"><col class="source"></colgroup>'
            "<thead><tr><th>key</th><th>value</th><th>from</th>"
            "<th>meaning (unit)</th><th>allowed</th><th>source of the default</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )
    return _section(
        "scenario",
        "Scenario",
        key_table + "<details><summary>The scenario file as run</summary>" + _pre(text) + "</details>",
    )


def _navigation(sections: Iterable[tuple[str, str]]) -> str:
    links = "".join(f'<a href="#{_e(anchor)}">{_e(title)}</a>' for anchor, title in sections)
    return f"<nav>{links}</nav>"


#: The section of a record of a policy search, by kind (shown under the ``optimize`` anchor).
_SEARCH_SECTIONS: dict[str, Callable[[RecordLike], str]] = {
    "optimize": _optimize_section,
    "frontier": _traced_frontier_section,
}

_TITLES = {
    "headline": "Headline",
    "optimize": "Frontier and policy",
    "backtest": "Backtest",
    "outlook": "Outlook",
    "ruin": "P(ruin)",
    "pnl": "P&L",
    "cohorts": "Models",
    "milestones": "Milestones",
    "summary": "Summary",
    "scenario": "Scenario",
    "other": "Other tables",
}


def render_report(record: RecordLike) -> str:
    """One self-contained HTML page of a stored run.

    Parameters
    ----------
    record : RecordLike
        A ``frontiersim.store.RunRecord`` (or any object with its attributes).

    Returns
    -------
    str
        The HTML: inline CSS and base64 PNG charts; no scripts, fonts or
        references outside the file. It shows the run's details, P(ruin)
        with its interval, fan charts of revenue, demand, capacity, cash and
        unserved demand, P(ruin) over time, the company P&L by year, the
        per-model cohort table, the frontier and recommended policy (for an
        optimization; the frontier and its best feasible candidate for a
        traced frontier), the backtest tables (for a backtest), milestone dates
        (where capability drives demand) and every scenario key with the
        source of its default, each lab's own keys included. A run of
        several labs shows every lab (see the module notes). Numbers are
        shown by the units the record's ``units`` table declares. Sections
        whose tables the record lacks are left out.
    """
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    tables = record.tables
    sections: list[tuple[str, str]] = [
        ("headline", _headline_section(record)),
        ("optimize", _SEARCH_SECTIONS[record.kind](record) if record.kind in _SEARCH_SECTIONS else ""),
        ("backtest", _backtest_section(record) if record.kind == "backtest" else ""),
        ("outlook", _fan_section(tables)),
        ("ruin", _ruin_section(tables)),
        ("pnl", _company_pnl_section(tables)),
        ("cohorts", _cohort_section(tables)),
        ("milestones", _milestone_section(tables)),
        ("summary", _summary_section(tables)),
        ("scenario", _scenario_section(record)),
        ("other", _other_tables_section(record)),
    ]
    shown = [(anchor, body) for anchor, body in sections if body]
    titles = {**_TITLES, "optimize": "Frontier"} if record.kind == "frontier" else _TITLES
    navigation_entries = [(anchor, titles[anchor]) for anchor, _ in shown]
    title = f"{record.scenario_name or record.kind} · frontiersim report"
    artifacts = ", ".join(f"{name} ({len(payload):,} bytes)" for name, payload in record.artifacts.items())
    footer = (
        f"Made by frontiersim {__version__} on {generated} (UTC). This file is self-contained: it references "
        "nothing outside itself and opens offline."
    )
    if artifacts:
        footer += f" Files kept with the run: {artifacts}."
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CONTENT_SECURITY_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="generator" content="frontiersim">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body><main>"
        + _header_section(record, generated)
        + _navigation(navigation_entries)
        + "".join(body for _, body in shown)
        + f"<footer>{_e(footer)}</footer></main></body></html>\n"
    )


def _seed(value: object) -> int | None:
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def record_from_result(result: SimulationResult, *, message: str = "") -> ResultRecord:
    """A record of a result in memory, as the store would hold it (without per-draw tables).

    Parameters
    ----------
    result : SimulationResult
    message : str
        One-line message shown in the report's header.

    Returns
    -------
    ResultRecord
    """
    attrs = result.dataset.attrs
    tables = run_tables(result)
    headline = tables["headline"].iloc[0]  # the first lab's figures, as the store keeps them
    created = str(attrs.get("created_utc", ""))
    text = attrs.get("scenario_toml")
    return ResultRecord(
        run_id="",
        kind="run",
        status="complete",
        created_utc=created,
        finished_utc=created or None,
        scenario_name=str(attrs.get("scenario_name", "")),
        scenario_sha256=str(attrs.get("scenario_sha256", "")),
        seed=_seed(attrs.get("seed_entropy")),
        draws=result.draws,
        message=message,
        frontiersim_version=str(attrs.get("frontiersim_version", __version__)),
        metrics={
            name: float(headline[name])
            for name in ("p_ruin", "revenue_final_year_median_usd", "cash_final_year_median_usd")
        },
        scenario_text=text if isinstance(text, str) else "",
        command=[],
        tables=tables,
    )


def report_from_result(result: SimulationResult, *, message: str = "") -> str:
    """The HTML report of a result held in memory (see :func:`render_report`).

    Parameters
    ----------
    result : SimulationResult
    message : str
        One-line message shown in the report's header.

    Returns
    -------
    str

    Examples
    --------
    >>> import frontiersim as fs
    >>> page = report_from_result(fs.simulate(fs.bundled("default"), draws=100, seed=1), message="first look")
    >>> page.startswith("<!DOCTYPE html>") and "first look" in page
    True
    """
    return render_report(record_from_result(result, message=message))


__all__ = [
    "RecordLike",
    "ResultRecord",
    "ScenarioKey",
    "column_header",
    "record_from_result",
    "render_report",
    "report_from_result",
    "scenario_keys",
    "unit_formatter",
]
