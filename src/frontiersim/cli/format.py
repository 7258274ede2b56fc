"""Plain-text rendering of results for the terminal."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import xarray as xr

from frontiersim.examples import Figure
from frontiersim.optimize.frontier import Frontier
from frontiersim.optimize.search import OptimizationResult, PolicyEvaluation
from frontiersim.optimize.split import TrainingShareSearch
from frontiersim.results.result import PNL_LINES, SUMMARY_METRICS, SimulationResult
from frontiersim.results.summary import SummaryResult
from frontiersim.results.tables import PROBABILITY
from frontiersim.units import counted, format_number, money, number_text, plain_number


def format_value(value: float, unit: str) -> str:
    """One figure in its unit: USD amounts as money, probabilities as percentages, GW to two decimals.

    Parameters
    ----------
    value : float
    unit : str
        A unit of the output catalogue (``"USD"``, ``"USD/year"``, ``"GW"``,
        ``"month"``, ``"1"``, ...) or :data:`~frontiersim.results.tables.PROBABILITY`.

    Returns
    -------
    str
        Empty for a value that is not finite.

    Examples
    --------
    >>> format_value(1.5e10, "USD"), format_value(0.0235, "probability"), format_value(2.345, "GW")
    ('$15B', '2.4%', '2.35')
    """
    if not math.isfinite(value):
        return ""
    if unit == PROBABILITY:
        return f"{value:.1%}"
    if unit.startswith("USD"):
        return money(value)
    if unit == "GW":
        return f"{value:,.2f}"
    if unit in ("month", "months"):
        return f"{value:,.0f}"
    return format_number(value, 4)


def unit_from_name(name: str) -> str:
    """The unit a column's name declares by its suffix (``revenue_usd`` is USD, ``capacity_gw`` is GW); "" if none.

    Examples
    --------
    >>> unit_from_name("median_usd"), unit_from_name("high90_usd"), unit_from_name("capacity_gw"), unit_from_name("pit")
    ('USD', 'USD', 'GW', '')
    """
    suffixes = {"_usd": "USD", "_usd_per_year": "USD", "_gw": "GW", "_months": "months", "_share": PROBABILITY}
    return next((unit for suffix, unit in suffixes.items() if name.endswith(suffix)), "")


def format_columns(table: pd.DataFrame) -> str:
    """Render a table of figures whose column names carry their units (``reported_usd``): every number readable.

    Money columns as money, other float columns to three significant digits
    (:func:`frontiersim.units.format_number`), never in e-notation; other
    cells as they are.

    Parameters
    ----------
    table : pandas.DataFrame

    Returns
    -------
    str
    """
    shown = table.copy().astype(object)
    for column in table.columns:
        values = table[column]
        if values.dtype.kind != "f":
            continue
        unit = unit_from_name(str(column))
        shown[column] = [format_value(float(v), unit) if unit else format_number(float(v)) for v in values]
    return shown.to_string(index=False)


def variable_units(dataset: xr.Dataset) -> dict[str, str]:
    """The unit of every variable of a result's dataset, from its ``units`` attribute (the output catalogue's)."""
    return {str(name): str(variable.attrs.get("units", "")) for name, variable in dataset.data_vars.items()}


def summary_units(dataset: xr.Dataset) -> dict[str, str]:
    """Unit of each metric of :meth:`SimulationResult.summary` (by its label), from the dataset's attributes."""
    return _metric_units(variable_units(dataset))


def _metric_units(units: Mapping[str, str]) -> dict[str, str]:
    """Unit of each summary metric (by its label), from the unit of each output."""
    return {label: units.get(variable, "") for variable, label in SUMMARY_METRICS.items()}


