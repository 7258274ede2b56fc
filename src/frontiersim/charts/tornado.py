"""The tornado chart of a sensitivity analysis: each input's indices as bars, strongest on top, with intervals.

One Vega-Lite definition (through Altair) for the report, the command line's
SVG and the dashboard. It reads a tidy table of indices, the ``sensitivity``
table a sensitivity record keeps: columns ``input_label`` (or ``input``),
``index``, ``value``, ``ci_low``, ``ci_high``, and optionally ``rank``,
``unit`` and ``outcome_label`` (one panel per outcome).

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"input": ["growth", "margin", "growth", "margin"], "index": ["S1", "S1", "ST", "ST"],
...                       "value": [0.3, 0.1, 0.5, 0.2], "ci_low": [0.2, 0.0, 0.4, 0.1],
...                       "ci_high": [0.4, 0.2, 0.6, 0.3]})
>>> chart = tornado_chart(table)
>>> tornado_svg(chart).startswith("<svg")
True
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from frontiersim.charts import render
from frontiersim.results.tables import PROBABILITY

#: Indices drawn as bars, by method; the others (Morris's mu) are left to the tables.
DRAWN_INDICES = ("S1", "ST", "mu_star", "sigma", "spearman", "prcc")

#: How each index is named in the legend.
INDEX_NAMES = {
    "S1": "first order (S1)",
    "ST": "total (ST)",
    "mu_star": "mean absolute effect (mu*)",
    "sigma": "spread of the effects (sigma)",
    "spearman": "Spearman",
    "prcc": "partial rank (PRCC)",
}

#: Room around the chart, pixels: a browser's font may be wider than the one the labels were measured in.
_PADDING = {"left": 72, "right": 72, "top": 8, "bottom": 8}


def _axis_title(table: pd.DataFrame) -> tuple[str, str | None]:
    """The value axis title and, for money, a label expression (``$1.2B``)."""
    indices = set(table["index"])
    units = {str(u) for u in table.get("unit", pd.Series([""] * len(table)))} - {""}
    if indices & {"mu_star", "sigma"}:
        unit = next(iter(units), "")
        if unit.startswith("USD"):
            return "change of the outcome per step (USD)", "replace(format(datum.value, '$.3~s'), 'G', 'B')"
        if unit == PROBABILITY:
            return "change of the outcome per step (share of draws)", None
        return f"change of the outcome per step{f' ({unit})' if unit else ''}", None
    if indices & {"spearman", "prcc"}:
        return "rank correlation with the outcome", None
    return "share of the outcome's variance", None


def _panel(table: pd.DataFrame, title: str) -> alt.LayerChart:
    """One outcome's bars and intervals."""
    label = "input_label" if "input_label" in table.columns else "input"
    frame = table[table["index"].isin(DRAWN_INDICES)].copy()
    frame["input shown"] = frame[label].astype(str)
    frame["index shown"] = frame["index"].map(INDEX_NAMES)
    if "rank" in frame.columns:
        order = frame.sort_values("rank", kind="stable")["input shown"].drop_duplicates().tolist()
    else:
        strength = frame.assign(size=frame["value"].abs()).groupby("input shown", sort=False)["size"].max()
        order = strength.sort_values(ascending=False, kind="stable").index.tolist()
    shown = [INDEX_NAMES[index] for index in DRAWN_INDICES if index in set(frame["index"])]
    axis_title, label_expression = _axis_title(frame)
    axis = alt.Axis(title=axis_title, labelExpr=label_expression) if label_expression else alt.Axis(title=axis_title)
    y = alt.Y("input shown:N", sort=order, title=None, axis=alt.Axis(labelLimit=320))
    colour = alt.Color(
        "index shown:N",
        sort=shown,
        title="index",
        scale=alt.Scale(scheme="tableau10"),
        legend=alt.Legend(orient="bottom", direction="horizontal"),  # below: a side legend is cut off in a column
    )
    offset = alt.YOffset("index shown:N", sort=shown)
    tooltip = [
        alt.Tooltip("input shown:N", title="input"),
        alt.Tooltip("index shown:N", title="index"),
        alt.Tooltip("value:Q", format=".3f"),
        alt.Tooltip("ci_low:Q", title="interval low", format=".3f"),
        alt.Tooltip("ci_high:Q", title="interval high", format=".3f"),
    ]
    base = alt.Chart(frame, title=title)
    bars = base.mark_bar().encode(x=alt.X("value:Q", axis=axis), y=y, yOffset=offset, color=colour, tooltip=tooltip)
    whiskers = (
        base.transform_filter("isValid(datum.ci_low) && isFinite(datum.ci_low)")
        .mark_rule(color="#1d2330")
        .encode(x="ci_low:Q", x2="ci_high:Q", y=y, yOffset=offset)
    )
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#5b6477").encode(x="zero:Q")
    return alt.LayerChart(layer=[bars, whiskers, zero], width=460, height=alt.Step(14))


def tornado_chart(table: pd.DataFrame) -> alt.LayerChart | alt.VConcatChart:
    """A tornado chart of a table of indices: one bar per input and index, strongest input on top.

    Parameters
    ----------
    table : pandas.DataFrame
        Tidy indices (see the module notes). With an ``outcome_label``
        column naming several outcomes, one panel per outcome, stacked.

    Returns
    -------
    altair.LayerChart or altair.VConcatChart
        Bars from zero (signed for rank correlations), a black line for each
        confidence interval, a grey line at zero.
    """
    if table.empty:
        raise ValueError("no indices to draw")
    if "outcome_label" not in table.columns:
        return _panel(table, "").properties(padding=_PADDING)
    labels = list(dict.fromkeys(table["outcome_label"].astype(str)))
    panels = [_panel(table[table["outcome_label"].astype(str) == label], label) for label in labels]
    if len(panels) == 1:
        return panels[0].properties(padding=_PADDING)
    return alt.vconcat(*panels).properties(padding=_PADDING)


def tornado_svg(chart: alt.TopLevelMixin | dict[str, Any]) -> str:
    """The chart as a standalone SVG document, rendered offline by ``vl-convert`` (:func:`render.svg`)."""
    return render.svg(chart)
