"""What a stored record holds for each kind of work: tables, per-draw tables, artifacts and headline metrics.

A simulation (``run``) keeps :func:`~frontiersim.results.tables.run_tables`
and :func:`~frontiersim.results.tables.draw_tables` of its result. An
optimization keeps the same tables for the recommended policy on its fresh
validation draws, plus the frontier, the comparison with the naive policies
and the commitment schedule. A traced frontier (``frontier``) keeps every
candidate on the search sample. A backtest keeps its forecasts and coverage.
Every record with tables keeps a ``units`` table describing their columns.

Recording a simulation
----------------------
The CLI and the dashboard record a simulation through two calls:
:func:`begin_simulation` commits a ``running`` record before the work
starts (so that a process that dies leaves an ``incomplete`` record), and
:func:`record_simulation` completes it with the result's payload. Called
without ``run_id``, :func:`record_simulation` begins and completes a record
in one go.

Metrics of several labs
-----------------------
A record's headline metrics (:data:`HEADLINE_METRICS`: ``p_ruin`` and the
others) are those of the first lab, so that ``runs list`` and ``runs
compare`` read every run alike. A run of several labs also keeps each lab's
under ``<metric>.<lab>`` (``p_ruin.b``): lab names are lowercase identifiers
and metric names have no dots, so the name splits back unambiguously
(:func:`split_lab_metric`). :func:`describe_metric` gives the label and kind
of any metric name, per-lab ones included.

The store sits below the producers of what it records (the simulation
entry point, the optimizer, the backtest) and imports none of them, not even
for types: what it reads of their results is described by the protocols
below (:class:`OptimizationLike`, :class:`FrontierLike`,
:class:`BacktestLike`), which their result classes meet.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import pandas as pd

from frontiersim.results.result import SimulationResult
from frontiersim.results.tables import draw_tables, lab_results, run_tables
from frontiersim.scenario.loader import scenario_hash
from frontiersim.store.errors import StoreError
from frontiersim.store.store import RunStore, as_stored
from frontiersim.store.units import BACKTEST_UNITS, OBJECTIVE_UNIT, declared_units, optimization_units, with_units

if TYPE_CHECKING:
    from frontiersim.results.summary import SummaryResult
    from frontiersim.scenario.schema import Scenario


# ---------------------------------------------------------------------------
# What the store reads of its producers' results
# ---------------------------------------------------------------------------


class ProportionLike(Protocol):
    """An estimated probability with its interval (``frontiersim.optimize.stats.Proportion``)."""

    @property
    def estimate(self) -> float:
        """The estimate."""

    @property
    def low(self) -> float:
        """Low end of the interval."""

    @property
    def high(self) -> float:
        """High end of the interval."""


class MeanLike(Protocol):
    """A mean with its standard error (``frontiersim.optimize.stats.MeanEstimate``)."""

    @property
    def mean(self) -> float:
        """The mean."""

    @property
    def standard_error(self) -> float:
        """Its standard error."""


class EvaluationLike(Protocol):
    """One evaluated policy (``frontiersim.optimize.search.PolicyEvaluation``)."""

    @property
    def parameter(self) -> float | None:
        """The policy family's parameter (None for a naive policy)."""

    @property
    def ruin(self) -> ProportionLike:
        """P(ruin) with its Wilson interval."""

    @property
    def objective(self) -> MeanLike:
        """The objective's mean."""

    @property
    def lab(self) -> str | None:
        """The lab whose policy was evaluated (None for a scenario's one implicit lab)."""

    @property
    def cvar(self) -> float:
        """The objective's CVaR."""

    @property
    def result(self) -> SimulationResult:
        """The simulation behind the figures."""


class OptimizationLike(Protocol):
    """An optimization (``frontiersim.optimize.search.OptimizationResult``)."""

    @property
    def chosen(self) -> EvaluationLike:
        """The recommendation on its fresh validation draws."""

    @property
    def objective(self) -> object:
        """The objective (its ``unit``, when it has one, is the unit of the objective's figures)."""

    @property
    def confirmed(self) -> bool:
        """Whether the validation draws confirm the ruin limit."""

    @property
    def search_draws(self) -> int:
        """Draws per candidate."""

    @property
    def validation_draws(self) -> int:
        """Fresh draws of the recommendation."""

    def comparison(self) -> pd.DataFrame:
        """The recommendation against the naive policies (index: policy)."""


