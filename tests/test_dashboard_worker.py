"""The simulation worker: its warm-up when it starts, the drivers made beside the tables, the job's timing."""

from __future__ import annotations

import gc
import logging
import signal
import threading
from typing import Any

import pytest

from frontiersim.dashboard import chart_specs, worker
from frontiersim.scenario.loader import bundled

DRAWS, SEED = 1_000, 11


def without_timing(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if key != "timing"}


def test_the_drivers_are_ranked_on_the_side_thread_and_the_answer_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = bundled("default")
    copied: list[str] = []
    ranked: list[str] = []
    original_copy, original_rank = worker.drawn_inputs, worker.drivers_of_drawn

    def recorded_copy(*arguments: Any, **keywords: Any) -> Any:
        copied.append(threading.current_thread().name)
        return original_copy(*arguments, **keywords)

    def recorded_rank(*arguments: Any, **keywords: Any) -> Any:
        ranked.append(threading.current_thread().name)
        return original_rank(*arguments, **keywords)

    monkeypatch.setattr(worker, "drawn_inputs", recorded_copy)
    monkeypatch.setattr(worker, "drivers_of_drawn", recorded_rank)
    beside = worker.simulation_job(lambda: None, scenario, DRAWS, SEED, None)
    # the run's dataset is read on the job's thread only; the side thread ranks the copies
    assert copied == [threading.current_thread().name]
    assert len(ranked) == 1
    assert ranked[0].startswith("dashboard-drivers")
    monkeypatch.setattr(worker, "DRIVERS_BESIDE", False)
    in_turn = worker.simulation_job(lambda: None, scenario, DRAWS, SEED, None)
    assert len(copied) == 1  # in turn, drivers_in_draws reads and ranks on the job's thread
    assert without_timing(beside) == without_timing(in_turn)
    assert beside["charts"][-1]["name"] == "drivers"


def test_drivers_of_another_lab_are_made_again_for_the_lab_drawn() -> None:
    scenario = bundled("four_labs")
    run = worker.simulate_and_tabulate(scenario, DRAWS, SEED, lambda: None)
    first, other = scenario.lab_names[0], scenario.lab_names[1]
    wrong = worker.drivers_beside(run.result, scenario, other, SEED)
    answer = worker.run_payload(run, scenario, DRAWS, SEED, first, wrong)
    expected = worker.run_payload(run, scenario, DRAWS, SEED, first)
    assert answer["charts"][-1] == expected["charts"][-1]
    assert answer["charts"][-1] != wrong.result().chart().chart


def test_the_timing_gives_the_whole_job_and_its_parts() -> None:
    timing = worker.simulation_job(lambda: None, bundled("default"), DRAWS, SEED, None)["timing"]
    parts = ("simulate_seconds", "tables_seconds", "payload_seconds", "drivers_seconds")
    assert set(timing) == {*parts, "job_seconds"}
    assert all(timing[part] > 0 for part in parts)
    assert timing["job_seconds"] >= timing["simulate_seconds"] + timing["tables_seconds"] + timing["payload_seconds"]


def test_the_warm_up_runs_an_update_and_builds_the_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chart_specs, "_SKELETONS", {})
    monkeypatch.setattr(worker, "WARM_UP_DRAWS", 200)
    assert worker.warm_up() is True
    assert {key[:2] for key in chart_specs._SKELETONS} >= {
        ("fan", "revenue_usd_per_year"),
        ("fan", "cash_usd"),
        ("ruin",),
    }


def test_a_failed_warm_up_is_logged_and_the_worker_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_arguments: Any) -> dict[str, Any]:
        raise RuntimeError("no kernels today")

    monkeypatch.setattr(worker, "simulation_job", broken)
    with caplog.at_level(logging.ERROR, logger=worker.__name__):
        assert worker.warm_up() is False
    assert "warm-up failed" in caplog.text


@pytest.mark.parametrize("warm", [True, False])
def test_a_worker_warms_up_when_it_starts_unless_told_not_to(monkeypatch: pytest.MonkeyPatch, warm: bool) -> None:
    done: list[str] = []
    monkeypatch.setattr(worker, "warm_up", lambda: done.append("warm") or True)
    monkeypatch.setattr(gc, "freeze", lambda: done.append("freeze"))  # this test process stays as it is
    monkeypatch.setattr(signal, "signal", lambda *_arguments: None)  # and keeps its SIGINT handler
    monkeypatch.setenv("NUMBA_NUM_THREADS", "1")
    monkeypatch.setattr(worker._StopRequests, "slots", None)
    worker.start_worker([0, 0], warm)
    assert done == (["warm", "freeze"] if warm else [])
