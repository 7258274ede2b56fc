"""The compiled engine (numba kernels) against the numpy components, its reference.

Every bundled scenario the compiled engine covers must agree with the numpy
engine to 1e-12 (relative to each output's largest magnitude: the two differ
only in the last bits of ``exp`` and ``pow``), with identical ruin months;
each engine must give identical numbers whatever the chunk size and worker
count. Timings are in ``benchmarks/bench_kernels.py``, not here.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import numpy as np
import pytest

import frontiersim as fs
from frontiersim.cli.main import main as cli_main
from frontiersim.environment import SettingError
from frontiersim.models import fused
from frontiersim.models.components.base import Setup
from frontiersim.models.engine import ChunkOutput, run_chunk
from frontiersim.models.registry import assemble, catalogue
from frontiersim.simulate import sample_draws

pytest.importorskip("numba")

#: Agreement of the two engines, relative to each output's largest magnitude.
TOLERANCE = 1e-12

SCENARIOS = sorted(fs.bundled_names())
#: Bundled scenarios the compiled engine does not cover (they run on the numpy engine under "auto").
NUMPY_ONLY = {"capability_driven"}


def _arrays(output: ChunkOutput) -> dict[str, np.ndarray[Any, Any]]:
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    for group in ("by_month", "by_year", "final"):
        for name, values in getattr(output, group).items():
            arrays[f"{group}.{name}"] = np.asarray(values)
    return arrays


def assert_agree(reference: ChunkOutput, compiled: ChunkOutput) -> None:
    """Every output of ``compiled`` within :data:`TOLERANCE` of ``reference``; integer outputs equal."""
    expected, actual = _arrays(reference), _arrays(compiled)
    assert list(expected) == list(actual)
    for name, values in expected.items():
        other = actual[name]
        assert other.shape == values.shape, name
        assert other.dtype == values.dtype, name
        if values.dtype.kind in "iub":
            np.testing.assert_array_equal(other, values, err_msg=name)
            continue
        assert np.array_equal(np.isfinite(other), np.isfinite(values)), name
        finite = np.isfinite(values)
        scale = float(np.max(np.abs(values[finite]), initial=0.0))
        np.testing.assert_allclose(other[finite], values[finite], rtol=TOLERANCE, atol=TOLERANCE * scale, err_msg=name)


def _ten_years(scenario: fs.Scenario) -> fs.Scenario:
    return dataclasses.replace(scenario, meta=dataclasses.replace(scenario.meta, horizon_years=10))


@pytest.mark.parametrize("keep_monthly", [False, True])
@pytest.mark.parametrize("name", SCENARIOS)
def test_compiled_engine_agrees_with_numpy_on_every_bundled_scenario(name: str, keep_monthly: bool) -> None:
    scenario = fs.bundled(name)
    if name in NUMPY_ONLY:
        with pytest.raises(ValueError, match="compiled engine cannot run"):
            run_chunk(scenario, sample_draws(scenario, 0, 50, 3), engine="numba")
        return
    reference = run_chunk(scenario, sample_draws(scenario, 0, 600, 11), keep_monthly=keep_monthly, engine="numpy")
    compiled = run_chunk(scenario, sample_draws(scenario, 0, 600, 11), keep_monthly=keep_monthly, engine="numba")
    assert_agree(reference, compiled)


@pytest.mark.parametrize("name", ["default", "four_labs"])
def test_compiled_engine_agrees_over_ten_years_with_monthly_outputs_given(name: str) -> None:
    """Ten years (several decisions a year, rounds, ruin) and monthly arrays written into the caller's buffers."""
    scenario = _ten_years(fs.bundled(name))
    draws = 700
    reference = run_chunk(scenario, sample_draws(scenario, 0, draws, 5), engine="numpy")
    buffers = {name: np.full_like(values, np.nan) for name, values in reference.by_month.items()}
    compiled = run_chunk(scenario, sample_draws(scenario, 0, draws, 5), engine="numba", monthly_out=buffers)
    assert_agree(reference, compiled)
    for output, values in compiled.by_month.items():
        np.testing.assert_array_equal(buffers[output], values)
    ruined = reference.final["ruin_month"] >= 0
    assert ruined.any()
    assert not ruined.all()


def test_auto_runs_the_compiled_engine_where_it_covers_the_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[bool] = []
    real = fused.run_fused

    def spy(*arguments: Any) -> Any:
        ran.append(True)
        return real(*arguments)

    monkeypatch.setattr("frontiersim.models.engine.run_fused", spy)
    monkeypatch.delenv(fused.ENGINE_VARIABLE, raising=False)
    scenario = fs.bundled("default")
    run_chunk(scenario, sample_draws(scenario, 0, 20, 1))
    assert ran == [True]
    capability = fs.bundled("capability_driven")
    run_chunk(capability, sample_draws(capability, 0, 20, 1))  # numpy engine, no error
    assert ran == [True]
    monkeypatch.setenv(fused.ENGINE_VARIABLE, "numpy")
    run_chunk(scenario, sample_draws(scenario, 0, 20, 1))
    assert ran == [True]


