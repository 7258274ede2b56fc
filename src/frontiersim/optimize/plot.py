"""The efficient frontier as a picture: P(ruin) against the objective.

:func:`plot_frontier` writes a PNG of an :class:`~frontiersim.optimize.search.OptimizationResult`
(or of a :class:`Frontier` traced without a recommendation by
:func:`trace_frontier`); :func:`frontier_figure` returns the
:class:`matplotlib.figure.Figure` for a notebook.

Matplotlib is imported only when a figure is drawn (importing this module
neither loads matplotlib nor builds its font cache), and always through its
object interface (``Figure`` with an Agg canvas): nothing here touches
``pyplot``'s global state or selects a backend for the process.
"""

from __future__ import annotations

import dataclasses
import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from frontiersim.draws.sampling import SeedLike, seed_sequence
from frontiersim.models.policies import ProcurementPolicy
from frontiersim.optimize.families import PolicyFamily, naive_policies
from frontiersim.optimize.objectives import Objective
from frontiersim.optimize.search import OptimizationResult, PolicyEvaluation, evaluate_policy
from frontiersim.results.result import atomic_write_bytes
from frontiersim.scenario.schema import Scenario

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Colours of the picture (matplotlib's default cycle, named for what they show).
_CANDIDATE, _CHOSEN, _VALIDATION, _NAIVE, _FEASIBLE = "#1f77b4", "#ff7f0e", "#d62728", "#6a3d9a", "#2ca02c"
_BILLION = 1e9
FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Frontier:
    """Candidates of one policy family on one sample, the naive policies beside them, and the ruin limit.

    Built from an optimization by :meth:`from_result`, or traced on its own
    (without a validated recommendation) by :func:`trace_frontier`.

    Attributes
    ----------
    scenario_name : str
    family : str
        Name of the policy family.
    parameter : str
        The family's parameter, with its unit.
    objective : Objective
    search : tuple of PolicyEvaluation
        Candidates on the common (search) sample, in parameter order.
    naive : dict of str to PolicyEvaluation
        The naive reference policies on the same sample.
    search_draws : int
    max_ruin : float or None
        The ruin limit: a candidate is feasible when the upper end of its
        P(ruin) interval is at or below it. None: no limit (nothing marked).
    min_cvar : float or None
        Optional CVaR floor (USD) that feasible candidates also meet.
    cvar_alpha : float
        Tail share of the CVaR figures.
    chosen_search : PolicyEvaluation or None
        The recommended (or best feasible) candidate on the search sample.
    chosen_validation : PolicyEvaluation or None
        The same policy on fresh validation draws, when it was validated.
    validation_draws : int or None
    seed_entropy : int or None
        Entropy of the search sample's root seed (to repeat it).
    """

    scenario_name: str
    family: str
    parameter: str
    objective: Objective
    search: tuple[PolicyEvaluation, ...]
    naive: Mapping[str, PolicyEvaluation]
    search_draws: int
    max_ruin: float | None = None
    min_cvar: float | None = None
    cvar_alpha: float = 0.05
    chosen_search: PolicyEvaluation | None = None
    chosen_validation: PolicyEvaluation | None = None
    validation_draws: int | None = None
    seed_entropy: int | None = field(default=None, compare=False)

    @classmethod
    def from_result(
        cls, result: OptimizationResult, *, min_cvar: float | None = None, cvar_alpha: float = 0.05
    ) -> Frontier:
        """The frontier of an optimization, with its recommendation on both samples.

        Parameters
        ----------
        result : OptimizationResult
        min_cvar : float, optional
            The CVaR floor the optimization was run with (the result does not
            record it), so that the table's ``feasible`` column matches the
            search.
        cvar_alpha : float
            The CVaR tail share it was run with (likewise not recorded).

        Returns
        -------
        Frontier
        """
        attrs = result.chosen_in_search.result.dataset.attrs
        return cls(
            scenario_name=str(attrs.get("scenario_name", "")),
            family=result.family.name,
            parameter=result.family.parameter,
            objective=result.objective,
            search=tuple(result.search),
            naive=dict(result.naive_search),
            search_draws=result.search_draws,
            max_ruin=result.max_ruin,
            min_cvar=min_cvar,
            cvar_alpha=cvar_alpha,
            chosen_search=result.chosen_in_search,
            chosen_validation=result.chosen,
            validation_draws=result.validation_draws,
            seed_entropy=_entropy(attrs.get("seed_entropy")),
        )

    def is_feasible(self, evaluation: PolicyEvaluation) -> bool:
        """Whether ``evaluation`` meets the ruin limit (and CVaR floor), as the search judges it.

        Parameters
        ----------
        evaluation : PolicyEvaluation

        Returns
        -------
        bool
            Always False when there is no ruin limit.
        """
        if self.max_ruin is None:
            return False
        return evaluation.ruin.high <= self.max_ruin and (self.min_cvar is None or evaluation.cvar >= self.min_cvar)

    def best_feasible(self) -> PolicyEvaluation | None:
        """The feasible candidate with the highest mean objective on the search sample, if any."""
        feasible = [e for e in self.search if self.is_feasible(e)]
        return max(feasible, key=lambda e: e.objective.mean) if feasible else None

    def table(self) -> pd.DataFrame:
        """Every candidate, then the naive policies, on the search sample.

        Returns
        -------
        pandas.DataFrame
            One row per policy. Columns: ``policy`` (label), ``kind``
            (``candidate`` or ``naive``), the family ``parameter``, P(ruin)
            with its Wilson (``low``, ``high``) and Clopper-Pearson
            (``exact low``, ``exact high``) bounds, ``objective mean`` and
            ``objective se`` (USD), ``objective CVaR`` (USD), ``revenue
            served`` and ``unserved demand`` (USD over the horizon, mean),
            ``feasible`` and ``chosen`` (the recommended or best feasible
            candidate).
        """
        chosen = self.chosen_search
        records = []
        rows: list[tuple[str, PolicyEvaluation]] = [("candidate", e) for e in self.search]
        rows += [("naive", e) for e in self.naive.values()]
        for kind, e in rows:
            records.append(
                {
                    "policy": e.label,
                    "kind": kind,
                    "parameter": e.parameter if kind == "candidate" else math.nan,
                    "P(ruin)": e.ruin.estimate,
                    "P(ruin) low": e.ruin.low,
                    "P(ruin) high": e.ruin.high,
                    "P(ruin) exact low": e.ruin_exact.low,
                    "P(ruin) exact high": e.ruin_exact.high,
                    "objective mean": e.objective.mean,
                    "objective se": e.objective.standard_error,
                    "objective CVaR": e.cvar,
                    "revenue served": e.revenue.mean,
                    "unserved demand": e.unserved.mean,
                    "feasible": self.is_feasible(e),
                    "chosen": kind == "candidate" and chosen is not None and e.parameter == chosen.parameter,
                }
            )
        return pd.DataFrame.from_records(records)


def _entropy(value: object) -> int | None:
    """A seed's entropy as an int, if it is one (a str of digits, as stored in a dataset's attrs, counts)."""
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def trace_frontier(
    scenario: Scenario,
    family: PolicyFamily,
    objective: Objective | None = None,
    *,
    draws: int = 20_000,
    seed: SeedLike = None,
    candidates: int = 21,
    max_ruin: float | None = None,
    min_cvar: float | None = None,
    cvar_alpha: float = 0.05,
    confidence: float = 0.95,
    progress: Callable[[str], None] | None = None,
) -> Frontier:
    """Evaluate a grid of ``family`` and the naive policies on common draws, without choosing.

    Unlike :func:`~frontiersim.optimize.search.optimize_policy` this never
    fails for want of a feasible policy, does not refine and does not
    validate: it is the frontier alone. With the same ``seed``, ``draws``
    and ``candidates`` its grid points are exactly those of the optimizer's
    search.

    Parameters
    ----------
    scenario : Scenario
    family : PolicyFamily
    objective : Objective, optional
        Defaults to expected discounted profit.
    draws : int
        Draws per policy, common to all (common random numbers).
    seed : int, SeedSequence, Generator or None
        Defaults to the scenario's seed.
    candidates : int
        Grid size, at least 2.
    max_ruin : float, optional
        Ruin limit used only to mark feasible candidates and the best of them.
    min_cvar : float, optional
        CVaR floor (USD) for feasibility.
    cvar_alpha, confidence : float
        Tail share of the CVaR and level of every interval.
    progress : callable, optional
        Called with a short message after each evaluation
        (``candidates + 3`` calls).

    Returns
    -------
    Frontier
    """
    objective = objective or Objective()
    root = seed_sequence(scenario.simulation.seed if seed is None else seed)

    def run(policy_label: str, parameter: float | None, policy: ProcurementPolicy) -> PolicyEvaluation:
        evaluation = evaluate_policy(
            scenario,
            policy,
            objective,
            draws=draws,
            seed=root,
            label=policy_label,
            parameter=parameter,
            cvar_alpha=cvar_alpha,
            confidence=confidence,
            keep_result=False,
        )
        if progress is not None:
            progress(f"{evaluation.label}: P(ruin) {evaluation.ruin}, objective {evaluation.objective.mean:.4g}")
        return evaluation

    search = tuple(run(family.label(float(v)), float(v), family.build(float(v))) for v in family.grid(candidates))
    naive = {name: run(name, None, policy) for name, policy in naive_policies(scenario).items()}
    frontier = Frontier(
        scenario_name=scenario.meta.name,
        family=family.name,
        parameter=family.parameter,
        objective=objective,
        search=search,
        naive=naive,
        search_draws=draws,
        max_ruin=max_ruin,
        min_cvar=min_cvar,
        cvar_alpha=cvar_alpha,
        seed_entropy=_entropy(root.entropy),
    )
    best = frontier.best_feasible()
    if best is None:
        return frontier
    return dataclasses.replace(frontier, chosen_search=best)


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
                    f"{frontier.family} {end.parameter:.4g}",
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
        value = f": {frontier.family} {chosen.parameter:.4g}" if chosen.parameter is not None else ""
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
        title = (
            f"{frontier.scenario_name}: {frontier.family} policies ({frontier.parameter}) — "
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
