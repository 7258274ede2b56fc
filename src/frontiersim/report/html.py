"""A self-contained HTML report of one stored run (or of a result in memory).

:func:`render_report` turns a run record (``frontiersim.store.RunRecord``, or
anything with the attributes of :class:`RecordLike`) into one HTML page:
inline CSS, charts embedded as SVG images (base64 ``data:`` URIs), no
scripts, no fonts, no links to anything outside the file. It opens offline and can be
sent by mail. A Content-Security-Policy in the page forbids the browser from
fetching anything but the embedded images.

The page comes from Jinja2 templates (``report/templates``) with
autoescaping: everything that comes from the user (scenario text, message,
names, table cells) is HTML-escaped; URLs in sources are plain text, never
links. The Python here chooses what to show and formats numbers by their
units; the templates lay it out.

Charts
------
Each chart is drawn from its one definition in :mod:`frontiersim.charts`
(the dashboard draws the same definitions) and rendered to SVG offline by
``vl-convert``. The SVG is embedded as an image (``<img src="data:...">``)
rather than inline markup: an image cannot run script nor restyle the page,
the Content-Security-Policy stays "images from ``data:`` only", and the
charts print as vectors. A recorded ``frontier.png`` is shown only for an
old record whose frontier table is missing.

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
import functools
import json
import math
import re
import shlex
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import jinja2
import numpy as np
import pandas as pd

from frontiersim._version import __version__
from frontiersim.charts import frontier as frontier_charts
from frontiersim.charts import render
from frontiersim.charts import run as run_charts
from frontiersim.charts.scales import is_money
from frontiersim.models.catalogue import labelled_milestones
from frontiersim.models.registry import extension_sections, used_keys
from frontiersim.results.result import SimulationResult
from frontiersim.results.tables import PROBABILITY, ColumnUnit, column_units, lab_rows, run_tables, table_labs
from frontiersim.scenario.correlations import SECTION as CORRELATIONS
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
        "sensitivity",
        "sensitivity_inputs",
        "sensitivity_outcomes",
        "market",
        "units",
    }
)

#: Units whose numbers are plain integers (a calendar year, a month index counted from the start).
_INTEGER_UNITS = frozenset({"year", "month"})

#: Units the formatted number already shows (money, percent) or that need no mention.
_SELF_EVIDENT_UNITS = frozenset({"", PROBABILITY, "year", "month"})

#: The browser may fetch nothing: only inline styles and embedded (data:) images.
_CONTENT_SECURITY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'"


class RecordLike(Protocol):
    """What the report reads of a stored run (the attributes of ``frontiersim.store.RunRecord``)."""

    @property
    def run_id(self) -> str:
        """Identifier of the run."""

    @property
    def kind(self) -> str:
        """``"run"``, ``"optimize"``, ``"frontier"``, ``"backtest"`` or ``"sensitivity"``."""

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
    if is_money(unit):
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


@dataclass(frozen=True)
class Cell:
    """One cell of a table: its text (escaped by the template), and whether it is a number (right-aligned)."""

    text: str
    numeric: bool = False
    code: bool = False

    @property
    def parts(self) -> list[str]:
        """A key path cut after its dots and underscores, where it may wrap."""
        return re.findall(r"[^._]*[._]|[^._]+$", self.text) or [self.text]


@dataclass(frozen=True)
class Row:
    """One row of a table."""

    cells: list[Cell]
    css: str = ""


@dataclass(frozen=True)
class Table:
    """A table as the template lays it out: headers, rows, and a note counting rows not shown."""

    headers: list[Cell]
    rows: list[Row]
    more: str = ""
    css: str = ""
    columns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Figure:
    """A chart as an embedded image: a ``data:`` URI (SVG drawn from a chart definition, or a recorded PNG)."""

    src: str
    alt: str
    chart: str
    caption: str = ""
    wide: bool = False


@dataclass(frozen=True)
class Box:
    """A headline figure: its value and what it is."""

    value: str
    label: str


@dataclass(frozen=True)
class Pre:
    """Preformatted text, cut at :data:`MAX_TEXT_CHARACTERS` with a note counting the rest."""

    text: str
    more: str = ""


@dataclass(frozen=True)
class Section:
    """One section of the page: its anchor, heading, the macro of ``sections.html.j2`` and its context."""

    anchor: str
    title: str
    macro: str
    context: dict[str, Any]
    nav: str = ""


def _html_table(
    frame: pd.DataFrame,
    *,
    units: Mapping[str, ColumnUnit] | None = None,
    formatters: Mapping[str, Callable[[object], str]] | None = None,
    headers: Mapping[str, str] | None = None,
    hide: Iterable[str] = (),
    max_rows: int = MAX_TABLE_ROWS,
) -> Table:
    """A table of formatted cells (escaped by the template), numbers right-aligned.

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
        return Table([], [])
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
    head = [Cell((headers or {}).get(c) or column_header(c, declared.get(c)), numeric[c]) for c in columns]
    body = []
    for _, row in frame.head(max_rows).iterrows():
        cells = []
        for column in columns:
            formatter = chosen[column]
            if column in row_units:
                formatter = unit_formatter(str(row[row_units[column]]), with_unit=True)
            value = row[column]
            text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else formatter(value)
            cells.append(Cell(text, numeric[column]))
        body.append(Row(cells))
    more = f"{len(frame) - max_rows:,} more rows not shown ({len(frame):,} in all)." if len(frame) > max_rows else ""
    return Table(head, body, more)