class FrontierLike(Protocol):
    """A frontier (``frontiersim.optimize.frontier.Frontier``)."""

    @property
    def search(self) -> Sequence[object]:
        """The candidates on the search sample."""

    @property
    def search_draws(self) -> int:
        """Draws per candidate."""

    @property
    def chosen_search(self) -> EvaluationLike | None:
        """The recommended or best feasible candidate on the search sample, if any."""

    @property
    def objective(self) -> object:
        """The objective."""

    @property
    def parameter(self) -> str:
        """The family's parameter, with its unit."""

    def table(self) -> pd.DataFrame:
        """Every candidate and naive policy."""


class CoverageLike(Protocol):
    """Coverage of one level of intervals (``frontiersim.calibrate.backtest.Coverage``)."""

    @property
    def level(self) -> float:
        """Nominal level."""

    @property
    def covered(self) -> int:
        """Forecasts inside their interval."""

    @property
    def n(self) -> int:
        """Forecasts scored."""

    @property
    def below(self) -> int:
        """Forecasts below their interval."""

    @property
    def above(self) -> int:
        """Forecasts above their interval."""

    @property
    def rate(self) -> float:
        """Observed coverage."""

    @property
    def p_value(self) -> float:
        """Exact test of the nominal level."""

    @property
    def verdict(self) -> str:
        """Plain-language verdict."""

    def clopper_pearson(self, confidence: float = 0.95) -> tuple[float, float]:
        """Exact interval of the coverage."""


class CompanyBacktestLike(Protocol):
    """The backtest of one company (``frontiersim.calibrate.backtest.CompanyBacktest``)."""

    @property
    def company(self) -> str:
        """The company."""

    @property
    def fitted(self) -> bool:
        """Whether it could be fitted."""

    def coverage(self, level: float) -> CoverageLike:
        """Its coverage at one level."""


class BacktestLike(Protocol):
    """A backtest (``frontiersim.calibrate.backtest.BacktestResult``)."""

    @property
    def companies(self) -> Sequence[CompanyBacktestLike]:
        """Each company's backtest."""

    def coverage(self, level: float) -> CoverageLike:
        """Pooled coverage at one level."""

    def table(self) -> pd.DataFrame:
        """Every forecast."""

    def summary_text(self) -> str:
        """The summary, as text."""


#: How a metric is shown.
MetricKind = Literal["share", "usd", "count", "number", "flag"]

#: Headline metrics: name -> (label, how shown). Unknown metrics are shown as plain numbers.
METRICS: dict[str, tuple[str, MetricKind]] = {
    "p_ruin": ("P(ruin within the horizon)", "share"),
    "p_ruin_low": ("P(ruin), 95% Wilson low", "share"),
    "p_ruin_high": ("P(ruin), 95% Wilson high", "share"),
    "revenue_final_year_median_usd": ("revenue in the final year, median", "usd"),
    "cash_final_year_median_usd": ("cash at the end, median", "usd"),
    "p_ruin_including_runoff": ("P(ruin including the run-off)", "share"),
    "p_ruin_including_runoff_low": ("P(ruin including the run-off), 95% Wilson low", "share"),
    "p_ruin_including_runoff_high": ("P(ruin including the run-off), 95% Wilson high", "share"),
    "obligations_after_horizon_median_usd": ("obligations after the horizon, median of survivors", "usd"),
    "recommended_parameter": ("recommended policy parameter", "number"),
    "best_feasible_parameter": ("best feasible candidate: parameter (search sample)", "number"),
    "best_feasible_p_ruin": ("best feasible candidate: P(ruin)", "share"),
    "best_feasible_p_ruin_low": ("best feasible candidate: P(ruin), 95% Wilson low", "share"),
    "best_feasible_p_ruin_high": ("best feasible candidate: P(ruin), 95% Wilson high", "share"),
    "best_feasible_objective_mean_usd": ("best feasible candidate: objective, mean", "usd"),
    "best_feasible_objective_se_usd": ("best feasible candidate: objective, standard error", "usd"),
    "best_feasible_objective_cvar_usd": ("best feasible candidate: objective, CVaR", "usd"),
    "candidates": ("candidate policies", "count"),
    "objective_mean_usd": ("objective, mean", "usd"),
    "objective_se_usd": ("objective, standard error", "usd"),
    "objective_cvar_usd": ("objective, CVaR", "usd"),
    "confirmed": ("confirmed on fresh draws", "flag"),
    "search_draws": ("search draws per candidate", "count"),
    "validation_draws": ("validation draws", "count"),
    "forecasts": ("forecasts scored", "count"),
    "coverage_50": ("coverage of the 50% intervals", "share"),
    "coverage_90": ("coverage of the 90% intervals", "share"),
    "points": ("sweep points", "count"),
    "p_ruin_min": ("P(ruin within the horizon), lowest over the points", "share"),
    "p_ruin_max": ("P(ruin within the horizon), highest over the points", "share"),
    "inputs": ("uncertain inputs analysed", "count"),
    "outcomes": ("outcomes analysed", "count"),
    "design_draws": ("draws simulated for the design", "count"),
}