def format_table(table: pd.DataFrame, units: Mapping[str, str] | None = None) -> str:
    """Render a summary-style table (rows ``(metric, statistic)``, columns years).

    Parameters
    ----------
    table : pandas.DataFrame
        Rows ``(metric, statistic)``, one column per year.
    units : mapping of str to str, optional
        Unit of each metric. A ``probability`` statistic is a share of draws
        whatever its metric; a metric without a unit is shown as a plain number.

    Returns
    -------
    str
    """
    units = units or {}
    header = ["metric", "stat", *[str(c) for c in table.columns]]
    rows = [header]
    previous = None
    for key, values in table.iterrows():
        metric, statistic = str(key[0]), str(key[1])  # type: ignore[index]
        label = metric if metric != previous else ""
        previous = metric
        unit = PROBABILITY if statistic == PROBABILITY else units.get(metric, "")
        rows.append([str(label), str(statistic), *[format_value(float(v), unit) for v in values]])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for k, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [row[i].rjust(widths[i]) for i in range(2, len(row))]
        lines.append("  ".join(cells))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_stored_summary(summary: pd.DataFrame) -> str:
    """Render a stored ``summary`` table: columns ``[lab,] metric, statistic, [units,]`` then one per year.

    A table of several labs is shown as a section per lab. Each row's unit is
    its ``units`` column (a table stored without it shows plain numbers).

    Parameters
    ----------
    summary : pandas.DataFrame

    Returns
    -------
    str
    """
    years = [str(c) for c in summary.columns if str(c).isdigit()]
    has_units = "units" in summary.columns
    sections = []
    labs = list(dict.fromkeys(str(lab) for lab in summary["lab"])) if "lab" in summary.columns else [""]
    for lab in labs:
        rows = summary if not lab else summary[summary["lab"].astype(str) == lab]
        table = rows.set_index(["metric", "statistic"])[years]
        table.columns.name = "year"
        units = (
            {str(m): str(u) for m, u in zip(rows["metric"], rows["units"], strict=True) if str(u)} if has_units else {}
        )
        rendered = format_table(table, units)
        sections.append(f"lab {lab}:\n{rendered}" if len(labs) > 1 else rendered)
    return "\n\n".join(sections)


def format_frame(
    frame: pd.DataFrame,
    *,
    row_units: Mapping[str, str] | None = None,
    column_units: Mapping[str, str] | None = None,
) -> str:
    """Render a frame of figures, each in the unit of its row or of its column.

    Parameters
    ----------
    frame : pandas.DataFrame
    row_units, column_units : mapping of str to str, optional
        Units by row label and by column label (a row's unit wins). Cells
        with neither are left as they are.

    Returns
    -------
    str
    """
    row_units, column_units = row_units or {}, column_units or {}
    shown = frame.copy().astype(object)
    for row_label in frame.index:
        for column in frame.columns:
            unit = row_units.get(str(row_label), column_units.get(str(column)))
            if unit is not None:
                shown.loc[row_label, column] = format_value(float(frame.loc[row_label, column]), unit)
    return shown.to_string()


def _model_units(dataset: xr.Dataset) -> dict[str, str]:
    """Unit of each per-model variable, by its label (the columns of :meth:`SimulationResult.cohort_pnl`)."""
    return {
        str(variable.attrs.get("long_name", name)): str(variable.attrs.get("units", ""))
        for name, variable in dataset.data_vars.items()
        if "model" in variable.dims
    }