def _units_of(tables: Mapping[str, pd.DataFrame], name: str) -> dict[str, ColumnUnit]:
    """The declared units of table ``name`` of a record (empty without a ``units`` table)."""
    return column_units(tables.get("units"), name)


def _formatted(units: Mapping[str, ColumnUnit], column: str, value: object) -> str:
    """One value of a table's column, shown by the column's declared unit (``units``: :func:`_units_of` the table)."""
    described = units.get(column)
    return unit_formatter(described.unit if described is not None else "")(value)


def _per_lab(table: pd.DataFrame, render: Callable[[pd.DataFrame, str], Any]) -> list[tuple[str, Any]]:
    """``(lab, render(rows, lab))`` of each lab's rows; the lab is ``""`` when there is one lab (no heading)."""
    labs = table_labs(table)
    if len(labs) <= 1:
        return [("", render(lab_rows(table, labs[0]) if labs else table, labs[0] if labs else ""))]
    return [(lab, render(lab_rows(table, lab), lab)) for lab in labs]


def _png_image(png: bytes, alt: str, name: str, caption: str = "") -> Figure:
    """A recorded PNG, embedded as a base64 data URI."""
    return Figure(f"data:image/png;base64,{base64.b64encode(png).decode('ascii')}", alt, name, caption)


def _chart(chart: Any, alt: str, name: str, caption: str = "") -> Figure:
    """A chart of :mod:`frontiersim.charts` rendered to SVG (offline, by vl-convert) and embedded as a data URI."""
    spec = render.spec(chart)
    encoded = base64.b64encode(render.svg(spec).encode("utf-8")).decode("ascii")
    return Figure(f"data:image/svg+xml;base64,{encoded}", alt, name, caption, wide="facet" in spec)


def _pre(text: str) -> Pre:
    more = ""
    if len(text) > MAX_TEXT_CHARACTERS:
        more = f"{len(text) - MAX_TEXT_CHARACTERS:,} more characters not shown."
    return Pre(text[:MAX_TEXT_CHARACTERS], more)


def _decode_text(payload: bytes) -> str:
    return payload.decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------


def _header(record: RecordLike) -> dict[str, Any]:
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
    return {
        "name": name,
        "kind": record.kind,
        "meta": [(label, value) for label, value in rows if value],
        "status": record.status,
        "complete": record.status == "complete",
    }


