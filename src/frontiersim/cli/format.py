"""Plain-text rendering of results for the terminal."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from frontiersim.examples import Figure
from frontiersim.optimize.plot import Frontier
from frontiersim.optimize.search import OptimizationResult, PolicyEvaluation
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


# ---------------------------------------------------------------------------
# Policy optimization
# ---------------------------------------------------------------------------


def format_rows(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """Render rows of text as aligned columns under a dashed header.

    Parameters
    ----------
    header : sequence of str
    rows : sequence of sequence of str
        Each as long as ``header``.
    left : int
        How many leading columns are left-aligned; the rest are right-aligned.

    Returns
    -------
    str
    """
    table = [list(header), *[list(row) for row in rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for k, row in enumerate(table):
        cells = [cell.ljust(widths[i]) if i < left else cell.rjust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _share(value: float) -> str:
    return f"{value:.2%}" if math.isfinite(value) else "n/a"


def _interval(low: float, high: float) -> str:
    return f"[{_share(low)}, {_share(high)}]"


def format_evaluation_risk(evaluation: PolicyEvaluation, cvar_alpha: float = 0.05) -> str:
    """Risk figures of one evaluated policy: P(ruin) with both intervals, objective ± SE, CVaR, revenue.

    Parameters
    ----------
    evaluation : PolicyEvaluation
    cvar_alpha : float
        The tail share its CVaR was computed at (for the label).

    Returns
    -------
    str
    """
    ruin, exact = evaluation.ruin, evaluation.ruin_exact
    level = f"{ruin.confidence:.0%}"
    rows = [
        (
            "P(ruin)",
            f"{_share(ruin.estimate)}  ({ruin.successes:,} of {ruin.trials:,} draws)   "
            f"Wilson {level} {_interval(ruin.low, ruin.high)}   Clopper-Pearson {level} "
            f"{_interval(exact.low, exact.high)}",
        ),
        (
            "objective",
            f"{money(evaluation.objective.mean)} ± {money(evaluation.objective.standard_error)} (1 SE)",
        ),
        (f"CVaR {cvar_alpha:.0%}", f"{money(evaluation.cvar)} (mean objective over the worst {cvar_alpha:.0%})"),
        ("revenue served", f"{money(evaluation.revenue.mean)} over the horizon (mean)"),
        ("unserved demand", f"{money(evaluation.unserved.mean)} over the horizon (mean)"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name.ljust(width)}  {text}" for name, text in rows)


#: Shorter headers for the commitment schedule's columns.
_SCHEDULE_HEADERS = {
    "USD per year of term (mean)": "$ per year of term",
    "contract value USD (mean)": "contract value mean",
    "contract value USD p5": "value p5",
    "contract value USD p50": "value p50",
    "contract value USD p95": "value p95",
}


def format_schedule(schedule: pd.DataFrame) -> str:
    """Render a commitment schedule: GW and contract dollars per decision year, mean and quantiles.

    Parameters
    ----------
    schedule : pandas.DataFrame
        Index: decision year; ``GW ...`` columns in GW, the others in USD.

    Returns
    -------
    str
    """
    header = [str(schedule.index.name or "year"), *[_SCHEDULE_HEADERS.get(str(c), str(c)) for c in schedule.columns]]
    rows = [
        [str(year), *[f"{float(v):,.2f}" if "GW" in str(c) else money(float(v)) for c, v in values.items()]]
        for year, values in schedule.iterrows()
    ]
    return format_rows(header, rows)


def format_comparison(comparison: pd.DataFrame, cvar_alpha: float = 0.05) -> str:
    """Render :meth:`OptimizationResult.comparison`: the recommendation beside the naive policies.

    Parameters
    ----------
    comparison : pandas.DataFrame
    cvar_alpha : float

    Returns
    -------
    str
    """
    header = [
        "policy",
        "P(ruin)",
        "95% Wilson",
        "objective",
        "± SE",
        f"CVaR {cvar_alpha:.0%}",
        "vs recommended",
        "± SE",
        "revenue served",
        "unserved",
    ]
    rows = []
    for k, (name, row) in enumerate(comparison.iterrows()):
        first = k == 0
        rows.append(
            [
                str(name),
                _share(float(row["P(ruin)"])),
                _interval(float(row["P(ruin) low"]), float(row["P(ruin) high"])),
                money(float(row["objective mean"])),
                money(float(row["objective se"])),
                money(float(row["objective CVaR"])),
                "-" if first else money(float(row["vs chosen"])),
                "-" if first else money(float(row["vs chosen se"])),
                money(float(row["revenue served"])),
                money(float(row["unserved demand"])),
            ]
        )
    return format_rows(header, rows)


def format_frontier_table(
    table: pd.DataFrame, parameter: str, cvar_alpha: float = 0.05, chosen_mark: str = "* recommended"
) -> str:
    """Render :meth:`Frontier.table`: candidates in parameter order, then the naive policies, marked.

    Parameters
    ----------
    table : pandas.DataFrame
    parameter : str
        Name of the family's parameter (the first column's header).
    cvar_alpha : float
    chosen_mark : str
        How the ``chosen`` row is marked.

    Returns
    -------
    str
    """
    header = [parameter, "P(ruin)", "95% Wilson", "objective", "± SE", f"CVaR {cvar_alpha:.0%}", "unserved", "mark"]
    rows = []
    for _, row in table.iterrows():
        naive = row["kind"] == "naive"
        mark = "naive" if naive else (chosen_mark if row["chosen"] else ("feasible" if row["feasible"] else ""))
        rows.append(
            [
                str(row["policy"]) if naive else f"{float(row['parameter']):.4g}",
                _share(float(row["P(ruin)"])),
                _interval(float(row["P(ruin) low"]), float(row["P(ruin) high"])),
                money(float(row["objective mean"])),
                money(float(row["objective se"])),
                money(float(row["objective CVaR"])),
                money(float(row["unserved demand"])),
                mark,
            ]
        )
    return format_rows(header, rows)


def format_optimization(
    result: OptimizationResult,
    schedule: pd.DataFrame,
    *,
    scenario_name: str,
    cvar_alpha: float = 0.05,
    notes: Sequence[str] = (),
) -> str:
    """The readable report that ``frontiersim optimize`` prints.

    Parameters
    ----------
    result : OptimizationResult
    schedule : pandas.DataFrame
        The recommendation's commitment schedule (see :func:`format_schedule`).
    scenario_name : str
    cvar_alpha : float
        Tail share of the CVaR figures.
    notes : sequence of str
        Extra lines printed after the optimizer's own messages.

    Returns
    -------
    str
    """
    family, chosen = result.family, result.chosen
    level = f"{chosen.ruin.confidence:.0%}"
    value = f"{chosen.parameter:.4g}" if chosen.parameter is not None else chosen.label
    lines = [
        f"scenario {scenario_name!r}: {family.name} policies, {family.parameter} in [{family.low:.4g}, "
        f"{family.high:.4g}]",
        f"maximise {result.objective.describe()} subject to P(ruin) <= {result.max_ruin:.2%} "
        f"(upper end of the {level} Wilson interval)",
        f"{len(result.search)} candidates on {result.search_draws:,} common draws; the recommendation and the naive "
        f"policies re-evaluated on {result.validation_draws:,} fresh draws",
        "",
        f"Recommended: {family.parameter} = {value}",
        "",
        f"Commitment schedule ({result.validation_draws:,} fresh draws; contract value = GW x price x term):",
        format_schedule(schedule),
        "",
        f"Risk on {result.validation_draws:,} fresh draws:",
        format_evaluation_risk(chosen, cvar_alpha),
        f"  (search sample: P(ruin) {result.chosen_in_search.ruin}, objective "
        f"{money(result.chosen_in_search.objective.mean)} ± {money(result.chosen_in_search.objective.standard_error)})",
        "",
        f"Against the naive policies ({result.validation_draws:,} fresh draws; 'vs recommended' is the paired "
        "difference on the same draws, common random numbers):",
        format_comparison(result.comparison(), cvar_alpha),
        "",
        *result.messages,
        *notes,
    ]
    return "\n".join(lines)


def format_frontier(frontier: Frontier) -> str:
    """The readable table that ``frontiersim frontier`` prints.

    Parameters
    ----------
    frontier : Frontier

    Returns
    -------
    str
    """
    limit = (
        f"; feasible: P(ruin) upper bound <= {frontier.max_ruin:.2%}"
        if frontier.max_ruin is not None
        else "; no ruin limit given (--max-ruin)"
    )
    lines = [
        f"scenario {frontier.scenario_name!r}: {frontier.family} policies against {frontier.objective.describe()}",
        f"{len(frontier.search)} candidates and {len(frontier.naive)} naive policies on the same "
        f"{frontier.search_draws:,} draws{limit}",
        "",
        format_frontier_table(
            frontier.table(),
            frontier.parameter,
            frontier.cvar_alpha,
            "* recommended" if frontier.chosen_validation is not None else "* best feasible",
        ),
    ]
    return "\n".join(lines)