def _units_of(result: SimulationResult | SummaryResult, lab: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """Unit of every output by name, and of every per-model output by label (the per-model P&L's columns)."""
    if isinstance(result, SummaryResult):
        by_label = {spec.label: spec.unit for spec in result.specs.values() if spec.shape == "model"}
        return {name: unit for name, (unit, _) in result.units().items()}, by_label
    dataset = result.lab_dataset(lab)
    return variable_units(dataset), _model_units(dataset)


def _obligation_lines(result: SimulationResult | SummaryResult, lab: str | None) -> list[str]:
    """What the lab still owes after the horizon, and whether it could pay it."""
    owed = result.obligations_after_horizon(lab)
    return [
        f"P(ruin including the run-off) = {result.ruin_probability(lab, including_runoff=True):.2%}"
        "  (no new contracts after the horizon; every contract paid to its end)",
        f"Obligations after the horizon = {money(owed)} (median over the draws that survive the horizon)",
    ]


def _lab_tables(result: SimulationResult | SummaryResult, lab: str | None) -> list[str]:
    """P(ruin), the summary, the company P&L and the per-model P&L of one lab."""
    units, model_units = _units_of(result, lab)
    pnl_units = {line: units.get(variable, "") for line, variable in PNL_LINES.items()}
    return [
        f"P(ruin within the horizon) = {result.ruin_probability(lab):.2%}",
        *_obligation_lines(result, lab),
        "",
        format_table(result.summary(lab=lab), _metric_units(units)),
        "",
        "Company P&L by year (mean over draws):",
        format_frame(result.company_pnl(lab=lab), row_units=pnl_units),
        "",
        "Per-model P&L (mean over draws): each model is a company",
        format_frame(result.cohort_pnl(lab=lab), column_units=model_units),
    ]


def format_result(result: SimulationResult | SummaryResult) -> str:
    """The readable summary that ``frontiersim run`` prints.

    With one lab: P(ruin), the summary by year, the company P&L and the
    per-model P&L. With several: P(ruin) of every lab, then a section of
    those tables per lab, headed by the lab's name. A :class:`SummaryResult`
    (``run --no-draws``) reads the same, its quantiles from sketches.
    """
    attrs: Mapping[str, Any] = result.attrs if isinstance(result, SummaryResult) else result.dataset.attrs
    lines = [
        f"scenario {attrs.get('scenario_name')!r}: {counted(result.draws, 'draw')}, "
        f"{counted(int(attrs.get('horizon_years', 0)), 'year')} "
        f"from {attrs.get('start')}, seed entropy {attrs.get('seed_entropy')}",
    ]
    labs = result.labs
    if len(labs) <= 1:
        return "\n".join([*lines, *_lab_tables(result, None)])
    width = max(len(lab) for lab in labs)
    lines += [
        f"{len(labs)} labs: {', '.join(labs)}",
        "",
        "P(ruin) by lab: within the horizon, including the run-off; obligations after the horizon (median):",
        *(
            f"  {lab.ljust(width)}  {result.ruin_probability(lab):7.2%}  "
            f"{result.ruin_probability(lab, including_runoff=True):7.2%}  "
            f"{money(result.obligations_after_horizon(lab))}"
            for lab in labs
        ),
    ]
    for lab in labs:
        lines += ["", f"== lab {lab} ==", *_lab_tables(result, lab)]
    return "\n".join(lines)


def format_figures(name: str, figures: list[Figure], source: str = "") -> str:
    """A worked example's figures beside the interview's, under the citation of the interview (when given)."""

    def shown(figure: Figure) -> str:
        if figure.unit == "USD":
            return money(figure.value)
        if figure.unit == "share":
            return f"{figure.value:.1%}"
        if figure.unit == "month":
            return "none" if figure.value < 0 else f"month {figure.value:.0f}"
        return f"{number_text(figure.value)}"

    rows = [
        ("figure", "model", "interview", ""),
        *[(f.label, shown(f), f.stated, "ok" if f.ok else "MISMATCH") for f in figures],
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [f"== {name} =="] + ([f"source: {source}"] if source else [])
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


def format_schedule(schedule: pd.DataFrame, units: Mapping[str, str] | None = None) -> str:
    """Render a commitment schedule: GW and contract dollars per decision year, mean and quantiles.

    Parameters
    ----------
    schedule : pandas.DataFrame
        Index: decision year; one column per figure.
    units : mapping of str to str, optional
        Unit of each column (default: ``schedule.attrs["units"]``, as
        :meth:`PolicyEvaluation.commitment_schedule` sets it).

    Returns
    -------
    str
    """
    units = dict(schedule.attrs.get("units", {})) if units is None else dict(units)
    header = [str(schedule.index.name or "year"), *[_SCHEDULE_HEADERS.get(str(c), str(c)) for c in schedule.columns]]
    rows = [
        [str(year), *[format_value(float(v), units.get(str(c), "")) for c, v in values.items()]]
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
                str(row["policy"]) if naive else f"{number_text(float(row['parameter']), 4)}",
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


def _lab_text(lab: str | None) -> str:
    """``", lab 'alpha'"`` for a search of one declared lab's policy; empty for a scenario's one implicit lab."""
    return "" if lab is None else f", lab {lab!r}"


def _other_labs(lab: str | None, labs: Sequence[str]) -> list[str]:
    """A line naming the labs that keep the scenario's policies (none for a search of a scenario's only lab)."""
    others = [name for name in labs if name != lab]
    if lab is None or not others:
        return []
    return [f"the other labs ({', '.join(others)}) keep the scenario's policies; the figures are {lab}'s"]


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
    value = f"{number_text(chosen.parameter, 4)}" if chosen.parameter is not None else chosen.label
    lines = [
        f"scenario {scenario_name!r}{_lab_text(family.lab)}: {family.name} policies, {family.parameter} in "
        f"[{number_text(family.low, 4)}, {number_text(family.high, 4)}]",
        *_other_labs(family.lab, chosen.result.labs),
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
    others = _other_labs(frontier.lab, frontier.search[0].result.labs if frontier.search else [])
    lines = [
        f"scenario {frontier.scenario_name!r}{_lab_text(frontier.lab)}: {frontier.family} policies against "
        f"{frontier.objective.describe()}",
        *others,
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


def format_training_shares(split: TrainingShareSearch) -> str:
    """The best policy at each training share searched, and the pair recommended."""
    table = split.table()
    rows = []
    for _, row in table.iterrows():
        if not row["feasible"]:
            rows.append([f"{row['training_share']:.0%}", "no policy meets the ruin limit", "", "", "", ""])
            continue
        rows.append(
            [
                f"{row['training_share']:.0%}",
                f"{number_text(row['parameter'], 4)}",
                f"{row['p_ruin']:.2%}",
                money(row["objective_mean_usd"]),
                "yes" if row["confirmed"] else "no",
                "<- recommended" if row["best"] else "",
            ]
        )
    header = ["training share", "best parameter", "P(ruin), fresh draws", "objective, mean", "confirmed", ""]
    return "Training share searched with the policy (each share planned and kept for training):\n" + format_rows(
        header, rows
    )


def format_key_value(value: object, unit: str) -> str:
    """A swept key's value in its unit (USD amounts as money; text as it is).

    Examples
    --------
    >>> format_key_value(1.2e10, "USD/year"), format_key_value(18.0, "months"), format_key_value(0.4, "x")
    ('$12B/year', '18 months', '0.4x')
    >>> format_key_value('"3 to 20"', "x"), format_key_value(0.3, "1")
    ('"3 to 20"', '0.3')
    """
    if not isinstance(value, int | float) or isinstance(value, bool):
        return str(value)
    if unit.startswith("USD"):
        return money(float(value)) + unit.removeprefix("USD")
    shown = plain_number(float(value), 4)
    if unit in ("", "1"):
        return shown
    return f"{shown}x" if unit == "x" else f"{shown} {unit}"


#: Metric columns of a sweep's ``points`` table as shown: column -> (header, kind).
SWEEP_COLUMNS: dict[str, tuple[str, str]] = {
    "p_ruin": ("P(ruin)", "share"),
    "p_ruin_including_runoff": ("P(ruin incl. run-off)", "share"),
    "revenue_final_year_median_usd": ("revenue final year (median)", "usd"),
    "cash_final_year_median_usd": ("cash at end (median)", "usd"),
}


def format_sweep_points(points: pd.DataFrame, keys: Sequence[str], key_units: Mapping[str, str]) -> str:
    """A sweep's ``points`` table as text: point, each key's value, the lab (with several) and headline metrics.

    Parameters
    ----------
    points : pandas.DataFrame
        The ``points`` table of a sweep (:func:`frontiersim.sweep.runner.points_table`).
    keys : sequence of str
        The swept keys (columns of ``points``).
    key_units : mapping of str to str
        Each key's unit (``frontiersim defaults``).

    Returns
    -------
    str
    """
    several_labs = "lab" in points.columns and points["lab"].nunique() > 1
    header = ["point", *keys, *(["lab"] if several_labs else []), *(label for label, _ in SWEEP_COLUMNS.values())]
    rows: list[list[str]] = []
    for _, row in points.iterrows():
        cells = [str(int(row["point"]) + 1)]
        cells += [format_key_value(row[key], key_units.get(key, "")) for key in keys]
        if several_labs:
            cells.append(str(row["lab"]))
        for column, (_, kind) in SWEEP_COLUMNS.items():
            value = float(row[column]) if column in points.columns else math.nan
            if not math.isfinite(value):
                cells.append("n/a")
            else:
                cells.append(f"{value:.2%}" if kind == "share" else money(value))
        rows.append(cells)
    return format_rows(header, rows, left=1 + len(keys) + (1 if several_labs else 0))
