"""Running a sweep: each point simulated by an executor, every point stored by this process.

Each point runs :func:`~frontiersim.simulate.simulate` on its scenario with
the sweep's seed: **common random numbers**. Every point sees the same
random streams (a key's stream is named by its path, so a point that changes
one key changes only what that key drives), and the difference between two
points is the effect of their keys, not of sampling noise (Glasserman,
"Monte Carlo Methods in Financial Engineering", Springer 2003, section 4.2).
Points keep yearly results only, as ``frontiersim run --summary-only`` does,
so that a point's memory does not grow with its months.

A worker returns the point's tables (pandas frames, pickled back); only this
process writes to the run store, one writer for the store file. Each point is
a complete ``run`` record (its scenario text is the scenario with the keys
set, so ``frontiersim rerun`` makes it again), and one record of kind
``sweep`` lists the points: the ``points`` table (point, run id, each key's
value, each lab's headline metrics) and the plan, ``sweep.json``. The numbers
depend on the scenario, the seed and the draws only: not on the executor nor
on the number of workers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from frontiersim.scenario.loader import scenario_hash
from frontiersim.scenario.overrides import override_text
from frontiersim.scenario.schema import Scenario
from frontiersim.simulate import simulate
from frontiersim.sweep.executors import Executor
from frontiersim.sweep.plan import SweepPlan

if TYPE_CHECKING:
    import pandas as pd

    from frontiersim.store import RunStore
    from frontiersim.store.record import RecordPayload

#: Headline metrics in a sweep's ``points`` table, in order.
POINT_METRICS = (
    "p_ruin",
    "p_ruin_low",
    "p_ruin_high",
    "p_ruin_including_runoff",
    "revenue_final_year_median_usd",
    "cash_final_year_median_usd",
    "obligations_after_horizon_median_usd",
)


@dataclass(frozen=True)
class PointTask:
    """What a worker needs to simulate one point (picklable)."""

    index: int
    scenario: Scenario
    draws: int
    seed: int
    keep_per_draw: bool = False


@dataclass(frozen=True)
class PointResult:
    """One point's record payload, as a worker returns it."""

    index: int
    payload: RecordPayload


def run_point(task: PointTask) -> PointResult:
    """Simulate one point and make its record payload (in a worker)."""
    from frontiersim.store.record import simulation_payload  # noqa: PLC0415 (pandas, the store's tables)

    result = simulate(task.scenario, draws=task.draws, seed=task.seed, keep_monthly=False)
    return PointResult(task.index, simulation_payload(result, per_draw=None if task.keep_per_draw else {}))


@dataclass
class SweepResult:
    """A finished sweep.

    Attributes
    ----------
    plan : SweepPlan
    points : pandas.DataFrame
        One row per point and lab: ``point``, ``run_id`` ("" when not
        stored), one column per key, ``lab``, then :data:`POINT_METRICS`.
    sweep_id : str
        The sweep's record ("" when not stored).
    run_ids : list of str
        Each point's record, in order.
    point_tables : list of dict
        Each point's summary tables (kept only when asked for).
    """

    plan: SweepPlan
    points: pd.DataFrame
    sweep_id: str = ""
    run_ids: list[str] = field(default_factory=list)
    point_tables: list[dict[str, pd.DataFrame]] = field(default_factory=list)


def _key_column(values: Sequence[Any]) -> list[Any]:
    """A key's values as one column: numbers as floats when every value is a number, else their TOML text."""
    from frontiersim.scenario.writer import toml_value  # noqa: PLC0415

    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return [float(v) for v in values]
    return [v if isinstance(v, str) else toml_value(v) for v in values]


def points_table(plan: SweepPlan, results: Sequence[PointResult], run_ids: Sequence[str]) -> pd.DataFrame:
    """The ``points`` table of a sweep: one row per point and lab (see :class:`SweepResult`)."""
    import pandas as pd  # noqa: PLC0415

    columns: dict[str, list[Any]] = {"point": [], "run_id": []}
    key_values: dict[str, list[Any]] = {key: [] for key in plan.keys}
    columns["lab"] = []
    metrics: dict[str, list[float]] = {name: [] for name in POINT_METRICS}
    for result, run_id in zip(results, run_ids, strict=True):
        headline = result.payload.tables["headline"]
        point = plan.points[result.index]
        for row in range(len(headline)):
            columns["point"].append(result.index)
            columns["run_id"].append(run_id)
            for key in plan.keys:
                key_values[key].append(point.overrides[key])
            columns["lab"].append(str(headline["lab"].iloc[row]))
            for name in POINT_METRICS:
                metrics[name].append(float(headline[name].iloc[row]) if name in headline else float("nan"))
    table = {
        "point": columns["point"],
        "run_id": columns["run_id"],
        **{key: _key_column(values) for key, values in key_values.items()},
        "lab": columns["lab"],
        **metrics,
    }
    return pd.DataFrame(table)