#: Metrics read from a run's ``headline`` table.
HEADLINE_METRICS = (
    "p_ruin",
    "p_ruin_low",
    "p_ruin_high",
    "revenue_final_year_median_usd",
    "cash_final_year_median_usd",
    "p_ruin_including_runoff",
    "p_ruin_including_runoff_low",
    "p_ruin_including_runoff_high",
    "obligations_after_horizon_median_usd",
)

#: Levels of the predictive intervals a backtest reports (those of ``frontiersim.calibrate.backtest.LEVELS``).
COVERAGE_LEVELS: tuple[float, ...] = (0.5, 0.9)


def lab_metric(name: str, lab: str) -> str:
    """The name of one lab's figure of metric ``name``.

    Examples
    --------
    >>> lab_metric("p_ruin", "b")
    'p_ruin.b'
    """
    return f"{name}.{lab}"


def split_lab_metric(name: str) -> tuple[str, str | None]:
    """A metric name as ``(metric, lab)``; the lab is None for a run-level metric.

    Examples
    --------
    >>> split_lab_metric("p_ruin.b"), split_lab_metric("p_ruin")
    (('p_ruin', 'b'), ('p_ruin', None))
    """
    base, dot, lab = name.partition(".")
    return (base, lab) if dot and lab else (name, None)


def describe_metric(name: str) -> tuple[str, MetricKind]:
    """Label and kind of a metric, per-lab ones (``p_ruin.b``) included; unknown ones are plain numbers.

    Examples
    --------
    >>> describe_metric("p_ruin.b")
    ('P(ruin within the horizon), lab b', 'share')
    >>> describe_metric("something_else")
    ('something_else', 'number')
    """
    if name in METRICS:
        return METRICS[name]
    base, lab = split_lab_metric(name)
    if lab is not None and base in METRICS:
        label, kind = METRICS[base]
        return f"{label}, lab {lab}", kind
    return name, "number"


#: The option a run kept as distributions (``run --no-draws``) is recorded with.
DISTRIBUTIONS_ONLY = "distributions_only"


@dataclass(frozen=True)
class RecordPayload:
    """Everything :meth:`RunStore.finish` stores for one run.

    Attributes
    ----------
    tables : dict of str to pandas.DataFrame
        Summary tables.
    draw_tables : dict of str to pandas.DataFrame
        Per-draw tables.
    artifacts : dict of str to bytes
    metrics : dict of str to float
    labs : tuple of str
        The labs of a simulation (empty for kinds without labs).
    options : dict
        What besides the scenario, seed and draws made the numbers (for a
        simulation ``keep_monthly``), so that the run can be made again.
    """

    tables: dict[str, pd.DataFrame]
    draw_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    artifacts: dict[str, bytes] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    labs: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)

    def store_in(self, store: RunStore, run_id: str) -> None:
        """Finish the running record ``run_id`` of ``store`` with this payload."""
        store.finish(
            run_id,
            tables=self.tables,
            draw_tables=self.draw_tables,
            artifacts=self.artifacts,
            metrics=self.metrics,
            labs=self.labs or None,
            options=self.options,
        )


