"""Sweeps: designs, plans, executors and bit-identical stored results whichever executor runs them."""

from __future__ import annotations

import itertools
import math
import operator
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from frontiersim.results.tables import run_tables
from frontiersim.scenario.errors import ScenarioError
from frontiersim.scenario.loader import bundled
from frontiersim.simulate import extra_workers_note, simulate
from frontiersim.store import RunStore
from frontiersim.sweep import (
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    comparable,
    default_workers,
    grid,
    latin_hypercube,
    make_executor,
    plan_sweep,
    run_sweep,
)
from frontiersim.sweep.design import unit_hypercube
from frontiersim.sweep.plan import SweepPlan

# ---------------------------------------------------------------------------
# Designs
# ---------------------------------------------------------------------------


def test_a_grid_is_every_combination_once_the_last_key_fastest() -> None:
    values = {"a": [1, 2, 3], "b": ["x", "y"], "c": [True]}
    points = grid(values)
    assert len(points) == 3 * 2 * 1
    assert [p.index for p in points] == list(range(6))
    assert [tuple(v for _, v in p.values) for p in points] == list(itertools.product(*values.values()))
    assert points[1].overrides == {"a": 1, "b": "y", "c": True}


@settings(max_examples=40, deadline=None)
@given(keys=st.integers(1, 4), points=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
def test_a_latin_hypercube_has_one_point_in_each_stratum_of_each_key(keys: int, points: int, seed: int) -> None:
    sample = unit_hypercube(keys, points, seed)
    assert sample.shape == (points, keys)
    assert np.all((sample >= 0) & (sample < 1))
    for column in range(keys):
        strata = np.floor(sample[:, column] * points).astype(int)
        assert sorted(strata.tolist()) == list(range(points))


@settings(max_examples=30, deadline=None)
@given(
    low=st.floats(-1e6, 1e6),
    width=st.floats(0, 1e6),
    points=st.integers(1, 25),
    seed=st.integers(0, 1000),
)
def test_latin_hypercube_points_fill_the_range_stratum_by_stratum(
    low: float, width: float, points: int, seed: int
) -> None:
    high = low + width
    design = latin_hypercube({"k": (low, high)}, points, seed)
    values = sorted(point.overrides["k"] for point in design)
    assert all(low <= v <= high for v in values)
    if width > 0:
        # the i-th smallest value lies in the i-th stratum of [low, high]
        for i, value in enumerate(values):
            lower = low + i * width / points
            upper = low + (i + 1) * width / points
            assert lower - 1e-9 * max(1.0, abs(lower)) <= value <= upper + 1e-9 * max(1.0, abs(upper))


def test_a_latin_hypercube_is_reproducible_from_its_seed_and_rounds_whole_number_keys() -> None:
    ranges = {"a": (0.0, 1.0), "months": (6.0, 24.0)}
    first = latin_hypercube(ranges, 8, seed=11, whole_number_keys=["months"])
    assert first == latin_hypercube(ranges, 8, seed=11, whole_number_keys=["months"])
    assert first != latin_hypercube(ranges, 8, seed=12, whole_number_keys=["months"])
    assert all(isinstance(p.overrides["months"], int) and 6 <= p.overrides["months"] <= 24 for p in first)
    with pytest.raises(ValueError, match="low > high"):
        latin_hypercube({"a": (2.0, 1.0)}, 3, seed=1)


# ---------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------


def test_a_plan_sets_each_points_keys_on_the_base_scenario() -> None:
    plan = plan_sweep(
        bundled("default"),
        {"policy.hedge_factor": [0.4, 0.6], "compute.lead_time_months": [12, 18]},
        draws=10,
        seed=1,
    )
    assert plan.design == "grid"
    assert [(s.policy.hedge_factor, s.compute.lead_time_months) for s in plan.scenarios] == [
        (0.4, 12),
        (0.4, 18),
        (0.6, 12),
        (0.6, 18),
    ]
    assert plan.draw_months == 4 * 10 * 60


def test_an_lhs_plan_samples_ranges_and_holds_single_values() -> None:
    plan = plan_sweep(
        bundled("default"),
        {"policy.hedge_factor": ["0.2:0.8"], "operations.allocation_rule": ["residual"]},
        draws=10,
        seed=5,
        lhs_points=6,
    )
    assert plan.design == "lhs"
    shares = sorted(s.policy.hedge_factor for s in plan.scenarios)
    assert [math.floor((x - 0.2) / 0.6 * 6) for x in shares] == list(range(6))
    assert {s.operations.allocation_rule for s in plan.scenarios} == {"residual"}


@pytest.mark.parametrize(
    ("values", "lhs", "expected"),
    [
        ({"policy.hedge_facter": [0.4]}, None, "did you mean 'policy.hedge_factor'?"),
        ({"policy.hedge_factor": ["0.2:0.8"]}, None, "a range LOW:HIGH is sampled only with --lhs N"),
        ({"policy.hedge_factor": [0.2, 0.8]}, 4, "one range LOW:HIGH to sample"),
        ({"operations.allocation_rule": ["1:2"]}, 4, "this key takes no number"),
        ({"policy.hedge_factor": ["0.8:0.2"]}, 4, "LOW <= HIGH"),
        ({"operations.allocation_rule": ["residual"]}, 4, "at least one --set KEY=LOW:HIGH"),
        ({}, None, "at least one --set"),
        ({"simulation.seed": [1, 2]}, None, "every point runs with the sweep's --seed"),
    ],
)
def test_bad_sweeps_are_refused_before_anything_runs(
    values: dict[str, list[Any]], lhs: int | None, expected: str
) -> None:
    with pytest.raises(ScenarioError, match=re.escape(expected)):
        plan_sweep(bundled("default"), values, draws=10, seed=1, lhs_points=lhs)


def test_every_bad_point_is_reported_and_a_shared_problem_once() -> None:
    with pytest.raises(ScenarioError) as caught:
        plan_sweep(
            bundled("default"),
            {"policy.hedge_factor": [-1, 0.5, -2], "operations.allocation_rule": ["nope", "residual"]},
            draws=10,
            seed=1,
        )
    problems = [str(p) for p in caught.value.problems]
    assert sum("policy.hedge_factor: got -1 " in p for p in problems) == 1
    assert sum("policy.hedge_factor: got -2 " in p for p in problems) == 1
    assert sum("operations.allocation_rule: got 'nope'" in p for p in problems) == 1
    assert len(problems) == 3


# ---------------------------------------------------------------------------
# Executors and results
# ---------------------------------------------------------------------------


def _small_plan() -> SweepPlan:
    return plan_sweep(
        bundled("default"), {"policy.hedge_factor": [0.3, 0.9], "compute.lead_time_months": [12, 24]}, draws=96, seed=7
    )


def _stored(store: RunStore, run_ids: list[str], sweep_id: str) -> list[dict[str, pd.DataFrame]]:
    return [comparable(store.get(run_id).tables) for run_id in [*run_ids, sweep_id]]


@pytest.fixture(scope="module")
def sweeps_by_executor(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, pd.DataFrame]]]:
    """The stored tables of one sweep run on each executor (Dask on a LocalCluster started here)."""
    plan = _small_plan()
    stored: dict[str, list[dict[str, pd.DataFrame]]] = {}
    folder = tmp_path_factory.mktemp("sweeps")
    environment = dict(os.environ)
    for executor in (SerialExecutor(), ProcessExecutor(2), DaskExecutor(workers=2)):
        store = RunStore(folder / f"{executor.name}.duckdb")
        with executor:
            assert list(executor.map(operator.neg, range(7))) == [0, -1, -2, -3, -4, -5, -6]
            result = run_sweep(plan, executor, store=store, message="test")
        stored[executor.name] = _stored(store, result.run_ids, result.sweep_id)
    assert dict(os.environ) == environment  # the Dask nanny's variables for its workers are not left behind
    return stored


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_stored_results_are_bit_identical_whichever_executor_ran_them(
    sweeps_by_executor: dict[str, list[dict[str, pd.DataFrame]]], executor: str
) -> None:
    serial, other = sweeps_by_executor["serial"], sweeps_by_executor[executor]
    assert len(serial) == len(other) == 5  # four points and the sweep
    for serial_tables, other_tables in zip(serial, other, strict=True):
        assert sorted(serial_tables) == sorted(other_tables)
        for name, table in serial_tables.items():
            pd.testing.assert_frame_equal(table, other_tables[name], check_exact=True)


