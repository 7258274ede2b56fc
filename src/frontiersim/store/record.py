"""What a stored record holds for each kind of work: tables, per-draw tables, artifacts and headline metrics.

A simulation (``run``) keeps :func:`~frontiersim.results.tables.run_tables`
and :func:`~frontiersim.results.tables.draw_tables` of its result. An
optimization keeps the same tables for the recommended policy on its fresh
validation draws, plus the frontier, the comparison with the naive policies
and the commitment schedule. A traced frontier (``frontier``) keeps every
candidate on the search sample. A backtest keeps its forecasts and coverage.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from frontiersim.calibrate.backtest import LEVELS, BacktestResult, Coverage
from frontiersim.optimize.plot import Frontier
from frontiersim.optimize.search import OptimizationResult
from frontiersim.results.result import SimulationResult
from frontiersim.results.tables import draw_tables, run_tables
from frontiersim.store.store import RunStore, StoreError

#: How a metric is shown.
MetricKind = Literal["share", "usd", "count", "number", "flag"]

#: Headline metrics: name -> (label, how shown). Unknown metrics are shown as plain numbers.
METRICS: dict[str, tuple[str, MetricKind]] = {
    "p_ruin": ("P(ruin within the horizon)", "share"),
    "p_ruin_low": ("P(ruin), 95% Wilson low", "share"),
    "p_ruin_high": ("P(ruin), 95% Wilson high", "share"),
    "revenue_final_year_median_usd": ("revenue in the final year, median", "usd"),
    "cash_final_year_median_usd": ("cash at the end, median", "usd"),
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
}

#: Metrics read from a run's ``headline`` table.
HEADLINE_METRICS = (
    "p_ruin",
    "p_ruin_low",
    "p_ruin_high",
    "revenue_final_year_median_usd",
    "cash_final_year_median_usd",
)


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
    """

    tables: dict[str, pd.DataFrame]
    draw_tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    artifacts: dict[str, bytes] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)

    def store_in(self, store: RunStore, run_id: str) -> None:
        """Finish the running record ``run_id`` of ``store`` with this payload."""
        store.finish(
            run_id, tables=self.tables, draw_tables=self.draw_tables, artifacts=self.artifacts, metrics=self.metrics
        )


def headline_metrics(tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
    """The :data:`HEADLINE_METRICS` of a run's ``headline`` table (empty without one)."""
    headline = tables.get("headline")
    if headline is None or not len(headline):
        return {}
    row = headline.iloc[0]
    return {name: float(row[name]) for name in HEADLINE_METRICS if name in headline.columns}


def simulation_payload(result: SimulationResult) -> RecordPayload:
    """Summary tables, per-draw tables and headline metrics of a simulation.

    Parameters
    ----------
    result : SimulationResult

    Returns
    -------
    RecordPayload
    """
    tables = run_tables(result)
    return RecordPayload(tables=tables, draw_tables=draw_tables(result), metrics=headline_metrics(tables))


def optimization_payload(
    result: OptimizationResult,
    *,
    frontier: Frontier,
    schedule: pd.DataFrame,
    artifacts: Mapping[str, bytes] = {},
) -> RecordPayload:
    """What an optimization stores: the recommended policy's validation run, the frontier and the comparison.

    Parameters
    ----------
    result : OptimizationResult
    frontier : Frontier
        :meth:`Frontier.from_result` of ``result``.
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
    tables = {
        **base.tables,
        "frontier": frontier.table(),
        "comparison": result.comparison().reset_index(),
        "schedule": _flat(schedule),
    }
    metrics = {
        **base.metrics,
        "recommended_parameter": math.nan if chosen.parameter is None else float(chosen.parameter),
        "objective_mean_usd": chosen.objective.mean,
        "objective_se_usd": chosen.objective.standard_error,
        "objective_cvar_usd": chosen.cvar,
        "confirmed": 1.0 if result.confirmed else 0.0,
        "search_draws": float(result.search_draws),
        "validation_draws": float(result.validation_draws),
    }
    return RecordPayload(tables=tables, draw_tables=base.draw_tables, artifacts=dict(artifacts), metrics=metrics)


def frontier_payload(frontier: Frontier, *, artifacts: Mapping[str, bytes] = {}) -> RecordPayload:
    """What a traced frontier stores: every candidate and naive policy on the search sample.

    Parameters
    ----------
    frontier : Frontier
        From :func:`~frontiersim.optimize.plot.trace_frontier`.
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
    return RecordPayload(tables={"frontier": frontier.table()}, artifacts=dict(artifacts), metrics=metrics)


def coverage_table(result: BacktestResult) -> pd.DataFrame:
    """The 50% and 90% coverage of a backtest, per fitted company and pooled.

    Parameters
    ----------
    result : BacktestResult

    Returns
    -------
    pandas.DataFrame
        Columns ``company`` (``pooled`` for all fitted companies together),
        ``level``, ``covered``, ``n``, ``below``, ``above``, ``rate``,
        ``ci_low``, ``ci_high`` (exact 95%), ``p_value`` and ``verdict``.
    """
    rows: list[tuple[str, Coverage]] = []
    for company in result.companies:
        if company.fitted:
            rows.extend((company.company, company.coverage(level)) for level in LEVELS)
    rows.extend(("pooled", result.coverage(level)) for level in LEVELS)
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


def backtest_payload(result: BacktestResult) -> RecordPayload:
    """What a backtest stores: its forecasts, coverage and summary text.

    Parameters
    ----------
    result : BacktestResult

    Returns
    -------
    RecordPayload
    """
    pooled = {level: result.coverage(level) for level in LEVELS}
    metrics = {f"coverage_{round(100 * level)}": coverage.rate for level, coverage in pooled.items()}
    metrics["forecasts"] = float(pooled[LEVELS[0]].n)
    return RecordPayload(
        tables={"backtest": result.table(), "coverage": coverage_table(result)},
        artifacts={"backtest.txt": (result.summary_text() + "\n").encode("utf-8")},
        metrics=metrics,
    )


def record_simulation(
    store: RunStore, result: SimulationResult, *, message: str = "", command: Sequence[str] = ()
) -> str:
    """Store a finished simulation as a complete ``run`` record and return its id.

    Parameters
    ----------
    store : RunStore
    result : SimulationResult
    message : str
        One line: why the run was made.
    command : sequence of str
        What made it (a command line, or a description such as ``["dashboard"]``).

    Returns
    -------
    str
        The record's id.

    Raises
    ------
    StoreError
        If the store cannot be written; a begun record is then marked failed.
    """
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
        simulation_payload(result).store_in(store, run_id)
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