def headline_metrics(tables: Mapping[str, pd.DataFrame], lab: str | None = None) -> dict[str, float]:
    """The :data:`HEADLINE_METRICS` of a run's ``headline`` table (empty without one).

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
    lab : str, optional
        The lab whose figures go under the plain names (the lab an
        optimization searched); by default the first.

    Returns
    -------
    dict of str to float
        That lab's figures under their own names and, when the table has
        several labs, every lab's under :func:`lab_metric` names.

    Examples
    --------
    >>> headline = pd.DataFrame({"lab": ["a", "b"], "p_ruin": [0.1, 0.2]})
    >>> headline_metrics({"headline": headline})
    {'p_ruin': 0.1, 'p_ruin.a': 0.1, 'p_ruin.b': 0.2}
    """
    headline = tables.get("headline")
    if headline is None or not len(headline):
        return {}
    names = [name for name in HEADLINE_METRICS if name in headline.columns]
    position = 0
    if lab is not None and "lab" in headline.columns:
        matches = [k for k, name in enumerate(headline["lab"]) if str(name) == lab]
        if not matches:
            raise ValueError(f"no lab {lab!r} in the headline table")
        position = matches[0]
    metrics = {name: float(headline[name].iloc[position]) for name in names}
    if "lab" in headline.columns and len(headline) > 1:
        for _, row in headline.iterrows():
            metrics.update({lab_metric(name, str(row["lab"])): float(row[name]) for name in names})
    return metrics


def simulation_payload(
    result: SimulationResult,
    *,
    tables: Mapping[str, pd.DataFrame] | None = None,
    per_draw: Mapping[str, pd.DataFrame] | None = None,
) -> RecordPayload:
    """Summary tables, per-draw tables, headline metrics and labs of a simulation.

    Parameters
    ----------
    result : SimulationResult
    tables : mapping of str to pandas.DataFrame, optional
        ``run_tables(result)`` when already made (they are made otherwise).
    per_draw : mapping of str to pandas.DataFrame, optional
        ``draw_tables(result)`` when already made (they are made otherwise).

    Returns
    -------
    RecordPayload
    """
    summary = dict(tables) if tables is not None else run_tables(result)
    draws = dict(per_draw) if per_draw is not None else draw_tables(result)
    labs = tuple(name for name, _ in lab_results(result))
    return RecordPayload(
        tables=summary,
        draw_tables=draws,
        metrics=headline_metrics(summary),
        labs=labs,
        options={"keep_monthly": result.has_monthly},
    )


def summary_payload(summary: SummaryResult) -> RecordPayload:
    """What a run kept as distributions stores: its run tables (:func:`summary_run_tables`), no per-draw tables.

    ``options["distributions_only"]`` tells ``frontiersim rerun`` to make it
    again with :func:`frontiersim.simulate_summary`.
    """
    from frontiersim.results.summary_tables import summary_run_tables  # noqa: PLC0415

    tables = summary_run_tables(summary)
    return RecordPayload(
        tables=tables,
        metrics=headline_metrics(tables),
        labs=tuple(summary.labs),
        options={"keep_monthly": False, DISTRIBUTIONS_ONLY: True},
    )


