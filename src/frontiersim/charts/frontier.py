"""The efficient frontier: P(ruin) against the objective for every searched policy.

:func:`frontier_chart` draws a frontier table (:meth:`Frontier.table()
<frontiersim.optimize.frontier.Frontier.table>`, or a stored run's
``frontier`` table); :func:`frontier_of` draws a
:class:`~frontiersim.optimize.frontier.Frontier` or an
:class:`~frontiersim.optimize.search.OptimizationResult` with its
feasible region, its title and the recommendation re-checked on fresh
draws; :func:`frontier_png` and :func:`plot_frontier` render it offline.
The HTML report and ``frontiersim optimize`` draw the same chart.

In the page the chart has tooltips and zooms in both directions (mouse
wheel, drag; double click resets): the close-up of the feasible region.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({
...     "policy": ["hedge 0.5", "hedge 1", "spot"], "kind": ["candidate", "candidate", "naive"],
...     "P(ruin)": [0.01, 0.05, 0.2], "P(ruin) low": [0.005, 0.04, 0.18], "P(ruin) high": [0.02, 0.06, 0.22],
...     "objective mean": [1e11, 2e11, 5e10], "objective se": [1e9, 2e9, 1e9],
...     "feasible": [True, False, False], "chosen": [True, False, False]})
>>> spec = frontier_chart(table).to_dict()
>>> spec["usermeta"]["frontiersim"]["chart"]
'frontier'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from frontiersim.atomic import atomic_write_bytes
from frontiersim.charts import render
from frontiersim.charts.run import HEIGHT, WIDTH, Chart, value_text
from frontiersim.charts.scales import USERMETA_KEY, label_expression
from frontiersim.optimize.frontier import Frontier
from frontiersim.optimize.search import OptimizationResult

#: What each point is, and its colour.
STATUS_COLOURS: dict[str, str] = {
    "candidate, feasible": "#1f77b4",
    "candidate, infeasible": "#9ecae1",
    "candidate": "#1f77b4",
    "chosen": "#ff7f0e",
    "recommended, fresh draws": "#d62728",
    "naive policy": "#6a3d9a",
}

_REQUIRED = ("P(ruin)", "P(ruin) low", "P(ruin) high", "objective mean", "objective se")


def _points(frontier: pd.DataFrame) -> pd.DataFrame:
    """One row per policy: position, error bars, status and tooltip texts."""
    kind = frontier["kind"].astype(str) if "kind" in frontier.columns else pd.Series(["candidate"] * len(frontier))
    judged = "feasible" in frontier.columns
    feasible = frontier["feasible"].astype(bool) if judged else pd.Series([False] * len(frontier))
    chosen = frontier["chosen"].astype(bool) if "chosen" in frontier.columns else pd.Series([False] * len(frontier))
    status = []
    for k, is_feasible, is_chosen in zip(kind, feasible, chosen, strict=True):
        if k == "naive":
            status.append("naive policy")
        elif k == "validation":
            status.append("recommended, fresh draws")
        elif is_chosen:
            status.append("chosen")
        elif judged:
            status.append("candidate, feasible" if is_feasible else "candidate, infeasible")
        else:
            status.append("candidate")
    mean = frontier["objective mean"].to_numpy(dtype=float)
    two_se = 2.0 * frontier["objective se"].to_numpy(dtype=float)
    data = pd.DataFrame(
        {
            "policy": frontier["policy"].astype(str).to_numpy() if "policy" in frontier.columns else "",
            "kind": kind.to_numpy(),
            "order": np.arange(len(frontier)),
            "status": status,
            "p_ruin": frontier["P(ruin)"].to_numpy(dtype=float),
            "p_ruin_low": frontier["P(ruin) low"].to_numpy(dtype=float),
            "p_ruin_high": frontier["P(ruin) high"].to_numpy(dtype=float),
            "objective": mean,
            "objective_low": mean - two_se,
            "objective_high": mean + two_se,
        }
    )
    data["P(ruin)"] = [
        f"{value_text(p, 'probability')} ({value_text(a, 'probability')} to {value_text(b, 'probability')})"
        for p, a, b in zip(data["p_ruin"], data["p_ruin_low"], data["p_ruin_high"], strict=True)
    ]
    data["objective ± 2 SE"] = [
        f"{value_text(m, 'USD')} ± {value_text(s, 'USD')}" for m, s in zip(mean, two_se, strict=True)
    ]
    # points are drawn in row order: the chosen candidate last, on top of the recommendation re-checked
    drawn_last = data["status"].map({"chosen": 2, "recommended, fresh draws": 1}).fillna(0)
    data = data.iloc[np.argsort(drawn_last.to_numpy(), kind="stable")].reset_index(drop=True)
    return data.replace({np.nan: None})


def frontier_chart(
    frontier: pd.DataFrame,
    *,
    max_ruin: float | None = None,
    objective: str = "objective",
    title: str = "Efficient frontier: objective against P(ruin)",
    subtitle: str | None = None,
) -> Chart:
    """P(ruin) against the objective for every searched policy.

    Parameters
    ----------
    frontier : pandas.DataFrame
        A frontier table (columns ``policy``, ``kind``, ``P(ruin)``,
        ``P(ruin) low``, ``P(ruin) high``, ``objective mean``, ``objective
        se`` (USD), and optionally ``feasible`` and ``chosen``). A row of
        ``kind`` ``"validation"`` is the recommendation re-checked on fresh draws.
    max_ruin : float, optional
        The ruin limit: the feasible region ``P(ruin) ≤ max_ruin`` is shaded.
    objective : str, default "objective"
        What the objective is, for the axis title.
    title, subtitle : str, optional

    Returns
    -------
    altair.LayerChart or altair.FacetChart
        The candidates joined in order, with Wilson intervals (horizontal)
        and ± 2 SE (vertical); the chosen candidate, the naive policies
        (labelled) and the validation point each in their colour.

    Raises
    ------
    ValueError
        For a table without the columns the chart needs.
    """
    missing = [c for c in _REQUIRED if c not in frontier.columns]
    if missing:
        raise ValueError(f"the frontier table lacks the column(s) {', '.join(missing)}")
    data = _points(frontier)
    statuses = [s for s in STATUS_COLOURS if s in set(data["status"])]
    colour = alt.Color(
        "status:N",
        title=None,
        scale=alt.Scale(domain=statuses, range=[STATUS_COLOURS[s] for s in statuses]),
        legend=alt.Legend(orient="bottom", columns=3),
    )
    x_axis = alt.Axis(title="P(ruin within the horizon), with 95% Wilson interval", format=".1~%")
    y_axis = alt.Axis(title=f"{objective} (± 2 SE)", labelExpr=label_expression("USD"))
    x = alt.X(field="p_ruin", type="quantitative", axis=x_axis)
    y = alt.Y(field="objective", type="quantitative", scale=alt.Scale(zero=False), axis=y_axis)
    tooltip = [
        alt.Tooltip("policy:N"),
        alt.Tooltip("status:N"),
        alt.Tooltip("P(ruin):N"),
        alt.Tooltip("objective ± 2 SE:N"),
    ]
    zoom = alt.selection_interval(name="zoom", bind="scales")
    base = alt.Chart(data)
    layers: list[alt.Chart] = []
    if max_ruin is not None:
        region = pd.DataFrame(
            {"from": [0.0], "to": [max_ruin], "what": [f"feasible: P(ruin) upper bound ≤ {max_ruin:.1%}"]}
        )
        layers.append(
            alt.Chart(region)
            .mark_rect(color="#2ca02c", opacity=0.1)
            .encode(x="from:Q", x2="to:Q", tooltip=[alt.Tooltip("what:N", title="region")])
        )
    candidates = base.transform_filter(alt.datum.kind == "candidate")
    layers.append(
        candidates.mark_line(color=STATUS_COLOURS["candidate"], strokeWidth=1.2, opacity=0.8).encode(
            x=x, y=y, order="order:Q"
        )
    )
    layers.append(
        base.mark_rule(strokeWidth=0.9).encode(
            x=alt.X(field="p_ruin_low", type="quantitative", axis=x_axis), x2="p_ruin_high:Q", y=y, color=colour
        )
    )
    layers.append(
        base.mark_rule(strokeWidth=0.9).encode(
            x=x,
            y=alt.Y(field="objective_low", type="quantitative", scale=alt.Scale(zero=False), axis=y_axis),
            y2="objective_high:Q",
            color=colour,
        )
    )
    shape = alt.Shape(
        "status:N",
        scale=alt.Scale(
            domain=statuses,
            range=[
                {"chosen": "diamond", "naive policy": "square", "recommended, fresh draws": "triangle-up"}.get(
                    s, "circle"
                )
                for s in statuses
            ],
        ),
        legend=None,
    )
    layers.append(
        base.mark_point(filled=True, size=70, opacity=1.0, stroke="black", strokeWidth=0.4)
        .encode(x=x, y=y, color=colour, shape=shape, tooltip=tooltip)
        .add_params(zoom)
    )
    # a label to the right of its point, or to its left in the right part of the chart (not cut off there)
    right_part = 0.6 * float(np.nanmax(data["p_ruin_high"].to_numpy(dtype=float))) if len(data) else 0.0
    on_the_left = f"datum.p_ruin > {right_part!r}"
    layers.append(
        base.transform_filter(alt.datum.kind == "naive")
        .mark_text(
            align=alt.expr(f"{on_the_left} ? 'right' : 'left'"),
            dx=alt.expr(f"{on_the_left} ? -7 : 7"),
            dy=-7,
            fontSize=10,
            color=STATUS_COLOURS["naive policy"],
        )
        .encode(x=x, y=y, text="policy:N")
    )
    return alt.layer(
        *layers,
        width=WIDTH + 120,
        height=HEIGHT + 90,
        title=alt.Title(title, subtitle=subtitle) if subtitle else title,
        usermeta={USERMETA_KEY: {"chart": "frontier"}},
    )


def frontier_table(result: OptimizationResult | Frontier) -> pd.DataFrame:
    """A frontier's table with, when validated, a ``validation`` row: the recommendation on fresh draws.

    Parameters
    ----------
    result : OptimizationResult or Frontier

    Returns
    -------
    pandas.DataFrame
    """
    frontier = result if isinstance(result, Frontier) else Frontier.from_result(result)
    table = frontier.table()
    validation = frontier.chosen_validation
    if validation is None:
        return table
    row: dict[str, Any] = {
        "policy": f"{validation.label} ({frontier.validation_draws or 0:,} fresh draws)",
        "kind": "validation",
        "P(ruin)": validation.ruin.estimate,
        "P(ruin) low": validation.ruin.low,
        "P(ruin) high": validation.ruin.high,
        "objective mean": validation.objective.mean,
        "objective se": validation.objective.standard_error,
        "feasible": frontier.is_feasible(validation),
        "chosen": False,
    }
    return pd.concat([table, pd.DataFrame([row])], ignore_index=True)


def frontier_of(result: OptimizationResult | Frontier, *, title: str | None = None) -> Chart:
    """The frontier chart of an optimization (or of a frontier traced without a recommendation).

    Parameters
    ----------
    result : OptimizationResult or Frontier
    title : str, optional
        Defaults to the scenario, lab, family and objective; the subtitle
        gives the sample sizes.

    Returns
    -------
    altair.LayerChart or altair.FacetChart
    """
    frontier = result if isinstance(result, Frontier) else Frontier.from_result(result)
    samples = f"{frontier.search_draws:,} common draws per candidate"
    if frontier.validation_draws:
        samples += f", recommendation re-checked on {frontier.validation_draws:,} fresh draws"
    if title is None:
        lab = "" if frontier.lab is None else f", lab {frontier.lab}"
        title = f"{frontier.scenario_name}{lab}: {frontier.family} policies ({frontier.parameter})"
    return frontier_chart(
        frontier_table(frontier),
        max_ruin=frontier.max_ruin,
        objective=frontier.objective.describe(),
        title=title,
        subtitle=f"{frontier.objective.describe()} against P(ruin); {samples}",
    )


def frontier_png(result: OptimizationResult | Frontier, *, title: str | None = None) -> bytes:
    """The PNG bytes of :func:`frontier_of`.

    Parameters
    ----------
    result : OptimizationResult or Frontier
    title : str, optional

    Returns
    -------
    bytes
    """
    return render.png(frontier_of(result, title=title))


def plot_frontier(result: OptimizationResult | Frontier, path: str | Path, *, title: str | None = None) -> Path:
    """Write the picture of :func:`frontier_of` as a PNG.

    The image is rendered in memory and written to a temporary file renamed
    into place, so a failure leaves no partial file.

    Parameters
    ----------
    result : OptimizationResult or Frontier
    path : str or Path
        Where to write the PNG (its folder is created if needed).
    title : str, optional

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    atomic_write_bytes(path, frontier_png(result, title=title))
    return path
