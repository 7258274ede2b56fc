"""Plain-text rendering of results for the terminal."""

from __future__ import annotations

import math

import pandas as pd

from frontiersim.examples import Figure
from frontiersim.results.result import SimulationResult
from frontiersim.units import money


def _cell(metric: str, value: float) -> str:
    if not math.isfinite(value):
        return ""
    if metric.startswith("P("):
        return f"{value:.1%}"
    if "GW" in metric:
        return f"{value:,.2f}"
    return money(value)


def format_table(table: pd.DataFrame) -> str:
    """Render a summary-style table (rows ``(metric, statistic)``, columns years)."""
    header = ["metric", "stat", *[str(c) for c in table.columns]]
    rows = [header]
    previous = None
    for key, values in table.iterrows():
        metric, statistic = str(key[0]), str(key[1])  # type: ignore[index]
        label = metric if metric != previous else ""
        previous = metric
        rows.append([str(label), str(statistic), *[_cell(str(metric), float(v)) for v in values]])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for k, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [row[i].rjust(widths[i]) for i in range(2, len(row))]
        lines.append("  ".join(cells))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_frame_money(frame: pd.DataFrame, skip: tuple[str, ...] = ()) -> str:
    """Render a frame of USD amounts, leaving the ``skip`` columns as they are."""
    shown = frame.copy().astype(object)
    for column in frame.columns:
        if column in skip:
            continue
        shown[column] = [money(float(v)) for v in frame[column]]
    return shown.to_string()


def format_result(result: SimulationResult) -> str:
    """The readable summary that ``frontiersim run`` prints."""
    attrs = result.dataset.attrs
    lines = [
        f"scenario {attrs.get('scenario_name')!r}: {result.draws:,} draws, {attrs.get('horizon_years')} years "
        f"from {attrs.get('start')}, seed entropy {attrs.get('seed_entropy')}",
        f"P(ruin within the horizon) = {result.ruin_probability():.2%}",
        "",
        format_table(result.summary()),
        "",
        "Company P&L by year (mean over draws):",
        format_frame_money(result.company_pnl()),
        "",
        "Per-model P&L (mean over draws): each model is a company",
        format_frame_money(result.cohort_pnl(), skip=("release month",)),
    ]
    return "\n".join(lines)


def format_figures(name: str, figures: list[Figure]) -> str:
    """A worked example's figures beside the brief's."""

    def shown(figure: Figure) -> str:
        if figure.unit == "USD":
            return money(figure.value)
        if figure.unit == "share":
            return f"{figure.value:.1%}"
        if figure.unit == "month":
            return "none" if figure.value < 0 else f"month {figure.value:.0f}"
        return f"{figure.value:g}"

    rows = [
        ("figure", "model", "brief", ""),
        *[(f.label, shown(f), f.stated, "ok" if f.ok else "MISMATCH") for f in figures],
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"== {name} =="]
    for k, row in enumerate(rows):
        lines.append(f"{row[0].ljust(widths[0])}  {row[1].rjust(widths[1])}  {row[2].ljust(widths[2])}  {row[3]}")
        if k == 0:
            lines.append("-" * (sum(widths) + 6))
    return "\n".join(lines)