def optimization_payload(
    result: OptimizationLike,
    *,
    frontier: FrontierLike,
    schedule: pd.DataFrame,
    artifacts: Mapping[str, bytes] = {},
) -> RecordPayload:
    """What an optimization stores: the recommended policy's validation run, the frontier and the comparison.

    Parameters
    ----------
    result : OptimizationLike
        An ``OptimizationResult``.
    frontier : FrontierLike
        ``Frontier.from_result(result)``.
    schedule : pandas.DataFrame
        The recommended policy's commitment schedule (index: year).
    artifacts : mapping of str to bytes
        ``frontier.png``, ``optimize.json``, ...

    Returns
    -------
    RecordPayload
        The validation result's run tables and per-draw tables (yearly only:
        candidates keep no monthly arrays), plus ``frontier``, ``comparison``
        and ``schedule``.
    """
    base = simulation_payload(result.chosen.result)
    chosen = result.chosen
    own = {
        "frontier": frontier.table(),
        "comparison": result.comparison().reset_index(),
        "schedule": _flat(schedule),
    }
    declarations = optimization_units(_objective_unit(result.objective), frontier.parameter)
    tables = {**base.tables, **own, "units": with_units(base.tables.get("units"), declared_units(own, declarations))}
    # P(ruin) and the other headline figures are those of the lab whose policy was searched.
    searched = headline_metrics(base.tables, chosen.lab) if chosen.lab is not None else base.metrics
    metrics = {
        **searched,
        "recommended_parameter": math.nan if chosen.parameter is None else float(chosen.parameter),
        "objective_mean_usd": chosen.objective.mean,
        "objective_se_usd": chosen.objective.standard_error,
        "objective_cvar_usd": chosen.cvar,
        "confirmed": 1.0 if result.confirmed else 0.0,
        "search_draws": float(result.search_draws),
        "validation_draws": float(result.validation_draws),
    }
    return RecordPayload(
        tables=tables, draw_tables=base.draw_tables, artifacts=dict(artifacts), metrics=metrics, labs=base.labs
    )


def _objective_unit(objective: object) -> str:
    """The unit an objective declares (USD when it declares none)."""
    unit = getattr(objective, "unit", None)
    return unit if isinstance(unit, str) and unit else OBJECTIVE_UNIT


def frontier_payload(frontier: FrontierLike, *, artifacts: Mapping[str, bytes] = {}) -> RecordPayload:
    """What a traced frontier stores: every candidate and naive policy on the search sample.

    Parameters
    ----------
    frontier : FrontierLike
        From :func:`~frontiersim.optimize.frontier.trace_frontier`.
    artifacts : mapping of str to bytes
        ``frontier.png``, ``frontier.json``, ...

    Returns
    -------
    RecordPayload
        The ``frontier`` table (no per-draw tables: candidates keep none),
        and, when a candidate meets the ruin limit, the best feasible one's
        parameter, P(ruin) with its Wilson interval and objective as
        ``best_feasible_*`` metrics. These are search-sample figures, not
        re-checked on fresh draws, so they are kept apart from a run's
        ``p_ruin``.
    """
    metrics = {"search_draws": float(frontier.search_draws), "candidates": float(len(frontier.search))}
    best = frontier.chosen_search
    if best is not None:
        metrics.update(
            {
                "best_feasible_parameter": math.nan if best.parameter is None else float(best.parameter),
                "best_feasible_p_ruin": best.ruin.estimate,
                "best_feasible_p_ruin_low": best.ruin.low,
                "best_feasible_p_ruin_high": best.ruin.high,
                "best_feasible_objective_mean_usd": best.objective.mean,
                "best_feasible_objective_se_usd": best.objective.standard_error,
                "best_feasible_objective_cvar_usd": best.cvar,
            }
        )
    tables = {"frontier": frontier.table()}
    declarations = optimization_units(_objective_unit(frontier.objective), frontier.parameter)
    tables["units"] = declared_units(tables, declarations)
    return RecordPayload(tables=tables, artifacts=dict(artifacts), metrics=metrics)