def test_uncovered_names_the_component_the_kernels_lack() -> None:
    for name in SCENARIOS:
        scenario = fs.bundled(name)
        setup = Setup(scenario, sample_draws(scenario, 0, 4, 1))
        components = [component.build(setup) for component in assemble(scenario)]
        reason = fused.uncovered(components, catalogue(scenario))
        assert (reason is None) == (name not in NUMPY_ONLY), (name, reason)
        if name == "capability_driven":
            assert reason == "the demand component CapabilityDemandComponent is not compiled"


def test_an_unknown_engine_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fused.ENGINE_VARIABLE, "fortran")
    with pytest.raises(SettingError, match="FRONTIERSIM_ENGINE='fortran': expected one of auto, numba, numpy"):
        fused.chosen_engine()
    assert fused.chosen_engine("numpy") == "numpy"
    monkeypatch.delenv(fused.ENGINE_VARIABLE)
    with pytest.raises(ValueError, match="engine must be one of auto, numba, numpy, got 'fortran'") as raised:
        fused.chosen_engine("fortran")  # an argument, not the environment: no variable to name
    assert not isinstance(raised.value, SettingError)


@pytest.mark.parametrize(
    ("variable", "value", "arguments"),
    [
        ("FRONTIERSIM_ENGINE", "fortran", ["run", "default", "--draws", "200", "--no-save", "--no-store"]),
        (
            "FRONTIERSIM_SKETCH_ENGINE",
            "fortran",
            ["run", "default", "--draws", "200", "--no-save", "--no-store", "--no-draws"],
        ),
    ],
)
def test_the_command_line_refuses_an_unknown_engine_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Any,
    variable: str,
    value: str,
    arguments: list[str],
) -> None:
    # Exit code 2 and the variable, its value and what it takes, without a traceback.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, value)
    assert cli_main(arguments) == 2
    error = capsys.readouterr().err
    assert f"{variable}='{value}': expected one of" in error
    assert "Traceback" not in error


def _yearly(result: fs.SimulationResult) -> dict[str, np.ndarray[Any, Any]]:
    dataset = result.dataset
    return {name: dataset[name].values for name in dataset.data_vars}


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_each_engine_is_identical_across_chunk_sizes_and_workers(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fused.ENGINE_VARIABLE, engine)  # inherited by the worker processes
    scenario = fs.bundled("four_labs")
    whole = _yearly(fs.simulate(scenario, draws=900, seed=17, keep_monthly=False, chunk_size=900))
    for chunk_size, workers in ((128, 1), (301, 2)):
        cut = _yearly(
            fs.simulate(scenario, draws=900, seed=17, keep_monthly=False, chunk_size=chunk_size, workers=workers)
        )
        assert list(cut) == list(whole)
        for name, values in whole.items():
            np.testing.assert_array_equal(
                cut[name], values, err_msg=f"{name}, chunks of {chunk_size}, {workers} workers"
            )


def test_the_compiled_engine_gives_the_same_numbers_on_any_number_of_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = _ten_years(fs.bundled("four_labs"))
    runs = []
    for threads in ("1", "2", "3"):
        monkeypatch.setenv("NUMBA_NUM_THREADS", threads)
        assert fused.kernel_threads() == int(threads)
        runs.append(
            _arrays(run_chunk(scenario, sample_draws(scenario, 0, 1600, 9), keep_monthly=False, engine="numba"))
        )
    for other in runs[1:]:
        assert list(other) == list(runs[0])
        for name, values in runs[0].items():
            np.testing.assert_array_equal(other[name], values, err_msg=name)


def test_freed_memory_is_kept_once_per_process_on_glibc() -> None:
    import platform  # noqa: PLC0415

    first = fused.keep_freed_memory()
    assert fused.keep_freed_memory() is first
    assert first == (platform.libc_ver()[0] == "glibc" and os.environ.get("FRONTIERSIM_KEEP_FREED_MEMORY", "1") != "0")


def test_first_year_reference_factors_follow_each_column_and_are_computed_again_where_it_changes() -> None:
    """The first year's factors of each column, whatever the columns before it (mutation: keep the first column's)."""
    from frontiersim.models import fused_kernels  # noqa: PLC0415 (numba)

    references = np.array([10.0, 10.0, 3.0, 3.0, np.nan, np.nan, 10.0, 1.0, 0.5, 0.5])
    factors = np.empty((12, references.size))
    fused_kernels.first_year_reference_factors(references, factors)
    months = np.arange(12)[:, None]
    with np.errstate(invalid="ignore"):
        expected = references[None, :] ** ((months - 12) / 12.0)
    np.testing.assert_allclose(factors, expected, rtol=1e-15)
    assert np.isnan(factors[:, 4:6]).all()
    np.testing.assert_array_equal(factors[:, 6], factors[:, 0])
    assert factors[0, 2] == pytest.approx(1 / 3)
    empty = np.empty((12, 0))
    fused_kernels.first_year_reference_factors(np.empty(0), empty)