def test_each_point_is_the_run_of_its_scenario_with_the_sweeps_seed(
    sweeps_by_executor: dict[str, list[dict[str, pd.DataFrame]]],
) -> None:
    plan = _small_plan()
    expected = run_tables(simulate(plan.scenarios[2], draws=96, seed=7, keep_monthly=False))
    stored = sweeps_by_executor["serial"][2]
    pd.testing.assert_frame_equal(stored["headline"], expected["headline"], check_exact=True)
    points = sweeps_by_executor["serial"][-1]["points"]
    assert points["policy.hedge_factor"].tolist() == [0.3, 0.3, 0.9, 0.9]
    assert points["compute.lead_time_months"].tolist() == [12.0, 24.0, 12.0, 24.0]
    assert points["p_ruin"].iloc[2] == expected["headline"]["p_ruin"].iloc[0]


def test_common_random_numbers_a_key_that_changes_nothing_changes_no_number() -> None:
    base = bundled("default")
    plan = plan_sweep(base, {"policy.hedge_factor": [base.policy.hedge_factor] * 2}, draws=64, seed=3)
    with SerialExecutor() as executor:
        result = run_sweep(plan, executor, keep_tables=True)
    first, second = result.point_tables
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], check_exact=True)


class _FailingExecutor:
    """Runs the first item, then fails."""

    name = "failing"
    workers = 1

    def map(self, function: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        items = list(items)
        yield function(items[0])
        raise RuntimeError("worker lost")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        return None


def test_a_failed_sweep_is_marked_failed_and_keeps_the_points_already_stored(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs.duckdb")
    with pytest.raises(RuntimeError, match="worker lost"):
        run_sweep(_small_plan(), _FailingExecutor(), store=store)
    infos = {info.kind: info for info in store.list()}
    assert infos["sweep"].status == "failed"
    assert infos["run"].status == "complete"
    assert len(store.list()) == 2


def test_workers_default_to_the_cores_and_say_when_more_cannot_help() -> None:
    assert default_workers(20, cores=2) == 2
    assert default_workers(3, cores=8) == 3
    assert extra_workers_note(2, 20, cores=2) is None
    assert "4 workers on 2 cores" in str(extra_workers_note(4, 20, cores=2, task_name="point"))
    assert "3 points for 4 workers" in str(extra_workers_note(4, 3, cores=8, task_name="point"))
    with pytest.raises(ValueError, match="dask executor"):
        make_executor("processes", 2, "tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="unknown executor"):
        make_executor("threads", 2)