def coverage_table(result: BacktestLike, levels: Sequence[float] = COVERAGE_LEVELS) -> pd.DataFrame:
    """The 50% and 90% coverage of a backtest, per fitted company and pooled.

    Parameters
    ----------
    result : BacktestLike
    levels : sequence of float
        Nominal levels of the intervals.

    Returns
    -------
    pandas.DataFrame
        Columns ``company`` (``pooled`` for all fitted companies together),
        ``level``, ``covered``, ``n``, ``below``, ``above``, ``rate``,
        ``ci_low``, ``ci_high`` (exact 95%), ``p_value`` and ``verdict``.
    """
    rows: list[tuple[str, CoverageLike]] = []
    for company in result.companies:
        if company.fitted:
            rows.extend((company.company, company.coverage(level)) for level in levels)
    rows.extend(("pooled", result.coverage(level)) for level in levels)
    records = []
    for company_name, coverage in rows:
        low, high = coverage.clopper_pearson()
        records.append(
            {
                "company": company_name,
                "level": coverage.level,
                "covered": coverage.covered,
                "n": coverage.n,
                "below": coverage.below,
                "above": coverage.above,
                "rate": coverage.rate,
                "ci_low": low,
                "ci_high": high,
                "p_value": coverage.p_value,
                "verdict": coverage.verdict,
            }
        )
    return pd.DataFrame.from_records(records)


def backtest_payload(result: BacktestLike, levels: Sequence[float] = COVERAGE_LEVELS) -> RecordPayload:
    """What a backtest stores: its forecasts, coverage and summary text.

    Parameters
    ----------
    result : BacktestLike
    levels : sequence of float
        Nominal levels of the intervals (the backtest's own, by default).

    Returns
    -------
    RecordPayload
    """
    pooled = {level: result.coverage(level) for level in levels}
    metrics = {f"coverage_{round(100 * level)}": coverage.rate for level, coverage in pooled.items()}
    metrics["forecasts"] = float(pooled[levels[0]].n)
    tables = {"backtest": result.table(), "coverage": coverage_table(result, levels)}
    tables["units"] = declared_units(tables, BACKTEST_UNITS)
    return RecordPayload(
        tables=tables,
        artifacts={"backtest.txt": (result.summary_text() + "\n").encode("utf-8")},
        metrics=metrics,
    )


def begin_simulation(
    store: RunStore,
    scenario: Scenario,
    *,
    seed: int | None,
    draws: int,
    message: str = "",
    command: Sequence[str] = (),
    scenario_text: str | None = None,
) -> str:
    """Commit a ``running`` record of a simulation about to start, and return its id.

    Parameters
    ----------
    store : RunStore
    scenario : Scenario
    seed : int or None
        The root seed the run will use.
    draws : int
    message : str
        One line: why the run is made.
    command : sequence of str
        What makes it (a command line, or a description such as ``["frontiersim", "serve"]``).
    scenario_text : str, optional
        The scenario's text as stored (default: the text it was read from).

    Returns
    -------
    str
        The record's id, for :func:`record_simulation`.

    Raises
    ------
    StoreError
        If the store cannot be opened or written.
    """
    return store.begin(
        kind="run",
        scenario_text=(scenario.source_text or "") if scenario_text is None else scenario_text,
        scenario_name=scenario.meta.name,
        scenario_sha256=scenario_hash(scenario),
        seed=seed,
        draws=draws,
        message=message,
        command=command,
    )