def run_sweep(
    plan: SweepPlan,
    executor: Executor,
    *,
    store: RunStore | None = None,
    message: str = "",
    command: Sequence[str] = (),
    keep_per_draw: bool = False,
    keep_tables: bool = False,
    progress: Callable[[int], None] | None = None,
    sweep_id: str = "",
) -> SweepResult:
    """Run every point of ``plan`` with ``executor`` and store each as it arrives.

    Parameters
    ----------
    plan : SweepPlan
    executor : Executor
        Entered already (``with make_executor(...) as executor``).
    store : RunStore, optional
        Where the points and the sweep are recorded (nothing is stored without it).
    message : str
        The sweep's one-line message; each point's says which point it is.
    command : sequence of str
        What made the sweep.
    keep_per_draw : bool
        Store each point's per-draw tables too (about 16 MB per 10,000 draws each).
    keep_tables : bool
        Keep each point's summary tables in :attr:`SweepResult.point_tables`.
    progress : callable, optional
        Called with the index of each point as it is stored.
    sweep_id : str
        A ``running`` record of kind ``sweep`` begun by the caller, who marks it
        failed on an error (default: one is begun here when there is a store,
        and marked failed here).

    Returns
    -------
    SweepResult

    Raises
    ------
    StoreError
        If the store cannot be written; the sweep's record is marked failed
        (as on any other error, raised again). Points stored before stay.
    """
    from frontiersim.store.record import RecordPayload, begin_simulation  # noqa: PLC0415

    base = plan.base
    began_here = store is not None and not sweep_id
    if store is not None and not sweep_id:
        sweep_id = store.begin(
            kind="sweep",
            scenario_text=base.source_text or "",
            scenario_name=base.meta.name,
            scenario_sha256=scenario_hash(base),
            seed=plan.seed,
            draws=plan.draws,
            message=message,
            command=command,
        )
    tasks = [
        PointTask(point.index, scenario, plan.draws, plan.seed, keep_per_draw)
        for point, scenario in zip(plan.points, plan.scenarios, strict=True)
    ]
    results: list[PointResult] = []
    run_ids: list[str] = []
    kept: list[dict[str, pd.DataFrame]] = []
    try:
        for result in executor.map(run_point, tasks):
            run_id = ""
            if store is not None:
                point = plan.points[result.index]
                label = f"sweep {sweep_id} point {result.index + 1} of {len(tasks)}: {override_text(point.overrides)}"
                run_id = begin_simulation(
                    store,
                    plan.scenarios[result.index],
                    seed=plan.seed,
                    draws=plan.draws,
                    message=label,
                    command=command,
                )
                result.payload.store_in(store, run_id)
            run_ids.append(run_id)
            if keep_tables:
                kept.append(result.payload.tables)
            # only the headline is kept for the points table; the rest is stored and let go
            headline = RecordPayload(tables={"headline": result.payload.tables["headline"]}, labs=result.payload.labs)
            results.append(PointResult(result.index, headline))
            if progress is not None:
                progress(result.index)
        points = points_table(plan, results, run_ids)
        if store is not None:
            store.finish(
                sweep_id,
                tables={"points": points},
                artifacts={"sweep.json": (json.dumps(plan.describe(), indent=2) + "\n").encode("utf-8")},
                metrics=sweep_metrics(points),
                labs=base.lab_names,
                options={"keep_monthly": False, "design": plan.design},
            )
    except BaseException as error:
        if store is not None and began_here:
            from frontiersim.store.errors import StoreError  # noqa: PLC0415

            with suppress(StoreError):
                store.fail(sweep_id, f"{type(error).__name__}: {error}")
        raise
    return SweepResult(plan, points, sweep_id, run_ids, kept)


def sweep_metrics(points: pd.DataFrame) -> dict[str, float]:
    """Headline metrics of a sweep's record: its number of points and the range of P(ruin) over them (first lab).

    Examples
    --------
    >>> import pandas as pd
    >>> sweep_metrics(pd.DataFrame({"point": [0, 1], "lab": ["lab", "lab"], "p_ruin": [0.1, 0.3]}))
    {'points': 2.0, 'p_ruin_min': 0.1, 'p_ruin_max': 0.3}
    """
    first = points[points["lab"] == points["lab"].iloc[0]] if len(points) else points
    metrics = {"points": float(first["point"].nunique())}
    if len(first):
        metrics["p_ruin_min"] = float(first["p_ruin"].min())
        metrics["p_ruin_max"] = float(first["p_ruin"].max())
    return metrics


def comparable(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Tables without the columns that name records (run ids), to compare two sweeps' numbers."""
    return {name: frame.drop(columns=["run_id"], errors="ignore") for name, frame in tables.items()}


__all__ = [
    "POINT_METRICS",
    "PointResult",
    "PointTask",
    "SweepResult",
    "comparable",
    "points_table",
    "run_point",
    "run_sweep",
    "sweep_metrics",
]