def _headline_section(record: RecordLike) -> dict[str, Any] | None:
    tables = record.tables
    headline = tables.get("headline")
    boxes: list[Box] = []
    note = ""
    lab_chart: Figure | None = None
    lab_table: Table | None = None
    if headline is not None and len(headline):
        row = headline.iloc[0]
        labs = table_labs(headline)
        units = _units_of(tables, "headline")

        def shown(frame_row: pd.Series, column: str) -> str:
            return _formatted(units, column, frame_row.get(column))

        def label(column: str, default: str) -> str:
            return units[column].label if column in units else default

        if len(labs) <= 1:
            interval = f"95% interval {shown(row, 'p_ruin_low')} to {shown(row, 'p_ruin_high')} (Wilson)"
            boxes.append(Box(shown(row, "p_ruin"), f"{label('p_ruin', 'P(ruin)')}; {interval}"))
            if "p_ruin_including_runoff" in headline.columns:
                runoff = (
                    f"95% interval {shown(row, 'p_ruin_including_runoff_low')} to "
                    f"{shown(row, 'p_ruin_including_runoff_high')}: no new contracts after the horizon, every "
                    "contract paid to its end"
                )
                boxes.append(
                    Box(
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
                    boxes.append(Box(shown(row, column), label(column, column)))
        else:
            for _, lab_row in headline.iterrows():
                interval = f"{shown(lab_row, 'p_ruin_low')} to {shown(lab_row, 'p_ruin_high')}"
                boxes.append(Box(shown(lab_row, "p_ruin"), f"P(ruin), lab {lab_row['lab']}; 95% interval {interval}"))
                if "p_ruin_including_runoff" in headline.columns:
                    boxes.append(
                        Box(
                            shown(lab_row, "p_ruin_including_runoff"),
                            f"P(ruin including the run-off), lab {lab_row['lab']}; owes "
                            f"{shown(lab_row, 'obligations_after_horizon_median_usd')} after the horizon (median)",
                        )
                    )
            shared = ("scenario_name", "draws", "seed", "horizon_years", "start")
            lab_chart = _chart(run_charts.ruin_by_lab_chart(headline), "P(ruin) of each lab", "ruin_by_lab")
            lab_table = _html_table(headline, units=units, hide=shared)
        note = (
            f"{format_number(row.get('draws'))} draws; horizon {format_number(row.get('horizon_years'))} years "
            f"from {row.get('start')}. The interval is the Monte Carlo uncertainty of the estimate, not of the world."
        )
        if len(labs) > 1:
            note = f"{len(labs)} labs: {', '.join(labs)}. " + note
    elif "p_ruin" in record.metrics:
        boxes.append(Box(format_percent(record.metrics["p_ruin"]), "P(ruin within the horizon)"))
    if not boxes:
        return None
    return {"boxes": boxes, "note": note, "lab_chart": lab_chart, "lab_table": lab_table}


def outlook_charts(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """The charts of the report's outlook, by the variable they show: each fan, then (several labs) the market's.

    The dashboard draws the same chart definitions (:func:`frontiersim.charts.run.fan_chart`).

    Parameters
    ----------
    tables : mapping of str to DataFrame
        A record's tables.

    Returns
    -------
    dict of str to altair chart
    """
    fan = tables.get("fan")
    if fan is None or fan.empty:
        return {}
    charts = {str(v): run_charts.fan_chart(fan, str(v)) for v in pd.unique(fan["variable"])}
    market = tables.get("market")
    if len(table_labs(fan)) > 1 and market is not None and not market.empty:
        charts.update({str(v): run_charts.fan_chart(market, str(v)) for v in pd.unique(market["variable"])})
    return charts


def _fan_section(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any] | None:
    fan = tables.get("fan")
    if fan is None or fan.empty:
        return None
    several = len(table_labs(fan)) > 1
    figures = []
    for name, chart in outlook_charts(tables).items():
        own = name in set(fan["variable"].astype(str))
        source = fan if own else tables["market"]
        label = run_charts.variable_label(source, name)
        alt = f"{label} of each lab" if several and own else f"fan chart of {label}"
        figures.append(_chart(chart, alt, f"fan:{name}"))
    period = str(fan["period"].iloc[0])
    note = (
        "Shaded: 5-95% and 25-75% of draws; line: the month-by-month median (the median of the draws in each "
        "month, not one draw). Money axes that span decades are on a log scale (symmetric log where values reach "
        "zero or below). Revenue and unserved demand are "
    ) + (
        "monthly flows annualised (times 12)."
        if period == "month"
        else "yearly totals (the run kept no monthly arrays)."
    )
    if several:
        note += " Each lab's panel shares the y axis with the others; the market's demand is shared by all labs."
    return {"note": note, "figures": figures}


def _ruin_section(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any] | None:
    curve = tables.get("ruin_curve")
    if curve is None or curve.empty:
        return None
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
    return {
        "chart": _chart(run_charts.ruin_chart(curve), "P(ruin) over time", "ruin"),
        "by_year": _html_table(by_year, units=units),
    }


def _company_pnl_section(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any] | None:
    pnl = tables.get("company_pnl")
    if pnl is None:
        return None
    units = _units_of(tables, "company_pnl")
    return {
        "note": "Mean over draws. Profit is revenue minus inference, training and other operating costs; "
        "financing is shown below the line.",
        "parts": _per_lab(pnl, lambda rows, _lab: _html_table(rows, units=units, hide=("units",))),
        "folded": "",
    }


def _cohort_section(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any] | None:
    cohorts = tables.get("cohort_pnl")
    if cohorts is None:
        return None
    units = _units_of(tables, "cohort_pnl")
    return {
        "note": "Per-model P&L, mean over draws: training spent on the model, and the revenue and inference cost "
        "while it was the frontier model. Release month counts from the start (-1: before it).",
        "parts": _per_lab(cohorts, lambda rows, _lab: _html_table(rows, units=units)),
        "folded": "",
    }


def _summary_section(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any] | None:
    summary = tables.get("summary")
    if summary is None:
        return None
    units = _units_of(tables, "summary")
    return {
        "note": "",
        "parts": _per_lab(summary, lambda rows, _lab: _html_table(rows, units=units, hide=("units",))),
        "folded": "Quantiles of the key yearly outcomes over draws",
    }


def _milestone_section(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any] | None:
    milestones = labelled_milestones(tables.get("milestones"))
    capability = tables.get("capability")
    if (milestones is None or milestones.empty) and capability is None:
        return None
    parts: list[tuple[str, Any]] = []
    if milestones is not None and not milestones.empty:
        units = _units_of(tables, "milestones")
        several = len(table_labs(milestones)) > 1

        def lab_part(rows: pd.DataFrame, lab: str) -> dict[str, Any]:
            alt = f"capability milestone dates, lab {lab}" if several else "capability milestone dates"
            chart = run_charts.milestone_chart(rows, lab=lab if several else None)
            return {
                "chart": _chart(chart, alt, f"milestones:{lab}" if lab else "milestones"),
                "table": _html_table(rows, units=units),
            }

        parts = _per_lab(milestones, lab_part)
    figures: list[Figure] = []
    if capability is not None and not capability.empty:
        figures = [
            _chart(run_charts.fan_chart(capability, str(v)), run_charts.variable_label(capability, str(v)), f"fan:{v}")
            for v in pd.unique(capability["variable"])
        ]
    return {"parts": parts, "capability": figures}


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


def _evaluation_boxes(record: RecordLike, figures: dict[str, Any], sample: str) -> list[Box]:
    """P(ruin) with its Wilson interval and the objective's mean of one evaluated policy (its JSON figures)."""
    interval = figures.get("p_ruin_wilson")
    text = f"P(ruin) on {sample}"
    if isinstance(interval, list) and len(interval) == 2:
        text += f"; 95% interval {format_percent(interval[0])} to {format_percent(interval[1])}"
    mean, se = figures.get("objective_mean_usd"), figures.get("objective_se_usd")
    objective = _objective_formatter(record)
    return [
        Box(format_percent(figures.get("p_ruin")), text),
        Box(objective(mean), f"objective, mean (± {objective(se)} SE)"),
    ]


def _recommendation(record: RecordLike, summary: dict[str, Any] | None) -> dict[str, Any]:
    """Key figures of the recommended policy, from optimize.json or the comparison table."""
    boxes: list[Box] = []
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
            comparison_units = _units_of(record.tables, "comparison")

            def shown(column: str) -> str:
                return _formatted(comparison_units, column, row.get(column))

            boxes.append(
                Box(shown("P(ruin)"), f"P(ruin); 95% interval {shown('P(ruin) low')} to {shown('P(ruin) high')}")
            )
            boxes.append(Box(shown("objective mean"), f"objective, mean (± {shown('objective se')} SE)"))
    if label is None and not boxes:
        return {"missing": True}
    confirmed = _dig(summary, "recommended", "confirmed")
    messages = _dig(summary, "messages")
    return {
        "missing": False,
        "label": label if label is not None else "(unnamed)",
        "confirmed": None if confirmed is None else ("confirmed" if confirmed is True else "NOT confirmed"),
        "boxes": boxes,
        "settings": _settings_list(summary),
        "messages": [str(m) for m in messages] if isinstance(messages, list) else [],
    }


def _frontier_chart(record: RecordLike) -> dict[str, Any]:
    """The frontier drawn from the ``frontier`` table, else the recorded frontier.png (neither: nothing)."""
    frontier = record.tables.get("frontier")
    png = record.artifacts.get("frontier.png")
    drawn: dict[str, Any] = {"chart": None, "error": None, "png": None}
    if frontier is not None and not frontier.empty:
        try:
            drawn["chart"] = _chart(frontier_charts.frontier_chart(frontier), "efficient frontier", "frontier")
        except ValueError as error:
            drawn["error"] = str(error)
    if drawn["chart"] is None and png is not None and png.startswith(_PNG_SIGNATURE):
        drawn["png"] = _png_image(png, "efficient frontier", "frontier")
    return drawn


def _settings_list(summary: dict[str, Any] | None) -> list[tuple[str, str]] | None:
    """The search settings of optimize.json or frontier.json as (label, value) pairs (None without them)."""
    settings = _dig(summary, "settings")
    if not isinstance(settings, dict):
        return None
    described = [
        ("policy family", settings.get("family")),
        ("parameter", settings.get("parameter")),
        ("objective", _dig(settings, "objective", "description")),
        ("ruin limit", format_percent(settings.get("max_ruin")) if _finite(settings.get("max_ruin")) else None),
        ("search draws", settings.get("draws")),
        ("validation draws", settings.get("validation_draws")),
    ]
    return [(k, str(v)) for k, v in described if v is not None]


def _traced_frontier_section(record: RecordLike) -> dict[str, Any]:
    """A ``frontier`` record: every candidate on the search draws and the best feasible one."""
    summary = _json_artifact(record, "frontier.json")
    best = _dig(summary, "best_feasible")
    frontier = record.tables.get("frontier")
    return {
        "best_label": str(best.get("label", "(unnamed)")) if isinstance(best, dict) else None,
        "best_boxes": _evaluation_boxes(record, best, "the search draws") if isinstance(best, dict) else [],
        "no_feasible": summary is not None and _finite(_dig(summary, "settings", "max_ruin")),
        "settings_rows": _settings_list(summary),
        "frontier_chart": _frontier_chart(record),
        "candidates": _html_table(frontier, units=_units_of(record.tables, "frontier"))
        if frontier is not None
        else None,
        "summary_json": _pre(_decode_text(record.artifacts["frontier.json"]))
        if "frontier.json" in record.artifacts
        else None,
    }


def _optimize_section(record: RecordLike) -> dict[str, Any]:
    summary = _json_artifact(record, "optimize.json")
    frontier = record.tables.get("frontier")
    comparison = record.tables.get("comparison")
    schedule = record.tables.get("schedule")
    tables = record.tables
    return {
        "recommendation": _recommendation(record, summary),
        "frontier_chart": _frontier_chart(record),
        "comparison": _html_table(comparison, units=_units_of(tables, "comparison"))
        if comparison is not None
        else None,
        "schedule": _html_table(schedule, units=_units_of(tables, "schedule")) if schedule is not None else None,
        "candidates": _html_table(frontier, units=_units_of(tables, "frontier")) if frontier is not None else None,
        "summary_json": _pre(_decode_text(record.artifacts["optimize.json"]))
        if "optimize.json" in record.artifacts
        else None,
    }


def _backtest_section(record: RecordLike) -> dict[str, Any]:
    images = [
        _png_image(png, name, name)
        for name, png in record.artifacts.items()
        if name.startswith("backtest_") and name.endswith(".png") and png.startswith(_PNG_SIGNATURE)
    ]
    coverage = record.tables.get("coverage")
    backtest = record.tables.get("backtest")
    return {
        "images": images,
        "coverage": _html_table(coverage, units=_units_of(record.tables, "coverage")) if coverage is not None else None,
        "text": _pre(_decode_text(record.artifacts["backtest.txt"])) if "backtest.txt" in record.artifacts else None,
        "forecasts": _html_table(backtest, units=_units_of(record.tables, "backtest"))
        if backtest is not None
        else None,
    }


def _tornado(record: RecordLike) -> Figure | None:
    """The recorded tornado.svg, else one drawn from the ``sensitivity`` table (None without either)."""
    svg = record.artifacts.get("tornado.svg")
    caption = "Each input's indices, the strongest driver on top; black lines: the confidence intervals."
    if svg is not None and svg.lstrip().startswith(b"<svg"):
        encoded = base64.b64encode(svg).decode("ascii")
        return Figure(
            f"data:image/svg+xml;base64,{encoded}", "tornado chart of the sensitivity indices", "tornado", caption
        )
    table = record.tables.get("sensitivity")
    if table is None or table.empty:
        return None
    from frontiersim.charts.tornado import tornado_chart  # noqa: PLC0415 (for this kind of record only)

    return _chart(tornado_chart(table), "tornado chart of the sensitivity indices", "tornado", caption)


def _sensitivity_section(record: RecordLike) -> dict[str, Any]:
    """A ``sensitivity`` record: the tornado chart, the ranked indices, the inputs and the outcomes."""
    tables = [
        (title, _html_table(record.tables[name], units=_units_of(record.tables, name)))
        for name, title in (
            ("sensitivity", "Every index"),
            ("sensitivity_inputs", "Uncertain inputs"),
            ("sensitivity_outcomes", "Outcomes over the simulated draws"),
        )
        if record.tables.get(name) is not None
    ]
    text = record.artifacts.get("sensitivity.txt")
    return {
        "tornado": _tornado(record),
        "text": _pre(_decode_text(text)) if text is not None else None,
        "tables": tables,
    }


def _other_tables_section(record: RecordLike) -> dict[str, Any] | None:
    others = [name for name in record.tables if name not in _KNOWN_TABLES]
    if not others:
        return None
    return {
        "tables": [(name, _html_table(record.tables[name], units=_units_of(record.tables, name))) for name in others]
    }


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
    correlations = data.get(CORRELATIONS)
    if isinstance(correlations, Mapping):
        rows += _correlation_keys(correlations)
    top_level = {path.split(".")[0] for path in section_paths} | ({"labs"} if isinstance(labs, Mapping) else set())
    top_level |= {CORRELATIONS} if isinstance(correlations, Mapping) else set()
    rows += [_unknown(str(name), value) for name, value in data.items() if name not in top_level]
    return rows


def _correlation_keys(table: Mapping[str, Any]) -> list[ScenarioKey]:
    """One row per entry of ``[correlations]``: a rank correlation between two uncertain keys.

    Examples
    --------
    >>> [row.meaning for row in _correlation_keys({"demand.growth_per_year ~ demand.delay_months": -0.3})]
    ['Spearman rank correlation of demand.growth_per_year and demand.delay_months (Gaussian copula)']
    """
    rows = []
    for pair, value in table.items():
        first, _, second = str(pair).partition("~")
        meaning = f"Spearman rank correlation of {first.strip()} and {second.strip()} (Gaussian copula)"
        rows.append(
            ScenarioKey(f'{CORRELATIONS}."{pair}"', _toml_value(value), True, meaning, "in [-1, 1]", "the scenario")
        )
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


def _scenario_section(record: RecordLike) -> dict[str, Any]:
    text = record.scenario_text
    if not text:
        note = "This record holds no scenario"
        note += " (a backtest fits the shipped revenue reports)." if record.kind == "backtest" else "."
        return {"note": note, "keys": None, "toml_error": None, "text": None}
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        return {"note": "", "keys": None, "toml_error": str(error), "text": _pre(text)}
    rows = [
        Row(
            [
                Cell(row.path, code=True),
                Cell(row.value, code=True),
                Cell("scenario" if row.from_scenario else "default"),
                Cell(row.meaning),
                Cell(row.allowed),
                Cell(row.source),
            ],
            "" if row.from_scenario else "default",
        )
        for row in scenario_keys(data)
    ]
    headers = ["key", "value", "from", "meaning (unit)", "allowed", "source of the default"]
    keys = Table(
        [Cell(h) for h in headers], rows, css="keys", columns=["key", "value", "from", "meaning", "allowed", "source"]
    )
    return {"note": "", "keys": keys, "toml_error": None, "text": _pre(text)}


#: Each section: its heading, its macro in ``sections.html.j2``, its link text in the navigation.
_SECTIONS: dict[str, tuple[str, str, str]] = {
    "headline": ("Headline", "headline", "Headline"),
    "optimize": ("Frontier and recommended policy", "optimize", "Frontier and policy"),
    "frontier": ("Frontier", "traced_frontier", "Frontier"),
    "backtest": ("Backtest", "backtest", "Backtest"),
    "sensitivity": ("Sensitivity", "sensitivity", "Sensitivity"),
    "outlook": ("Outlook", "outlook", "Outlook"),
    "ruin": ("P(ruin) over time", "ruin", "P(ruin)"),
    "pnl": ("Company P&L by year", "tables_by_lab", "P&L"),
    "cohorts": ("Each model as a company", "tables_by_lab", "Models"),
    "milestones": ("Capability milestones", "milestones", "Milestones"),
    "summary": ("Summary by year", "tables_by_lab", "Summary"),
    "scenario": ("Scenario", "scenario", "Scenario"),
    "other": ("Other tables", "other", "Other tables"),
}


@functools.cache
def _environment() -> jinja2.Environment:
    """The report's templates (``report/templates``), every value autoescaped."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("frontiersim.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_report(record: RecordLike) -> str:
    """One self-contained HTML page of a stored run.

    Parameters
    ----------
    record : RecordLike
        A ``frontiersim.store.RunRecord`` (or any object with its attributes).

    Returns
    -------
    str
        The HTML, from the Jinja2 templates in ``report/templates`` (every
        value autoescaped): inline CSS and charts as embedded SVG images
        (drawn by :mod:`frontiersim.charts`, the definitions the dashboard
        draws too); no scripts, fonts or references outside the file. It
        shows the run's details, P(ruin) with its interval, fan charts of
        revenue, demand, capacity, cash and unserved demand, P(ruin) over
        time, the company P&L by year, the per-model cohort table, the
        frontier and recommended policy (for an optimization; the frontier
        and its best feasible candidate for a traced frontier), the backtest
        tables (for a backtest), milestone dates (where capability drives
        demand) and every scenario key with the source of its default, each
        lab's own keys included. A run of several labs shows every lab (see
        the module notes). Numbers are shown by the units the record's
        ``units`` table declares. Sections whose tables the record lacks
        are left out.
    """
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    tables = record.tables
    search = None
    if record.kind == "optimize":
        search = ("optimize", _optimize_section(record))
    elif record.kind == "frontier":
        search = ("frontier", _traced_frontier_section(record))
    contexts: list[tuple[str, dict[str, Any] | None]] = [
        ("headline", _headline_section(record)),
        *([search] if search else []),
        ("backtest", _backtest_section(record) if record.kind == "backtest" else None),
        ("sensitivity", _sensitivity_section(record) if record.kind == "sensitivity" else None),
        ("outlook", _fan_section(tables)),
        ("ruin", _ruin_section(tables)),
        ("pnl", _company_pnl_section(tables)),
        ("cohorts", _cohort_section(tables)),
        ("milestones", _milestone_section(tables)),
        ("summary", _summary_section(tables)),
        ("scenario", _scenario_section(record)),
        ("other", _other_tables_section(record)),
    ]
    shown = []
    for name, context in contexts:
        if context is not None:
            title, macro, nav = _SECTIONS[name]
            anchor = "optimize" if name == "frontier" else name  # a search's section keeps one anchor
            shown.append(Section(anchor, title, macro, context, nav))
    artifacts = ", ".join(f"{name} ({len(payload):,} bytes)" for name, payload in record.artifacts.items())
    footer = (
        f"Made by frontiersim {__version__} on {generated} (UTC). This file is self-contained: it references "
        "nothing outside itself and opens offline."
    )
    if artifacts:
        footer += f" Files kept with the run: {artifacts}."
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            content_security_policy=_CONTENT_SECURITY_POLICY,
            title=f"{record.scenario_name or record.kind} · frontiersim report",
            header=_header(record),
            shown=shown,
            footer=footer,
        )
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