def record_simulation(
    store: RunStore,
    result: SimulationResult,
    *,
    message: str = "",
    command: Sequence[str] = (),
    run_id: str | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
    per_draw: Mapping[str, pd.DataFrame] | None = None,
) -> str:
    """Store a finished simulation as a complete ``run`` record and return its id.

    The one function that records a simulation (the CLI's ``run`` and the
    dashboard's "save run" both call it).

    Parameters
    ----------
    store : RunStore
    result : SimulationResult
    message : str
        One line: why the run was made (for a record begun here).
    command : sequence of str
        What made it (for a record begun here).
    run_id : str, optional
        A ``running`` record :func:`begin_simulation` (or :meth:`RunStore.begin`)
        committed before the work started: it is completed. Without it, a
        record is begun from the result's attributes and completed at once.
    tables, per_draw : mapping of str to pandas.DataFrame, optional
        ``run_tables(result)`` and ``draw_tables(result)`` when the caller
        made them already (see :func:`simulation_payload`).

    Returns
    -------
    str
        The record's id.

    Raises
    ------
    StoreError
        If the store cannot be written; the record is then marked failed
        (as it is on any other error, which is raised again).
    """
    if run_id is None:
        attrs = result.dataset.attrs
        entropy = str(attrs.get("seed_entropy", ""))
        run_id = store.begin(
            kind="run",
            scenario_text=str(attrs.get("scenario_toml") or ""),
            scenario_name=str(attrs.get("scenario_name", "")),
            scenario_sha256=str(attrs.get("scenario_sha256", "")),
            seed=int(entropy) if entropy.isdigit() else None,
            draws=result.draws,
            message=message,
            command=command,
        )
    try:
        simulation_payload(result, tables=tables, per_draw=per_draw).store_in(store, run_id)
    except BaseException as error:
        with suppress(StoreError):
            store.fail(run_id, f"{type(error).__name__}: {error}")
        raise
    return run_id


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its index as leading columns and string column names."""
    table = frame.reset_index()
    table.columns = [str(column) for column in table.columns]
    return table


@dataclass(frozen=True)
class TableDifference:
    """How a table made again differs from the stored one (see :func:`table_differences`).

    Attributes
    ----------
    table : str
    reason : str
        What differs: the columns, the number of rows, or the values.
    column : str
        The column with the largest difference ("" when the shapes differ).
    largest_abs_difference : float
        Largest absolute difference in that column (NaN when not numeric or the shapes differ).
    """

    table: str
    reason: str
    column: str = ""
    largest_abs_difference: float = math.nan


def table_differences(
    stored: Mapping[str, pd.DataFrame], made: Mapping[str, pd.DataFrame]
) -> tuple[list[str], list[TableDifference]]:
    """Compare tables made again with the stored ones, bit for bit.

    Each made table is first put in its stored form
    (:func:`~frontiersim.store.store.as_stored`); two tables are equal when
    they have the same columns, index, dtypes and values, NaN equal to NaN.

    Parameters
    ----------
    stored, made : mapping of str to pandas.DataFrame
        By table name; only the names in both are compared.

    Returns
    -------
    tuple of (list of str, list of TableDifference)
        The names of the tables that are equal, and one difference per table that is not.

    Examples
    --------
    >>> a = pd.DataFrame({"x": [1.0, 2.0]})
    >>> table_differences({"t": a}, {"t": a.copy()})
    (['t'], [])
    >>> equal, different = table_differences({"t": a}, {"t": a + 1e-12})
    >>> equal, different[0].column, different[0].largest_abs_difference < 1e-11
    ([], 'x', True)
    """
    equal: list[str] = []
    different: list[TableDifference] = []
    for name in sorted(set(stored) & set(made)):
        before, after = stored[name], as_stored(name, made[name])
        if before.equals(after):
            equal.append(name)
        elif list(before.columns) != list(after.columns):
            different.append(
                TableDifference(name, f"columns differ: {list(before.columns)} then, {list(after.columns)} now")
            )
        elif len(before) != len(after):
            different.append(TableDifference(name, f"{len(before):,} rows then, {len(after):,} now"))
        else:
            different.append(_largest_difference(name, before, after))
    return equal, different


def _largest_difference(name: str, before: pd.DataFrame, after: pd.DataFrame) -> TableDifference:
    """The column of two same-shaped tables whose values differ most."""
    worst = TableDifference(name, "values differ", "", -1.0)
    for column in before.columns:
        old, new = before[column].to_numpy(), after[column].to_numpy()
        if old.dtype.kind in "fiub" and new.dtype.kind in "fiub":
            gap = np.abs(old.astype(float) - new.astype(float))
            both_nan = np.isnan(old.astype(float)) & np.isnan(new.astype(float))
            gap = np.where(both_nan, 0.0, np.where(np.isnan(gap), np.inf, gap))
            largest = float(gap.max()) if gap.size else 0.0
            if largest > worst.largest_abs_difference:
                worst = TableDifference(name, "values differ", str(column), largest)
        elif not before[column].equals(after[column]) and worst.largest_abs_difference < 0:
            worst = TableDifference(name, "values differ", str(column), math.nan)
    if worst.largest_abs_difference == -1.0:  # dtypes or the index differ, not the values
        return TableDifference(name, "dtypes or index differ")
    return worst
