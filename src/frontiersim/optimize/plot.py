"""The efficient frontier as a picture: P(ruin) against the objective.

:func:`plot_frontier` writes a PNG of an :class:`~frontiersim.optimize.search.OptimizationResult`
(or of a :class:`~frontiersim.optimize.frontier.Frontier` traced without a
recommendation by :func:`~frontiersim.optimize.frontier.trace_frontier`);
:func:`frontier_figure` returns the :class:`matplotlib.figure.Figure` for a
notebook.

Matplotlib is imported only when a figure is drawn (importing this module
neither loads matplotlib nor builds its font cache), and always through its
object interface (``Figure`` with an Agg canvas): nothing here touches
``pyplot``'s global state or selects a backend for the process.

``Frontier`` and ``trace_frontier`` live in :mod:`frontiersim.optimize.frontier`;
they are re-exported here for code that imports them from this module.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from frontiersim.atomic import atomic_write_bytes
from frontiersim.optimize.frontier import Frontier, trace_frontier
from frontiersim.optimize.search import OptimizationResult, PolicyEvaluation
from frontiersim.units import number_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Colours of the picture (matplotlib's default cycle, named for what they show).
_CANDIDATE, _CHOSEN, _VALIDATION, _NAIVE, _FEASIBLE = "#1f77b4", "#ff7f0e", "#d62728", "#6a3d9a", "#2ca02c"
_BILLION = 1e9
FloatArray = NDArray[np.float64]


# ---------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------


def _as_frontier(result: OptimizationResult | Frontier) -> Frontier:
    return result if isinstance(result, Frontier) else Frontier.from_result(result)


def _xerr(evaluations: Sequence[PolicyEvaluation]) -> FloatArray:
    """Asymmetric Wilson error bars, shape (2, n)."""
    est = np.array([e.ruin.estimate for e in evaluations])
    low = np.array([e.ruin.low for e in evaluations])
    high = np.array([e.ruin.high for e in evaluations])
    errors: FloatArray = np.maximum(np.vstack([est - low, high - est]), 0.0)
    return errors


def _point(evaluation: PolicyEvaluation) -> tuple[float, float, float]:
    """(P(ruin), objective in $B, 2 SE in $B) of one evaluation."""
    return (
        evaluation.ruin.estimate,
        evaluation.objective.mean / _BILLION,
        2 * evaluation.objective.standard_error / _BILLION,
    )


def _draw_candidates(ax: Axes, frontier: Frontier, label_ends: bool) -> None:
    """The feasible region, then the searched candidates joined in parameter order."""
    search = list(frontier.search)
    limit = frontier.max_ruin
    if limit is not None:
        ax.axvspan(0.0, limit, color=_FEASIBLE, alpha=0.10, lw=0, label=f"feasible: P(ruin) upper bound ≤ {limit:.1%}")
        ax.axvline(limit, color=_FEASIBLE, lw=1.2, ls="--")
    if not search:
        return
    x, y, two_se = (np.array(column) for column in zip(*map(_point, search), strict=True))
    ax.plot(x, y, "-", color=_CANDIDATE, lw=1.2, alpha=0.8, zorder=2)
    feasible = np.array([frontier.is_feasible(e) for e in search], dtype=bool)
    xerr = _xerr(search)
    for mask, face, label in (
        (feasible, _CANDIDATE, "candidate, feasible"),
        (~feasible, "white", "candidate" if limit is None else "candidate, infeasible"),
    ):
        if mask.any():
            ax.errorbar(
                x[mask],
                y[mask],
                xerr=xerr[:, mask],
                yerr=two_se[mask],
                fmt="o",
                ms=4.5,
                mfc=face,
                mec=_CANDIDATE,
                ecolor=_CANDIDATE,
                elinewidth=0.8,
                capsize=2,
                alpha=0.9,
                zorder=3,
                label=f"{label} ({frontier.family})",
            )
    if label_ends:
        for end, offset, align in ((search[0], (6, -12), "left"), (search[-1], (-6, 8), "right")):
            if end.parameter is not None and end is not frontier.chosen_search:
                ax.annotate(
                    f"{frontier.family} {number_text(end.parameter, 4)}",
                    _point(end)[:2],
                    xytext=offset,
                    textcoords="offset points",
                    fontsize=7,
                    color="grey",
                    ha=align,
                )


def _draw_chosen(ax: Axes, frontier: Frontier) -> None:
    """The recommendation (or best feasible candidate) on the search sample and, if validated, the fresh one."""
    word = "recommended" if frontier.chosen_validation is not None else "best feasible"
    for evaluation, colour, marker, size, text in (
        (frontier.chosen_search, _CHOSEN, "*", 15, f"{word} (search sample)"),
        (frontier.chosen_validation, _VALIDATION, "D", 7, f"{word} ({frontier.validation_draws or 0:,} fresh draws)"),
    ):
        if evaluation is not None:
            px, py, two_se = _point(evaluation)
            ax.errorbar(
                [px],
                [py],
                xerr=_xerr([evaluation]),
                yerr=[two_se],
                fmt=marker,
                ms=size,
                color=colour,
                mec="black",
                mew=0.6,
                elinewidth=1.2,
                capsize=3,
                zorder=5,
                label=text,
            )
    chosen = frontier.chosen_search
    if chosen is not None:
        value = f": {frontier.family} {number_text(chosen.parameter, 4)}" if chosen.parameter is not None else ""
        ax.annotate(
            f"{word}{value}",
            _point(chosen)[:2],
            xytext=(10, -16),
            textcoords="offset points",
            fontsize=8,
            color=_CHOSEN,
            fontweight="bold",
        )


def _draw_naive(ax: Axes, frontier: Frontier) -> None:
    """The naive reference policies, marked and labelled."""
    for k, (name, evaluation) in enumerate(frontier.naive.items()):
        px, py, two_se = _point(evaluation)
        ax.errorbar(
            [px],
            [py],
            xerr=_xerr([evaluation]),
            yerr=[two_se],
            fmt="s",
            ms=6,
            color=_NAIVE,
            mec="black",
            mew=0.5,
            elinewidth=0.9,
            capsize=2,
            zorder=4,
            label="naive policies" if k == 0 else None,
        )
        ax.annotate(name, (px, py), xytext=(6, 6), textcoords="offset points", fontsize=8, color=_NAIVE)


def _draw_panel(ax: Axes, frontier: Frontier, zoom: float | None) -> None:
    """Draw the frontier on ``ax``; ``zoom`` limits the x axis to [0, zoom] and fits y to what is visible."""
    from matplotlib.ticker import PercentFormatter, ScalarFormatter  # noqa: PLC0415 (see the module docstring)

    _draw_candidates(ax, frontier, label_ends=zoom is None)
    _draw_chosen(ax, frontier)
    _draw_naive(ax, frontier)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=None))
    ax.yaxis.set_major_formatter(ScalarFormatter(useOffset=False))
    ax.set_xlabel("P(ruin within the horizon), with 95% Wilson interval")
    ax.set_ylabel(f"{frontier.objective.describe()}, $B (± 2 SE)")
    ax.grid(True, alpha=0.3)
    if zoom is None:
        ax.set_xlim(left=min(0.0, ax.get_xlim()[0]))
        return
    ax.set_xlim(0.0, zoom)
    shown = [*frontier.search, *frontier.naive.values()]
    shown += [e for e in (frontier.chosen_search, frontier.chosen_validation) if e is not None]
    visible = [(py, two_se) for px, py, two_se in map(_point, shown) if px <= zoom]
    if visible:
        bottom = min(py - two_se for py, two_se in visible)
        top = max(py + two_se for py, two_se in visible)
        pad = 0.08 * max(top - bottom, abs(top) * 0.01, 1e-9)
        ax.set_ylim(bottom - pad, top + pad)


def _zoom_limit(frontier: Frontier) -> float | None:
    """Right edge of a close-up of the feasible region, or None when the full view already is one."""
    if frontier.max_ruin is None or frontier.max_ruin <= 0:
        return None
    points = [e.ruin.high for e in frontier.search] + [e.ruin.high for e in frontier.naive.values()]
    zoom = 3.0 * frontier.max_ruin
    return zoom if max(points, default=0.0) > 1.5 * zoom else None


def frontier_figure(result: OptimizationResult | Frontier, *, title: str | None = None) -> Figure:
    """The efficient frontier as a matplotlib Figure (for a notebook, or to save yourself).

    One point per searched candidate (x: P(ruin) with its Wilson interval,
    y: the objective's mean ± 2 standard errors, in $B) joined in parameter
    order; the feasible region shaded; the recommendation highlighted on the
    search sample and, when validated, on the fresh sample; the naive
    policies marked and labelled. When the frontier reaches far beyond the
    ruin limit, a second panel shows the feasible region close up.

    Parameters
    ----------
    result : OptimizationResult or Frontier
    title : str, optional
        Defaults to the scenario, family, objective and sample sizes.

    Returns
    -------
    matplotlib.figure.Figure
        With an Agg canvas attached; ``pyplot`` is not involved.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 (see the module docstring)
    from matplotlib.figure import Figure  # noqa: PLC0415

    frontier = _as_frontier(result)
    zoom = _zoom_limit(frontier)
    figure = Figure(figsize=(13.0, 5.8) if zoom is not None else (8.0, 5.8), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, 2 if zoom is not None else 1, squeeze=False)[0]
    _draw_panel(axes[0], frontier, None)
    axes[0].set_title("all candidates", fontsize=10)
    if zoom is not None:
        _draw_panel(axes[1], frontier, zoom)
        axes[1].set_title(f"close-up: P(ruin) up to {100 * zoom:.3g}%", fontsize=10)
    axes[0].legend(fontsize=7.5, loc="best", framealpha=0.85)
    if title is None:
        samples = f"{frontier.search_draws:,} common draws per candidate"
        if frontier.validation_draws:
            samples += f", recommendation re-checked on {frontier.validation_draws:,} fresh draws"
        lab = "" if frontier.lab is None else f", lab {frontier.lab}"
        title = (
            f"{frontier.scenario_name}{lab}: {frontier.family} policies ({frontier.parameter}) — "
            f"{frontier.objective.describe()} against P(ruin)\n{samples}"
        )
    figure.suptitle(title, fontsize=11)
    return figure


def plot_frontier(result: OptimizationResult | Frontier, path: str | Path, *, title: str | None = None) -> Path:
    """Write the picture of :func:`frontier_figure` as a PNG.

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


def frontier_png(result: OptimizationResult | Frontier, *, title: str | None = None) -> bytes:
    """The PNG bytes of :func:`frontier_figure`.

    Parameters
    ----------
    result : OptimizationResult or Frontier
    title : str, optional

    Returns
    -------
    bytes
    """
    figure = frontier_figure(result, title=title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


__all__ = ["Frontier", "frontier_figure", "frontier_png", "plot_frontier", "trace_frontier"]
